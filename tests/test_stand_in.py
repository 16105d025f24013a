"""Hermetic smoke runs: generated stand-ins for datasets the mirror lacks (CIFAR-100, IMDB).

One real harness smoke run loads every stand-in through the real Keras loaders and trains a
few steps on it; the tests then read what the run recorded. A full run of the same
reproduction must refuse to start, naming the missing URLs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness_fixtures import isolated_env, make_reproduction, read_json, run_quietly
from toolkit.errors import DataError
from toolkit.harness.standin import STAND_INS
from toolkit.manifest import DataSource

CIFAR = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
IMDB = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
ACLIMDB = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

SCRIPT = """\
import json, os, shutil
import keras
import numpy as np

(x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data()
shapes = {"cifar": [list(x_train.shape), str(x_train.dtype), list(y_train.shape),
                    int(y_train.max()), list(x_test.shape)]}
(s_train, l_train), _ = keras.datasets.imdb.load_data(num_words=2000, maxlen=200)
index = keras.datasets.imdb.get_word_index()
shapes["imdb"] = [len(s_train), int(max(max(s) for s in s_train)), s_train[0][0],
                  sorted(set(int(v) for v in l_train)), len(index)]
folder = keras.utils.get_file(
    "aclImdb_v1", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
    untar=True,
)
base = os.path.join(folder, "aclImdb") if os.path.isdir(os.path.join(folder, "aclImdb")) \\
    else folder
shutil.rmtree(os.path.join(base, "train", "unsup"))
reviews = keras.utils.text_dataset_from_directory(os.path.join(base, "train"), batch_size=8)
shapes["aclimdb"] = [reviews.class_names, int(sum(1 for _ in reviews.unbatch()))]
print("SHAPES " + json.dumps(shapes))

model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Rescaling(1 / 255),
                          keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(100)])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
"""


@pytest.fixture(scope="module")
def stand_in_smoke(tmp_path_factory) -> tuple[Path, Path]:
    """(reproduction folder, Keras home) after one smoke run on stand-ins only."""
    root = tmp_path_factory.mktemp("standin")
    data = [DataSource(kind="get_file", url=url) for url in (CIFAR, IMDB, ACLIMDB)]
    folder = make_reproduction(root, "no_data_here", SCRIPT, data=data, backend="tensorflow")
    (root / "mirror").mkdir()
    with isolated_env(root, SPRINT_DATA_DIR=str(root / "mirror")):
        [outcome] = run_quietly(folder, smoke=True, save_model=False)
        assert outcome.status == "complete", outcome.reason
        with pytest.raises(DataError) as caught:  # a full run never uses stand-ins
            run_quietly(folder, save_model=False)
    refusal = str(caught.value)
    assert all(url in refusal for url in (CIFAR, IMDB, ACLIMDB))
    assert "--smoke` runs on generated stand-in data" in refusal
    return folder, root / "keras-home"


def _only_run(folder: Path) -> Path:
    [run_dir] = [p for p in (folder / "runs").iterdir() if p.name.endswith("-smoke")]
    return run_dir


def test_the_real_loaders_return_the_real_shapes_and_dtypes(stand_in_smoke) -> None:
    log = (_only_run(stand_in_smoke[0]) / "train.log").read_text(encoding="utf-8")
    [line] = [ln for ln in log.splitlines() if ln.startswith("SHAPES ")]
    shapes = json.loads(line.removeprefix("SHAPES "))
    assert shapes["cifar"] == [[500, 32, 32, 3], "uint8", [500, 1], 99, [100, 32, 32, 3]]
    count, top, start, labels, words = shapes["imdb"]
    assert count > 0 and top < 2000 and start == 1 and labels == [0, 1] and words == 4999
    assert shapes["aclimdb"] == [["neg", "pos"], 120]


def test_the_run_records_each_stand_in_it_was_served(stand_in_smoke) -> None:
    run_dir = _only_run(stand_in_smoke[0])
    info = read_json(run_dir / "run.json")
    served = {d["url"]: d for d in info["stand_in_data"]}
    assert set(served) == {CIFAR, IMDB, ACLIMDB, IMDB.replace("imdb.npz", "imdb_word_index.json")}
    assert served[CIFAR]["what"] == STAND_INS[CIFAR].what
    assert any("stand-in data (generated, not the real dataset)" in w for w in info["warnings"])
    env = read_json(run_dir / "env.json")
    assert {d["source"] for d in env["data"]} == {"stand-in"}
    assert all(len(d["sha256"]) == 64 for d in env["data"])
    log = (run_dir / "train.log").read_text(encoding="utf-8")
    assert f"{CIFAR} is not in the data mirror; serving a generated stand-in" in log


def test_stand_ins_stay_out_of_the_keras_cache_and_the_run_folder(stand_in_smoke) -> None:
    folder, keras_home = stand_in_smoke
    cached = [p.name for p in keras_home.rglob("*")] if keras_home.exists() else []
    assert not any("cifar" in name or "imdb" in name.lower() for name in cached), cached
    leftovers = [p.name for p in _only_run(folder).rglob("*") if "cifar" in p.name]
    assert leftovers == []


def test_a_stand_in_has_the_same_content_every_time(tmp_path: Path) -> None:
    from toolkit.fsutil import sha256_file
    from toolkit.harness.standin import write_stand_in

    first = sha256_file(write_stand_in(ACLIMDB, tmp_path / "a"))
    assert sha256_file(write_stand_in(ACLIMDB, tmp_path / "b")) == first
