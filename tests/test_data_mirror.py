"""The data mirror: staging, verifying, and serving downloads to runs.

Downloads go to a local HTTP server started here; nothing leaves the machine.
"""

from __future__ import annotations

import ast
import functools
import http.server
import io
import json
import os
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from harness_fixtures import isolated_env, make_reproduction, printed, read_json, run_quietly

from toolkit.cli import main as sprint
from toolkit.data import Mirror, mirror_relpath, network_allowed
from toolkit.errors import DataError
from toolkit.harness.runner import RunOptions, plan_run
from toolkit.manifest import DataSource

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
CSV_URL = "https://example.org/data/table.csv?version=2"
TAR_URL = "https://example.org/data/archive.tar.gz"
CSV_TEXT = "a,b\n1,2\n3,4\n"


def _fake_mnist(path):
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 255, (12, 28, 28), dtype=np.uint8),
        y_train=np.arange(12, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 255, (4, 28, 28), dtype=np.uint8),
        y_test=np.arange(4, dtype=np.uint8),
    )
    return path


def _tarball(path):
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("archive/readme.txt", "hello"), ("archive/labels.txt", "0\n1\n")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text.encode()))
    return path


@pytest.fixture
def files(tmp_path):
    """Source files to stage: a CSV, a fake mnist.npz and a tar.gz."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "table.csv").write_text(CSV_TEXT)
    return {
        "csv": folder / "table.csv",
        "mnist": _fake_mnist(folder / "mnist.npz"),
        "tar": _tarball(folder / "archive.tar.gz"),
    }


@pytest.fixture
def mirror(tmp_path, files):
    mirror = Mirror(tmp_path / "mirror", explicit=True)
    mirror.add(CSV_URL, files["csv"])
    mirror.add(MNIST_URL, files["mnist"])
    mirror.add(TAR_URL, files["tar"])
    return mirror


@pytest.fixture
def http_server(tmp_path):
    """A local HTTP server over ``tmp_path/www``: ``(base URL, folder)``."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# -- the mirror itself ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (MNIST_URL, "storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"),
        ("https://Example.org:8443/a b/../data.csv", "example.org_8443/a_b/data.csv"),
        ("https://example.org/", "example.org/index"),
    ],
)
def test_mirror_relpath(url, expected):
    assert mirror_relpath(url) == expected


def test_query_strings_get_distinct_files():
    first = mirror_relpath("https://x.org/get.csv?id=1")
    second = mirror_relpath("https://x.org/get.csv?id=2")
    assert first != second and first.endswith(".csv") and first.startswith("x.org/get-")


def test_add_records_hash_and_size_and_links(mirror, files):
    entry = mirror.lookup(MNIST_URL)
    staged = mirror.root / entry.file
    assert entry.size == files["mnist"].stat().st_size
    assert staged.samefile(files["mnist"])  # hard link on the same disk
    index = json.loads(mirror.index_path.read_text())
    assert set(index[MNIST_URL]) == {"file", "sha256", "size", "added"}
    assert mirror.resolve(MNIST_URL) == staged


def test_restaging_same_content_is_a_noop_and_different_content_needs_force(mirror, tmp_path):
    assert mirror.add(CSV_URL, mirror.resolve(CSV_URL)) == mirror.lookup(CSV_URL)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n9,9\n")
    with pytest.raises(DataError, match="already staged with different content"):
        mirror.add(CSV_URL, other)
    entry = mirror.add(CSV_URL, other, force=True, link=False)
    assert (mirror.root / entry.file).read_text() == "a,b\n9,9\n"
    assert not (mirror.root / entry.file).samefile(other)


def test_add_rejects_bad_input(mirror, tmp_path):
    with pytest.raises(DataError, match="not an http"):
        mirror.add("data/table.csv", tmp_path / "x")
    with pytest.raises(DataError, match="is not a file"):
        mirror.add("https://example.org/missing.csv", tmp_path / "missing.csv")


