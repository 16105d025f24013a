"""Every task template, generated and started on localhost, called with gradio_client.

Each app runs in its own process (``python app.py``, as on Spaces) with SPRINT_MODEL_PATH
pointing at a tiny model saved by this module. Good inputs must give outputs of the right
kind and shape (and the very predictions the model makes on correctly prepared inputs);
odd inputs must be converted, or answered with a clear message, never a traceback.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from space_fixtures import (
    CASES,
    DIGITS,
    TABULAR_FEATURES,
    TEXT_LENGTH,
    VOCABULARY,
    RunningApp,
    generate,
    running_app,
    save_model,
)

from toolkit.space.serve import example_argument


@pytest.fixture(scope="module")
def spaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """slug -> (generated Space folder, model file), for every case."""
    root = tmp_path_factory.mktemp("sprint-root")
    models = tmp_path_factory.mktemp("models")
    built = {}
    for slug, case in CASES.items():
        model = save_model(case, models)
        built[slug] = (generate(root, case, model).plan.folder, model)
    return built


@pytest.fixture(scope="module")
def app(spaces) -> Iterator[Callable[[str], RunningApp]]:
    """``app(slug)``: the running app of a case; one app process alive at a time."""
    running: dict[str, tuple[RunningApp, ExitStack]] = {}

    def get(slug: str) -> RunningApp:
        if slug not in running:
            for _, stack in running.values():
                stack.close()
            running.clear()
            stack = ExitStack()
            folder, model = spaces[slug]
            running[slug] = (stack.enter_context(running_app(folder, str(model))), stack)
        return running[slug][0]

    yield get
    for _, stack in running.values():
        stack.close()


def predict(app: RunningApp, *args):
    return app.client().predict(*args, api_name="/predict")


def refused(app: RunningApp, *args, quiet: bool = True) -> str:
    """The message the visitor sees for a refused input; the app must stay up, and unless
    Gradio itself refused the input (``quiet=False``), log no traceback either."""
    before = len(app.output())
    with pytest.raises(AppError) as caught:
        predict(app, *args)
    assert app.process.poll() is None, "the app died on a bad input"
    if quiet:
        assert "Traceback" not in app.output()[before:], app.output()[before:]
    return str(caught.value)


def local_model(spaces, slug: str):
    import keras

    return keras.saving.load_model(spaces[slug][1], compile=False)


def confidences(label: dict) -> dict[str, float]:
    return {c["label"]: c["confidence"] for c in label["confidences"]}


def png(path: Path, mode: str, size: tuple[int, int], color) -> str:
    Image.new(mode, size, color).save(path)
    return str(path)


# -- every app works on first load --------------------------------------------------------------
# (one test per app, placed in its section: the module runs one app process at a time)


def first_example_answers(running: RunningApp) -> None:
    """The app's first example (what a visitor clicks first) gets an answer, also when
    several visitors ask at once while the app is still caching its examples."""
    config = json.loads((running.folder / "space_config.json").read_text())
    args = [example_value(running.folder, value) for value in config["examples"][0]]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: predict(running, *args), range(4)))
    assert all(output is not None for answer in answers for output in answer)
    assert running.process.poll() is None


def example_value(folder: Path, value):
    """An example cell as the client sends it: files uploaded, sample tables as data."""
    family = json.loads((folder / "space_config.json").read_text())["family"]
    return example_argument(folder, family, value)


# -- image classification -----------------------------------------------------------------------


def test_digits_first_example_answers(app):
    first_example_answers(app("digits"))


def test_image_example_matches_the_model_on_prepared_pixels(app, spaces):
    running = app("digits")
    example = running.folder / "examples" / "drawing_0.png"
    label, notes = predict(running, handle_file(str(example)))
    pixels = Image.open(example).convert("L").resize((28, 28), Image.Resampling.BILINEAR)
    x = np.asarray(pixels, dtype=np.float32)[None, ..., None] / 255.0
    expected = local_model(spaces, "digits").predict(x, verbose=0)[0]
    shown = confidences(label)
    assert len(shown) == 5 and set(shown) <= set(DIGITS)
    assert label["label"] == DIGITS[int(expected.argmax())]
    for name, value in shown.items():
        assert value == pytest.approx(float(expected[DIGITS.index(name)]), abs=1e-5)
    assert list(shown.values()) == sorted(shown.values(), reverse=True)
    assert sum(shown.values()) <= 1 + 1e-6
    assert notes == "Resized 112x112 to 28x28."


@pytest.mark.parametrize(
    ("mode", "size", "color", "expected_notes"),
    [
        (
            "RGBA",
            (40, 30),
            (255, 0, 0, 128),
            ["alpha channel", "greyscale", "resized 40x30 to 28x28"],
        ),
        ("RGB", (300, 200), (0, 128, 255), ["Converted to greyscale", "resized 300x200 to 28x28"]),
        ("L", (28, 28), 200, ["Used as given"]),
        ("LA", (28, 28), (200, 0), ["alpha channel"]),
        ("P", (20, 20), 3, ["greyscale", "resized 20x20"]),
        ("I;16", (28, 28), 3000, ["high-bit-depth"]),
        ("1", (50, 50), 1, ["greyscale", "resized 50x50"]),
    ],
)
def test_odd_images_are_converted(app, tmp_path, mode, size, color, expected_notes):
    running = app("digits")
    label, notes = predict(running, handle_file(png(tmp_path / "odd.png", mode, size, color)))
    assert label["label"] in DIGITS
    for fragment in expected_notes:
        assert fragment in notes


def test_cmyk_jpeg_is_converted(app, tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (64, 64), (0, 50, 100, 0)).save(path)
    label, notes = predict(app("digits"), handle_file(str(path)))
    assert label["label"] in DIGITS and "greyscale" in notes


def test_missing_image_is_refused_with_a_message(app):
    assert refused(app("digits"), None) == "Please upload an image first."


def test_a_file_that_is_no_image_is_refused_without_crashing(app, tmp_path):
    running = app("digits")
    (tmp_path / "fake.png").write_bytes(b"this is not an image")
    with pytest.raises(AppError, match="cannot identify image file"):
        predict(running, handle_file(str(tmp_path / "fake.png")))
    assert running.process.poll() is None
    assert predict(running, handle_file(png(tmp_path / "ok.png", "L", (28, 28), 0)))


# -- text classification ------------------------------------------------------------------------


def test_reviews_first_example_answers(app):
    first_example_answers(app("reviews"))


def test_text_matches_the_model_on_textvectorization_ids(app, spaces):
    from keras import layers

    text = "A GREAT movie, good fun... awful acting!"
    label, notes = predict(app("reviews"), text)
    vectorize = layers.TextVectorization(
        vocabulary=VOCABULARY[2:], output_sequence_length=TEXT_LENGTH
    )
    ids = np.asarray(vectorize([text]))
    expected = local_model(spaces, "reviews").predict(ids, verbose=0)[0]
    shown = confidences(label)
    assert set(shown) == {"negative", "neutral", "positive"}
    assert sum(shown.values()) == pytest.approx(1.0, abs=1e-5)
    for index, name in enumerate(["negative", "neutral", "positive"]):
        assert shown[name] == pytest.approx(float(expected[index]), abs=1e-5)
    assert notes == "Used as given."


CONCURRENT_CALLS = """
import runpy, threading, numpy as np
app = runpy.run_path("app.py", run_name="probe")
errors = []
def work():
    for _ in range(150):
        try:
            app["predict"](np.zeros((1, %d), "int32"))
        except Exception as exc:
            errors.append(repr(exc))
            return
