"""The whole flow a visitor's demo comes from: a reproduction trained by the real harness is
pushed with `sprint push` to the local Hub, `sprint space` generates its Space from the
manifest, the card's facts and the run's env.json, and the app, started with no local
model at all, loads ``hf://<repo>`` from that Hub and answers like the local model."""

from __future__ import annotations

import json
from pathlib import Path

import hub_fixtures
import numpy as np
import pytest
from space_fixtures import running_app

from toolkit.cli import main
from toolkit.runs import latest_set

local_hub = hub_fixtures.local_hub
trained_reproduction = hub_fixtures.trained_reproduction


def test_the_space_serves_the_pushed_model_from_the_hub(
    trained_reproduction: Path, local_hub, monkeypatch, capsys
):
    import keras
    from huggingface_hub import constants

    root = trained_reproduction.parent.parent
    monkeypatch.setenv("SPRINT_ROOT", str(root))
    # gradio_client reports each Client to HF_ENDPOINT unless telemetry is off
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    repo_id = "alice/tiny-random"
    assert main(["push", "tiny_random", "--repo-id", repo_id]) == 0
    capsys.readouterr()
    assert main(["space", "tiny_random", "--json", "--force"]) == 0
    summary = json.loads(capsys.readouterr().out)
    (run,) = latest_set(trained_reproduction)
    env = run.env()
    assert summary["family"] == "tabular_classification"
    assert summary["model_repo"] == repo_id
    assert summary["model"] == str(run.path / "model.keras")
    assert summary["requirements"][:2] == [
        f"keras=={env['keras']}",
        f"jax[cpu]=={env['backend_version']}",
    ]
    folder = Path(summary["folder"])
    readme = (folder / "README.md").read_text()
    assert f"models:\n- {repo_id}\n" in readme and "test accuracy: reported 0.5" in readme

    rows = np.random.default_rng(3).normal(size=(3, 4)).round(3)
    expected = keras.saving.load_model(run.path / "model.keras").predict(rows, verbose=0)
    downloads_before = local_hub.calls("resolve")
    with running_app(folder, model_value=None) as app:  # no SPRINT_MODEL_PATH: hf:// only
        label, table = app.client().predict(
            {"headers": ["x0", "x1", "x2", "x3"], "data": rows.tolist()}, api_name="/predict"
        )
    fetched = [entry[1] for entry in local_hub.log[downloads_before:] if entry[2] == "resolve"]
    assert any(path.endswith("/model.weights.h5") for path in fetched)
    scores = {c["label"]: c["confidence"] for c in label["confidences"]}
    assert set(scores) == {"negative", "positive"}
    assert [scores["negative"], scores["positive"]] == pytest.approx(expected[0], abs=1e-5)
    assert [row[-2] for row in table["data"]] == [
        ["negative", "positive"][int(np.argmax(p))] for p in expected
    ]
