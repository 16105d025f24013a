"""The words of a Space: title, descriptions, credits and the README front matter."""

from __future__ import annotations

import re
from typing import Any

from toolkit.card import VERDICT_WORDS, CardFacts, ResultRow, hub_datasets
from toolkit.card import _people as people
from toolkit.check import fmt
from toolkit.manifest import Manifest
from toolkit.space.pins import Pins

SHORT_DESCRIPTION_MAX = 60  # the Hub rejects longer ones
# family -> (emoji, colorFrom, colorTo); colours are the Hub's allowed names.
STYLE: dict[str, tuple[str, str, str]] = {
    "image_classification": ("🖼️", "indigo", "blue"),
    "text_classification": ("💬", "green", "blue"),
    "tabular_classification": ("📋", "yellow", "green"),
    "tabular_regression": ("📈", "yellow", "red"),
    "time_series": ("⏱️", "purple", "pink"),
    "image_to_image": ("🎨", "pink", "purple"),
    "generative": ("✨", "purple", "indigo"),
    "density": ("🌗", "blue", "purple"),
    "policy": ("🕹️", "red", "yellow"),
    "similarity": ("👯", "green", "indigo"),
    "generic": ("🧪", "gray", "blue"),
}
USAGE: dict[str, str] = {
    "image_classification": "Upload an image (any size, colour or greyscale): the model "
    "shows its most likely classes.",
    "text_classification": "Type or paste a text: the model shows how it classifies it.",
    "tabular_classification": "Edit the table (one row per sample): the model predicts a class "
    "for every row.",
    "tabular_regression": "Edit the table (one row per sample): the model predicts a value for "
    "every row.",
    "time_series": "Upload a CSV file with the series in numeric columns: the plot shows what "
    "the model makes of it.",
    "image_to_image": "Upload an image: the model transforms it.",
    "generative": "Pick a seed and a number of samples: the model generates images.",
    "density": "Pick a seed and a number of points: latent points drawn from a standard normal "
    "are mapped through the model to data space and plotted.",
    "policy": "Pick a seed (it sets the environment's start state) and how the agent acts: it "
    "plays one episode and the app shows the total reward, the number of steps and how the "
    "observations moved.",
    "similarity": "Upload two images (any size, colour or greyscale): the model compares them and "
    "says whether they look like the same kind.",
    "generic": "Give the model's inputs as JSON (or type `random`): the app shows its outputs.",
}


def short_description(text: str, limit: int = SHORT_DESCRIPTION_MAX) -> str:
    """``text`` on one line, Markdown links reduced to their words, at most ``limit`` chars.

    Longer text is cut at a word boundary and ends with an ellipsis.
    """
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text or "")
    plain = " ".join(plain.replace("`", "").split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def credits_markdown(facts: CardFacts, repo_id: str, verified_with: str) -> str:
    """Who made the original, where the reproduction lives and what it reached (from the card)."""
    manifest = facts.manifest
    example = manifest.example
    title = example.title or manifest.slug
    original = f"[{title}]({facts.keras_io_url})" if facts.keras_io_url else title
    created = f"created {example.date_created}" if example.date_created else ""
    about = ", ".join(filter(None, ("Keras.io" if facts.from_keras_io else "", created)))
    lines = [
        f"**Original example:** {original} by {people(example.authors)}"
        + (f" ({about})." if about else "."),
        "",
        f"**Reproduction:** keras-sprint reproduction `{manifest.slug}`"
        + (f", model [{repo_id}]({facts.hub_url}/{repo_id})" if repo_id else "")
        + f"; {verified_with}.",
    ]
    results = [_result_line(row) for row in facts.check.rows]
    if results:
        verdict = VERDICT_WORDS.get(facts.check.verdict, facts.check.verdict)
        reported = "on Keras.io" if facts.from_keras_io else "by the example"
        lines += [
            "",
            f"**Results** (reported {reported} vs reproduced; the check {verdict}):",
            "",
            *results,
        ]
    return "\n".join(lines)


def _result_line(row: ResultRow) -> str:
    metric = row.metric
    reproduced = "not measured"
    if row.mean is not None:
        spread = f" ± {fmt(row.std)}" if row.std is not None else ""
        seeds = f" over {len(row.values)} runs" if len(row.values) > 1 else ""
        reproduced = f"{fmt(row.mean)}{spread}{seeds}"
    return (
        f"- {metric.split} {metric.name}: reported {fmt(metric.value)}, reproduced "
        f"{reproduced} ({row.verdict})"
    )


def front_matter(manifest: Manifest, family: str, pins: Pins, repo_id: str, title: str) -> str:
    """The YAML header Hugging Face reads to build and list the Space."""
    import yaml

    emoji, color_from, color_to = STYLE[family]
    meta: dict[str, Any] = {
        "title": title,
        "emoji": emoji,
        "colorFrom": color_from,
        "colorTo": color_to,
        "sdk": "gradio",
        "sdk_version": pins.gradio,
        "python_version": pins.python,
        "app_file": "app.py",
        "pinned": False,
        "license": manifest.hub.license or "apache-2.0",
        "short_description": short_description(manifest.example.description or title),
    }
    if repo_id:
        meta["models"] = [repo_id]
    if datasets := hub_datasets(manifest):
        meta["datasets"] = datasets
    meta["tags"] = ["keras", "keras-io", "keras-sprint", family.replace("_", "-"), pins.backend]
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
