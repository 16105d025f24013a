"""The checker's judgement: metric-name matching, tolerance edges, multi-seed statistics,
and which runs it uses or refuses (toolkit.check). Run folders are fixture data."""

from __future__ import annotations

import math
import statistics

import pytest
from check_fixtures import DEVICE, accuracy_metric, write_reproduction, write_run, write_set

from toolkit.check import (
    ERROR,
    FAIL,
    MISSING,
    PASS,
    Recorded,
    check_reproduction,
    describe_device,
    find_log_key,
    judge,
    overall_exit_code,
)
from toolkit.manifest import Metric


def runs(*values, key="accuracy", split="test"):
    """One Recorded per value: what the runs of a set logged for ``split``."""
    return [Recorded(f"run-{i}", i, {split: {"loss": 0.1, key: v}}) for i, v in enumerate(values)]


# -- metric names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "logs", "expected"),
    [
        ("accuracy", {"loss": 1, "accuracy": 1}, "accuracy"),
        ("accuracy", {"loss": 1, "acc": 1}, "acc"),
        ("accuracy", {"loss": 1, "sparse_categorical_accuracy": 1}, "sparse_categorical_accuracy"),
        ("accuracy", {"loss": 1, "binary_accuracy": 1}, "binary_accuracy"),
        ("accuracy", {"loss": 1, "compile_metrics": 1}, "compile_metrics"),
        (
            "top-5 accuracy",
            {"loss": 1, "sparse_top_k_categorical_accuracy": 1},
            "sparse_top_k_categorical_accuracy",
        ),
        ("top-5 accuracy", {"accuracy": 1, "top-5-accuracy": 1}, "top-5-accuracy"),
        ("mae", {"loss": 1, "mean_absolute_error": 1}, "mean_absolute_error"),
        ("auc", {"loss": 1, "auc_1": 1}, "auc_1"),
        ("loss", {"loss": 1, "compile_metrics": 1}, "loss"),
        ("accuracy", {"loss": 1, "val_accuracy": 1}, "val_accuracy"),
    ],
)
def test_manifest_names_find_their_keras_log_key(name, logs, expected):
    assert find_log_key(Metric(name, "test", 0.5), logs) == expected


@pytest.mark.parametrize(
    ("name", "logs"),
    [
        ("accuracy", {"loss": 1, "mae": 1}),
        ("top-3 accuracy", {"sparse_top_k_categorical_accuracy": 1}),  # Keras' default k is 5
        ("accuracy", {"loss": 1, "compile_metrics": 1, "auc": 1}),  # compile_metrics ambiguous
        ("loss", {"compile_metrics": 1}),
        ("auc", {"auc_1": 1, "auc_2": 1}),
    ],
)
def test_no_guess_when_the_log_key_is_absent_or_ambiguous(name, logs):
    assert find_log_key(Metric(name, "test", 0.5), logs) is None


def test_run_key_names_the_exact_log_key_and_is_never_second_guessed():
    logs = {"accuracy": 0.1, "masked_acc": 0.9}
    assert find_log_key(Metric("accuracy", "test", 0.9, run_key="masked_acc"), logs) == "masked_acc"
    assert find_log_key(Metric("accuracy", "test", 0.9, run_key="other"), logs) is None


# -- tolerance edges (higher is better: passes when mean >= value - tolerance) ----------------


def test_exactly_on_the_bound_passes_and_a_hair_beyond_fails():
    metric = accuracy_metric()  # ~0.99, 0.01 absolute -> passes when >= 0.98
    assert metric.bounds() == (pytest.approx(0.98), math.inf)
    assert judge(metric, runs(0.98)).verdict == PASS
    assert judge(metric, runs(0.98 - 1e-6)).verdict == FAIL
    assert judge(metric, runs(1.0)).verdict == PASS  # better than reported is fine


def test_a_value_on_the_bound_passes_despite_float_rounding():
    metric = accuracy_metric(value=0.8, tolerance=0.1)
    assert metric.bounds()[0] > 0.7  # 0.8 - 0.1 == 0.7000000000000001 in floats
    assert judge(metric, runs(0.7)).verdict == PASS
    assert judge(metric, runs(0.6999999)).verdict == FAIL


def test_relative_tolerance_scales_with_the_reported_value():
    metric = accuracy_metric(value=0.5, tolerance=0.1, tolerance_kind="relative")
    assert metric.bounds()[0] == pytest.approx(0.45)
    assert judge(metric, runs(0.45)).verdict == PASS
    assert judge(metric, runs(0.4499)).verdict == FAIL
    assert "10% rel" in judge(metric, runs(0.45)).explanation


