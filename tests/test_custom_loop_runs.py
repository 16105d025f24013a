"""Runs of scripts with their own training loop (``training = "custom"``, no ``fit()``).

Such a script (reinforcement learning, a GAN) keeps its trained model in a top-level
variable ``model``, as Keras.io's examples do; the harness saves that one as
``model.keras``, so a card and a Space have weights to serve. A printed metric's check
line names its whole pattern, dots included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness_fixtures import isolated_env, make_reproduction, read_json, run_quietly
from toolkit.check import PASS, MetricResult, SeedValue, explain
from toolkit.manifest import Metric

LOOP = """\
import keras

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="{name}")
optimizer = keras.optimizers.SGD(0.1)
optimizer.build(model.trainable_variables)
for episode in range(3):
    grads = [keras.ops.ones_like(v) for v in model.trainable_variables]
    optimizer.apply(grads, model.trainable_variables)
print("Solved at episode 3!")
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """One run each: a loop that keeps its model in ``model``, one that calls it ``net``."""
    root = tmp_path_factory.mktemp("custom")
    folders = {
        "kept": make_reproduction(root, "kept", LOOP.format(name="agent"), training="custom"),
        "renamed": make_reproduction(
            root, "renamed", LOOP.format(name="agent").replace("model", "net"), training="custom"
        ),
    }
    run_dirs = {}
    with isolated_env(root):
        for key, folder in folders.items():
            [outcome] = run_quietly(folder)
            assert outcome.status == "complete", outcome.reason
            run_dirs[key] = outcome.path
    return run_dirs


def test_the_top_level_model_of_a_custom_loop_is_saved(runs) -> None:
    run_dir = runs["kept"]
    import keras

    saved = keras.saving.load_model(run_dir / "model.keras", compile=False)
    assert saved.name == "agent"
    info = read_json(run_dir / "env.json")["model"]
    assert info["saved"] is True and info["source"] == "the script's top-level variable 'model'"


def test_a_loop_without_a_top_level_model_says_why_nothing_was_saved(runs) -> None:
    run_dir = runs["renamed"]
    assert not (run_dir / "model.keras").exists()
    warnings = read_json(run_dir / "run.json")["warnings"]
    assert any(
        "no model was trained with fit(), and the script left no keras Model in a top-level "
        "variable 'model'" in w
        for w in warnings
    )


def test_a_printed_metric_names_its_whole_pattern() -> None:
    pattern = r"running reward: (?P<value>[\d.]+) at episode \d+"
    metric = Metric(
        name="running_reward",
        split="train",
        value=190.0,
        tolerance=5.0,
        origin="output",
        log_pattern=pattern,
    )
    result = MetricResult(metric, PASS, "", f"train.log /{pattern}/", [SeedValue("r0", 0, 192.0)])
    assert explain(result).startswith(
        f"train running_reward (logged as train.log /{pattern}/): 192 from 1 run"
    )


def test_a_custom_loop_card_says_how_it_trained_instead_of_epochs(tmp_path, monkeypatch) -> None:
    from tests.hub_fixtures import write_publishable
    from toolkit.card import render_card
    from toolkit.manifest import RunConfig

    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    custom = write_publishable(tmp_path, slug="agent", run=RunConfig(seeds=3, training="custom"))
    text = render_card(custom).text
    assert "- Training: the script's own loop, not `fit()`" in text
    assert "- Epochs:" not in text and "- Batch size:" not in text
    fitted = write_publishable(tmp_path, slug="fitted")
    assert "- Epochs: 15" in render_card(fitted).text