threads = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print("errors:", len(errors), errors[:1])
"""


def test_the_model_is_called_one_request_at_a_time(spaces):
    """Keras' JAX predict_on_batch fails when two threads call it at once ("Buffer has been
    deleted or donated"): Gradio runs cached examples and requests in parallel threads."""
    folder, model = spaces["reviews"]
    env = {**os.environ, "SPRINT_MODEL_PATH": str(model), "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT_CALLS % TEXT_LENGTH],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("errors: 0 []"), done.stdout


@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_empty_text_is_refused(app, text):
    assert refused(app("reviews"), text) == "Please type some text to classify."


def test_very_long_text_is_cut_and_said_so(app):
    label, notes = predict(app("reviews"), "good movie " * 5000)
    assert label["label"] in {"negative", "neutral", "positive"}
    assert "cut to its first 20,000 of 54,999 characters" in notes  # stripped
    assert f"only the first {TEXT_LENGTH} of" in notes


def test_unknown_words_are_flagged(app):
    _, notes = predict(app("reviews"), "zxq plorp")
    assert notes == "None of the words is in the model's vocabulary."


def test_imdb_first_example_answers(app):
    first_example_answers(app("imdb"))


def test_string_model_reads_the_raw_text(app, spaces):
    import tensorflow as tf

    text = "Good fun, great acting."
    label, notes = predict(app("imdb"), text)
    expected = np.asarray(local_model(spaces, "imdb")(tf.constant([[text]])))[0]
    shown = confidences(label)
    assert [shown["negative"], shown["positive"]] == pytest.approx(expected.tolist(), abs=1e-5)
    assert notes == "Used as given."
    assert refused(app("imdb"), " ") == "Please type some text to classify."
    _, notes = predict(app("imdb"), "fun " * 10_000)
    assert notes == "The text was cut to its first 20,000 of 39,999 characters."


# -- tabular ------------------------------------------------------------------------------------


def test_heart_first_example_answers(app):
    first_example_answers(app("heart"))


def table(rows: list[list], headers: list[str] = TABULAR_FEATURES) -> dict:
    return {"headers": headers, "data": rows}


def test_tabular_classification_predicts_every_row(app, spaces):
    rows = [[63, 233, 150], [40, 180, 170]]
    label, results = predict(app("heart"), table(rows))
    model = local_model(spaces, "heart")
    inputs = {
        name: np.array([[r[i]] for r in rows], dtype="float32")
        for i, name in enumerate(TABULAR_FEATURES)
    }
    expected = model.predict(inputs, verbose=0)[:, 0]
    shown = confidences(label)
    assert set(shown) == {"healthy", "heart disease"}
    assert sum(shown.values()) == pytest.approx(1.0)
    assert shown["heart disease"] == pytest.approx(float(expected[0]), abs=1e-5)
    assert results["headers"] == [*TABULAR_FEATURES, "prediction", "confidence"]
    assert len(results["data"]) == 2
    for row, p in zip(results["data"], expected, strict=True):
        assert row[3] == ("heart disease" if p >= 0.5 else "healthy")


@pytest.mark.parametrize(
    ("rows", "headers", "message"),
    [
        ([[63, "abc", 150]], TABULAR_FEATURES, "Row 1, column 'chol' holds 'abc', not a number."),
        ([[63, 233, 150], [41, None, 150]], TABULAR_FEATURES, "Row 2, column 'chol' is empty."),
        ([["", "", ""]], TABULAR_FEATURES, "The table has no filled-in row"),
        ([[1, 2]], ["age", "chol"], "Missing column(s): thalach."),
    ],
)
def test_bad_tables_are_refused(app, rows, headers, message):
    assert message in refused(app("heart"), table(rows, headers))


def test_housing_first_example_answers(app):
    first_example_answers(app("housing"))


def test_tabular_regression_returns_the_model_value(app, spaces):
    rows = [[6, 30, 300], [4, 80, 600]]
    value, results = predict(app("housing"), table(rows, ["rooms", "age", "tax"]))
    expected = local_model(spaces, "housing").predict(np.array(rows, "float32"), verbose=0)
    assert value == pytest.approx(float(expected[0, 0]), rel=1e-5)
    assert [r[-1] for r in results["data"]] == pytest.approx(expected[:, 0].tolist(), rel=1e-5)
    assert "holds 'x'" in refused(app("housing"), table([[6, "x", 1]], ["rooms", "age", "tax"]))


# -- time series --------------------------------------------------------------------------------


def plot_image(plot: dict) -> Image.Image:
    assert plot["type"] == "matplotlib"
    data = base64.b64decode(plot["plot"].split(",", 1)[1])
    return Image.open(io.BytesIO(data))


def test_nab_first_example_answers(app):
    first_example_answers(app("nab"))


def test_reconstruction_plots_the_series_and_its_error(app):
    running = app("nab")
    plot, summary = predict(
        running, handle_file(str(running.folder / "examples" / "series_with_spike.csv"))
    )
    assert plot_image(plot).size[0] > 400
    assert summary.startswith("Mean reconstruction error")


def test_semicolon_csv_with_gaps_is_read(app, tmp_path):
    lines = ["time;value"] + [f"t{i};{np.sin(i / 4):.3f}" for i in range(40)] + ["t40;n/a"]
    (tmp_path / "semi.csv").write_text("\n".join(lines) + "\n")
    plot, summary = predict(app("nab"), handle_file(str(tmp_path / "semi.csv")))
    assert plot_image(plot).size[0] > 0
    assert "Skipped 1 row(s) with missing or non-numeric values." in summary


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 8, "This file could not be read as CSV"),
        (b"", "This file could not be read as CSV (No columns to parse from file)"),
        (b"a,b\n1,2\n3,4,5,6\n", "This file could not be read as CSV (Error tokenizing data"),
        (
            b"when,what\nmonday,rain\ntuesday,sun\n",
            "The model reads 1 numeric column(s); this CSV has 0 (columns: when, what)",
        ),
        (
            b"step,value\n0,1.5\n1,2.5\n",
            "The series has 2 usable rows; the model needs at least 24",
        ),
    ],
)
def test_malformed_csv_is_refused(app, tmp_path, content, message):
    (tmp_path / "bad.csv").write_bytes(content)
    assert message in refused(app("nab"), handle_file(str(tmp_path / "bad.csv")))


