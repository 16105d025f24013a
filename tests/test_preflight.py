"""Pre-flight: a script's missing packages are named before any training starts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from toolkit.errors import RunError
from toolkit.harness.preflight import check_imports, missing_imports, pip_name


def script(folder: Path, text: str, name: str = "train.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_missing_packages_are_named_with_their_line(tmp_path):
    train = script(
        tmp_path,
        """\
        import os
        import numpy as np
        import networkx_missing_for_test as nx
        from sklearn_missing_for_test.model_selection import train_test_split
        """,
    )
    missing = missing_imports(train)
    assert [(m.module, m.line) for m in missing] == [
        ("networkx_missing_for_test", 3),
        ("sklearn_missing_for_test", 4),
    ]


def test_optional_imports_and_local_modules_are_not_missing(tmp_path):
    script(tmp_path, "import helper_dep_missing_for_test\n", name="helpers.py")
    train = script(
        tmp_path,
        """\
        try:
            import optional_missing_for_test
        except ImportError:
            optional_missing_for_test = None
        import helpers
        from . import sibling
        """,
    )
    assert [m.module for m in missing_imports(train)] == ["helper_dep_missing_for_test"]


def test_the_error_names_the_install_command_and_the_manifests_requirements(tmp_path):
    train = script(tmp_path, "import sklearn_missing_for_test\n")
    with pytest.raises(RunError) as caught:
        check_imports(train, tmp_path, requirements=["scikit-learn"])
    message = caught.value.message
    assert "sklearn_missing_for_test (train.py:1)" in message
    assert "-m pip install scikit-learn sklearn-missing-for-test" in message
    assert "--install-requirements" in message


def test_a_script_whose_imports_resolve_passes(tmp_path):
    check_imports(script(tmp_path, "import json\nimport numpy\n"), tmp_path)


@pytest.mark.parametrize(
    ("module", "package"),
    [
        ("sklearn", "scikit-learn"),
        ("cv2", "opencv-python"),
        ("PIL", "pillow"),
        ("networkx", "networkx"),
        ("tensorflow_datasets", "tensorflow-datasets"),
    ],
)
def test_pip_names(module, package):
    assert pip_name(module) == package


def test_sprint_run_stops_before_training_and_leaves_no_run(tmp_path, capsys):
    from harness_fixtures import isolated_env, make_reproduction

    from toolkit.cli import main

    (tmp_path / "data-mirror").mkdir()
    folder = make_reproduction(tmp_path, "needs_pkg", "import keras\nimport gone_pkg_for_test\n")
    with isolated_env(tmp_path):
        assert main(["run", "needs_pkg", "--smoke"]) == 2
    err = capsys.readouterr().err
    assert "gone_pkg_for_test (train.py:2)" in err and "pip install gone-pkg-for-test" in err
    assert not (folder / "runs").exists()


def test_a_pinned_backend_that_is_not_installed_offers_a_way_on(tmp_path: Path) -> None:
    import importlib.util

    from tests.harness_fixtures import isolated_env, make_reproduction, run_quietly
    from toolkit.errors import UsageError

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here: nothing is missing")
    folder = make_reproduction(tmp_path, "pinned", "import keras\n", backend="torch")
    with isolated_env(tmp_path), pytest.raises(UsageError) as caught:
        run_quietly(folder)
    error = caught.value
    assert "The torch backend is not installed (installed: " in error.message
    assert "[run] backend" in error.where
    assert 'set backend = "any"' in error.fix and "--backend" in error.fix


def test_a_run_that_dies_on_a_removed_api_says_which_and_the_fix(tmp_path: Path) -> None:
    """The scaffold's compat finding comes back in the failed run's reason, at its line."""
    from tests.harness_fixtures import isolated_env, make_reproduction, run_quietly

    script = (
        "import keras\n"
        "print('building')\n"
        "from keras.layers.experimental import RandomFourierFeatures\n"
    )
    folder = make_reproduction(tmp_path, "rff", script)
    with isolated_env(tmp_path):
        [outcome] = run_quietly(folder, smoke=True, save_model=False)
    assert outcome.status == "failed"
    assert "train.py line 3: `RandomFourierFeatures` was removed in Keras 3" in outcome.reason
    assert "how to fix: a small custom layer" in outcome.reason


def test_plot_model_needs_pydot_and_the_pre_flight_says_so(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("pydot") is not None:
        pytest.skip("pydot is installed here: nothing is missing")
    script = tmp_path / "train.py"
    script.write_text("import keras\nmodel = keras.Sequential()\nkeras.utils.plot_model(model)\n")
    assert [(m.module, m.line) for m in missing_imports(script)] == [("pydot", 3)]
