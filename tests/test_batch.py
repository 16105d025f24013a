"""`sprint run --all`: many reproductions and seeds in one command, sharing one machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_fixtures import child_pythonpath, isolated_env, make_reproduction

from toolkit.batch import BatchOptions, job_environment, plan_jobs, run_batch
from toolkit.cli import main
from toolkit.manifest import Manifest, Metric

TINY_FIT = """
import numpy as np
import keras

keras.utils.set_random_seed(1)
x = np.random.rand(64, 4).astype("float32")
y = (x.sum(axis=1) > 2).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, batch_size=16, verbose=2)
"""


def tiny(root: Path, slug: str, *, seeds: int, loss_bound: float) -> Path:
    folder = make_reproduction(root, slug, TINY_FIT, seeds=seeds)
    manifest = Manifest.load(folder)
    manifest.metrics = [
        Metric(
            name="loss",
            split="train",
            value=loss_bound,
            direction="lower",
            tolerance=0.0,
            sentence="a train loss under the bound",
        )
    ]
    manifest.save(folder)
    return folder


@pytest.fixture(scope="module")
def batch_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    (root / "data-mirror").mkdir()
    tiny(root, "passes", seeds=2, loss_bound=50.0)
    tiny(root, "fails", seeds=1, loss_bound=1e-9)
    with isolated_env(root, PYTHONPATH=child_pythonpath()):
        yield root


@pytest.fixture(scope="module")
def first_batch(batch_root):
    with isolated_env(batch_root, PYTHONPATH=child_pythonpath()):
        summary = run_batch(BatchOptions(slugs=["passes", "fails"], root=batch_root, jobs=2))
    return summary


def test_every_seed_runs_as_one_job_and_the_seeds_form_one_set(first_batch, batch_root):
    assert [(j.slug, j.seed, j.state) for j in first_batch.jobs] == [
        ("passes", 0, "complete"),
        ("passes", 1, "complete"),
        ("fails", 0, "complete"),
    ]
    runs = sorted((batch_root / "reproductions" / "passes" / "runs").iterdir())
    groups = {json.loads((r / "run.json").read_text())["group"] for r in runs}
    assert len(runs) == 2 and len(groups) == 1


def test_the_summary_carries_each_check_verdict_and_fails_the_batch(first_batch):
    assert first_batch.verdicts == {"passes": "pass", "fails": "fail"}
    assert first_batch.exit_code == 1
    data = first_batch.to_dict()
    assert data["jobs_at_once"] == 2 and len(data["jobs"]) == 3
    json.dumps(data, allow_nan=False)  # a strict-JSON summary


def test_each_run_records_the_provenance_the_batch_resumes_from(first_batch, batch_root):
    from toolkit.provenance import code_hashes

    folder = batch_root / "reproductions" / "passes"
    for run in (folder / "runs").iterdir():
        env = json.loads((run / "env.json").read_text())
        assert env["code_sha256"] == code_hashes(folder, "train.py")


def test_a_second_batch_skips_the_sets_that_are_up_to_date(first_batch, batch_root):
    with isolated_env(batch_root, PYTHONPATH=child_pythonpath()):
        jobs = plan_jobs(BatchOptions(slugs=["passes", "fails"], root=batch_root))
    assert {j.state for j in jobs} == {"skipped"}


def test_an_edited_script_makes_its_set_run_again(first_batch, batch_root, tmp_path):
    folder = batch_root / "reproductions" / "passes"
    script = folder / "train.py"
    original = script.read_text()
    try:
        script.write_text(original + "\n# edited\n")
        with isolated_env(batch_root, PYTHONPATH=child_pythonpath()):
            jobs = plan_jobs(BatchOptions(slugs=["passes"], root=batch_root))
        assert {j.state for j in jobs} == {"queued"}
    finally:
        script.write_text(original)


def test_the_command_line_runs_a_smoke_batch_with_a_summary(batch_root, capsys):
    summary = batch_root / "summary.json"
    with isolated_env(batch_root, PYTHONPATH=child_pythonpath()):
        code = main(
            ["run", "--all", "--jobs", "2", "--seeds", "1", "--smoke", "--summary", str(summary)]
        )
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(summary.read_text())
    assert data["verdicts"] == {"fails": "smoke", "passes": "smoke"}  # smoke is never judged
    assert "reproduction" in out and "smoke" in out


def test_threads_are_divided_between_jobs_and_no_job_takes_the_whole_gpu():
    env = job_environment(threads=8, jobs=2, gpu=True)
    assert env["OMP_NUM_THREADS"] == env["TF_NUM_INTRAOP_THREADS"] == "8"
    assert "intra_op_parallelism_threads=8" in env["XLA_FLAGS"]
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert float(env["XLA_PYTHON_CLIENT_MEM_FRACTION"]) == pytest.approx(0.45)
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION" not in job_environment(1, 2, gpu=False)


def test_a_batch_without_a_selection_is_refused(batch_root, capsys):
    with isolated_env(batch_root):
        assert main(["run", "--jobs", "2"]) == 2
    assert "No reproduction was selected" in capsys.readouterr().err


def test_a_set_stamp_that_is_not_a_stamp_is_refused(batch_root, capsys):
    with isolated_env(batch_root):
        assert main(["run", "passes", "--set-stamp", "../../escape"]) == 2
    assert "not a time stamp" in capsys.readouterr().err
