"""Runs made on another machine (a lent GPU) travel as one archive and come back verified.

``pack_runs`` puts the run folders of a batch (as its summary names them) into a
``.tar.gz`` without weights or live logs, with ``SHA256SUMS`` over every file and the
batch's ``summary.json``. ``import_runs`` takes such an archive into
``reproductions/<slug>/runs/``: it checks every member's hash, refuses paths outside a run
folder, and refuses a run that already exists here or whose recorded ``script_sha256`` is not
today's ``train.py`` (it trained other code). An altered or unsafe archive imports
nothing.

Example::

    >>> pack_runs(Path("."), Path("build/summary.json"), Path("out/gpu-runs.tar.gz"))
    >>> import_runs(Path("out/gpu-runs.tar.gz"), Path("."))
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from toolkit.errors import SprintError
from toolkit.fsutil import sha256_file
from toolkit.manifest import SLUG_RE, Manifest
from toolkit.runs import RUNS_DIR

__all__ = ["ArchiveError", "ImportedRun", "RefusedRun", "import_runs", "pack_runs"]

TOP = "sprint-runs"
SUMS = "SHA256SUMS"
SUMMARY = "summary.json"
# Never packed: weights (large, git-ignored), live TensorBoard logs (replayed from metrics).
EXCLUDED = re.compile(r"(\.keras|\.h5|\.weights\.h5)$|(^|/)logs(/|$)")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class ArchiveError(SprintError):
    """A run archive cannot be packed or imported."""


@dataclass(frozen=True)
class ImportedRun:
    slug: str
    run_id: str
    files: int


@dataclass(frozen=True)
class RefusedRun:
    slug: str
    run_id: str
    reason: str


def _run_folders(root: Path, summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(slug, run id) of every job of the summary that left a run folder."""
    found = []
    for job in summary.get("jobs", []):
        slug, run_id = job.get("slug", ""), job.get("run_id", "")
        if job.get("state") == "skipped" or not run_id:
            continue
        if (root / "reproductions" / slug / RUNS_DIR / run_id).is_dir():
            found.append((slug, run_id))
    return found


def pack_runs(root: Path, summary_path: Path, archive: Path) -> list[tuple[str, str]]:
    """Pack the run folders a batch summary names into ``archive``; returns them."""
    root = Path(root)
    try:
        summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(
            f"Cannot read the batch summary ({exc})",
            where=str(summary_path),
            fix="pass the file `sprint run --all --summary FILE` wrote",
        ) from exc
    runs = _run_folders(root, summary)
    sums: list[str] = []
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        for slug, run_id in runs:
            folder = root / "reproductions" / slug / RUNS_DIR / run_id
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                relative = path.relative_to(root / "reproductions").as_posix()
                if EXCLUDED.search(relative):
                    continue
                tar.add(path, arcname=f"{TOP}/{relative}")
                sums.append(f"{sha256_file(path)}  {relative}")
        tar.add(summary_path, arcname=f"{TOP}/{SUMMARY}")
        data = ("\n".join(sums) + "\n").encode()
        info = tarfile.TarInfo(f"{TOP}/{SUMS}")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    partial.replace(archive)
    return runs


