"""`sprint card`: Hub metadata that huggingface_hub's own card tools read, numbers that all
come from the manifest or the runs, an honest verdict, and contributor edits that survive.
Reproductions are fixture data (hub_fixtures.write_publishable); no network, no Keras."""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
from hub_fixtures import REPO_ID, write_publishable

from toolkit.card import (
    GENERATED_MARKER,
    CardError,
    free_sections,
    hand_edited,
    pipeline_tag,
    prepare_card,
    render_card,
    write_card,
)
from toolkit.check import fmt
from toolkit.cli import main
from toolkit.manifest import Author, ExampleInfo, Manifest, Source, TaskInfo
from toolkit.runs import latest_set
from toolkit.stats import interval

VALUES = (0.991, 0.9905, 0.992)


@pytest.fixture
def repro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    return write_publishable(tmp_path, VALUES)


def card_text(repro: Path) -> str:
    assert main(["card", repro.name]) == 0
    return (repro / "README.md").read_text(encoding="utf-8")


# -- Hub metadata ------------------------------------------------------------------------------


def test_front_matter_parses_with_huggingface_hubs_model_card(repro):
    from huggingface_hub import ModelCard

    card = ModelCard(card_text(repro))
    data = card.data
    assert data.library_name == "keras"
    assert data.license == "apache-2.0"
    assert {"keras-io", "reproduction", "image-classification"} <= set(data.tags)
    assert data.datasets == ["ylecun/mnist"]
    assert data.metrics == ["accuracy"]
    assert data.pipeline_tag == "image-classification"
    assert data.model_name == REPO_ID.split("/")[1]


def test_model_index_holds_the_reported_and_the_reproduced_result(repro):
    from huggingface_hub import ModelCard

    results = ModelCard(card_text(repro)).data.eval_results
    assert len(results) == 2  # one metric, two sources
    by_source = {r.source_name: r for r in results}
    reported = by_source["Keras.io: Simple MNIST convnet"]
    reproduced = next(r for name, r in by_source.items() if name.startswith("keras-sprint"))
    assert reported.source_url == "https://keras.io/examples/vision/mnist_convnet/"
    assert reported.metric_value == Manifest.load(repro).metrics[0].value
    measured = [run.metrics()["final"]["test"]["accuracy"] for run in latest_set(repro)]
    assert reproduced.metric_value == pytest.approx(statistics.fmean(measured), abs=1e-6)
    assert reproduced.source_url == f"https://huggingface.co/{REPO_ID}"
    for result in results:
        assert (
            result.task_type,
            result.dataset_type,
            result.dataset_split,
            result.metric_type,
        ) == ("image-classification", "ylecun/mnist", "test", "accuracy")


def test_every_metric_gets_both_results(repro):
    from huggingface_hub import ModelCard

    manifest = Manifest.load(repro)
    manifest.metrics.append(
        type(manifest.metrics[0])(
            name="loss",
            split="test",
            value=0.03,
            direction="lower",
            tolerance=0.5,
            tolerance_kind="relative",
            sentence="test loss 0.03",
        )
    )
    manifest.save(repro)
    results = ModelCard(card_text(repro)).data.eval_results
    for metric in ("accuracy", "loss"):
        sources = sorted(
            r.source_name.split(":")[0].split(" ")[0] for r in results if r.metric_type == metric
        )
        assert sources == ["Keras.io", "keras-sprint"]


@pytest.mark.parametrize(
    ("kind", "tag"),
    [
        ("image-classification", "image-classification"),
        ("text-classification", "text-classification"),
        ("tabular-regression", "tabular-regression"),
        ("time-series-forecasting", "time-series-forecasting"),
        ("super-resolution", "image-to-image"),
        ("speech-recognition", "automatic-speech-recognition"),
        ("unknown", None),
        ("timeseries-anomaly-detection", None),
    ],
)
def test_pipeline_tag_from_the_task_kind(kind, tag):
    assert pipeline_tag(kind) == tag