def test_missing_csv_is_refused(app):
    assert refused(app("nab"), None) == "Please upload a CSV file."


def test_weather_first_example_answers(app):
    first_example_answers(app("weather"))


def test_forecast_plots_the_next_steps(app):
    running = app("weather")
    plot, summary = predict(running, handle_file(str(running.folder / "examples" / "series.csv")))
    assert plot_image(plot).size[0] > 400
    assert summary == "Forecast of the next 6 step(s)."


# -- image to image and generative ------------------------------------------------------------


def test_denoiser_first_example_answers(app):
    first_example_answers(app("denoiser"))


def test_image_to_image_returns_the_model_output_size(app, tmp_path):
    running = app("denoiser")
    for mode, size, color, note in [
        ("RGBA", (40, 30), (9, 9, 9, 0), "alpha channel"),
        ("L", (16, 16), 100, "Converted to colour"),
    ]:
        result, notes = predict(running, handle_file(png(tmp_path / "in.png", mode, size, color)))
        image = Image.open(result)
        assert image.size == (16, 16) and image.mode == "L"
        assert note in notes
    assert refused(running, None) == "Please upload an image first."


def test_dcgan_first_example_answers(app):
    first_example_answers(app("dcgan"))


def test_generator_tiles_samples_and_is_deterministic(app):
    running = app("dcgan")
    grid, notes = predict(running, 0, 4)
    assert Image.open(grid).size == (14, 14)
    assert notes == "Seed 0."
    single, _ = predict(running, 42, 1)
    again, _ = predict(running, 42, 1)
    assert Image.open(single).size == (7, 7)
    assert np.array_equal(np.asarray(Image.open(single)), np.asarray(Image.open(again)))
    # the slider's own range check (Gradio's message; Gradio logs it with a traceback)
    assert "greater than maximum value 16" in refused(running, 0, 100, quiet=False)


