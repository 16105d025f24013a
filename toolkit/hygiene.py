"""What must never be committed: secrets, model weights, data files, huge files.

:func:`scan` looks at a reproduction's and its Space's folders as git would commit them, and,
when the root is a git repository, at every blob ever committed under them (a secret removed
in a later commit is still published by a push).

Weights are recognised by name (``.keras``, ``.h5``, ``.pkl``, SavedModel files...) and by
content, whatever the name: :func:`content_kind` reads only a file's first bytes (a zip with
Keras' members, the HDF5 signature, a pickle header, a safetensors header, numpy's magic...).
A binary file over ``LARGE_BINARY_BYTES`` is flagged too, images excepted.

Which files count:

- git repository: tracked files, and untracked ones that ``.gitignore`` does not ignore;
- not a git repository: every file under the folders, ``runs/`` included, except those the
  ``.gitignore`` files (the root's and nested ones) would ignore, as the first ``git add``
  would see them (git evaluates the rules, through a throw-away empty repository);
- no ``git`` program at all: every file.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from toolkit.redact import find_secrets

HEAD_BYTES = 64 * 1024  # what content sniffing reads of a file
MAX_FILE_BYTES = 5 * 1024 * 1024  # no committed file is larger; secrets are searched below it
LARGE_BINARY_BYTES = 1024 * 1024  # a binary this large is weights or data, whatever its name
MAX_HISTORY_BLOBS = 20_000  # the history scan stops there (and says so)

WEIGHT_SUFFIXES = (
    ".keras",
    ".h5",
    ".hdf5",
    ".safetensors",
    ".pb",
    ".pt",
    ".pth",
    ".ckpt",
    ".onnx",
    ".tflite",
    ".msgpack",
    ".npy",
    ".pkl",
    ".pickle",
    ".joblib",
    ".gguf",
    ".mlmodel",
)
DATA_SUFFIXES = (
    ".npz",
    ".zip",
    ".tgz",
    ".gz",
    ".tar",
    ".parquet",
    ".arrow",
    ".tfrecord",
    ".bz2",
    ".xz",
    ".zst",
    ".7z",
)
SAVEDMODEL_NAMES = (
    "saved_model.pb",
    "saved_model.pbtxt",
    "keras_metadata.pb",
    "fingerprint.pb",
    "variables.index",
)
CHECKPOINT_SHARD = re.compile(r"\.data-\d{5}-of-\d{5}$")  # variables.data-00000-of-00001
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF")
ARCHIVE_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"Rar!\x1a\x07": "rar",
}
PICKLE_OPCODES = b"(}]qXKNUcJMGT\x8a\x88\x89\x8c\x95)"  # what follows a protocol 2/3 header
WEIGHTS, DATA = "weights", "data"


@dataclass(frozen=True)
class Content:
    """A file or blob as the checks see it: its first bytes, its size, its text if small."""

    name: str  # its path, relative to the repository
    size: int
    head: bytes
    text: str | None  # the whole content, decoded, when size <= MAX_FILE_BYTES


@dataclass(frozen=True)
class Problem:
    """One reason not to commit a file: where (``path`` or ``path:line``) and what."""

    where: str
    what: str
    secret: bool = False


@dataclass
class Scan:
    """What :func:`scan` found, and what it looked at (said in the item's reason)."""

    problems: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- recognising content -------------------------------------------------------------------------
def content_kind(name: str, head: bytes, size: int) -> tuple[str, str] | None:
    """``(WEIGHTS or DATA, what it is)`` when a file must not be committed for what it holds."""
    return (
        _kind_by_name(name)
        or _kind_by_magic(head, size)
        or _kind_by_suffix(name)
        or _large_binary(head, size)
    )


def _kind_by_name(name: str) -> tuple[str, str] | None:
    base = name.rsplit("/", 1)[-1].lower()
    if base.endswith(WEIGHT_SUFFIXES) or base.endswith(".weights.h5"):
        return WEIGHTS, f"a {base[base.rfind('.') :]} file"
    if base in SAVEDMODEL_NAMES or CHECKPOINT_SHARD.search(base):
        return WEIGHTS, "a TensorFlow SavedModel or checkpoint file"
    return None


def _kind_by_suffix(name: str) -> tuple[str, str] | None:
    base = name.rsplit("/", 1)[-1].lower()
    return (DATA, f"a {base[base.rfind('.') :]} file") if base.endswith(DATA_SUFFIXES) else None


def _kind_by_magic(head: bytes, size: int) -> tuple[str, str] | None:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(head)
    if _hdf5_offset(head) is not None:
        return WEIGHTS, "an HDF5 file (Keras .h5 weights)"
    if head.startswith(b"\x93NUMPY"):
        return WEIGHTS, "a numpy .npy array"
    if _is_pickle(head):
        return WEIGHTS, "a Python pickle (pickle, joblib)"
    if _is_safetensors(head, size):
        return WEIGHTS, "a safetensors file"
    if head[4:8] == b"TFL3":
        return WEIGHTS, "a TensorFlow Lite model"
    if head.startswith(b"GGUF"):
        return WEIGHTS, "a GGUF model"
    for magic, what in ARCHIVE_MAGIC.items():
        if head.startswith(magic):
            return DATA, f"a {what} archive"
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return DATA, "a bzip2 archive"
    if head[257:262] == b"ustar":
        return DATA, "a tar archive"
    return None


def _zip_kind(head: bytes) -> tuple[str, str]:
    names = set(zip_member_names(head))
    if (
        "model.weights.h5" in names
        or "model.weights.npz" in names
        or ("config.json" in names and "metadata.json" in names)
        or ("metadata.json" in names and b'"keras_version"' in head)
    ):
        return WEIGHTS, "a Keras model (a zip holding config.json and model.weights)"
    if any(n.endswith("data.pkl") for n in names):
        return WEIGHTS, "a PyTorch checkpoint (zip)"
    if names and all(n.endswith(".npy") for n in names):
        return WEIGHTS, "numpy arrays (an .npz zip)"
    return DATA, "a zip archive"


def zip_member_names(head: bytes) -> Iterator[str]:
    """The names of the zip members whose local headers lie in ``head``."""
    at = head.find(b"PK\x03\x04")
    while at != -1 and at + 30 <= len(head):
        length = struct.unpack_from("<H", head, at + 26)[0]
        name = head[at + 30 : at + 30 + length]
        if len(name) == length:
            yield name.decode("utf-8", errors="replace")
        at = head.find(b"PK\x03\x04", at + 30)


def _hdf5_offset(head: bytes) -> int | None:
    """Where the HDF5 signature is: at 0, or after a user block of 512, 1024, 2048... bytes."""
    offset = 0
    while offset + len(HDF5_SIGNATURE) <= len(head):
        if head[offset : offset + len(HDF5_SIGNATURE)] == HDF5_SIGNATURE:
            return offset
        offset = 512 if offset == 0 else offset * 2
    return None


def _is_pickle(head: bytes) -> bool:
    if len(head) < 3 or head[0] != 0x80 or not 2 <= head[1] <= 5:
        return False
    return head[2] == 0x95 if head[1] >= 4 else head[2] in PICKLE_OPCODES


def _is_safetensors(head: bytes, size: int) -> bool:
    """An 8-byte little-endian header length, then that many bytes of JSON."""
    if len(head) < 10:
        return False
    length = struct.unpack_from("<Q", head)[0]
    return 2 <= length <= min(size - 8, 100 * 1024 * 1024) and head[8:10] in (b'{"', b"{ ")


def _large_binary(head: bytes, size: int) -> tuple[str, str] | None:
    if size <= LARGE_BINARY_BYTES or b"\0" not in head[:8192] or head.startswith(IMAGE_MAGIC):
        return None
    return WEIGHTS, f"a {size / 1e6:.1f} MB binary file (weights or data, whatever its name)"


# -- problems of one file or blob ----------------------------------------------------------------
def problems_in(content: Content) -> list[Problem]:
    """What is wrong with committing ``content``."""
    found = []
    kind = content_kind(content.name, content.head, content.size)
    if kind and kind[0] == WEIGHTS:
        found.append(
            Problem(
                content.name,
                f"{kind[1]}: model weights ({content.size} bytes) belong on the Hub, not in git",
            )
        )
    elif kind:
        found.append(
            Problem(
                content.name, f"{kind[1]}: a data file; stage data with `sprint data add` instead"
            )
        )
    elif content.size > MAX_FILE_BYTES:
        found.append(
            Problem(
                content.name,
                f"{content.size / 1e6:.1f} MB is over the {MAX_FILE_BYTES >> 20} MiB limit",
            )
        )
    for kind_name, line in secrets_in(content.text or ""):
        found.append(Problem(f"{content.name}:{line}", f"looks like a {kind_name}", secret=True))
    return found


def secrets_in(text: str) -> list[tuple[str, int]]:
    """Each secret's kind and line number (never the secret itself)."""
    return [(kind, text.count("\n", 0, match.start()) + 1) for kind, match in find_secrets(text)]


def read_content(path: Path, name: str) -> Content:
    """A file's first bytes, and its whole text when it is small enough to search."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        data = handle.read(size if size <= MAX_FILE_BYTES else HEAD_BYTES)
    text = data.decode("utf-8", errors="ignore") if size <= MAX_FILE_BYTES else None
    return Content(name, size, data[:HEAD_BYTES], text)


# -- the scan ------------------------------------------------------------------------------------
def scan(root: Path, folders: Iterable[Path]) -> Scan:
    """Scan the files under ``folders`` (inside ``root``) that would be committed, and, in a
    git repository, every blob ever committed under them."""
    root = Path(root)
    rels = [f.relative_to(root).as_posix() for f in folders if f.exists()]
    result = Scan()
    if not rels:
        return result
    git = _is_git_repo(root)
    names = committable(root, rels, git)
    for name in names:
        result.problems += _tree_problems(root, name)
    if git:
        where = "tracked or not ignored"
    elif shutil.which("git"):
        where = "not a git repository: every file, runs/ included, that .gitignore does not ignore"
    else:
        where = "not a git repository and no git program: every file"
    result.scope.append(f"{len(names)} file(s) ({where})")
    if git:
        _scan_history(root, rels, names, result)
    return result


def _tree_problems(root: Path, name: str) -> list[str]:
    fix = " (revoke it, then remove it from the file and the git history)"
    return [
        f"{p.where}: {p.what}{fix if p.secret else ''}"
        for p in problems_in(read_content(root / name, name))
    ]


def committable(root: Path, rels: list[str], git: bool | None = None) -> list[str]:
    """The files (paths relative to ``root``) that ``git add`` would take under ``rels``."""
    git = _is_git_repo(root) if git is None else git
    listing = ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *rels]
    names: list[str] | None = None
    if git:
        names = _git_names(root, ["git", *listing])
    elif shutil.which("git"):
        with tempfile.TemporaryDirectory(prefix="sprint-hygiene-") as empty:
            if _run(["git", "init", "--bare", "-q", empty], root) is not None:
                names = _git_names(
                    root, ["git", f"--git-dir={empty}", f"--work-tree={root}", *listing]
                )
    if names is None:  # no git at all: every file counts
        names = [
            p.relative_to(root).as_posix()
            for rel in rels
            for p in (root / rel).rglob("*")
            if p.is_file()
        ]
    return sorted(n for n in set(names) if (root / n).is_file())


def _git_names(root: Path, command: list[str]) -> list[str] | None:
    out = _run(command, root)
    if out is None:
        return None
    return [n for n in out.decode("utf-8", "surrogateescape").split("\0") if n]


def _is_git_repo(root: Path) -> bool:
    out = _run(["git", "rev-parse", "--is-inside-work-tree"], root)
    return out is not None and out.strip() == b"true"


def _run(command: list[str], cwd: Path, stdin: bytes | None = None) -> bytes | None:
    """The command's stdout, or None when it cannot run or fails."""
    try:
        return subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


# -- history -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Introduced:
    """A blob as a commit introduced it under a path."""

    commit: str
    path: str


def history_blobs(root: Path, rels: list[str]) -> dict[str, Introduced]:
    """Every blob committed under ``rels`` on any ref, with the oldest commit that added it."""
    out = _run(
        [
            "git",
            "log",
            "--all",
            "-m",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--format=%x00%H",
            "-z",
            "--",
            *rels,
        ],
        root,
    )
    blobs: dict[str, Introduced] = {}
    tokens = iter((out or b"").decode("utf-8", errors="replace").split("\0"))
    commit = ""
    for token in tokens:
        token = token.strip()
        if token.startswith(":"):  # ":old_mode new_mode old_blob new_blob status", then path
            fields, path = token[1:].split(), next(tokens, "")
            if len(fields) == 5 and fields[1].startswith("100") and fields[4] != "D":
                blobs[fields[3]] = Introduced(commit, path)  # newest first: the oldest wins
        elif token:
            commit = token
    return blobs


def _scan_history(root: Path, rels: list[str], names: list[str], result: Scan) -> None:
    blobs = history_blobs(root, rels)
    for blob in _working_blobs(root, names):
        blobs.pop(blob, None)  # the current content: the tree scan already reported it
    if len(blobs) > MAX_HISTORY_BLOBS:
        result.notes.append(
            f"the history holds {len(blobs)} other blobs under these folders; "
            f"only {MAX_HISTORY_BLOBS} were scanned"
        )
    selected = dict(list(blobs.items())[:MAX_HISTORY_BLOBS])
    paths = {blob: origin.path for blob, origin in selected.items()}
    for blob, content in read_blobs(root, paths):
        origin = selected[blob]
        for problem in problems_in(content):
            result.problems.append(_history_problem(problem, origin))
    result.scope.append(f"{len(selected)} earlier version(s) in the git history")


def _history_problem(problem: Problem, origin: Introduced) -> str:
    fix = (
        "revoke it, then rewrite the history: git filter-repo --replace-text FILE (FILE "
        "lists the secret), and force-push"
        if problem.secret
        else f"rewrite the history: git filter-repo --invert-paths --path {origin.path}, and "
        "force-push"
    )
    return (
        f"{problem.where} (history only, committed in {origin.commit[:10]}): {problem.what}; {fix}"
    )


def _working_blobs(root: Path, names: list[str]) -> set[str]:
    """The blob ids the current files would have."""
    small = [n for n in names if (root / n).stat().st_size <= 8 * MAX_FILE_BYTES]
    if not small:
        return set()
    out = _run(["git", "hash-object", "--stdin-paths"], root, "\n".join(small).encode())
    return set((out or b"").decode().split())


def read_blobs(root: Path, blobs: dict[str, str]) -> Iterator[tuple[str, Content]]:
    """Each blob's :class:`Content` (``blobs`` maps blob ids to their paths), read in one
    ``git cat-file --batch``; big blobs are streamed through, only their first bytes kept."""
    if not blobs:
        return
    with tempfile.TemporaryFile() as ids:  # a file, not a pipe: no deadlock on long lists
        ids.write("".join(f"{blob}\n" for blob in blobs).encode())
        ids.seek(0)
        process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            stdin=ids,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        try:
            for (blob, name), record in zip(
                blobs.items(), _batch_records(process.stdout), strict=False
            ):
                if record is not None:
                    size, data = record
                    text = data.decode("utf-8", errors="ignore") if size <= MAX_FILE_BYTES else None
                    yield blob, Content(name, size, data[:HEAD_BYTES], text)
        finally:
            process.stdout.close()
            process.wait()


def _batch_records(stream: IO[bytes]) -> Iterator[tuple[int, bytes] | None]:
    """Parse ``git cat-file --batch`` output: each blob's size and its first bytes (all of
    them up to ``MAX_FILE_BYTES``), or None for a missing one."""
    while header := stream.readline():
        fields = header.split()
        if len(fields) != 3:  # "<id> missing"
            yield None
            continue
        size = int(fields[2])
        data = stream.read(size if size <= MAX_FILE_BYTES else HEAD_BYTES)
        left = size - len(data)
        while left > 0 and (chunk := stream.read(min(left, 1 << 20))):
            left -= len(chunk)
        stream.read(1)  # the newline after the content
        yield size, data
