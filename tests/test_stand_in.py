"""Hermetic smoke runs: generated stand-ins for the datasets a data mirror lacks.

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
from toolkit.harness.standin import STAND_INS, write_stand_in
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


# -- the stand-ins for data the mirror holds (a hermetic smoke run with an empty mirror) --

TF = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
NAB = "https://raw.githubusercontent.com/numenta/NAB/master/data/"
HEART = "http://storage.googleapis.com/download.tensorflow.org/data/heart.csv"
NIETZSCHE = "https://s3.amazonaws.com/text-datasets/nietzsche.txt"
MOVIELENS = "http://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
CORA = "https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz"
NAB_NORMAL = NAB + "artificialNoAnomaly/art_daily_small_noise.csv"
NAB_JUMPS = NAB + "artificialWithAnomaly/art_daily_jumpsup.csv"


@pytest.fixture(scope="module")
def keras_on_stand_ins(tmp_path_factory):
    """``keras.datasets`` with the harness' data hooks serving stand-ins (no mirror)."""
    from toolkit.harness.datahooks import DataHooks

    keras = pytest.importorskip("keras")
    hooks = DataHooks(None, network=False, stand_in_dir=tmp_path_factory.mktemp("stand-ins"))
    hooks.install()
    try:
        yield keras, hooks
    finally:
        hooks.uninstall()


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_the_mnist_stand_ins_load_through_keras_at_the_real_sizes(
    keras_on_stand_ins, name: str
) -> None:
    keras, hooks = keras_on_stand_ins
    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert x_train.dtype == y_train.dtype == "uint8" and y_test.shape == (10_000,)
    assert set(y_train.tolist()) == set(y_test.tolist()) == set(range(10))
    assert 0 < x_train.mean() < 128  # images, not blank
    assert {d["source"] for d in hooks.served.values()} == {"stand-in"}


def test_the_boston_housing_stand_in_loads_through_keras(keras_on_stand_ins) -> None:
    keras, _ = keras_on_stand_ins
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    assert x_train.shape == (240, 13) and x_test.shape == (60, 13)
    assert x_train.dtype == y_train.dtype == "float64"
    assert set(x_train[:, 3].tolist()) == {0.0, 1.0} and 5 <= y_test.min() <= y_test.max() <= 50


def test_the_heart_stand_in_has_the_real_columns_and_types(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.read_csv(write_stand_in(HEART, tmp_path))
    assert list(frame.columns) == [
        "age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang",
        "oldpeak", "slope", "ca", "thal", "target",
    ]  # fmt: skip
    assert len(frame) == 300 and frame["oldpeak"].dtype == "float64"
    assert all(frame[c].dtype == "int64" for c in frame.columns if c not in {"oldpeak", "thal"})
    assert set(frame["thal"]) == {"normal", "fixed", "reversible"}
    assert set(frame["target"]) == {0, 1} and set(frame["ca"]) == {0, 1, 2, 3}


def test_the_nab_stand_ins_are_five_minute_series_with_a_jump(tmp_path: Path) -> None:
    import pandas as pd

    normal, jumps = (
        pd.read_csv(write_stand_in(url, tmp_path), parse_dates=True, index_col="timestamp")
        for url in (NAB_NORMAL, NAB_JUMPS)
    )
    for frame in (normal, jumps):
        assert list(frame.columns) == ["value"] and len(frame) == 864  # 577 windows of 288
        assert frame["value"].dtype == "float64"
        assert (frame.index[1] - frame.index[0]).total_seconds() == 300
        assert str(frame.index[0]) == "2014-04-01 00:00:00" and frame.index.is_monotonic_increasing
    assert jumps["value"].max() > normal["value"].max() + 50


def test_the_nietzsche_stand_in_is_plain_text(tmp_path: Path) -> None:
    text = write_stand_in(NIETZSCHE, tmp_path).read_text(encoding="utf-8")
    assert 5_000 < len(text) < 8_000 and "\n" in text
    assert max(len(line) for line in text.splitlines()) <= 70
    assert 20 < len(set(text.lower())) < 60


def test_the_movielens_stand_in_has_consistent_ids(tmp_path: Path) -> None:
    import zipfile

    import pandas as pd

    with zipfile.ZipFile(write_stand_in(MOVIELENS, tmp_path)) as archive:
        with archive.open("ml-latest-small/ratings.csv") as file:
            ratings = pd.read_csv(file)
        with archive.open("ml-latest-small/movies.csv") as file:
            movies = pd.read_csv(file)
    assert list(ratings.columns) == ["userId", "movieId", "rating", "timestamp"]
    assert list(movies.columns) == ["movieId", "title", "genres"]
    assert sorted(ratings["userId"].unique()) == list(range(1, 61))
    assert set(ratings["movieId"]) <= set(movies["movieId"])
    assert not ratings.duplicated(["userId", "movieId"]).any()
    assert ratings["rating"].between(0.5, 5.0).all() and (ratings["rating"] * 2 % 1 == 0).all()


def test_the_cora_stand_in_cites_only_its_own_papers(tmp_path: Path) -> None:
    import tarfile

    import pandas as pd

    with tarfile.open(write_stand_in(CORA, tmp_path)) as archive:
        archive.extractall(tmp_path / "out", filter="data")
    folder = tmp_path / "out" / "cora"
    cites = pd.read_csv(folder / "cora.cites", sep="\t", header=None, names=["target", "source"])
    names = ["paper_id", *[f"term_{i}" for i in range(1433)], "subject"]
    papers = pd.read_csv(folder / "cora.content", sep="\t", header=None, names=names)
    assert papers.shape == (350, 1435) and papers["paper_id"].is_unique
    assert papers["subject"].nunique() == 7 and set(papers["term_0"]) <= {0, 1}
    assert set(cites["target"]) | set(cites["source"]) <= set(papers["paper_id"])
    assert 900 < len(cites) <= 1000


def test_every_downloaded_dataset_of_a_reproduction_has_a_stand_in() -> None:
    import tomllib

    from toolkit.harness.standin import has_stand_in

    root = Path(__file__).resolve().parents[1] / "reproductions"
    lacking = [
        (path.parent.name, entry["url"])
        for path in sorted(root.glob("*/reproduction.toml"))
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("data", [])
        if entry.get("kind") != "generated" and entry.get("url")
        and not has_stand_in(entry["url"])
    ]  # fmt: skip
    assert lacking == []


@pytest.mark.parametrize(
    "url", [HEART, NAB_JUMPS, NIETZSCHE, MOVIELENS, CORA, TF + "boston_housing.npz"]
)
def test_the_new_stand_ins_are_deterministic(tmp_path: Path, url: str) -> None:
    from toolkit.fsutil import sha256_file

    first = sha256_file(write_stand_in(url, tmp_path / "a"))
    assert sha256_file(write_stand_in(url, tmp_path / "b")) == first


def test_a_stand_in_is_cached_in_its_own_folder_never_in_the_keras_cache(tmp_path: Path) -> None:
    """Keras falls back to /tmp/.keras when the cache_dir it is given does not exist."""
    import keras

    from toolkit.harness.datahooks import DataHooks

    hooks = DataHooks(None, network=False, stand_in_dir=tmp_path / "stand-in")
    hooks.install()
    try:
        path = keras.utils.get_file(
            "boston_housing.npz",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz",
        )
    finally:
        hooks.uninstall()
    assert Path(path).is_relative_to(tmp_path / "stand-in" / "keras-cache"), path
