"""Publishing a reproduction as a model repository on the Hugging Face Hub.

:func:`stage_push` lays out, in a temporary folder, everything one commit uploads:

- the model in the layout Keras 3 itself reads from ``hf://`` (``config.json``,
  ``metadata.json``, ``model.weights.h5`` and ``assets/`` when present), unpacked from the
  run's ``model.keras``, so ``keras.saving.load_model("hf://<repo>")`` works;
- ``README.md``, the model card (:mod:`toolkit.card`);
- ``custom_objects.py`` when the model holds custom Keras objects
  (:mod:`toolkit.custom_objects`), which the card's loading snippet imports;
- the published run's ``curves.png``, ``metrics.json``, ``env.json`` and TensorBoard
  ``logs/`` (which the Hub shows as training metrics; replayed from ``metrics.json`` when
  the live ones, git-ignored, are not on this machine), and the ``metrics.json`` and
  ``env.json`` of every run of the set under ``runs/<run-id>/``.

:func:`push` sends it with ``huggingface_hub``: ``whoami`` (to explain permission errors),
``create_repo(exist_ok=True)`` and a single ``create_commit`` with every file. It honours
``HF_ENDPOINT`` at call time, takes the token from ``HF_TOKEN`` or the login cache
(``huggingface_hub.get_token``) and never prints, logs or writes it, nor anything shaped
like a token (:func:`hub_session` redacts messages, logs and errors with
:func:`toolkit.redact.redact`). Rate limits (429), server errors (5xx), timeouts and
dropped connections are retried with exponential backoff by one loop
(:class:`RetryPolicy`; ``huggingface_hub``'s own retries are off); every failure becomes a
:class:`HubRequestError` that says what happened, where, whether anything was committed,
how to fix it, and keeps the Hub's message and request id. Nothing local changes before the
commit succeeded; :func:`record_push` then writes the commit into the manifest.

Example::

    with stage_push(Path("reproductions/mnist_convnet")) as plan:
        result = push(plan)
    record_push(Path("reproductions/mnist_convnet"), result)
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any, TypeVar

from toolkit import __version__
from toolkit.card import RenderedCard, hub_url, prepare_card, require_custom_objects
from toolkit.custom_objects import FILE_NAME as CUSTOM_OBJECTS_FILE
from toolkit.errors import HubError, RunError, UsageError
from toolkit.fsutil import atomic_write_text
from toolkit.manifest import MANIFEST_NAME, Manifest, record_hub_fields
from toolkit.redact import redact
from toolkit.runs import LOGS_DIR, MODEL_FILE, RunRecord

REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}\Z")
KERAS_CONFIG, KERAS_METADATA = "config.json", "metadata.json"
KERAS_WEIGHTS = ("model.weights.h5", "model.weights.npz")
# The function of huggingface_hub's that hands uploads to hf_xet (_commit_api.py).
XET_UPLOAD_FUNCTION = "_upload_xet_files"
RUN_FILES = ("curves.png", "metrics.json", "env.json")
RETRY_STATUS = (408, 429, 500, 502, 503, 504)
WRITE_ROLES = ("write", "admin", "contributor")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per Hub call, backoff between them, and the timeout.

    Defaults come from ``SPRINT_HUB_ATTEMPTS`` (4), ``SPRINT_HUB_BACKOFF`` (2 s, doubled
    after each failure), ``SPRINT_HUB_MAX_WAIT`` (at most 30 s per wait, a ``Retry-After``
    included) and ``SPRINT_HUB_TIMEOUT`` (120 s without an answer). This loop is the only
    one: ``huggingface_hub``'s own retries are off during a push (:func:`hub_session`), so
    one attempt sends one request to the endpoint that failed.

    >>> RetryPolicy(attempts=3, backoff=1.0).total_wait
    3.0
    """

    attempts: int = 4
    backoff: float = 2.0
    max_wait: float = 30.0
    timeout: float = 120.0

    @classmethod
    def from_env(cls, **overrides: Any) -> RetryPolicy:
        values: dict[str, Any] = {}
        for name, var, kind in (
            ("attempts", "SPRINT_HUB_ATTEMPTS", int),
            ("backoff", "SPRINT_HUB_BACKOFF", float),
            ("max_wait", "SPRINT_HUB_MAX_WAIT", float),
            ("timeout", "SPRINT_HUB_TIMEOUT", float),
        ):
            if raw := os.environ.get(var):
                try:
                    values[name] = kind(raw)
                except ValueError as exc:
                    raise UsageError(
                        f"{var}={raw!r} is not a number",
                        where=var,
                        fix=f"set {var} to a positive number or unset it",
                    ) from exc
        values |= {k: v for k, v in overrides.items() if v is not None}
        return cls(**values)

    def wait(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.max_wait, self.backoff * 2 ** (attempt - 1))

    @property
    def total_wait(self) -> float:
        """The most one Hub call can spend waiting between its attempts."""
        return sum(self.wait(attempt) for attempt in range(1, self.attempts))