def test_lower_is_better_passes_below_value_plus_tolerance():
    loss = Metric("loss", "test", 0.03, direction="lower", tolerance=0.01)
    assert judge(loss, runs(0.04, key="loss")).verdict == PASS
    assert judge(loss, runs(0.001, key="loss")).verdict == PASS
    result = judge(loss, runs(0.0401, key="loss"))
    assert result.verdict == FAIL
    assert result.explanation == (
        "test loss: 0.0401 from 1 run (std n/a) > 0.04 (reported ~0.03 + 0.01 abs)"
    )


@pytest.mark.parametrize(
    ("qualifier", "direction", "passing", "failing"),
    [
        ("at_least", "higher", 0.9, 0.8899),
        ("at_most", "lower", 0.91, 0.9101),
    ],
)
def test_qualifiers_bound_the_claimed_side(qualifier, direction, passing, failing):
    metric = Metric("mae", "test", 0.9, direction=direction, qualifier=qualifier, tolerance=0.01)
    assert judge(metric, runs(passing, key="mae")).verdict == PASS
    assert judge(metric, runs(failing, key="mae")).verdict == FAIL


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, None, "n/a", [0.99]])
def test_a_value_that_is_not_a_finite_number_fails(bad):
    result = judge(accuracy_metric(), runs(0.99, bad))
    assert result.verdict == FAIL
    assert "not a finite number, so it fails" in result.explanation


def test_nan_fails_even_for_lower_is_better():
    loss = Metric("loss", "test", 0.03, direction="lower", tolerance=0.01)
    result = judge(loss, runs(math.nan, key="loss"))
    assert result.verdict == FAIL
    assert "nan" in result.explanation and "not a finite number" in result.explanation


# -- multi-seed statistics --------------------------------------------------------------------


def test_single_run_reports_std_as_not_available():
    result = judge(accuracy_metric(), runs(0.9912))
    assert (result.n, result.mean, result.std) == (1, 0.9912, None)
    assert result.explanation == (
        "test accuracy: 0.9912 from 1 run (std n/a) >= 0.98 (reported ~0.99 - 0.01 abs)"
    )


def test_three_seeds_give_mean_sample_std_min_max_and_every_value():
    values = (0.9905, 0.9912, 0.9919)
    result = judge(accuracy_metric(), runs(*values))
    assert result.verdict == PASS
    assert result.n == 3
    assert result.mean == pytest.approx(statistics.mean(values))
    assert result.std == pytest.approx(statistics.stdev(values))  # sample std (n - 1)
    assert (result.min, result.max) == (0.9905, 0.9919)
    assert [(v.run_id, v.seed, v.value) for v in result.values] == [
        ("run-0", 0, 0.9905),
        ("run-1", 1, 0.9912),
        ("run-2", 2, 0.9919),
    ]
    assert result.log_key == "final.test.accuracy"
    assert result.explanation == (
        "test accuracy: mean 0.9912 over 3 seeds (0.9905, 0.9912, 0.9919), std 0.0007 "
        ">= 0.98 (reported ~0.99 - 0.01 abs)"
    )


def test_the_mean_is_judged_not_each_seed():
    assert judge(accuracy_metric(), runs(0.975, 0.99, 0.99)).verdict == PASS  # one seed below
    failing = judge(accuracy_metric(), runs(0.95, 0.99, 0.99))
    assert failing.verdict == FAIL
    assert "mean 0.9767 over 3 seeds (0.95, 0.99, 0.99)" in failing.explanation
    assert "< 0.98" in failing.explanation


def test_the_explanation_names_the_keras_key_when_it_differs():
    result = judge(accuracy_metric(), runs(0.99, key="sparse_categorical_accuracy"))
    assert result.log_key == "final.test.sparse_categorical_accuracy"
    assert result.explanation.startswith("test accuracy (logged as sparse_categorical_accuracy):")


def test_digits_grow_until_mean_and_bound_differ():
    result = judge(accuracy_metric(), runs(0.97999))
    assert result.verdict == FAIL
    assert "0.97999 from 1 run (std n/a) < 0.98 " in result.explanation


# -- metrics the runs did not record ----------------------------------------------------------


