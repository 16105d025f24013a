"""The density demo (seed and point count in, latent and generated scatter plots out).

A tiny untrained 2-d -> 2-d model stands in for a flow's generator: the test checks that
the generated app draws the points it says it drew, clamps odd counts with a note, and
answers the same seed with the same picture, not what a trained flow would sample.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gradio_client.exceptions import AppError
from PIL import Image
from space_fixtures import Case, RunningApp, generate, running_app, save_model

from toolkit.errors import RunError
from toolkit.manifest import TaskInfo
from toolkit.space.family import family_for

MAX_POINTS = 5000  # what density.py.j2 allows


def tiny_generator():
    """Latent 2-d points in, data-space 2-d points out."""
    from keras import Input, Model, layers

    inputs = Input((2,), name="z")
    return Model(inputs, layers.Dense(2, activation="tanh")(layers.Dense(8)(inputs)))


MOONS = Case("moons", tiny_generator, TaskInfo(kind="density_estimation", input_shape=[2]))


@pytest.fixture(scope="module")
def density_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    root = tmp_path_factory.mktemp("sprint-root")
    model = save_model(MOONS, tmp_path_factory.mktemp("models"))
    folder = generate(root, MOONS, model).plan.folder
    with running_app(folder, str(model)) as app:
        yield app


def sample(app: RunningApp, seed, points) -> tuple[np.ndarray, str]:
    """The app's picture (as an array) and its notes (lower-cased) for one request."""
    picture, notes = app.client().predict(seed, points, api_name="/predict")
    with Image.open(picture) as image:
        return np.asarray(image.convert("RGB")), notes.lower()


@pytest.mark.parametrize(
    ("kind", "family"),
    [
        ("density_estimation", "density"),
        ("normalizing_flow", "density"),
        ("real_nvp", "density"),
        ("Density-Estimation", "density"),
    ],
)
def test_density_kinds_choose_the_density_demo(kind: str, family: str) -> None:
    assert family_for(kind) == family


def test_the_space_records_the_density_family(density_app: RunningApp) -> None:
    config = json.loads((density_app.folder / "space_config.json").read_text())
    assert config["family"] == "density"
    assert config["examples"], "a visitor needs an example to click"


def test_a_sample_draws_two_panels_and_says_how_many_points(density_app: RunningApp) -> None:
    picture, notes = sample(density_app, 3, 200)
    assert picture.shape == (340, 640, 3)  # two 320-pixel panels and a caption strip
    assert "seed 3, 200 point(s)" in notes
    for panel in (picture[:320, :320], picture[:320, 320:]):
        assert (panel != 255).any(axis=-1).sum() > 200  # dots were drawn on both panels


def test_the_same_seed_gives_the_same_picture(density_app: RunningApp) -> None:
    first, _ = sample(density_app, 11, 300)
    again, _ = sample(density_app, 11, 300)
    other, _ = sample(density_app, 12, 300)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("points", "message"),
    [(0, "less than minimum value 1"), (-5, "less than minimum"), (MAX_POINTS * 10, "greater")],
)
def test_point_counts_outside_the_slider_are_refused_with_a_message(
    density_app: RunningApp, points: int, message: str
) -> None:
    with pytest.raises(AppError) as caught:
        sample(density_app, 0, points)
    assert message in str(caught.value)  # Gradio's own range check (it logs a traceback)
    assert density_app.process.poll() is None


def test_a_fractional_point_count_is_cut_with_a_note(density_app: RunningApp) -> None:
    _, notes = sample(density_app, 0, 12.7)
    assert "drew 12 point(s)" in notes and f"between 1 and {MAX_POINTS}" in notes


def test_an_empty_seed_means_seed_zero(density_app: RunningApp) -> None:
    empty, notes = sample(density_app, None, 100)
    zero, _ = sample(density_app, 0, 100)
    assert "seed 0" in notes
    assert np.array_equal(empty, zero)


def test_the_app_stays_up_after_every_request(density_app: RunningApp) -> None:
    before = len(density_app.output())
    _, notes = sample(density_app, 2**40, 10)  # a seed beyond 32 bits wraps, it does not crash
    assert f"seed {2**40 % 2**32}" in notes
    assert density_app.process.poll() is None
    assert "Traceback" not in density_app.output()[before:]


def test_a_model_that_is_not_two_dimensional_is_refused_at_start(tmp_path: Path) -> None:
    from keras import Input, Model, layers

    def three_d():
        inputs = Input((3,))
        return Model(inputs, layers.Dense(3)(inputs))

    case = Case("cube", three_d, TaskInfo(kind="density_estimation", input_shape=[3]))
    model = save_model(case, tmp_path)
    folder = generate(tmp_path / "root", case, model).plan.folder
    with pytest.raises(RunError) as caught, running_app(folder, str(model), timeout=120):
        pass
    assert "exited with code" in str(caught.value)
    assert "2-d points" in str(caught.value)  # the log's tail names the reason