# -- what one commit uploads ------------------------------------------------------------------


@dataclass(frozen=True)
class UploadFile:
    path_in_repo: str
    local: Path
    size: int
    origin: str  # where it comes from, for the dry-run listing


@dataclass
class PushPlan:
    """Everything one push uploads, staged in a temporary folder."""

    slug: str
    repo_id: str
    endpoint: str
    run: RunRecord
    card: RenderedCard
    files: list[UploadFile] = field(default_factory=list)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def validate_repo_id(repo_id: str, where: str = "--repo-id") -> str:
    if not REPO_ID_RE.match(repo_id or "") or ".." in repo_id or repo_id.endswith(".git"):
        raise UsageError(
            f"{repo_id!r} is not a Hub repository id",
            where=where,
            fix="use NAMESPACE/NAME with letters, digits, '-', '_' or '.', e.g. "
            "--repo-id your-name/mnist-convnet (or set [hub] repo_id in reproduction.toml)",
        )
    return repo_id


def unpack_keras_archive(model_file: Path, dest: Path) -> list[str]:
    """Unpack ``model.keras`` into the folder layout ``load_model("hf://...")`` reads.

    A ``.keras`` file is a zip of exactly that layout (``config.json``, ``metadata.json``,
    ``model.weights.h5``, ``assets/``); Keras' own ``save_model("hf://...")`` uploads the
    same files. Returns the paths written, relative to ``dest``.
    """
    try:
        with zipfile.ZipFile(model_file) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            names = [m.filename for m in members]
            unsafe = [n for n in names if n.startswith("/") or ".." in PurePosixPath(n).parts]
            missing = [n for n in (KERAS_CONFIG, KERAS_METADATA) if n not in names]
            if unsafe or missing or not any(w in names for w in KERAS_WEIGHTS):
                problem = (
                    f"unsafe member paths {unsafe}"
                    if unsafe
                    else f"no {', '.join(missing) or 'model.weights.h5'}"
                )
                raise RunError(
                    f"{model_file} is not a Keras 3 model archive ({problem})",
                    where=str(model_file),
                    fix="re-run the training with `sprint run`, which saves it with model.save()",
                )
            for member in members:
                target = dest / member.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            return names
    except zipfile.BadZipFile as exc:
        raise RunError(
            f"{model_file} is not a zip archive, so not a .keras model",
            where=str(model_file),
            fix="re-run the training with `sprint run`",
        ) from exc


@contextmanager
def stage_push(
    repro_dir: Path, *, repo_id: str | None = None, run: str | None = None
) -> Iterator[PushPlan]:
    """Stage a push of ``repro_dir`` in a temporary folder (removed on exit).

    Reads the local reproduction and writes nothing into it. Raises :class:`CardError` when
    README.md has hand edits outside its free sections, :class:`RunError` when no judged
    run kept its model, :class:`UsageError` for a bad repository id.
    """
    repro_dir = Path(repro_dir)
    manifest = Manifest.load(repro_dir)
    where = "--repo-id" if repo_id else f"[hub] repo_id in {repro_dir / MANIFEST_NAME}"
    repo_id = validate_repo_id(repo_id or manifest.hub.repo_id, where)
    endpoint = hub_url()
    card = prepare_card(repro_dir, repo_id=repo_id, run=run, base_url=endpoint)
    chosen = card.facts.model_run
    if chosen is None or not chosen.model_path.is_file():
        raise _no_model(repro_dir, manifest, card)
    with tempfile.TemporaryDirectory(prefix=f"sprint-push-{manifest.slug}-") as tmp:
        staging = Path(tmp)
        plan = PushPlan(manifest.slug, repo_id, endpoint, chosen, card)
        for name in unpack_keras_archive(chosen.model_path, staging):
            plan.files.append(_upload(name, staging / name, f"{MODEL_FILE} of {chosen.run_id}"))
        atomic_write_text(staging / "README.md", card.text)
        plan.files.append(_upload("README.md", staging / "README.md", "model card (rendered)"))
        if custom := require_custom_objects(card.facts):  # the card's loading snippet reads it
            atomic_write_text(staging / CUSTOM_OBJECTS_FILE, custom.source)
            plan.files.append(
                _upload(
                    CUSTOM_OBJECTS_FILE,
                    staging / CUSTOM_OBJECTS_FILE,
                    f"custom Keras objects ({custom.origin})",
                )
            )
        for name in RUN_FILES:
            if (chosen.path / name).is_file():
                plan.files.append(_upload(name, chosen.path / name, f"run {chosen.run_id}"))
        plan.files.extend(_tensorboard_logs(chosen, staging))
        # Every judged run's record, and the curves where the card (also read in the sprint
        # repository, next to runs/) links them.
        for other in card.facts.check.runs:
            names = ("metrics.json", "env.json") + (("curves.png",) if other == chosen else ())
            for name in names:
                if (other.path / name).is_file():
                    plan.files.append(
                        _upload(
                            f"runs/{other.run_id}/{name}", other.path / name, f"run {other.run_id}"
                        )
                    )
        yield plan