def test_a_metric_the_run_did_not_record_is_missing_and_says_what_was_recorded():
    result = judge(accuracy_metric(), runs(0.5, key="mae"))
    assert result.verdict == MISSING
    assert "test accuracy: run run-0 did not record it" in result.explanation
    assert "final.test, which has: loss, mae" in result.explanation
    assert "run_key" in result.explanation


def test_a_split_the_run_did_not_evaluate_is_missing():
    result = judge(accuracy_metric(), runs(0.99, split="validation"))
    assert result.verdict == MISSING
    assert "recorded no test split" in result.explanation
    assert "has: validation" in result.explanation


def test_a_seed_that_lacks_the_metric_makes_it_missing():
    recorded = [*runs(0.99, 0.99), Recorded("run-2", 2, {"test": {"loss": 0.1}})]
    result = judge(accuracy_metric(), recorded)
    assert result.verdict == MISSING
    assert "run run-2 did not record test.accuracy" in result.explanation


# -- reproduction folders ---------------------------------------------------------------------


# -- earlier evaluations (a baseline, a teacher) ------------------------------------------------


def evaluated(*calls_per_run):
    """One Recorded per run, whose script called evaluate() once per dict given."""
    return [
        Recorded(f"run-{i}", i, {"test": dict(calls[-1])}, evaluations=tuple(calls))
        for i, calls in enumerate(calls_per_run)
    ]


def test_an_earlier_evaluate_call_is_judged_through_run_key():
    recorded = evaluated(({"acc": 0.74}, {"acc": 0.80}), ({"acc": 0.75}, {"acc": 0.81}))
    baseline = Metric("baseline_acc", "test", 0.7352, tolerance=0.03, run_key="evaluations[0].acc")
    result = judge(baseline, recorded)
    assert result.verdict == PASS and result.log_key == "evaluations[0].acc"
    assert [v.value for v in result.values] == [0.74, 0.75]  # not the final 0.80, 0.81
    last = judge(Metric("acc", "test", 0.8, run_key="evaluations[-1].acc"), recorded)
    assert [v.value for v in last.values] == [0.80, 0.81]


def test_an_earlier_evaluation_fails_like_any_other():
    recorded = evaluated(({"acc": 0.60}, {"acc": 0.80}))
    result = judge(
        Metric("baseline_acc", "test", 0.7352, tolerance=0.03, run_key="evaluations[0].acc"),
        recorded,
    )
    assert result.verdict == FAIL and "0.6" in result.explanation


@pytest.mark.parametrize(
    ("run_key", "message"),
    [
        ("evaluations[2].acc", "made 2 evaluate() call(s), so it has no evaluations[2]"),
        ("evaluations[0].auc", "evaluations[0] of run run-0 has no 'auc' (it has: acc)"),
    ],
)
def test_an_evaluation_the_runs_do_not_have_is_missing_and_says_why(run_key, message):
    recorded = evaluated(({"acc": 0.74}, {"acc": 0.80}))
    result = judge(Metric("baseline_acc", "test", 0.7, run_key=run_key), recorded)
    assert result.verdict == MISSING and message in result.explanation


def test_evaluations_are_read_from_metrics_json(tmp_path):
    folder = write_reproduction(
        tmp_path,
        metrics=[
            accuracy_metric(),
            accuracy_metric(
                name="baseline_acc", value=0.7, required=False, run_key="evaluations[0].accuracy"
            ),
        ],
    )
    run = write_run(folder, "r-s0", final={"test": {"accuracy": 0.99}})
    metrics = run / "metrics.json"
    metrics.write_text(
        metrics.read_text().replace(
            '"evaluations": []', '"evaluations": [{"accuracy": 0.71}, {"accuracy": 0.99}]'
        )
    )
    report = check_reproduction(folder)
    baseline = next(r for r in report.results if r.metric.name == "baseline_acc")
    assert (baseline.verdict, baseline.mean) == (PASS, 0.71)


def test_a_passing_reproduction_judges_the_newest_complete_set(tmp_path):
    repro = write_reproduction(tmp_path)
    write_set(repro, "old", [0.5, 0.5, 0.5], started="2025-01-01")
    ids = write_set(repro, "new", [0.9905, 0.9912, 0.9919], started="2025-02-01")
    report = check_reproduction(repro)
    assert (report.verdict, report.exit_code, report.error) == (PASS, 0, "")
    assert report.run_ids == ids and report.group == "new"
    assert (report.backend, report.device) == ("jax", DEVICE)
    assert report.warnings == []


