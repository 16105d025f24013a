"""What the code needs: data sources, backend, requirements, task kind, epochs."""

from __future__ import annotations

import pytest
from example_fixtures import FIXTURES, line_of, tutobook

from toolkit.example import load_example, parse_example_text
from toolkit.facts import ShellCommand, data_from_shell, requirements_from_shell, shell_commands


def data(body: str) -> list[tuple[str, str, str]]:
    return [(d.kind, d.name, d.url) for d in parse_example_text(tutobook(body)).data_sources]


# -- data ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        "import keras\n(x, y), _ = keras.datasets.mnist.load_data()\n",
        "from tensorflow import keras\n(x, y), _ = keras.datasets.mnist.load_data()\n",
        "import tensorflow as tf\n(x, y), _ = tf.keras.datasets.mnist.load_data()\n",
        "from keras.datasets import mnist\n(x, y), _ = mnist.load_data()\n",
        "from tensorflow.keras.datasets import mnist as m\n(x, y), _ = m.load_data()\n",
    ],
)
def test_keras_datasets_in_every_spelling(body: str) -> None:
    assert data(body) == [
        (
            "keras.datasets",
            "mnist",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        )
    ]


def test_get_file_with_origin_keyword_positional_and_constants() -> None:
    found = data("""
        import keras
        BASE = "https://example.org/data/"
        a = keras.utils.get_file(origin="https://example.org/a.zip", extract=True)
        b = keras.utils.get_file("b.tgz", "https://example.org/b.tgz")
        c = keras.utils.get_file(fname="c.csv", origin=BASE + "c.csv")
        d = keras.utils.get_file("d.npz", origin=f"{BASE}d.npz")
        e = keras.utils.get_file("e.bin", origin=unknown_variable)
    """)
    assert found == [
        ("get_file", "a.zip", "https://example.org/a.zip"),
        ("get_file", "b.tgz", "https://example.org/b.tgz"),
        ("get_file", "c.csv", "https://example.org/data/c.csv"),
        ("get_file", "d.npz", "https://example.org/data/d.npz"),
        ("get_file", "e.bin", ""),
    ]


def test_urls_read_by_pandas_and_loose_data_urls() -> None:
    found = data("""
        import pandas as pd
        frame = pd.read_csv("https://example.org/heart.csv")
        ARCHIVE = "https://example.org/archive.tar.gz"
        page = "https://example.org/docs/index.html"
    """)
    assert found == [
        ("url", "heart.csv", "https://example.org/heart.csv"),
        ("url", "archive.tar.gz", "https://example.org/archive.tar.gz"),
    ]


def test_tfds_and_hugging_face_datasets() -> None:
    found = data("""
        import tensorflow_datasets as tfds
        from datasets import load_dataset
        ds = tfds.load("cats_vs_dogs", split="train")
        glue = load_dataset("glue", "sst2")
        imdb = load_dataset(path="imdb")
    """)
    assert found == [
        ("tfds", "cats_vs_dogs", ""),
        ("hf_datasets", "glue:sst2", "https://huggingface.co/datasets/glue"),
        ("hf_datasets", "imdb", "https://huggingface.co/datasets/imdb"),
    ]


def test_shell_downloads() -> None:
    commands = [
        ShellCommand(1, "wget -q https://example.org/a.zip -O data.zip"),
        ShellCommand(2, "curl -sSLO https://example.org/b.csv"),
        ShellCommand(3, "git clone https://github.com/owner/repo.git"),
        ShellCommand(4, "kaggle datasets download -d owner/leaves"),
        ShellCommand(5, "unzip -q data.zip"),
    ]
    assert [(d.name, d.url, d.line) for d in data_from_shell(commands)] == [
        ("data.zip", "https://example.org/a.zip", 1),
        ("b.csv", "https://example.org/b.csv", 2),
        ("repo", "https://github.com/owner/repo.git", 3),
        ("owner/leaves", "https://www.kaggle.com/datasets/owner/leaves", 4),
    ]


def test_os_system_downloads_and_pip_in_code() -> None:
    example = parse_example_text(
        tutobook("""
        import os, subprocess
        os.system("wget https://example.org/c.zip")
        subprocess.run(["pip", "install", "einops"], check=True)
    """)
    )
    assert [d.url for d in example.data_sources] == ["https://example.org/c.zip"]
    assert example.requirements == ["einops"]


def test_data_line_numbers_point_at_the_call() -> None:
    text = tutobook("""
        import keras

        (x, y), _ = keras.datasets.cifar10.load_data()
    """)
    ref = parse_example_text(text).data_sources[0]
    assert ref.line == line_of(text, "cifar10")


# -- shell commands and requirements -------------------------------------------------------------
def test_shell_commands_join_continuations_and_split_chains() -> None:
    commands = shell_commands("!pip install -q \\\n  keras-cv && echo done\n# a comment\n", 10)
    assert [(c.line, c.command) for c in commands] == [
        (10, "pip install -q keras-cv"),
        (10, "echo done"),
    ]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pip install -q keras-hub", ["keras-hub"]),
        ("pip install --upgrade 'keras>=3' tensorflow==2.16.1", ["keras>=3", "tensorflow==2.16.1"]),
        ("pip3 install -U -q rich", ["rich"]),
        ("python -m pip install --quiet einops", ["einops"]),
        ("pip install -r requirements.txt torch", ["torch"]),
        ("pip install -i https://test.pypi.org/simple/ my-pkg", ["my-pkg"]),
        ("pip install git+https://github.com/o/r.git", ["git+https://github.com/o/r.git"]),
        ("pip install -e . > /dev/null", ["."]),
        ("pip list", []),
        ("apt-get install -y ffmpeg", []),
    ],
)
def test_requirements_from_pip_lines(command: str, expected: list[str]) -> None:
    assert requirements_from_shell([ShellCommand(1, command)]) == expected


