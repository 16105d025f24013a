"""Helpers for the harness and data-mirror tests: tiny reproductions run for real."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from toolkit.harness.runner import RunOptions, RunOutcome, run_reproduction
from toolkit.manifest import DataSource, Manifest, RunConfig

# Environment variables a developer's shell may set that would change what a test sees.
_ISOLATED = (
    "SPRINT_ROOT",
    "SPRINT_DATA_DIR",
    "SPRINT_OFFLINE",
    "KERAS_BACKEND",
    "KERAS_MAX_EPOCHS",
    "KERAS_MAX_STEPS_PER_EPOCH",
)


def make_reproduction(
    root: Path,
    slug: str,
    script: str,
    *,
    backend: str = "any",
    seeds: int = 1,
    epochs: int | None = None,
    smoke_steps: int = 5,
    data: list[DataSource] | None = None,
    training: str = "fit",
) -> Path:
    """``<root>/reproductions/<slug>/`` with a manifest and ``train.py``."""
    folder = root / "reproductions" / slug
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(textwrap.dedent(script), encoding="utf-8")
    manifest = Manifest(
        slug=slug,
        data=data or [],
        run=RunConfig(
            backend=backend, seeds=seeds, epochs=epochs, smoke_steps=smoke_steps, training=training
        ),
    )
    manifest.save(folder)
    return folder


@contextmanager
def isolated_env(root: Path, **extra: str) -> Iterator[pytest.MonkeyPatch]:
    """Environment for module-scoped runs: Keras cache and project root under ``root``."""
    with pytest.MonkeyPatch.context() as patch:
        for name in _ISOLATED:
            patch.delenv(name, raising=False)
        patch.setenv("KERAS_HOME", str(root / "keras-home"))
        patch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
        patch.setenv("SPRINT_ROOT", str(root))
        for name, value in extra.items():
            patch.setenv(name, value)
        yield patch


def run_quietly(folder: Path, **options: Any) -> list[RunOutcome]:
    """Run the harness without echoing the training output."""
    return run_reproduction(folder, RunOptions(echo=None, **options))


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def printed(log: Path, marker: str) -> list[str]:
    """The lines of ``train.log`` that start with ``marker``, marker stripped."""
    return [
        line[len(marker) :].strip()
        for line in log.read_text().splitlines()
        if line.startswith(marker)
    ]


def child_pythonpath() -> str:
    """PYTHONPATH under which ``python -m toolkit.cli`` works from any folder."""
    repo = str(Path(__file__).resolve().parents[1])
    return os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH")) if p)
