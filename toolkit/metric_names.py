"""The one metric vocabulary: names, the Keras log keys that hold them, direction and range.

Claims (what an example's prose calls a metric), the manifest (a metric's default
direction), the checker (which ``metrics.json`` key measures it) and the card all read
this module, so a metric is described once. A metric not listed here is still usable:
its direction then follows the words in its name (``reconstruction_loss`` and
``error rate`` are lower-is-better).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "METRICS",
    "Direction",
    "MetricName",
    "canonical_name",
    "default_direction",
    "is_bounded",
    "keras_keys",
    "lower_is_better",
    "normalise",
]

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricName:
    """A metric as examples name it: ``name`` is what a manifest holds."""

    name: str
    keras_keys: tuple[str, ...] = ()  # the Keras log keys that measure it, best first
    direction: Direction = "higher"
    bounded: bool = False  # its values lie in [0, 1] (or [0, 100] as a percentage)


METRICS: tuple[MetricName, ...] = (
    MetricName(
        "accuracy",
        (
            "accuracy",
            "acc",
            "sparse_categorical_accuracy",
            "categorical_accuracy",
            "binary_accuracy",
        ),
        bounded=True,
    ),
    MetricName("loss", ("loss",), "lower"),
    MetricName("mae", ("mae", "mean_absolute_error"), "lower"),
    MetricName("mse", ("mse", "mean_squared_error"), "lower"),
    MetricName("rmse", ("rmse", "root_mean_squared_error"), "lower"),
    MetricName("mape", ("mape", "mean_absolute_percentage_error"), "lower"),
    MetricName("auc", ("auc",), bounded=True),
    MetricName("pr auc", ("pr_auc",), bounded=True),
    MetricName("precision", ("precision",), bounded=True),
    MetricName("recall", ("recall",), bounded=True),
    MetricName("f1", ("f1", "f1_score"), bounded=True),
    MetricName("r2", ("r2", "r2_score")),
    MetricName("iou", ("iou", "mean_iou", "mean_io_u", "one_hot_mean_io_u", "io_u"), bounded=True),
    MetricName("mean iou", ("mean_iou", "mean_io_u", "one_hot_mean_io_u", "iou"), bounded=True),
    MetricName("dice", ("dice",), bounded=True),
    MetricName("ssim", ("ssim",), bounded=True),
    MetricName("psnr", ("psnr",)),
    MetricName("perplexity", ("perplexity",), "lower"),
    MetricName(
        "crossentropy",
        ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy"),
        "lower",
    ),
    MetricName("top-k accuracy", (), bounded=True),
    MetricName("error rate", ("error_rate",), "lower", bounded=True),
    MetricName("wer", ("wer",), "lower", bounded=True),
    MetricName("cer", ("cer",), "lower", bounded=True),
)

# Words that make any metric name lower-is-better (``val_reconstruction_loss``, ``kl div``).
LOWER_WORDS = frozenset(
    {
        "loss",
        "error",
        "mae",
        "mse",
        "rmse",
        "mape",
        "smape",
        "msle",
        "perplexity",
        "crossentropy",
        "wer",
        "cer",
        "divergence",
        "nll",
        "fid",
        "distance",
        "hinge",
        "bpd",
    }
)

_BY_NAME = {re.sub(r"[^a-z0-9]+", "_", m.name): m for m in METRICS}
# Every Keras key -> the metric it measures (the first metric listing a key owns it).
_BY_KEY: dict[str, MetricName] = {}
for _metric in METRICS:
    for _key in (re.sub(r"[^a-z0-9]+", "_", _metric.name), *_metric.keras_keys):
        _BY_KEY.setdefault(_key, _metric)


def normalise(name: str) -> str:
    """``"Top-5 Accuracy"`` -> ``"top_5_accuracy"``: lowercase, other characters -> ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _known(name: str) -> MetricName | None:
    return _BY_NAME.get(normalise(name))


def keras_keys(name: str) -> tuple[str, ...]:
    """The Keras log keys listed for the metric ``name`` (``()`` for an unknown one)."""
    known = _known(name)
    return known.keras_keys if known else ()


def canonical_name(key: str) -> str:
    """The vocabulary's name for a Keras key or alias (``sparse_categorical_accuracy`` ->
    ``accuracy``); an unknown key comes back as it was given."""
    known = _BY_KEY.get(normalise(key))
    return known.name if known else key


def lower_is_better(name: str) -> bool:
    """Whether smaller values of the metric ``name`` are better."""
    known = _known(name)
    if known is not None:
        return known.direction == "lower"
    words = set(normalise(name).split("_"))
    return bool(words & LOWER_WORDS) or normalise(name).endswith("crossentropy")


def default_direction(name: str) -> Direction:
    """``"lower"`` for losses and errors (MAPE, WER, error rate...), else ``"higher"``."""
    return "lower" if lower_is_better(name) else "higher"


def is_bounded(name: str) -> bool:
    """Whether the metric's values lie in [0, 1] (a percentage in the prose is divided)."""
    known = _known(name)
    if known is not None:
        return known.bounded
    return normalise(name).startswith("top_") and normalise(name).endswith("accuracy")
