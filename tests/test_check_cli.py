"""`sprint check` from the command line: selection, formats, --output and exit codes.
Run folders are fixture data (tests/check_fixtures.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from check_fixtures import write_reproduction, write_run, write_set

from toolkit.cli import main


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A sprint root with two reproductions: ``good`` passes, ``bad`` fails."""
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    write_set(write_reproduction(tmp_path, "good"), "g", [0.99, 0.985, 0.992])
    write_set(write_reproduction(tmp_path, "bad"), "g", [0.90, 0.91, 0.92])
    return tmp_path


def test_exit_0_when_every_required_metric_passes(root, capsys):
    assert main(["check", "good"]) == 0
    out = capsys.readouterr().out
    assert "good: pass" in out and "Overall: pass (exit 0)" in out


def test_exit_1_when_a_metric_fails(root, capsys):
    assert main(["check", "good", "bad"]) == 1
    out = capsys.readouterr().out
    assert "bad: fail" in out and "mean 0.91 over 3 seeds (0.9, 0.91, 0.92)" in out


@pytest.mark.parametrize("setup", ["no_run", "smoke_only", "metric_missing"])
def test_exit_2_when_it_cannot_check(root, capsys, setup):
    repro = write_reproduction(root, "todo")
    if setup == "smoke_only":
        write_set(repro, "smoke", [0.99], smoke=True)
    if setup == "metric_missing":
        write_run(repro, "r", final={"test": {"loss": 0.1, "mae": 0.3}})
    assert main(["check", "todo"]) == 2
    out = capsys.readouterr().out
    expected = {
        "no_run": "No runs found for todo",
        "smoke_only": "Only smoke runs found for todo",
        "metric_missing": "did not record it",
    }[setup]
    assert expected in out


def test_a_malformed_manifest_exits_2(root, capsys):
    (root / "reproductions" / "good" / "reproduction.toml").write_text("slug = [", "utf-8")
    assert main(["check", "good"]) == 2
    assert "not valid TOML" in capsys.readouterr().out


@pytest.mark.parametrize("json_flag", [["--format", "json"], ["--json"]])
def test_all_checks_every_reproduction_and_json_is_parseable(root, capsys, json_flag):
    assert main(["check", "--all", *json_flag]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [(r["slug"], r["verdict"]) for r in doc["reports"]] == [
        ("bad", "fail"),
        ("good", "pass"),
    ]


def test_run_selects_an_older_set(root, capsys):
    repro = root / "reproductions" / "bad"
    write_set(repro, "later", [0.5], started="2026-01-01")
    assert main(["check", "bad", "--run", "later", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["reports"][0]["run_ids"] == ["later-s0"]
    write_set(repro, "fixed", [0.99, 0.99, 0.99], started="2024-01-01")
    assert main(["check", "bad", "--run", "fixed"]) == 0


def test_output_writes_the_same_report_to_a_file(root, capsys, tmp_path):
    target = tmp_path / "reports" / "check.xml"
    assert main(["check", "good", "bad", "--format", "junit", "--output", str(target)]) == 1
    captured = capsys.readouterr()
    assert target.read_text("utf-8") == captured.out
    assert f"report written to {target}" in captured.err
    assert [s.get("name") for s in ET.parse(target).getroot()] == ["good", "bad"]


def test_markdown_output(root, capsys):
    assert main(["check", "good", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("## ✅ Reproduction check: pass")


def test_slug_is_taken_from_the_current_folder(root, capsys, monkeypatch):
    monkeypatch.chdir(root / "reproductions" / "bad" / "runs")
    assert main(["check", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["reports"][0]["slug"] == "bad"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check"], "No reproduction selected"),
        (["check", "nope"], "No reproduction named 'nope'"),
        (["check", "../etc"], "not a valid reproduction name"),
        (["check", "good", "bad", "--run", "g"], "--run names one run"),
        (["check", "--format", "yaml", "good"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2(root, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_help_lists_examples_and_exit_codes(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "sprint check --changed --base origin/main --list" in out
    assert "exit codes: 0 every required metric passed, 1 a metric failed" in out


def test_check_imports_no_ml_framework(root):
    code = (
        "import sys; from toolkit.cli import main; code = main(['check', 'good']); "
        "heavy = {'keras', 'tensorflow', 'jax', 'torch', 'gradio', 'matplotlib'}; "
        "assert not heavy & set(sys.modules), heavy & set(sys.modules); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"SPRINT_ROOT": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "good: pass" in done.stdout