def test_a_failing_required_metric_fails_the_reproduction(tmp_path):
    repro = write_reproduction(tmp_path)
    write_set(repro, "g", [0.97, 0.97, 0.97])
    report = check_reproduction(repro)
    assert (report.verdict, report.exit_code) == (FAIL, 1)
    assert report.results[0].verdict == FAIL


def test_an_optional_metric_only_warns(tmp_path):
    optional = Metric("loss", "test", 0.01, direction="lower", tolerance=0.001, required=False)
    repro = write_reproduction(tmp_path, metrics=[accuracy_metric(), optional])
    write_set(repro, "g", [0.99, 0.99, 0.99])  # test loss 0.05 > 0.011
    report = check_reproduction(repro)
    assert report.verdict == PASS
    assert [r.verdict for r in report.results] == [PASS, FAIL]
    assert report.warnings == [f"optional metric fail: {report.results[1].explanation}"]


def test_a_required_metric_missing_from_the_run_cannot_be_checked(tmp_path):
    repro = write_reproduction(tmp_path, metrics=[accuracy_metric(name="auc")])
    write_set(repro, "g", [0.99])
    report = check_reproduction(repro)
    assert (report.verdict, report.exit_code) == (ERROR, 2)
    assert "test auc: run g-s0 did not record it" in report.results[0].explanation
    assert "has: accuracy, loss" in report.results[0].explanation


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda repro: None, "No runs found for mnist_convnet"),
        (
            lambda repro: write_set(repro, "smoke", [0.99], smoke=True),
            "Only smoke runs found for mnist_convnet",
        ),
        (
            lambda repro: write_run(repro, "r1", status="failed", reason="CUDA out of memory"),
            "the latest, r1, is failed (CUDA out of memory). Where: "
            "reproductions/mnist_convnet/runs/r1/train.log. How to fix: fix the cause",
        ),
        (
            lambda repro: write_run(repro, "r1", status="running"),
            "the latest, r1, is running. Where: reproductions/mnist_convnet/runs/r1/train.log. "
            "How to fix: wait for it to finish",
        ),
    ],
)
def test_no_usable_run_cannot_be_checked(tmp_path, setup, message):
    repro = write_reproduction(tmp_path)
    setup(repro)
    report = check_reproduction(repro)
    assert (report.verdict, report.exit_code, report.results) == (ERROR, 2, [])
    assert message in report.error
    assert "sprint run mnist_convnet" in report.error


def test_smoke_runs_are_never_judged_even_when_newer(tmp_path):
    repro = write_reproduction(tmp_path)
    write_set(repro, "full", [0.99], started="2025-01-01")
    write_set(repro, "smoke", [0.1], started="2025-03-01", smoke=True)
    report = check_reproduction(repro)
    assert (report.verdict, report.group) == (PASS, "full")


def test_run_picks_a_set_or_a_single_run(tmp_path):
    repro = write_reproduction(tmp_path, seeds=3)
    write_set(repro, "old", [0.97, 0.98, 0.99], started="2025-01-01")
    write_set(repro, "new", [0.5, 0.5, 0.5], started="2025-02-01")
    assert check_reproduction(repro).verdict == FAIL
    chosen = check_reproduction(repro, run="old")
    assert (chosen.verdict, chosen.run_ids) == (PASS, ["old-s0", "old-s1", "old-s2"])
    single = check_reproduction(repro, run="old-s0")  # one seed of three is not a set
    assert single.verdict == ERROR and "1 complete run(s) of the 3 seeds" in single.error


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ("nope", "No run or set named 'nope'"),
        ("smoke-s0", "Run smoke-s0 is a smoke run; smoke runs are never checked"),
        ("broken", "Run broken did not complete (broken: failed (NaN loss))"),
    ],
)
def test_run_that_cannot_be_used_is_explained(tmp_path, run, message):
    repro = write_reproduction(tmp_path)
    write_set(repro, "ok", [0.99])
    write_set(repro, "smoke", [0.99], smoke=True)
    write_run(repro, "broken", status="failed", reason="NaN loss")
    report = check_reproduction(repro, run=run)
    assert report.verdict == ERROR and message in report.error
    if run == "nope":
        assert "broken" in report.error and "ok-s0" in report.error


