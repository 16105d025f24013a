"""Removed APIs: what is reported, where, and what ``apply_fixes`` rewrites (and does not)."""

from __future__ import annotations

import pytest
from example_fixtures import FIXTURES, line_of, tutobook

from toolkit.compat import _NEEDLES, _RULES, apply_fixes, find_compat_issues
from toolkit.example import load_example, parse_example_text


def fixed(code: str) -> str:
    return apply_fixes(code)[0]


@pytest.mark.parametrize(
    ("before", "after", "code"),
    [
        ("x = np.float(3)", "x = float(3)", "numpy-alias"),
        ("m = np.ones(3, dtype=np.bool)", "m = np.ones(3, dtype=bool)", "numpy-alias"),
        ("a = numpy.object", "a = object", "numpy-alias"),
        ("y = np.NaN + np.Inf", "y = np.nan + np.inf", "numpy2-alias"),
        ("z = np.float_(1)", "z = np.float64(1)", "numpy2-alias"),
        (
            "opt = keras.optimizers.Adam(lr=1e-3)",
            "opt = keras.optimizers.Adam(learning_rate=1e-3)",
            "optimizer-lr",
        ),
        (
            "opt = SGD(momentum=0.9,\n    lr=0.1)",
            "opt = SGD(momentum=0.9,\n    learning_rate=0.1)",
            "optimizer-lr",
        ),
        (
            "layer = layers.experimental.preprocessing.Rescaling(1 / 255)",
            "layer = layers.Rescaling(1 / 255)",
            "experimental-preprocessing",
        ),
        (
            "from tensorflow.keras.layers.experimental.preprocessing import TextVectorization",
            "from tensorflow.keras.layers import TextVectorization",
            "experimental-preprocessing",
        ),
        (
            "from tensorflow.keras.layers.experimental import preprocessing",
            "from tensorflow.keras import layers as preprocessing",
            "experimental-preprocessing",
        ),
        (
            "d = layers.experimental.EinsumDense('ab,bc->ac', 4)",
            "d = layers.EinsumDense('ab,bc->ac', 4)",
            "experimental-layer",
        ),
        (
            "from tensorflow.python.keras import backend as K",
            "from tensorflow.keras import backend as K",
            "tf-python-keras",
        ),
        ("model.fit_generator(gen, epochs=3)", "model.fit(gen, epochs=3)", "generator-method"),
        ("model.evaluate_generator(gen)", "model.evaluate(gen)", "generator-method"),
        (
            "from keras.utils.np_utils import to_categorical",
            "from keras.utils import to_categorical",
            "np-utils",
        ),
        ("from keras.utils import np_utils", "from keras import utils as np_utils", "np-utils"),
        (
            "from tensorflow.keras.preprocessing.sequence import pad_sequences",
            "from tensorflow.keras.utils import pad_sequences",
            "preprocessing-path",
        ),
        (
            "img = keras.preprocessing.image.load_img(p)",
            "img = keras.utils.load_img(p)",
            "preprocessing-path",
        ),
        (
            "ds = keras.preprocessing.image_dataset_from_directory('d')",
            "ds = keras.utils.image_dataset_from_directory('d')",
            "preprocessing-path",
        ),
        (
            "tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)",
            'tf.get_logger().setLevel("ERROR")',
            "tf-compat-v1",
        ),
        ("tf.set_random_seed(42)", "tf.random.set_seed(42)", "tf-compat-v1"),
        (
            "from keras.layers.merge import concatenate",
            "from keras.layers import concatenate",
            "legacy-layer-module",
        ),
        (
            "from keras.engine.topology import Layer",
            "from keras.layers import Layer",
            "legacy-layer-module",
        ),
        ("rnn = layers.CuDNNLSTM(32)", "rnn = layers.LSTM(32)", "cudnn-layer"),
        (
            "opt = keras.optimizers.experimental.AdamW()",
            "opt = keras.optimizers.AdamW()",
            "optimizer-path",
        ),
        ("lr = model.optimizer.lr", "lr = model.optimizer.learning_rate", "optimizer-attr"),
        (
            "s = tf.keras.experimental.CosineDecay(1e-3, 100)",
            "s = tf.keras.optimizers.schedules.CosineDecay(1e-3, 100)",
            "schedule-path",
        ),
        (
            "mixed_precision.experimental.set_policy('mixed_float16')",
            "mixed_precision.set_global_policy('mixed_float16')",
            "mixed-precision",
        ),
        (
            "loss = keras.losses.MeanSquaredError(reduction=keras.losses.Reduction.NONE)",
            'loss = keras.losses.MeanSquaredError(reduction="none")',
            "loss-reduction",
        ),
        ("i = np.int0(3) + np.bool8(1)", "i = np.intp(3) + np.bool_(1)", "numpy2-alias"),
        ("area = np.trapz(y, x)", "area = np.trapezoid(y, x)", "numpy2-alias"),
        (
            "from tensorflow.keras.layers.experimental import EinsumDense",
            "from tensorflow.keras.layers import EinsumDense",
            "experimental-layer",
        ),
        (
            'lookup = layers.StringLookup(output_mode="binary")',
            'lookup = layers.StringLookup(output_mode="multi_hot")',
            "renamed-argument",
        ),
        (  # the layer class chosen at run time, as structured-data examples do
            "lookup = lookup_class(output_mode='binary')",
            'lookup = lookup_class(output_mode="multi_hot")',
            "renamed-argument",
        ),
        (
            "enc = layers.CategoryEncoding(max_tokens=5)",
            "enc = layers.CategoryEncoding(num_tokens=5)",
            "renamed-argument",
        ),
        (
            "d = layers.Discretization(bins=[0.0, 1.0])",
            "d = layers.Discretization(bin_boundaries=[0.0, 1.0])",
            "renamed-argument",
        ),
        (
            "df = pd.read_csv(path, delim_whitespace=True, header=None)",
            'df = pd.read_csv(path, sep=r"\\s+", header=None)',
            "renamed-argument",
        ),
        (
            "df = pd.read_csv(path, error_bad_lines=False)",
            'df = pd.read_csv(path, on_bad_lines="skip")',
            "renamed-argument",
        ),
        (
            "df = pd.read_csv(path, delim_whitespace=False)",
            'df = pd.read_csv(path, sep=",")',
            "renamed-argument",
        ),
        ("for k, v in df.iteritems():", "for k, v in df.items():", "pandas-removed"),
    ],
)
def test_mechanical_fixes(before: str, after: str, code: str) -> None:
    findings = find_compat_issues(before)
    assert code in {f.code for f in findings}
    assert all(f.line >= 1 and f.message and f.replacement for f in findings)
    assert fixed(before) == after
    assert not [f for f in find_compat_issues(after) if f.fixable]  # idempotent


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("p = model.predict_classes(x)", "predict-classes"),
        ("self.add_metric(acc, name='acc')", "add-metric"),
        ("gen = ImageDataGenerator(rotation_range=10)", "preprocessing-removed"),
        ("from keras.preprocessing.text import Tokenizer", "preprocessing-removed"),
        ("sess = tf.compat.v1.Session()", "tf-compat-v1"),
        ("x = tf.compat.v1.placeholder(tf.float32)", "tf-compat-v1"),
        ("import tensorflow_addons as tfa", "tensorflow-addons"),
        ("opt = tfa.optimizers.AdamW(1e-4, 1e-3)", "tensorflow-addons"),
        ("from tensorflow.python.keras.engine import data_adapter", "tf-python-keras"),
        ("model.fit(x, y, workers=4, use_multiprocessing=True)", "fit-argument"),
        ("opt = keras.optimizers.Adam(learning_rate=1e-3, decay=1e-6)", "optimizer-decay"),
        ("model.save_weights('model.h5')", "save-weights-name"),
        ("model.save('m', save_format='tf')", "save-format"),
        ("bn = layers.experimental.SyncBatchNormalization()", "experimental-layer"),
        ("from keras.wrappers.scikit_learn import KerasClassifier", "removed-api"),
        ("x = np.asfarray(values)", "numpy2-removed"),
        ("v = np.asscalar(a)", "numpy2-removed"),
        ("m = np.in1d(a, b)", "numpy2-removed"),
        (
            "from tensorflow.keras.layers.experimental import RandomFourierFeatures",
            "experimental-layer",
        ),
        ("rff = layers.experimental.RandomFourierFeatures(4096)", "experimental-layer"),
        (
            "from tensorflow.keras.layers.experimental import SyncBatchNormalization",
            "experimental-layer",
        ),
        ("K.set_value(opt.learning_rate, 0.1)", "backend-removed"),
        ("shape = keras.backend.int_shape(x)", "backend-removed"),
    ],
)
def test_reported_but_left_to_a_person(source: str, code: str) -> None:
    findings = [f for f in find_compat_issues(source) if f.code == code]
    assert findings and not any(f.fixable for f in findings)
    assert all(f.replacement for f in findings)  # a hint is always given
    assert apply_fixes(source) == (source, [])


