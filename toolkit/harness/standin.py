"""Generated stand-in datasets for smoke runs whose data the mirror lacks.

A smoke run proves that a script runs, not what it learns. Where a dataset is not in the
data mirror (CIFAR-100, IMDB, or any mirrored one in a hermetic run with an empty mirror:
MNIST, Fashion-MNIST, Boston Housing, heart.csv, NAB, Nietzsche, MovieLens, Cora), a smoke
run is served a small generated file in the *real file format* of the origin URL, so the
example's own loader (``keras.datasets.cifar100``, ``keras.datasets.imdb``,
``get_file(..., extract=True)``, ``text_dataset_from_directory``, ``pandas.read_csv``) runs
unchanged and returns arrays of the real shapes and dtypes. Generation is seeded, so
a stand-in always has the same content. Full runs never see stand-ins: the
harness only offers them with ``--smoke``, and records each one it served.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["STAND_INS", "StandIn", "has_stand_in", "write_stand_in"]

_SEED = 20240101
_WORDS = [
    "the", "a", "film", "movie", "plot", "actor", "scene", "story", "music", "end", "and",
    "was", "is", "it", "this", "very", "not", "so", "but", "with",
]  # fmt: skip
_GOOD = ["great", "wonderful", "moving", "brilliant", "fun"]
_BAD = ["awful", "boring", "dull", "terrible", "weak"]


@dataclass(frozen=True)
class StandIn:
    """How to write a stand-in for one origin URL, and what it holds (for the run's record)."""

    what: str
    write: Callable[[Path], None]


def _cifar100(path: Path) -> None:
    """``cifar-100-python.tar.gz``: pickled ``train``/``test``/``meta`` as the real archive."""
    import numpy as np

    rng = np.random.default_rng(_SEED)

    def split(n: int) -> dict[bytes, object]:
        fine = rng.integers(0, 100, n)
        return {
            b"filenames": [f"stand_in_{i}.png".encode() for i in range(n)],
            b"batch_label": b"stand-in",
            b"fine_labels": fine.tolist(),
            b"coarse_labels": (fine // 5).tolist(),
            b"data": rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8),
        }

    meta = {
        b"fine_label_names": [f"class_{i}".encode() for i in range(100)],
        b"coarse_label_names": [f"superclass_{i}".encode() for i in range(20)],
    }
    members = {"train": split(500), "test": split(100), "meta": meta}
    with _tar_gz(path) as archive:
        for name, content in members.items():
            _add(archive, f"cifar-100-python/{name}", pickle.dumps(content, protocol=4))


def _imdb_sequences(path: Path) -> None:
    """``imdb.npz``: ragged word-rank sequences (object arrays) and 0/1 labels."""
    import numpy as np

    rng = np.random.default_rng(_SEED)

    def split(n: int) -> tuple[Any, Any]:
        labels = rng.integers(0, 2, n)
        reviews = np.empty(n, dtype=object)
        for i, label in enumerate(labels):
            ranks = rng.integers(1, 5000, rng.integers(20, 300))
            ranks[::7] = 1 + label  # a word that tells the label, so steps learn something
            reviews[i] = ranks.tolist()
        return reviews, labels.astype(np.int64)

    (x_train, y_train), (x_test, y_test) = split(600), split(200)
    with open(path, "wb") as file:
        np.savez(file, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def _imdb_word_index(path: Path) -> None:
    """``imdb_word_index.json``: word -> rank (from 1), as the real index."""
    index = {f"standin{rank}": rank for rank in range(1, 5000)}
    path.write_text(json.dumps(index), encoding="utf-8")


def _aclimdb(path: Path) -> None:
    """``aclImdb_v1.tar.gz``: ``aclImdb/{train,test}/{pos,neg}/*.txt`` and ``train/unsup``."""
    import numpy as np

    rng = np.random.default_rng(_SEED)

    def review(label: str) -> bytes:
        tone = _GOOD if label == "pos" else _BAD if label == "neg" else _GOOD + _BAD
        words = [str(w) for w in rng.choice(_WORDS + tone, rng.integers(20, 120))]
        return (" ".join(words).capitalize() + ".<br /><br />A stand-in review.").encode()

    with _tar_gz(path) as archive:
        for split, labels, count in (
            ("train", ("pos", "neg", "unsup"), 60),
            ("test", ("pos", "neg"), 40),
        ):
            for label in labels:
                for i in range(count):
                    _add(archive, f"aclImdb/{split}/{label}/{i}_7.txt", review(label))
        _add(archive, "aclImdb/README", b"Stand-in for the Large Movie Review Dataset.\n")


def _image_classes(seed: int, n: int) -> tuple[Any, Any]:
    """``n`` 28x28 uint8 images and their labels (0-9): a fixed blob per class, with noise.

    Each class has its own random template, so a few training steps learn something; the
    labels and images come from one seed, so files written separately (IDX) agree.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    shapes = np.random.default_rng(_SEED).random((10, 28, 28)) < 0.2
    templates = (shapes * 255).astype(np.uint8)
    images = templates[labels]
    images[rng.integers(0, 10, images.shape, dtype=np.uint8) == 0] = 0  # drop 10%
    images[rng.integers(0, 50, images.shape, dtype=np.uint8) == 0] = 128  # 2% speckle
    return images, labels


_MNIST_SIZES = {"train": 60_000, "test": 10_000}  # the real counts: scripts slice by them


def _mnist(path: Path) -> None:
    """``mnist.npz``: ``x_train``/``x_test`` (n, 28, 28) and ``y_*`` (n,), all uint8."""
    import numpy as np

    (x_train, y_train), (x_test, y_test) = (
        _image_classes(_SEED + i, n) for i, n in enumerate(_MNIST_SIZES.values())
    )
    with open(path, "wb") as file:
        # uncompressed: compressing 55 MB costs more time than writing it
        np.savez(file, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def _idx(split: str, kind: str) -> Callable[[Path], None]:
    """A gzipped IDX file of Fashion-MNIST (``kind`` "images" or "labels") for ``split``."""

    def write(path: Path) -> None:
        import numpy as np

        images, labels = _image_classes(_SEED + 10 + (split == "test"), _MNIST_SIZES[split])
        if kind == "labels":
            header, body = np.array([2049, len(labels)], ">i4"), labels
        else:
            header, body = np.array([2051, len(images), 28, 28], ">i4"), images
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as out,
        ):
            out.write(header.tobytes() + body.tobytes())

    return write


def _boston_housing(path: Path) -> None:
    """``boston_housing.npz``: ``x`` (n, 13) and ``y`` (n,) float64 in the real ranges."""
    import numpy as np

    rng = np.random.default_rng(_SEED)
    low = np.array([0.0, 0.0, 0.5, 0, 0.4, 3.5, 3.0, 1.1, 1, 190, 12.5, 0.3, 1.7])
    high = np.array([90.0, 100.0, 28.0, 1, 0.9, 8.8, 100.0, 12.0, 24, 710, 22.0, 397, 38])
    x = low + (high - low) * rng.random((300, 13))
    x[:, 3] = rng.integers(0, 2, 300)  # CHAS: 0/1
    x[:, 8] = rng.integers(1, 25, 300)  # RAD: an index 1..24
    y = 22 + 6 * (x[:, 5] - 6) - 0.5 * (x[:, 12] - 12) + rng.normal(0, 3, 300)
    with open(path, "wb") as file:
        np.savez(file, x=x, y=np.clip(y, 5.0, 50.0).round(1))


def _heart(path: Path) -> None:
    """``heart.csv``: the 13 columns and ``target``; ``thal`` a string, ``oldpeak`` a float."""
    import numpy as np

    rng = np.random.default_rng(_SEED)
    lines = ["age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal,target"]
    for _ in range(300):
        age, sex, cp = rng.integers(29, 78), rng.integers(0, 2), rng.integers(1, 5)
        thalach, exang, ca = rng.integers(70, 203), rng.integers(0, 2), rng.integers(0, 4)
        thal = str(rng.choice(["normal", "fixed", "reversible"], p=[0.55, 0.1, 0.35]))
        risk = (cp == 4) + exang + (ca > 0) + (thal == "reversible") + (thalach < 140)
        target = int(risk + rng.normal(0, 0.7) > 2.5)
        oldpeak = round(float(rng.uniform(0, 6.2)), 1)
        row: list[Any] = [age, sex, cp, rng.integers(94, 201), rng.integers(126, 565)]
        row += [rng.integers(0, 2)]
        row += [rng.integers(0, 3), thalach, exang, oldpeak, rng.integers(1, 4), ca, thal, target]
        lines.append(",".join(str(v) for v in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _nab(jumps: bool) -> Callable[[Path], None]:
    """A NAB ``timestamp,value`` series: 5-minute steps over 3 days (864 rows), a daily cycle.

    ``jumps``: one half-day stretch of the second day runs at about twice the usual level
    (the anomaly the example's detector flags).
    """

    def write(path: Path) -> None:
        import numpy as np

        rng = np.random.default_rng(_SEED + jumps)
        steps = np.arange(864)  # 288 steps a day, so 577 windows of 288
        value = 50 + 30 * np.sin(2 * np.pi * steps / 288) + rng.normal(0, 2, len(steps))
        if jumps:
            value[400:544] += 80
        lines = ["timestamp,value"]
        for step, v in zip(steps.tolist(), value.tolist(), strict=True):
            day, minutes = divmod(step * 5, 24 * 60)
            lines.append(f"2014-04-{1 + day:02d} {minutes // 60:02d}:{minutes % 60:02d}:00,{v}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return write


_TEXT_WORDS = [
    "truth", "what", "if", "we", "suppose", "that", "all", "have", "been", "thinkers", "of",
    "the", "will", "to", "power", "is", "not", "a", "virtue", "but", "each", "spirit", "in",
    "every", "age", "morality", "free", "and", "its", "own", "error", "says", "perhaps",
]  # fmt: skip


def _nietzsche(path: Path) -> None:
    """``nietzsche.txt``: about 6,000 characters of random words in lines and sentences."""
    import numpy as np

    rng = np.random.default_rng(_SEED)
    sentences = []
    for _ in range(160):
        words = [str(w) for w in rng.choice(_TEXT_WORDS, rng.integers(4, 12))]
        sentences.append(" ".join(words).capitalize() + str(rng.choice([".", ",", "?", "!--"])))
    text, line = "PREFACE\n\n\n", ""
    for sentence in sentences:
        if len(line) + len(sentence) > 70:
            text, line = text + line.rstrip() + "\n", ""
        line += sentence + " "
    path.write_text(text + line.rstrip() + "\n", encoding="utf-8")


def _movielens(path: Path) -> None:
    """``ml-latest-small.zip``: ``ml-latest-small/{ratings,movies}.csv`` and ``README.txt``.

    60 users (ids 1..60) rate 10-50 of 300 movies (sparse ids) in half stars 0.5..5.0.
    """
    import numpy as np

    rng = np.random.default_rng(_SEED)
    movie_ids = np.sort(rng.choice(np.arange(1, 200_000), 300, replace=False))
    taste = rng.normal(0, 1, (60, 4)) @ rng.normal(0, 1, (4, 300))
    ratings = ["userId,movieId,rating,timestamp"]
    for user in range(60):
        for movie in np.sort(rng.choice(300, rng.integers(10, 51), replace=False)).tolist():
            stars = np.clip(np.round((3.5 + taste[user, movie]) * 2) / 2, 0.5, 5.0)
            stamp = int(rng.integers(828_000_000, 1_537_000_000))
            ratings.append(f"{user + 1},{movie_ids[movie]},{stars:.1f},{stamp}")
    genres = ["Action", "Comedy", "Drama", "Romance", "Thriller", "Animation", "Sci-Fi"]
    movies = ["movieId,title,genres"]
    for i, movie_id in enumerate(movie_ids.tolist()):
        kinds = "|".join(sorted({str(g) for g in rng.choice(genres, rng.integers(1, 4))}))
        movies.append(f"{movie_id},Stand-in Movie {i} ({1950 + i % 70}),{kinds}")
    members = {
        "ratings.csv": "\n".join(ratings) + "\n",
        "movies.csv": "\n".join(movies) + "\n",
        "README.txt": "Stand-in for the MovieLens latest-small data set (generated).\n",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(f"ml-latest-small/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)


_CORA_SUBJECTS = [
    "Case_Based", "Genetic_Algorithms", "Neural_Networks", "Probabilistic_Methods",
    "Reinforcement_Learning", "Rule_Learning", "Theory",
]  # fmt: skip


def _cora(path: Path) -> None:
    """``cora.tgz``: ``cora/cora.content`` (id, 1,433 0/1 words, subject; tab-separated),
    ``cora/cora.cites`` (cited id, citing id) and ``cora/README``.

    350 papers (50 per subject, random distinct ids) whose words lean to their subject, and
    1,000 citations between them, 80% within a subject.
    """
    import numpy as np

    rng = np.random.default_rng(_SEED)
    ids = rng.choice(np.arange(30, 1_200_000), 350, replace=False)
    subjects = np.repeat(np.arange(7), 50)
    rng.shuffle(subjects)
    lean = rng.random((7, 1433)) < 0.05
    content = []
    for paper, subject in zip(ids.tolist(), subjects.tolist(), strict=True):
        words = (rng.random(1433) < 0.005) | (lean[subject] & (rng.random(1433) < 0.25))
        row = [str(paper), *("1" if w else "0" for w in words), _CORA_SUBJECTS[subject]]
        content.append("\t".join(row))
    cites = []
    for _ in range(1000):
        citing = int(rng.integers(350))
        pool = np.flatnonzero(subjects == subjects[citing]) if rng.random() < 0.8 else None
        cited = int(rng.choice(pool)) if pool is not None else int(rng.integers(350))
        if cited != citing:
            cites.append(f"{ids[cited]}\t{ids[citing]}")
    with _tar_gz(path) as archive:
        folder = tarfile.TarInfo("cora")
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, 0
        archive.addfile(folder)
        _add(archive, "cora/cora.cites", ("\n".join(cites) + "\n").encode())
        _add(archive, "cora/cora.content", ("\n".join(content) + "\n").encode())
        _add(archive, "cora/README", b"Stand-in for the Cora citation data set (generated).\n")


@contextmanager
def _tar_gz(path: Path) -> Iterator[tarfile.TarFile]:
    """A ``.tar.gz`` writer whose bytes depend on the members only (no time stamps)."""
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as archive,
    ):
        yield archive


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    archive.addfile(info, io.BytesIO(data))


_TF_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_NAB = "https://raw.githubusercontent.com/numenta/NAB/master/data/"

# origin URL -> its stand-in
STAND_INS: dict[str, StandIn] = {
    "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz": StandIn(
        "CIFAR-100 stand-in: 500 train and 100 test random 32x32x3 uint8 images, 100 classes",
        _cifar100,
    ),
    _TF_DATASETS + "imdb.npz": StandIn(
        "IMDB stand-in: 600 train and 200 test random word-rank sequences (20-300 words), "
        "0/1 labels",
        _imdb_sequences,
    ),
    _TF_DATASETS + "imdb_word_index.json": StandIn(
        "IMDB word index stand-in: 4,999 made-up words ranked 1..4999", _imdb_word_index
    ),
    "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz": StandIn(
        "Large Movie Review Dataset stand-in: 60 train reviews per class (pos, neg, unsup) "
        "and 40 test reviews per class (pos, neg) of random words",
        _aclimdb,
    ),
    _TF_DATASETS + "mnist.npz": StandIn(
        "MNIST stand-in: 60,000 train and 10,000 test 28x28 uint8 images (the real counts), "
        "each a fixed random blob per class 0-9 with 10% of pixels dropped and 2% speckle",
        _mnist,
    ),
    **{
        _TF_DATASETS + f"{prefix}-{kind}-idx{1 if kind == 'labels' else 3}-ubyte.gz": StandIn(
            f"Fashion-MNIST stand-in ({split} {kind}, gzipped IDX): {_MNIST_SIZES[split]:,} "
            + (
                "uint8 labels 0-9 (the real count) of the matching images file"
                if kind == "labels"
                else "28x28 uint8 images (the real count), each a fixed random blob per "
                "class 0-9 with 10% of pixels dropped and 2% speckle"
            ),
            _idx(split, kind),
        )
        for split, prefix in (("train", "train"), ("test", "t10k"))
        for kind in ("labels", "images")
    },
    _TF_DATASETS + "boston_housing.npz": StandIn(
        "Boston Housing stand-in: 300 rows of 13 uniform random features in the real "
        "columns' ranges (CHAS 0/1, RAD 1-24), prices 5-50 from a linear rule plus noise",
        _boston_housing,
    ),
    "http://storage.googleapis.com/download.tensorflow.org/data/heart.csv": StandIn(
        "Heart disease CSV stand-in: 300 random rows with the real 14 columns and value "
        "ranges (thal one of the strings normal/fixed/reversible), target from a noisy rule",
        _heart,
    ),
    _NAB + "artificialNoAnomaly/art_daily_small_noise.csv": StandIn(
        "NAB stand-in: 864 rows (3 days of 5-minute steps) of a daily sine cycle with noise",
        _nab(jumps=False),
    ),
    _NAB + "artificialWithAnomaly/art_daily_jumpsup.csv": StandIn(
        "NAB stand-in: 864 rows (3 days of 5-minute steps) of a daily sine cycle with noise "
        "and one 12-hour jump of +80 on the second day",
        _nab(jumps=True),
    ),
    "https://s3.amazonaws.com/text-datasets/nietzsche.txt": StandIn(
        "Nietzsche text stand-in: about 6,000 characters of random sentences drawn from "
        "33 words, in lines of at most 70 characters",
        _nietzsche,
    ),
    "http://files.grouplens.org/datasets/movielens/ml-latest-small.zip": StandIn(
        "MovieLens latest-small stand-in: ratings.csv with 60 users (ids 1-60) rating 10-50 "
        "of 300 movies (random ids) in half stars from a low-rank taste rule, movies.csv, "
        "README.txt",
        _movielens,
    ),
    "https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz": StandIn(
        "Cora stand-in: 350 papers (random ids, 50 per each of the 7 real subjects) with "
        "1,433 0/1 word features leaning to their subject, and about 1,000 citations "
        "between them, 80% within a subject",
        _cora,
    ),
}


def has_stand_in(url: str) -> bool:
    return url in STAND_INS


def write_stand_in(url: str, folder: Path) -> Path:
    """Write the stand-in for ``url`` into ``folder`` (once) under the URL's file name."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / url.rsplit("/", 1)[-1]
    if not path.exists():
        partial = path.with_name(path.name + ".partial")
        STAND_INS[url].write(partial)
        partial.replace(path)
    return path
