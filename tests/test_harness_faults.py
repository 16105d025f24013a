"""Fault injection: `sprint run` killed at random points never leaves a lying record.

Each trial starts a real `sprint run` of a small Keras training, then sends SIGKILL, SIGTERM
or SIGINT to the `sprint` process or to the training child after a random delay (seeded),
and checks what is left: ``metrics.json`` absent or whole, ``run.json`` truthful (never
``running`` for a dead run, never ``complete`` without metrics), no training process left
running, no harness scratch files outside the run folder. Also: a script that never trains,
a shell that ignores SIGINT, and a run that ends while it is being stopped.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from harness_fixtures import child_pythonpath, isolated_env, make_reproduction, run_quietly

from toolkit.harness.runner import INTERRUPT_GRACE_S, _verdict, sweep_abandoned
from toolkit.runs import RunRecord

TRAINS = """
import numpy as np
import keras
x = np.random.rand(512, 8).astype("float32")
y = (x.sum(axis=1) > 4).astype("float32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=40, batch_size=32, verbose=2)
"""
TRIALS = 6
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)


def start(root: Path, slug: str, *, ignore_sigint: bool = False) -> subprocess.Popen:
    def setup() -> None:
        os.setsid()
        if ignore_sigint:  # as a non-interactive shell starts a background job
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(
        [sys.executable, "-m", "toolkit.cli", "run", slug, "--backend", "tensorflow", "--quiet"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": child_pythonpath()},
        preexec_fn=setup,
    )


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def scratch_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("sprint-run-*")}


@pytest.fixture(scope="module")
def fault_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    (root / "data-mirror").mkdir()
    with isolated_env(root):
        yield root


def check_truthful(folder: Path) -> list[str]:
    """What is wrong with the run folders under ``folder`` (empty: nothing)."""
    problems = []
    for run_dir in sorted((folder / "runs").iterdir()):
        record = RunRecord.read(run_dir)
        metrics = run_dir / "metrics.json"
        if metrics.exists():
            try:
                json.loads(metrics.read_text())
            except ValueError:
                problems.append(f"{run_dir.name}: half-written metrics.json")
        if record is None:
            problems.append(f"{run_dir.name}: unreadable run.json")
        elif record.status == "running":
            problems.append(f"{run_dir.name}: still 'running' after its process died")
        elif record.status == "complete" and not metrics.exists():
            problems.append(f"{run_dir.name}: complete without metrics.json")
    return problems


def test_random_kills_leave_truthful_records(fault_root):
    rng = random.Random(20261202)
    before = scratch_dirs()
    summary = {"faults": 0, "lost": 0, "tracebacks": 0}
    for trial in range(TRIALS):
        slug = f"fault{trial}"
        folder = make_reproduction(fault_root, slug, TRAINS)
        process = start(fault_root, slug)
        delay, signum = rng.uniform(0.5, 9.0), rng.choice(SIGNALS)
        target_child = rng.random() < 0.5
        time.sleep(delay)
        kids = children(process.pid)
        victim = kids[0] if target_child and kids else process.pid
        if process.poll() is None:
            os.kill(victim, signum)
            summary["faults"] += 1
        try:
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        assert wait_gone(kids, 15), f"trial {trial}: the training outlived its parent"
        if b"Traceback" in err:
            summary["tracebacks"] += 1
        problems = check_truthful(folder)
        summary["lost"] += len(problems)
        assert not problems, (trial, signal.Signals(signum).name, victim, problems)
        # The next `sprint run` records a run whose parent was killed as incomplete.
        sweep_abandoned(folder)
        for run_json in (folder / "runs").glob("*/run.json"):
            assert json.loads(run_json.read_text())["status"] != "running"
            assert not (run_json.parent / ".harness").exists()
    assert scratch_dirs() <= before  # nothing left in the temp folder
    print(
        f"faults injected: {summary['faults']}, artifacts lost: {summary['lost']}, "
        f"tracebacks: {summary['tracebacks']}"
    )
    assert summary["tracebacks"] == 0


def test_a_parent_killed_with_sigkill_reads_as_abandoned(fault_root):
    from toolkit.manifest import Manifest, Metric

    folder = make_reproduction(fault_root, "sigkill_parent", TRAINS)
    manifest = Manifest.load(folder)
    manifest.metrics = [Metric(name="accuracy", split="train", value=0.5)]
    manifest.save(folder)
    process = start(fault_root, "sigkill_parent")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(folder.glob("runs/*/train.log")):
        time.sleep(0.1)
    kids = children(process.pid)
    process.kill()
    process.wait()
    assert wait_gone(kids, 15)
    (run_dir,) = (folder / "runs").iterdir()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"  # on disk
    record = RunRecord.read(run_dir)
    assert record.status == "incomplete" and record.reason.startswith(
        "abandoned: the sprint process (pid"
    )
    from toolkit.check import check_reproduction

    report = check_reproduction(folder)
    assert "wait for it" not in report.error and "incomplete (abandoned" in report.error


def test_sigterm_stops_promptly_when_the_shell_ignores_sigint(fault_root):
    folder = make_reproduction(fault_root, "nohup_like", TRAINS.replace("epochs=40", "epochs=400"))
    process = start(fault_root, "nohup_like", ignore_sigint=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Epoch 2/" not in "".join(
        p.read_text() for p in folder.glob("runs/*/train.log")
    ):
        time.sleep(0.2)
    stop = time.monotonic()
    process.terminate()
    process.wait(timeout=60)
    took = time.monotonic() - stop
    assert took < INTERRUPT_GRACE_S, f"{took:.1f} s: the child ignored SIGINT"
    (run_dir,) = (folder / "runs").iterdir()
    record = RunRecord.read(run_dir)
    assert (record.status, record.reason) == ("incomplete", "interrupted")


def test_a_run_that_completes_while_being_stopped_is_complete():
    child = {"status": "complete"}
    assert _verdict(0, "interrupted", child, []) == ("complete", "")
    assert _verdict(130, "interrupted", {"status": "incomplete", "reason": "interrupted"}, []) == (
        "incomplete",
        "interrupted",
    )


def test_a_script_that_never_trains_is_not_a_complete_run(fault_root):
    folder = make_reproduction(fault_root, "no_fit", "import keras\nprint('no training')\n")
    (outcome,) = run_quietly(folder)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("no training was captured: the script never called")
    assert not (outcome.path / "metrics.json").exists()


def test_a_declared_custom_loop_may_train_without_fit(fault_root):
    from toolkit.manifest import Manifest

    folder = make_reproduction(fault_root, "custom_loop", "import keras\nprint('trained')\n")
    manifest = Manifest.load(folder)
    manifest.run.training = "custom"
    manifest.save(folder)
    (outcome,) = run_quietly(folder)
    assert outcome.status == "complete"
