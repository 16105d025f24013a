"""APIs that older Keras.io examples use and today's libraries removed, and their fixes.

:func:`find_compat_issues` reports each use with its line, a message saying what changed, and
the modern replacement. :func:`apply_fixes` applies the mechanical ones (pure renames such as
``np.float`` -> ``float``, ``Adam(lr=...)`` -> ``Adam(learning_rate=...)``,
``layers.experimental.preprocessing.X`` -> ``layers.X``) and leaves the rest to a person.

Only code is searched: prose cells, string contents and comments are masked first, so a
sentence mentioning ``fit_generator`` is not a finding.
"""

from __future__ import annotations

import ast
import re
import warnings
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from toolkit.tutobook import Block, all_nodes, code_view


@dataclass
class Finding:
    """One problem in the code: where, what, and what to write instead."""

    line: int  # 1-based
    code: str  # e.g. numpy-alias, optimizer-lr, syntax-error
    message: str
    replacement: str  # the modern code for ``match`` (a hint when not fixable)
    fixable: bool
    column: int = 0  # 0-based, where ``match`` starts
    match: str = ""  # the exact source text a fix replaces


Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class _Rule:
    code: str
    pattern: re.Pattern[str]
    message: str  # formatted with {match} and {replacement}
    replacement: Replacement
    fixable: bool = True


def _rule(
    code: str, pattern: str, message: str, replacement: Replacement, fixable: bool = True
) -> _Rule:
    return _Rule(code, re.compile(pattern, re.MULTILINE), message, replacement, fixable)


_NP_BUILTINS = {
    "bool": "bool",
    "int": "int",
    "float": "float",
    "object": "object",
    "str": "str",
    "long": "int",
    "complex": "complex",
    "unicode": "str",
}
_NP2_RENAMES = {
    "NaN": "np.nan",
    "NAN": "np.nan",
    "Inf": "np.inf",
    "Infinity": "np.inf",
    "infty": "np.inf",
    "PINF": "np.inf",
    "NINF": "-np.inf",
    "float_": "np.float64",
    "complex_": "np.complex128",
    "string_": "np.bytes_",
    "unicode_": "np.str_",
    "product": "np.prod",
    "cumproduct": "np.cumprod",
    "sometrue": "np.any",
    "alltrue": "np.all",
    "round_": "np.round",
    "row_stack": "np.vstack",
    "int0": "np.intp",
    "bool8": "np.bool_",
    "object0": "np.object_",
    "str0": "np.str_",
    "trapz": "np.trapezoid",
    "mat": "np.asmatrix",
}
_PUBLIC_TF_KERAS = (
    "layers",
    "models",
    "optimizers",
    "losses",
    "metrics",
    "callbacks",
    "utils",
    "datasets",
    "backend",
    "regularizers",
    "initializers",
    "activations",
    "applications",
    "preprocessing",
    "mixed_precision",
)
_IMAGE_UTILS = r"(?:load_img|img_to_array|array_to_img|save_img)"
_REDUCTIONS = {
    "NONE": '"none"',
    "SUM": '"sum"',
    "SUM_OVER_BATCH_SIZE": '"sum_over_batch_size"',
    "AUTO": '"sum_over_batch_size"',
}
_BACKEND_REMOVED = {
    "set_value": "variable.assign(value)",
    "get_value": "keras.ops.convert_to_numpy(x)",
    "batch_get_value": "[keras.ops.convert_to_numpy(x) for x in xs]",
    "int_shape": "x.shape",
    "placeholder": "keras.Input",
    "variable": "keras.Variable",
    "eval": "keras.ops.convert_to_numpy(x)",
    "function": "a plain Python function or a keras.Model",
}
_OPTIMIZERS = {
    "Adam",
    "AdamW",
    "SGD",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "Nadam",
    "Ftrl",
    "Lion",
    "Adafactor",
}

