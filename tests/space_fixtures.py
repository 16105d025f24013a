"""Tiny Keras models, reproductions and running apps for the Space tests and the benchmark.

Every model here is built and saved by the test session itself (a few hundred weights,
untrained): the tests check that each generated app prepares inputs and shapes outputs
correctly, not what the model predicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.manifest import (
    Author,
    ExampleInfo,
    HubInfo,
    Manifest,
    Metric,
    RunConfig,
    TaskInfo,
)
from toolkit.space import plan_space, write_space
from toolkit.space.serve import free_port, start_app, stop_app, wait_for_app

DIGITS = [str(i) for i in range(10)]
VOCABULARY = ["", "[UNK]", "good", "bad", "great", "awful", "movie", "plot", "acting", "fun"]
TEXT_LENGTH = 12
TABULAR_FEATURES = ["age", "chol", "thalach"]
WINDOW = 24


# -- models ----------------------------------------------------------------------------------


def image_classifier():
    """28x28 greyscale in, 10 softmax scores out."""
    from keras import Input, Model, layers

    inputs = Input((28, 28, 1), name="image")
    x = layers.Conv2D(4, 3, activation="relu")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    return Model(inputs, layers.Dense(10, activation="softmax")(x))


def text_classifier():
    """TEXT_LENGTH token ids in, 3 softmax scores out."""
    from keras import Input, Model, layers

    inputs = Input((TEXT_LENGTH,), dtype="int32", name="tokens")
    x = layers.Embedding(len(VOCABULARY), 8)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    return Model(inputs, layers.Dense(3, activation="softmax")(x))


def string_text_classifier():
    """Raw strings in (TextVectorization inside the model, as Keras.io's end-to-end text
    models), 2 softmax scores out. Needs the TensorFlow backend."""
    from keras import Input, Model, layers

    inputs = Input((1,), dtype="string", name="text")
    vectorize = layers.TextVectorization(
        vocabulary=VOCABULARY[2:], output_sequence_length=TEXT_LENGTH
    )
    x = layers.GlobalAveragePooling1D()(layers.Embedding(len(VOCABULARY), 8)(vectorize(inputs)))
    return Model(inputs, layers.Dense(2, activation="softmax")(x))


def tabular_classifier():
    """One named (1,) input per feature, one sigmoid unit out (binary)."""
    from keras import Input, Model, layers

    inputs = {name: Input((1,), name=name) for name in TABULAR_FEATURES}
    x = layers.Concatenate()(list(inputs.values()))
    return Model(inputs, layers.Dense(1, activation="sigmoid")(layers.Dense(4)(x)))


def tabular_regressor():
    """A vector of 3 features in (names from the manifest), one number out."""
    from keras import Input, Model, layers

    inputs = Input((3,), name="features")
    return Model(inputs, layers.Dense(1)(layers.Dense(4, activation="relu")(inputs)))


def series_autoencoder():
    """A (WINDOW, 1) window in, its reconstruction out (anomaly detection)."""
    from keras import Input, Model, layers

    inputs = Input((WINDOW, 1), name="window")
    x = layers.Conv1D(4, 3, padding="same", activation="relu")(inputs)
    return Model(inputs, layers.Conv1D(1, 3, padding="same")(x))


def series_forecaster():
    """A (WINDOW, 1) window in, the next 6 steps out."""
    from keras import Input, Model, layers

    inputs = Input((WINDOW, 1), name="window")
    return Model(inputs, layers.Dense(6)(layers.Flatten()(inputs)))


def image_autoencoder():
    """16x16 RGB in, 16x16 greyscale in [0, 1] out."""
    from keras import Input, Model, layers

    inputs = Input((16, 16, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    return Model(inputs, layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x))


def generator():
    """An 8-d latent vector in, a 7x7 greyscale image in [-1, 1] out."""
    from keras import Input, Model, layers

    inputs = Input((8,), name="latent")
    x = layers.Dense(49, activation="tanh")(inputs)
    return Model(inputs, layers.Reshape((7, 7, 1))(x))


def two_input_model():
    """Two named inputs (3 floats, 2x2 floats), 2 numbers out: only the generic demo fits."""
    from keras import Input, Model, layers

    a, b = Input((3,), name="a"), Input((2, 2), name="b")
    x = layers.Concatenate()([a, layers.Flatten()(b)])
    return Model([a, b], layers.Dense(2)(x))


@dataclass(frozen=True)
class Case:
    """A task family's test case: its model and the manifest's [task] section."""

    slug: str
    build: Callable[[], Any]
    task: TaskInfo
    vocabulary: list[str] = field(default_factory=list)
    backend: str = "jax"  # what the Space pins (JAX apps start faster and lighter than TF)


CASES: dict[str, Case] = {
    case.slug: case
    for case in (
        Case(
            "digits",
            image_classifier,
            TaskInfo(
                kind="image_classification",
                input_shape=[28, 28, 1],
                class_names=DIGITS,
                input_scale=1 / 255,
            ),
            backend="tensorflow",
        ),
        Case(
            "reviews",
            text_classifier,
            TaskInfo(
                kind="text_classification",
                input_shape=[TEXT_LENGTH],
                class_names=["negative", "neutral", "positive"],
                vocabulary="vocab.txt",
            ),
            VOCABULARY,
        ),
        Case(
            "imdb",
            string_text_classifier,
            TaskInfo(kind="text_classification", class_names=["negative", "positive"]),
            backend="tensorflow",
        ),
        Case(
            "heart",
            tabular_classifier,
            TaskInfo(kind="tabular_classification", class_names=["healthy", "heart disease"]),
        ),
        Case(
            "housing",
            tabular_regressor,
            TaskInfo(
                kind="tabular_regression", input_shape=[3], feature_names=["rooms", "age", "tax"]
            ),
        ),
        Case(
            "nab",
            series_autoencoder,
            TaskInfo(kind="timeseries_anomaly_detection", input_shape=[WINDOW, 1]),
        ),
        Case("weather", series_forecaster, TaskInfo(kind="timeseries_forecasting")),
        Case("denoiser", image_autoencoder, TaskInfo(kind="image_denoising", input_scale=1 / 255)),
        Case("dcgan", generator, TaskInfo(kind="gan")),
        Case("siamese", two_input_model, TaskInfo(kind="similarity_learning")),
    )
}


# -- reproductions ---------------------------------------------------------------------------


def write_manifest(root: Path, case: Case, **example: Any) -> Path:
    """``root/reproductions/<slug>/`` with a manifest (and vocabulary) for ``case``."""
    folder = Path(root) / "reproductions" / case.slug
    folder.mkdir(parents=True, exist_ok=True)
    info = ExampleInfo(
        title=example.pop("title", f"Tiny {case.task.kind.replace('_', ' ')}"),
        authors=[Author("Ada Lovelace", "https://example.org/ada"), Author("Alan Turing")],
        description=example.pop("description", f"A tiny {case.slug} model for the Space tests."),
        category="vision",
        name=case.slug,
        date_created="2020/05/01",
        **example,
    )
    manifest = Manifest(
        slug=case.slug,
        example=info,
        task=case.task,
        metrics=[Metric(name="accuracy", split="test", value=0.9, tolerance=0.05)],
        hub=HubInfo(repo_id=f"sprint-tests/{case.slug}"),
        run=RunConfig(backend=case.backend, seeds=1),  # the one run write_run() makes
    )
    manifest.save(folder)
    if case.vocabulary:
        (folder / case.task.vocabulary).write_text("\n".join(case.vocabulary) + "\n")
    return folder


def write_run(
    repro_dir: Path,
    model,
    run_id: str = "20250101-000000-s0",
    *,
    accuracy: float = 0.93,
    env: dict[str, Any] | None = None,
) -> Path:
    """A complete run folder holding ``model`` (saved) and the records a run writes."""
    folder = Path(repro_dir) / "runs" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "run_id": run_id,
        "group": run_id.rsplit("-s", 1)[0],
        "seed": 0,
        "backend": "tensorflow",
        "smoke": False,
        "status": "complete",
        "started": "2025-01-01T00:00:00",
    }
    (folder / "run.json").write_text(json.dumps(info))
    (folder / "metrics.json").write_text(
        json.dumps({"final": {"test": {"accuracy": accuracy}}, "history": {}, "epochs": 1})
    )
    (folder / "env.json").write_text(
        json.dumps(
            env
            if env is not None
            else {
                "python": "3.11.9",
                "keras": "3.11.1",
                "backend": "tensorflow",
                "backend_version": "2.19.0",
                "versions": {"tensorflow": "2.19.0"},
            }
        )
    )
    model.save(folder / "model.keras")
    return folder


def save_model(case: Case, folder: Path) -> Path:
    path = Path(folder) / f"{case.slug}.keras"
    if not path.exists():
        case.build().save(path)
    return path


def generate(root: Path, case: Case, model_path: Path, **kwargs: Any):
    """Write the reproduction of ``case`` and generate its Space; the write result."""
    repro_dir = write_manifest(root, case)
    return write_space(plan_space(repro_dir, root, model=str(model_path)), **kwargs)


# -- running apps ----------------------------------------------------------------------------


@dataclass
class RunningApp:
    folder: Path
    url: str
    process: Any
    log: Path
    startup_s: float

    def client(self):
        from gradio_client import Client

        return Client(self.url, verbose=False, analytics_enabled=False)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_app(
    folder: Path, model_value: str | None, *, timeout: float = 240
) -> Iterator[RunningApp]:
    """Start ``python app.py`` in ``folder`` on a free port; stop it afterwards.

    Examples are cached at start-up, as Hugging Face Spaces do: Gradio runs the caching
    as a start-up event once the server answers, and an example that fails stops the app.
    """
    port = free_port()
    log = Path(folder).parent / f"{Path(folder).name}.app.log"
    process = start_app(
        folder,
        model_value=model_value,
        port=port,
        log_path=log,
        extra_env={"GRADIO_CACHE_EXAMPLES": "true"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        startup = wait_for_app(url, process, timeout=timeout, log_path=log)
        yield RunningApp(Path(folder), url, process, log, startup)
    finally:
        if process.poll() is not None:  # died while tests used it: show why
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            print(f"app {folder} exited early with code {process.returncode}; log tail:\n{tail}")
        stop_app(process)
