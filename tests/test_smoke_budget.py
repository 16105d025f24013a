"""Smoke runs bounded as a whole: the script is stopped once the smoke budget is spent.

Each child-run fixture runs a tiny script under a 3 s budget (start-up not counted): a loop
of 1000 one-epoch fits, a fit whose batches are slow, a custom loop of optimizer updates,
an endless loop that never trains, and a script that ends before the budget.
"""

from __future__ import annotations

import argparse
import signal
import time

import pytest
from harness_fixtures import isolated_env, make_reproduction, printed, read_json, run_quietly

from toolkit.errors import ManifestError, UsageError
from toolkit.harness.budget import BudgetSpent, SmokeBudget, caused_by_budget, cut_line
from toolkit.harness.runner import SMOKE_BACKSTOP_S, RunOptions, plan_run
from toolkit.manifest import Manifest, RunConfig

BUDGET = 3.0
SANITY_WALL_S = 240  # start-up on a loaded CPU included: a sanity bound, not a benchmark

HEADER = """
import time
import numpy as np
import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
"""

FIT_LOOP = (
    HEADER
    + """
for i in range(1000):
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    print("SCRIPT_FIT", i + 1)
print("SCRIPT_END")
"""
)

SLOW_BATCHES = (
    HEADER
    + """
def slow():
    while True:
        time.sleep(1.0)
        yield x[:8], y[:8]

model.fit(slow(), steps_per_epoch=1000, epochs=1, verbose=0)
print("SCRIPT_END")
"""
)

CUSTOM_LOOP = """
import numpy as np
import tensorflow as tf
import keras

x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
y = x.sum(axis=1, keepdims=True)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
optimizer = keras.optimizers.Adam(1e-2)

@tf.function
def train_step():
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.ops.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

step = 0
while True:
    train_step()
    step += 1
    if step % 100 == 0:
        print("SCRIPT_STEP", step)
"""

NO_TRAINING = """
count = 0
while True:
    count += 1
"""

EARLY_END = (
    HEADER
    + """
model.fit(x, y, epochs=3, batch_size=8, verbose=0)
print("SCRIPT_END")
"""
)


def _smoke(tmp_path_factory, name: str, script: str, training: str = "fit"):
    root = tmp_path_factory.mktemp(name)
    with isolated_env(root):
        folder = make_reproduction(root, name, script, training=training)
        started = time.monotonic()
        [outcome] = run_quietly(folder, backend="tensorflow", smoke=True, smoke_budget=BUDGET)
    return outcome, time.monotonic() - started


@pytest.fixture(scope="module")
def fit_loop(tmp_path_factory):
    return _smoke(tmp_path_factory, "fit_loop", FIT_LOOP)


@pytest.fixture(scope="module")
def slow_batches(tmp_path_factory):
    return _smoke(tmp_path_factory, "slow_batches", SLOW_BATCHES)


@pytest.fixture(scope="module")
def custom_loop(tmp_path_factory):
    return _smoke(tmp_path_factory, "custom_loop", CUSTOM_LOOP, training="custom")


@pytest.fixture(scope="module")
def no_training(tmp_path_factory):
    return _smoke(tmp_path_factory, "no_training", NO_TRAINING, training="custom")


@pytest.fixture(scope="module")
def early_end(tmp_path_factory):
    return _smoke(tmp_path_factory, "early_end", EARLY_END)


def _cut_line(outcome) -> list[str]:
    log = (outcome.path / "train.log").read_text()
    return [line for line in log.splitlines() if line.startswith("[sprint] smoke budget of 3 s")]