def _tensorboard_logs(run: RunRecord, staging: Path) -> list[UploadFile]:
    """The run's live TensorBoard logs; replayed from its ``metrics.json`` when they are not
    on this machine (they are git-ignored), so the card's *Training metrics* always exist."""
    base, origin = run.path, f"run {run.run_id}"
    live = run.path / LOGS_DIR
    files = sorted(p for p in live.rglob("*tfevents*") if p.is_file()) if live.is_dir() else []
    if not files:
        from toolkit.harness.tbwriter import replay_metrics

        base, origin = staging, f"replayed from metrics.json of run {run.run_id}"
        files = sorted(replay_metrics(run.metrics(), staging / LOGS_DIR))
    return [_upload(path.relative_to(base).as_posix(), path, origin) for path in files]


def _upload(path_in_repo: str, local: Path, origin: str) -> UploadFile:
    return UploadFile(path_in_repo, local, local.stat().st_size, origin)


def _no_model(repro_dir: Path, manifest: Manifest, card: RenderedCard) -> RunError:
    runs, chosen = card.facts.check.runs, card.facts.model_run
    slug = manifest.slug
    if not runs:
        note = card.facts.check.note or "no complete run"
        return RunError(
            f"Nothing to push for {slug}: {note.rstrip('.')}",
            where=str(repro_dir / "runs"),
            fix=f"train it with `sprint run {slug}`",
        )
    if chosen is not None:  # its env.json says it saved the model, but not on this machine
        return RunError(
            f"The card publishes the weights of run {chosen.run_id} (the median seed), but "
            f"its {MODEL_FILE} is not on this machine",
            where=str(chosen.model_path),
            fix=f"model files are git-ignored, so they exist only where the training ran: push "
            f"from that machine (or copy the file there), or re-train with `sprint run {slug}` "
            f"and re-render the card with `sprint card {slug}`",
        )
    ids = ", ".join(r.run_id for r in runs)
    return RunError(
        f"No run of the judged set ({ids}) saved its model",
        where=str(runs[0].path),
        fix=f"re-train with `sprint run {slug}` (without --no-save-model); env.json's "
        f'"model" entry says why a save failed',
    )


# -- talking to the Hub -----------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    repo_id: str
    repo_url: str
    commit_oid: str
    commit_url: str
    pr_url: str
    run_id: str
    files: int
    size: int


@dataclass
class HubContext:
    """What error messages need to know about one Hub operation; never holds the token."""

    repo_id: str
    endpoint: str
    token_source: str
    policy: RetryPolicy
    identity: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    repo_type: str = "model"  # or "space"
    command: str = "sprint push"  # what the user re-runs

    @property
    def namespace(self) -> str:
        return self.repo_id.split("/")[0]

    @property
    def repo_url(self) -> str:
        prefix = "spaces/" if self.repo_type == "space" else ""
        return f"{self.endpoint}/{prefix}{self.repo_id}"


