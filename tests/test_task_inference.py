"""What `sprint new` infers about the task from the code: the class names a classifier lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from example_fixtures import line_of, tutobook

from toolkit.cli import main
from toolkit.example import load_example, parse_example_text
from toolkit.manifest import Manifest

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "examples" / "waveform_classifier.py"


def classes(body: str) -> tuple[list[str], str]:
    example = parse_example_text(tutobook(body))
    return example.class_names, example.class_names_reason


def test_bundled_example_class_names_reach_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reproductions").mkdir()
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    assert main(["new", str(BUNDLED), "--slug", "waves"]) == 0
    folder = tmp_path / "reproductions" / "waves"
    task = Manifest.load(folder).task
    assert task.kind == "time-series-classification"
    assert task.class_names == ["sine", "square", "sawtooth"]
    line = line_of(BUNDLED.read_text(), "class_names = [")
    assert f"`class_names` on line {line}" in task.notes  # where it was found
    assert "sine, square, sawtooth" in (folder / "README.md").read_text()


def test_bundled_example_shows_its_class_names() -> None:
    example = load_example(BUNDLED)
    assert example.class_names == ["sine", "square", "sawtooth"]
    assert example.to_dict()["class_names"] == ["sine", "square", "sawtooth"]


@pytest.mark.parametrize(
    "body, names",
    [
        ('CLASS_NAMES = ("cat", "dog")\n', ["cat", "dog"]),
        ('labels: list[str] = ["neg", "pos"]\n', ["neg", "pos"]),
        ('label_names = ["a", "b", "c"]\n', ["a", "b", "c"]),
        ('classes = ["x", "y"]\n', ["x", "y"]),
    ],
)
def test_a_module_level_list_of_strings_names_the_classes(body: str, names: list[str]) -> None:
    found, reason = classes(body)
    assert found == names and "line" in reason


@pytest.mark.parametrize(
    "body",
    [
        'def f():\n    class_names = ["a", "b"]\n',  # not module level
        'class_names = [name for name in "ab"]\n',  # not literals
        'class_names = ["a", 1]\n',
        'class_names = ["only"]\n',  # one name is no classifier
        'class_names = sorted(os.listdir("data"))\n',
        'palette = ["red", "blue"]\n',  # another name
    ],
)
def test_anything_else_names_no_classes(body: str) -> None:
    assert classes(body) == ([], "")


def test_the_most_specific_name_wins_then_the_first_assignment() -> None:
    found, reason = classes("""
        labels = ["train", "validation"]
        class_names = ["cat", "dog"]
        class_names = ["other", "names"]
    """)
    assert found == ["cat", "dog"] and "`class_names`" in reason


def test_a_classifier_without_class_names_is_reported_as_not_inferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    source = tmp_path / "digits.py"
    source.write_text(
        tutobook(header='"""\nTitle: Image classification of digits\n"""\n', body="import keras\n")
    )
    (tmp_path / "reproductions").mkdir()
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    assert main(["new", str(source), "--slug", "digits"]) == 0
    assert Manifest.load(tmp_path / "reproductions" / "digits").task.class_names == []
    assert "set [task] class_names" in capsys.readouterr().out
