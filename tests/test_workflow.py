"""The GPU CI workflow (.github/workflows/reproduce.yml): its structure, and that every
`sprint` command it runs exists and parses with today's command line."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml
from workflow_expr import evaluate, truthy

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


REPO = "keras-sprint/keras-sprint"


def pull_request_event(action: str, *, fork: bool, labels: list[str], label: str = "") -> dict:
    """The expression context of a ``pull_request`` event, as GitHub builds it."""
    head_repo = "someone/keras-sprint" if fork else REPO
    event: dict = {
        "action": action,
        "pull_request": {
            "number": 7,
            "head": {"sha": "a" * 40, "repo": {"full_name": head_repo}},
            "labels": [{"name": name} for name in labels],
        },
    }
    if label:
        event["label"] = {"name": label}
    return {"github": {"repository": REPO, "event": event}}


APPROVED = "safe-to-reproduce"
# (event, fork?, labels on the PR, label just added, does the GPU path start?)
GPU_GUARD_CASES = [
    ("opened", False, [], "", True),
    ("synchronize", False, [], "", True),
    ("labeled", False, ["docs"], "docs", False),
    ("labeled", False, [APPROVED], APPROVED, True),
    ("opened", True, [], "", False),
    ("synchronize", True, [], "", False),
    # The fix: a push after the approval does not inherit it.
    ("synchronize", True, [APPROVED], "", False),
    ("reopened", True, [APPROVED], "", False),
    ("labeled", True, [APPROVED, "docs"], "docs", False),
    # The approving event itself: it names the reviewed head commit.
    ("labeled", True, [APPROVED], APPROVED, True),
]


@pytest.mark.parametrize(("action", "fork", "labels", "label", "starts"), GPU_GUARD_CASES)
def test_a_forks_code_reaches_the_gpu_only_on_the_approving_label_event(
    workflow, action, fork, labels, label, starts
):
    context = pull_request_event(action, fork=fork, labels=labels, label=label)
    assert truthy(evaluate(workflow["jobs"]["detect"]["if"], context)) is starts


@pytest.mark.parametrize(("action", "fork", "labels", "label", "starts"), GPU_GUARD_CASES)
def test_a_push_after_the_approval_is_announced_not_run(
    workflow, action, fork, labels, label, starts
):
    context = pull_request_event(action, fork=fork, labels=labels, label=label)
    expired = truthy(evaluate(workflow["jobs"]["approval"]["if"], context))
    assert expired is (action == "synchronize" and fork and APPROVED in labels)
    assert not (expired and starts)
    assert "actions/checkout" not in uses(workflow["jobs"]["approval"])


def test_the_gpu_job_checks_out_exactly_the_approved_commit(workflow):
    detect, reproduce = workflow["jobs"]["detect"], workflow["jobs"]["reproduce"]
    assert detect["outputs"]["sha"] == "${{ github.event.pull_request.head.sha }}"
    for job, ref in (
        (detect, "${{ github.event.pull_request.head.sha }}"),
        (reproduce, "${{ needs.detect.outputs.sha }}"),
    ):
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["ref"] == ref  # not the merge ref, which moves with new pushes
        assert checkout["with"]["persist-credentials"] is False
    verify = next(s for s in reproduce["steps"] if "git rev-parse HEAD" in s.get("run", ""))
    assert verify["env"]["APPROVED_SHA"] == "${{ needs.detect.outputs.sha }}"


def test_detect_stops_when_the_pull_request_moved_after_the_approval(workflow):
    steps = workflow["jobs"]["detect"]["steps"]
    moved = next(i for i, s in enumerate(steps) if "--jq .head.sha" in s.get("run", ""))
    checkout = next(i for i, s in enumerate(steps) if "uses" in s)
    assert moved < checkout
    step = steps[moved]
    assert step["env"]["APPROVED_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert '[ "$head" != "$APPROVED_SHA" ]' in step["run"] and "exit 1" in step["run"]


def test_no_job_that_runs_pull_request_code_sees_a_secret_or_a_write_token(workflow):
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "secrets." not in text
    assert "pull_request_target" not in text  # would run fork code with the base's secrets
    for name in ("detect", "reproduce"):
        assert "permissions" not in workflow["jobs"][name]  # the read-only default above


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
        "reports/",
        "reproductions/${{ matrix.slug }}/runs/",
    ]
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


@pytest.mark.parametrize(("action", "fork", "labels", "label", "starts"), GPU_GUARD_CASES)
def test_only_runs_of_the_gpu_path_share_the_cancelling_group(
    workflow, action, fork, labels, label, starts
):
    context = pull_request_event(action, fork=fork, labels=labels, label=label)
    context["github"]["run_id"] = "991"
    template = workflow["concurrency"]["group"]
    inner = template[template.index("${{", template.index("}}")) :]
    assert evaluate(inner, context) == ("gpu" if starts else "991")