def require_token(endpoint: str, action: str = "nothing can be pushed") -> str:
    """The token ``huggingface_hub`` would use, or a :class:`HubError` saying how to get one."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise HubError(
            f"No Hugging Face token found, so {action}",
            where="the HF_TOKEN environment variable and the login cache",
            fix=f"create a token with the 'Write' role at {endpoint}/settings/tokens, then "
            "run `hf auth login` or set HF_TOKEN",
        )
    return token


def token_source() -> str:
    """Where ``huggingface_hub`` takes the token from, in words (never the token itself)."""
    from huggingface_hub import constants

    if os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN"):
        return "the HF_TOKEN environment variable"
    return f"the login cache ({constants.HF_TOKEN_PATH})"


def push(
    plan: PushPlan,
    *,
    private: bool = False,
    create_pr: bool = False,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
) -> PushResult:
    """Create the repository if needed and upload ``plan`` in one commit.

    Raises :class:`HubError` for every failure, saying whether anything was committed
    (nothing, unless the commit request itself went unanswered: then it cannot be known).
    """
    from huggingface_hub import HfApi

    policy = policy or RetryPolicy.from_env()
    token = require_token(plan.endpoint)
    _refuse_leaked_token(plan, token)
    ctx = HubContext(plan.repo_id, plan.endpoint, token_source(), policy)
    api = HfApi(
        endpoint=plan.endpoint,
        token=token,
        library_name="keras-sprint",
        library_version=__version__,
    )
    with hub_session(policy, token, log) as say:
        del token  # only the client (and the redaction) hold it from here on

        def call(what: str, fn: Callable[[], T]) -> T:
            return with_retries(fn, what, ctx, sleep, say)

        ctx.identity = call("check the token", lambda: api.whoami(cache=False))
        _check_namespace(api, ctx, call)
        repo_url = call(
            "create the repository",
            lambda: api.create_repo(
                plan.repo_id, private=private, exist_ok=True, repo_type="model"
            ),
        )
        info = call(
            "upload the files",
            lambda: api.create_commit(
                plan.repo_id,
                operations=_operations(plan),
                repo_type="model",
                commit_message=_commit_message(plan),
                commit_description=_commit_description(plan),
                create_pr=create_pr,
            ),
        )
    return PushResult(
        plan.repo_id,
        str(repo_url),
        info.oid,
        info.commit_url,
        info.pr_url or "",
        plan.run.run_id,
        len(plan.files),
        plan.total_size,
    )


def _operations(plan: PushPlan) -> list[Any]:
    """Fresh operations for every attempt (``huggingface_hub`` mutates them)."""
    from huggingface_hub import CommitOperationAdd

    return [
        CommitOperationAdd(path_in_repo=f.path_in_repo, path_or_fileobj=str(f.local))
        for f in plan.files
    ]


def _commit_message(plan: PushPlan) -> str:
    return f"Publish {plan.slug} reproduction (run {plan.run.run_id}, check: {plan.card.verdict})"


def _commit_description(plan: PushPlan) -> str:
    runs = ", ".join(r.run_id for r in plan.card.facts.check.runs) or "none"
    return (
        f"Pushed by keras-sprint {__version__} with `sprint push {plan.slug}`.\n\n"
        f"Weights: run {plan.run.run_id}. Runs of the checked set: {runs}. "
        f"Check verdict: {plan.card.verdict}."
    )


def _refuse_leaked_token(plan: PushPlan, token: str) -> None:
    """Abort if any file about to be uploaded contains the token."""
    needle = token.encode("utf-8")
    for item in plan.files:
        if item.path_in_repo.startswith(("model.weights", "assets/")):
            continue
        if needle in item.local.read_bytes():
            raise HubError(
                f"{item.origin} contains your Hugging Face token; it was not uploaded",
                where=str(item.local),
                fix="remove the token from that file (and revoke it if it was ever shared), "
                "then re-run `sprint push`",
            )


@contextmanager
def hub_session(
    policy: RetryPolicy, token: str, log: Callable[[str], None] | None = None
) -> Iterator[Callable[[str], None]]:
    """The frame of one push: every Hub request under ``policy`` alone, nothing leaked.

    Gives ``huggingface_hub``'s HTTP client the policy's timeout, turns its own retries off
    (:func:`single_request_attempts`), redacts the token and anything that looks like one
    from its log records, from every :class:`HubError` leaving the block and from what the
    yielded function logs (to stderr unless ``log`` is given).
    """
    scrub = partial(redact, known=(token,))
    out = log or (lambda message: print(message, file=sys.stderr))
    with client_timeout(policy.timeout), single_request_attempts(), redacted_logs(scrub):
        try:
            yield lambda message: out(scrub(message))
        except HubError as exc:
            raise redacted_error(exc, scrub) from None


@contextmanager
def client_timeout(seconds: float) -> Iterator[None]:
    """Give ``huggingface_hub``'s shared HTTP client a timeout (it has none by default)."""
    from huggingface_hub.utils import get_session

    session = get_session()
    previous = session.timeout
    session.timeout = seconds
    try:
        yield
    finally:
        session.timeout = previous


@contextmanager
def single_request_attempts() -> Iterator[None]:
    """Turn ``huggingface_hub``'s internal retries off, so that :class:`RetryPolicy` bounds
    every request.

    Its ``http_backoff`` (preupload, LFS batch, LFS upload and verify) retries 5xx, 429 and
    timeouts 5 times, up to 8 s apart, inside each of our attempts: 18 requests in 70 s for
    "3 attempts". Both of its entry points (``http_backoff``, ``http_stream_backoff``) go
    through ``huggingface_hub.utils._http._http_backoff_base``, which this wraps with
    ``max_retries=0`` for the duration (a private name: where it is missing, the library
    keeps its retries and the counts in messages are per attempt, not per request).
    """
    from huggingface_hub.utils import _http

    original = getattr(_http, "_http_backoff_base", None)
    if original is None:
        yield
        return

    def once(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{**kwargs, "max_retries": 0})

    _http._http_backoff_base = once
    try:
        yield
    finally:
        _http._http_backoff_base = original


