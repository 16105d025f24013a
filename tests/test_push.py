"""`sprint push`: what one commit uploads, the dry run, and what is recorded afterwards.

Every push goes to the local Hub of tests/hubserver.py through the real huggingface_hub
client; the reproductions are fixture data (see hub_fixtures.write_publishable).
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import hub_fixtures
import pytest
from hub_fixtures import FAKE_TOKEN, REPO_ID, leaks, snapshot, write_publishable

from toolkit.cli import main

local_hub = hub_fixtures.local_hub

MODEL_FILES = {"config.json", "metadata.json", "model.weights.h5"}
RUN_ID = "20250101-1200-jax-s0"  # seed 0 holds the median of (0.991, 0.9905, 0.992)


@pytest.fixture
def repro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    return write_publishable(tmp_path)


def push(*args: str) -> int:
    return main(["push", "tiny_mnist", *args])


def hub_section(repro: Path) -> dict:
    return tomllib.loads((repro / "reproduction.toml").read_text())["hub"]


def test_dry_run_lists_every_file_with_its_size_and_sends_nothing(
    repro, local_hub, monkeypatch, capsys
):
    import huggingface_hub

    def no_client(*args, **kwargs):
        raise AssertionError("--dry-run must not create a Hub client")

    monkeypatch.setattr(huggingface_hub, "HfApi", no_client)
    before = snapshot(repro)
    assert push("--dry-run", "--json") == 0
    plan = json.loads(capsys.readouterr().out)
    run = repro / "runs" / RUN_ID
    sizes = {f["path"]: f["size"] for f in plan["files"]}
    assert set(sizes) == MODEL_FILES | {
        "README.md",
        "curves.png",
        "metrics.json",
        "env.json",
        "logs/train/events.out.tfevents.1.fixture.v2",
        f"runs/{RUN_ID}/curves.png",
        *(
            f"runs/20250101-1200-jax-s{i}/{name}"
            for i in range(3)
            for name in ("metrics.json", "env.json")
        ),
    }
    assert sizes["metrics.json"] == (run / "metrics.json").stat().st_size
    assert sizes["curves.png"] == (run / "curves.png").stat().st_size
    assert sizes["model.weights.h5"] > 40_000
    assert plan["total_size"] == sum(sizes.values())
    assert plan["repo_id"] == REPO_ID and plan["run"] == RUN_ID
    assert local_hub.log == []  # not one request
    assert snapshot(repro) == before


def test_dry_run_prints_a_table_of_files_and_sizes(repro, local_hub, capsys):
    assert push("--dry-run") == 0
    out = capsys.readouterr().out
    for path in (
        "config.json",
        "model.weights.h5",
        "README.md",
        "curves.png",
        "env.json",
        "logs/train/events.out.tfevents.1.fixture.v2",
    ):
        assert path in out
    assert "nothing sent" in out and "total" in out
    assert local_hub.log == []


def test_logs_missing_here_are_replayed_from_metrics_json(repro, local_hub, capsys):
    # Live TensorBoard logs are git-ignored; a push from a clone that has the weights but not
    # the logs still publishes the Training metrics the card promises.
    shutil.rmtree(repro / "runs" / RUN_ID / "logs")
    assert push("--dry-run", "--json") == 0
    files = {f["path"]: f for f in json.loads(capsys.readouterr().out)["files"]}
    logs = sorted(path.split("/")[1] for path in files if path.startswith("logs/"))
    assert logs == ["test", "train", "validation"]
    assert all(
        "replayed from metrics.json" in f["from"]
        for path, f in files.items()
        if path.startswith("logs/")
    )
    assert push() == 0
    pushed = local_hub.repos[REPO_ID].files("main")
    assert sum(path.startswith("logs/") and "tfevents" in path for path in pushed) == 3


def test_push_uploads_everything_in_one_commit_and_records_it(repro, local_hub, capsys):
    assert push() == 0
    out, err = capsys.readouterr()
    repo = local_hub.repos[REPO_ID]
    files = repo.files("main")
    run = repro / "runs" / RUN_ID
    assert local_hub.calls("commit") == 1
    assert set(files) >= MODEL_FILES
    assert files["metrics.json"] == (run / "metrics.json").read_bytes()
    assert files["env.json"] == (run / "env.json").read_bytes()
    assert files["curves.png"] == (run / "curves.png").read_bytes()
    assert (
        files["logs/train/events.out.tfevents.1.fixture.v2"]
        == (run / "logs/train/events.out.tfevents.1.fixture.v2").read_bytes()
    )
    assert local_hub.calls("lfs-upload") >= 2  # weights and curves took the large-file path
    assert repo.resolve("main").files["model.weights.h5"].lfs
    # the commit is recorded, and README.md is the card that was pushed
    hub = hub_section(repro)
    head = repo.refs["main"]
    assert hub["pushed_commit"] == head
    assert hub["pushed_url"] == f"{local_hub.url}/{REPO_ID}/commit/{head}"
    assert hub["pushed_run"] == RUN_ID and hub["pushed_pr_url"] == ""
    assert (repro / "README.md").read_bytes() == files["README.md"]
    assert f"hf://{REPO_ID}" in out and head in out
    assert not leaks(repro.parent.parent, FAKE_TOKEN, out, err)
    assert not any(FAKE_TOKEN.encode() in body for body in local_hub.bodies)


def test_the_weights_are_the_runs_model_archive_unpacked(repro, local_hub):
    import zipfile

    assert push() == 0
    files = local_hub.repos[REPO_ID].files("main")
    with zipfile.ZipFile(repro / "runs" / RUN_ID / "model.keras") as archive:
        for name in MODEL_FILES:
            assert files[name] == archive.read(name)


def test_pushing_again_without_changes_creates_no_new_commit(repro, local_hub):
    assert push() == 0
    first = hub_section(repro)["pushed_commit"]
    commits = len(local_hub.repos[REPO_ID].commits)
    assert push() == 0
    assert hub_section(repro)["pushed_commit"] == first
    assert len(local_hub.repos[REPO_ID].commits) == commits


def test_repo_id_option_overrides_the_manifest_and_the_card_follows(repro, local_hub):
    assert push("--repo-id", "keras-io/tiny-mnist-sprint") == 0
    files = local_hub.repos["keras-io/tiny-mnist-sprint"].files("main")
    assert 'load_model("hf://keras-io/tiny-mnist-sprint")' in files["README.md"].decode()
    assert hub_section(repro)["repo_id"] == "keras-io/tiny-mnist-sprint"
    assert REPO_ID not in local_hub.repos


def test_private_creates_a_private_repository(repro, local_hub):
    assert push("--private") == 0
    assert local_hub.repos[REPO_ID].private


def test_create_pr_leaves_main_alone_and_records_the_pull_request(repro, local_hub):
    local_hub.add_repo(REPO_ID, {"README.md": b"the current card\n"})
    main_before = local_hub.repos[REPO_ID].refs["main"]
    assert push("--create-pr") == 0
    repo = local_hub.repos[REPO_ID]
    assert repo.refs["main"] == main_before
    assert set(repo.files("refs/pr/1")) >= MODEL_FILES
    hub = hub_section(repro)
    assert hub["pushed_pr_url"] == f"{local_hub.url}/{REPO_ID}/discussions/1"
    assert hub["pushed_commit"] == repo.refs["refs/pr/1"]


def test_the_token_can_come_from_the_login_cache(repro, local_hub, monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_TOKEN")
    Path(constants.HF_TOKEN_PATH).parent.mkdir(parents=True, exist_ok=True)
    Path(constants.HF_TOKEN_PATH).write_text(FAKE_TOKEN)
    assert push() == 0
    assert hub_section(repro)["pushed_commit"] == local_hub.repos[REPO_ID].refs["main"]


def test_a_file_holding_the_token_is_never_uploaded(repro, local_hub, capsys):
    env = repro / "runs" / RUN_ID / "env.json"
    env.write_text(json.dumps({"command": f"train.py --token {FAKE_TOKEN}"}))
    local_hub.token_guard.plant(env)
    before = snapshot(repro)
    assert push() == 1
    err = capsys.readouterr().err
    assert "contains your Hugging Face token" in err and FAKE_TOKEN not in err
    assert local_hub.calls("commit") == 0 and local_hub.calls("create") == 0
    assert snapshot(repro) == before


def test_manifest_comments_survive_recording_the_push(repro, local_hub):
    path = repro / "reproduction.toml"
    path.write_text("# kept: a contributor's note\n" + path.read_text())
    assert push() == 0
    text = path.read_text()
    assert text.startswith("# kept: a contributor's note\n")
    assert tomllib.loads(text)["hub"]["pushed_commit"]


def test_the_card_image_is_uploaded_where_the_card_links_it(repro, local_hub):
    import re

    assert push() == 0
    files = local_hub.repos[REPO_ID].files("main")
    (link,) = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", files["README.md"].decode())
    assert files[link] == (repro / link).read_bytes()
