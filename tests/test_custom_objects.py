"""`custom_objects.py`: a model with custom Keras objects loads where only the model and this
module are, in a Space and on a Hub visitor's machine. The module is lifted from `train.py`
(the definitions and what they use, never the data or training code), or is the
contributor's own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image
from space_fixtures import DIGITS, running_app

from toolkit.custom_objects import extract_custom_objects, find_custom_objects
from toolkit.errors import ManifestError
from toolkit.manifest import Author, ExampleInfo, HubInfo, Manifest, Metric, RunConfig, TaskInfo
from toolkit.space import plan_space, write_space

REPO = Path(__file__).resolve().parents[1]

SCRIPT = '''\
"""A digits model with custom layers, laid out as a reproduction's train.py."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import json

import keras
import numpy as np
import pandas as pd
from keras import layers, ops

SCALE = 0.5
OFFSET = SCALE / 4
UNUSED = 3
EPOCHS = json.loads("2")
x_train = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")


def halve(x):
    return x * SCALE + OFFSET


@keras.saving.register_keras_serializable(package="sprint_tests")
class Halve(layers.Layer):
    """Scales its input by SCALE (through a helper function)."""

    def call(self, inputs):
        return halve(inputs)


class Sharpen(Halve):
    """An unregistered subclass of a custom layer: found through its base."""

    def __init__(self, power=2.0, **kwargs):
        super().__init__(**kwargs)
        self.power = power

    def call(self, inputs):
        return ops.power(super().call(inputs), self.power)

    def get_config(self):
        return {**super().get_config(), "power": self.power}


def build_model() -> keras.Model:
    inputs = keras.Input((28, 28, 1), name="image")
    x = Sharpen(3.0)(Halve()(inputs))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3, activation="relu")(x))
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x), name="digits")


def summary(frame: pd.DataFrame) -> None:
    print(frame.describe())


if __name__ == "__main__":
    build_model().fit(x_train, np.zeros(8), epochs=EPOCHS)
