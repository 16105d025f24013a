"""Hostile but fair input gets a message, never a traceback (issue 13): manifest values of
the wrong type or out of range, run files that are not what the harness writes, a project
the operating system will not let us write, non-finite figures in JSON output.

The run folders written here are fixture data for the checker, not results of training.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from check_fixtures import write_reproduction, write_set

import toolkit.scaffold
from toolkit.cli import main

SLUG = "mnist_convnet"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "waveform_classifier.py"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    return tmp_path


def answer(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    text = " ".join((out + err).split())
    assert "Traceback" not in text and "internal error" not in text
    return code, text


def edit_manifest(folder: Path, old: str, new: str) -> None:
    path = folder / "reproduction.toml"
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new, 1))


# -- the manifest: one type check over every field, then allowed values and paths -------------


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("seeds = 1", 'seeds = "3"', "seeds = '3' is not an integer (unquoted)"),
        ("seeds = 1", "seeds = 0", "seeds = 0 is not a positive count"),
        ("tolerance = 0.01", "tolerance = nan", "tolerance = nan is not a finite number"),
        ("value = 0.99", "value = inf", "value = inf is not a finite number"),
        ("required = true", 'required = "false"', "required = 'false' is not true or false"),
        ('kind = "unknown"', 'kind = "banana"', "kind = 'banana' is no task kind"),
        ('script = "train.py"', 'script = "../../outside.py"', "leaves the reproduction folder"),
        ('script = "train.py"', 'script = "/etc/passwd"', "is an absolute path"),
        ('script = "train.py"', 'script = ""', "script is empty"),
        ('training = "fit"', 'training = "maybe"', "training = 'maybe' is not one of fit, custom"),
        ('backend = "any"', 'backend = "tf"', "backend = 'tf' is not one of any, tensorflow"),
        ("schema_version = 1", "schema_version = 2", "schema_version = 2 is not a version"),
        ('kind = "tutobook"', 'kind = "banana"', "kind = 'banana' is not one of tutobook"),
        ("requirements = []", "requirements = [1, 2]", "is not a list of strings"),
    ],
)
def test_a_manifest_value_of_the_wrong_kind_is_named(root, capsys, old, new, said):
    folder = write_reproduction(root)
    write_set(folder, "set", [0.99])
    edit_manifest(folder, old, new)
    for command in (
        ["check", SLUG],
        ["card", SLUG, "--stdout"],
        ["validate", SLUG, "--no-smoke", "--format", "json"],
    ):
        code, text = answer(capsys, *command)
        assert code in (1, 2), command  # validate reports it as its failed manifest item
        assert said in text, (command, text)
        assert str(folder / "reproduction.toml") in text


def test_an_array_where_a_table_belongs_is_named(root, capsys):
    folder = write_reproduction(root)
    path = folder / "reproduction.toml"
    path.write_text(path.read_text().replace("[[metrics]]", "[metrics]", 1))
    code, text = answer(capsys, "check", SLUG)
    assert code == 2 and "metrics is a table, not an array of tables" in text


# -- run files: read as the harness writes them, or refused by name ---------------------------


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("run.json", "[1, 2]", "run.json holds list where the harness writes a JSON object"),
        ("run.json", '"complete"', "run.json holds str where the harness writes a JSON object"),
        ("metrics.json", "[]", "metrics.json holds list where the harness writes a JSON object"),
        ("env.json", "3", "env.json holds int where the harness writes a JSON object"),
        ("metrics.json", "{not json", "metrics.json is not valid JSON"),
    ],
)
def test_a_run_file_that_is_no_json_object_is_named(root, capsys, name, content, said):
    folder = write_reproduction(root)
    [run_id] = write_set(folder, "set", [0.99])
    path = folder / "runs" / run_id / name
    path.write_text(content)
    code, text = answer(capsys, "check", SLUG)
    assert code == 2 and said in text and str(path) in text
    assert "git checkout --" in text
    code, text = answer(capsys, "status")
    assert said in text or path.name in text  # one row says it; the others still show


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("seed", "0", "seed = '0' is not an integer"),
        ("status", 5, "status = 5 is not a string"),
        ("status", "finished", "status = 'finished' is not one of running, complete"),
        ("smoke", "no", "smoke = 'no' is not true or false"),
    ],
)
def test_a_run_json_value_of_the_wrong_kind_is_named(root, capsys, field, value, said):
    folder = write_reproduction(root)
    [run_id] = write_set(folder, "set", [0.99])
    path = folder / "runs" / run_id / "run.json"
    info = json.loads(path.read_text())
    path.write_text(json.dumps({**info, field: value}))
    code, text = answer(capsys, "check", SLUG)
    assert code == 2 and said in text and str(path) in text


def test_json_output_holds_no_nan_for_a_non_finite_figure(root, capsys):
    folder = write_reproduction(root, seeds=2)
    for seed, value in enumerate([float("nan"), float("inf")]):
        write_set(folder, "set", [0.99, 0.99])
        path = folder / "runs" / f"set-s{seed}" / "metrics.json"
        metrics = json.loads(path.read_text())
        metrics["final"]["test"]["accuracy"] = value
        path.write_text(json.dumps(metrics))  # Python writes NaN and Infinity
    assert main(["check", SLUG, "--format", "json"]) == 1
    out = capsys.readouterr().out

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON output")

    document = json.loads(out, parse_constant=refuse)
    [metric] = document["reports"][0]["metrics"]
    assert metric["verdict"] == "fail" and metric["mean"] is None


# -- the operating system says no ---------------------------------------------------------------


def test_a_project_that_cannot_be_written_gets_a_message_and_no_folder(root, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(root / "reproductions"))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    code, text = answer(capsys, "new", str(EXAMPLE), "--slug", "waves")
    assert code == 2
    assert f"refused an operation on {root / 'reproductions'} (Permission denied)" in text
    assert "chmod u+w" in text and "SPRINT_ROOT" in text
    assert not (root / "reproductions" / "waves").exists()


def test_a_file_where_the_reproductions_folder_belongs_is_named(root, capsys):
    (root / "reproductions").write_text("not a folder")
    code, text = answer(capsys, "new", str(EXAMPLE), "--slug", "waves")
    assert code == 2 and str(root / "reproductions") in text and "move it away" in text


def test_force_into_an_unwritable_folder_keeps_the_contributors_edit(root, capsys, monkeypatch):
    assert main(["new", str(EXAMPLE), "--slug", "waves"]) == 0
    train = root / "reproductions" / "waves" / "train.py"
    train.write_text(train.read_text() + "\n# my edit\n")
    capsys.readouterr()

    def refuse(path, text):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(toolkit.scaffold, "atomic_write_text", refuse)
    code, text = answer(capsys, "new", str(EXAMPLE), "--slug", "waves", "--force")
    assert code == 2 and "Permission denied" in text
    kept = [p for p in train.parent.rglob("train.py") if "# my edit" in p.read_text()]
    assert kept, "the contributor's edit was lost"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_reproductions_folder_is_refused_plainly(root, capsys):
    (root / "reproductions").mkdir(mode=0o555)
    try:
        code, text = answer(capsys, "new", str(EXAMPLE), "--slug", "waves")
    finally:
        (root / "reproductions").chmod(0o755)
    assert code == 2 and "Permission denied" in text


def test_every_task_kind_sprint_new_infers_loads_back() -> None:
    from toolkit.facts import _DATASET_TASKS, _TASK_RULES
    from toolkit.task_kinds import is_known_kind

    inferred = {task for task, _ in _TASK_RULES} | set(_DATASET_TASKS.values())
    assert [kind for kind in sorted(inferred) if not is_known_kind(kind)] == []
    assert is_known_kind("similarity_learning") and not is_known_kind("banana")
