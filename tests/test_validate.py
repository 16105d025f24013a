"""`sprint validate`: each checklist item's pass and fail path, on the bundled example's flow.

One module-scoped reproduction goes through the real flow (new -> run -> card -> space); each
failure test copies it and breaks one thing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from harness_fixtures import isolated_env, run_quietly

from toolkit.cli import main
from toolkit.manifest import Manifest
from toolkit.validate import validate

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "examples" / "waveform_classifier.py"
SLUG = "waves"
FAKE_TOKEN = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.fixture(scope="module")
def flow_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sprint root whose `waves` reproduction went through new, run, card and space."""
    root = tmp_path_factory.mktemp("validate") / "root"
    (root / "reproductions").mkdir(parents=True)
    with isolated_env(root):
        assert main(["new", str(BUNDLED), "--slug", SLUG]) == 0
        folder = root / "reproductions" / SLUG
        manifest = Manifest.load(folder)
        for metric in manifest.metrics:  # reviewed tolerances, as a contributor would set them
            metric.tolerance, metric.reason = 0.03, "seed spread of about 1 point, measured"
        assert manifest.task.class_names == ["sine", "square", "sawtooth"]  # read from the code
        manifest.run.seeds = 1  # one full run keeps the module fast; check judges one seed
        manifest.save(folder)
        outcomes = run_quietly(folder, backend="tensorflow", seeds=1)
        assert [o.status for o in outcomes] == ["complete"], outcomes[0].reason
        assert main(["card", SLUG]) == 0
        assert main(["space", SLUG]) == 0
    shutil.copy(REPO / ".gitignore", root / ".gitignore")  # weights and logs stay out of git
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@pytest.fixture()
def root(flow_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the flow's root, to break one thing in."""
    copy = tmp_path / "root"
    shutil.copytree(flow_root, copy, symlinks=True)
    monkeypatch.setenv("SPRINT_ROOT", str(copy))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    return copy


def items(root: Path, *only: str, smoke: bool = False) -> dict[str, tuple[str, str]]:
    result = validate(root, SLUG, smoke=smoke, only=only)
    return {
        item.name: (item.status, item.reason + " " + " ".join(item.details))
        for item in result.items
    }


def test_complete_reproduction_passes_every_item(root: Path, capsys) -> None:
    assert main(["validate", SLUG]) == 0  # the smoke run included
    out = capsys.readouterr().out
    for name in ("manifest", "smoke", "run", "card", "space", "hygiene", "lint"):
        assert name in out
    assert "verdict: pass" in out


def test_markdown_is_a_pull_request_comment(root: Path, capsys) -> None:
    assert (
        main(["validate", SLUG, "--no-smoke", "--only", "manifest,smoke", "--format", "markdown"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("### ") and "| item | verdict | reason |" in out
    assert "| smoke | ⚠️ warn | skipped (--no-smoke) |" in out


def test_json_lists_every_item(root: Path, capsys) -> None:
    assert (
        main(["validate", SLUG, "--no-smoke", "--only", "manifest,card,lint", "--format", "json"])
        == 0
    )
    (entry,) = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in entry["items"]] == ["manifest", "card", "lint"]
    assert entry["verdict"] == "pass"


def test_unknown_item_is_bad_usage(root: Path, capsys) -> None:
    assert main(["validate", SLUG, "--only", "card,colour"]) == 2
    assert "unknown item(s) colour" in capsys.readouterr().err


def test_manifest_without_credits_or_sentence_fails(root: Path) -> None:
    folder = root / "reproductions" / SLUG
    manifest = Manifest.load(folder)
    manifest.example.authors = []
    manifest.metrics[0].sentence = ""
    manifest.save(folder)
    status, reason = items(root, "manifest")["manifest"]
    assert status == "fail"
    assert "authors is empty" in reason and "no source sentence" in reason


def test_default_tolerance_is_a_warning(root: Path) -> None:
    folder = root / "reproductions" / SLUG
    manifest = Manifest.load(folder)
    manifest.metrics[0].reason = "default for fractions"
    manifest.save(folder)
    assert items(root, "manifest")["manifest"][0] == "warn"


def test_broken_train_script_fails_the_smoke_item(root: Path) -> None:
    script = root / "reproductions" / SLUG / "train.py"
    script.write_text(script.read_text().replace("model.fit(", "model.fitt("))
    status, reason = items(root, "smoke", smoke=True)["smoke"]
    assert status == "fail" and "fitt" in reason


def test_missing_run_fails(root: Path) -> None:
    shutil.rmtree(root / "reproductions" / SLUG / "runs")
    status, reason = items(root, "run")["run"]
    assert status == "fail" and "no complete full run" in reason


def test_failing_check_fails_the_run_item(root: Path) -> None:
    folder = root / "reproductions" / SLUG
    manifest = Manifest.load(folder)
    manifest.metrics[0].value, manifest.metrics[0].tolerance = 0.9999, 0.0
    manifest.save(folder)
    status, reason = items(root, "run")["run"]
    assert status == "fail" and "sprint check fail" in reason


def test_card_number_edited_by_hand_is_caught(root: Path) -> None:
    card = root / "reproductions" / SLUG / "README.md"
    text = card.read_text()
    mean = json.loads(
        next((root / "reproductions" / SLUG / "runs").glob("*/metrics.json")).read_text()
    )["final"]["test"]["accuracy"]
    shown = f"{mean:.4g}"
    assert shown in text
    card.write_text(text.replace(shown, "0.9999", 1))
    status, reason = items(root, "card")["card"]
    assert status == "fail" and "edited by hand" in reason


def test_stale_card_is_caught(root: Path) -> None:
    folder = root / "reproductions" / SLUG
    manifest = Manifest.load(folder)
    manifest.metrics[0].value = 0.5
    manifest.save(folder)
    status, reason = items(root, "card")["card"]
    assert status == "fail" and "stale" in reason


def test_fix_rerenders_the_stale_card(root: Path) -> None:
    folder = root / "reproductions" / SLUG
    manifest = Manifest.load(folder)
    manifest.metrics[0].value = 0.9
    manifest.save(folder)
    result = validate(root, SLUG, smoke=False, fix=True, only=("card",))
    assert any("re-rendered" in line for line in result.fixed)
    assert {i.name: i.status for i in result.items}["card"] == "pass"


def test_unpinned_space_requirements_fail(root: Path) -> None:
    requirements = root / "spaces" / SLUG / "requirements.txt"
    requirements.write_text(requirements.read_text() + "numpy\n")
    status, reason = items(root, "space")["space"]
    assert status == "fail" and "unpinned requirements: numpy" in reason


def test_space_app_that_does_not_construct_fails(root: Path) -> None:
    app = root / "spaces" / SLUG / "app.py"
    text = app.read_text().replace(
        'if __name__ == "__main__":', 'raise RuntimeError("broken on purpose")\n\n\nif True:'
    )
    app.write_text(text)
    status, reason = items(root, "space")["space"]
    assert status == "fail" and "broken on purpose" in reason


def test_space_whose_example_gets_no_answer_fails(root: Path) -> None:
    # The app starts, but a visitor clicking its first example would get an error.
    (root / "spaces" / SLUG / "examples" / "series.csv").write_text("not;a\nseries;at all\n")
    result = validate(root, SLUG, smoke=False, only=("space",))
    (item,) = result.items
    assert item.status == "fail" and "does not answer its examples" in item.reason
    assert len(item.details) == 1 and item.details[0].startswith("example 1 ")


def test_a_working_space_answers_every_example(root: Path) -> None:
    status, reason = items(root, "space")["space"]
    assert status == "pass" and "answers its 2 example(s)" in reason


def test_without_full_run_weights_a_smoke_model_starts_the_space(root: Path) -> None:
    # A clone has no weights; a smoke run made here gives the app a model of the right shape,
    # even when the smoke item's own run (which saves none) is newer.
    folder = root / "reproductions" / SLUG
    for model in folder.glob("runs/*/model.keras"):
        model.unlink()
    assert items(root, "space")["space"][0] == "warn"
    (smoke,) = run_quietly(folder, backend="tensorflow", smoke=True)
    result = validate(root, SLUG, smoke=True, only=("smoke", "space"))
    by_name = {item.name: item for item in result.items}
    assert by_name["smoke"].status == "pass" and smoke.run_id not in by_name["smoke"].reason
    space = by_name["space"]
    assert space.status == "pass", space.details
    assert smoke.run_id in space.reason and "smoke-run weights" in space.reason


def test_classification_space_without_class_names_fails(root: Path, capsys) -> None:
    # Without class names the time-series app forecasts: a classifier's Space must not pass.
    folder = root / "reproductions" / SLUG
    manifest = Manifest.load(folder)
    manifest.task.class_names = []
    manifest.save(folder)
    assert main(["space", SLUG]) == 0
    capsys.readouterr()
    assert main(["validate", SLUG, "--no-smoke", "--only", "space", "--format", "json"]) == 1
    ((item,),) = [entry["items"] for entry in json.loads(capsys.readouterr().out)]
    assert item["status"] == "fail"
    out = item["reason"] + " " + " ".join(item["details"])
    assert "the Space would forecast the next steps of the series" in out
    assert "not classify: [task] kind is 'time-series-classification'" in out
    assert "space_config.json lists no class_names" in out
    assert f"set [task] class_names = [...] in reproductions/{SLUG}/reproduction.toml" in out
    assert f"then: sprint space {SLUG}" in out


def test_space_generated_before_the_class_names_were_set_fails(root: Path) -> None:
    config = root / "spaces" / SLUG / "space_config.json"
    config.write_text(
        config.read_text().replace('"sawtooth"', "").replace('"sine",', "").replace('"square",', "")
    )
    assert json.loads(config.read_text())["class_names"] == []
    status, reason = items(root, "space")["space"]
    assert status == "fail" and "would forecast" in reason
    assert (
        f"the manifest lists class names but the Space predates them: sprint space {SLUG}" in reason
    )


def test_space_told_to_forecast_fails_even_with_class_names(root: Path) -> None:
    config = root / "spaces" / SLUG / "space_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "series_mode": "forecast"}))
    status, reason = items(root, "space")["space"]
    assert status == "fail" and "would answer in 'forecast' mode, not classify" in reason
    assert "sets series_mode = 'forecast'" in reason and "remove series_mode" in reason


def test_missing_space_fails(root: Path) -> None:
    shutil.rmtree(root / "spaces" / SLUG)
    assert items(root, "space")["space"][0] == "fail"


def test_committed_token_is_caught(root: Path) -> None:
    (root / "reproductions" / SLUG / "notes.txt").write_text(f"token = {FAKE_TOKEN}\n")
    status, reason = items(root, "hygiene")["hygiene"]
    assert status == "fail" and "notes.txt:1: looks like a Hugging Face token" in reason


def test_committed_weights_are_caught_but_ignored_ones_are_not(root: Path) -> None:
    assert items(root, "hygiene")["hygiene"][0] == "pass"  # runs/*/model.keras is git-ignored
    shutil.copy(
        next((root / "reproductions" / SLUG / "runs").glob("*/model.keras")),
        root / "reproductions" / SLUG / "model.keras",
    )
    status, reason = items(root, "hygiene")["hygiene"]
    assert status == "fail" and "model weights" in reason


def test_a_saved_model_renamed_is_caught_by_its_content(root: Path) -> None:
    shutil.copy(
        next((root / "reproductions" / SLUG / "runs").glob("*/model.keras")),
        root / "spaces" / SLUG / "model.bak",
    )
    status, reason = items(root, "hygiene")["hygiene"]
    assert status == "fail" and f"spaces/{SLUG}/model.bak: a Keras model" in reason


def test_lint_errors_fail(root: Path) -> None:
    script = root / "reproductions" / SLUG / "helpers.py"
    script.write_text("import os\n")
    status, reason = items(root, "lint")["lint"]
    assert status == "fail" and "F401" in reason


def test_unknown_slug_is_bad_usage(root: Path, capsys) -> None:
    assert main(["validate", "nope"]) == 2
    assert "no reproduction named 'nope'" in capsys.readouterr().err
