"""The similarity demo (two images in, the model's number and a same/different verdict out).

A tiny untrained two-tower model stands in for a siamese network: one shared tower embeds
both 28x28 greyscale images and the output is the squared distance of the two embeddings,
built from stock layers so it loads without custom objects. The tests check that the app
prepares both images as the image family does, gives the very number the model gives on
correctly prepared pixels, reads the verdict off the threshold, and answers bad inputs with
a message, not what a trained network would say.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from space_fixtures import Case, RunningApp, generate, running_app, save_model, write_manifest

from toolkit.errors import ManifestError
from toolkit.manifest import Manifest, TaskInfo
from toolkit.space import plan_space
from toolkit.space.family import family_for

VERDICTS = ["same", "different"]


def tower():
    from keras import Input, Model, layers

    inputs = Input((28, 28, 1))
    x = layers.Conv2D(2, 3, activation="tanh")(inputs)
    return Model(inputs, layers.Dense(3, activation="tanh")(layers.GlobalAveragePooling2D()(x)))


def pair_model():
    """Two 28x28x1 images in, the squared distance of their embeddings (one unit) out."""
    from keras import Input, Model, layers

    shared = tower()
    first, second = Input((28, 28, 1), name="image_1"), Input((28, 28, 1), name="image_2")
    difference = layers.Subtract()([shared(first), shared(second)])
    return Model([first, second], layers.Dot(axes=1)([difference, difference]))


def one_image_model():
    from keras import Input, Model, layers

    inputs = Input((28, 28, 1), name="image")
    return Model(inputs, layers.Dense(1)(layers.Flatten()(inputs)))


def mismatched_pair_model():
    from keras import Input, Model, layers

    first, second = Input((28, 28, 1), name="small"), Input((32, 32, 1), name="large")
    pooled = [layers.GlobalAveragePooling2D()(x) for x in (first, second)]
    return Model([first, second], layers.Subtract()(pooled))


PAIRS = Case(
    "pairs",
    pair_model,
    TaskInfo(
        kind="image_similarity",
        input_shape=[28, 28, 1],
        class_names=VERDICTS,
        input_scale=1 / 255,
    ),
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(generated Space folder, model file)."""
    root = tmp_path_factory.mktemp("sprint-root")
    model = save_model(PAIRS, tmp_path_factory.mktemp("models"))
    return generate(root, PAIRS, model).plan.folder, model


@pytest.fixture(scope="module")
def app_module(built, monkeypatch_module) -> dict:
    """app.py imported in this process (not launched): its functions, called directly."""
    folder, model = built
    monkeypatch_module.setenv("SPRINT_MODEL_PATH", str(model))
    monkeypatch_module.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    return runpy.run_path(str(folder / "app.py"), run_name="similarity_probe")


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def running(built) -> Iterator[RunningApp]:
    folder, model = built
    with running_app(folder, str(model)) as app:
        yield app


def expected_distance(model_path: Path, first: Image.Image, second: Image.Image) -> float:
    """What the model says on the pair prepared by hand: greyscale, 28x28 bilinear, / 255."""
    import keras

    def pixels(image: Image.Image) -> np.ndarray:
        image = image.convert("L").resize((28, 28), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.float32)[None, ..., None] / 255.0

    model = keras.saving.load_model(model_path, compile=False)
    return float(model.predict([pixels(first), pixels(second)], verbose=0).reshape(-1)[0])


def refusal(app_module: dict, first, second) -> str:
    import gradio as gr

    with pytest.raises(gr.Error) as caught:
        app_module["compare"](first, second)
    return caught.value.message


# -- the family -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    ["similarity", "image_similarity", "Image-Similarity", "siamese", "Siamese Network"]
    + ["metric_learning", "contrastive_learning"],
)
def test_similarity_kinds_choose_the_similarity_demo(kind: str) -> None:
    assert family_for(kind) == "similarity"


def test_similarity_learning_keeps_the_generic_demo() -> None:
    """The kind the generic two-input fixture of the other Space tests uses, left alone."""
    assert family_for("similarity_learning") == "generic"


def test_the_space_offers_pairs_of_small_drawings(built) -> None:
    folder, _ = built
    config = json.loads((folder / "space_config.json").read_text())
    assert config["family"] == "similarity"
    assert config["class_names"] == VERDICTS
    assert [len(row) for row in config["examples"]] == [2, 2, 2]
    for row in config["examples"]:
        for name in row:
            path = folder / name
            assert path.stat().st_size < 16 * 1024
            with Image.open(path) as image:
                assert image.mode == "L" and image.size == (112, 112)
    first, second = (Image.open(folder / name) for name in config["examples"][0])
    assert not np.array_equal(np.asarray(first), np.asarray(second)), "a same pair differs"


