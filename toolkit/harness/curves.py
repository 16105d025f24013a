"""``curves.png``: loss and metrics per epoch, train against validation."""

from __future__ import annotations

import io
import math
import textwrap
from pathlib import Path

from toolkit.fsutil import atomic_write_bytes

TITLE_CHARS_PER_INCH = 10  # matplotlib's default title font, measured on a 4.2-inch panel


def metric_names(history: dict[str, list]) -> list[str]:
    """Base metric names in ``history`` (``val_`` dropped), ``loss`` first."""
    names: list[str] = []
    for key in history:
        base = key.removeprefix("val_")
        if base not in names:
            names.append(base)
    return sorted(names, key=lambda n: (n != "loss", names.index(n)))


def plot_curves(history: dict[str, list], path: Path, title: str = "") -> bool:
    """Draw one panel per metric into ``path``; ``False`` when there is nothing to draw."""
    names = [n for n in metric_names(history) if _numbers(history.get(n)) or
             _numbers(history.get(f"val_{n}"))]
    if not names:
        return False
    from matplotlib.figure import Figure  # heavy: only when a run ends

    cols = min(len(names), 3)
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    for index, name in enumerate(names):
        axes = fig.add_subplot(rows, cols, index + 1)
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "validation", "--s")):
            values = _numbers(history.get(key))
            if values:
                epochs = range(1, len(values) + 1)
                axes.plot(epochs, values, style, label=label, markersize=3)
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    if title:  # wrapped to the figure's width: long slugs and run ids are not cut off
        fig.suptitle(textwrap.fill(title, width=int(TITLE_CHARS_PER_INCH * 4.2 * cols),
                                   break_long_words=False))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())
    return True


def _numbers(values: list | None) -> list[float]:
    """``values`` as floats with gaps as NaN; empty when nothing is numeric."""
    if not values:
        return []
    out = [float(v) if isinstance(v, int | float) else math.nan for v in values]
    return out if any(not math.isnan(v) for v in out) else []
