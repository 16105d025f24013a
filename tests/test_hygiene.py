"""The hygiene item of `sprint validate`: nothing secret or heavy is committed, now or before.

Each test builds a small sprint root (a reproduction ``x`` and its Space) in ``tmp_path``,
as a git repository or as a plain folder, and calls the checklist item.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from toolkit import hygiene
from toolkit.hygiene import content_kind
from toolkit.redact import HF_TOKEN_PATTERN, SECRET_PATTERNS, redact
from toolkit.validate import Context, Item, check_hygiene

REPO = Path(__file__).resolve().parents[1]
SLUG = "x"
TOKEN = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"  # the shape of a Hub token, not a real one
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(range(256)) * 4


# -- building roots ------------------------------------------------------------------------------
def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A plain folder (not a git repository) with a clean reproduction and Space: the
    project's .gitignore, committed-style run artifacts, a plot, a tiny CSV example."""
    root = tmp_path / "root"
    repro, space = root / "reproductions" / SLUG, root / "spaces" / SLUG
    (repro / "runs" / "r1" / "logs").mkdir(parents=True)
    (space / "examples").mkdir(parents=True)
    (root / ".gitignore").write_text((REPO / ".gitignore").read_text())
    (repro / "sprint.toml").write_text('[example]\ntitle = "x"\n')
    (repro / "train.py").write_text("from huggingface_hub import hf_hub_download\n")
    (repro / "runs" / "r1" / "metrics.json").write_text(json.dumps({"final": {}}))
    (repro / "runs" / "r1" / "curves.png").write_bytes(PNG)
    (space / "app.py").write_text("import os\nMODEL = os.environ.get('MODEL', 'hf_xet')\n")
    (space / "examples" / "rows.csv").write_text("a,b\n1,2\n")
    return root


@pytest.fixture()
def repo(root: Path) -> Path:
    """The same root as a git repository with one commit."""
    git(root, "init", "-q")
    commit(root, "start")
    return root


def hygiene_of(root: Path) -> Item:
    return check_hygiene(Context(root, SLUG))


def text_of(item: Item) -> str:
    return " ".join([item.reason, *item.details])


# -- content, whatever the name ------------------------------------------------------------------
def hdf5_bytes() -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_dataset("kernel", data=np.zeros((4, 4), "float32"))
    return buffer.getvalue()


def keras_zip() -> bytes:
    """A zip laid out as keras.saving writes a .keras file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        archive.writestr("config.json", json.dumps({"class_name": "Sequential"}))
        archive.writestr("model.weights.h5", hdf5_bytes())
    return buffer.getvalue()


def npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.arange(10))
    return buffer.getvalue()


def npz_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, kernel=np.arange(10))
    return buffer.getvalue()


def safetensors_bytes() -> bytes:
    header = json.dumps({"kernel": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})
    return struct.pack("<Q", len(header)) + header.encode() + bytes(8)


HIDDEN_WEIGHTS = {
    "model.bin": keras_zip(),
    "model.bak": keras_zip(),
    "weights.dat": hdf5_bytes(),
    "classifier.pkl": pickle.dumps({"coef": [1.0, 2.0]}, protocol=2),
    "scaler.joblib": pickle.dumps([1, 2, 3], protocol=5),
    "state.dat": pickle.dumps({"w": list(range(5))}, protocol=4),
    "saved/variables/variables.data-00000-of-00001": bytes(64),
    "saved/saved_model.pb": b"\x08\x01\x12\x04",
    "arrays.dat": npy_bytes(),
    "arrays2.dat": npz_bytes(),
    "tensors.dat": safetensors_bytes(),
}


@pytest.mark.parametrize("name", sorted(HIDDEN_WEIGHTS))
def test_weights_are_found_by_content_or_savedmodel_name(root: Path, name: str) -> None:
    path = root / "reproductions" / SLUG / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(HIDDEN_WEIGHTS[name])
    item = hygiene_of(root)
    assert item.status == "fail"
    assert f"reproductions/{SLUG}/{name}: " in text_of(item) and "model weights" in text_of(item)


def test_each_kind_is_named() -> None:
    kinds = {
        name: content_kind(name, data[: hygiene.HEAD_BYTES], len(data))
        for name, data in HIDDEN_WEIGHTS.items()
    }
    assert "Keras model" in kinds["model.bin"][1]
    assert "HDF5" in kinds["weights.dat"][1]
    assert "pickle" in kinds["state.dat"][1]
    assert "safetensors" in kinds["tensors.dat"][1]
    assert "SavedModel" in kinds["saved/variables/variables.data-00000-of-00001"][1]


def test_a_large_binary_is_flagged_but_a_large_image_is_not(root: Path) -> None:
    folder = root / "reproductions" / SLUG
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(2 * 1024 * 1024))
    assert hygiene_of(root).status == "pass"
    (folder / "blob.raw").write_bytes(os.urandom(1024) + bytes(2 * 1024 * 1024))
    item = hygiene_of(root)
    assert item.status == "fail" and "blob.raw: a 2.1 MB binary file" in text_of(item)
    assert "photo.jpg" not in text_of(item)


def test_small_legitimate_files_pass(root: Path) -> None:
    """Plots, JSON, TOML, code and a tiny CSV example: the fixture's files, all clean."""
    item = hygiene_of(root)
    assert item.status == "pass", item.details
    assert "6 file(s)" in item.reason