def test_int32_bool_underscore_and_builtins_are_not_findings() -> None:
    assert find_compat_issues("a = np.int32(1); b = np.bool_(1); c = float(2); lr = 0.1\n") == []
    assert find_compat_issues("opt = keras.optimizers.Adam(learning_rate=lr)\n") == []


def test_prose_comments_and_strings_are_neither_reported_nor_changed() -> None:
    text = tutobook('''
        """
        Older code used `model.fit_generator(...)` and `np.float`.
        """
        x = 1  # np.float used to work here
        message = "call fit_generator(...) no more"
    ''')
    assert find_compat_issues(text) == []
    assert apply_fixes(text) == (text, [])


def test_fixture_findings_and_fixes_keep_line_numbers() -> None:
    path = FIXTURES / "legacy_tf_keras.py"
    text = path.read_text()
    example = load_example(path)
    by_code: dict[str, int] = {}
    for finding in example.findings:
        by_code.setdefault(finding.code, finding.line)
    assert by_code["optimizer-lr"] == line_of(text, "Adam(lr=")
    assert by_code["numpy-alias"] == line_of(text, "np.float")
    assert by_code["generator-method"] == by_code["fit-argument"] == line_of(text, "fit_generator(")
    new_text, applied = apply_fixes(text)
    assert new_text.count("\n") == text.count("\n")
    assert {f.code for f in applied} == {
        "experimental-preprocessing",
        "tf-python-keras",
        "np-utils",
        "numpy-alias",
        "optimizer-lr",
        "generator-method",
    }
    assert "Mentioning fit_generator or np.float in prose" in new_text  # prose untouched
    fixed_example = parse_example_text(new_text)
    assert [f.code for f in fixed_example.findings] == ["fit-argument"]  # needs a person


