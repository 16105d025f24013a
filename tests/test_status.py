"""``sprint status``: stages, figures and verdicts collected from the repository's artifacts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from status_fixtures import (
    STAGE_ORDER,
    build,
    write_card,
    write_full_set,
    write_manifest,
    write_run,
)

from toolkit.cli import main
from toolkit.commands import status as status_cmd
from toolkit.manifest import Metric
from toolkit.status import STEPS, ReproductionStatus, collect, summary


@pytest.fixture
def sprint_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty sprint repository, used as the project root by the CLI."""
    (tmp_path / "reproductions").mkdir()
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    return tmp_path


@pytest.fixture
def every_stage(sprint_root: Path) -> Path:
    """One reproduction per stage, slug ``s<i>_<stage>``."""
    for i, stage in enumerate(STAGE_ORDER):
        build(sprint_root, slug_for(i, stage), stage)
    return sprint_root


def slug_for(i: int, stage: str) -> str:
    return f"s{i}_{stage.replace('-', '_')}"


def status_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict]:
    assert main(["status", "--json", *extra]) == 0
    return {row["slug"]: row for row in json.loads(capsys.readouterr().out)}


# -- stages --------------------------------------------------------------------------


def test_every_stage_is_recognised(every_stage: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = status_json(capsys)
    assert [rows[slug_for(i, s)]["stage"] for i, s in enumerate(STAGE_ORDER)] == list(STAGE_ORDER)
    assert rows[slug_for(0, "scaffolded")]["verdict"] == "no-run"
    assert rows[slug_for(1, "smoke-ok")]["verdict"] == "no-run"
    assert rows[slug_for(1, "smoke-ok")]["smoke_runs"] == 1
    assert rows[slug_for(3, "reproduced-fail")]["verdict"] == "fail"
    for i, stage in enumerate(STAGE_ORDER):
        steps = rows[slug_for(i, stage)]["steps"]
        assert list(steps) == list(STEPS)
        assert steps["scaffolded"]
        assert steps["smoke_ok"] == (i >= 1)
        assert steps["reproduced"] == (i >= 2)
        assert steps["carded"] == (i >= STAGE_ORDER.index("carded"))
        assert steps["space_pushed"] == (stage == "space-pushed")


def test_a_later_stage_keeps_a_failing_verdict(sprint_root: Path) -> None:
    folder = write_manifest(sprint_root, "carded_but_failing")
    write_full_set(folder, [0.90, 0.91, 0.92])  # the 3 seeds the manifest asks for
    write_card(folder)
    (row,) = collect(sprint_root)
    assert (row.stage, row.verdict) == ("carded", "fail")
    assert row.steps["carded"] and row.steps["reproduced"]


def test_failed_full_run_is_not_reproduced(sprint_root: Path) -> None:
    folder = write_manifest(sprint_root, "crashed")
    write_run(folder, "smoke", group="smoke", smoke=True, started="2025-01-01")
    write_run(folder, "full", group="full", status="failed", started="2025-01-02")
    (row,) = collect(sprint_root)
    assert (row.stage, row.verdict, row.runs) == ("smoke-ok", "no-run", 0)


def test_hand_written_readme_is_not_a_card(sprint_root: Path) -> None:
    folder = build(sprint_root, "handmade", "reproduced-pass")
    (folder / "README.md").write_text("# My notes\nNot rendered by sprint card.\n")
    (row,) = collect(sprint_root)
    assert row.stage == "reproduced-pass"
    assert not row.steps["carded"]


def test_card_rendered_by_sprint_card_counts(sprint_root: Path) -> None:
    from toolkit.card import write_card as render_and_write_card

    folder = build(sprint_root, "real_card", "reproduced-pass")
    render_and_write_card(folder)
    (row,) = collect(sprint_root)
    assert (row.stage, row.steps["carded"]) == ("carded", True)


def test_checker_error_shows_its_reason(sprint_root: Path) -> None:
    optional = Metric(name="accuracy", split="test", value=0.99, required=False)
    folder = sprint_root / "reproductions" / "nothing_required"
    from toolkit.manifest import Manifest

    Manifest(slug="nothing_required", metrics=[optional]).save(folder)
    write_full_set(folder, [0.99])
    (row,) = collect(sprint_root)
    assert (row.stage, row.verdict) == ("reproduced-fail", "error")
    assert "no required metric" in row.verdict_note


# -- figures -------------------------------------------------------------------------


def test_json_reports_reported_and_reproduced_figures(
    every_stage: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = status_json(capsys)
    passing = rows[slug_for(2, "reproduced-pass")]
    (metric,) = passing["metrics"]
    assert metric["key"] == "test/accuracy" and metric["reported"] == 0.99
    assert metric["values"] == [0.991, 0.989, 0.990]
    assert metric["mean"] == pytest.approx(0.990)
    assert metric["std"] == pytest.approx(0.001)
    assert (metric["verdict"], metric["low"], metric["high"]) == ("pass", pytest.approx(0.98), None)
    assert "mean 0.99 over 3 seeds" in metric["note"]
    assert passing["seeds"] == [0, 1, 2] and passing["runs"] == 3
    assert passing["run_group"] == "g1" and passing["backend"] == "jax"
    assert passing["hardware"] == "NVIDIA H100 80GB HBM3 (fixture)"
    assert passing["curves"] == "reproductions/s2_reproduced_pass/runs/g1-s0/curves.png"

    failing = rows[slug_for(3, "reproduced-fail")]
    (metric,) = failing["metrics"]
    assert metric["values"] == [0.95, 0.96, 0.94]
    assert metric["mean"] == pytest.approx(0.95) and metric["verdict"] == "fail"
    assert failing["hardware"] == "CPU (fixture)"

    unrun = rows[slug_for(0, "scaffolded")]["metrics"][0]
    assert (unrun["reported"], unrun["mean"], unrun["values"], unrun["verdict"]) == (
        0.99,
        None,
        [],
        "",
    )


def test_json_keys_are_the_documented_ones(
    every_stage: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = status_json(capsys)[slug_for(7, "space-pushed")]
    documented = set(re.findall(r"[a-z_]+", status_cmd.__doc__.split("JSON (--json)")[1]))
    assert set(row) <= documented
    assert set(row["metrics"][0]) <= documented
    assert set(row["steps"]) <= documented
    assert set(row) == set(ReproductionStatus.__dataclass_fields__)


def test_links_point_at_keras_io_the_hub_and_the_space(
    every_stage: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = slug_for(7, "space-pushed")
    links = status_json(capsys)[slug]["links"]
    assert links == {
        "example": f"https://keras.io/examples/vision/{slug}/",
        "hub": f"https://huggingface.co/keras-io/{slug}",
        "hub_commit": f"https://huggingface.co/keras-io/{slug}/commit/"
        "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        "space": f"https://huggingface.co/spaces/keras-io/{slug}-demo",
        "space_commit": f"https://huggingface.co/spaces/keras-io/{slug}-demo/commit/"
        + "f00dfeed" * 5,
    }
    monkeypatch.setenv("HF_ENDPOINT", "http://localhost:5564/")
    assert status_json(capsys)[slug]["links"]["hub"] == f"http://localhost:5564/keras-io/{slug}"


def test_non_finite_values_keep_the_json_valid(
    sprint_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build(sprint_root, "diverged", "reproduced-pass")
    metrics = folder / "runs" / "g1-s1" / "metrics.json"
    metrics.write_text(metrics.read_text().replace('"accuracy": 0.989', '"accuracy": NaN'))
    assert main(["status", "--json"]) == 0

    def reject(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    (row,) = json.loads(capsys.readouterr().out, parse_constant=reject)
    (metric,) = row["metrics"]
    assert metric["values"] == [0.991, None, 0.990]
    assert (metric["mean"], metric["verdict"], row["verdict"]) == (None, "fail", "fail")


def test_example_link_falls_back_to_the_keras_io_page(sprint_root: Path) -> None:
    from toolkit.manifest import ExampleInfo, Manifest, Source

    Manifest(
        slug="local",
        source=Source(path="examples/local.py"),
        example=ExampleInfo(category="vision", name="mnist_convnet"),
    ).save(sprint_root / "reproductions" / "local")
    Manifest(slug="nowhere", source=Source(path="nowhere.py")).save(
        sprint_root / "reproductions" / "nowhere"
    )
    local, nowhere = collect(sprint_root)
    assert local.links == {"example": "https://keras.io/examples/vision/mnist_convnet/"}
    assert nowhere.links == {}


# -- errors never stop the sheet ------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("slug = 'bad'\n[[metrics]\n", "not valid TOML"),
        ("slug = 'bad'\nsurprise = 1\n[example]\ntitel = 'x'\n", "Unknown key(s) titel"),
        (
            "slug = 'bad'\n[[metrics]]\nname = 'accuracy'\nsplit = 'test'\nvalue = 'high'\n",
            "is not a finite number",
        ),
        ("slug = 'bad'\nexample = 3\n", "malformed"),
        ("slug = 'Bad Slug!'\n", "not a valid reproduction name"),
    ],
)
def test_malformed_manifest_is_an_error_row(
    every_stage: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    bad = every_stage / "reproductions" / "bad"
    bad.mkdir()
    (bad / "reproduction.toml").write_text(text)
    rows = status_json(capsys)
    assert len(rows) == len(STAGE_ORDER) + 1
    assert rows["bad"]["stage"] == "error"
    assert expected in rows["bad"]["error"]


def test_folder_without_manifest_is_an_error_row(sprint_root: Path) -> None:
    (sprint_root / "reproductions" / "orphan" / "runs").mkdir(parents=True)
    (sprint_root / "reproductions" / ".hidden").mkdir()
    (row,) = collect(sprint_root)
    assert (row.slug, row.stage) == ("orphan", "error")
    assert "no reproduction.toml" in row.error


def test_undecodable_run_files_are_named_not_judged(sprint_root: Path) -> None:
    folder = build(sprint_root, "garbled", "reproduced-pass")
    build(sprint_root, "intact", "reproduced-pass")
    garbled = folder / "runs" / "g1-s1" / "metrics.json"
    garbled.write_bytes(b"\xff{not json")
    rows = {row.slug: row for row in collect(sprint_root)}
    assert str(garbled) in rows["garbled"].error and "git checkout --" in rows["garbled"].error
    assert rows["intact"].stage == "reproduced-pass" and not rows["intact"].error


# -- terminal table ------------------------------------------------------------------


def test_table_lists_every_reproduction_with_its_figures(every_stage: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None)
    status_cmd.print_table(collect(every_stage), console)
    text = console.export_text()
    for i, stage in enumerate(STAGE_ORDER):
        assert slug_for(i, stage) in text
        assert stage in text
    assert "test/accuracy 0.99 → 0.99±0.001 (n=3) ✓" in text
    assert "test/accuracy 0.99 → 0.95±0.01 (n=3) ✗" in text
    assert "test/accuracy 0.99 → ?" in text
    assert "NVIDIA H100 80GB HBM3 (fixture)" in text and "seeds 0, 1, 2" in text
    assert "hub @a1b2c3d" in text and "space @f00dfee" in text and "space (local)" in text
    assert "8 reproductions:" in text and "5 pass, 1 fail" in text


def test_table_does_not_interpret_markup_from_manifests(sprint_root: Path) -> None:
    from rich.console import Console

    bad = sprint_root / "reproductions" / "zz_bad"
    bad.mkdir()
    (bad / "reproduction.toml").write_text(
        "slug = 'zz_bad'\n[example]\ntitle = '[bold]x'\n"
        "[source]\nurl = '[red]boom[/red]'\nextra = 1\n"
    )
    console = Console(record=True, width=200, color_system=None)
    status_cmd.print_table(collect(sprint_root), console)
    assert "Unknown key(s) extra in [source]" in console.export_text()


def test_cli_prints_the_table(every_stage: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0  # not a terminal: 80 columns, one line each
    out = capsys.readouterr().out
    assert out.startswith("reproduction ") and "8 reproductions" in out
    assert main(["status", "--wide"]) == 0
    out = capsys.readouterr().out
    assert "Sprint status" in out and "8 reproductions" in out and "Details:" not in out


def test_empty_repository(sprint_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    assert "No reproductions yet" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--help"]) == 0
    out = capsys.readouterr().out
    assert "sprint status --html site/" in out and "--json" in out


def test_summary_counts(every_stage: Path) -> None:
    counts = summary(collect(every_stage))
    assert counts["total"] == 8 and counts["pass"] == 5 and counts["fail"] == 1
    assert all(counts[stage] == 1 for stage in STAGE_ORDER)


def test_collecting_imports_nothing_heavy(every_stage: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from toolkit.status import collect; "
        f"collect(Path({str(every_stage)!r})); import toolkit.commands.status; "
        "print(sorted(m for m in ('rich', 'jinja2', 'keras', 'numpy', 'matplotlib', "
        "'PIL', 'huggingface_hub', 'gradio', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_80_column_terminal_gets_one_line_per_reproduction(every_stage: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=80, color_system=None)
    rows = collect(every_stage)
    status_cmd.print_sheet(rows, console=console)
    lines = console.export_text().splitlines()
    assert all(len(line) <= 80 for line in lines), [ln for ln in lines if len(ln) > 80]
    for row in rows:  # its slug (cut with … when long) begins exactly one line
        starts = [ln for ln in lines if ln.startswith(row.slug[:21])]
        assert len(starts) == 1, (row.slug, starts)
    assert "Details: `sprint status --wide`" in lines[-1]
    assert any("accuracy 0.99 → 0.99±0.001 ✓" in ln for ln in lines)


def test_wide_shows_every_figure_even_in_80_columns(every_stage: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=80, color_system=None)
    status_cmd.print_sheet(collect(every_stage), wide=True, console=console)
    text = console.export_text()
    assert text.startswith("Sprint status") and "Details:" not in text
    assert "NVIDIA H100" in text  # the run column, only in the wide table


def test_a_reproduction_without_a_full_run_says_what_it_awaits(
    sprint_root: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from toolkit.manifest import DataSource, Manifest

    monkeypatch.delenv("SPRINT_DATA_DIR", raising=False)
    cifar = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    for slug, urls in (("swin", [cifar]), ("tabular", ["https://example.org/t.csv"])):
        folder = write_manifest(sprint_root, slug)
        manifest = Manifest.load(folder)
        manifest.data = [DataSource(kind="get_file", url=url) for url in urls]
        manifest.save(folder)
    write_manifest(sprint_root, "plain")
    rows = {r.slug: r for r in collect(sprint_root)}
    assert rows["swin"].awaiting == (
        f"awaiting a full run: the data mirror lacks {cifar} (smoke runs use generated "
        "stand-in data)"
    )
    assert rows["tabular"].awaiting.endswith("lacks https://example.org/t.csv")
    assert rows["plain"].awaiting == "awaiting a full run: `sprint run plain`"
    assert main(["status", "--json"]) == 0
    shown = {r["slug"]: r["awaiting"] for r in json.loads(capsys.readouterr().out)}
    assert shown["swin"] == rows["swin"].awaiting


def test_a_full_run_clears_what_it_awaited(sprint_root: Path) -> None:
    folder = write_manifest(sprint_root, "done")
    write_full_set(folder, [0.99, 0.99, 0.99])
    [row] = collect(sprint_root)
    assert row.awaiting == ""