def test_requirements_are_deduplicated_in_order() -> None:
    commands = [ShellCommand(1, "pip install a b"), ShellCommand(2, "%pip install b c")]
    assert requirements_from_shell(shell_commands("%pip install b c", 2)) == ["b", "c"]
    assert requirements_from_shell(commands[:1] + shell_commands("%pip install b c", 2)) == [
        "a",
        "b",
        "c",
    ]


# -- backend -------------------------------------------------------------------------------------
def backend(body: str) -> tuple[str, str]:
    example = parse_example_text(tutobook(body))
    return example.backend, example.backend_reason


def test_keras_backend_assignment_pins() -> None:
    name, reason = backend('import os\nos.environ["KERAS_BACKEND"] = "jax"\nimport keras\n')
    assert name == "jax" and "line" in reason


def test_pin_wins_over_tf_data_but_says_tensorflow_is_needed() -> None:
    name, reason = backend("""
        import os
        os.environ["KERAS_BACKEND"] = "torch"
        import tensorflow as tf
        ds = tf.data.Dataset.range(3)
    """)
    assert name == "torch" and "tf.data" in reason and "TensorFlow must be installed" in reason


@pytest.mark.parametrize(
    "body",
    [
        "from tensorflow import keras\nmodel = keras.Sequential()\n",
        "import tensorflow as tf\nmodel = tf.keras.Sequential()\n",
        "import tensorflow as tf\nimport keras\nds = tf.data.Dataset.range(3)\n",
        "import tensorflow as tf\nimport keras\nx = tf.reduce_sum([1, 2])\n",
        "from tensorflow.keras import layers\n",
    ],
)
def test_tensorflow_only_code(body: str) -> None:
    name, reason = backend(body)
    assert name == "tensorflow" and reason.startswith("TensorFlow only")


def test_plain_keras3_is_any_backend_and_unused_tf_import_does_not_count() -> None:
    name, reason = backend("import tensorflow as tf\nimport keras\nx = keras.ops.ones(3)\n")
    assert name == "any" and "no KERAS_BACKEND pin" in reason


def test_setdefault_is_a_default_not_a_pin() -> None:
    name, reason = backend(
        'import os\nos.environ.setdefault("KERAS_BACKEND", "jax")\nimport keras\n'
    )
    assert name == "any" and "defaults to 'jax'" in reason


def test_direct_jax_calls_need_jax() -> None:
    name, reason = backend("import jax\nimport keras\nx = jax.numpy.ones(3)\n")
    assert name == "jax" and "JAX" in reason


def test_backend_exported_in_a_shell_cell() -> None:
    name, _ = backend('"""shell\nexport KERAS_BACKEND=torch\n"""\nimport keras\n')
    assert name == "torch"


# -- task, epochs, batch size --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "task"),
    [
        ("Image segmentation with a U-Net", "segmentation"),
        ("Object detection with RetinaNet", "object-detection"),
        ("Timeseries anomaly detection using an Autoencoder", "anomaly-detection"),
        ("English-to-Spanish translation with a sequence-to-sequence Transformer", "translation"),
        ("Image super-resolution using an efficient sub-pixel CNN", "image-to-image"),
        ("Character-level text generation with LSTM", "text-generation"),
        ("DCGAN to generate face images", "generation"),
        ("Timeseries forecasting for weather prediction", "time-series"),
        ("Timeseries classification from scratch", "time-series-classification"),
        ("Structured data regression on house prices", "regression"),
        ("Image classification from scratch", "image-classification"),
        ("Text classification with a Transformer", "text-classification"),
        ("Speaker recognition from audio", "audio-classification"),
        ("A study of a mystery", "unknown"),
    ],
)
def test_task_from_title(title: str, task: str) -> None:
    example = parse_example_text(tutobook(header=f'"""\nTitle: {title}\n"""\n'))
    assert example.task == task and example.task_reason


def test_task_from_data_when_the_title_is_silent() -> None:
    example = load_example(FIXTURES / "python2_print.py")  # boston_housing
    assert example.task == "regression" and "boston_housing" in example.task_reason


def test_epochs_and_batch_size_from_fit_and_assignments() -> None:
    example = parse_example_text(
        tutobook("""
        EPOCHS = 12
        batch_size = 48
        model.fit(x, y, epochs=EPOCHS, batch_size=batch_size)
    """)
    )
    assert (example.epochs, example.batch_size) == (12, 48)
    example = parse_example_text(tutobook("num_epochs = 7\nds = ds.batch(16)\n"))
    assert (example.epochs, example.batch_size) == (7, 16)


def test_prose_epochs_disagreeing_with_code_warns() -> None:
    text = tutobook('''
        model.fit(x, y, epochs=5)
        """
        After 50 epochs we reach 91% validation accuracy.
        """
    ''')
    example = parse_example_text(text)
    assert any("after 50 epochs but the code trains for 5" in w for w in example.warnings)
