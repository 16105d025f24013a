"""The round trip a Hub visitor makes: a reproduction trained by the real harness is
pushed with `sprint push` to the local Hub, then loaded back in a fresh Python process with
`keras.saving.load_model("hf://...")`, HF_ENDPOINT pointing at that Hub. Its predictions
must equal the local model's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hub_fixtures
import numpy as np
from hub_fixtures import FAKE_TOKEN, leaks

from toolkit.cli import main
from toolkit.runs import latest_set

local_hub = hub_fixtures.local_hub
trained_reproduction = hub_fixtures.trained_reproduction

VISITOR = """\
import sys
import numpy as np
import keras

local_path, repo_id, out = sys.argv[1:]
x = np.random.default_rng(7).normal(size=(16, 4)).astype("float32")
local = keras.saving.load_model(local_path)
remote = keras.saving.load_model("hf://" + repo_id)  # two lines, as the card says
np.save(out, np.stack([local.predict(x, verbose=0), remote.predict(x, verbose=0)]))
print("backend", keras.backend.backend())
"""


def test_a_pushed_model_loads_from_the_hub_and_predicts_like_the_local_one(
        trained_reproduction: Path, local_hub, monkeypatch, tmp_path, capsys):
    root = trained_reproduction.parent.parent
    monkeypatch.setenv("SPRINT_ROOT", str(root))
    repo_id = "alice/tiny-random"
    assert main(["push", "tiny_random", "--repo-id", repo_id]) == 0
    out, err = capsys.readouterr()
    assert f'keras.saving.load_model("hf://{repo_id}")' in out
    files = local_hub.repos[repo_id].files()
    assert {"config.json", "metadata.json", "model.weights.h5", "README.md", "curves.png",
            "metrics.json", "env.json"} <= set(files)
    assert any(p.startswith("logs/") and "tfevents" in p for p in files)  # real TB logs

    # A visitor: a new process whose only link to the Hub is HF_ENDPOINT, empty HF cache.
    (run,) = latest_set(trained_reproduction)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env |= {"HF_ENDPOINT": local_hub.url, "HF_HOME": str(tmp_path / "visitor-hf"),
            "KERAS_BACKEND": "jax", "HF_HUB_DISABLE_TELEMETRY": "1"}
    predictions = tmp_path / "predictions.npy"
    downloads_before = local_hub.calls("resolve")
    done = subprocess.run(
        [sys.executable, "-c", VISITOR, str(run.path / "model.keras"), repo_id, str(predictions)],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    local, remote = np.load(predictions)
    assert local.shape == (16, 2)
    np.testing.assert_array_equal(remote, local)
    # ...and the remote model really came from the local Hub, weights included.
    fetched = [entry[1] for entry in local_hub.log[downloads_before:] if entry[2] == "resolve"]
    assert any(path.endswith("/model.weights.h5") for path in fetched)
    assert any(path.endswith("/config.json") for path in fetched)
    assert not leaks(root, FAKE_TOKEN, out, err, done.stdout, done.stderr)


def test_the_pushed_card_describes_the_trained_run(trained_reproduction: Path, local_hub,
                                                   monkeypatch):
    from huggingface_hub import ModelCard

    monkeypatch.setenv("SPRINT_ROOT", str(trained_reproduction.parent.parent))
    assert main(["push", "tiny_random", "--repo-id", "alice/tiny-random-card"]) == 0
    card = ModelCard(local_hub.repos["alice/tiny-random-card"].files()["README.md"].decode())
    (run,) = latest_set(trained_reproduction)
    measured = run.metrics()["final"]["test"]["accuracy"]
    results = {r.source_name.split(":")[0].split(" ")[0]: r for r in card.data.eval_results}
    assert set(results) == {"Keras.io", "keras-sprint"}
    assert results["Keras.io"].metric_value == 0.5
    assert results["keras-sprint"].metric_value == float(f"{measured:.6g}")
    assert card.data.pipeline_tag == "tabular-classification"
    assert "tensorboard" in card.data.tags
    assert f"`{run.run_id}`" in card.text
    assert run.env()["keras"] in card.text
