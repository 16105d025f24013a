"""A local stand-in for the Hugging Face Hub, for tests only (not product code).

:class:`LocalHub` is a threaded HTTP server on ``127.0.0.1`` that answers the requests
``huggingface_hub`` 2.x really sends when a model repository is created, committed to
(regular files inline, large files through the Git LFS "basic" transfer), listed and
downloaded (``snapshot_download``, which Keras' ``load_model("hf://...")`` uses):

====================================================  ===============  =====================
request                                               endpoint name    called by
====================================================  ===============  =====================
GET  /api/whoami-v2                                   whoami           HfApi.whoami
GET  /api/agent-harnesses                             agent-harnesses  user-agent headers
POST /api/repos/create                                create           HfApi.create_repo
GET  /api/models/{repo}[/revision/{rev}]              repo-info        repo_info, snapshot
POST /api/validate-yaml                               validate-yaml    create_commit (README)
POST /api/models/{repo}/preupload/{rev}               preupload        create_commit
POST /{repo}.git/info/lfs/objects/batch               lfs-batch        create_commit (LFS)
PUT  /_lfs/{oid}                                      lfs-upload       create_commit (LFS)
POST /_lfs/{oid}/verify                               lfs-verify       create_commit (LFS)
POST /api/models/{repo}/commit/{rev}  (NDJSON)        commit           create_commit
GET  /api/models/{repo}/tree/{rev}[/{path}]           tree             snapshot_download
HEAD|GET /{repo}/resolve/{rev}/{path}                 resolve          hf_hub_download
GET  /api/models/{repo}/xet-write-token/{rev}         xet-write-token  hf_xet (uploads)
====================================================  ===============  =====================

Anything else is answered 501 and recorded in :attr:`LocalHub.unknown` (and printed to
stderr), so a gap between this server and the client shows up loudly instead of hiding.

It stores files over plain LFS only. ``huggingface_hub`` picks the Xet protocol for
uploads whenever ``hf_xet`` is installed (it does not ask the server), so tests that upload
must set ``huggingface_hub.constants.HF_HUB_DISABLE_XET`` (the ``local_hub`` fixture does).
With Xet left on, the real ``hf_xet`` asks ``xet-write-token`` for storage credentials: the
token is checked as the Hub checks it (401, 403), then the answer is 501 (no Xet storage
here), which is how the tests reach the client's Xet failure path.
Downloads use Xet only when the server sends ``X-Xet-Hash``; this one never does.

Failures are injected per endpoint with :meth:`LocalHub.fail` (status code, how many
times, a delay for timeouts, or "after": the change is made but the answer is an error).
Every answer carries an ``X-Request-Id`` (``local-<n>-<hex>``) as the Hub's do, so clients
can quote it; :meth:`LocalHub.calls` counts the requests that reached an endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

LFS_SUFFIXES = (".h5", ".keras", ".bin", ".npz", ".npy", ".png", ".jpg", ".zip", ".pkl")
LFS_THRESHOLD = 10 * 1024 * 1024  # the Hub stores files over 10 MB in LFS
WRITE_ROLES = ("write", "admin", "contributor")
REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"


@dataclass
class User:
    name: str
    token: str
    orgs: dict[str, str] = field(default_factory=dict)  # org -> role in org
    role: str = "write"  # token role: write | read | fineGrained
    scopes: dict[str, list[str]] = field(default_factory=dict)  # fineGrained: ns -> permissions


@dataclass
class Blob:
    """A file in a commit: its bytes, and whether it is stored through LFS."""

    data: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def git_oid(self) -> str:
        """The git blob id: of the content, or of the LFS pointer for LFS files."""
        body = self.pointer if self.lfs else self.data
        return hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()

    @property
    def pointer(self) -> bytes:
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
            f"size {len(self.data)}\n"
        ).encode()


@dataclass
class Commit:
    oid: str
    parent: str | None
    summary: str
    files: dict[str, Blob]


@dataclass
class Repo:
    repo_id: str
    private: bool = False
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "main", "refs/pr/1" -> commit oid

    def resolve(self, rev: str) -> Commit | None:
        oid = self.refs.get(rev) or (rev if rev in self.commits else None)
        return self.commits.get(oid) if oid else None

    def files(self, rev: str = "main") -> dict[str, bytes]:
        """Path -> content at ``rev`` (for assertions)."""
        commit = self.resolve(rev)
        return {p: b.data for p, b in commit.files.items()} if commit else {}


@dataclass
class Fault:
    """An injected failure: ``status`` (or a delay) for the next ``times`` requests."""

    endpoint: str
    status: int = 500
    times: int = 1  # -1: every request
    delay: float = 0.0
    after: bool = False  # process the request, then answer with the error
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class LocalHub:
    """The server and its state. Use as a context manager or call start()/stop()."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}
        self.lfs_store: dict[str, bytes] = {}
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, str, int]] = []  # method, path, endpoint, status
        self.unknown: list[str] = []
        self.bodies: list[bytes] = []  # every request body, to look for leaked secrets
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._url = ""
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._url, "start() the hub first"
        return self._url

    def start(self) -> LocalHub:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        host, port = self._server.server_address[:2]
        self._url = f"http://{host}:{port}"
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- set-up ----------------------------------------------------------------------
    def add_user(
        self,
        name: str,
        token: str,
        *,
        orgs: dict[str, str] | None = None,
        role: str = "write",
        scopes: dict[str, list[str]] | None = None,
    ) -> User:
        """A token for account ``name``; ``role="fineGrained"`` tokens hold ``scopes``."""
        user = User(name, token, dict(orgs or {}), role, dict(scopes or {}))
        self.users[token] = user
        return user

    def add_repo(
        self, repo_id: str, files: dict[str, bytes] | None = None, *, private: bool = False
    ) -> Repo:
        """Create a repository directly (e.g. one that belongs to someone else)."""
        repo = Repo(repo_id, private)
        self.repos[repo_id] = repo
        blobs = {p: Blob(d, _is_lfs(p, d)) for p, d in (files or {}).items()}
        self._new_commit(repo, "main", "initial commit", blobs)
        return repo

    def fail(
        self,
        endpoint: str,
        status: int = 500,
        *,
        times: int = 1,
        delay: float = 0.0,
        after: bool = False,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Make the next ``times`` requests to ``endpoint`` fail (``"*"``: any endpoint)."""
        fault = Fault(endpoint, status, times, delay, after, message, dict(headers or {}))
        self.faults.append(fault)
        return fault

    def calls(self, endpoint: str) -> int:
        """How many requests reached ``endpoint``."""
        return sum(1 for entry in self.log if entry[2] == endpoint)

    # -- state changes ---------------------------------------------------------------
    def _new_commit(
        self,
        repo: Repo,
        ref: str,
        summary: str,
        files: dict[str, Blob],
        parent_ref: str | None = None,
    ) -> Commit:
        parent = repo.refs.get(parent_ref or ref)
        oid = hashlib.sha1(uuid.uuid4().bytes).hexdigest()
        commit = Commit(oid, parent, summary, files)
        repo.commits[oid] = commit
        repo.refs[ref] = oid
        return commit

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.endpoint in (endpoint, "*") and fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None


def _is_lfs(path: str, data: bytes) -> bool:
    return (
        len(data) >= LFS_THRESHOLD
        or path.lower().endswith(LFS_SUFFIXES)
        or "tfevents" in path
        or b"\0" in data[:1024]
    )


class _HubError(Exception):
    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
    ):
        super().__init__(message)
        self.status, self.message, self.headers, self.extra = status, message, headers or {}, extra


def _repo_not_found(repo_id: str) -> _HubError:
    return _HubError(404, f"Repository not found: {repo_id}", {"X-Error-Code": "RepoNotFound"})


class _Handler(BaseHTTPRequestHandler):
    hub: LocalHub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms stalls

    ROUTES: list[tuple[str, re.Pattern[str], str]] = [
        ("GET", re.compile(r"/api/whoami-v2"), "whoami"),
        ("GET", re.compile(r"/api/agent-harnesses"), "agent-harnesses"),
        ("POST", re.compile(r"/api/repos/create"), "create"),
        ("POST", re.compile(r"/api/validate-yaml"), "validate-yaml"),
        ("POST", re.compile(rf"/api/models/{REPO}/preupload/(?P<rev>[^/]+)"), "preupload"),
        ("POST", re.compile(rf"/api/models/{REPO}/commit/(?P<rev>[^/]+)"), "commit"),
        ("GET", re.compile(rf"/api/models/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?"), "tree"),
        ("GET", re.compile(rf"/api/models/{REPO}(?:/revision/(?P<rev>[^/]+))?"), "repo-info"),
        ("POST", re.compile(rf"/{REPO}\.git/info/lfs/objects/batch"), "lfs-batch"),
        ("PUT", re.compile(r"/_lfs/(?P<oid>[0-9a-f]{64})"), "lfs-upload"),
        ("POST", re.compile(r"/_lfs/(?P<oid>[0-9a-f]{64})/verify"), "lfs-verify"),
        (
            "GET",
            re.compile(rf"/api/models/{REPO}/xet-write-token/(?P<rev>[^/]+)"),
            "xet-write-token",
        ),
        ("HEAD", re.compile(rf"/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)"), "resolve"),
        ("GET", re.compile(rf"/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)"), "resolve"),
    ]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass  # quiet: the hub keeps its own log

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing --------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        body = self._read_body()
        self.hub.bodies.append(body)
        found = next(
            (
                (name, match)
                for verb, pattern, name in self.ROUTES
                if verb == method and (match := pattern.fullmatch(split.path))
            ),
            None,
        )
        if found is None:
            line = f"{method} {self.path}"
            self.hub.unknown.append(line)
            print(f"[local hub] UNKNOWN REQUEST {line}", file=sys.stderr)
            self._send(501, {"error": f"local hub does not implement {line}"}, "unknown")
            return
        name, match = found
        params = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
        fault = self.hub._take_fault(name)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and not fault.after and fault.status:
            self._send_fault(fault, name)
            return
        try:
            with self.hub._lock:
                status, payload, headers = getattr(self, "_" + name.replace("-", "_"))(
                    body=body, **params
                )
        except _HubError as exc:
            self._send(exc.status, {"error": exc.message, **exc.extra}, name, exc.headers)
            return
        if fault and fault.status:  # "after": the change is made, the answer is lost
            self._send_fault(fault, name)
            return
        self._send(status, payload, name, headers, head=method == "HEAD")

    def _send_fault(self, fault: Fault, name: str) -> None:
        message = fault.message or f"injected failure on {name}"
        headers = {"X-Error-Message": message, **fault.headers}
        self._send(fault.status, {"error": message}, name, headers)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        payload: Any,
        name: str,
        headers: dict[str, str] | None = None,
        *,
        head: bool = False,
    ) -> None:
        self.hub.log.append((self.command, self.path, name, status))
        request_id = f"local-{len(self.hub.log)}-{uuid.uuid4().hex[:8]}"
        if isinstance(payload, bytes):
            data, ctype = payload, "application/octet-stream"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", request_id)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    # -- auth ------------------------------------------------------------------------
    def _user(self, required: bool = True) -> User | None:
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
        user = self.hub.users.get(token)
        if user is None and (required or token):
            message = "Invalid credentials in Authorization header"
            raise _HubError(401, message, {"X-Error-Message": message})
        return user

    def _writable(self, user: User, namespace: str, action: str) -> None:
        if user.role == "read":
            raise _HubError(403, f"You don't have the rights to {action}: this token is read-only")
        if user.role == "fineGrained" and "repo.write" not in user.scopes.get(namespace, []):
            raise _HubError(
                403, f"This fine-grained token has no write access to repos under {namespace}"
            )
        if namespace != user.name and user.orgs.get(namespace) not in WRITE_ROLES:
            raise _HubError(
                403, f'You don\'t have the rights to {action} under the namespace "{namespace}"'
            )

    def _repo(self, repo_id: str, *, write: bool = False, action: str = "write") -> Repo:
        user = self._user(required=write)
        repo = self.hub.repos.get(repo_id)
        namespace = repo_id.split("/")[0]
        owner = user is not None and (namespace == user.name or namespace in user.orgs)
        if repo is None or (repo.private and not owner):
            raise _repo_not_found(repo_id)
        if write:
            self._writable(user, namespace, action)
        return repo

    # -- endpoints -------------------------------------------------------------------
    def _whoami(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        user = self._user()
        return (
            200,
            {
                "type": "user",
                "name": user.name,
                "fullname": user.name,
                "orgs": [
                    {"type": "org", "name": org, "roleInOrg": role}
                    for org, role in user.orgs.items()
                ],
                "auth": {
                    "type": "access_token",
                    "accessToken": {
                        "displayName": "test token",
                        "role": user.role,
                        **(
                            {
                                "fineGrained": {
                                    "scoped": [
                                        {
                                            "entity": {
                                                "type": "user" if ns == user.name else "org",
                                                "name": ns,
                                            },
                                            "permissions": perms,
                                        }
                                        for ns, perms in user.scopes.items()
                                    ]
                                }
                            }
                            if user.role == "fineGrained"
                            else {}
                        ),
                    },
                },
            },
            {},
        )

    def _agent_harnesses(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        return 200, {"standardEnvVars": [], "harnesses": {}}, {}

    def _create(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        user = self._user()
        payload = json.loads(body)
        namespace = payload.get("organization") or user.name
        repo_id = f"{namespace}/{payload['name']}"
        if payload.get("type", "model") != "model":
            raise _HubError(400, "the local hub only hosts model repositories")
        self._writable(user, namespace, "create a model")
        if repo_id in self.hub.repos:  # the Hub names the existing repo in its 409
            raise _HubError(
                409,
                "You already created this model repo",
                {"X-Error-Message": "You already created this model repo"},
                url=f"{self.hub.url}/{repo_id}",
            )
        repo = Repo(repo_id, payload.get("visibility") == "private" or bool(payload.get("private")))
        self.hub.repos[repo_id] = repo
        self.hub._new_commit(
            repo,
            "main",
            "initial commit",
            {".gitattributes": Blob(b"*.h5 filter=lfs diff=lfs merge=lfs -text\n", False)},
        )
        return 200, {"url": f"{self.hub.url}/{repo_id}", "name": repo_id}, {}

    def _repo_info(self, body: bytes, repo: str, rev: str = "main") -> tuple[int, Any, dict]:
        found = self._repo(repo)
        commit = found.resolve(rev)
        if commit is None:
            raise _HubError(404, f"Revision not found: {rev}", {"X-Error-Code": "RevisionNotFound"})
        return (
            200,
            {
                "id": repo,
                "author": repo.split("/")[0],
                "sha": commit.oid,
                "private": found.private,
                "lastModified": "2025-01-01T00:00:00.000Z",
                "tags": [],
                "siblings": [{"rfilename": path} for path in sorted(commit.files)],
            },
            {},
        )

    def _validate_yaml(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        content = json.loads(body)["content"]
        errors = _front_matter_errors(content)
        if errors:
            return 400, {"errors": [{"message": e} for e in errors], "warnings": []}, {}
        return 200, {"errors": [], "warnings": []}, {}

    def _preupload(self, body: bytes, repo: str, rev: str) -> tuple[int, Any, dict]:
        found = self._repo(repo, write=True, action="upload files")
        commit = found.resolve(rev)
        files = []
        for entry in json.loads(body)["files"]:
            sample = base64.b64decode(entry["sample"])
            lfs = entry["size"] >= LFS_THRESHOLD or _is_lfs(entry["path"], sample)
            existing = commit.files.get(entry["path"]) if commit else None
            oid = None
            if existing is not None:  # the client skips files whose oid did not change
                oid = existing.sha256 if existing.lfs else existing.git_oid
            files.append(
                {
                    "path": entry["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": oid,
                }
            )
        return 200, {"files": files, "commitOid": commit.oid if commit else None}, {}

    def _lfs_batch(self, body: bytes, repo: str) -> tuple[int, Any, dict[str, str]]:
        self._repo(repo, write=True, action="upload large files")
        request = json.loads(body)
        objects = []
        for obj in request["objects"]:
            entry: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.hub.lfs_store:
                href = f"{self.hub.url}/_lfs/{obj['oid']}"
                entry["actions"] = {"upload": {"href": href}, "verify": {"href": f"{href}/verify"}}
            objects.append(entry)
        return 200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}, {}

    def _lfs_upload(self, body: bytes, oid: str) -> tuple[int, Any, dict[str, str]]:
        if hashlib.sha256(body).hexdigest() != oid:
            raise _HubError(400, f"uploaded content does not match oid {oid}")
        self.hub.lfs_store[oid] = body
        return 200, {}, {}

    def _lfs_verify(self, body: bytes, oid: str) -> tuple[int, Any, dict[str, str]]:
        request = json.loads(body)
        stored = self.hub.lfs_store.get(oid)
        if stored is None or len(stored) != request["size"]:
            raise _HubError(404, f"LFS object {oid} was not uploaded")
        return 200, {}, {}

    def _xet_write_token(self, body: bytes, repo: str, rev: str) -> tuple[int, Any, dict]:
        self._repo(repo, write=True, action="upload to Xet storage")
        raise _HubError(501, "this local hub has no Xet storage; it stores files over LFS")

    def _commit(self, body: bytes, repo: str, rev: str) -> tuple[int, Any, dict[str, str]]:
        found = self._repo(repo, write=True, action="commit")
        base = found.resolve(rev)
        if base is None:
            raise _HubError(404, f"Revision not found: {rev}", {"X-Error-Code": "RevisionNotFound"})
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(item["value"] for item in lines if item["key"] == "header")
        files = dict(base.files)
        for item in lines:
            key, value = item["key"], item["value"]
            if key == "file":
                files[value["path"]] = Blob(base64.b64decode(value["content"]), False)
            elif key == "lfsFile":
                data = self.hub.lfs_store.get(value["oid"])
                if data is None:
                    raise _HubError(
                        422,
                        f"Your push was rejected: the LFS object of "
                        f"{value['path']} ({value['oid']}) was never uploaded",
                    )
                files[value["path"]] = Blob(data, True)
            elif key == "deletedFile":
                files.pop(value["path"], None)
            elif key == "deletedFolder":
                prefix = value["path"].rstrip("/") + "/"
                files = {p: b for p, b in files.items() if not p.startswith(prefix)}
            elif key != "header":
                raise _HubError(400, f"unknown commit operation {key!r}")
        if self.query.get("create_pr") == "1":
            number = 1 + sum(ref.startswith("refs/pr/") for ref in found.refs)
            ref = f"refs/pr/{number}"
            commit = self.hub._new_commit(found, ref, header["summary"], files, parent_ref=rev)
            pr_url = f"{self.hub.url}/{repo}/discussions/{number}"
        else:
            commit = self.hub._new_commit(found, rev, header["summary"], files)
            pr_url = None
        return (
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "pullRequestUrl": pr_url,
                "commitUrl": f"{self.hub.url}/{repo}/commit/{commit.oid}",
            },
            {},
        )

    def _tree(self, body: bytes, repo: str, rev: str, path: str = "") -> tuple[int, Any, dict]:
        commit = self._repo(repo).resolve(rev)
        if commit is None:
            raise _HubError(404, f"Revision not found: {rev}", {"X-Error-Code": "RevisionNotFound"})
        recursive = self.query.get("recursive", "false").lower() in ("1", "true")
        prefix = path.rstrip("/") + "/" if path else ""
        entries, folders = [], set()
        for file_path in sorted(commit.files):
            if not file_path.startswith(prefix):
                continue
            rest = file_path[len(prefix) :]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                folder = prefix + "/".join(parts[:depth])
                if (recursive or depth == 1) and folder not in folders:
                    folders.add(folder)
                    entries.append(
                        {"type": "directory", "oid": "0" * 40, "size": 0, "path": folder}
                    )
            if not recursive and len(parts) > 1:
                continue
            blob = commit.files[file_path]
            entry: dict[str, Any] = {
                "type": "file",
                "oid": blob.git_oid,
                "size": len(blob.data),
                "path": file_path,
            }
            if blob.lfs:
                entry["lfs"] = {
                    "oid": blob.sha256,
                    "size": len(blob.data),
                    "pointerSize": len(blob.pointer),
                }
            entries.append(entry)
        return 200, entries, {}

    def _resolve(self, body: bytes, repo: str, rev: str, path: str) -> tuple[int, Any, dict]:
        commit = self._repo(repo).resolve(rev)
        if commit is None:
            raise _HubError(404, f"Revision not found: {rev}", {"X-Error-Code": "RevisionNotFound"})
        blob = commit.files.get(path)
        if blob is None:
            raise _HubError(404, f"Entry not found: {path}", {"X-Error-Code": "EntryNotFound"})
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{blob.git_oid}"'}
        if blob.lfs:
            headers |= {"X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": str(len(blob.data))}
        return 200, blob.data, headers


def _front_matter_errors(content: str) -> list[str]:
    """What the Hub's metadata validation would object to in a README (a useful subset)."""
    match = re.match(r"^---\n(.*?)\n---\n", content, re.S)
    if not match:
        return []
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return [f"invalid YAML: {exc}"]
    if not isinstance(meta, dict):
        return ["metadata must be a YAML mapping"]
    errors = []
    for index in meta.get("model-index") or []:
        for i, result in enumerate(index.get("results") or []):
            if not (result.get("task") or {}).get("type"):
                errors.append(f"model-index results[{i}]: task.type is required")
            dataset = result.get("dataset") or {}
            if not (dataset.get("type") and dataset.get("name")):
                errors.append(f"model-index results[{i}]: dataset.type and name are required")
            for metric in result.get("metrics") or []:
                if "type" not in metric or "value" not in metric:
                    errors.append(f"model-index results[{i}]: metrics need type and value")
            source = result.get("source")
            if source is not None and not source.get("url"):
                errors.append(f"model-index results[{i}]: source.url is required")
    return errors