# Specific rules first: a later rule never reports a span an earlier one already covered.
_RULES: list[_Rule] = [
    _rule(
        "numpy-alias",
        r"\b(?:np|numpy)\.(bool|int|float|object|str|long|complex|unicode)\b"
        r"(?!\s*\.)",
        "`{match}` was removed in NumPy 1.24 (a deprecated alias of a builtin); "
        "use `{replacement}`",
        lambda m: _NP_BUILTINS[m.group(1)],
    ),
    _rule(
        "numpy2-alias",
        r"\b(?:np|numpy)\.(" + "|".join(_NP2_RENAMES) + r")\b",
        "`{match}` was removed in NumPy 2.0; use `{replacement}`",
        lambda m: _NP2_RENAMES[m.group(1)],
    ),
    _rule(
        "numpy2-removed",
        r"\b(?:np|numpy)\.(asfarray|msort|find_common_type|cast|asscalar|in1d)\b",
        "`{match}` was removed from NumPy; use `{replacement}`",
        lambda m: {
            "asfarray": "np.asarray(x, dtype=float)",
            "msort": "np.sort(a, axis=0)",
            "find_common_type": "np.result_type",
            "cast": "np.asarray(x, dtype=...)",
            "asscalar": "x.item()",
            "in1d": "np.isin(a, b).ravel()",
        }[m.group(1)],
        fixable=False,
    ),
    _rule(
        "experimental-preprocessing",
        r"\.layers\.experimental\s+import\s+preprocessing\b",
        "`layers.experimental.preprocessing` became `layers` (TF 2.9 / Keras 3)",
        " import layers as preprocessing",
    ),
    _rule(
        "experimental-preprocessing",
        r"\blayers\.experimental\.preprocessing\b",
        "`layers.experimental.preprocessing.*` layers moved to `layers.*` (TF 2.9 / Keras 3)",
        "layers",
    ),
    _rule(
        "experimental-layer",
        r"\blayers\.experimental(?:\.|\s+import\s+)RandomFourierFeatures\b",
        "`RandomFourierFeatures` was removed in Keras 3 (it was never moved out of "
        "`layers.experimental`)",
        "a small custom layer: a fixed random Gaussian projection (scale as in the example) "
        "followed by cos, as the TF 2 layer computed",
        fixable=False,
    ),
    _rule(
        "experimental-layer",
        r"\.layers\.experimental(?=\s+import\s+EinsumDense\s*$)",
        "`EinsumDense` left `layers.experimental`; import it from `layers`",
        ".layers",
    ),
    _rule(
        "experimental-layer",
        r"\blayers\.experimental\s+import\s+\w+",
        "`{match}`: Keras 3 has no `layers.experimental`",
        "import the layer from `layers` (check it exists there)",
        fixable=False,
    ),
    _rule(
        "experimental-layer",
        r"\blayers\.experimental\.(EinsumDense)\b",
        "`{match}` left experimental; use `{replacement}`",
        lambda m: f"layers.{m.group(1)}",
    ),
    _rule(
        "experimental-layer",
        r"\blayers\.experimental\.SyncBatchNormalization\b",
        "`{match}` was removed; use `{replacement}`",
        "layers.BatchNormalization(synchronized=True)",
        fixable=False,
    ),
    _rule(
        "experimental-layer",
        r"\blayers\.experimental\.(\w+)",
        "`{match}` does not exist in Keras 3",
        lambda m: f"layers.{m.group(1)} (check it exists)",
        fixable=False,
    ),
    _rule(
        "tf-python-keras",
        r"\btensorflow\.python\.keras(?=\.(?:"
        + "|".join(_PUBLIC_TF_KERAS)
        + r")\b|\s+import\b|\s*$)",
        "`tensorflow.python.keras` is TensorFlow's private copy of Keras, removed in TF 2.16; "
        "use the public `{replacement}`",
        "tensorflow.keras",
    ),
    _rule(
        "tf-python-keras",
        r"\btensorflow\.python\.keras(?:\.\w+)*",
        "`{match}` is a private TensorFlow module, removed in TF 2.16",
        "the public keras API",
        fixable=False,
    ),
    _rule(
        "generator-method",
        r"\.(fit|evaluate|predict)_generator(?=\s*\()",
        "`Model{match}` was removed; `Model.{replacement_bare}` accepts generators and PyDatasets",
        lambda m: f".{m.group(1)}",
    ),
    _rule(
        "predict-classes",
        r"\.predict_(classes|proba)(?=\s*\()",
        "`Model{match}` was removed in TF 2.6",
        "np.argmax(model.predict(x), axis=-1) "
        '(or `(model.predict(x) > 0.5).astype("int32")` for a sigmoid output)',
        fixable=False,
    ),
    _rule(
        "add-metric",
        r"\.add_metric(?=\s*\()",
        "`add_metric` was removed in Keras 3",
        "track the value in a keras.metrics.Mean and list it in the model's `metrics`",
        fixable=False,
    ),
    _rule(
        "np-utils",
        r"\.utils\s+import\s+np_utils\b",
        "`keras.utils.np_utils` was removed; its functions live in `keras.utils`",
        " import utils as np_utils",
    ),
    _rule(
        "np-utils",
        r"\bkeras\.utils\.(?:np_utils|vis_utils)\b",
        "`{match}` was removed; its functions live in `keras.utils`",
        "keras.utils",
    ),
    _rule(
        "preprocessing-path",
        r"\bkeras\.preprocessing\.sequence(?=\s+import\s+pad_sequences\b"
        r"|\.pad_sequences\b)",
        "`{match}` moved to `keras.utils`",
        "keras.utils",
    ),
    _rule(
        "preprocessing-path",
        r"\bkeras\.preprocessing\.image(?=\s+import\s+"
        + _IMAGE_UTILS
        + r"(?:\s*,\s*"
        + _IMAGE_UTILS
        + r")*\s*$|\."
        + _IMAGE_UTILS
        + r"\b)",
        "`{match}` moved to `keras.utils`",
        "keras.utils",
    ),
    _rule(
        "preprocessing-path",
        r"\bkeras\.preprocessing(?=\.(?:image_dataset_from_directory|"
        r"text_dataset_from_directory|timeseries_dataset_from_array)\b)",
        "`{match}` dataset utilities moved to `keras.utils`",
        "keras.utils",
    ),
    _rule(
        "preprocessing-removed",
        r"\bImageDataGenerator\b",
        "`ImageDataGenerator` was removed in Keras 3",
        "keras.utils.image_dataset_from_directory plus augmentation layers (layers.RandomFlip"
        ", layers.RandomRotation...)",
        fixable=False,
    ),
    _rule(
        "preprocessing-removed",
        r"\bkeras\.preprocessing\.text\b",
        "`keras.preprocessing.text` (Tokenizer, one_hot...) was removed in Keras 3",
        "keras.layers.TextVectorization",
        fixable=False,
    ),
    _rule(
        "tf-compat-v1",
        r"\btf\.compat\.v1\.enable_eager_execution\(\s*\)",
        "eager execution is the default since TF 2.0",
        "pass",
    ),
    _rule(
        "tf-compat-v1",
        r"\btf\.(?:compat\.v1\.|random\.)?set_random_seed(?=\s*\()",
        "`{match}` is the TF1 name",
        "tf.random.set_seed",
    ),
    _rule(
        "tf-compat-v1",
        r"\btf\.(?:compat\.v1\.)?logging\.set_verbosity\(\s*tf\.(?:compat\.v1\."
        r")?logging\.(DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s*\)",
        "`tf.logging` is the TF1 logging API",
        lambda m: f'tf.get_logger().setLevel("{m.group(1)}")',
    ),
    _rule(
        "tf-compat-v1",
        r"\btf\.(?:compat\.v1\.)?(?:Session|placeholder|"
        r"global_variables_initializer|disable_eager_execution|disable_v2_behavior|"
        r"get_default_graph|variable_scope)\b",
        "`{match}` is TF1 graph-mode API, which Keras 3 does not support",
        "eager TF2 / Keras 3 code",
        fixable=False,
    ),
    _rule(
        "tf-compat-v1",
        r"\btf\.compat\.v1\.[\w.]+",
        "`{match}` is TF1 API kept only for compatibility",
        "its TF2 equivalent (see the TF2 migration guide)",
        fixable=False,
    ),
    _rule(
        "legacy-layer-module",
        r"\bkeras\.layers\.(?:merge|core|convolutional|recurrent|"
        r"normalization|pooling|embeddings|wrappers|advanced_activations|noise|local|"
        r"convolutional_recurrent|cudnn_recurrent)\b",
        "`{match}` is a Keras 2 private module; its layers live in `keras.layers`",
        "keras.layers",
    ),
    _rule(
        "legacy-layer-module",
        r"\bkeras\.engine(?:\.\w+)?(?=\s+import\s+(?:Layer|InputSpec)"
        r"\s*$)",
        "`{match}` was removed; `Layer` and `InputSpec` live in `keras.layers`",
        "keras.layers",
    ),
    _rule(
        "legacy-layer-module",
        r"\bkeras\.engine\b(?:\.\w+)*",
        "`{match}` (Keras 2 internals) was removed",
        "the public keras API",
        fixable=False,
    ),
    _rule(
        "cudnn-layer",
        r"\bCuDNN(LSTM|GRU)\b",
        "`{match}` was removed; `{replacement}` uses cuDNN automatically",
        lambda m: m.group(1),
    ),
    _rule(
        "optimizer-path",
        r"\boptimizers\.(?:experimental|legacy)\.(?=\w)",
        "`{match}` optimizers are the regular ones in Keras 3",
        "optimizers.",
    ),
    _rule(
        "optimizer-attr",
        r"\boptimizer\.lr\b",
        "`optimizer.lr` was renamed",
        "optimizer.learning_rate",
    ),
    _rule(
        "schedule-path",
        r"\bkeras\.experimental\.(CosineDecay(?:Restarts)?)\b",
        "`{match}` moved to `keras.optimizers.schedules`",
        lambda m: f"keras.optimizers.schedules.{m.group(1)}",
    ),
    _rule(
        "mixed-precision",
        r"\bmixed_precision\.experimental\.set_policy\b",
        "`{match}` was renamed",
        "mixed_precision.set_global_policy",
    ),
    _rule(
        "mixed-precision",
        r"\bmixed_precision\.experimental\.(?=\w)",
        "`{match}` left experimental",
        "mixed_precision.",
    ),
    _rule(
        "loss-reduction",
        r"\b(?:\w+\.)*losses\.Reduction\.(NONE|SUM_OVER_BATCH_SIZE|SUM|AUTO)"
        r"\b",
        "`losses.Reduction` enums became strings in Keras 3",
        lambda m: _REDUCTIONS[m.group(1)],
    ),
    _rule(
        "tensorflow-addons",
        r"^\s*(?:import\s+tensorflow_addons\b|from\s+tensorflow_addons\b)"
        r".*",
        "TensorFlow Addons reached end of life and does not install with TF >= 2.16",
        "Keras 3 equivalents: keras.optimizers.AdamW, layers.GroupNormalization, "
        "keras.activations.gelu...",
        fixable=False,
    ),
    _rule(
        "tensorflow-addons",
        r"\btfa\.optimizers\.AdamW\b",
        "`{match}` comes from TensorFlow Addons (end of life)",
        "keras.optimizers.AdamW (weight_decay is a keyword argument there)",
        fixable=False,
    ),
    _rule(
        "removed-api",
        r"\b(?:keras\.utils\.)?multi_gpu_model\b",
        "`multi_gpu_model` was removed",
        "tf.distribute.MirroredStrategy or keras.distribution",
        fixable=False,
    ),
    _rule(
        "removed-api",
        r"\bkeras\.wrappers\.scikit_learn\b",
        "`keras.wrappers.scikit_learn` was removed",
        "the scikeras package (or keras.wrappers.SKLearnClassifier in Keras 3.5+)",
        fixable=False,
    ),
    _rule(
        "removed-api",
        r"\b(?:backend|K)\.(?:get_session|set_session)\b",
        "`{match}` (TF1 sessions) was removed",
        "nothing: Keras 3 runs eagerly",
        fixable=False,
    ),
    _rule(
        "backend-removed",
        r"\b(?:backend|K)\.(set_value|get_value|batch_get_value|int_shape|placeholder|"
        r"variable|eval|function)(?=\s*\()",
        "`{match}` was removed from `keras.backend` in Keras 3; use `{replacement}`",
        lambda m: _BACKEND_REMOVED[m.group(1)],
        fixable=False,
    ),
    _rule(
        "pandas-removed",
        r"\.iteritems(?=\s*\(\s*\))",
        "`{match}()` was removed in pandas 2.0 (and Python 3 dicts); use `{replacement}()`",
        ".items",
    ),
]


