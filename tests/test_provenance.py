"""Provenance: the hashes a run records of the code it ran and the targets it was judged by."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from toolkit.manifest import Manifest, Metric
from toolkit.provenance import code_hashes, provenance, targets_digest


def metric(**changes) -> Metric:
    base = Metric(name="accuracy", split="test", value=0.99, tolerance=0.01)
    return dataclasses.replace(base, **changes)


def test_the_targets_digest_moves_with_every_field_that_decides_a_verdict():
    base = targets_digest([metric()])
    assert targets_digest([metric()]) == base
    for change in (
        {"value": 0.98},
        {"tolerance": 0.02},
        {"direction": "lower"},
        {"tolerance_kind": "relative"},
        {"split": "validation"},
        {"required": False},
        {"qualifier": "at_least"},
        {"run_key": "acc"},
    ):
        assert targets_digest([metric(**change)]) != base, change


def test_the_targets_digest_ignores_what_does_not_decide_a_verdict():
    assert targets_digest([metric(sentence="other words", reason="why")]) == targets_digest(
        [metric()]
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_code_hashes_follow_the_scripts_local_imports(tmp_path):
    write(tmp_path, "train.py", "import os\nimport helpers\nfrom layers.blocks import Block\n")
    write(tmp_path, "helpers.py", "from custom_objects import CUSTOM_OBJECTS\n")
    write(tmp_path, "custom_objects.py", "CUSTOM_OBJECTS = {}\n")
    write(tmp_path, "layers/__init__.py", "")
    write(tmp_path, "layers/blocks.py", "class Block: ...\n")
    write(tmp_path, "unused.py", "x = 1\n")
    hashes = code_hashes(tmp_path, "train.py")
    assert sorted(hashes) == ["custom_objects.py", "helpers.py", "layers/blocks.py", "train.py"]
    before = hashes["custom_objects.py"]
    write(tmp_path, "custom_objects.py", "CUSTOM_OBJECTS = {'x': 1}\n")
    assert code_hashes(tmp_path, "train.py")["custom_objects.py"] != before


def test_provenance_of_a_committed_reproduction():
    folder = Path(__file__).resolve().parents[1] / "reproductions" / "mnist_convnet"
    record = provenance(folder, Manifest.load(folder))
    assert len(record["script_sha256"]) == 64
    assert record["code_sha256"]["train.py"] == record["script_sha256"]
    assert record["targets_sha256"] == targets_digest(Manifest.load(folder).metrics)
    assert [t["name"] for t in record["targets"]] == [m.name for m in Manifest.load(folder).metrics]