def test_a_zip_of_anything_else_is_a_data_file(root: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.csv", "a,b\n1,2\n")
    (root / "spaces" / SLUG / "examples" / "data.bin").write_bytes(buffer.getvalue())
    item = hygiene_of(root)
    assert item.status == "fail" and "data.bin: a zip archive: a data file" in text_of(item)


# -- secrets -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        f"my_hf_{TOKEN[3:]}",
        f"HF_TOKEN={TOKEN}",
        f"token='{TOKEN}'",
        f"x{TOKEN}",
        f"url = 'https://user:{TOKEN}@huggingface.co'",
    ],
)
def test_a_token_is_found_wherever_it_sits(text: str) -> None:
    assert HF_TOKEN_PATTERN.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "from huggingface_hub import hf_hub_download",
        "hf_xet",
        "hf_transfer",
        "HF_HUB_ENABLE_HF_TRANSFER",
        "hf_" + "x" * 34,
        "hf_" + "X" * 34,
        "hf_hub_download_and_cache_everything_for_offline_use",
    ],
)
def test_names_and_placeholders_are_not_tokens(text: str) -> None:
    assert not any(pattern.search(text) for pattern in SECRET_PATTERNS.values())


def test_other_keys_are_found_after_an_underscore() -> None:
    assert SECRET_PATTERNS["AWS access key id"].search("KEY_AKIAABCDEFGHIJKLMNOP")
    assert SECRET_PATTERNS["GitHub token"].search("my_ghp_" + "a1B2" * 9)


def test_redact_keeps_the_prefix_only() -> None:
    text = redact(f"401 for my_hf_{TOKEN[3:]} and KEY=AKIAABCDEFGHIJKLMNOP")
    assert TOKEN[3:] not in text and "AKIAABCDEFGHIJKLMNOP" not in text
    assert "my_hf_***" in text and "AKIA***" in text
    assert redact("Bearer s3cret-value!", known=["s3cret-value!"]) == "Bearer ***"


def test_an_embedded_token_fails_the_item_without_being_printed(root: Path) -> None:
    (root / "reproductions" / SLUG / "notes.md").write_text(f"a\nexport my_hf_{TOKEN[3:]}\n")
    item = hygiene_of(root)
    assert item.status == "fail"
    assert f"reproductions/{SLUG}/notes.md:2: looks like a Hugging Face token" in text_of(item)
    assert TOKEN[3:] not in text_of(item)


# -- git history ---------------------------------------------------------------------------------
def test_a_secret_removed_from_the_files_is_still_found_in_history(repo: Path) -> None:
    notes = repo / "reproductions" / SLUG / "notes.txt"
    notes.write_text(f"token = {TOKEN}\n")
    leaked = commit(repo, "oops")
    notes.write_text("token = (from the environment)\n")
    commit(repo, "remove it")
    item = hygiene_of(repo)
    assert item.status == "fail"
    (line,) = item.details
    assert line.startswith(
        f"reproductions/{SLUG}/notes.txt:1 (history only, committed in "
        f"{leaked[:10]}): looks like a Hugging Face token"
    )
    assert "git filter-repo --replace-text" in line and TOKEN not in line


