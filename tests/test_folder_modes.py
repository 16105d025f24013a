"""Folders the toolkit creates get the usual mode (0777 less the umask), never a private 0700."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness_fixtures import isolated_env, make_reproduction, run_quietly

from toolkit.cli import main
from toolkit.fsutil import staging_dir

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "examples" / "waveform_classifier.py"


@pytest.fixture()
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture()
def root(tmp_path: Path, umask_022: None) -> Iterator[Path]:
    (tmp_path / "reproductions").mkdir()
    with isolated_env(tmp_path):
        yield tmp_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folders(top: Path) -> list[Path]:
    return [top, *(p for p in top.rglob("*") if p.is_dir())]


def test_staging_dir_has_the_usual_mode(tmp_path: Path, umask_022: None) -> None:
    assert mode(staging_dir(tmp_path, prefix=".x.")) == 0o755
    os.umask(0o027)
    assert mode(staging_dir(tmp_path, prefix=".y.")) == 0o750


def test_new_and_space_create_folders_with_mode_755(root: Path) -> None:
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 0
    assert main(["space", "waves"]) == 0
    created = folders(root / "reproductions" / "waves") + folders(root / "spaces" / "waves")
    assert len(created) >= 3  # the reproduction, the Space and its examples/
    assert {str(p.relative_to(root)): oct(mode(p)) for p in created} == {
        str(p.relative_to(root)): oct(0o755) for p in created
    }


def test_a_run_folder_has_mode_755(root: Path) -> None:
    folder = make_reproduction(root, "modes", "print('hello')\n", training="custom")
    run_quietly(folder, backend="tensorflow", smoke=True)
    runs = [p for p in (folder / "runs").iterdir() if p.is_dir()]
    assert runs and all(mode(p) == 0o755 for p in folders(folder))
