"""Smoke mode: one epoch and a few batches per fit/evaluate, whatever the input pipeline."""

from __future__ import annotations

import ast

import pytest
from harness_fixtures import isolated_env, make_reproduction, printed, read_json, run_quietly

from toolkit.runs import latest_set

# 2000 samples at batch 10 and epochs=50 would be 10 000 steps per fit: smoke runs 3.
SCRIPT = """
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(2000, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

model.fit(x, y, epochs=50, batch_size=10, validation_data=(x[:500], y[:500]), verbose=2)

train = tf.data.Dataset.from_tensor_slices((x, y)).batch(10).repeat()
val = tf.data.Dataset.from_tensor_slices((x[:500], y[:500])).batch(10)
model.fit(train, steps_per_epoch=200, epochs=50, validation_data=val, verbose=2)

def batches():
    while True:
        yield x[:10], y[:10]

model.fit(batches(), steps_per_epoch=100, epochs=3, verbose=0)
print("SCRIPT_EVAL", repr(model.evaluate(x, y, batch_size=10, verbose=0)))
print("SCRIPT_EVAL", repr(model.evaluate(val, verbose=0)))
print("SCRIPT_PREDICT", repr(model.predict(x, verbose=0).shape))
"""


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke")
    with isolated_env(root):
        folder = make_reproduction(root, "smoke_me", SCRIPT, smoke_steps=3, seeds=3)
        [outcome] = run_quietly(folder, backend="tensorflow", smoke=True)
    return folder, outcome


def test_smoke_caps_epochs_and_batches_for_arrays_datasets_and_generators(smoke_run):
    _, outcome = smoke_run
    assert outcome.status == "complete", outcome.reason
    metrics = read_json(outcome.path / "metrics.json")
    assert metrics["smoke"] is True
    assert [f["epochs"] for f in metrics["fits"]] == [1, 1, 1]
    assert metrics["epochs"] == 3
    assert metrics["steps_per_epoch"] == [3, 3, 3]
    assert metrics["evaluation_steps"] == [3, 3]
    assert "val_loss" in metrics["history"]


def test_smoke_leaves_predict_alone(smoke_run):
    _, outcome = smoke_run
    assert printed(outcome.path / "train.log", "SCRIPT_PREDICT") == ["(2000, 2)"]


def test_smoke_evaluations_are_what_the_script_got(smoke_run):
    _, outcome = smoke_run
    values = [ast.literal_eval(v) for v in printed(outcome.path / "train.log", "SCRIPT_EVAL")]
    recorded = read_json(outcome.path / "metrics.json")["evaluations"]
    assert len(recorded) == len(values) == 2
    for record, (loss, accuracy) in zip(recorded, values, strict=True):
        assert record == pytest.approx({"loss": loss, "accuracy": accuracy})


def test_smoke_runs_are_marked_and_never_count_as_reproductions(smoke_run):
    folder, outcome = smoke_run
    info = read_json(outcome.path / "run.json")
    assert info["smoke"] is True and info["smoke_steps"] == 3
    assert info["smoke_budget"] == 60.0 and "smoke_cut" not in info  # ended within budget
    assert outcome.path.name.endswith("-s0-smoke")  # one seed, although the manifest says 3
    assert latest_set(folder) == []
    assert [r.run_id for r in latest_set(folder, smoke=True)] == [outcome.run_id]
    env = read_json(outcome.path / "env.json")
    assert env["reproduce_command"].endswith("--smoke --smoke-steps 3 --smoke-budget 60")
    assert env["wall_seconds"] < 60