# -- whole runs ----------------------------------------------------------------------
def test_a_loop_of_fits_is_cut_and_passes(fit_loop):
    outcome, wall = fit_loop
    assert outcome.status == "complete", outcome.reason
    info = read_json(outcome.path / "run.json")
    cut = info["smoke_cut"]
    assert cut["budget_seconds"] == BUDGET and cut["after_seconds"] >= BUDGET
    assert 1 <= cut["fits_run"] < 1000 and cut["fit_batches"] >= 1
    assert cut["optimizer_steps"] >= cut["fit_batches"] - 1  # fit's updates count too
    assert "fit() call" in cut["where"]
    fits = printed(outcome.path / "train.log", "SCRIPT_FIT")
    assert len(fits) in (cut["fits_run"], cut["fits_run"] - 1)  # a cut fit prints nothing
    assert printed(outcome.path / "train.log", "SCRIPT_END") == []
    metrics = read_json(outcome.path / "metrics.json")
    assert metrics["smoke"] is True and metrics["smoke_cut"] == cut
    assert len(metrics["fits"]) == cut["fits_run"]
    assert len(_cut_line(outcome)) == 1
    assert info["smoke_budget"] == BUDGET
    env = read_json(outcome.path / "env.json")
    assert env["smoke_cut"] == cut and env["reproduce_command"].endswith("--smoke-budget 3")
    assert wall < SANITY_WALL_S


def test_a_fit_with_slow_batches_stops_at_a_batch(slow_batches):
    outcome, wall = slow_batches
    assert outcome.status == "complete", outcome.reason
    cut = read_json(outcome.path / "run.json")["smoke_cut"]
    assert cut["where"].startswith("in fit() call 1, stopped after batch ")
    assert cut["fits_run"] == 1 and 1 <= cut["fit_batches"] <= 5  # smoke caps at 5 anyway
    assert cut["after_seconds"] < BUDGET + 5  # the next batch, not the grace alarm
    metrics = read_json(outcome.path / "metrics.json")
    assert metrics["epochs"] == 1 and metrics["steps_per_epoch"] == [cut["fit_batches"]]
    assert printed(outcome.path / "train.log", "SCRIPT_END") == []
    assert wall < SANITY_WALL_S


def test_a_custom_loop_is_cut_and_passes_on_its_optimizer_steps(custom_loop):
    outcome, wall = custom_loop
    assert outcome.status == "complete", outcome.reason
    cut = read_json(outcome.path / "run.json")["smoke_cut"]
    assert cut["fits_run"] == 0 and cut["fit_batches"] == 0
    # tf.function calls apply() from Python once per trace: iterations count the rest.
    assert cut["optimizer_steps"] > 10
    assert cut["where"].startswith("train.py line ")
    assert read_json(outcome.path / "metrics.json")["smoke_cut"] == cut
    assert len(_cut_line(outcome)) == 1
    assert wall < SANITY_WALL_S


def test_a_loop_that_never_trains_fails_with_that_reason(no_training):
    outcome, wall = no_training
    assert outcome.status == "failed"
    assert "no training step ran within the smoke budget of 3 s" in outcome.reason
    assert "train.py line " in outcome.reason
    assert not (outcome.path / "metrics.json").exists()
    info = read_json(outcome.path / "run.json")
    assert info["reason"] == outcome.reason
    assert info["smoke_cut"]["optimizer_steps"] == 0 and info["smoke_cut"]["fits_run"] == 0
    assert wall < SANITY_WALL_S


def test_a_script_that_ends_in_time_records_no_cut(early_end):
    outcome, _ = early_end
    assert outcome.status == "complete", outcome.reason
    assert printed(outcome.path / "train.log", "SCRIPT_END") == [""]
    assert "smoke_cut" not in read_json(outcome.path / "run.json")
    assert "smoke_cut" not in read_json(outcome.path / "metrics.json")
    assert _cut_line(outcome) == []


