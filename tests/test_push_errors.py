"""`sprint push` when things go wrong: each failure has a message that says what happened
and how to fix it, the token never appears, and the local reproduction is left byte for
byte as it was. Failures are injected into the local Hub (tests/hubserver.py)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import hub_fixtures
import pytest
from hub_fixtures import FAKE_TOKEN, FINE_TOKEN, READ_TOKEN, REPO_ID, leaks, snapshot

from toolkit.cli import main

local_hub = hub_fixtures.local_hub
fast_hf_backoff = hub_fixtures.fast_hf_backoff


@pytest.fixture
def repro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    return hub_fixtures.write_publishable(tmp_path)


@pytest.fixture
def failed_push(repro: Path, capsys: pytest.CaptureFixture[str]):
    """Run `sprint push`, expect it to fail, and check it changed nothing locally."""

    def run(*args: str, code: int = 1) -> str:
        before = snapshot(repro)
        assert main(["push", "tiny_mnist", *args]) == code
        out, err = capsys.readouterr()
        assert snapshot(repro) == before, "a failed push must leave the reproduction unchanged"
        assert not leaks(repro.parent.parent, FAKE_TOKEN, out, err)
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "How to fix:" in err  # one message (which may quote more)
        return " ".join(err.split())  # one line, whatever the wrapping

    return run


def test_no_token_says_how_to_log_in(failed_push, local_hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    err = failed_push()
    assert "No Hugging Face token found" in err
    assert "hf auth login" in err and "HF_TOKEN" in err and "'Write' role" in err
    assert local_hub.log == []  # nothing was even attempted


def test_401_an_invalid_token_names_where_it_came_from(failed_push, local_hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_FAKEexpiredTOKEN")
    err = failed_push()
    assert "401 Unauthorized" in err and "the HF_TOKEN environment variable" in err
    assert "invalid, expired or revoked" in err and "hf auth login" in err
    assert "hf_FAKEexpiredTOKEN" not in err
    assert local_hub.calls("create") == 0


def test_403_a_read_only_token_is_told_it_needs_the_write_role(failed_push, local_hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", READ_TOKEN)
    err = failed_push()
    assert "403 Forbidden" in err and "read-only token" in err and "'Write' role" in err
    assert "cannot create repositories under alice" in err
    assert REPO_ID not in local_hub.repos


def test_403_a_fine_grained_token_is_told_which_permission_is_missing(
    failed_push, local_hub, monkeypatch
):
    monkeypatch.setenv("HF_TOKEN", FINE_TOKEN)
    err = failed_push()
    assert "403 Forbidden" in err
    assert (
        "fine-grained token lacks 'Write access to contents/settings of all repos under "
        "alice'" in err
    )


def test_403_on_upload_to_an_existing_repo_names_the_repo(failed_push, local_hub, monkeypatch):
    local_hub.add_repo(REPO_ID, {"README.md": b"old\n"})
    monkeypatch.setenv("HF_TOKEN", READ_TOKEN)
    err = failed_push()
    assert f"The token cannot write to {REPO_ID} (403 Forbidden)" in err
    assert local_hub.repos[REPO_ID].files() == {"README.md": b"old\n"}


def test_a_repository_taken_by_someone_else_is_refused_before_any_upload(failed_push, local_hub):
    err = failed_push("--repo-id", "bob/tiny-mnist")
    assert "bob/tiny-mnist already exists and belongs to bob, not to you (alice)" in err
    assert "--repo-id alice/tiny-mnist" in err
    assert local_hub.calls("create") == 0 and local_hub.calls("preupload") == 0
    assert local_hub.repos["bob/tiny-mnist"].files() == {"README.md": b"bob's model\n"}


def test_a_namespace_that_is_not_yours_is_refused(failed_push, local_hub):
    err = failed_push("--repo-id", "someone-else/tiny-mnist")
    assert "You cannot create someone-else/tiny-mnist" in err
    assert "yours: alice, keras-io, readers" in err
    assert "someone-else/tiny-mnist" not in local_hub.repos


def test_a_read_only_organization_member_is_told_to_ask_for_the_write_role(failed_push, local_hub):
    err = failed_push("--repo-id", "readers/tiny-mnist")
    assert "'read' member of the readers organization" in err and "'write' role" in err
    assert local_hub.calls("create") == 0


def test_404_the_repository_vanished_during_the_push(failed_push, local_hub):
    local_hub.fail(
        "preupload", 404, headers={"X-Error-Code": "RepoNotFound"}, message="Repository not found"
    )
    err = failed_push()
    assert f"The Hub says {REPO_ID} does not exist (404 Not Found" in err
    assert "Nothing was committed" in err
    assert local_hub.calls("commit") == 0


def test_409_someone_else_committed_meanwhile(failed_push, local_hub):
    local_hub.fail(
        "commit", 409, message="A commit has happened since. Please refresh and try again."
    )
    err = failed_push()
    assert "Someone else committed to alice/tiny-mnist while this push was running" in err
    assert "409 Conflict" in err and "--create-pr" in err and "A commit has happened" in err
    assert "model.weights.h5" not in local_hub.repos[REPO_ID].files()


def test_409_when_creating_your_own_existing_repo_is_fine(repro, local_hub):
    local_hub.add_repo(REPO_ID, {"README.md": b"previous push\n"})
    assert main(["push", "tiny_mnist"]) == 0
    assert "model.weights.h5" in local_hub.repos[REPO_ID].files()
    assert ("POST", "/api/repos/create", "create", 409) in local_hub.log


def test_429_is_retried_with_backoff_then_explained(failed_push, local_hub):
    local_hub.fail("commit", 429, times=-1, message="Too many requests")
    err = failed_push()
    assert "rate-limiting this account (429 Too Many Requests) after 3 attempts" in err
    assert "wait a few minutes" in err
    assert local_hub.calls("commit") == 3  # SPRINT_HUB_ATTEMPTS
    assert err.count("retrying in") == 2


def test_5xx_is_retried_and_a_transient_one_recovers(repro, local_hub, capsys):
    local_hub.fail("create", 503, times=2)
    assert main(["push", "tiny_mnist"]) == 0
    err = capsys.readouterr().err
    assert err.count("Could not create the repository (HTTP 503); retrying in") == 2
    assert local_hub.calls("create") == 3
    assert "model.weights.h5" in local_hub.repos[REPO_ID].files()


def test_5xx_that_persists_gives_a_clear_message(failed_push, local_hub):
    local_hub.fail("commit", 500, times=-1, message="Internal Error - We're working hard")
    err = failed_push()
    assert "The Hub failed with 500 Internal Server Error after 3 attempts" in err
    assert "status.huggingface.co" in err and "may or may not" not in err
    assert (
        "Nothing was committed: the Hub answered the commit request with 500 Internal "
        "Server Error, so it did not record it"
    ) in err
    assert local_hub.calls("commit") == 3
    assert "model.weights.h5" not in local_hub.repos[REPO_ID].files()


def test_a_timeout_is_retried_then_explained(failed_push, local_hub):
    local_hub.fail("commit", 0, times=-1, delay=1.0)  # slow, not failing: the client gives up
    err = failed_push("--timeout", "0.3", "--retries", "2")
    assert "did not answer within 0.3 s after 2 attempts while trying to upload the files" in err
    assert "--timeout" in err


def test_an_unreachable_hub_is_explained(failed_push, local_hub, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    err = failed_push()
    assert "Could not connect to the Hub after 3 attempts" in err
    assert f"http://127.0.0.1:{port}" in err and "HF_ENDPOINT" in err


def test_an_upload_that_stops_midway_commits_nothing(failed_push, local_hub):
    local_hub.add_repo(REPO_ID, {"README.md": b"previous push\n"})
    head = local_hub.repos[REPO_ID].refs["main"]
    local_hub.fail("lfs-upload", 403, message="Request has expired")  # a storage URL expired
    err = failed_push()
    assert "The upload stopped midway" in err and "Request has expired" in err
    assert "Nothing was committed" in err and "local reproduction is unchanged" in err
    assert local_hub.calls("commit") == 0
    assert local_hub.repos[REPO_ID].refs["main"] == head
    assert local_hub.repos[REPO_ID].files() == {"README.md": b"previous push\n"}


def test_an_upload_that_keeps_failing_on_storage_is_retried_then_explained(
    failed_push, local_hub, fast_hf_backoff
):
    local_hub.fail("lfs-upload", 502, times=-1)
    err = failed_push()
    assert "The Hub failed with 502 Bad Gateway after 3 attempts while trying to upload" in err
    assert "Nothing was committed" in err
    assert local_hub.calls("commit") == 0


def test_a_commit_accepted_but_answered_with_an_error_is_not_duplicated(repro, local_hub):
    local_hub.fail("commit", 500, after=True)  # the Hub made the commit, the answer was lost
    assert main(["push", "tiny_mnist"]) == 0
    repo = local_hub.repos[REPO_ID]
    assert local_hub.calls("commit") == 1  # the retry found nothing left to commit
    hub = tomllib.loads((repro / "reproduction.toml").read_text())["hub"]
    assert hub["pushed_commit"] == repo.refs["main"]
    assert "model.weights.h5" in repo.files()


def test_a_hand_edited_card_stops_the_push_before_the_network(failed_push, repro, local_hub):
    assert main(["card", "tiny_mnist"]) == 0
    readme = repro / "README.md"
    readme.write_text(readme.read_text().replace("## Training data", "## Training data (edited)"))
    err = failed_push(code=2)
    assert "edited outside its free-text sections" in err and "--force" in err
    assert local_hub.log == []


def test_weights_left_on_the_training_machine_are_explained(failed_push, repro, local_hub):
    # A fresh clone has every committed record (env.json says the model was saved) but no
    # weights: the push names the run whose weights the card publishes, and where they went.
    for model in repro.glob("runs/*/model.keras"):
        model.unlink()
    err = failed_push(code=2)
    assert "publishes the weights of run 20250101-1200-jax-s0" in err
    assert "not on this machine" in err and "git-ignored" in err
    assert local_hub.log == []


def test_a_set_that_saved_no_model_is_explained(failed_push, repro, local_hub):
    for env_file in repro.glob("runs/*/env.json"):
        env = json.loads(env_file.read_text())
        env["model"] = {"saved": False, "error": "NotImplementedError: get_config"}
        env_file.write_text(json.dumps(env))
    err = failed_push(code=2)
    assert "saved its model" in err and "--no-save-model" in err
    assert local_hub.log == []


def test_a_missing_repository_id_says_where_to_set_it(failed_push, repro, local_hub):
    path = repro / "reproduction.toml"
    path.write_text(path.read_text().replace(f'repo_id = "{REPO_ID}"', 'repo_id = ""'))
    err = failed_push(code=2)
    assert "'' is not a Hub repository id" in err and "[hub] repo_id" in err
    assert local_hub.log == []


def test_card_metadata_the_hub_rejects_is_explained(failed_push, local_hub):
    local_hub.fail("validate-yaml", 400, message="license: not a valid license id")
    err = failed_push()
    assert "The Hub rejected the model card's metadata" in err and "sprint card" in err
    assert local_hub.calls("preupload") == 0 and local_hub.calls("commit") == 0


def test_a_failing_xet_storage_upload_is_explained(failed_push, repro, local_hub, monkeypatch):
    # With hf_xet installed the real Hub takes uploads through Xet storage; here the real
    # hf_xet client asks the local Hub for storage credentials and gets none (501).
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    err = failed_push(code=1)
    assert "Xet storage did not take the files" in err and "501" in err
    assert "Nothing was committed" in err and "HF_HUB_DISABLE_XET=1" in err
    assert local_hub.calls("xet-write-token") >= 1 and local_hub.calls("commit") == 0