# Literal text every match of a rule contains: rules whose needles are absent are not run.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "numpy-alias": ("np.", "numpy."),
    "numpy2-alias": ("np.", "numpy."),
    "numpy2-removed": ("np.", "numpy."),
    "experimental-preprocessing": ("experimental",),
    "experimental-layer": ("experimental",),
    "tf-python-keras": ("python.keras",),
    "generator-method": ("_generator",),
    "predict-classes": (".predict_",),
    "add-metric": ("add_metric",),
    "np-utils": ("np_utils", "vis_utils"),
    "preprocessing-path": ("preprocessing",),
    "preprocessing-removed": ("preprocessing", "ImageDataGenerator"),
    "tf-compat-v1": ("tf.",),
    "legacy-layer-module": ("keras.layers.", "keras.engine"),
    "cudnn-layer": ("CuDNN",),
    "optimizer-path": ("optimizers.",),
    "optimizer-attr": ("optimizer.lr",),
    "schedule-path": ("keras.experimental",),
    "mixed-precision": ("mixed_precision",),
    "loss-reduction": ("Reduction",),
    "tensorflow-addons": ("tensorflow_addons", "tfa."),
    "removed-api": ("multi_gpu_model", "scikit_learn", "_session"),
    "backend-removed": ("backend.", "K."),
    "pandas-removed": ("iteritems",),
}