def test_apply_fixes_returns_what_it_applied_with_positions() -> None:
    text = "import numpy as np\nx = np.float(1) + np.int(2)\n"
    new_text, applied = apply_fixes(text)
    assert new_text == "import numpy as np\nx = float(1) + int(2)\n"
    assert [(f.line, f.column, f.match, f.replacement) for f in applied] == [
        (2, 4, "np.float", "float"),
        (2, 18, "np.int", "int"),
    ]


def test_non_ascii_columns_are_character_columns() -> None:
    text = "é = keras.optimizers.Adam(lr=1)\n"
    assert fixed(text) == "é = keras.optimizers.Adam(learning_rate=1)\n"


def test_syntax_errors_are_findings_with_lines_and_the_rest_still_parses() -> None:
    path = FIXTURES / "python2_print.py"
    example = load_example(path)
    [finding] = [f for f in example.findings if f.code == "syntax-error"]
    assert finding.line == line_of(path.read_text(), 'print "count"')
    assert "syntax error" in finding.message and not finding.fixable
    assert [d.name for d in example.data_sources] == ["boston_housing"]  # later cells read


def test_lr_rule_still_works_when_the_code_does_not_parse() -> None:
    text = tutobook("print 'old'\nopt = Adam(lr=0.01)\n")
    example = parse_example_text(text)
    codes = {f.code for f in example.findings}
    assert {"syntax-error", "optimizer-lr"} <= codes
    assert "Adam(learning_rate=0.01)" in fixed(text)


def test_one_broken_cell_gives_one_finding_at_its_line() -> None:
    text = tutobook('''
        x = (1,
        """
        ## Prose after a cell that never closes its bracket
        """
        y = np.float(2)
    ''')
    findings = parse_example_text(text).findings
    assert [(f.code, f.line) for f in findings] == [
        ("syntax-error", line_of(text, "x = (1,")),
        ("numpy-alias", line_of(text, "np.float")),
    ]


def test_every_rule_has_needles() -> None:
    assert {rule.code for rule in _RULES} <= set(_NEEDLES)


def test_random_fourier_features_hint_says_it_is_gone_not_moved() -> None:
    [finding] = find_compat_issues(
        "from tensorflow.keras.layers.experimental import RandomFourierFeatures\n"
    )
    assert "removed in Keras 3" in finding.message and "custom layer" in finding.replacement


@pytest.mark.parametrize(
    "source",
    [
        'net = MLP(output_mode="binary")',  # not a Keras preprocessing layer
        "x = np.matmul(a, b) + np.integer_value",  # names that only start like removed ones
        "rows = parse(delim_whitespace=True)",  # not a pandas reader
        "d = {}.items()",
    ],
)
def test_look_alikes_of_renamed_apis_are_left_alone(source: str) -> None:
    assert find_compat_issues(source) == []
    assert apply_fixes(source) == (source, [])