def test_a_set_missing_a_seed_cannot_pass(tmp_path):
    repro = write_reproduction(tmp_path, seeds=3)
    write_set(repro, "g", [0.99, 0.99], started="2025-01-01")
    write_run(
        repro, "g-s2", group="g", seed=2, status="failed", reason="killed", started="2025-01-01.2"
    )
    report = check_reproduction(repro)
    assert report.verdict == ERROR and report.exit_code == 2 and report.results == []
    assert report.error.startswith(
        "Set g has 2 complete run(s) of the 3 seeds the manifest asks for, so it cannot be "
        "judged (run g-s2 of set g is failed (killed); it is not judged)"
    )
    assert "(missing seed(s): 2)" in report.error


def test_left_out_runs_of_a_complete_set_are_warned_about(tmp_path):
    repro = write_reproduction(tmp_path, seeds=2)
    write_set(repro, "g", [0.99, 0.99], started="2025-01-01")
    write_run(
        repro, "g-s2", group="g", seed=2, status="failed", reason="killed", started="2025-01-01.2"
    )
    write_run(repro, "later", status="running", started="2025-05-01")
    report = check_reproduction(repro)
    assert report.verdict == PASS and report.run_ids == ["g-s0", "g-s1"]
    assert report.warnings == [
        "run g-s2 of set g is failed (killed); it is not judged",
        "a newer run later is running; the latest complete set g is judged instead",
    ]


def test_a_malformed_manifest_cannot_be_checked(tmp_path):
    repro = tmp_path / "reproductions" / "broken"
    repro.mkdir(parents=True)
    (repro / "reproduction.toml").write_text('slug = "broken"\n[[metrics]]\nname = "acc"\n')
    report = check_reproduction(repro)
    assert report.exit_code == 2
    assert "metrics[0]" in report.error and "incomplete" in report.error


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ([], "no required metric"),
        ([accuracy_metric(required=False)], "no required metric"),
        ([accuracy_metric(qualifier="at_most")], "a check that cannot fail"),
    ],
)
def test_a_manifest_that_gives_nothing_to_judge_cannot_be_checked(tmp_path, metrics, message):
    repro = write_reproduction(tmp_path, metrics=metrics)
    write_set(repro, "g", [0.99])
    report = check_reproduction(repro)
    assert report.verdict == ERROR and message in report.error


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "device": "NVIDIA H100 80GB HBM3",
                "device_kind": "gpu",
                "accelerators": ["NVIDIA H100 80GB HBM3"],
            },
            "NVIDIA H100 80GB HBM3",
        ),
        (
            {"device": "NVIDIA A100", "accelerators": ["NVIDIA A100", "NVIDIA A100"]},
            "NVIDIA A100 x2",
        ),
        (
            {"device": "AMD EPYC 7B13", "device_kind": "cpu", "accelerators": []},
            "AMD EPYC 7B13 (CPU)",
        ),
        ({}, ""),
    ],
)
def test_device_is_described_from_env_json(env, expected):
    assert describe_device(env) == expected


def test_the_report_names_the_device_of_its_runs(tmp_path):
    repro = write_reproduction(tmp_path)
    write_set(repro, "g", [0.99], device="TPU v4")
    assert check_reproduction(repro).device == "TPU v4"


def test_a_complete_run_without_metrics_json_is_not_judged(tmp_path):
    repro = write_reproduction(tmp_path)
    write_run(repro, "r1")  # status complete, but no metrics.json
    report = check_reproduction(repro)
    assert report.verdict == ERROR
    assert "the latest, r1, is complete but has no metrics.json" in report.error


def test_overall_exit_code_is_the_worst(tmp_path):
    passing, failing = write_reproduction(tmp_path, "a"), write_reproduction(tmp_path, "b")
    write_set(passing, "g", [0.99])
    write_set(failing, "g", [0.5])
    unchecked = write_reproduction(tmp_path, "c")
    reports = [check_reproduction(p) for p in (passing, failing, unchecked)]
    assert overall_exit_code(reports[:1]) == 0
    assert overall_exit_code(reports[:2]) == 1
    assert overall_exit_code(reports) == 2
    assert overall_exit_code([]) == 0


def test_a_different_number_of_epochs_than_reported_is_warned_about(tmp_path):
    repro = write_reproduction(tmp_path, metrics=[accuracy_metric(epochs=50)], seeds=1)
    write_set(repro, "g", [0.99])  # the fixture's metrics.json says 1 epoch
    report = check_reproduction(repro)
    assert report.verdict == PASS
    assert report.warnings == ["test accuracy was reported after 50 epochs; the runs trained 1"]