class _RedactingFilter(logging.Filter):
    """Rewrites a log record's message through ``scrub`` (before any handler formats it)."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        super().__init__()
        self.scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
        return True


@contextmanager
def redacted_logs(scrub: Callable[[str], str]) -> Iterator[None]:
    """Redact what ``huggingface_hub`` (and anything else) logs while a push runs: the filter
    sits on the handlers of its library logger and of the root logger."""
    handlers = {*logging.getLogger("huggingface_hub").handlers, *logging.getLogger().handlers}
    guard = _RedactingFilter(scrub)
    for handler in handlers:
        handler.addFilter(guard)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(guard)


def redacted_error(error: HubError, scrub: Callable[[str], str]) -> HubError:
    """``error`` with the token and anything like one removed from every part of it."""
    clean = copy.copy(error)
    clean.what = scrub(error.what)
    clean.where = scrub(error.where) if error.where else error.where
    clean.fix = scrub(error.fix) if error.fix else error.fix
    if isinstance(clean, HubRequestError):
        clean.server_message = scrub(clean.server_message)
    clean.args = (clean.message,)
    return clean


def with_retries(
    fn: Callable[[], T],
    what: str,
    ctx: HubContext,
    sleep: Callable[[float], None],
    log: Callable[[str], None],
) -> T:
    """``fn()``, tried up to ``ctx.policy.attempts`` times on transient Hub failures."""
    for attempt in range(1, ctx.policy.attempts + 1):
        ctx.attempts = attempt
        try:
            return fn()
        except Exception as exc:
            if not _from_hub(exc):
                raise  # a bug, not a Hub failure: keep its traceback
            root = _root_cause(exc)
            if not _transient(root) or attempt == ctx.policy.attempts:
                raise hub_error(exc, what, ctx) from None
            wait = _retry_after(root, ctx.policy.max_wait) or ctx.policy.wait(attempt)
            log(
                f"Could not {what} ({_short(root)}); retrying in {wait:.1f} s "
                f"(attempt {attempt + 1} of {ctx.policy.attempts})."
            )
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _check_namespace(api: Any, ctx: HubContext, call: Callable[..., Any]) -> None:
    """Refuse early, with a precise message, to push where the account cannot write."""
    from huggingface_hub.errors import RepositoryNotFoundError

    user = ctx.identity.get("name", "")
    orgs = {o.get("name"): o.get("roleInOrg") for o in ctx.identity.get("orgs") or []}
    if ctx.namespace == user or ctx.namespace in orgs:
        role = orgs.get(ctx.namespace)
        if ctx.namespace != user and role and role not in WRITE_ROLES:
            raise HubError(
                f"You are a '{role}' member of the {ctx.namespace} organization, which cannot "
                f"create or change its repositories",
                where=f"{ctx.endpoint}/{ctx.namespace}",
                fix=f"ask an admin of {ctx.namespace} for the 'write' role, or push to your own "
                f"namespace with --repo-id {user}/{ctx.repo_id.split('/')[1]}",
            )
        return
    mine = ", ".join([user, *[o for o in orgs if o]]) or "none"
    own_id = f"{user}/{ctx.repo_id.split('/')[1]}"

    def exists() -> bool:
        try:
            api.repo_info(ctx.repo_id, repo_type="model")
        except RepositoryNotFoundError:
            return False
        return True

    if not call("look the repository up", exists):
        raise HubError(
            f"You cannot create {ctx.repo_id}: the namespace {ctx.namespace} is neither your "
            f"account ({user}) nor one of your organizations",
            where=f"{ctx.endpoint}/{ctx.namespace} (token from {ctx.token_source})",
            fix=f"push to a namespace you own (yours: {mine}) with --repo-id {own_id}, or log "
            f"in as a member of {ctx.namespace}",
        )
    raise HubError(
        f"The repository {ctx.repo_id} already exists and belongs to {ctx.namespace}, not to "
        f"you ({user})",
        where=f"{ctx.endpoint}/{ctx.repo_id}",
        fix=f"push under your own namespace with --repo-id {own_id} (or set [hub] repo_id), "
        f"or ask {ctx.namespace} to add you to the organization with write access",
    )


# -- errors -----------------------------------------------------------------------------------


class HubRequestError(HubError):
    """A :class:`HubError` about one request: the HTTP status, what the Hub said (redacted)
    and the request id the Hub gave it (quote it to Hugging Face support)."""

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        fix: str | None = None,
        status: int | None = None,
        server_message: str = "",
        request_id: str = "",
    ) -> None:
        self.status = status
        self.server_message = server_message
        self.request_id = request_id
        super().__init__(what, where=where, fix=fix)


# What each part of a push was doing, for "the push stopped while ...".
STAGES = {
    "whoami": "checking the token",
    "lookup": "looking the repository up",
    "create": "creating the repository",
    "list": "listing the repository's files",
    "validate": "validating the card's metadata",
    "preupload": "announcing the files (preupload)",
    "lfs-batch": "asking where to store the large files (LFS batch)",
    "upload": "storing the large files",
    "commit": "sending the commit request",
}
_URL_STAGES = (
    ("/commit/", "commit"),
    ("/preupload/", "preupload"),
    ("/info/lfs/objects/batch", "lfs-batch"),
    ("/_lfs/", "upload"),
    ("/validate-yaml", "validate"),
    ("/api/repos/create", "create"),
    ("/tree/", "list"),
    ("/whoami", "whoami"),
)


@cache
def http_library() -> ModuleType:
    """The HTTP client ``huggingface_hub`` is built on: ``httpx`` for 1.x, ``httpx2`` for
    2.x. Found from the base class of its own :class:`HfHubHTTPError`, so the toolkit
    depends on no HTTP library of its own."""
    from huggingface_hub.errors import HfHubHTTPError

    base = next(c for c in HfHubHTTPError.__mro__[1:] if c.__name__ == "HTTPError")
    return importlib.import_module(base.__module__.split(".")[0])


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def _from_hub(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the Hub or the network (rather than a bug)."""
    http = http_library()
    return (
        any(isinstance(e, http.HTTPError) for e in _chain(exc))
        or _xet_failure(exc)
        or (isinstance(exc, ValueError) and "Invalid metadata in README.md" in str(exc))
    )