def _member_path(name: str) -> tuple[str, str, str] | None:
    """(slug, run id, path inside the run) of a run member; ``None`` for the top files."""
    parts = PurePosixPath(name).parts
    if parts[:1] != (TOP,):
        raise ArchiveError(
            f"The archive member {name!r} is outside {TOP}/",
            where=name,
            fix="pack runs with `sprint archive pack`",
        )
    if len(parts) == 2 and parts[1] in (SUMS, SUMMARY):
        return None
    if (
        len(parts) < 5
        or parts[2] != RUNS_DIR
        or not SLUG_RE.fullmatch(parts[1])
        or not _RUN_ID.fullmatch(parts[3])
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ArchiveError(
            f"The archive member {name!r} is not a file of a run folder",
            where=name,
            fix="pack runs with `sprint archive pack`",
        )
    return parts[1], parts[3], "/".join(parts[4:])


def import_runs(archive: Path, root: Path) -> tuple[list[ImportedRun], list[RefusedRun]]:
    """Verify ``archive`` and move its run folders into ``root``'s reproductions.

    Raises :class:`ArchiveError` (nothing imported) when a member is unsafe or altered; a
    run that cannot join this checkout is refused on its own, with the reason.
    """
    root = Path(root)
    files = _read_archive(archive)
    with tempfile.TemporaryDirectory(prefix="sprint-import-") as tmp:
        expected = _read_sums(files.get(f"{TOP}/{SUMS}"), archive)
        runs: dict[tuple[str, str], int] = {}
        for name, data in files.items():
            where = _member_path(name)
            if where is None:
                continue
            relative = "/".join(PurePosixPath(name).parts[1:])
            if expected.get(relative) != hashlib.sha256(data).hexdigest():
                raise ArchiveError(
                    f"{relative} does not match its SHA256SUMS entry",
                    where=str(archive),
                    fix="pack the runs again; nothing was imported",
                )
            runs[where[:2]] = runs.get(where[:2], 0) + 1
            target = Path(tmp) / where[0] / where[1] / where[2]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        missing = sorted(set(expected) - {"/".join(PurePosixPath(n).parts[1:]) for n in files})
        if missing:
            raise ArchiveError(
                f"{len(missing)} file(s) listed in SHA256SUMS are missing, e.g. {missing[0]}",
                where=str(archive),
                fix="pack the runs again",
            )
        imported, refused = [], []
        for (slug, run_id), count in runs.items():
            if reason := _refusal(root, slug, run_id, Path(tmp) / slug / run_id):
                refused.append(RefusedRun(slug, run_id, reason))
                continue
            destination = root / "reproductions" / slug / RUNS_DIR / run_id
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / slug / run_id), destination)
            imported.append(ImportedRun(slug, run_id, count))
    return imported, refused


def _read_archive(archive: Path) -> dict[str, bytes]:
    """Every plain file of the archive by member name; unsafe members are refused."""
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise ArchiveError(
                        f"The archive member {member.name!r} is not a plain file",
                        where=str(archive),
                        fix="pack runs with `sprint archive pack`",
                    )
                _member_path(member.name)
                extracted = tar.extractfile(member)
                files[member.name] = extracted.read() if extracted else b""
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise ArchiveError(
            f"Cannot read the run archive ({exc})",
            where=str(archive),
            fix="pass the .tar.gz that scripts/gpu_verify.sh wrote",
        ) from exc
    return files


def _read_sums(data: bytes | None, archive: Path) -> dict[str, str]:
    if data is None:
        raise ArchiveError(
            f"The archive has no {SUMS}",
            where=str(archive),
            fix="pack runs with `sprint archive pack`",
        )
    sums = {}
    for line in data.decode("utf-8", "replace").splitlines():
        digest, _, path = line.partition("  ")
        if digest and path:
            sums[path] = digest
    return sums


def _refusal(root: Path, slug: str, run_id: str, folder: Path) -> str:
    """Why a run cannot be imported ('' when it can): an unknown reproduction, a run that
    exists here already, or a run of other code than today's script."""
    repro = root / "reproductions" / slug
    if not (repro / "reproduction.toml").is_file():
        return f"{slug!r} is not a reproduction here"
    if (repro / RUNS_DIR / run_id).exists():
        return "the run exists here already (remove its folder to import it again)"
    try:
        env = json.loads((folder / "env.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        env = {}
    recorded = env.get("script_sha256") if isinstance(env, dict) else None
    manifest = Manifest.load(repro)
    today = sha256_file(repro / manifest.run.script)
    if recorded != today:
        return (
            f"it trained another {manifest.run.script} (sha256 {str(recorded)[:12]}, "
            f"today {today[:12]}): check out the commit the runs were made from, or run "
            "them again"
        )
    return ""
