"""The local data mirror: origin URLs served from files on disk.

Keras.io examples download their data (``keras.utils.get_file``, the ``keras.datasets``
loaders, ``pd.read_csv(URL)``). Sprint machines and CI have no network, and the files
behind those URLs change, so runs read them from a mirror instead::

    data-mirror/
        index.json          {origin URL: {"file": relative path, "sha256": ..., "size": ...}}
        storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz
        ...

The mirror's own SHA-256 is the rule: a file is served only if it still hashes to the
value recorded when it was staged (Keras' ``file_hash`` is ignored, since a rebuilt file
may legitimately differ from the original download).

Location: ``--data-dir DIR``, else ``$SPRINT_DATA_DIR``, else ``<project root>/data-mirror``.

Network policy (:func:`network_allowed`): ``SPRINT_OFFLINE=1`` never downloads,
``SPRINT_OFFLINE=0`` downloads what the mirror lacks; unset, the network is used only
when no mirror is configured.

Example::

    >>> mirror = Mirror.locate("/data/sprint-mirror")
    >>> mirror.add("https://example.org/iris.csv", Path("iris.csv"))
    >>> mirror.resolve("https://example.org/iris.csv")
    PosixPath('/data/sprint-mirror/example.org/iris.csv')
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from toolkit.errors import DataError
from toolkit.fsutil import atomic_write_json, sha256_file

INDEX_NAME = "index.json"
DEFAULT_DIRNAME = "data-mirror"
ENV_DATA_DIR = "SPRINT_DATA_DIR"
ENV_OFFLINE = "SPRINT_OFFLINE"
REMOTE_SCHEMES = ("http", "https", "ftp")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class MirrorEntry:
    """One staged file: where it came from, where it lies, what it hashes to."""

    url: str
    file: str
    sha256: str
    size: int
    added: str = ""


def is_remote_url(url: object) -> bool:
    """True for ``http(s)://`` and ``ftp://`` strings (what the mirror can stand in for)."""
    return isinstance(url, str) and urlsplit(url).scheme.lower() in REMOTE_SCHEMES


def staging_command(url: str, mirror_root: Path | None = None) -> str:
    """The command a contributor runs to stage ``url`` (shown in error messages)."""
    command = f"sprint data add {url} FILE"
    if mirror_root is not None and os.environ.get(ENV_DATA_DIR) != str(mirror_root):
        command += f" --data-dir {mirror_root}"
    return command


def mirror_relpath(url: str) -> str:
    """A readable, collision-safe relative path for ``url``: ``<host>/<path>``.

    >>> mirror_relpath("https://storage.googleapis.com/tf-keras-datasets/mnist.npz")
    'storage.googleapis.com/tf-keras-datasets/mnist.npz'
    """
    parts = urlsplit(url)
    host = _UNSAFE.sub("_", parts.netloc.lower()) or "local"
    segments = [_UNSAFE.sub("_", s) for s in parts.path.split("/") if s not in ("", ".", "..")]
    segments = [s for s in segments if s.strip("._")] or ["index"]
    if parts.query:
        stem, dot, ext = segments[-1].partition(".")
        digest = hashlib.sha256(parts.query.encode()).hexdigest()[:8]
        segments[-1] = f"{stem}-{digest}{dot}{ext}"
    return "/".join([host, *segments])


def network_allowed(mirror: Mirror) -> bool:
    """Whether a URL missing from the mirror may be downloaded (see module docstring)."""
    flag = os.environ.get(ENV_OFFLINE, "").strip().lower()
    if flag in ("1", "true", "yes"):
        return False
    if flag in ("0", "false", "no"):
        return True
    return not mirror.configured


