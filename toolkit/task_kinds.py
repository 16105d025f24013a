"""Task kinds: which ``[task] kind`` values the toolkit knows, and their Hub task ids."""

from __future__ import annotations

# Manifest task kinds -> the Hub's pipeline tags (kinds that already are tags map to themselves).
PIPELINE_TAGS = {
    tag: tag
    for tag in (
        "image-classification",
        "text-classification",
        "tabular-classification",
        "tabular-regression",
        "time-series-forecasting",
        "text-generation",
        "image-to-image",
        "image-segmentation",
        "object-detection",
        "audio-classification",
        "automatic-speech-recognition",
        "translation",
        "summarization",
        "question-answering",
        "token-classification",
        "fill-mask",
        "text-to-image",
        "image-to-text",
        "unconditional-image-generation",
        "depth-estimation",
        "feature-extraction",
        "zero-shot-image-classification",
        "video-classification",
        "reinforcement-learning",
        "sentence-similarity",
        "text-to-speech",
        "audio-to-audio",
        "keypoint-detection",
        "mask-generation",
        "image-feature-extraction",
        "graph-ml",
    )
} | {
    "speech-recognition": "automatic-speech-recognition",
    "ocr": "image-to-text",
    "image-captioning": "image-to-text",
    "segmentation": "image-segmentation",
    "super-resolution": "image-to-image",
    "denoising": "image-to-image",
    "image-generation": "unconditional-image-generation",
    "timeseries-forecasting": "time-series-forecasting",
    "time-series": "time-series-forecasting",
    "ner": "token-classification",
    "graph-node-classification": "graph-ml",
    "node-classification": "graph-ml",
    "graph-classification": "graph-ml",
    "link-prediction": "graph-ml",
    # The Hub has no recommendation task: a rating model maps id columns to a score.
    "recommendation": "tabular-regression",
    # A siamese network compares two images through a shared embedding tower.
    "image-similarity": "image-feature-extraction",
    "siamese": "image-feature-extraction",
}


def pipeline_tag(task_kind: str) -> str | None:
    """The Hub task id (pipeline tag) of a manifest task kind, ``None`` when none applies.

    Manifest kinds are written ``image_classification`` or ``image-classification``; the
    Hub's ids use hyphens.
    """
    return PIPELINE_TAGS.get((task_kind or "").strip().lower().replace("_", "-"))


# Kinds an error message suggests.
SUGGESTED_KINDS = (
    "image-classification",
    "text-classification",
    "time-series-forecasting",
    "tabular-regression",
    "image-to-image",
    "graph-ml",
    "generic",
)

# Kinds with a meaning here but no Hub task (their demo is the generic one).
KINDS_WITHOUT_HUB_TASK = (
    "anomaly-detection",
    "similarity",
    "similarity-learning",
    "metric-learning",
    "contrastive-learning",
    "representation-learning",
    "density-estimation",
    "generation",
    "regression",
)


def is_known_kind(task_kind: str) -> bool:
    """Whether a card or a Space can place ``task_kind`` (``"unknown"``: not set yet)."""
    from toolkit.space.family import family_for, normalise_kind  # toolkit.space imports card

    name = normalise_kind(task_kind)
    return (
        name in ("", "unknown", "generic")
        or pipeline_tag(task_kind) is not None
        or name.replace("_", "-") in KINDS_WITHOUT_HUB_TASK
        or family_for(task_kind) != "generic"
    )


def is_classification(task_kind: str) -> bool:
    """Whether ``task_kind`` names a classification task (its demo should answer classes)."""
    return "classification" in (task_kind or "").lower()