def test_weights_deleted_later_are_found_in_history(repo: Path) -> None:
    weights = repo / "spaces" / SLUG / "model.bin"
    weights.write_bytes(keras_zip())
    added = commit(repo, "ship the model")
    weights.unlink()
    commit(repo, "drop it")
    item = hygiene_of(repo)
    assert item.status == "fail"
    assert f"spaces/{SLUG}/model.bin (history only, committed in {added[:10]}): a Keras" in text_of(
        item
    )
    assert f"git filter-repo --invert-paths --path spaces/{SLUG}/model.bin" in text_of(item)


def test_history_on_another_branch_counts(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "reproductions" / SLUG / "w.h5").write_bytes(hdf5_bytes())
    commit(repo, "weights on a side branch")
    git(repo, "checkout", "-q", "-")
    assert "history only" in text_of(hygiene_of(repo))


def test_a_current_problem_is_reported_once_and_history_elsewhere_is_ignored(repo: Path) -> None:
    (repo / "reproductions" / SLUG / "notes.txt").write_text(f"token = {TOKEN}\n")
    (repo / "other").mkdir()
    (repo / "other" / "secret.txt").write_text(f"{TOKEN}\n")
    commit(repo, "a token, still there")
    item = hygiene_of(repo)
    assert item.status == "fail" and len(item.details) == 1
    assert "history only" not in item.details[0] and "notes.txt:1" in item.details[0]


def test_clean_history_passes_and_says_it_was_read(repo: Path) -> None:
    (repo / "reproductions" / SLUG / "train.py").write_text("print('v2')\n")
    commit(repo, "v2")
    item = hygiene_of(repo)
    assert item.status == "pass", item.details
    assert "1 earlier version(s) in the git history" in item.reason


# -- a root that is not a git repository ---------------------------------------------------------
def test_runs_are_scanned_outside_git(root: Path) -> None:
    (root / "reproductions" / SLUG / "runs" / "r1" / "env.json").write_text(
        json.dumps({"command": f"HF_TOKEN={TOKEN} sprint run x"})
    )
    item = hygiene_of(root)
    assert item.status == "fail"
    assert f"reproductions/{SLUG}/runs/r1/env.json:1: looks like a Hugging Face token" in text_of(
        item
    )
    assert "not a git repository" in item.reason


def test_outside_git_what_gitignore_ignores_is_skipped(root: Path) -> None:
    run = root / "reproductions" / SLUG / "runs" / "r1"
    (run / "model.keras").write_bytes(keras_zip())  # ignored by the project's .gitignore
    (run / "logs" / "events.out.tfevents.1").write_bytes(bytes(2 * 1024 * 1024))
    item = hygiene_of(root)
    assert item.status == "pass", item.details
    (run / "weights.h5").write_bytes(hdf5_bytes())  # no rule ignores it
    item = hygiene_of(root)
    assert item.status == "fail" and [d.split(":")[0] for d in item.details] == [
        f"reproductions/{SLUG}/runs/r1/weights.h5"
    ]


def test_outside_git_without_a_gitignore_every_file_counts(root: Path) -> None:
    (root / ".gitignore").unlink()
    (root / "reproductions" / SLUG / "runs" / "r1" / "model.keras").write_bytes(keras_zip())
    assert "runs/r1/model.keras" in text_of(hygiene_of(root))


def test_without_the_git_program_every_file_counts(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (root / "reproductions" / SLUG / "runs" / "r1" / "model.keras").write_bytes(keras_zip())
    monkeypatch.setattr(hygiene.shutil, "which", lambda name: None)
    monkeypatch.setenv("PATH", "")
    item = hygiene_of(root)
    assert "no git program" in item.reason and "runs/r1/model.keras" in text_of(item)


def test_the_history_scan_is_bounded_and_says_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version in ("v2", "v3"):
        (repo / "reproductions" / SLUG / "train.py").write_text(f"print('{version}')\n")
        commit(repo, version)
    monkeypatch.setattr(hygiene, "MAX_HISTORY_BLOBS", 1)
    item = hygiene_of(repo)
    assert item.status == "warn"
    assert item.details == [
        "the history holds 2 other blobs under these folders; only 1 were scanned"
    ]
