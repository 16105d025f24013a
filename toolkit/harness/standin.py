"""Generated stand-in datasets for smoke runs whose data the mirror lacks.

A smoke run proves that a script runs, not what it learns. Where a dataset cannot be had
here (CIFAR-100, IMDB), a smoke run is served a small generated file in the *real file
format* of the origin URL, so the example's own loader (``keras.datasets.cifar100``,
``keras.datasets.imdb``, ``get_file(..., extract=True)`` and ``text_dataset_from_directory``)
runs unchanged and returns arrays of the real shapes and dtypes. Generation is seeded, so
a stand-in always has the same content. Full runs never see stand-ins: the
harness only offers them with ``--smoke``, and records each one it served.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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

    def split(n: int) -> tuple[object, object]:
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
