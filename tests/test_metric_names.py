"""The metric vocabulary: one place says what a metric is called and which way is better."""

from __future__ import annotations

import pytest

from toolkit.metric_names import (
    METRICS,
    canonical_name,
    default_direction,
    is_bounded,
    keras_keys,
    lower_is_better,
)


@pytest.mark.parametrize(
    "name",
    [
        "loss",
        "val_loss",
        "reconstruction_loss",
        "mae",
        "mse",
        "rmse",
        "mape",
        "MAPE",
        "mean_absolute_percentage_error",
        "wer",
        "cer",
        "error rate",
        "error_rate",
        "perplexity",
        "sparse_categorical_crossentropy",
        "kl divergence",
        "fid",
    ],
)
def test_losses_and_errors_are_lower_is_better(name):
    assert lower_is_better(name) and default_direction(name) == "lower"


@pytest.mark.parametrize(
    "name",
    [
        "accuracy",
        "val_accuracy",
        "top-5 accuracy",
        "auc",
        "precision",
        "recall",
        "f1",
        "r2",
        "mean iou",
        "psnr",
        "ssim",
        "dice",
        "running reward",
        "episodes",
    ],
)
def test_scores_are_higher_is_better(name):
    assert not lower_is_better(name) and default_direction(name) == "higher"


def test_words_that_merely_contain_an_error_word_are_not_errors():
    # "cer" is inside "variance" and "concerned"; "mae" inside "maestro": whole words only.
    for name in ("explained_variance", "maestro_score"):
        assert default_direction(name) == "higher"


def test_keras_keys_and_canonical_names_are_inverses():
    for metric in METRICS:
        for key in keras_keys(metric.name):
            owner = canonical_name(key)
            assert key in keras_keys(owner), (metric.name, key, owner)


def test_canonical_names_of_keras_keys():
    assert canonical_name("sparse_categorical_accuracy") == "accuracy"
    assert canonical_name("mean_absolute_percentage_error") == "mape"
    assert canonical_name("mean_io_u") == "iou"
    assert canonical_name("my_metric") == "my_metric"


def test_bounded_metrics():
    assert is_bounded("accuracy") and is_bounded("top-5 accuracy") and is_bounded("wer")
    assert not is_bounded("loss") and not is_bounded("mape") and not is_bounded("psnr")