# -- generic fallback ---------------------------------------------------------------------------


def test_siamese_first_example_answers(app):
    first_example_answers(app("siamese"))


def test_generic_app_runs_json_inputs(app, spaces):
    running = app("siamese")
    a, b = [1.0, 2.0, 3.0], [[1.0, 2.0], [3.0, 4.0]]
    outputs, notes = predict(running, json.dumps({"a": a, "b": b}))
    expected = local_model(spaces, "siamese").predict([np.array([a]), np.array([b])], verbose=0)
    assert outputs["output"]["shape"] == [1, 2]
    assert outputs["output"]["values"] == pytest.approx(expected[0].tolist(), abs=1e-5)
    random_outputs, notes = predict(running, "random")
    assert random_outputs["output"]["shape"] == [1, 2]
    assert "random values for 'a', shape (3,)" in notes.lower()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please give the model's inputs as JSON, or type 'random'."),
        ("{bad json", "This is not valid JSON: Expecting property name"),
        ('{"a": [1, 2, 3]}', "Missing input(s) b; the model takes a, b."),
        ('{"a": [1, 2], "b": [[1, 2], [3, 4]]}', "Input 'a' should have shape (3,)"),
        ('{"a": ["x", "y", "z"], "b": [[1, 2], [3, 4]]}', "Input 'a' is not a float32 array"),
        ("[1, 2, 3]", "The model takes 2 inputs (a, b)"),
    ],
)
def test_generic_app_explains_bad_json(app, text, message):
    assert message in refused(app("siamese"), text)
