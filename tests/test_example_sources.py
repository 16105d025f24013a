"""Loading examples: tutobooks, notebooks, keras-io checkouts, and every kind of bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from example_fixtures import FIXTURES, fake_keras_io, git, tutobook

from toolkit.errors import ExampleError
from toolkit.example import load_example, parse_example_text
from toolkit.fsutil import sha256_file

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")


def test_tutobook_source_facts() -> None:
    path = FIXTURES / "legacy_tf_keras.py"
    example = load_example(path)
    assert example.source_kind == "tutobook"
    assert example.path == path and example.name == "legacy_tf_keras"
    assert example.sha256 == sha256_file(path)
    assert example.commit == "" and example.category == "" and example.url == ""


def test_to_dict_is_json_serialisable() -> None:
    example = load_example(FIXTURES / "pin_jax_tabular.py")
    data = json.loads(json.dumps(example.to_dict()))
    assert data["path"].endswith("pin_jax_tabular.py")
    assert data["header"]["authors"][0] == {"name": "Ada Field", "url": "https://example.org/ada"}
    assert data["metrics"][0]["raw"] == "validation MAE of about 0.35"
    assert data["findings"] == [] and data["backend"] == "jax"


def test_notebook_magics_become_shell_cells_or_disappear() -> None:
    example = load_example(FIXTURES / "digits_notebook.ipynb")
    assert example.source_kind == "notebook"
    assert example.header.title == "Digit sketches with a tiny convnet"
    assert example.header.authors[0].url == "https://example.org/eve"
    assert example.header.date_created == "2022-09-14"
    assert example.requirements == ["keras-hub"]  # from `!pip install -q keras-hub`
    assert "%matplotlib" not in example.text and "get_ipython" not in example.text
    assert any("%matplotlib inline" in w for w in example.warnings)
    assert [c.kind for c in example.cells].count("shell") == 2  # !pip and the %%bash cell
    assert not [f for f in example.findings if f.code == "syntax-error"]
    compile(example.code, "notebook", "exec")  # what is left is plain Python


def test_notebook_env_magic_pins_the_backend_and_time_magic_keeps_its_code() -> None:
    example = load_example(FIXTURES / "digits_notebook.ipynb")
    assert example.backend == "torch"
    assert "model.fit(x_train, y_train, epochs=3" in example.code
    assert example.epochs == 3


def test_notebook_claims_data_and_saved_outputs() -> None:
    example = load_example(FIXTURES / "digits_notebook.ipynb")
    by_origin = {(m.origin, m.split, m.name): m for m in example.metrics}
    described = by_origin[("description", "test", "accuracy")]
    assert described.value == pytest.approx(0.98) and described.epochs == 3
    assert by_origin[("output", "test", "accuracy")].value == pytest.approx(0.9688)
    last_epoch = by_origin[("output", "validation", "accuracy")]
    assert last_epoch.value == pytest.approx(0.9705) and last_epoch.epochs == 3
    assert {(d.kind, d.name) for d in example.data_sources} == {
        ("keras.datasets", "mnist"),
        ("shell", "extra.npz"),
    }


def test_keras_io_reference_resolves_in_a_checkout(tmp_path: Path) -> None:
    source = (FIXTURES / "legacy_tf_keras.py").read_text()
    page = (FIXTURES / "rendered_keras2.md").read_text()
    root = fake_keras_io(
        tmp_path / "keras-io", {"vision/leaf_disease": source}, {"vision/leaf_disease": page}
    )
    example = load_example("vision/leaf_disease", keras_io_dir=root)
    assert example.source_kind == "keras-io"
    assert example.category == "vision" and example.name == "leaf_disease"
    assert example.path == root / "examples" / "vision" / "leaf_disease.py"
    assert example.url == "https://keras.io/examples/vision/leaf_disease/"
    assert example.rendered_md == root / "examples" / "vision" / "md" / "leaf_disease.md"
    assert {m.origin for m in example.metrics} == {"description", "prose", "output"}
    if shutil.which("git"):
        assert example.commit == git(root, "rev-parse", "HEAD")


def test_keras_io_reference_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fake_keras_io(tmp_path / "kio", {"nlp/tiny": tutobook("import keras\n")}, commit=False)
    monkeypatch.setenv("KERAS_IO_DIR", str(root))
    for ref in ("nlp/tiny", "examples/nlp/tiny.py", "nlp/tiny.py"):
        example = load_example(ref)
        assert (example.category, example.name, example.commit) == ("nlp", "tiny", "")


def test_a_path_inside_a_checkout_is_recognised(tmp_path: Path) -> None:
    root = fake_keras_io(
        tmp_path / "kio",
        {"timeseries/waves": tutobook("import keras\n")},
        {"timeseries/waves": "```\nTest accuracy: 0.5\n```\n"},
        commit=False,
    )
    example = load_example(root / "examples" / "timeseries" / "waves.py")
    assert example.source_kind == "keras-io" and example.category == "timeseries"
    assert [m.raw for m in example.metrics] == ["Test accuracy: 0.5"]


def test_explicit_rendered_page_is_read(tmp_path: Path) -> None:
    example = load_example(
        FIXTURES / "pin_jax_tabular.py", rendered_md=FIXTURES / "rendered_keras3.md"
    )
    outputs = [m for m in example.metrics if m.origin == "output"]
    assert {m.name for m in outputs} == {"loss", "mae"}
    assert example.rendered_md == FIXTURES / "rendered_keras3.md"


@needs_git
def test_commit_read_from_packed_refs_and_detached_head(tmp_path: Path) -> None:
    root = fake_keras_io(tmp_path / "kio", {"vision/a": tutobook("import keras\n")})
    head = git(root, "rev-parse", "HEAD")
    git(root, "pack-refs", "--all")
    assert not (root / ".git" / "refs" / "heads" / "master").exists()
    assert load_example("vision/a", keras_io_dir=root).commit == head
    git(root, "checkout", "-q", "--detach")
    assert load_example("vision/a", keras_io_dir=root).commit == head


# -- bad input -----------------------------------------------------------------------------------
def assert_teaching(error: ExampleError, *fragments: str) -> None:
    """One paragraph saying what, where and how to fix."""
    message = str(error)
    assert "\n" not in message
    assert error.where and error.fix
    for fragment in fragments:
        assert fragment in message, message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("  \n\n")
    with pytest.raises(ExampleError) as info:
        load_example(path)
    assert_teaching(info.value, "empty", str(path))


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "weights.py"
    path.write_bytes(b'"""\nTitle: x\n"""\n\x00\x01\x02')
    with pytest.raises(ExampleError) as info:
        load_example(path)
    assert_teaching(info.value, "binary", "line 4")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes('"""\nTitle: Café\n"""\n'.encode("latin-1"))
    with pytest.raises(ExampleError) as info:
        load_example(path)
    assert_teaching(info.value, "not valid UTF-8", "line 2", "iconv")


def test_utf8_with_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + tutobook("x = 1\n").encode())
    assert load_example(path).header.title == "A test example"


def test_broken_notebook_json() -> None:
    with pytest.raises(ExampleError) as info:
        load_example(FIXTURES / "broken_notebook.ipynb")
    assert_teaching(info.value, "not valid JSON", "line 4, column 4")


def test_json_that_is_not_a_notebook() -> None:
    with pytest.raises(ExampleError) as info:
        load_example(FIXTURES / "not_a_notebook.ipynb")
    assert_teaching(info.value, "not a Jupyter notebook")


def test_unknown_category_name_says_where_it_looked(tmp_path: Path) -> None:
    root = fake_keras_io(tmp_path / "kio", {"vision/mnist_convnet": tutobook()}, commit=False)
    with pytest.raises(ExampleError) as info:
        load_example("vision/mnist_convnett", keras_io_dir=root)
    assert_teaching(
        info.value,
        "Unknown keras-io example vision/mnist_convnett",
        str(root / "examples" / "vision" / "mnist_convnett.py"),
        "did you mean vision/mnist_convnet",
    )
    with pytest.raises(ExampleError) as info:
        load_example("visoin/mnist_convnet", keras_io_dir=root)
    assert_teaching(info.value, "categories are: vision", "did you mean vision")


def test_category_name_without_a_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KERAS_IO_DIR", raising=False)
    with pytest.raises(ExampleError) as info:
        load_example("vision/mnist_convnet")
    assert_teaching(info.value, "no keras-io checkout", "KERAS_IO_DIR", "--keras-io")


def test_keras_io_dir_that_is_not_a_checkout(tmp_path: Path) -> None:
    with pytest.raises(ExampleError) as info:
        load_example("vision/x", keras_io_dir=tmp_path)
    assert_teaching(info.value, "not a keras-io checkout", str(tmp_path))


def test_nonexistent_path(tmp_path: Path) -> None:
    with pytest.raises(ExampleError) as info:
        load_example(tmp_path / "deep" / "er" / "missing.py")
    assert_teaching(info.value, "No file at", "missing.py")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text("# A page\n")
    with pytest.raises(ExampleError) as info:
        load_example(path)
    assert_teaching(info.value, "Unsupported example file type '.md'", ".ipynb")


def test_a_folder_is_not_an_example(tmp_path: Path) -> None:
    with pytest.raises(ExampleError) as info:
        load_example(tmp_path)
    assert_teaching(info.value, "is a folder")


def test_text_with_nul_or_lone_surrogates_is_rejected() -> None:
    with pytest.raises(ExampleError, match="binary"):
        parse_example_text(tutobook("x = 1\x00\n"))
    with pytest.raises(ExampleError, match="not valid Unicode"):
        parse_example_text(tutobook("x = '\ud800'\n"))
