"""The policy demo (a seed in, one episode of the agent in its gymnasium environment out).

A tiny untrained actor-critic network stands in for a trained agent: 4 observations in, a
softmax over 2 actions and one critic value out, as Keras.io's CartPole actor-critic. The
tests check that the app plays the episode the model's own choices give (the very steps a
hand-written loop gets), returns its total reward, step count and a plot, is deterministic
per seed, and refuses bad seeds and modes with a message, not how well an agent balances.
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
from space_fixtures import Case, RunningApp, generate, running_app, save_model, write_manifest

from toolkit.errors import ManifestError
from toolkit.manifest import Manifest, TaskInfo
from toolkit.space import plan_space
from toolkit.space.family import family_for

ENVIRONMENT = "CartPole-v1"
ACTIONS = ["left", "right"]
OBSERVATIONS = ["cart position", "cart velocity", "pole angle", "pole angular velocity"]
SEED_RULE = "The seed must be a whole number from 0 to 2147483647"


def actor_critic():
    """4 observations in; [softmax over 2 actions, one critic value] out."""
    from keras import Input, Model, layers

    inputs = Input((4,), name="observation")
    common = layers.Dense(8, activation="relu")(inputs)
    return Model(inputs, [layers.Dense(2, activation="softmax")(common), layers.Dense(1)(common)])


def image_model():
    from keras import Input, Model, layers

    inputs = Input((4, 4), name="grid")
    return Model(inputs, layers.Dense(2)(layers.Flatten()(inputs)))


def task(**change) -> TaskInfo:
    fields = dict(
        kind="reinforcement_learning",
        input_shape=[4],
        class_names=ACTIONS,
        feature_names=OBSERVATIONS,
        environment=ENVIRONMENT,
    )
    return TaskInfo(**{**fields, **change})


AGENT = Case("cartpole", actor_critic, task())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(generated Space folder, model file)."""
    root = tmp_path_factory.mktemp("sprint-root")
    model = save_model(AGENT, tmp_path_factory.mktemp("models"))
    return generate(root, AGENT, model).plan.folder, model


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def app_module(built, monkeypatch_module) -> dict:
    """app.py imported in this process (not launched): its functions, called directly."""
    folder, model = built
    monkeypatch_module.setenv("SPRINT_MODEL_PATH", str(model))
    monkeypatch_module.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    return runpy.run_path(str(folder / "app.py"), run_name="policy_probe")


@pytest.fixture(scope="module")
def running(built) -> Iterator[RunningApp]:
    folder, model = built
    with running_app(folder, str(model)) as app:
        yield app


def greedy_steps(model_path: Path, seed: int) -> tuple[int, list[np.ndarray]]:
    """The greedy episode played by hand: (steps, observations), for comparison."""
    import gymnasium as gym
    import keras

    model = keras.saving.load_model(model_path, compile=False)
    env = gym.make(ENVIRONMENT)
    observation, _ = env.reset(seed=seed)
    seen = [observation]
    for step in range(1, 1001):  # noqa: B007 - the count is returned
        probs, _ = model.predict_on_batch(observation[None].astype(np.float32))
        observation, _, terminated, truncated, _ = env.step(int(np.argmax(probs[0])))
        seen.append(observation)
        if terminated or truncated:
            break
    env.close()
    return step, seen


def refusal(app_module: dict, seed, mode="greedy") -> str:
    import gradio as gr

    with pytest.raises(gr.Error) as caught:
        app_module["run_episode"](seed, mode)
    return caught.value.message


# -- the family and the generated folder ------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["policy", "reinforcement_learning", "Reinforcement-Learning", "rl", "actor_critic"]
)
def test_reinforcement_learning_kinds_choose_the_policy_demo(kind: str) -> None:
    assert family_for(kind) == "policy"


