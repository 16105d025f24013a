"""The GPU CI workflow (.github/workflows/reproduce.yml): its structure, and that every
`sprint` command it runs exists and parses with today's command line."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml

from toolkit.cli import VERBS, build_parser

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "reproduce.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def scripts(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def sprint_commands(workflow: dict) -> list[list[str]]:
    """Every ``sprint ...`` command line in the workflow's scripts, split like a shell."""
    commands = []
    for job in workflow["jobs"].values():
        for line in scripts(job).splitlines():
            if not line.strip().startswith("sprint "):
                continue
            line = re.split(r" >| \|\|", line)[0].replace('"$SLUG"', "mnist_convnet")
            commands.append(shlex.split(line))
    return commands


def test_runs_on_pull_requests_that_touch_reproductions(workflow):
    triggers = workflow[True]  # PyYAML reads the bare key `on` as the boolean True
    assert triggers["pull_request"]["paths"] == ["reproductions/**"]
    assert "synchronize" in triggers["pull_request"]["types"]
    assert workflow["permissions"] == {"contents": "read"}


def test_detect_lists_the_changed_slugs_as_json(workflow):
    detect = workflow["jobs"]["detect"]
    assert detect["runs-on"] == "ubuntu-latest"
    assert detect["outputs"]["slugs"] == "${{ steps.changed.outputs.slugs }}"
    checkout = next(s for s in detect["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    assert 'python -m toolkit.changed --base "origin/$BASE_REF" --json' in scripts(detect)
    assert 'echo "slugs=$slugs" >> "$GITHUB_OUTPUT"' in scripts(detect)


def test_fork_pull_requests_need_a_maintainer_label_before_the_gpu_runs_them(workflow):
    guard = workflow["jobs"]["detect"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in guard
    assert "contains(github.event.pull_request.labels.*.name, 'safe-to-reproduce')" in guard


def test_reproduce_shards_the_detected_slugs_over_a_gpu_matrix(workflow):
    job = workflow["jobs"]["reproduce"]
    assert job["needs"] == "detect"
    assert job["if"] == "needs.detect.outputs.slugs != '[]'"
    assert job["runs-on"] == ["self-hosted", "gpu"]
    assert job["strategy"]["fail-fast"] is False
    assert job["strategy"]["matrix"]["slug"] == "${{ fromJSON(needs.detect.outputs.slugs) }}"
    assert job["env"]["SLUG"] == "${{ matrix.slug }}"
    assert "SPRINT_DATA_DIR" in job["env"] and job["env"]["SPRINT_OFFLINE"] == "1"
    assert "${{" not in scripts(job)  # values reach scripts through env: no injection


def test_reproduce_trains_checks_and_uploads(workflow):
    job = workflow["jobs"]["reproduce"]
    text = scripts(job)
    assert 'sprint run "$SLUG" --backend jax --seeds 3' in text
    for fmt in ("junit", "markdown", "json"):
        assert f'sprint check "$SLUG" --format {fmt} --output' in text
    assert '>> "$GITHUB_STEP_SUMMARY"' in text
    check_step = next(s for s in job["steps"] if "sprint check" in s.get("run", ""))
    assert check_step["if"] == "${{ !cancelled() }}"  # a failed run is still reported
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert [u["with"]["path"] for u in uploads] == [
        "reports/", "reproductions/${{ matrix.slug }}/runs/"]
    assert all(u["if"] == "${{ !cancelled() }}" for u in uploads)


def test_report_gathers_the_markdown_into_the_summary_and_the_pull_request(workflow):
    job = workflow["jobs"]["report"]
    assert job["needs"] == ["detect", "reproduce"]
    assert "!cancelled()" in job["if"] and "needs.detect.outputs.slugs != '[]'" in job["if"]
    assert "actions/download-artifact" in uses(job)
    assert '>> "$GITHUB_STEP_SUMMARY"' in scripts(job)
    assert "gh pr comment" in scripts(job)
    assert job["permissions"] == {"pull-requests": "write"}


def test_every_sprint_command_is_a_known_verb(workflow):
    commands = sprint_commands(workflow)
    assert {c[1] for c in commands} == {"data", "run", "check"}
    assert all(c[1] in VERBS for c in commands)


@pytest.mark.parametrize("verb", ["data", "run", "check"])
def test_every_sprint_command_parses(workflow, verb):
    if importlib.util.find_spec(f"toolkit.commands.{verb}") is None:
        pytest.skip(f"toolkit/commands/{verb}.py is not written yet; its verb is in cli.VERBS")
    for command in (c for c in sprint_commands(workflow) if c[1] == verb):
        args = build_parser(verb).parse_args(command[1:])
        assert args.verb == verb
