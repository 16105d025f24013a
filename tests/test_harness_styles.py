"""The harness captures metrics from scripts written in the styles Keras.io examples use.

Each script runs for real, unmodified, in its own subprocess (tiny data, tiny models).
The runs happen once per module; the tests read what they left on disk.
"""

from __future__ import annotations

import ast
import math
import struct
from pathlib import Path

import pytest
from harness_fixtures import isolated_env, make_reproduction, printed, read_json, run_quietly

from toolkit.cli import main as sprint
from toolkit.harness.tbwriter import replay_metrics
from toolkit.runs import RunRecord, latest_set

DATA = """
import numpy as np
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 4)).astype("float32")
y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32")
"""

SEQUENTIAL_NUMPY = (
    DATA
    + """
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, batch_size=20, validation_data=(x[:60], y[:60]), verbose=2)
loss, acc = model.evaluate(x, y, batch_size=50, verbose=0)
print("SCRIPT_EVAL", repr((loss, acc)))
"""
)

FUNCTIONAL_TF_DATA = (
    DATA
    + """
import os
os.environ["KERAS_BACKEND"] = "tensorflow"  # the harness' --backend wins: Keras is imported
import keras
import tensorflow as tf
from tensorflow.python.framework import random_seed
print("TF_GLOBAL_SEED", random_seed.get_seed(None)[0])
inputs = keras.Input((4,))
hidden = keras.layers.Dense(8, activation="relu")(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
model.compile("adam", "mse", metrics=["mae"])
train = tf.data.Dataset.from_tensor_slices((x, y.astype("float32"))).shuffle(200).batch(16)
val = tf.data.Dataset.from_tensor_slices((x[:48], y[:48].astype("float32"))).batch(16)
model.fit(train, validation_data=val, epochs=2, verbose=2)
print("SCRIPT_EVAL", repr(model.evaluate(val, return_dict=True, verbose=0)))
"""
)

CUSTOM_TRAIN_STEP = (
    DATA
    + """
import keras
import tensorflow as tf

class Regressor(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae = keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, inputs):
        return self.dense(inputs)

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae]

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            pred = self(x, training=True)
            loss = keras.ops.mean(keras.ops.square(pred - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.mae.update_state(y, pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        pred = self(x, training=False)
        self.loss_tracker.update_state(keras.ops.mean(keras.ops.square(pred - y)))
        self.mae.update_state(y, pred)
        return {m.name: m.result() for m in self.metrics}

model = Regressor()
model.compile(optimizer="adam")
target = y.astype("float32")[:, None]
history = model.fit(x, target, epochs=2, batch_size=25, verbose=0)
print("SCRIPT_HISTORY", repr(history.history["loss"]))
print("SCRIPT_EVAL", repr(model.evaluate(x, target, verbose=0)))
"""
)

FIT_LOOP = (
    DATA
    + """
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
for round in range(3):
    history = model.fit(x, y, epochs=1, batch_size=40, validation_split=0.2, verbose=0)
    print("SCRIPT_ROUND", repr(history.history["loss"][-1]))
print("SCRIPT_EVAL", repr(model.evaluate(x, y, verbose=0)))
"""
)