def _xet_failure(exc: BaseException) -> bool:
    """Whether ``exc`` came out of the Xet storage upload.

    ``hf_xet`` (the Hub's storage client, used for every upload when it is installed)
    raises plain ``ConnectionError``/``RuntimeError`` from its Rust core; what tells them
    from a bug is where they were raised: inside ``huggingface_hub``'s Xet upload.
    """
    for error in _chain(exc):
        frame = error.__traceback__
        while frame is not None:
            if frame.tb_frame.f_code.co_name == XET_UPLOAD_FUNCTION:
                return True
            frame = frame.tb_next
    return False


def _root_cause(exc: BaseException) -> BaseException:
    """The HTTP-level error behind ``exc`` (``huggingface_hub`` wraps LFS failures)."""
    http = http_library()
    return next((e for e in _chain(exc) if isinstance(e, http.HTTPError)), exc)


def _status(root: BaseException) -> int | None:
    response = getattr(root, "response", None)
    return getattr(response, "status_code", None)


def _transient(root: BaseException) -> bool:
    http = http_library()
    if isinstance(root, http.TimeoutException | http.NetworkError | http.RemoteProtocolError):
        return True
    return _status(root) in RETRY_STATUS


def _retry_after(root: BaseException, cap: float) -> float | None:
    response = getattr(root, "response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(cap, float(raw)) if raw else None
    except ValueError:
        return None


def _short(root: BaseException) -> str:
    status = _status(root)
    if status:
        return f"HTTP {status}"
    return type(root).__name__


def _server_message(root: BaseException) -> str:
    """What the Hub said about the failure, on one line (``HfHubHTTPError.server_message``)."""
    return " ".join(str(getattr(root, "server_message", None) or "").split())


def _server_says(root: BaseException) -> str:
    message = _server_message(root)
    return f" The Hub said: {message.rstrip('.')}." if message else ""


def _request_url(root: BaseException) -> str:
    """The URL of the request that failed (an ``HfHubHTTPError`` holds it in its response;
    its own ``.request`` may be unset, which raises)."""
    for holder in (getattr(root, "response", None), root):
        try:
            return str(holder.request.url)  # type: ignore[union-attr]
        except (AttributeError, RuntimeError):
            continue
    return ""


def _stage(exc: BaseException, root: BaseException, what: str) -> str:
    """Which part of the push failed: a key of :data:`STAGES`."""
    if _xet_failure(exc):
        return "upload"
    url = _request_url(root)
    for marker, stage in _URL_STAGES:
        if marker in url:
            return stage
    if any("Error while uploading" in str(e) for e in _chain(exc)):
        return "upload"  # storing a large file (its PUT to storage, or its verify)
    return {
        "check the token": "whoami",
        "create the repository": "create",
        "create the Space": "create",
        "look the repository up": "lookup",
        "list the Space's files": "list",
    }.get(what, "commit")


def _outcome(stage: str, root: BaseException, ctx: HubContext) -> str:
    """What the failure left on the Hub, from the part of the push that failed."""
    folder = "Space folder" if ctx.repo_type == "space" else "reproduction"
    local = f"the local {folder} is unchanged"
    if stage != "commit":
        return (
            f"Nothing was committed: the push stopped while {STAGES[stage]}, before any "
            f"commit request was sent; {local}"
        )
    status = _status(root)
    if status is not None:
        return (
            f"Nothing was committed: the Hub answered the commit request with {status} "
            f"{_reason(root)}".rstrip()
            + f", so it did not record it; {local}"
        )
    if isinstance(root, http_library().ConnectError):
        return f"Nothing was committed: the commit request never reached the Hub; {local}"
    return (
        "The commit request got no answer, so the Hub may or may not have recorded it; "
        "re-running is safe (a recorded commit is not made twice, unchanged files are "
        f"not sent again) and {local}"
    )


def hub_error(exc: BaseException, what: str, ctx: HubContext) -> HubRequestError:
    """Turn what ``huggingface_hub`` raised into a :class:`HubError` that teaches, holding
    the Hub's own message and request id."""
    root = _root_cause(exc)
    what_, where, fix = _explain(exc, root, what, ctx)
    request_id = str(getattr(root, "request_id", None) or "")
    if request_id:
        fix = f"{fix} (if you contact Hugging Face about it, quote request id {request_id})"
    return HubRequestError(
        what_,
        where=where,
        fix=fix,
        status=_status(root),
        server_message=_server_message(root),
        request_id=request_id,
    )


def _explain(
    exc: BaseException, root: BaseException, what: str, ctx: HubContext
) -> tuple[str, str, str]:
    """What happened, where, and how to fix it."""
    http = http_library()
    stage = _stage(exc, root, what)
    status = _status(root)
    where = ctx.repo_url
    rerun = f"re-run `{ctx.command}` (files already on the Hub are not sent again)"
    outcome = _outcome(stage, root, ctx)
    tried = f" after {ctx.attempts} attempt{'s' if ctx.attempts != 1 else ''}"

    if _xet_failure(exc):
        return (
            f"The upload stopped midway: the Hub's Xet storage did not take the files "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:400]}). {outcome}",
            where,
            f"{rerun}; if it keeps failing, upload over plain Git LFS instead by "
            "setting HF_HUB_DISABLE_XET=1",
        )
    if isinstance(exc, ValueError) and "Invalid metadata in README.md" in str(exc):
        return (
            f"The Hub rejected the model card's metadata: {exc}",
            f"README.md front matter for {ctx.repo_id}",
            "fix reproduction.toml (license, task, metrics), re-render with `sprint card`, "
            "then push again",
        )
    if stage == "upload" and not _transient(root) and status != 401:
        return (
            f"The upload stopped midway: a file could not be stored ({_describe(root)}). {outcome}",
            where,
            rerun,
        )
    if status == 401:
        return (
            f"The Hub rejected the token from {ctx.token_source} (401 Unauthorized): it "
            f"is invalid, expired or revoked.{_server_says(root)} {outcome}",
            ctx.endpoint,
            f"create a token with the 'Write' role at {ctx.endpoint}/settings/tokens, then "
            "run `hf auth login` or set HF_TOKEN to it",
        )
    if status == 403:
        return _forbidden(root, stage, ctx, outcome, rerun)
    if status == 404:
        return (
            f"The Hub says {ctx.repo_id} does not exist (404 Not Found, while trying to "
            f"{what}): it was deleted or renamed during the push, or the token cannot see "
            f"it.{_server_says(root)} {outcome}",
            where,
            f"check the name ([hub] repo_id or --repo-id), then {rerun}; the repository "
            "is created again if it is missing",
        )
    if status == 409:
        return (
            f"Someone else committed to {ctx.repo_id} while this push was running (409 "
            f"Conflict).{_server_says(root)} {outcome}",
            where,
            f"{rerun}, or open a pull request instead with --create-pr",
        )
    if status == 429:
        return (
            f"The Hub is rate-limiting this account (429 Too Many Requests){tried}, so it "
            f"could not {what}.{_server_says(root)} {outcome}",
            where,
            f"wait a few minutes, then {rerun}",
        )
    if status is not None and status >= 500:
        return (
            f"The Hub failed with {status} {_reason(root)}{tried} while trying to {what}."
            f"{_server_says(root)} {outcome}",
            where,
            f"check https://status.huggingface.co, then {rerun}",
        )
    if status is not None:
        return (
            f"The Hub refused the request with {status} {_reason(root)} while trying to "
            f"{what}.{_server_says(root)} {outcome}",
            where,
            f"act on what the Hub said, then {rerun}",
        )
    if isinstance(root, http.TimeoutException):
        return (
            f"The Hub did not answer within {ctx.policy.timeout:g} s{tried} while trying "
            f"to {what}. {outcome}",
            where,
            f"check your connection, or allow more time with --timeout; then {rerun}",
        )
    if isinstance(root, http.ConnectError):
        return (
            f"Could not connect to the Hub{tried} ({type(root).__name__}). {outcome}",
            ctx.endpoint,
            "check your network and proxy settings, and HF_ENDPOINT if you "
            f"set it; then re-run `{ctx.command}`",
        )
    if isinstance(root, http.HTTPError):
        return (
            f"The connection to the Hub broke{tried} while trying to {what} "
            f"({type(root).__name__}). {outcome}",
            where,
            rerun,
        )
    return (f"The push failed while trying to {what}: {_describe(root)}. {outcome}", where, rerun)