'''


def build_model_from_script():
    """The script's own ``build_model()``, run here (its KERAS_BACKEND line must not leak
    into the environment of the apps later tests start)."""
    namespace: dict = {"__name__": "train"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "tensorflow"))
        exec(compile(SCRIPT, "train.py", "exec"), namespace)
    return namespace["build_model"]()


def extract(script: str = SCRIPT):
    return extract_custom_objects(textwrap.dedent(script), where="train.py")


def ruff_findings(path: Path) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [
            str(ruff),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP,SIM",
            "--ignore",
            "E402",
            "--line-length",
            "100",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    return "" if done.returncode == 0 else done.stdout


# -- what is extracted ---------------------------------------------------------------------------


def test_the_classes_come_with_what_they_use_and_nothing_else():
    found = extract()
    assert found.names == ("Halve", "Sharpen")
    module = found.source
    for needed in (
        "def halve(x):",
        "SCALE = 0.5",
        "OFFSET = SCALE / 4",
        "class Sharpen(Halve):",
        "import keras",
        "from keras import layers, ops",
    ):
        assert needed in module, needed
    for left_out in (
        "UNUSED",
        "EPOCHS",
        "x_train",
        "build_model",
        "summary",
        "pandas",
        "json",
        "KERAS_BACKEND",
        "__main__",
    ):
        assert left_out not in module.split('"""', 2)[2], left_out
    assert found.imports == ("keras",)
    assert found.origin == "train.py lines 14-15, 21-22, 25-30, 33-44"
    assert module.rstrip().endswith('CUSTOM_OBJECTS = {"Halve": Halve, "Sharpen": Sharpen}')


def test_the_module_is_lint_clean(tmp_path: Path):
    path = tmp_path / "custom_objects.py"
    path.write_text(extract().source)
    assert ruff_findings(path) == ""


def test_a_saved_model_loads_in_a_fresh_process_with_only_the_module(tmp_path: Path):
    # The training side: the script's own classes build and save the model.
    model = build_model_from_script()
    x = np.random.default_rng(1).random((3, 28, 28, 1)).astype("float32")
    np.save(tmp_path / "expected.npy", model.predict(x, verbose=0))
    np.save(tmp_path / "x.npy", x)
    model.save(tmp_path / "model.keras")
    (tmp_path / "custom_objects.py").write_text(extract().source)
    # The visitor's side: a new process that never saw train.py.
    visitor = textwrap.dedent("""
        import importlib.util, sys
        import keras, numpy as np
        folder = sys.argv[1]
        spec = importlib.util.spec_from_file_location("custom_objects",
                                                      folder + "/custom_objects.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = keras.saving.load_model(folder + "/model.keras",
                                        custom_objects=module.CUSTOM_OBJECTS)
        np.testing.assert_allclose(model.predict(np.load(folder + "/x.npy"), verbose=0),
                                   np.load(folder + "/expected.npy"), rtol=1e-6, atol=1e-7)
        print("loaded", type(model.layers[2]).__name__, model.layers[2].power)
    """)
    done = subprocess.run(
        [sys.executable, "-c", visitor, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "loaded Sharpen 3.0" in done.stdout


def test_postponed_annotations_bring_no_imports():
    found = extract("""
        from __future__ import annotations

        import keras
        import pandas as pd


        @keras.saving.register_keras_serializable()
        class Frame(keras.layers.Layer):
            def summarise(self, frame: pd.DataFrame) -> pd.Series:
                return frame.mean()
    """)
    assert "pandas" not in found.source and found.imports == ("keras",)
    assert found.source.count("from __future__ import annotations") == 1


def test_evaluated_annotations_bring_their_imports():
    found = extract("""
        import keras
        import numpy as np


        class Grid(keras.layers.Layer):
            def set_grid(self, grid: np.ndarray) -> None:
                self.grid = grid
    """)
    assert "import numpy as np" in found.source and found.imports == ("keras", "numpy")


def test_registered_functions_and_metrics_are_custom_objects_too():
    found = extract("""
        import keras


        @keras.saving.register_keras_serializable(package="demo")
        def scaled_relu(x):
            return keras.ops.relu(x) * 2


        class Hits(keras.metrics.Metric):
            pass


        class Callback(keras.callbacks.Callback):
            pass
    """)
    assert found.names == ("scaled_relu", "Hits")
    assert "class Callback" not in found.source


def test_a_script_without_custom_objects_has_none():
    assert extract("import keras\nmodel = keras.Sequential([keras.layers.Dense(2)])\n") is None
    assert find_custom_objects(REPO / "reproductions" / "mnist_convnet") is None


# -- what cannot be extracted --------------------------------------------------------------------


def test_a_value_computed_by_a_call_is_refused_with_its_line():
    with pytest.raises(ManifestError) as caught:
        extract("""
            import keras
            VOCABULARY = open("vocab.txt").read().split()


            class Lookup(keras.layers.Layer):
                def call(self, x):
                    return x * len(VOCABULARY)
        """)
    message = caught.value.message
    assert "VOCABULARY" in message and "line 3" in message
    assert "custom_objects.py by hand" in message


def test_a_name_the_script_never_defines_is_refused():
    with pytest.raises(ManifestError) as caught:
        extract("""
            import keras


            class Broken(keras.layers.Layer):
                def call(self, x):
                    return helper(x)
        """)
    assert "'helper'" in caught.value.message and "line 5" in caught.value.message


def test_a_syntax_error_is_refused_with_its_line():
    with pytest.raises(ManifestError) as caught:
        extract("import keras\nclass Broken(keras.layers.Layer):\n    def call(self x):\n")
    assert "line 3" in caught.value.message


# -- the contributor's own module ----------------------------------------------------------------


def test_the_contributors_module_is_used_as_it_is(tmp_path: Path):
    own = (
        "import keras\n\n\nclass Mine(keras.layers.Layer):\n    pass\n\n\n"
        'CUSTOM_OBJECTS = {"Mine": Mine}\n'
    )
    (tmp_path / "custom_objects.py").write_text(own)
    (tmp_path / "train.py").write_text(SCRIPT)
    found = find_custom_objects(tmp_path)
    assert found.source == own and found.names == ("Mine",)
    assert found.origin == "custom_objects.py" and found.imports == ("keras",)
    assert list(found.load()) == ["Mine"]


def test_a_contributors_module_without_the_dict_is_refused(tmp_path: Path):
    (tmp_path / "custom_objects.py").write_text("import keras\n")
    with pytest.raises(ManifestError) as caught:
        find_custom_objects(tmp_path)
    assert "defines no CUSTOM_OBJECTS" in caught.value.message


# -- the reproductions in this repository --------------------------------------------------------


SLUGS = sorted(p.parent.name for p in REPO.glob("reproductions/*/train.py"))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_reproductions_custom_objects_extract_and_lint_clean(slug: str, tmp_path: Path):
    found = find_custom_objects(REPO / "reproductions" / slug)
    if found is None:
        return  # no custom Keras objects: the model loads with plain Keras
    path = tmp_path / "custom_objects.py"
    path.write_text(found.source)
    assert ruff_findings(path) == ""
    assert set(found.load()) == set(found.names)  # it runs, and defines what it says
    # A Space installs keras and numpy, and the backend a tensorflow-only model needs.
    pinned = Manifest.load(REPO / "reproductions" / slug).run.backend
    allowed = {"keras", "numpy"} | ({"tensorflow"} if pinned == "tensorflow" else set())
    assert set(found.imports) <= allowed


# -- in a Space -----------------------------------------------------------------------------------


def test_a_space_serves_a_model_with_custom_layers(tmp_path: Path):
    root = tmp_path / "root"
    folder = root / "reproductions" / "custom_digits"
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(SCRIPT)
    Manifest(
        slug="custom_digits",
        example=ExampleInfo(title="Digits with custom layers", authors=[Author("Ada")]),
        task=TaskInfo(
            kind="image_classification",
            input_shape=[28, 28, 1],
            class_names=DIGITS,
            input_scale=1 / 255,
        ),
        metrics=[Metric(name="accuracy", split="test", value=0.9, tolerance=0.05)],
        hub=HubInfo(repo_id="sprint-tests/custom-digits"),
        run=RunConfig(backend="jax"),
    ).save(folder)
    model = build_model_from_script()
    model.save(tmp_path / "model.keras")

    written = write_space(plan_space(folder, root, model=str(tmp_path / "model.keras")))
    space = written.plan.folder
    assert "custom_objects.py" in written.written
    assert (space / "custom_objects.py").read_text() == extract().source
    assert ruff_findings(space / "app.py") == ""

    with running_app(space, str(tmp_path / "model.keras")) as app:
        example = space / "examples" / "drawing_0.png"
        label, _ = app.client().predict(handle_file(str(example)), api_name="/predict")
    pixels = Image.open(example).convert("L").resize((28, 28), Image.Resampling.BILINEAR)
    x = np.asarray(pixels, dtype=np.float32)[None, ..., None] / 255.0
    expected = model.predict(x, verbose=0)[0]
    assert label["label"] == DIGITS[int(expected.argmax())]
    top = label["confidences"][0]
    assert top["confidence"] == pytest.approx(float(expected.max()), abs=1e-5)


# -- when they cannot be packaged ----------------------------------------------------------------

UNPACKAGEABLE = """\
import keras

VOCABULARY = open("vocab.txt").read().split()


class Lookup(keras.layers.Layer):
    def call(self, x):
        return x * len(VOCABULARY)
"""


def test_a_card_still_renders_but_push_and_space_refuse(tmp_path: Path, monkeypatch, capsys):
    from hub_fixtures import write_publishable

    from toolkit.cli import main

    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    repro = write_publishable(tmp_path)
    (repro / "train.py").write_text(UNPACKAGEABLE)
    assert main(["card", repro.name]) == 0
    card = (repro / "README.md").read_text()
    assert "could not be packaged with it yet" in card and "VOCABULARY" in card
    assert "custom_objects.py" not in card.split("## How to use")[1].split("```python")[1]
    assert main(["push", repro.name, "--dry-run"]) == 2
    assert main(["space", repro.name]) == 2
    err = capsys.readouterr().err
    assert err.count("VOCABULARY, which the script computes with a call at line 3") == 2
