"""What a run ran and was judged against, as hashes: the provenance recorded in ``env.json``.

A verdict is only as good as its link to the code and the targets it judged. A run records:

- ``script_sha256``: the sha256 of the training script, and ``code_sha256`` of every
  file the script imports from its reproduction folder (``custom_objects.py``, a local
  helper module), followed transitively;
- ``targets_sha256``: a digest of the manifest's targets (metric name, split, value,
  direction, tolerance and its kind, qualifier, required, run key), so a target moved after
  the runs can be seen.

``sprint check`` recomputes both for today's files and compares.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from toolkit.fsutil import sha256_file
from toolkit.manifest import Manifest, Metric

__all__ = ["code_hashes", "provenance", "target_record", "targets_digest"]

# The fields of a metric that decide its verdict; any change to one moves the target.
TARGET_FIELDS = (
    "name",
    "split",
    "value",
    "direction",
    "tolerance",
    "tolerance_kind",
    "qualifier",
    "required",
    "run_key",
    "rule",
    "alpha",
)


def target_record(metric: Metric) -> dict[str, Any]:
    """The fields of ``metric`` that decide its verdict (``log_pattern`` only when set, so
    the digests of runs made before the field existed still hold)."""
    record = {name: getattr(metric, name) for name in TARGET_FIELDS}
    if metric.log_pattern:
        record["log_pattern"] = metric.log_pattern
    return record


def targets_digest(metrics: Iterable[Metric]) -> str:
    """A sha256 over the verdict-deciding fields of ``metrics``, in the manifest's order."""
    canonical = json.dumps(
        [target_record(m) for m in metrics], sort_keys=True, separators=(",", ":"), allow_nan=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _local_imports(path: Path, folder: Path) -> list[Path]:
    """Files of ``folder`` that the Python file ``path`` imports (``import x``, ``from x``)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:  # from . import x
            names += [alias.name for alias in node.names]
    found = []
    for name in names:
        parts = name.split(".")
        for candidate in (
            folder.joinpath(*parts).with_suffix(".py"),
            folder.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                found.append(candidate)
                break
    return found


def code_hashes(folder: Path, script: str) -> dict[str, str]:
    """sha256 of ``script`` and of every file it imports from ``folder``, by relative path."""
    folder = Path(folder)
    start = folder / script
    if not start.is_file():
        return {}
    hashes: dict[str, str] = {}
    pending = [start]
    while pending:
        path = pending.pop()
        key = path.relative_to(folder).as_posix()
        if key in hashes:
            continue
        hashes[key] = sha256_file(path)
        pending += _local_imports(path, folder)
    return dict(sorted(hashes.items()))


def provenance(folder: Path, manifest: Manifest) -> dict[str, Any]:
    """The provenance fields of ``env.json`` for a run of ``manifest`` in ``folder``."""
    code = code_hashes(folder, manifest.run.script)
    return {
        "script_sha256": code.get(Path(manifest.run.script).as_posix(), ""),
        "code_sha256": code,
        "targets_sha256": targets_digest(manifest.metrics),
        "targets": [target_record(m) for m in manifest.metrics],
        "cpu_cores": os.cpu_count(),
    }
