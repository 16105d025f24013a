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
trained_custom_reproduction = hub_fixtures.trained_custom_reproduction

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
    trained_reproduction: Path, local_hub, monkeypatch, tmp_path, capsys
):
    root = trained_reproduction.parent.parent
    monkeypatch.setenv("SPRINT_ROOT", str(root))
    repo_id = "alice/tiny-random"
    assert main(["push", "tiny_random", "--repo-id", repo_id]) == 0
    out, err = capsys.readouterr()
    assert f'keras.saving.load_model("hf://{repo_id}")' in out
    files = local_hub.repos[repo_id].files()
    assert {
        "config.json",
        "metadata.json",
        "model.weights.h5",
        "README.md",
        "curves.png",
        "metrics.json",
        "env.json",
    } <= set(files)
    assert any(p.startswith("logs/") and "tfevents" in p for p in files)  # real TB logs

    # A visitor: a new process whose only link to the Hub is HF_ENDPOINT, empty HF cache.
    (run,) = latest_set(trained_reproduction)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env |= {
        "HF_ENDPOINT": local_hub.url,
        "HF_HOME": str(tmp_path / "visitor-hf"),
        "KERAS_BACKEND": "jax",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    predictions = tmp_path / "predictions.npy"
    downloads_before = local_hub.calls("resolve")
    done = subprocess.run(
        [sys.executable, "-c", VISITOR, str(run.path / "model.keras"), repo_id, str(predictions)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    local, remote = np.load(predictions)
    assert local.shape == (16, 2)
    np.testing.assert_array_equal(remote, local)
    # ...and the remote model really came from the local Hub, weights included.
    fetched = [entry[1] for entry in local_hub.log[downloads_before:] if entry[2] == "resolve"]
    assert any(path.endswith("/model.weights.h5") for path in fetched)
    assert any(path.endswith("/config.json") for path in fetched)
    assert not leaks(root, FAKE_TOKEN, out, err, done.stdout, done.stderr)


def test_the_pushed_card_describes_the_trained_run(
    trained_reproduction: Path, local_hub, monkeypatch
):
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


CARD_VISITOR = """\
import importlib.util
import sys
import numpy as np
import keras

snippet, local_path, module_path, out = sys.argv[1:]
namespace = {}
exec(open(snippet).read(), namespace)  # the card's "How to use" code, as a visitor pastes it
spec = importlib.util.spec_from_file_location("local_objects", module_path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
local = keras.saving.load_model(local_path, custom_objects=module.CUSTOM_OBJECTS)
x = np.random.default_rng(7).normal(size=(16, 4)).astype("float32")
np.save(out, np.stack([local.predict(x, verbose=0), namespace["model"].predict(x, verbose=0)]))
"""


def test_a_model_with_custom_layers_loads_as_its_card_says(
    trained_custom_reproduction: Path, local_hub, monkeypatch, tmp_path
):
    root = trained_custom_reproduction.parent.parent
    monkeypatch.setenv("SPRINT_ROOT", str(root))
    repo_id = "alice/tiny-custom"
    assert main(["push", "tiny_custom", "--repo-id", repo_id]) == 0
    files = local_hub.repos[repo_id].files()
    card = files["README.md"].decode()
    assert "custom_objects.py" in files and "(Gain)" in card
    usage = card.split("## How to use", 1)[1]
    snippet = usage.split("```python\n", 1)[1].split("```", 1)[0]
    assert f'hf_hub_download("{repo_id}", "custom_objects.py")' in snippet
    (tmp_path / "snippet.py").write_text(snippet)
    (tmp_path / "custom_objects.py").write_bytes(files["custom_objects.py"])

    (run,) = latest_set(trained_custom_reproduction)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env |= {
        "HF_ENDPOINT": local_hub.url,
        "HF_HOME": str(tmp_path / "visitor-hf"),
        "KERAS_BACKEND": "jax",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    predictions = tmp_path / "predictions.npy"
    elsewhere = tmp_path / "visitor"  # a working folder with no custom_objects.py in it
    elsewhere.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CARD_VISITOR,
            str(tmp_path / "snippet.py"),
            str(run.model_path),
            str(tmp_path / "custom_objects.py"),
            str(predictions),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=elsewhere,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    local, remote = np.load(predictions)
    np.testing.assert_array_equal(remote, local)