def test_a_task_without_pipeline_tag_still_gives_a_valid_model_index(tmp_path, monkeypatch):
    from huggingface_hub import ModelCard

    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    repro = write_publishable(tmp_path, task=TaskInfo(kind="unknown"), data=[])
    card = ModelCard(card_text(repro))
    assert card.data.pipeline_tag is None and card.data.datasets is None
    assert {r.task_type for r in card.data.eval_results} == {"other"}


# -- the body ----------------------------------------------------------------------------------


def _leaves(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _leaves(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _leaves(v)]
    return [obj]


def _spellings(value: Any) -> set[str]:
    """The ways the card may print a number it took from the manifest or an artifact."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        out = {str(value), fmt(float(value)), f"{float(value):.6g}", f"{float(value):.1f}"}
        return out | {s.rstrip("0").rstrip(".") for s in out if "." in s}
    return set(re.findall(r"\d+(?:\.\d+)*", str(value)))


def test_every_number_in_the_card_comes_from_the_manifest_or_the_runs(repro):
    text = card_text(repro)
    manifest = Manifest.load(repro)
    runs = latest_set(repro)
    sources: list[Any] = _leaves(manifest.to_dict())
    for run in runs:
        for name in ("run.json", "env.json", "metrics.json"):
            sources += _leaves(json.loads((run.path / name).read_text()))
    metric = manifest.metrics[0]
    measured = [run.metrics()["final"]["test"]["accuracy"] for run in runs]
    ci = interval(measured)  # derived: bounds, mean, std, 95% CI, run count, "1 min 16 s"
    sources += [
        *metric.bounds(),
        statistics.fmean(measured),
        statistics.stdev(measured),
        ci.low,
        ci.high,
        95,
        len(runs),
        75.5 % 60,
    ]
    allowed = set().union(
        *(_spellings(v) for v in sources if not (isinstance(v, float) and math.isinf(v)))
    )
    allowed |= {"16"}  # 75.5 s printed as "1 min 16 s" (rounded seconds)
    body = text.split("\n---\n", 1)[1]
    body = re.sub(r"<!-- generated by sprint card[^\n]*", "", body)
    body = re.sub(r"https?://\S+", "", body)
    body = body.replace("Keras 3", "").replace("model.weights.h5", "")
    for run in runs:
        body = body.replace(run.run_id, "")
    numbers = re.findall(r"\d+(?:\.\d+)*", body)
    assert numbers, "the card shows numbers"
    assert set(numbers) <= allowed, f"not from the manifest or a run: {set(numbers) - allowed}"


def test_the_body_covers_the_example_training_results_usage_and_credits(repro):
    text = card_text(repro)
    for expected in (
        "# Simple MNIST convnet",
        "[*Simple MNIST convnet*](https://keras.io/examples/vision/mnist_convnet/)",
        "[fchollet](https://twitter.com/fchollet)",
        "created 2015/06/19",
        "## Intended uses and limitations",
        "## Training data",
        "keras.datasets: `mnist`",
        "## Training procedure",
        "- Epochs: 15 (trained: 1, 1, 1)",
        "- Batch size: 128",
        "seed 0",
        "seed 1",
        "seed 2",
        "- Backend: jax",
        "- Hardware: NVIDIA H100",
        "- Wall time per run: 1 min 16 s",
        "- Keras: 3.15.1, jax 0.10.2",
        "| accuracy | test | 0.99 | >= 0.98 | 0.9912 |",
        "| pass |",
        "![Training curves",
        "(runs/20250101-1200-jax-s0/curves.png)",
        'model = keras.saving.load_model("hf://alice/tiny-mnist")',
        "## Credits",
        "the median run of the set: test accuracy 0.991",
    ):
        assert expected in text, expected


def test_a_fresh_clone_renders_the_same_card(repro):
    # Weights and live logs are git-ignored: a reviewer's clone has only the committed records,
    # and its card (which `sprint validate` re-renders to compare) must not differ.
    with_everything = render_card(repro).text
    for run in latest_set(repro):
        run.model_path.unlink()
        shutil.rmtree(run.path / "logs")
    fresh = render_card(repro).text
    assert fresh == with_everything
    assert "- tensorboard" in fresh and "the median run of the set" in fresh


def test_an_example_of_ones_own_is_not_credited_to_keras_io(tmp_path, monkeypatch):
    # The bundled demo is our own tutobook: its card names its authors, never Keras.io.
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    own = Source(kind="tutobook", path="examples/waveform_classifier.py")
    repro = write_publishable(
        tmp_path,
        VALUES,
        source=own,
        example=ExampleInfo(title="Waveforms", authors=[Author("keras-sprint maintainers")]),
    )
    text = card_text(repro)
    assert "Keras.io" not in text
    assert "| Reported by the example |" in text
    assert "- Original example: Waveforms by keras-sprint maintainers." in text
    from huggingface_hub import ModelCard

    card = ModelCard(text)
    assert "keras-io" not in card.data.tags
    reported, reproduced = card.data.eval_results  # no page to name: no source for the report
    assert (reported.source_name, reported.metric_name) == (None, "test accuracy (reported)")
    assert reproduced.source_name.startswith("keras-sprint reproduction")


def test_a_passing_reproduction_has_no_warning(repro):
    text = card_text(repro)
    assert "Not verified" not in text and "[!WARNING]" not in text
    assert "the reproduction **passes**" in text


def _top(text: str) -> str:
    """The first lines a reader sees under the metadata."""
    return "\n".join(text.split("\n---\n", 1)[1].splitlines()[:4])


def test_a_failing_check_is_said_plainly_at_the_top(tmp_path, monkeypatch):
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    repro = write_publishable(tmp_path, (0.90, 0.91, 0.92))
    text = card_text(repro)
    assert "**Not verified.** This reproduction does not pass its check: test accuracy" in _top(
        text
    )
    assert "the reproduction **fails**" in text and "| fail |" in text
    from huggingface_hub import ModelCard

    sources = [r.source_name for r in ModelCard(text).data.eval_results]
    assert "keras-sprint reproduction (fail)" in sources


def test_a_reproduction_without_runs_says_it_is_unverified(tmp_path, monkeypatch):
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    repro = write_publishable(tmp_path)
    for run_json in repro.glob("runs/*/run.json"):
        run_json.unlink()
    text = card_text(repro)
    assert "**Not verified.** This reproduction has no passing check (No runs found" in _top(text)
    assert "No run has been checked yet" in text and "| accuracy | test | 0.99 |" in text
    from huggingface_hub import ModelCard

    assert [r.source_name for r in ModelCard(text).data.eval_results] == [
        "Keras.io: Simple MNIST convnet"
    ]


# -- contributor edits -------------------------------------------------------------------------


def test_free_text_survives_a_re_render_while_generated_parts_follow_the_runs(repro):
    text = card_text(repro)
    mine = "Use it to teach convolutions.\nNot for medical images.\n"
    text = re.sub(
        r"(<!-- sprint:free intended-uses -->\n).*?(<!-- /sprint:free -->)",
        lambda m: m[1] + mine + m[2],
        text,
        flags=re.S,
    )
    (repro / "README.md").write_text(text)
    assert not hand_edited(text)  # free sections are the contributor's: not an "edit"
    run = latest_set(repro)[0]
    metrics = json.loads((run.path / "metrics.json").read_text())
    metrics["final"]["test"]["accuracy"] = 0.9931
    (run.path / "metrics.json").write_text(json.dumps(metrics))
    again = card_text(repro)
    assert free_sections(again)["intended-uses"] == mine
    assert "0.9931" in again  # the results table was regenerated


def test_an_edit_outside_free_sections_is_never_overwritten_without_force(repro, capsys):
    text = card_text(repro).replace("## Training data", "## Training data (my notes)")
    (repro / "README.md").write_text(text)
    assert main(["card", repro.name]) == 2
    err = capsys.readouterr().err
    assert "edited outside its free-text sections" in err and "--force" in err
    assert (repro / "README.md").read_text() == text
    assert main(["card", repro.name, "--force"]) == 0
    assert "(my notes)" not in (repro / "README.md").read_text()
    (backup,) = (repro / ".backup").glob("README.*.md")
    assert backup.read_text() == text


def test_a_hand_written_readme_is_not_replaced_without_force(repro):
    (repro / "README.md").write_text("# My own notes\n")
    with pytest.raises(CardError, match="not written by `sprint card`"):
        prepare_card(repro)
    write_card(repro, force=True)
    assert GENERATED_MARKER in (repro / "README.md").read_text()
    assert [p.read_text() for p in (repro / ".backup").glob("README.*.md")] == ["# My own notes\n"]


def test_re_rendering_an_unchanged_card_writes_nothing(repro, capsys):
    card_text(repro)
    stat = (repro / "README.md").stat()
    capsys.readouterr()
    assert main(["card", repro.name]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert (repro / "README.md").stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in repro.iterdir()) == ["README.md", "reproduction.toml", "runs"]


def test_stdout_prints_the_card_and_writes_nothing(repro, capsys):
    assert main(["card", repro.name, "--stdout"]) == 0
    assert capsys.readouterr().out.startswith("---\nlibrary_name: keras\n")
    assert not (repro / "README.md").exists()


def test_the_card_links_to_the_repository_it_will_be_pushed_to(repro, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.example:8080")
    text = render_card(repro, repo_id="keras-io/mnist-convnet").text
    assert 'load_model("hf://keras-io/mnist-convnet")' in text
    assert "url: http://hub.example:8080/keras-io/mnist-convnet" in text


def test_sprint_status_recognises_the_card(repro):
    from toolkit.status import is_generated_card

    card_text(repro)
    assert is_generated_card(repro / "README.md")


def test_an_unknown_reproduction_is_a_usage_error(repro, capsys):
    assert main(["card", "no_such_thing"]) == 2
    assert "No reproduction named 'no_such_thing'" in capsys.readouterr().err


def test_a_free_section_the_template_dropped_is_kept_under_other_notes(repro):
    text = card_text(repro)
    text = text.replace(
        "## Credits",
        "<!-- sprint:free thanks -->\nThanks to the reviewers.\n"
        "<!-- /sprint:free -->\n\n## Credits",
    )
    (repro / "README.md").write_text(text)
    again = render_card(repro, existing=text).text
    assert "## Other notes" in again
    assert free_sections(again)["thanks"] == "Thanks to the reviewers.\n"


def test_the_curves_image_resolves_next_to_the_readme(repro):
    text = card_text(repro)
    (link,) = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert (repro / link).is_file()  # in the sprint repository; push uploads the same path


@pytest.fixture
def scaffolded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reproduction made by the real `sprint new` (README.md is its contributor notes)."""
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    example = Path(__file__).resolve().parents[1] / "examples" / "waveform_classifier.py"
    assert main(["new", str(example), "--slug", "waveform"]) == 0
    return tmp_path / "reproductions" / "waveform"


def test_the_notes_sprint_new_wrote_are_replaced_by_the_card(scaffolded, capsys):
    notes = (scaffolded / "README.md").read_text()
    assert main(["card", "waveform"]) == 0
    text = (scaffolded / "README.md").read_text()
    assert text != notes and GENERATED_MARKER in text


def test_edited_notes_from_sprint_new_are_not_replaced_without_force(scaffolded, capsys):
    readme = scaffolded / "README.md"
    readme.write_text(readme.read_text() + "\nMy findings so far.\n")
    assert main(["card", "waveform"]) == 2
    assert "My findings so far." in readme.read_text()
    assert main(["card", "waveform", "--stdout"]) == 0  # printing never needs --force
    assert "My findings so far." in readme.read_text()


def test_a_metric_the_runs_never_recorded_is_named_in_the_warning(repro):
    manifest = Manifest.load(repro)
    manifest.metrics[0].name = "top_5_accuracy"
    manifest.save(repro)
    top = _top(card_text(repro))
    assert "**Not verified.** This reproduction has no passing check (test top_5_accuracy" in top
    assert "did not record it" in top
