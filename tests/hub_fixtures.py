"""Fixtures for the card and push tests: a local Hub, and reproductions to publish.

Two kinds of reproduction:

- :func:`write_publishable` builds FIXTURE DATA without Keras: run folders in the layout
  toolkit/runs.py documents, and a ``model.keras`` zip holding the member names of a Keras
  archive with synthetic bytes. It exercises the upload machinery (regular and LFS files,
  errors), never a model's behaviour.
- ``trained_reproduction`` (module scope) runs the real harness on a tiny ``train.py``
  (random data, JAX backend), so its model, metrics, env, curves and TensorBoard logs are
  genuine: the round-trip test loads that model back from the local Hub.

Test modules use them as ``local_hub = hub_fixtures.local_hub`` (pytest finds fixtures by
module attribute).
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from check_fixtures import accuracy_metric, write_set
from hubserver import LocalHub

from toolkit.manifest import Author, DataSource, ExampleInfo, Manifest, RunConfig, Source, TaskInfo

FAKE_TOKEN = "hf_FAKEtokenLOCALhub_do_not_leak_4f7c2a"  # recognisable: must never be printed
READ_TOKEN = "hf_FAKEreadONLYtoken_3b1d"
FINE_TOKEN = "hf_FAKEfineGRAINEDtoken_9e2a"
REPO_ID = "alice/tiny-mnist"


@pytest.fixture
def local_hub(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> Iterator[LocalHub]:
    """A running local Hub, with HF_ENDPOINT/HF_TOKEN pointing at it and fast retries.

    Accounts: ``alice`` (write token :data:`FAKE_TOKEN`, member of ``keras-io`` with the
    write role and of ``readers`` with the read role), plus a read-only and a fine-grained
    token for alice, and ``bob``'s existing public repository ``bob/tiny-mnist``.

    When the test ends, its :class:`TokenGuard` (``hub.token_guard``) checks that no token
    appears in anything the test's pushes wrote, printed, logged or sent.
    """
    from huggingface_hub import constants

    home = tmp_path / "hf-home"
    hub = LocalHub().start()
    guard = TokenGuard(tmp_path, home, capsys, caplog, [hub])
    hub.token_guard = guard  # type: ignore[attr-defined]
    hub.add_user("alice", FAKE_TOKEN, orgs={"keras-io": "write", "readers": "read"})
    hub.add_user("alice", READ_TOKEN, role="read")
    hub.add_user("alice", FINE_TOKEN, role="fineGrained", scopes={"alice": ["repo.content.read"]})
    hub.add_repo("bob/tiny-mnist", {"README.md": b"bob's model\n"})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("HF_OIDC_RESOURCE", raising=False)
    # huggingface_hub reads these at import time, before a test can set the environment:
    # give them the values a `sprint push` process started with this environment would see.
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(
        constants,
        "HUGGINGFACE_CO_URL_TEMPLATE",
        hub.url + "/{repo_id}/resolve/{revision}/{filename}",
    )
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(home / "agents.json"))
    # With hf_xet installed, uploads go through Xet unless disabled; this hub speaks LFS.
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setenv("SPRINT_HUB_ATTEMPTS", "3")
    monkeypatch.setenv("SPRINT_HUB_BACKOFF", "0.01")
    monkeypatch.setenv("SPRINT_HUB_TIMEOUT", "10")
    yield hub
    hub.stop()
    assert not hub.unknown, f"the client sent requests the local hub does not know: {hub.unknown}"
    guard.check()


class TokenGuard:
    """Proof that no token leaked (issue 13): every artifact a push wrote, every line it
    printed or logged and every request body it sent, searched for every token in play.

    Searched: files under the test's ``tmp_path`` and under ``SPRINT_ROOT`` (reproduction
    folders, manifests, cards, Spaces, run logs), but not the login cache in HF_HOME, where
    a token belongs; captured stdout/stderr, including what the test already read; log
    records; request bodies and stored files of the local hubs. Files a test writes a token
    into on purpose are declared with :meth:`plant`.
    """

    def __init__(
        self,
        root: Path,
        hf_home: Path,
        capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture,
        hubs: list[LocalHub],
    ) -> None:
        self.root, self.hf_home, self.caplog, self.hubs = root, hf_home.resolve(), caplog, hubs
        self.planted: set[Path] = set()
        self.printed: list[str] = []
        self._read = capsys.readouterr
        capsys.readouterr = self._recording_read  # type: ignore[method-assign]

    def plant(self, path: Path) -> None:
        """``path`` holds a token because the test put it there."""
        self.planted.add(Path(path).resolve())

    def _recording_read(self) -> Any:
        result = self._read()
        self.printed += [result.out, result.err]
        return result

    def tokens(self) -> set[str]:
        return {t for t in (FAKE_TOKEN, READ_TOKEN, FINE_TOKEN, os.environ.get("HF_TOKEN")) if t}

    def leaks(self) -> list[str]:
        """Where any token appears, as ``'<token prefix>... in <place>'``."""
        self._recording_read()
        roots = {
            self.root,
            *([Path(os.environ["SPRINT_ROOT"])] if os.environ.get("SPRINT_ROOT") else []),
        }
        files = {p.resolve() for r in roots if r.is_dir() for p in r.rglob("*") if p.is_file()}
        files = {p for p in files if p not in self.planted and self.hf_home not in p.parents}
        found = []
        for token in self.tokens():
            needle = token.encode()
            found += [f"file {p}" for p in sorted(files) if needle in p.read_bytes()]
            found += [f"output #{i}" for i, text in enumerate(self.printed) if token in text]
            found += [
                f"log record {r.name}: {r.getMessage()[:80]}"
                for r in self.caplog.records
                if token in r.getMessage() or token in (r.exc_text or "")
            ]
            for hub in self.hubs:
                found += [f"request body #{i}" for i, b in enumerate(hub.bodies) if needle in b]
                found += [
                    f"{repo_id}:{path} on the hub"
                    for repo_id, repo in hub.repos.items()
                    for path, data in repo.files().items()
                    if needle in data
                ]
        return found

    def check(self) -> None:
        leaked = self.leaks()
        assert not leaked, f"a token leaked: {leaked}"


@pytest.fixture
def fast_hf_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the sleeps of huggingface_hub's own retries (``http_backoff``), not the retries."""
    from types import SimpleNamespace

    from huggingface_hub.utils import _http

    monkeypatch.setattr(_http, "time", SimpleNamespace(sleep=lambda seconds: None))


