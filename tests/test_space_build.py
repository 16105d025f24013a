"""`sprint space` generation: files, front matter, pins, examples, checks and edit safety.

These tests write Spaces but start no app (tests/test_space_apps.py does), except the
``--serve`` test, which runs the command's own server once.
"""

from __future__ import annotations

import ast
import json
import os
import py_compile
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from space_fixtures import CASES, generate, save_model, write_manifest, write_run

from toolkit.cli import main
from toolkit.errors import ManifestError
from toolkit.manifest import DataSource, Manifest
from toolkit.space import family_for, plan_space, write_space
from toolkit.space.content import SHORT_DESCRIPTION_MAX, short_description
from toolkit.space.examples import EXAMPLE_DIR
from toolkit.space.pins import installed_version

HUB_COLORS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
APP_IMPORTS = {
    "functools",
    "json",
    "logging",
    "os",
    "pathlib",
    "re",
    "threading",
    "gradio",
    "keras",
    "numpy",
    "pandas",
    "PIL",
    "matplotlib",
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    return {slug: save_model(case, folder) for slug, case in CASES.items()}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    return tmp_path


def front_matter(folder: Path) -> dict:
    text = (folder / "README.md").read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


# -- task kinds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "family"),
    [
        ("image_classification", "image_classification"),
        ("Image-Classification", "image_classification"),
        ("text_classification", "text_classification"),
        ("sentiment_analysis", "text_classification"),
        ("structured_data_classification", "tabular_classification"),
        ("tabular_regression", "tabular_regression"),
        ("timeseries_forecasting", "time_series"),
        ("timeseries_anomaly_detection", "time_series"),
        ("image_segmentation", "image_to_image"),
        ("image_denoising", "image_to_image"),
        ("gan", "generative"),
        ("conditional_image_generation", "generative"),
        ("unknown", "generic"),
        ("", "generic"),
        ("graph_node_classification", "generic"),
    ],
)
def test_task_kinds_map_to_templates(kind, family):
    assert family_for(kind) == family


# -- README front matter ------------------------------------------------------------------------


def test_short_description_fits_the_hub_limit():
    text = (
        "This [example](https://keras.io) shows how to train a convolutional network "
        "on MNIST and reach 99% accuracy"
    )
    short = short_description(text)
    assert len(short) <= SHORT_DESCRIPTION_MAX and short.endswith("…")
    assert short.startswith("This example shows how to train") and "](" not in short
    assert short_description("Short and sweet.") == "Short and sweet."


def test_readme_front_matter_describes_the_space(root, models):
    case = CASES["digits"]
    repro = write_manifest(
        root,
        case,
        description="A simple convnet that reaches ~99% test "
        "accuracy on MNIST, trained from scratch in a few minutes on a CPU.",
    )
    manifest = Manifest.load(repro)
    manifest.data = [DataSource(kind="keras.datasets", name="mnist")]
    manifest.save(repro)
    write_run(repro, __import__("keras").saving.load_model(models["digits"]))
    plan = plan_space(repro, root)
    write_space(plan)
    meta = front_matter(plan.folder)
    assert meta["title"] == "Tiny image classification"
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == installed_version("gradio")
    assert meta["app_file"] == "app.py" and meta["python_version"] == "3.11"
    assert meta["models"] == ["sprint-tests/digits"]
    assert meta["datasets"] == ["ylecun/mnist"]
    assert meta["license"] == "apache-2.0"
    assert {"keras", "image-classification"} <= set(meta["tags"])
    assert {meta["colorFrom"], meta["colorTo"]} <= HUB_COLORS and meta["emoji"]
    assert len(meta["short_description"]) <= SHORT_DESCRIPTION_MAX
    assert meta["short_description"].endswith("…")
    body = (plan.folder / "README.md").read_text()
    assert "[Ada Lovelace](https://example.org/ada) and Alan Turing" in body
    assert "test accuracy: reported 0.9, reproduced 0.93 (pass)" in body
    config = json.loads((plan.folder / "space_config.json").read_text())
    assert config["article"] in body and config["title"] == meta["title"]


