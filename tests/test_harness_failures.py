"""Runs that crash, diverge, are interrupted, time out or are killed leave honest records.

Whatever happens: run.json says failed or incomplete with the reason, env.json and
train.log are there, and there is no metrics.json (nothing half-written).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from harness_fixtures import (
    child_pythonpath,
    isolated_env,
    make_reproduction,
    read_json,
    run_quietly,
)

from toolkit.harness.runner import last_exception_line

TINY_MODEL = """
import numpy as np
import keras
x = np.ones((64, 2), "float32")
y = np.ones((64, 1), "float32")
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
"""

NAN_LOSS = (
    TINY_MODEL
    + """
def diverging(y_true, y_pred):
    return keras.ops.log(-keras.ops.abs(y_pred) - 1.0)  # log of a negative number: NaN

model.compile("sgd", diverging)
model.fit(x, y, epochs=5, batch_size=8, verbose=2)
print("AFTER_FIT")
"""
)

CRASH = (
    TINY_MODEL
    + """
model.compile("sgd", "mse")
model.fit(x, y, epochs=1, batch_size=8, verbose=0)
raise ValueError("the column 'label' is missing")
"""
)

KILLED = """
import os, signal
print("ABOUT_TO_DIE", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

SLEEPS = """
import time
print("SLEEPING", flush=True)
time.sleep(600)
print("WOKE_UP")
"""

TRAINS_FOREVER = (
    TINY_MODEL
    + """
class Announce(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print("TRAINING_EPOCH", epoch, flush=True)

model.compile("sgd", "mse")
model.fit(x, y, epochs=100000, batch_size=8, verbose=0, callbacks=[Announce()])
print("FINISHED")
"""
)


@pytest.fixture(scope="module")
def failed(tmp_path_factory):
    """One run per way of failing: ``{name: outcome}``."""
    root = tmp_path_factory.mktemp("failures")
    results = {}
    with isolated_env(root):
        for slug, script, options in (
            ("nan_loss", NAN_LOSS, {}),
            ("crash", CRASH, {}),
            ("killed", KILLED, {}),
            ("sleeps", SLEEPS, {"timeout": 8}),
        ):
            folder = make_reproduction(root, slug, script)
            started = time.monotonic()
            [outcome] = run_quietly(folder, backend="jax", **options)
            results[slug] = (outcome, time.monotonic() - started)
    return results


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """`sprint run` in its own process, sent SIGINT (Ctrl-C) once training is under way."""
    root = tmp_path_factory.mktemp("interrupt")
    with isolated_env(root, PYTHONPATH=child_pythonpath()):
        folder = make_reproduction(root, "trains_forever", TRAINS_FOREVER)
        process = subprocess.Popen(
            [sys.executable, "-m", "toolkit.cli", "run", "trains_forever", "--backend", "jax"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env=dict(os.environ),
        )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    output = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            output.append(lines.get(timeout=1))
        except queue.Empty:
            continue
        if output[-1].startswith("TRAINING_EPOCH 2"):
            break
    else:
        process.kill()
        pytest.fail("training never started:\n" + "".join(output))
    os.kill(process.pid, signal.SIGINT)
    code = process.wait(timeout=90)
    [run_dir] = list((folder / "runs").iterdir())
    return code, run_dir


def _assert_honest_record(outcome, status):
    info = read_json(outcome.path / "run.json")
    assert info["status"] == outcome.status == status
    assert info["reason"] == outcome.reason and info["reason"]
    assert info["finished"]
    assert not (outcome.path / "metrics.json").exists()
    assert not (outcome.path / "model.keras").exists()
    assert (outcome.path / "env.json").is_file() and (outcome.path / "train.log").is_file()


def test_nan_loss_stops_training_and_fails_the_run(failed):
    outcome, _ = failed["nan_loss"]
    _assert_honest_record(outcome, "failed")
    # The loss is NaN from the first batch; asynchronous logs may show it one batch late.
    assert re.match(
        r"NaN loss at epoch 1 \(seen at batch [12]\): loss became nan", outcome.reason
    ), outcome.reason
    log = (outcome.path / "train.log").read_text()
    assert "AFTER_FIT" not in log  # the script did not go on with a diverged model
    assert read_json(outcome.path / "env.json")["exit_code"] == 1


def test_crash_records_the_exception(failed):
    outcome, _ = failed["crash"]
    _assert_honest_record(outcome, "failed")
    assert outcome.reason == "ValueError: the column 'label' is missing"
    assert "Traceback (most recent call last)" in (outcome.path / "train.log").read_text()
    env = read_json(outcome.path / "env.json")
    # The epoch that ran is kept for diagnosis (curves, TensorBoard), not as metrics.
    assert (outcome.path / "curves.png").is_file() and len(env["epoch_seconds"]) == 1
    # Seeding a JAX run does not import TensorFlow behind the script's back.
    assert env["frameworks_imported"] == ["jax"]


def test_a_killed_process_is_a_failed_run(failed):
    outcome, _ = failed["killed"]
    _assert_honest_record(outcome, "failed")
    assert outcome.reason == "the training process was killed by SIGKILL (out of memory?)"
    assert "ABOUT_TO_DIE" in (outcome.path / "train.log").read_text()


def test_time_out_stops_the_run_as_incomplete(failed):
    outcome, elapsed = failed["sleeps"]
    _assert_honest_record(outcome, "incomplete")
    assert outcome.reason == "timed out after 8 s"
    assert elapsed < 8 + 15  # SIGINT stopped it; no waiting for the 600 s sleep
    assert "WOKE_UP" not in (outcome.path / "train.log").read_text()


def test_ctrl_c_leaves_an_incomplete_run(interrupted):
    code, run_dir = interrupted
    assert code == 130
    info = read_json(run_dir / "run.json")
    assert info["status"] == "incomplete" and info["reason"] == "interrupted"
    assert not (run_dir / "metrics.json").exists()
    log = (run_dir / "train.log").read_text()
    assert "TRAINING_EPOCH 2" in log and "FINISHED" not in log
    assert "[sprint] interrupted: stopping the run" in log


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["Traceback (most recent call last):", '  File "x.py"', "KeyError: 'label'", ""],
            "KeyError: 'label'",
        ),
        (
            ["tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating"],
            "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating",
        ),
        (["Epoch 1/2", "loss: 0.3"], ""),
    ],
)
def test_last_exception_line(lines, expected):
    assert last_exception_line(lines) == expected