def test_an_altered_file_is_refused(mirror):
    path = mirror.root / mirror.lookup(CSV_URL).file
    path.unlink()  # break the hard link before editing
    path.write_text("a,b\n6,6\n")
    fresh = Mirror(mirror.root, explicit=True)
    with pytest.raises(DataError, match="cannot be trusted: its sha256 is") as info:
        fresh.resolve(CSV_URL)
    assert f"sprint data add {CSV_URL} FILE --force" in info.value.message
    assert [entry.url for entry, _ in fresh.verify()] == [CSV_URL]


def test_locate_and_network_policy(tmp_path, monkeypatch):
    monkeypatch.delenv("SPRINT_OFFLINE", raising=False)
    monkeypatch.setenv("SPRINT_DATA_DIR", str(tmp_path / "env-mirror"))
    assert Mirror.locate(tmp_path / "explicit").root == (tmp_path / "explicit").resolve()
    assert Mirror.locate().root == (tmp_path / "env-mirror").resolve()
    monkeypatch.delenv("SPRINT_DATA_DIR")
    default = Mirror.locate(project=tmp_path)
    assert default.root == (tmp_path / "data-mirror").resolve()
    assert not default.configured and network_allowed(default)
    default.index_path.parent.mkdir()
    default.index_path.write_text("{}")
    assert default.configured and not network_allowed(default)
    monkeypatch.setenv("SPRINT_OFFLINE", "0")
    assert network_allowed(default)
    monkeypatch.setenv("SPRINT_OFFLINE", "1")
    assert not network_allowed(Mirror(tmp_path / "none"))