# -- requirements -------------------------------------------------------------------------------


def test_requirements_are_pinned_to_the_served_run(root, models):
    import keras

    repro = write_manifest(root, CASES["digits"])
    run = write_run(repro, keras.saving.load_model(models["digits"]))
    plan = plan_space(repro, root)
    write_space(plan)
    requirements = (plan.folder / "requirements.txt").read_text()
    assert "keras==3.11.1\ntensorflow==2.19.0\n" in requirements
    assert "the versions run 20250101-000000-s0 recorded in its env.json" in requirements
    assert "gradio" not in [line.split("==")[0] for line in requirements.splitlines()]
    assert plan.model.path == run / "model.keras"
    assert plan.config["backend"] == "tensorflow"
    assert "trained with Keras 3.11.1 on tensorflow 2.19.0" in plan.config["article"]


def test_versions_a_run_did_not_record_are_pinned_to_the_installed_ones(root, models):
    import keras

    repro = write_manifest(root, CASES["digits"])
    write_run(repro, keras.saving.load_model(models["digits"]), env={"backend": "tensorflow"})
    requirements = (plan_space(repro, root).files["requirements.txt"]).decode()
    assert f"keras=={installed_version('keras')}" in requirements
    assert (
        "recorded no keras, tensorflow, python version: pinned to the installed one" in requirements
    )


def test_without_a_run_the_installed_versions_are_pinned_and_said_so(root, models):
    plan = generate(root, CASES["nab"], models["nab"]).plan
    requirements = (plan.folder / "requirements.txt").read_text()
    assert "no complete run was found" in requirements
    assert f"keras=={installed_version('keras')}" in requirements
    assert f"jax[cpu]=={installed_version('jax')}" in requirements  # the manifest's backend
    assert f"matplotlib=={installed_version('matplotlib')}" in requirements  # series plots