class Mirror:
    """A folder of staged files and its ``index.json``."""

    def __init__(self, root: Path, *, explicit: bool = False) -> None:
        self.root = Path(root).expanduser().resolve()
        self.explicit = explicit
        self._verified: set[str] = set()

    # -- location --------------------------------------------------------------------
    @classmethod
    def locate(cls, data_dir: str | Path | None = None, project: Path | None = None) -> Mirror:
        """The mirror named by ``data_dir``, ``$SPRINT_DATA_DIR`` or the project default."""
        if data_dir:
            return cls(Path(data_dir), explicit=True)
        if env := os.environ.get(ENV_DATA_DIR):
            return cls(Path(env), explicit=True)
        from toolkit.project import project_root

        return cls((project or project_root()) / DEFAULT_DIRNAME)

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_NAME

    @property
    def configured(self) -> bool:
        """True when a mirror was named explicitly or the default one holds an index."""
        return self.explicit or self.index_path.is_file()

    def require_exists(self) -> None:
        """Raise :class:`DataError` when an explicitly named mirror folder is missing."""
        if self.explicit and not self.root.is_dir():
            raise DataError(
                f"The data mirror folder {self.root} does not exist",
                where="--data-dir or $SPRINT_DATA_DIR",
                fix="check the path, or create the mirror by staging a file: "
                f"`sprint data add URL FILE --data-dir {self.root}`",
            )

    # -- reading ---------------------------------------------------------------------
    def entries(self) -> dict[str, MirrorEntry]:
        """Every staged file, by origin URL."""
        if not self.index_path.is_file():
            return {}
        try:
            raw = json.loads(self.index_path.read_text(encoding="utf-8"))
            return {url: MirrorEntry(url=url, **info) for url, info in raw.items()}
        except (OSError, ValueError, TypeError) as exc:
            raise DataError(
                f"The mirror index is unreadable ({exc})",
                where=str(self.index_path),
                fix="repair the JSON by hand, or move it away and re-stage the files "
                "with `sprint data add URL FILE`",
            ) from exc

    def lookup(self, url: str) -> MirrorEntry | None:
        """The entry for ``url``, or ``None``."""
        return self.entries().get(url)

    def resolve(self, url: str) -> Path | None:
        """The verified local file for ``url``; ``None`` when the URL is not staged.

        Raises :class:`DataError` when the staged file is missing or its SHA-256 no
        longer matches the index.
        """
        entry = self.lookup(url)
        if entry is None:
            return None
        path = self.root / entry.file
        if url not in self._verified:
            problem = self._problem(entry)
            if problem:
                raise DataError(
                    f"The mirror copy of {url} cannot be trusted: {problem}",
                    where=str(path),
                    fix=f"re-stage the original file: `sprint data add {url} FILE --force"
                    f"{'' if not self.explicit else f' --data-dir {self.root}'}`",
                )
            self._verified.add(url)
        return path

    def verify(self) -> list[tuple[MirrorEntry, str]]:
        """``(entry, problem)`` for every staged file that is missing or altered."""
        return [(e, p) for e in self.entries().values() if (p := self._problem(e))]

    def _problem(self, entry: MirrorEntry) -> str:
        path = self.root / entry.file
        if not path.is_file():
            return "the file is missing"
        digest = sha256_file(path)
        if digest != entry.sha256:
            return f"its sha256 is {digest}, the index records {entry.sha256}"
        return ""

    # -- writing ---------------------------------------------------------------------
    def add(self, url: str, source: Path, *, force: bool = False, link: bool = True) -> MirrorEntry:
        """Stage ``source`` as the content of ``url`` (hard link when possible, else copy).

        Re-staging identical content is a no-op; different content needs ``force``.
        """
        _check_url(url)
        source = Path(source)
        if not source.is_file():
            raise DataError(
                f"{source} is not a file",
                where="the FILE argument of `sprint data add`",
                fix="pass the downloaded file itself (archives stay packed: the harness "
                "extracts them as keras.utils.get_file would)",
            )
        digest = sha256_file(source)
        with self._locked():
            current = self.lookup(url)
            if current and current.sha256 == digest and (self.root / current.file).is_file():
                return current
            if current and not force:
                raise DataError(
                    f"{url} is already staged with different content (sha256 "
                    f"{current.sha256[:12]}..., new file {digest[:12]}...)",
                    where=str(self.index_path),
                    fix="add --force to replace it",
                )
            target = self.root / mirror_relpath(url)
            _place(source, target, link=link)
            entry = MirrorEntry(
                url=url,
                file=mirror_relpath(url),
                sha256=digest,
                size=target.stat().st_size,
                added=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._write_entry(entry)
        self._verified.discard(url)
        return entry

    def download(self, url: str, *, force: bool = False, timeout: float = 60.0) -> MirrorEntry:
        """Download ``url`` (needs network) and stage it."""
        import urllib.error
        import urllib.request

        _check_url(url)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".download.", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out, length=1 << 20)
            return self.add(url, Path(tmp), force=force, link=False)
        except (urllib.error.URLError, OSError) as exc:
            raise DataError(
                f"Could not download {url} ({exc})",
                where="sprint data add",
                fix="download it on a machine with network access and stage the file: "
                f"`sprint data add {url} FILE`",
            ) from exc
        finally:
            Path(tmp).unlink(missing_ok=True)

    def remove(self, url: str) -> MirrorEntry:
        """Unstage ``url`` and delete its file."""
        with self._locked():
            entries = self.entries()
            if url not in entries:
                raise DataError(
                    f"{url} is not in the mirror",
                    where=str(self.index_path),
                    fix="see the staged URLs with `sprint data list`",
                )
            entry = entries.pop(url)
            self._write_index(entries)
        (self.root / entry.file).unlink(missing_ok=True)
        return entry

    def _write_entry(self, entry: MirrorEntry) -> None:
        entries = self.entries()
        entries[entry.url] = entry
        self._write_index(entries)

    def _write_index(self, entries: dict[str, MirrorEntry]) -> None:
        raw = {
            url: {k: v for k, v in asdict(e).items() if k != "url"}
            for url, e in sorted(entries.items())
        }
        atomic_write_json(self.index_path, raw)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise index updates between concurrent `sprint data add` calls."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".index.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _check_url(url: str) -> None:
    if not is_remote_url(url):
        raise DataError(
            f"{url!r} is not an http(s) or ftp URL",
            where="the URL argument",
            fix="pass the origin exactly as the script names it, e.g. "
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        )


def _place(source: Path, target: Path, *, link: bool) -> None:
    """Put ``source`` at ``target`` atomically, by hard link when allowed and possible."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        if link:
            try:
                os.link(source, tmp)
            except OSError:
                shutil.copyfile(source, tmp)
        else:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