def test_the_space_names_its_environment_and_installs_gymnasium(built) -> None:
    folder, _ = built
    config = json.loads((folder / "space_config.json").read_text())
    assert config["family"] == "policy"
    assert config["environment"] == ENVIRONMENT
    assert config["class_names"] == ACTIONS
    assert config["examples"] == [[0, "greedy"], [42, "sampled"]]
    requirements = (folder / "requirements.txt").read_text().splitlines()
    names = {line.split("==")[0] for line in requirements if line and not line.startswith("#")}
    assert {"keras", "gymnasium", "matplotlib"} <= names


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


def test_the_kind_and_environment_are_kept_by_the_manifest(tmp_path) -> None:
    repro = write_manifest(tmp_path, AGENT)
    loaded = Manifest.load(repro).task
    assert (loaded.kind, loaded.environment) == ("reinforcement_learning", ENVIRONMENT)


@pytest.mark.parametrize(
    ("build", "change", "message"),
    [
        (actor_critic, {"environment": ""}, "the manifest names none"),
        (image_model, {"input_shape": []}, "feeds one observation vector"),
        (actor_critic, {"class_names": ["a", "b", "c"]}, "class_names has 3 names"),
    ],
)
def test_a_model_or_manifest_the_demo_cannot_serve_is_refused(
    tmp_path, build, change, message
) -> None:
    case = Case("odd_agent", build, task(**change))
    repro = write_manifest(tmp_path, case)
    model = save_model(case, tmp_path)
    with pytest.raises(ManifestError) as caught:
        plan_space(repro, tmp_path, model=str(model))
    assert message in caught.value.message and "How to fix:" in caught.value.message


# -- the app's function, called directly ------------------------------------------------------


def test_a_greedy_episode_is_the_one_the_model_plays(app_module, built) -> None:
    _, model = built
    total, steps, image, notes = app_module["run_episode"](3, "greedy")
    expected_steps, _ = greedy_steps(model, 3)
    assert steps == expected_steps
    assert total == float(steps)  # CartPole pays 1 per step
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert notes.startswith(f"{ENVIRONMENT}, seed 3, greedy actions: {steps} step(s)")
    assert "left " in notes and "right " in notes


def test_the_episode_is_deterministic_per_seed(app_module) -> None:
    for mode in ("greedy", "sampled"):
        first = app_module["run_episode"](7, mode)
        again = app_module["run_episode"](7, mode)
        assert first[:2] == again[:2] and np.array_equal(first[2], again[2])
        assert 1 <= first[1] <= 500


def test_the_plot_follows_the_observations(app_module, built) -> None:
    """The plotted trajectory is the environment's: a different start state, another plot."""
    one = app_module["run_episode"](0, "greedy")[2]
    other = app_module["run_episode"](1, "greedy")[2]
    assert one.shape == other.shape and not np.array_equal(one, other)


@pytest.mark.parametrize("seed", [-1, 1.5, 2**31, float("nan"), float("inf"), "abc"])
def test_a_bad_seed_is_refused_with_what_a_seed_must_be(app_module, seed) -> None:
    assert refusal(app_module, seed).startswith(SEED_RULE)


def test_a_missing_seed_is_asked_for(app_module) -> None:
    assert refusal(app_module, None) == "Please enter a seed: a whole number from 0 to 2147483647."


def test_an_unknown_mode_is_refused(app_module) -> None:
    assert refusal(app_module, 0, "random").startswith("Choose how the agent acts: greedy or")


# -- the running app, through gradio_client ---------------------------------------------------


def test_the_running_app_plays_an_episode_and_refuses_a_bad_seed(running, built) -> None:
    from gradio_client.exceptions import AppError

    _, model = built
    client = running.client()
    total, steps, image, notes = client.predict(5, "greedy", api_name="/predict")
    assert steps == greedy_steps(model, 5)[0] and total == steps
    assert Path(image).is_file() and "seed 5, greedy actions" in notes
    before = len(running.output())
    with pytest.raises(AppError, match=SEED_RULE):
        client.predict(-3, "greedy", api_name="/predict")
    assert "Traceback" not in running.output()[before:]
    assert running.process.poll() is None