# -- generated files ----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", list(CASES))
def test_generated_app_is_self_contained_and_clean(root, models, slug):
    plan = generate(root, CASES[slug], models[slug]).plan
    app = plan.folder / "app.py"
    py_compile.compile(str(app), doraise=True)
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(ast.parse(app.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= APP_IMPORTS, imported - APP_IMPORTS
    ruff = Path(sys.executable).with_name("ruff")
    lint = subprocess.run(
        [
            str(ruff),
            "check",
            "--isolated",
            "--no-cache",
            "--line-length",
            "100",
            "--target-version",
            "py311",
            "--select",
            "E,F,W,I,B,UP,SIM",
            str(app),
        ],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    assert plan.family == family_for(CASES[slug].task.kind)


@pytest.mark.parametrize("slug", list(CASES))
def test_examples_are_small_and_readable(root, models, slug):
    from PIL import Image

    plan = generate(root, CASES[slug], models[slug]).plan
    config = json.loads((plan.folder / "space_config.json").read_text())
    assert config["examples"], "every Space offers examples"
    for path in (
        (plan.folder / EXAMPLE_DIR).glob("*") if (plan.folder / EXAMPLE_DIR).is_dir() else []
    ):
        assert path.stat().st_size < 64 * 1024, path
        if path.suffix == ".png":
            Image.open(path).verify()
    if slug == "digits":  # single-character class names are drawn as glyphs
        assert [row[0] for row in config["examples"]] == [
            f"examples/drawing_{d}.png" for d in "059"
        ]


def test_text_space_carries_the_vocabulary(root, models):
    plan = generate(root, CASES["reviews"], models["reviews"]).plan
    assert (plan.folder / "vocab.txt").read_text().splitlines() == CASES["reviews"].vocabulary
    assert plan.config["vocabulary_file"] == "vocab.txt"


# -- contradictions between manifest and model ------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "change", "message"),
    [
        (
            "digits",
            {"class_names": ["cat", "dog", "bird"]},
            "class_names has 3 names but the model outputs 10 scores",
        ),
        ("digits", {"input_shape": [32, 32, 3]}, "[task] input_shape [32, 32, 3] does not match"),
        ("housing", {"kind": "image_classification"}, "needs an image input"),
        ("reviews", {"vocabulary": ""}, "reads token ids, but the manifest names no vocabulary"),
        (
            "housing",
            {"feature_names": ["rooms", "age"]},
            "feature_names has 2 names but the model reads 3 features",
        ),
        ("siamese", {"kind": "gan"}, "The generative demo feeds one latent input; the model has 2"),
    ],
)
def test_a_manifest_that_contradicts_the_model_is_refused(root, models, slug, change, message):
    repro = write_manifest(root, CASES[slug])
    manifest = Manifest.load(repro)
    for key, value in change.items():
        setattr(manifest.task, key, value)
    manifest.save(repro)
    with pytest.raises(ManifestError) as caught:
        plan_space(repro, root, model=str(models[slug]))
    assert message in caught.value.message and "How to fix:" in caught.value.message


# -- never clobber edits ------------------------------------------------------------------------


def test_hand_edits_are_kept_unless_forced(root, models):
    first = generate(root, CASES["digits"], models["digits"])
    folder = first.plan.folder
    assert "app.py" in first.written
    (folder / "app.py").write_text((folder / "app.py").read_text() + "# my tweak\n")
    again = generate(root, CASES["digits"], models["digits"])
    assert again.kept == ["app.py"] and "app.py" not in again.written
    assert (folder / "app.py").read_text().endswith("# my tweak\n")
    assert "README.md" in again.unchanged
    still = generate(root, CASES["digits"], models["digits"])
    assert still.kept == ["app.py"]  # the edit stays protected on every later run
    forced = generate(root, CASES["digits"], models["digits"], force=True)
    assert "app.py" in forced.written
    assert not (folder / "app.py").read_text().endswith("# my tweak\n")


def test_files_no_longer_generated_are_removed_unless_edited(root, models):
    plan = generate(root, CASES["digits"], models["digits"]).plan
    folder = plan.folder
    (folder / "examples" / "drawing_5.png").write_bytes(b"my own drawing")
    repro = root / "reproductions" / "digits"
    manifest = Manifest.load(repro)
    manifest.task.class_names = [f"class_{i}" for i in range(10)]  # no glyphs: shapes instead
    manifest.save(repro)
    result = write_space(plan_space(repro, root, model=str(models["digits"])))
    assert set(result.removed) == {"examples/drawing_0.png", "examples/drawing_9.png"}
    assert result.kept == ["examples/drawing_5.png"]
    assert (folder / "examples" / "shape_ring.png").is_file()


# -- the command --------------------------------------------------------------------------------


def test_cli_writes_the_space_and_reports_json(root, models, capsys):
    write_manifest(root, CASES["heart"])
    code = main(["space", "heart", "--model", str(models["heart"]), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["family"] == "tabular_classification"
    assert set(summary["written"]) >= {
        "app.py",
        "README.md",
        "requirements.txt",
        ".gitignore",
        "space_config.json",
        "examples/sample.csv",
    }
    assert Path(summary["folder"]) == root / "spaces" / "heart"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["space", "Not/A/Slug"], "is not a valid reproduction name"),
        (["space", "missing"], "No manifest found"),
        (
            ["space", "heart", "--model", "nowhere.keras"],
            "is neither a .keras file nor a Hub repo id",
        ),
    ],
)
def test_cli_bad_input_exits_2(root, capsys, argv, message):
    write_manifest(root, CASES["heart"])
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_serve_runs_the_app_locally(root, models):
    from gradio_client import Client

    from toolkit.space.serve import free_port, stop_app, wait_for_app

    write_manifest(root, CASES["housing"])
    port = free_port()
    log = root / "serve.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "toolkit.cli",
                "space",
                "housing",
                "--model",
                str(models["housing"]),
                "--serve",
                "--port",
                str(port),
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_app(f"http://127.0.0.1:{port}/", process, timeout=240, log_path=log)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)
        value, _ = client.predict(
            {"headers": ["rooms", "age", "tax"], "data": [[1, 2, 3]]}, api_name="/predict"
        )
        assert isinstance(value, float)
    finally:
        stop_app(process)  # SIGTERM: the command stops its app process too
    assert "Serving on http://127.0.0.1:" in log.read_text()
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_repo_id_as_model_is_served_from_the_hub(root):
    repro = write_manifest(root, CASES["digits"])
    plan = plan_space(repro, root, model="hf://alice/other-digits")
    assert plan.model.app_value == "hf://alice/other-digits"
    assert plan.repo_id == "sprint-tests/digits"  # the manifest's repo names the Space's model
    assert "no local model to inspect: the manifest's [task] is trusted as is" in plan.warnings
    assert plan.config["input_shape"] == [28, 28, 1]