def find_compat_issues(
    text: str, *, blocks: list[Block] | None = None, tree: ast.Module | None = None
) -> list[Finding]:
    """Uses of removed APIs in the code of ``text`` (a tutobook or a plain script), by line.

    ``blocks`` and ``tree`` (the parsed code, line numbers as in ``text``) may be passed to
    avoid splitting and parsing twice.
    """
    code, masked = code_view(text, blocks)
    whole = "\n".join(masked)
    starts = [0]
    for line in masked[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    findings: list[Finding] = []
    covered: dict[int, list[tuple[int, int]]] = {}  # line index -> spans already reported
    for rule in _RULES:  # one search per rule over the whole masked code
        if not any(needle in whole for needle in _NEEDLES[rule.code]):
            continue
        for match in rule.pattern.finditer(whole):
            if "\n" in match.group():
                continue
            index = bisect_right(starts, match.start()) - 1
            span = (match.start() - starts[index], match.end() - starts[index])
            spans = covered.setdefault(index, [])
            if any(a < span[1] and span[0] < b for a, b in spans):
                continue
            spans.append(span)
            findings.append(_finding(rule, match, index + 1, code[index], span[0]))
    if tree is None:
        tree = _parse(code)
    keyword_findings = _keyword_findings(tree, code) if tree is not None else []
    seen = {(f.line, f.column) for f in keyword_findings}
    # The one-line `lr=` pattern also covers code the tree lacks (cells with syntax errors).
    keyword_findings += [f for f in _lr_by_regex(masked) if (f.line, f.column) not in seen]
    findings.extend(keyword_findings)
    findings.sort(key=lambda f: (f.line, f.column))
    return findings


def _finding(
    rule: _Rule, match: re.Match[str], line: int, source_line: str, column: int
) -> Finding:
    original = source_line[column : column + len(match.group())]
    replacement = rule.replacement(match) if callable(rule.replacement) else rule.replacement
    message = rule.message.format(
        match=original.strip(),
        replacement=replacement.strip(),
        replacement_bare=replacement.strip(". "),
    )
    return Finding(line, rule.code, message, replacement, rule.fixable, column, original)


def _parse(code: list[str]) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse("\n".join(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_FIT_METHODS = {
    "fit",
    "evaluate",
    "predict",
    "fit_generator",
    "evaluate_generator",
    "predict_generator",
}


def _keyword_findings(tree: ast.Module, code: list[str]) -> list[Finding]:
    """Keyword arguments Keras 3 removed: optimizer ``lr``/``decay``, fit ``workers``..."""
    findings = []
    for node in all_nodes(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        for kw in node.keywords:
            if kw.arg is None or not hasattr(kw, "lineno"):
                continue
            line = code[kw.lineno - 1] if 0 < kw.lineno <= len(code) else ""
            column = _char_column(line, kw.col_offset)
            if name in _OPTIMIZERS and kw.arg == "lr":
                findings.append(
                    Finding(
                        kw.lineno,
                        "optimizer-lr",
                        f"`{name}(lr=...)`: the `lr` argument was removed in Keras 3",
                        "learning_rate",
                        True,
                        column,
                        "lr",
                    )
                )
            elif name in _OPTIMIZERS and kw.arg == "decay":
                findings.append(
                    Finding(
                        kw.lineno,
                        "optimizer-decay",
                        f"`{name}(decay=...)` was removed in Keras 3",
                        "a learning-rate schedule, e.g. "
                        "keras.optimizers.schedules.InverseTimeDecay",
                        False,
                        column,
                        "decay",
                    )
                )
            elif name in _FIT_METHODS and kw.arg in (
                "workers",
                "use_multiprocessing",
                "max_queue_size",
            ):
                findings.append(
                    Finding(
                        kw.lineno,
                        "fit-argument",
                        f"`{name}({kw.arg}=...)` was removed in Keras 3",
                        "pass it to your keras.utils.PyDataset constructor",
                        False,
                        column,
                        kw.arg,
                    )
                )
            elif name in ("save", "save_weights") and kw.arg == "save_format":
                findings.append(
                    Finding(
                        kw.lineno,
                        "save-format",
                        "`save_format` was removed in Keras 3",
                        "a file name ending in .keras (or .weights.h5 for weights)",
                        False,
                        column,
                        kw.arg,
                    )
                )
        findings.extend(_renamed_argument_findings(node, name, code))
        if name == "save_weights" and node.args:
            target = node.args[0]
            if (
                isinstance(target, ast.Constant)
                and isinstance(target.value, str)
                and not target.value.endswith(".weights.h5")
            ):
                line = code[target.lineno - 1] if 0 < target.lineno <= len(code) else ""
                findings.append(
                    Finding(
                        target.lineno,
                        "save-weights-name",
                        f"Keras 3 `save_weights` needs a name ending in `.weights.h5`, not "
                        f"{target.value!r}",
                        repr(_weights_name(target.value)),
                        False,
                        _char_column(line, target.col_offset),
                        repr(target.value),
                    )
                )
    return findings


# Keyword arguments renamed since TF 2.4: (callee suffix, old keyword) -> new keyword.
_RENAMED_KEYWORDS = {
    ("CategoryEncoding", "max_tokens"): "num_tokens",
    ("Discretization", "bins"): "bin_boundaries",
}
# Keyword values that changed: (keyword, old value) -> (new source text, since when).
_CHANGED_VALUES = {
    ("output_mode", "binary"): ('"multi_hot"', "TF 2.6 (Keras 3 keeps the new name)"),
    ("delim_whitespace", True): ('sep=r"\\s+"', "pandas 3.0"),
    ("delim_whitespace", False): ('sep=","', "pandas 3.0"),  # the default separator
    ("error_bad_lines", False): ('on_bad_lines="skip"', "pandas 2.0"),
    ("error_bad_lines", True): ('on_bad_lines="error"', "pandas 2.0"),
}
_PREPROCESSING_CALLEE = re.compile(r"(?:Lookup|Encoding|Vectorization|Hashing|lookup\w*)$")
_PANDAS_READERS = {"read_csv", "read_table", "read_fwf"}


def _renamed_argument_findings(node: ast.Call, name: str, code: list[str]) -> list[Finding]:
    """Keyword arguments (or their values) renamed in Keras preprocessing layers and pandas."""
    findings = []
    for kw in node.keywords:
        if kw.arg is None or not 0 < kw.lineno <= len(code):
            continue
        line = code[kw.lineno - 1]
        for finding in (_renamed_keyword(kw, name, line), _changed_value(kw, name, line)):
            if finding is not None:
                findings.append(finding)
    return findings


def _renamed_keyword(kw: ast.keyword, name: str, line: str) -> Finding | None:
    """``CategoryEncoding(max_tokens=...)`` -> ``num_tokens=``, and the like."""
    for (suffix, old), new in _RENAMED_KEYWORDS.items():
        if kw.arg == old and name.endswith(suffix):
            message = f"`{name}({kw.arg}=...)` was renamed to `{new}`"
            column = _char_column(line, kw.col_offset)
            return Finding(kw.lineno, "renamed-argument", message, new, True, column, old)
    return None


def _changed_value(kw: ast.keyword, name: str, line: str) -> Finding | None:
    """``output_mode="binary"`` -> ``"multi_hot"``; pandas' ``delim_whitespace=True``..."""
    value = kw.value.value if isinstance(kw.value, ast.Constant) else None
    change = _CHANGED_VALUES.get((str(kw.arg), value)) if isinstance(value, str | bool) else None
    if change is None or not _applies(str(kw.arg), name):
        return None
    span: ast.expr | ast.keyword = (
        kw.value if kw.arg == "output_mode" else kw
    )  # pandas: all of `key=value`
    if getattr(span, "end_lineno", None) != kw.lineno:
        return None
    begin = _char_column(line, span.col_offset)
    end = _char_column(line, span.end_col_offset or 0)
    message = (
        f"`{name}({kw.arg}={value!r})` is no longer accepted (removed in {change[1]}); "
        f"use `{change[0]}`"
    )
    return Finding(kw.lineno, "renamed-argument", message, change[0], True, begin, line[begin:end])


def _applies(keyword: str, callee: str) -> bool:
    """Whether a changed keyword value belongs to this callee's library."""
    if keyword == "output_mode":
        return bool(_PREPROCESSING_CALLEE.search(callee))
    return callee in _PANDAS_READERS


def _weights_name(name: str) -> str:
    for suffix in (".h5", ".hdf5", ".ckpt", ".tf"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ".weights.h5"
    return name + ".weights.h5"


_LR_REGEX = re.compile(r"\b(?:" + "|".join(_OPTIMIZERS) + r")\s*\([^()]*?\b(lr)\s*=")


def _lr_by_regex(masked: list[str]) -> list[Finding]:
    """The ``lr=`` rule on single lines, for code that does not parse."""
    findings = []
    for index, line in enumerate(masked):
        if "lr" not in line:
            continue
        for match in _LR_REGEX.finditer(line):
            findings.append(
                Finding(
                    index + 1,
                    "optimizer-lr",
                    "the `lr` optimizer argument was removed in Keras 3",
                    "learning_rate",
                    True,
                    match.start(1),
                    "lr",
                )
            )
    return findings


def _char_column(line: str, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; convert to a str index."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def apply_fixes(text: str) -> tuple[str, list[Finding]]:
    """``text`` with every fixable finding replaced; also return the findings applied.

    Fixes are exact-span replacements inside code; prose and comments are never changed.
    """
    findings = [f for f in find_compat_issues(text) if f.fixable and f.match]
    lines = text.split("\n")
    applied: list[Finding] = []
    by_line: dict[int, list[Finding]] = {}
    for finding in findings:
        by_line.setdefault(finding.line, []).append(finding)
    for number, items in by_line.items():
        line = lines[number - 1]
        taken_until = len(line) + 1
        for finding in sorted(items, key=lambda f: f.column, reverse=True):
            end = finding.column + len(finding.match)
            if end > taken_until or line[finding.column : end] != finding.match:
                continue
            line = line[: finding.column] + finding.replacement + line[end:]
            taken_until = finding.column
            applied.append(finding)
        lines[number - 1] = line
    applied.sort(key=lambda f: (f.line, f.column))
    return "\n".join(lines), applied