def _describe(root: BaseException) -> str:
    status = _status(root)
    if status:
        return f"HTTP {status} {_reason(root)}".strip() + _server_says(root)
    return f"{type(root).__name__}: {root}"


def _reason(root: BaseException) -> str:
    response = getattr(root, "response", None)
    return getattr(response, "reason_phrase", "") or ""


def _forbidden(
    root: BaseException, stage: str, ctx: HubContext, outcome: str, rerun: str
) -> tuple[str, str, str]:
    """A 403, explained by what the Hub said, then by what ``whoami`` said of the token."""
    from huggingface_hub.errors import DisabledRepoError, GatedRepoError

    target = ctx.namespace if stage == "create" else ctx.repo_id
    verb = "create repositories under" if stage == "create" else "write to"
    head = f"The token cannot {verb} {target} (403 Forbidden)"
    said, where = _server_says(root), ctx.repo_url
    if isinstance(root, GatedRepoError):
        return (
            f"{head}: {ctx.repo_id} is a gated repository and this account has not been "
            f"granted access.{said} {outcome}",
            where,
            f"request access on {ctx.repo_url} (or ask its owners), then {rerun}",
        )
    if isinstance(root, DisabledRepoError):
        return (
            f"{head}: access to {ctx.repo_id} is disabled.{said} {outcome}",
            where,
            f"push to another repository with --repo-id, or ask Hugging Face why {ctx.repo_id}"
            " is disabled",
        )
    reason = _token_problem(root, ctx)
    if reason:
        return (
            f"{head}: {reason}.{said} {outcome}",
            where,
            f"give the token that permission at {ctx.endpoint}/settings/tokens (or use "
            f"another one with `hf auth login`), then {rerun}",
        )
    role = _account_role(ctx)
    if role is None:
        user = ctx.identity.get("name") or "unknown"
        return (
            f"{head}: your account ({user}) has no write access to the {ctx.namespace} "
            f"namespace.{said} {outcome}",
            where,
            f"push to your own namespace with --repo-id {user}/{ctx.repo_id.split('/')[1]}, "
            f"or ask an admin of {ctx.namespace} for the 'write' role",
        )
    return (
        f"{head}, although your account may write there ({role}): the refusal is about "
        f"something else than namespace access.{said or ' The Hub gave no reason.'} "
        f"{outcome}",
        where,
        f"act on what the Hub said (an organization's rules, a locked or gated repository, "
        f"a token restricted to other repositories), then {rerun}",
    )