# -- configuration -------------------------------------------------------------------
def test_the_budget_comes_from_the_manifest_or_the_option(tmp_path):
    with isolated_env(tmp_path):
        folder = make_reproduction(tmp_path, "planned", "print(1)")
        assert plan_run(folder, RunOptions(backend="jax")).smoke_budget is None  # full run
        assert plan_run(folder, RunOptions(backend="jax", smoke=True)).smoke_budget == 60.0
        manifest = Manifest.load(folder)
        manifest.run.smoke_budget = 12.5
        manifest.save(folder)
        assert plan_run(folder, RunOptions(backend="jax", smoke=True)).smoke_budget == 12.5
        plan = plan_run(folder, RunOptions(backend="jax", smoke=True, smoke_budget=7))
        assert plan.smoke_budget == 7.0
        with pytest.raises(UsageError, match="--smoke-budget must be a positive"):
            plan_run(folder, RunOptions(backend="jax", smoke=True, smoke_budget=0))
    assert SMOKE_BACKSTOP_S > 60  # the parent's last resort stays well behind the budget


@pytest.mark.parametrize("value", [0, -1.5, "60", True])
def test_the_manifest_rejects_a_bad_smoke_budget(value):
    raw = {"slug": "budgeted", "run": {"smoke_budget": value}}
    with pytest.raises(ManifestError, match="smoke_budget"):
        Manifest.from_dict(raw)


def test_the_manifest_smoke_budget_round_trips(tmp_path):
    assert RunConfig().smoke_budget == 60.0
    manifest = Manifest.from_dict({"slug": "budgeted", "run": {"smoke_budget": 30}})
    manifest.save(tmp_path)
    assert Manifest.load(tmp_path).run.smoke_budget == 30


def test_the_cli_takes_a_smoke_budget():
    from toolkit.commands.run import configure

    parser = argparse.ArgumentParser()
    configure(parser)
    assert parser.parse_args(["x", "--smoke", "--smoke-budget", "2.5"]).smoke_budget == 2.5
    with pytest.raises(SystemExit):
        parser.parse_args(["x", "--smoke-budget", "0"])
    assert "--smoke-budget" in parser.format_help()


# -- the budget itself, in this process ----------------------------------------------
@pytest.fixture
def restore_alarm():
    previous = signal.getsignal(signal.SIGALRM)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_the_alarm_stops_a_loop_and_names_its_line(restore_alarm):
    budget = SmokeBudget(0.2, __file__)
    budget.start()
    with pytest.raises(BudgetSpent):
        while True:
            time.sleep(0.01)
    budget.disarm()
    assert budget.cut_after is not None and budget.cut_after >= 0.2
    assert budget.where.startswith("test_smoke_budget.py line ")


def test_the_first_alarm_waits_for_fit_and_the_next_one_does_not(restore_alarm):
    budget = SmokeBudget(0.1, __file__)
    budget.grace = 0.2
    budget.inside = "fit() call 1"
    budget.start()
    with pytest.raises(BudgetSpent):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.01)
    budget.disarm()
    assert budget.cut_after >= 0.25  # not at the first alarm (0.1 s) but the second
    assert budget.where == "in fit() call 1: a batch outlasted 0.2 s of grace"


def test_a_disarmed_budget_never_raises(restore_alarm):
    budget = SmokeBudget(0.05, __file__)
    budget.start()
    budget.disarm()
    time.sleep(0.15)
    assert budget.cut_after is None


def test_a_stop_wrapped_by_the_script_is_still_the_budget():
    try:
        try:
            raise BudgetSpent("spent")
        except BaseException as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as exc:
        assert caused_by_budget(exc)
    assert not caused_by_budget(RuntimeError("other"))


def test_the_cut_line_says_what_ran():
    line = cut_line(
        {
            "budget_seconds": 60.0,
            "after_seconds": 61.25,
            "where": "in fit() call 12, stopped after batch 3",
            "fits_run": 12,
            "fit_batches": 58,
            "optimizer_steps": 58,
        }
    )
    assert line.startswith("[sprint] smoke budget of 60 s spent after 61.2 s (in fit() call 12")
    assert "12 fit() call(s), 58 batch(es) and 58 optimizer step(s) ran" in line
