"""`sprint push` under failure, hardened (issue 17): one retry loop whose request count and
waits are the settings', messages that say exactly what reached the Hub, 403s explained by
what the Hub said, and no token anywhere. Against the local Hub (tests/hubserver.py); every
test here is also checked by the local hub's TokenGuard (tests/hub_fixtures.py)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import hub_fixtures
import pytest
from hub_fixtures import FAKE_TOKEN, TokenGuard

from toolkit.cli import main
from toolkit.errors import HubError
from toolkit.hub import HubRequestError, RetryPolicy, hub_session, push, stage_push

local_hub = hub_fixtures.local_hub
# What a real Hugging Face token looks like (hf_ + 34 letters and digits), inside a word.
LOOKALIKE = "hf_" + "Zq8RkT2mWv9XyB4nLp7CdE3fGh6JsA1uKo"


@pytest.fixture
def repro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    return hub_fixtures.write_publishable(tmp_path)


def failed_push(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["push", "tiny_mnist", *args]) == 1
    return " ".join(capsys.readouterr().err.split())


# -- 1. retries bounded by the settings -------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["preupload", "lfs-batch"])
def test_a_failing_endpoint_gets_exactly_the_attempts_the_message_reports(
    repro, local_hub, capsys, monkeypatch, endpoint
):
    monkeypatch.setenv("SPRINT_HUB_BACKOFF", "0.2")
    policy = RetryPolicy.from_env()
    assert (policy.attempts, policy.total_wait) == (3, pytest.approx(0.6))
    local_hub.fail(endpoint, 500, times=-1)
    start = time.monotonic()
    err = failed_push(capsys)
    wall = time.monotonic() - start
    assert "500 Internal Server Error after 3 attempts while trying to upload the files" in err
    assert local_hub.calls(endpoint) == 3  # not 3 x (1 + huggingface_hub's 5 retries)
    assert err.count("retrying in") == 2
    # the waits are the policy's (0.2 s, then 0.4 s), not huggingface_hub's (1, 2, 4, 8, 8 s)
    assert policy.total_wait <= wall < policy.total_wait + 5.0, wall


def test_failing_large_file_uploads_are_bounded_by_the_attempts(repro, local_hub, capsys):
    local_hub.fail("lfs-upload", 502, times=-1)
    err = failed_push(capsys)
    assert "502 Bad Gateway after 3 attempts" in err
    lfs_files = 4  # model.weights.h5, curves.png twice, the TensorBoard event file
    assert 3 <= local_hub.calls("lfs-upload") <= 3 * lfs_files
    assert local_hub.calls("commit") == 0


def test_a_retry_after_longer_than_the_cap_is_capped(repro, local_hub, capsys, monkeypatch):
    monkeypatch.setenv("SPRINT_HUB_MAX_WAIT", "0.1")
    local_hub.fail("preupload", 429, times=-1, headers={"Retry-After": "3600"})
    start = time.monotonic()
    err = failed_push(capsys)
    assert time.monotonic() - start < 5.0
    assert "429 Too Many Requests) after 3 attempts" in err and err.count("retrying in 0.1 s") == 2
    assert local_hub.calls("preupload") == 3


# -- 2. what happened, by the stage that failed -----------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "stage"),
    [
        ("create", "creating the repository"),
        ("validate-yaml", "validating the card's metadata"),
        ("preupload", "announcing the files (preupload)"),
        ("lfs-batch", "asking where to store the large files (LFS batch)"),
    ],
)
def test_a_failure_before_the_commit_says_nothing_was_committed(
    repro, local_hub, capsys, endpoint, stage
):
    local_hub.fail(endpoint, 503, times=-1)
    err = failed_push(capsys)
    assert (
        f"Nothing was committed: the push stopped while {stage}, before any commit request "
        "was sent; the local reproduction is unchanged"
    ) in err
    assert "may or may not" not in err
    assert local_hub.calls("commit") == 0


def test_a_commit_answered_with_an_error_says_it_was_not_recorded(repro, local_hub, capsys):
    local_hub.fail("commit", 500, times=-1)
    err = failed_push(capsys)
    assert (
        "the Hub answered the commit request with 500 Internal Server Error, so it did not "
        "record it" in err
    )
    assert "may or may not" not in err


def test_only_an_unanswered_commit_request_is_ambiguous(repro, local_hub, capsys):
    local_hub.fail("commit", 0, times=-1, delay=1.0, after=True)
    err = failed_push(capsys, "--timeout", "0.3", "--retries", "1")
    assert "The commit request got no answer, so the Hub may or may not have recorded it" in err
    assert "re-running is safe" in err


# -- 3. a 403 explained by what the Hub said --------------------------------------------------


def test_a_403_for_a_member_with_write_access_does_not_blame_the_namespace(
    repro, local_hub, capsys
):
    rule = "Organization keras-io requires two-factor authentication to push"
    local_hub.fail("preupload", 403, message=rule)
    err = failed_push(capsys, "--repo-id", "keras-io/tiny-mnist")  # alice: 'write' in keras-io
    assert "The token cannot write to keras-io/tiny-mnist (403 Forbidden)" in err
    assert "although your account may write there (you have the 'write' role in keras-io)" in err
    assert f"The Hub said: {rule}" in err
    assert "no write access" not in err and "read-only" not in err
    assert "quote request id local-" in err


def test_a_403_on_a_gated_repository_says_so(repro, local_hub, capsys):
    local_hub.fail(
        "preupload",
        403,
        headers={"X-Error-Code": "GatedRepo"},
        message="Access to model alice/tiny-mnist is restricted",
    )
    err = failed_push(capsys)
    assert "alice/tiny-mnist is a gated repository" in err and "request access" in err
    assert "no write access" not in err


def test_the_hub_error_keeps_the_status_message_and_request_id(repro, local_hub):
    local_hub.fail("preupload", 403, message=f"Forbidden for {LOOKALIKE} and {FAKE_TOKEN}")
    with stage_push(repro) as plan, pytest.raises(HubRequestError) as caught:
        push(plan, sleep=lambda _: None, log=lambda _: None)
    error = caught.value
    assert error.status == 403
    assert error.server_message == "Forbidden for hf_*** and ***"  # redacted
    assert error.request_id.startswith("local-")
    assert error.request_id in error.message


# -- 4. redaction everywhere ------------------------------------------------------------------


def test_a_token_in_the_hubs_own_text_is_redacted(repro, local_hub, capsys):
    local_hub.fail("preupload", 400, message=f"bad token {FAKE_TOKEN}; HF_TOKEN=my_{LOOKALIKE}")
    err = failed_push(capsys)
    assert "The Hub said: bad token ***; HF_TOKEN=my_hf_***" in err
    assert FAKE_TOKEN not in err and LOOKALIKE not in err


def test_a_token_in_huggingface_hubs_own_logs_is_redacted(repro, local_hub, caplog, capsys):
    warning = f"leak-test; token {FAKE_TOKEN} and {LOOKALIKE} seen"  # X-HF-Warning: topic; text
    local_hub.fail("preupload", 503, times=1, headers={"X-HF-Warning": warning})
    with caplog.at_level(logging.WARNING):
        assert main(["push", "tiny_mnist"]) == 0
    logged = [r.getMessage() for r in caplog.records if r.getMessage().endswith(" seen")]
    assert logged == ["token *** and hf_*** seen"]
    out, err = capsys.readouterr()
    assert FAKE_TOKEN not in out + err and LOOKALIKE not in out + err


def test_everything_a_hub_session_logs_or_raises_is_redacted():
    lines: list[str] = []
    with (
        pytest.raises(HubError) as caught,
        hub_session(RetryPolicy(), FAKE_TOKEN, lines.append) as say,
    ):
        say(f"retrying {FAKE_TOKEN} {LOOKALIKE}")
        raise HubError(f"what {FAKE_TOKEN}", where=f"at {LOOKALIKE}", fix=f"fix {FAKE_TOKEN}")
    assert lines == ["retrying *** hf_***"]
    assert caught.value.message == "what ***. Where: at hf_***. How to fix: fix ***."
    assert str(caught.value) == caught.value.message


# -- 5. the guard that every push test runs under ----------------------------------------------


def test_the_token_guard_finds_a_token_in_files_output_and_logs(tmp_path, capsys, caplog):
    guard = TokenGuard(tmp_path, tmp_path / "hf-home", capsys, caplog, [])
    assert guard.leaks() == []
    (tmp_path / "reproduction.toml").write_text(f"token = '{FAKE_TOKEN}'\n")
    print(f"pushed with {FAKE_TOKEN}")
    capsys.readouterr()  # already read by the test: the guard still sees it
    logging.getLogger("huggingface_hub.test").warning("token %s", FAKE_TOKEN)
    found = guard.leaks()
    assert any(place.startswith("file ") and place.endswith("reproduction.toml") for place in found)
    assert any(place.startswith("output #") for place in found)
    assert any(place.startswith("log record huggingface_hub.test") for place in found)
    guard.plant(tmp_path / "reproduction.toml")
    assert not any(place.startswith("file ") for place in guard.leaks())