def _token_problem(root: BaseException, ctx: HubContext) -> str:
    """The token's own limit, from the Hub's message or ``whoami`` (empty: not the token)."""
    said = _server_message(root).lower()
    auth = (ctx.identity.get("auth") or {}).get("accessToken") or {}
    role = auth.get("role")
    if role == "read" or "read-only" in said or "read only" in said:
        return "it is a read-only token; pushing needs a token with the 'Write' role"
    if role == "fineGrained" or "fine-grained" in said:
        return (
            f"this fine-grained token lacks 'Write access to contents/settings of all repos "
            f"under {ctx.namespace}'"
        )
    return ""


def _account_role(ctx: HubContext) -> str | None:
    """How the account may write to the namespace per ``whoami``, or None when it may not."""
    user = ctx.identity.get("name", "")
    if ctx.namespace == user:
        return f"{ctx.namespace} is your own account"
    for org in ctx.identity.get("orgs") or []:
        if org.get("name") == ctx.namespace and org.get("roleInOrg") in WRITE_ROLES:
            return f"you have the '{org['roleInOrg']}' role in {ctx.namespace}"
    return None


# -- recording --------------------------------------------------------------------------------


def record_push(repro_dir: Path, result: PushResult) -> Path:
    """Write the pushed commit into ``[hub]`` of the manifest, keeping its comments."""
    return record_hub_fields(
        repro_dir,
        {
            "repo_id": result.repo_id,
            "pushed_commit": result.commit_oid,
            "pushed_url": result.commit_url,
            "pushed_pr_url": result.pr_url,
            "pushed_run": result.run_id,
        },
    )
