"""`sprint space --push`: one commit to a Gradio Space, against a local Hub.

tests/hubserver.py serves model repositories; :class:`SpaceHub` below serves the same
protocol under the URLs ``huggingface_hub`` uses for Spaces (``/api/spaces/...``,
``/spaces/<repo>.git/...``) and requires ``sdk: gradio`` on creation, so the real client
code path runs end to end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import hub_fixtures
import hubserver
import pytest
from hub_fixtures import FAKE_TOKEN, READ_TOKEN
from hubserver import Blob, LocalHub, Repo, _Handler, _HubError
from space_fixtures import CASES, generate, save_model

from toolkit.cli import main
from toolkit.errors import HubError
from toolkit.manifest import Manifest
from toolkit.space.push import push_space, space_files

fast_hf_backoff = hub_fixtures.fast_hf_backoff


def _space_route(verb: str, pattern: re.Pattern[str], name: str) -> tuple:
    text = pattern.pattern.replace("/api/models/", "/api/spaces/")
    if name in ("lfs-batch", "resolve"):
        text = "/spaces" + text
    return verb, re.compile(text), name


class _SpaceHandler(_Handler):
    ROUTES = [_space_route(*route) for route in _Handler.ROUTES]

    def _create(self, body: bytes):
        payload = json.loads(body)
        if payload.get("type") != "space" or payload.get("sdk") != "gradio":
            raise _HubError(400, f"expected a Gradio Space, got {payload}")
        user = self._user()
        namespace = payload.get("organization") or user.name
        repo_id = f"{namespace}/{payload['name']}"
        self._writable(user, namespace, "create a space")
        if repo_id in self.hub.repos:
            raise _HubError(
                409,
                "You already created this space repo",
                {"X-Error-Message": "You already created this space repo"},
                url=f"{self.hub.url}/spaces/{repo_id}",
            )
        repo = Repo(repo_id, bool(payload.get("private")))
        self.hub.repos[repo_id] = repo
        self.hub._new_commit(
            repo,
            "main",
            "initial commit",
            {".gitattributes": Blob(b"*.png filter=lfs -text\n", False)},
        )
        return 200, {"url": f"{self.hub.url}/spaces/{repo_id}", "name": repo_id}, {}


class SpaceHub(LocalHub):
    """A :class:`LocalHub` whose repositories are Gradio Spaces."""

    def start(self) -> SpaceHub:
        original = hubserver._Handler  # LocalHub.start builds its handler from this class
        hubserver._Handler = _SpaceHandler
        try:
            super().start()
        finally:
            hubserver._Handler = original
        return self


local_hub = hub_fixtures.local_hub


@pytest.fixture
def space_hub(local_hub: LocalHub, monkeypatch: pytest.MonkeyPatch):
    """A :class:`SpaceHub` with the local Hub's accounts, HF_ENDPOINT pointing at it."""
    hub = SpaceHub().start()
    hub.users = local_hub.users
    hub.token_guard = local_hub.token_guard
    hub.token_guard.hubs.append(hub)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    yield hub
    hub.stop()
    assert not hub.unknown, f"requests the Space hub does not know: {hub.unknown}"


@pytest.fixture
def space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """A generated image-classification Space, its reproduction folder and its model."""
    root = tmp_path / "sprint"
    monkeypatch.setenv("SPRINT_ROOT", str(root))
    case = CASES["digits"]
    model = save_model(case, tmp_path)
    result = generate(root, case, model)
    (result.plan.folder / ".gradio").mkdir()
    (result.plan.folder / ".gradio" / "flagged.csv").write_text("local only\n")
    return result.plan.folder, root / "reproductions" / case.slug, model


def test_push_creates_the_space_in_one_commit(space_hub, space):
    folder = space[0]
    commit = push_space(folder, "alice/digits-demo")
    repo = space_hub.repos["alice/digits-demo"]
    files = repo.files()
    assert repo.resolve("main").oid == commit
    assert set(files) == {".gitattributes", *space_files(folder)}
    assert ".sprint-space.json" not in files and ".gradio/flagged.csv" not in files
    assert files["app.py"] == (folder / "app.py").read_bytes()
    assert files["examples/drawing_0.png"] == (folder / "examples" / "drawing_0.png").read_bytes()
    assert space_hub.calls("commit") == 1
    assert space_hub.calls("lfs-batch") == 1  # the PNG examples travel through LFS
    assert not any(FAKE_TOKEN.encode() in body for body in space_hub.bodies)


def test_push_updates_and_deletes_files_the_space_no_longer_has(space_hub, space):
    folder = space[0]
    push_space(folder, "alice/digits-demo")
    (folder / "examples" / "drawing_9.png").unlink()
    (folder / "app.py").write_text((folder / "app.py").read_text() + "# tweak\n")
    second = push_space(folder, "alice/digits-demo")
    files = space_hub.repos["alice/digits-demo"].files()
    assert "examples/drawing_9.png" not in files
    assert files["app.py"].endswith(b"# tweak\n")
    assert space_hub.repos["alice/digits-demo"].resolve("main").oid == second
    assert space_hub.calls("commit") == 2


def test_cli_push_records_the_space_in_the_manifest(space_hub, space, capsys):
    folder, repro, model = space
    code = main(
        ["space", "digits", "--model", str(model), "--push", "--space-id", "alice/digits-demo"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    hub = Manifest.load(repro).hub
    assert hub.space_id == "alice/digits-demo"
    assert hub.space_commit == space_hub.repos["alice/digits-demo"].resolve("main").oid
    assert f"pushed to the Space alice/digits-demo (commit {hub.space_commit})" in out.out
    assert FAKE_TOKEN not in out.out + out.err


def test_push_with_a_read_only_token_fails_with_a_fix(space_hub, space, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", READ_TOKEN)
    with pytest.raises(HubError) as caught:
        push_space(space[0], "alice/digits-demo")
    message = caught.value.message
    assert "(403 Forbidden): it is a read-only token" in message
    assert f"Where: {space_hub.url}/spaces/alice/digits-demo." in message
    assert "then re-run `sprint space SLUG --push`" in message
    assert READ_TOKEN not in message
    assert "alice/digits-demo" not in space_hub.repos


def test_push_without_a_token_says_how_to_log_in(space_hub, space, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(HubError, match="No Hugging Face token found"):
        push_space(space[0], "alice/digits-demo")
    assert main(["space", "digits", "--push", "--space-id", "alice/x"]) == 1


def test_push_refuses_a_file_holding_the_token(space_hub, space):
    folder = space[0]
    (folder / "app.py").write_text(f"TOKEN = '{FAKE_TOKEN}'\n")
    space_hub.token_guard.plant(folder / "app.py")
    with pytest.raises(HubError, match="app.py contains your Hugging Face token"):
        push_space(folder, "alice/digits-demo")
    assert "alice/digits-demo" not in space_hub.repos


def test_push_retries_a_flaky_hub(space_hub, space, fast_hf_backoff):
    space_hub.fail("commit", 503, times=1)
    commit = push_space(space[0], "alice/digits-demo", log=lambda _: None)
    assert space_hub.repos["alice/digits-demo"].resolve("main").oid == commit
