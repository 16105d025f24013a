"""Which demo template fits a task: the manifest's ``[task] kind`` mapped to a family."""

from __future__ import annotations

import re

# family -> what the demo shows, for help texts and the CLI summary.
FAMILIES: dict[str, str] = {
    "image_classification": "image in, top-k labels out",
    "text_classification": "text in, labels out",
    "tabular_classification": "a table of features in, a label out",
    "tabular_regression": "a table of features in, a number out",
    "time_series": "a CSV in, a plot out (forecast, reconstruction or class)",
    "image_to_image": "image in, image out",
    "generative": "seed in, generated images out",
    "density": "seed in, points sampled from a learned 2-d density out (a scatter plot)",
    "similarity": "two images in, the model's distance (or similarity) and a same/different "
    "verdict out",
    "policy": "seed in, one episode of the agent in its gymnasium environment out (total "
    "reward, steps and a plot of the observations)",
    "generic": "the model's inputs as JSON in, its outputs out",
}

# Kinds seen in manifests (and their spelling variants), beyond the family names themselves.
_ALIASES: dict[str, str] = {
    "image_classifier": "image_classification",
    "vision_classification": "image_classification",
    "text_classifier": "text_classification",
    "sentiment_analysis": "text_classification",
    "structured_data_classification": "tabular_classification",
    "tabular": "tabular_classification",
    "structured_data_regression": "tabular_regression",
    "regression": "tabular_regression",
    "timeseries": "time_series",
    "image_segmentation": "image_to_image",
    "segmentation": "image_to_image",
    "denoising": "image_to_image",
    "super_resolution": "image_to_image",
    "autoencoder": "image_to_image",
    "image_generation": "generative",
    "gan": "generative",
    "vae": "generative",
    "diffusion": "generative",
    "density_estimation": "density",
    "reinforcement_learning": "policy",
    "rl": "policy",
    "normalizing_flow": "density",
    "image_similarity": "similarity",
    "siamese": "similarity",
    "siamese_network": "similarity",
    "metric_learning": "similarity",
    "contrastive": "similarity",
    "contrastive_learning": "similarity",
}

# Fallback patterns, tried in order on kinds no alias names.
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"text_?gen|seq2seq|sequence_to_sequence", "generic"),  # no text-out template (yet)
    (r"time_?series", "time_series"),
    (r"(image|vision).*class", "image_classification"),
    (r"text.*class", "text_classification"),
    (r"(tabular|structured).*regress", "tabular_regression"),
    (r"(tabular|structured)", "tabular_classification"),
    (r"segment|image_to_image|denois|super_res|colori", "image_to_image"),
    (r"density|normali[sz]ing_flow|real_nvp", "density"),
    (r"reinforcement|actor_critic|policy_gradient|q_learning|dqn", "policy"),
    (r"generat|gan$|_gan|vae", "generative"),
)


def normalise_kind(kind: str) -> str:
    """``"Image-Classification "`` -> ``"image_classification"``."""
    return re.sub(r"[\s\-/]+", "_", (kind or "").strip().lower())


def family_for(kind: str) -> str:
    """The template family for a ``[task] kind``; ``"generic"`` when nothing fits."""
    name = normalise_kind(kind)
    if name in FAMILIES:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    return next((family for pattern, family in _PATTERNS if re.search(pattern, name)), "generic")