def test_the_generated_app_is_lint_clean(built) -> None:
    folder, _ = built
    ruff = Path(sys.executable).with_name("ruff")
    lint = subprocess.run(
        [str(ruff), "check", "--isolated", "--no-cache", "--line-length", "100"]
        + ["--target-version", "py311", "--select", "E,F,W,I,B,UP,SIM", str(folder / "app.py")],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize(
    ("build", "change", "message"),
    [
        (one_image_model, {}, "The similarity demo feeds two images; the model has 1 input(s)"),
        (mismatched_pair_model, {}, "two image inputs of one shape"),
        (pair_model, {"class_names": ["a", "b", "c"]}, "class_names has 3 names"),
    ],
)
def test_a_model_the_demo_cannot_feed_is_refused(tmp_path, build, change, message) -> None:
    case = Case("odd_pairs", build, TaskInfo(kind="image_similarity", **change))
    repro = write_manifest(tmp_path, case)
    model = save_model(case, tmp_path)
    with pytest.raises(ManifestError) as caught:
        plan_space(repro, tmp_path, model=str(model))
    assert message in caught.value.message and "How to fix:" in caught.value.message


def test_the_kind_is_known_to_the_manifest(tmp_path) -> None:
    repro = write_manifest(tmp_path, PAIRS)
    assert Manifest.load(repro).task.kind == "image_similarity"


# -- the app's function, called directly ------------------------------------------------------


def test_a_pair_gets_the_model_number_and_the_verdict_it_implies(app_module, built) -> None:
    folder, model = built
    config = json.loads((folder / "space_config.json").read_text())
    names = config["examples"][1]  # 3 and 8
    first, second = (Image.open(folder / name) for name in names)
    value, verdict, notes = app_module["compare"](first, second)
    expected = expected_distance(model, first, second)
    assert value == pytest.approx(expected, rel=1e-4, abs=1e-6)
    assert verdict == ("different" if expected > 0.5 else "same")
    assert notes == (
        "First image: resized 112x112 to 28x28; second image: resized 112x112 to 28x28."
    )


def test_the_threshold_splits_the_verdicts(app_module, monkeypatch) -> None:
    image = Image.new("L", (28, 28), 0)
    value, verdict, _ = app_module["compare"](image, image)
    assert value == pytest.approx(0.0, abs=1e-6) and verdict == "same"
    monkeypatch.setitem(app_module["compare"].__wrapped__.__globals__, "THRESHOLD", -1.0)
    assert app_module["compare"](image, image)[1] == "different"


def test_odd_images_are_converted_and_said_so(app_module) -> None:
    colour = Image.new("RGBA", (40, 30), (255, 0, 0, 128))
    grey = Image.new("L", (28, 28), 200)
    _, verdict, notes = app_module["compare"](colour, grey)
    assert verdict in VERDICTS
    assert "first image: removed the alpha channel" in notes.lower()
    assert "first image: resized 40x30 to 28x28" in notes
    assert "second image" not in notes  # used as given


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (None, None, "Please upload two images to compare."),
        (None, "image", "Please upload the first image too: the model compares two."),
        ("image", None, "Please upload the second image too: the model compares two."),
    ],
)
def test_a_missing_image_is_refused_with_a_message(app_module, first, second, message) -> None:
    image = Image.new("L", (28, 28), 0)
    pick = {None: None, "image": image}
    assert refusal(app_module, pick[first], pick[second]) == message


def test_a_huge_image_is_refused_and_names_which(app_module, monkeypatch) -> None:
    monkeypatch.setitem(app_module["image_to_array"].__globals__, "MAX_PIXELS", 1_000_000)
    small, large = Image.new("L", (28, 28), 0), Image.new("L", (1100, 1000), 0)
    assert refusal(app_module, small, large) == (
        "Second image: This image has 1100x1000 pixels: please upload one under 1 megapixels."
    )


# -- the running app, through gradio_client ---------------------------------------------------


def predict(app: RunningApp, *args):
    return app.client().predict(*args, api_name="/predict")


def test_the_running_app_answers_its_first_example(running, built) -> None:
    folder, model = built
    config = json.loads((folder / "space_config.json").read_text())
    paths = [folder / name for name in config["examples"][0]]
    value, verdict, notes = predict(running, *(handle_file(str(p)) for p in paths))
    expected = expected_distance(model, *(Image.open(p) for p in paths))
    assert value == pytest.approx(expected, rel=1e-3, abs=1e-4)  # shown with 4 decimals
    assert verdict["label"] == ("different" if expected > 0.5 else "same")
    assert "resized 112x112 to 28x28" in notes


def test_the_running_app_refuses_bad_inputs_with_messages(running, tmp_path) -> None:
    good = tmp_path / "good.png"
    Image.new("L", (28, 28), 0).save(good)
    before = len(running.output())
    with pytest.raises(AppError, match="Please upload the second image too"):
        predict(running, handle_file(str(good)), None)
    assert "Traceback" not in running.output()[before:]
    (tmp_path / "fake.png").write_bytes(b"this is not an image")
    with pytest.raises(AppError, match="cannot identify image file"):
        predict(running, handle_file(str(good)), handle_file(str(tmp_path / "fake.png")))
    assert running.process.poll() is None
    value, verdict, _ = predict(running, handle_file(str(good)), handle_file(str(good)))
    assert value == pytest.approx(0.0, abs=1e-4) and verdict["label"] == "same"
