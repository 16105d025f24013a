"""Helpers for the example-parser tests: fixture paths, tutobook builders, a fake keras-io clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "examples"

HEADER = '''"""
Title: A test example
Author: [Tess Ter](https://example.org/tess)
Date created: 2024/01/02
Last modified: 2024/01/03
Description: Nothing to report.
Accelerator: None
"""
'''


def tutobook(body: str = "", header: str = HEADER) -> str:
    """A tutobook text: ``header`` then the dedented ``body``."""
    return header + "\n" + textwrap.dedent(body).lstrip("\n")


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def fake_keras_io(
    root: Path,
    examples: dict[str, str],
    rendered: dict[str, str] | None = None,
    *,
    commit: bool = True,
) -> Path:
    """A tiny keras-io clone: ``examples/<cat>/<name>.py`` (+ ``md/<name>.md``), committed.

    ``examples`` maps ``"category/name"`` to the tutobook text; ``rendered`` to page text.
    """
    for ref, text in examples.items():
        category, name = ref.split("/")
        path = root / "examples" / category / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for ref, text in (rendered or {}).items():
        category, name = ref.split("/")
        path = root / "examples" / category / "md" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    scripts = root / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "tutobooks.py").write_text("# stand-in for keras-io's converter\n")
    if commit and shutil.which("git"):
        git(root, "init", "-q", "-b", "master")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "examples")
    return root