# -- sprint data ---------------------------------------------------------------------
def test_cli_add_list_verify_remove(tmp_path, files, capsys, monkeypatch):
    monkeypatch.setenv("SPRINT_DATA_DIR", str(tmp_path / "cli-mirror"))
    assert sprint(["data", "add", CSV_URL, str(files["csv"])]) == 0
    assert "staged " + CSV_URL in capsys.readouterr().out
    assert sprint(["data", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert list(listing["files"]) == [CSV_URL]
    assert sprint(["data", "verify"]) == 0
    assert "1/1 staged file(s) match" in capsys.readouterr().out
    staged = tmp_path / "cli-mirror" / listing["files"][CSV_URL]["file"]
    staged.unlink()
    staged.write_text("tampered")
    assert sprint(["data", "verify", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["url"] == CSV_URL
    assert sprint(["data", "remove", CSV_URL]) == 0
    assert not staged.exists()
    assert sprint(["data", "list"]) == 0
    assert "is empty" in capsys.readouterr().out


def test_cli_add_without_file_downloads(tmp_path, http_server, capsys):
    base, www = http_server
    (www / "iris.csv").write_text("x,y\n1,2\n")
    mirror_dir = tmp_path / "dl-mirror"
    assert sprint(["data", "add", f"{base}/iris.csv", "--data-dir", str(mirror_dir)]) == 0
    entry = Mirror(mirror_dir).lookup(f"{base}/iris.csv")
    assert (mirror_dir / entry.file).read_text() == "x,y\n1,2\n"
    assert sprint(["data", "add", f"{base}/absent.csv", "--data-dir", str(mirror_dir)]) == 2
    assert "Could not download" in capsys.readouterr().err


def test_cli_list_of_a_missing_mirror_is_bad_input(tmp_path, capsys):
    assert sprint(["data", "list", "--data-dir", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


# -- the hooks, in this process --------------------------------------------------------
@pytest.fixture
def hooks(mirror):
    pytest.importorskip("keras")
    from toolkit.harness.datahooks import DataHooks

    hooks = DataHooks(mirror, network=False)
    hooks.install()
    yield hooks
    hooks.uninstall()


def test_get_file_is_served_from_the_mirror_whatever_keras_hash_says(hooks, tmp_path):
    import keras

    path = keras.utils.get_file(
        origin=CSV_URL, fname="table.csv", file_hash="0" * 64, cache_dir=str(tmp_path / "cache")
    )
    assert Path(path).read_text() == CSV_TEXT
    assert hooks.served[CSV_URL]["source"] == "mirror"


def test_get_file_extracts_archives(hooks, tmp_path):
    import keras

    folder = keras.utils.get_file(origin=TAR_URL, extract=True, cache_dir=str(tmp_path / "c"))
    assert sorted(os.listdir(os.path.join(folder, "archive"))) == ["labels.txt", "readme.txt"]


def test_the_dataset_loaders_are_covered(hooks, tmp_path, monkeypatch):
    import keras
    from keras.src.datasets import mnist

    assert mnist.get_file is keras.utils.get_file  # the loader's own reference, patched
    # Keras reads KERAS_HOME once, at import: point its cache away from ~/.keras directly.
    monkeypatch.setattr("keras.src.backend.config._KERAS_DIR", str(tmp_path / "home"))
    (x_train, y_train), (x_test, _) = keras.datasets.mnist.load_data()
    assert x_train.shape == (12, 28, 28) and x_test.shape == (4, 28, 28)
    assert y_train.tolist() == [i % 10 for i in range(12)]


def test_urlopen_and_pandas_read_urls_from_the_mirror(hooks):
    pd = pytest.importorskip("pandas")
    import urllib.request

    assert urllib.request.urlopen(CSV_URL).read().decode() == CSV_TEXT
    assert pd.read_csv(CSV_URL).shape == (2, 2)


def test_a_url_not_in_the_mirror_names_itself_and_the_fix(hooks):
    import keras

    url = "https://example.org/not-staged.zip"
    with pytest.raises(DataError) as info:
        keras.utils.get_file(origin=url)
    assert url in info.value.message
    assert f"sprint data add {url} FILE" in info.value.message


def test_uninstall_restores_keras(mirror):
    pytest.importorskip("keras")
    import keras
    from keras.src.datasets import mnist

    from toolkit.harness.datahooks import DataHooks

    original = keras.utils.get_file
    hooks = DataHooks(mirror, network=False)
    hooks.install()
    assert mnist.get_file is not original
    hooks.uninstall()
    assert mnist.get_file is original and keras.utils.get_file is original


def test_with_network_allowed_a_missing_url_is_downloaded(http_server, mirror, tmp_path):
    pytest.importorskip("keras")
    import keras

    from toolkit.harness.datahooks import DataHooks

    base, www = http_server
    (www / "extra.txt").write_text("downloaded")
    hooks = DataHooks(mirror, network=True)
    hooks.install()
    try:
        # http:// is a remote URL; the real get_file downloads it from the local server.
        path = keras.utils.get_file(origin=f"{base}/extra.txt", cache_dir=str(tmp_path / "c"))
        assert Path(path).read_text() == "downloaded"
        assert hooks.served[f"{base}/extra.txt"]["source"] == "network"
        with pytest.raises(DataError, match="Could not download") as info:
            keras.utils.get_file(origin=f"{base}/gone.txt", cache_dir=str(tmp_path / "c"))
        assert f"sprint data add {base}/gone.txt FILE" in info.value.message
    finally:
        hooks.uninstall()


# -- through the harness ------------------------------------------------------------
LOADS_DATA = f"""
import os
import keras
import pandas as pd

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
print("SCRIPT_MNIST", repr((x_train.shape, x_test.shape, int(y_train.sum()))))
csv = keras.utils.get_file(origin="{CSV_URL}", fname="table.csv")
print("SCRIPT_CSV", repr(open(csv).read()))
folder = keras.utils.get_file(origin="{TAR_URL}", extract=True)
print("SCRIPT_TAR", repr(sorted(os.listdir(os.path.join(folder, "archive")))))
print("SCRIPT_PANDAS", repr(pd.read_csv("{CSV_URL}").shape))
"""

LOADS_UNSTAGED = """
import keras
keras.utils.get_file(origin="https://example.org/private/weights.h5")
print("SCRIPT_UNREACHED")
"""


@pytest.fixture(scope="module")
def mirrored_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirrored")
    sources = root / "downloads"
    sources.mkdir()
    (sources / "table.csv").write_text(CSV_TEXT)
    mirror = Mirror(root / "mirror", explicit=True)
    mirror.add(CSV_URL, sources / "table.csv")
    mirror.add(MNIST_URL, _fake_mnist(sources / "mnist.npz"))
    mirror.add(TAR_URL, _tarball(sources / "archive.tar.gz"))
    with isolated_env(root, SPRINT_DATA_DIR=str(mirror.root)):
        # It only loads data (no fit): "custom" training, so its run may complete.
        loads = make_reproduction(root, "loads_data", LOADS_DATA, training="custom")
        unstaged = make_reproduction(root, "loads_unstaged", LOADS_UNSTAGED)
        [served] = run_quietly(loads, backend="jax")
        [refused] = run_quietly(unstaged, backend="jax")
    return served, refused, mirror


def test_a_run_reads_its_datasets_from_the_mirror(mirrored_runs):
    served, _, mirror = mirrored_runs
    assert served.status == "complete", served.reason
    log = served.path / "train.log"
    values = {
        m: ast.literal_eval(printed(log, m)[0])
        for m in ("SCRIPT_MNIST", "SCRIPT_CSV", "SCRIPT_TAR", "SCRIPT_PANDAS")
    }
    assert values == {
        "SCRIPT_MNIST": ((12, 28, 28), (4, 28, 28), 46),
        "SCRIPT_CSV": CSV_TEXT,
        "SCRIPT_TAR": ["labels.txt", "readme.txt"],
        "SCRIPT_PANDAS": (2, 2),
    }
    env = read_json(served.path / "env.json")
    assert env["network"] is False
    data = {d["url"]: d for d in env["data"]}
    assert set(data) == {MNIST_URL, CSV_URL, TAR_URL}
    assert data[MNIST_URL]["sha256"] == mirror.lookup(MNIST_URL).sha256
    assert {d["source"] for d in data.values()} == {"mirror"}
    # No fit() call under training = "custom": the run completes, says so, empty history.
    assert any("never called keras Model.fit()" in w for w in served.warnings)
    assert read_json(served.path / "metrics.json")["history"] == {}


def test_an_unstaged_url_stops_the_run_before_training(mirrored_runs):
    _, refused, _ = mirrored_runs
    assert refused.status == "failed"
    assert "https://example.org/private/weights.h5 is not in the data mirror" in refused.reason
    assert "sprint data add https://example.org/private/weights.h5 FILE" in refused.reason
    assert not (refused.path / "metrics.json").exists()
    assert "SCRIPT_UNREACHED" not in (refused.path / "train.log").read_text()


def test_urls_the_manifest_lists_are_checked_before_anything_starts(tmp_path, mirror):
    missing = "https://example.org/listed-but-missing.csv"
    with isolated_env(tmp_path, SPRINT_DATA_DIR=str(mirror.root)):
        folder = make_reproduction(
            tmp_path,
            "listed",
            "print(1)",
            data=[
                DataSource(kind="url", url=CSV_URL),
                DataSource(kind="get_file", url=missing),
                DataSource(kind="shell", url="https://example.org/wget-only.zip"),
            ],
        )
        with pytest.raises(DataError) as info:
            plan_run(folder, RunOptions(backend="jax"))
    assert missing in info.value.message and CSV_URL not in info.value.what
    assert "wget-only" not in info.value.message
    assert f"sprint data add {missing} FILE" in info.value.message
    assert not (folder / "runs").exists()