# -- fixture reproductions ------------------------------------------------------------------


def example_manifest(slug: str = "tiny_mnist", **overrides: Any) -> Manifest:
    """A manifest as ``sprint new`` would write it for a small image classifier."""
    fields: dict[str, Any] = dict(
        slug=slug,
        source=Source(
            kind="tutobook",
            path="examples/vision/mnist_convnet.py",
            url="https://keras.io/examples/vision/mnist_convnet/",
        ),
        example=ExampleInfo(
            title="Simple MNIST convnet",
            authors=[Author("fchollet", "https://twitter.com/fchollet")],
            date_created="2015/06/19",
            last_modified="2020/04/21",
            description="A simple convnet that achieves ~99% test accuracy on MNIST.",
            category="vision",
            name="mnist_convnet",
        ),
        metrics=[accuracy_metric()],
        data=[DataSource(kind="keras.datasets", name="mnist")],
        run=RunConfig(epochs=15, batch_size=128, seeds=3),
        task=TaskInfo(
            kind="image-classification",
            input_shape=[28, 28, 1],
            class_names=[str(i) for i in range(10)],
        ),
    )
    fields.update(overrides)
    manifest = Manifest(**fields)
    manifest.hub.repo_id = REPO_ID
    return manifest


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG (fixture stand-in for curves.png)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\0" + bytes([128] * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_keras_like_archive(path: Path, weights_size: int = 40_000) -> None:
    """A zip with a Keras archive's member names; the contents are synthetic bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps({"class_name": "Sequential"}))
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + os.urandom(weights_size))


def write_publishable(
    root: Path,
    values: tuple[float, ...] = (0.991, 0.9905, 0.992),
    *,
    slug: str = "tiny_mnist",
    **manifest_overrides: Any,
) -> Path:
    """A reproduction with a complete run set whose runs carry model, curves and logs."""
    folder = Path(root) / "reproductions" / slug
    folder.mkdir(parents=True, exist_ok=True)
    example_manifest(slug, **manifest_overrides).save(folder)
    for run_id in write_set(folder, "20250101-1200-jax", list(values)):
        run = folder / "runs" / run_id
        env = json.loads((run / "env.json").read_text())
        write_keras_like_archive(run / "model.keras")
        env |= {
            "keras": "3.15.1",
            "backend_version": "0.10.2",
            "wall_seconds": 75.5,
            "model": {
                "saved": True,
                "file": "model.keras",  # as the harness records it
                "bytes": (run / "model.keras").stat().st_size,
            },
        }
        (run / "env.json").write_text(json.dumps(env))
        metrics = json.loads((run / "metrics.json").read_text())
        final = metrics["final"]
        metrics |= {
            "evaluations": [final["test"]],
            "history": {  # one epoch, as trained
                **{key: [value] for key, value in final["train"].items()},
                **{f"val_{key}": [value] for key, value in final["validation"].items()},
            },
        }
        (run / "metrics.json").write_text(json.dumps(metrics))
        (run / "curves.png").write_bytes(png_bytes())
        (run / "logs" / "train").mkdir(parents=True)
        (run / "logs" / "train" / "events.out.tfevents.1.fixture.v2").write_bytes(
            b"fixture event file\0" * 8
        )
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes: to prove a failed push changed nothing."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def leaks(root: Path, secret: str, *texts: str) -> list[str]:
    """Where ``secret`` appears: in any file under ``root`` or in ``texts``."""
    found = [
        f"file {p}"
        for p in Path(root).rglob("*")
        if p.is_file() and secret.encode() in p.read_bytes()
    ]
    return found + [f"output #{i}" for i, text in enumerate(texts) if secret in text]


# -- a genuinely trained reproduction ----------------------------------------------------------

TRAIN_PY = '''\
"""A tiny classifier on random data: enough for a real model.keras, metrics and logs."""
import numpy as np
import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=2)
model.evaluate(x, y, verbose=0)
'''


CUSTOM_TRAIN_PY = '''\
"""The same tiny classifier with a custom layer: its model needs custom_objects.py to load."""
import numpy as np
import keras

GAIN = 1.5


@keras.saving.register_keras_serializable(package="sprint_tests")
class Gain(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.tanh(inputs * GAIN)


rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), Gain(),
                          keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=2)
model.evaluate(x, y, verbose=0)
'''


def train_tiny(root: Path, slug: str, script: str) -> Path:
    """``root/reproductions/<slug>`` with ``script`` trained once by the real harness (JAX)."""
    from toolkit.harness.runner import RunOptions, run_reproduction
    from toolkit.manifest import Metric

    folder = root / "reproductions" / slug
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(script, encoding="utf-8")
    manifest = example_manifest(
        slug,
        metrics=[
            Metric(
                "accuracy",
                "test",
                0.5,
                tolerance=0.5,
                sentence="Accuracy is about 50% on random labels.",
            )
        ],
        data=[DataSource(kind="generated", name="random normal features")],
        run=RunConfig(epochs=2, batch_size=16, seeds=1, backend="jax"),
        task=TaskInfo(
            kind="tabular-classification", input_shape=[4], class_names=["negative", "positive"]
        ),
    )
    manifest.save(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPRINT_ROOT", str(root))
        outcomes = run_reproduction(folder, RunOptions(backend="jax", seeds=1, echo=None))
    assert [o.status for o in outcomes] == ["complete"], outcomes
    assert (outcomes[0].path / "model.keras").is_file()
    return folder


@pytest.fixture(scope="module")
def trained_reproduction(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reproductions/tiny_random`` trained once by the real harness (JAX, one seed)."""
    return train_tiny(tmp_path_factory.mktemp("trained"), "tiny_random", TRAIN_PY)


@pytest.fixture(scope="module")
def trained_custom_reproduction(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reproductions/tiny_custom``: the same, with a custom layer defined in train.py."""
    return train_tiny(tmp_path_factory.mktemp("trained-custom"), "tiny_custom", CUSTOM_TRAIN_PY)