NO_EVALUATE_OWN_SEED = (
    DATA
    + """
import keras
keras.utils.set_random_seed(42)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3, batch_size=50, validation_split=0.25, verbose=2)
"""
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every style once: ``{style: (folder, outcome)}``."""
    root = tmp_path_factory.mktemp("styles")
    styles = {
        "sequential_numpy": (SEQUENTIAL_NUMPY, "tensorflow"),
        "functional_tf_data": (FUNCTIONAL_TF_DATA, "jax"),
        "custom_train_step": (CUSTOM_TRAIN_STEP, "tensorflow"),
        "fit_loop": (FIT_LOOP, "tensorflow"),
    }
    results = {}
    with isolated_env(root):
        for slug, (script, backend) in styles.items():
            folder = make_reproduction(root, slug, script)
            [outcome] = run_quietly(folder, backend=backend, seed=3 if slug == "fit_loop" else 0)
            results[slug] = (folder, outcome)
    return results


@pytest.fixture(scope="module")
def cli_set(tmp_path_factory):
    """`sprint run --seeds 2 --epochs 1 --json` on a script that never calls evaluate (JAX)."""
    root = tmp_path_factory.mktemp("cli")
    with isolated_env(root):
        folder = make_reproduction(root, "no_evaluate", NO_EVALUATE_OWN_SEED)
        code = sprint(
            ["run", "no_evaluate", "--backend", "jax", "--seeds", "2", "--epochs", "1", "--quiet"]
        )
    return folder, code


def _script_values(folder, marker):
    [run_dir] = list((folder / "runs").iterdir())
    return [ast.literal_eval(v) for v in printed(run_dir / "train.log", marker)]


def test_every_style_completes_with_its_folder(runs):
    for slug, (folder, outcome) in runs.items():
        assert outcome.status == "complete", (slug, outcome.reason)
        for name in (
            "run.json",
            "metrics.json",
            "env.json",
            "curves.png",
            "train.log",
            "model.keras",
        ):
            assert (outcome.path / name).is_file(), (slug, name)
        assert RunRecord.read(outcome.path).complete
        assert outcome.path.parent == folder / "runs"


def test_sequential_numpy_history_and_evaluation_match_the_script(runs):
    folder, outcome = runs["sequential_numpy"]
    metrics = read_json(outcome.path / "metrics.json")
    loss, accuracy = _script_values(folder, "SCRIPT_EVAL")[0]
    assert metrics["epochs"] == 2
    assert len(metrics["history"]["loss"]) == len(metrics["history"]["val_accuracy"]) == 2
    assert metrics["steps_per_epoch"] == [10, 10]  # 200 samples / batch 20
    assert metrics["evaluation_steps"] == [4]  # 200 samples / batch 50
    assert metrics["final"]["test"] == pytest.approx({"loss": loss, "accuracy": accuracy})
    assert metrics["evaluations"] == [metrics["final"]["test"]]
    assert metrics["final"]["train"]["loss"] == metrics["history"]["loss"][-1]
    assert metrics["final"]["validation"]["accuracy"] == metrics["history"]["val_accuracy"][-1]
    assert metrics["smoke"] is False


def test_env_json_records_where_and_how(runs):
    _, outcome = runs["sequential_numpy"]
    env = read_json(outcome.path / "env.json")
    assert env["backend"] == "tensorflow"
    assert env["backend_version"] == env["versions"]["tensorflow"]
    assert env["keras"] and env["python"].count(".") == 2
    assert env["device_kind"] == "cpu" and env["device"] == env["cpu"] and env["device"]
    assert env["seed"] == env["effective_seed"] == 0 and env["script_seed"] is None
    assert env["reproduce_command"] == "sprint run sequential_numpy --backend tensorflow --seed 0"
    assert env["wall_seconds"] > env["fit_seconds"] > 0
    assert len(env["epoch_seconds"]) == 2
    assert env["peak_memory_mb"] > 50
    assert "git_commit" in env and env["exit_code"] == 0
    assert env["model"]["saved"] is True and env["model"]["params"] == 4 * 8 + 8 + 8 * 2 + 2


def test_run_json_and_run_id(runs):
    _, outcome = runs["sequential_numpy"]
    info = read_json(outcome.path / "run.json")
    assert info["status"] == "complete" and info["reason"] == ""
    assert info["run_id"] == outcome.path.name and info["run_id"].endswith("-tensorflow-s0")
    assert info["group"] == info["run_id"].removesuffix("-s0")
    assert info["smoke"] is False and info["finished"] >= info["started"]


def test_curves_png_is_an_image(runs):
    _, outcome = runs["sequential_numpy"]
    data = (outcome.path / "curves.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600 and height >= 200


def test_model_keras_loads_and_predicts(runs):
    keras = pytest.importorskip("keras")
    _, outcome = runs["sequential_numpy"]
    model = keras.saving.load_model(outcome.path / "model.keras")
    assert model.predict(__import__("numpy").zeros((3, 4)), verbose=0).shape == (3, 2)


def _scalars(logdir: Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value)] of the one event file in ``logdir``, read by TensorFlow itself."""
    tf = pytest.importorskip("tensorflow")
    [events] = list(logdir.glob("events.out.tfevents.*"))
    scalars: dict[str, list[tuple[int, float]]] = {}
    for record in tf.data.TFRecordDataset(str(events)):
        event = tf.compat.v1.Event.FromString(record.numpy())
        for value in event.summary.value:
            scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
    return scalars


def test_tensorboard_logs_hold_the_epoch_scalars(runs):
    _, outcome = runs["sequential_numpy"]
    history = read_json(outcome.path / "metrics.json")["history"]
    for split, prefix in (("train", ""), ("validation", "val_")):
        scalars = _scalars(outcome.path / "logs" / split)
        assert [s for s, _ in scalars["epoch_loss"]] == [0, 1]
        assert [v for _, v in scalars["epoch_loss"]] == pytest.approx(history[f"{prefix}loss"])


def test_logs_replayed_from_metrics_json_equal_the_live_ones(runs, tmp_path: Path):
    # Live logs are git-ignored: `sprint push` replays them from the committed metrics.json.
    _, outcome = runs["sequential_numpy"]
    written = replay_metrics(read_json(outcome.path / "metrics.json"), tmp_path / "logs")
    splits = sorted(p.parent.name for p in written)
    assert splits == sorted(p.name for p in (outcome.path / "logs").iterdir())
    assert "test" in splits  # the script's evaluate() call, as well as the epochs
    for split in splits:
        assert _scalars(tmp_path / "logs" / split) == _scalars(outcome.path / "logs" / split)


def test_functional_tf_data_on_jax(runs):
    folder, outcome = runs["functional_tf_data"]
    metrics = read_json(outcome.path / "metrics.json")
    env = read_json(outcome.path / "env.json")
    assert env["backend"] == "jax"  # --backend jax beat the script's os.environ line
    assert metrics["steps_per_epoch"] == [13, 13]  # ceil(200 / 16)
    assert metrics["final"]["test"] == pytest.approx(_script_values(folder, "SCRIPT_EVAL")[0])
    assert set(metrics["final"]["validation"]) == {"loss", "mae"}
    # TensorFlow was seeded when the script imported it (tf.data shuffles), not before.
    assert _script_values(folder, "TF_GLOBAL_SEED") == [0]
    assert "tensorflow" in env["frameworks_imported"]


def test_custom_train_step(runs):
    folder, outcome = runs["custom_train_step"]
    metrics = read_json(outcome.path / "metrics.json")
    assert metrics["history"]["loss"] == pytest.approx(_script_values(folder, "SCRIPT_HISTORY")[0])
    assert set(metrics["history"]) == {"loss", "mae"}
    assert metrics["steps_per_epoch"] == [8, 8]
    # evaluate() without return_dict returned a list; the record is still name -> value.
    loss, mae = _script_values(folder, "SCRIPT_EVAL")[0]
    assert metrics["final"]["test"] == pytest.approx({"loss": loss, "mae": mae})


def test_fit_called_in_a_loop_concatenates_history(runs):
    folder, outcome = runs["fit_loop"]
    metrics = read_json(outcome.path / "metrics.json")
    assert metrics["epochs"] == 3 and len(metrics["fits"]) == 3
    assert metrics["history"]["loss"] == pytest.approx(_script_values(folder, "SCRIPT_ROUND"))
    assert len(metrics["history"]["val_loss"]) == 3
    assert outcome.seed == 3 and outcome.path.name.endswith("-s3")
    loss, accuracy = _script_values(folder, "SCRIPT_EVAL")[0]
    assert metrics["final"]["test"] == pytest.approx({"loss": loss, "accuracy": accuracy})


def test_cli_seed_set_shares_a_group_and_offsets_the_script_seed(cli_set):
    folder, code = cli_set
    assert code == 0
    records = sorted(latest_set(folder), key=lambda r: r.seed)
    assert [r.seed for r in records] == [0, 1]
    assert records[0].group == records[1].group
    envs = [r.env() for r in records]
    assert [e["script_seed"] for e in envs] == [42, 42]
    assert [e["effective_seed"] for e in envs] == [42, 43]
    assert envs[0]["command"] == "sprint run no_evaluate --backend jax --epochs 1 --seeds 2"
    losses = [r.metrics()["history"]["loss"] for r in records]
    assert all(len(h) == 1 for h in losses)  # --epochs 1 beat the script's epochs=3
    assert not math.isclose(losses[0][0], losses[1][0])  # different seeds, different runs


def test_a_script_that_never_evaluates_has_no_test_split(cli_set):
    folder, _ = cli_set
    metrics = latest_set(folder)[0].metrics()
    assert "test" not in metrics["final"] and metrics["evaluations"] == []
    assert set(metrics["final"]) == {"train", "validation"}
