"""Which reproductions a branch changed (toolkit.changed), on a real git repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from check_fixtures import write_reproduction

from toolkit.changed import changed_paths, changed_slugs, slugs_in
from toolkit.cli import main
from toolkit.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repo whose main holds reproductions a, b and c, with branch ``pr`` checked out."""
    for key, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    git(tmp_path, "init", "-q", "-b", "main")
    for slug in ("a", "b", "c"):
        write_reproduction(tmp_path, slug)
    (tmp_path / "README.md").write_text("sprint\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "pr")
    return tmp_path


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_nothing_changed(repo):
    assert changed_slugs("main", repo) == []


def test_committed_staged_unstaged_and_untracked_changes_all_count(repo):
    (repo / "reproductions" / "a" / "train.py").write_text("print(1)\n")
    commit_all(repo, "edit a")
    (repo / "README.md").write_text("not a reproduction\n")  # outside reproductions/
    (repo / "reproductions" / "b" / "notes.md").write_text("staged\n")
    git(repo, "add", "reproductions/b/notes.md")
    write_reproduction(repo, "d")  # untracked, brand new
    assert changed_slugs("main", repo) == ["a", "b", "d"]
    (repo / "reproductions" / "c" / "reproduction.toml").write_text(
        (repo / "reproductions" / "c" / "reproduction.toml").read_text() + "# edited\n"
    )
    assert changed_slugs("main", repo) == ["a", "b", "c", "d"]


def test_changes_made_on_the_base_after_the_branch_forked_do_not_count(repo):
    git(repo, "checkout", "-q", "main")
    (repo / "reproductions" / "c" / "train.py").write_text("print('main moved on')\n")
    commit_all(repo, "main edits c")
    git(repo, "checkout", "-q", "pr")
    (repo / "reproductions" / "a" / "train.py").write_text("print(1)\n")
    commit_all(repo, "pr edits a")
    assert changed_slugs("main", repo) == ["a"]


def test_deleted_reproductions_are_not_listed(repo):
    git(repo, "rm", "-q", "-r", "reproductions/b")
    commit_all(repo, "drop b")
    assert "reproductions/b/reproduction.toml" in changed_paths(repo, "main")
    assert changed_slugs("main", repo) == []


def test_only_safe_reproduction_folder_names_are_listed(tmp_path):
    write_reproduction(tmp_path, "ok")
    paths = [
        "reproductions/ok/train.py",
        "reproductions/$(evil)/x",
        "reproductions/README.md",
        "toolkit/check.py",
        "reproductions/gone/train.py",
    ]
    assert slugs_in(paths, tmp_path) == ["ok"]


def test_an_unknown_base_is_a_usage_error_that_says_how_to_fetch(repo):
    with pytest.raises(UsageError, match="fetch-depth: 0"):
        changed_slugs("origin/nope", repo)


def test_sprint_check_changed(repo, capsys):
    (repo / "reproductions" / "c" / "train.py").write_text("print(1)\n")
    assert main(["check", "--changed", "--base", "main", "--list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["c"]
    assert main(["check", "--changed", "--base", "main", "--format", "json"]) == 2  # no run yet
    assert [r["slug"] for r in json.loads(capsys.readouterr().out)["reports"]] == ["c"]


def test_sprint_check_changed_with_nothing_changed_exits_0(repo, capsys):
    assert main(["check", "--changed", "--base", "main", "--format", "markdown"]) == 0
    captured = capsys.readouterr()
    assert "No reproduction to check." in captured.out
    assert "No reproduction changed since main" in captured.err


def test_module_runs_with_the_standard_library_only(repo):
    """The workflow's detect job runs it before installing anything: ``python -S`` proves it
    (no site-packages, so any third-party import would fail)."""
    (repo / "reproductions" / "b" / "train.py").write_text("print(1)\n")
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-m",
            "toolkit.changed",
            "--base",
            "main",
            "--json",
            "--root",
            str(repo),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["b"]
    bad = subprocess.run(
        [sys.executable, "-S", "-m", "toolkit.changed", "--base", "nope", "--root", str(repo)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "error: git merge-base failed" in bad.stderr
