"""Metrics read from what a script prints (``log_pattern``): manifest, harness and check.

A custom training loop (reinforcement learning, a GAN) never returns its result from
``fit()``; the page shows a printed line instead. These tests run a real script under the
harness, let it print such lines, and judge the number the pattern reads from ``train.log``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.harness_fixtures import isolated_env, make_reproduction, read_json, run_quietly
from toolkit.check import FAIL, MISSING, PASS, check_reproduction
from toolkit.errors import ManifestError
from toolkit.harness.metrics import printed_metrics
from toolkit.manifest import Manifest, Metric
from toolkit.provenance import target_record

SOLVED = r"Solved at episode (\d+)!"
REWARD = r"running reward: (?P<value>[\d.]+) at episode \d+"

SCRIPT = """\
import keras

# A custom loop: one optimizer update per "episode", no fit().
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
optimizer = keras.optimizers.SGD(0.1)
optimizer.build(model.trainable_variables)
for episode in range(1, 31):
    grads = [keras.ops.ones_like(v) for v in model.trainable_variables]
    optimizer.apply(grads, model.trainable_variables)
    if episode % 10 == 0:
        print(f"running reward: {episode * 5.5:.2f} at episode {episode}")
print("Solved at episode 31!")
"""


def _metric(name: str, pattern: str, value: float, **overrides) -> Metric:
    fields = dict(
        name=name,
        split="train",
        value=value,
        direction="lower" if name == "episodes" else "higher",
        tolerance=0.5,
        tolerance_kind="relative",
        origin="output",
        log_pattern=pattern,
    )
    return Metric(**{**fields, **overrides})


@pytest.fixture(scope="module")
def printed_run(tmp_path_factory) -> Path:
    """One real harness run of SCRIPT, with three log-pattern metrics in its manifest."""
    root = tmp_path_factory.mktemp("printed")
    folder = make_reproduction(root, "custom_loop", SCRIPT, training="custom")
    manifest = Manifest.load(folder)
    manifest.metrics = [
        _metric("episodes", SOLVED, 40),
        _metric("running_reward", REWARD, 150),
        _metric("never_printed", r"Final score: (\d+)", 1, required=False),
    ]
    manifest.save(folder)
    with isolated_env(root):
        [outcome] = run_quietly(folder, save_model=False)
    assert outcome.status == "complete", outcome.reason
    return folder


def test_the_harness_records_the_last_printed_match_of_each_pattern(printed_run: Path) -> None:
    [run_dir] = (printed_run / "runs").iterdir()
    printed = read_json(run_dir / "metrics.json")["printed"]
    assert printed["train/episodes"]["value"] == 31
    assert printed["train/episodes"]["line"] == "Solved at episode 31!"
    reward = printed["train/running_reward"]
    assert (reward["value"], reward["matches"]) == (165.0, 3)  # the last of three lines
    assert printed["train/never_printed"] == {
        "pattern": r"Final score: (\d+)",
        "matches": 0,
        "value": None,
        "text": "",
        "line": "",
    }


def test_the_check_judges_the_printed_numbers(printed_run: Path) -> None:
    report = check_reproduction(printed_run)
    results = {r.metric.name: r for r in report.results}
    assert results["episodes"].verdict == PASS  # 31 <= 40 * 1.5
    assert results["episodes"].log_key == f"train.log /{SOLVED}/"
    assert [v.value for v in results["episodes"].values] == [31.0]
    assert results["running_reward"].verdict == PASS  # 165 >= 150 * 0.5
    never = results["never_printed"]
    assert never.verdict == MISSING
    assert "matched no line of the train.log" in never.explanation
    assert report.verdict == PASS  # the unmatched metric is optional


def test_a_printed_number_outside_the_bound_fails(printed_run: Path, tmp_path: Path) -> None:
    manifest = Manifest.load(printed_run)
    strict = dataclasses.replace(manifest.metrics[0], value=20, tolerance=0.1)
    report_folder = _copy_with_metrics(printed_run, tmp_path, [strict])
    [result] = check_reproduction(report_folder).results
    assert result.verdict == FAIL  # 31 episodes against at most 22


def test_a_pattern_changed_after_the_runs_is_not_judged(printed_run: Path, tmp_path) -> None:
    manifest = Manifest.load(printed_run)
    moved = dataclasses.replace(manifest.metrics[0], log_pattern=r"Solved at step (\d+)")
    report = check_reproduction(_copy_with_metrics(printed_run, tmp_path, [moved]))
    [result] = report.results
    assert result.verdict == MISSING
    assert "re-run it" in result.explanation and "Solved at episode" in result.explanation
    assert any("TARGETS CHANGED" in w for w in report.warnings)


def _copy_with_metrics(folder: Path, tmp_path: Path, metrics: list[Metric]) -> Path:
    """A copy of the reproduction folder whose manifest holds ``metrics``."""
    import shutil

    copy = tmp_path / "reproductions" / folder.name
    shutil.copytree(folder, copy)
    manifest = Manifest.load(copy)
    manifest.metrics = metrics
    manifest.save(copy)
    return copy


def test_printed_metrics_ignores_harness_lines_and_splits_progress_bars() -> None:
    metric = _metric("episodes", SOLVED, 40)
    log = "[sprint] Solved at episode 1!\nstep 1\rstep 2\rSolved at episode 12!\rstep 3\n"
    entry = printed_metrics([metric], log)["train/episodes"]
    assert (entry["value"], entry["matches"], entry["line"]) == (12, 1, "Solved at episode 12!")


def test_a_match_that_is_not_a_number_records_none() -> None:
    metric = _metric("episodes", r"Solved at episode (\w+)!", 40)
    entry = printed_metrics([metric], "Solved at episode many!\n")["train/episodes"]
    assert (entry["value"], entry["text"], entry["matches"]) == (None, "many", 1)


def test_only_a_set_pattern_enters_the_targets_digest() -> None:
    plain = _metric("episodes", "", 40)
    assert "log_pattern" not in target_record(plain)  # digests of older runs still hold
    assert target_record(_metric("episodes", SOLVED, 40))["log_pattern"] == SOLVED


@pytest.mark.parametrize(
    ("pattern", "run_key", "says"),
    [
        (r"Solved at episode (\d+", "", "is not a regular expression"),
        (r"episode (\d+) reward (\d+)", "", "has 2 capture groups"),
        (r"Solved at episode \d+", "", "has 0 capture groups"),
        (SOLVED, "episodes", "run_key and log_pattern are both set"),
    ],
)
def test_a_bad_log_pattern_is_refused_on_load(
    tmp_path: Path, pattern: str, run_key: str, says: str
) -> None:
    folder = tmp_path / "reproductions" / "bad"
    folder.mkdir(parents=True)
    Manifest(slug="bad", metrics=[_metric("episodes", SOLVED, 40)]).save(folder)
    path = folder / "reproduction.toml"
    text = path.read_text(encoding="utf-8").replace(
        f"log_pattern = {json.dumps(SOLVED)}", f"log_pattern = {json.dumps(pattern)}"
    )
    if run_key:
        text = text.replace('run_key = ""', f'run_key = "{run_key}"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        Manifest.load(folder)
    assert says in str(caught.value) and "reproduction.toml" in str(caught.value)