# -- a demo of one part of the trained model --------------------------------------------------

WRAPPER_SCRIPT = '''\
import keras


@keras.saving.register_keras_serializable(package="sprint_tests")
class Wrapper(keras.Model):
    """Trained as a whole (images in); only its decoder (latent in) makes a demo."""

    def __init__(self, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encode = keras.layers.Dense(8)
        self.decoder = decoder

    def call(self, images):
        return self.decoder(self.encode(keras.ops.reshape(images, (-1, 49))))

    def get_config(self):
        return {**super().get_config(),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)
'''


@pytest.fixture
def wrapped(root: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A reproduction whose saved model is a Wrapper around the dcgan case's generator."""
    case = CASES["dcgan"]
    folder = write_manifest(root, case)
    (folder / "train.py").write_text(WRAPPER_SCRIPT)
    namespace: dict = {}
    exec(compile(WRAPPER_SCRIPT, "train.py", "exec"), namespace)
    model = namespace["Wrapper"](case.build())
    model(__import__("numpy").zeros((1, 7, 7, 1), "float32"))  # build it
    model.save(tmp_path / "wrapper.keras")
    return folder, tmp_path / "wrapper.keras"


def test_the_demo_serves_the_submodel_the_manifest_names(root, wrapped):
    folder, model = wrapped
    manifest = Manifest.load(folder)
    manifest.task.submodel = "decoder"
    manifest.save(folder)
    plan = plan_space(folder, root, model=str(model))
    assert [spec.shape for spec in plan.signature.inputs] == [(8,)]  # the decoder's latent
    app = plan.files["app.py"].decode()
    assert "MODEL = MODEL.decoder" in app and "custom_objects()" in app
    assert json.loads(plan.files["space_config.json"])["submodel"] == "decoder"


def test_a_submodel_the_model_does_not_hold_is_refused_with_the_ones_it_does(root, wrapped):
    folder, model = wrapped
    manifest = Manifest.load(folder)
    manifest.task.submodel = "generator"
    manifest.save(folder)
    with pytest.raises(ManifestError) as caught:
        plan_space(folder, root, model=str(model))
    assert "'generator' is not a model held by the saved Wrapper" in caught.value.message
    assert "use one of: decoder" in caught.value.message


def test_without_the_published_weights_a_local_smoke_model_shows_the_shapes(root, models):
    # A reviewer's clone: the published run's weights are elsewhere, a smoke run made here
    # kept its model. Its inputs and outputs shape the Space; it is never what the Space serves.
    case = CASES["digits"]
    folder = write_manifest(root, case)
    model = __import__("keras").saving.load_model(models["digits"])
    full = write_run(folder, model, "20250101-000000-s0")
    (full / "model.keras").unlink()
    smoke = write_run(folder, model, "20250102-000000-s0-smoke")
    info = json.loads((smoke / "run.json").read_text())
    (smoke / "run.json").write_text(json.dumps(info | {"smoke": True, "group": smoke.name}))
    plan = plan_space(folder, root)
    assert plan.model is None and [s.shape for s in plan.signature.inputs] == [(28, 28, 1)]
    assert any(f"read from {smoke / 'model.keras'} (not served)" in w for w in plan.warnings)
