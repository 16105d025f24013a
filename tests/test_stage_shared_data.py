"""scripts/stage_shared_data.sh: which `sprint data add` calls it makes, with a stub sprint."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "stage_shared_data.sh"
FASHION_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FASHION_FILES = [
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
]


def stage(tmp_path: Path, fashion: Path) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    shared = tmp_path / "shared"
    (shared / "mnist").mkdir(parents=True)
    (shared / "mnist" / "mnist.npz").write_bytes(b"mnist")
    digest = hashlib.sha256(b"mnist").hexdigest()
    (shared / "SHA256SUMS").write_text(f"{digest}  mnist/mnist.npz\n")
    calls = tmp_path / "calls.txt"
    stub = tmp_path / "sprint"
    stub.write_text(f'#!/usr/bin/env bash\necho "$*" >> "{calls}"\n')
    stub.chmod(0o755)
    env = {**os.environ, "SHARED_DATA": str(shared), "SPRINT": str(stub)}
    env["FASHION_MNIST"] = str(fashion)
    done = subprocess.run(
        ["bash", str(SCRIPT), "--copy"], env=env, capture_output=True, text=True, check=False
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    return done, [line.split() for line in lines]


def test_fashion_mnist_staged_under_the_keras_base_url(tmp_path):
    fashion = tmp_path / "fashion-mnist"
    fashion.mkdir()
    done, calls = stage(tmp_path, fashion)
    assert done.returncode == 0, done.stderr
    staged = {call[2]: call[3] for call in calls if call[2].endswith("ubyte.gz")}
    assert staged == {FASHION_BASE + name: str(fashion / name) for name in FASHION_FILES}
    assert all(call[:2] == ["data", "add"] and call[-1] == "--copy" for call in calls)
    assert any(call[2].endswith("/mnist.npz") for call in calls)  # the shared list still runs


def test_missing_fashion_folder_is_a_note(tmp_path):
    done, calls = stage(tmp_path, tmp_path / "absent")
    assert done.returncode == 0, done.stderr
    assert "Fashion-MNIST not staged" in done.stderr
    assert not [call for call in calls if call[2].endswith("ubyte.gz")]
