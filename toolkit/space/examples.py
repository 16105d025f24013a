"""Example inputs for a Space, made up on the spot: small synthetic images, texts and CSVs.

No dataset file is ever copied into a Space; every example stays a few KB.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

EXAMPLE_DIR = "examples"
SERIES_BYTES_BUDGET = 40_000  # rows of the sample series are capped to stay near this size
SAMPLE_TEXTS = (
    "What a wonderful film: the actors are superb and the story moved me to tears.",
    "A dull, predictable plot and wooden acting. I want those two hours back.",
    "The service was quick, but the food arrived cold.",
)


@dataclass
class Examples:
    """Files to write under the Space (relative path -> bytes) and the Interface's example rows."""

    files: dict[str, bytes] = field(default_factory=dict)
    rows: list[list] = field(default_factory=list)


def make_examples(
    family: str,
    *,
    shape: tuple[int | None, ...] = (),
    class_names: list[str] | None = None,
    features: list[tuple[str, str]] | None = None,
) -> Examples:
    """Examples for ``family``. ``shape`` is the model's input shape without the batch axis
    (images, series); ``features`` the (name, dtype) of tabular columns."""
    if family in ("image_classification", "image_to_image"):
        return _image_examples(shape, class_names or [])
    if family == "text_classification":
        return Examples(rows=[[text] for text in SAMPLE_TEXTS])
    if family in ("tabular_classification", "tabular_regression"):
        return _table_examples(features or [])
    if family == "time_series":
        return _series_examples(shape)
    if family == "generative":
        return Examples(rows=[[0, 4], [42, 1]])  # (seed, samples)
    if family == "density":
        return Examples(rows=[[0, 1000], [42, 3000]])  # (seed, points)
    if family == "policy":
        return Examples(rows=[[0, "greedy"], [42, "sampled"]])  # (seed, how actions are chosen)
    if family == "similarity":
        return _pair_examples(shape)
    return Examples(rows=[["random"]])


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _image_examples(shape: tuple[int | None, ...], class_names: list[str]) -> Examples:
    """Three drawings. When the classes are single characters (digits, letters), three of
    them spread over the list (first, middle, last), drawn as glyphs filling ~70% of the
    height like MNIST digits; else simple shapes. Greyscale models get white on black."""
    from PIL import Image, ImageDraw

    height, width = (shape[0] or 64, shape[1] or 64) if len(shape) >= 2 else (64, 64)
    grey = len(shape) == 2 or (len(shape) == 3 and shape[2] == 1)
    scale = max(1, min(256 // max(height, width), 4))
    size = (width * scale, height * scale)
    characters = [n.strip() for n in class_names if len(n.strip()) == 1]
    glyphs = [characters[i] for i in (0, len(characters) // 2, -1)] if len(characters) >= 3 else []
    palette = [
        ((30, 60, 160), (250, 200, 40)),
        ((20, 120, 60), (240, 240, 240)),
        ((150, 30, 40), (90, 200, 250)),
    ]
    examples = Examples()
    for i in range(3):
        background, ink = ((0,), (255,)) if grey else palette[i]
        image = Image.new("L" if grey else "RGB", size, background[0] if grey else background)
        draw = ImageDraw.Draw(image)
        fill = ink[0] if grey else ink
        if glyphs:
            _draw_glyph(draw, glyphs[i], size, fill)
            name = f"{EXAMPLE_DIR}/drawing_{_safe(glyphs[i])}.png"
        else:
            _draw_shape(draw, i, size, fill)
            name = f"{EXAMPLE_DIR}/shape_{('ring', 'square', 'triangle')[i]}.png"
        examples.files[name] = _png(image)
        examples.rows.append([name])
    return examples


def _draw_glyph(draw, glyph: str, size: tuple[int, int], fill) -> None:
    """``glyph`` centred, its ink ~70% of the image height (PIL's bundled scalable font)."""
    from PIL import ImageFont

    left, top, right, bottom = draw.textbbox(
        (0, 0), glyph, anchor="lt", font=ImageFont.load_default(size=100)
    )
    fit = min(0.7 * size[1] / max(bottom - top, 1), 0.8 * size[0] / max(right - left, 1))
    font = ImageFont.load_default(size=int(100 * fit))
    draw.text((size[0] / 2, size[1] / 2), glyph, fill=fill, font=font, anchor="mm")


# (first glyph, second glyph, degrees the second is turned): two pairs of the same glyph
# (the second drawn turned, so the images differ), one pair of different glyphs.
SIMILARITY_PAIRS = (("1", "1", 12), ("3", "8", 0), ("0", "0", -15))


def _pair_examples(shape: tuple[int | None, ...]) -> Examples:
    """Three pairs of drawn digits for a two-image model: 1 and 1 (turned), 3 and 8, 0 and 0
    (turned). Greyscale models get white on black, like MNIST; colour models yellow on blue."""
    from PIL import Image, ImageDraw

    height, width = (shape[0] or 64, shape[1] or 64) if len(shape) >= 2 else (64, 64)
    grey = len(shape) == 2 or (len(shape) == 3 and shape[2] == 1)
    scale = max(1, min(256 // max(height, width), 4))
    size = (width * scale, height * scale)
    background, ink = (0, 255) if grey else ((30, 60, 160), (250, 200, 40))
    examples = Examples()
    for first, second, degrees in SIMILARITY_PAIRS:
        row = []
        for position, (glyph, turn) in enumerate(((first, 0), (second, degrees))):
            image = Image.new("L" if grey else "RGB", size, background)
            _draw_glyph(ImageDraw.Draw(image), glyph, size, ink)
            if turn:
                image = image.rotate(turn, resample=Image.Resampling.BILINEAR, fillcolor=background)
            name = f"{EXAMPLE_DIR}/pair_{first}{second}_{'ab'[position]}.png"
            examples.files[name] = _png(image)
            row.append(name)
        examples.rows.append(row)
    return examples


def _draw_shape(draw, index: int, size: tuple[int, int], fill) -> None:
    w, h = size
    box = (w * 0.2, h * 0.2, w * 0.8, h * 0.8)
    line = max(2, min(w, h) // 10)
    if index == 0:
        draw.ellipse(box, outline=fill, width=line)
    elif index == 1:
        draw.rectangle(box, fill=fill)
    else:
        draw.polygon([(w * 0.5, h * 0.15), (w * 0.85, h * 0.85), (w * 0.15, h * 0.85)], fill=fill)


def _safe(text: str) -> str:
    return text if text.isalnum() and text.isascii() else f"u{ord(text):04x}"


def _table_examples(features: list[tuple[str, str]]) -> Examples:
    """One CSV with two rows of plausible placeholder values (0/1, or text)."""
    if not features:
        return Examples()
    header = ",".join(name for name, _ in features)
    rows = [
        ",".join("a" if dtype == "string" else f"{value}" for _, dtype in features)
        for value in (0.0, 1.0)
    ]
    name = f"{EXAMPLE_DIR}/sample.csv"
    return Examples({name: "\n".join([header, *rows, ""]).encode()}, [[name]])


def _series_examples(shape: tuple[int | None, ...]) -> Examples:
    """Two CSVs: a noisy daily cycle, and the same with a spike (anomaly detectors flag it)."""
    window = shape[0] if shape and shape[0] else 32
    columns = (shape[1] or 1) if len(shape) > 1 else 1
    row_budget = SERIES_BYTES_BUDGET // (9 * columns + 6)
    rows = max(window + 16, min(3 * window, row_budget))
    examples = Examples()
    for name, spike in (("series.csv", False), ("series_with_spike.csv", True)):
        lines = [
            "step," + ",".join(f"value_{c}" if columns > 1 else "value" for c in range(columns))
        ]
        for t in range(rows):
            values = []
            for c in range(columns):
                value = math.sin(2 * math.pi * t / 48 + c) + 0.1 * math.sin(7.3 * t + 2 * c)
                if spike and rows // 2 <= t < rows // 2 + 4:
                    value += 3.0
                values.append(f"{value:.4f}")
            lines.append(f"{t}," + ",".join(values))
        path = f"{EXAMPLE_DIR}/{name}"
        examples.files[path] = ("\n".join(lines) + "\n").encode()
        examples.rows.append([path])
    return examples
