"""``curves.png``: loss and metrics per epoch, train against validation.

A script that calls ``fit()`` more than once (a teacher, then a student) gets one line per
call, in order, so separate trainings never read as one curve. ``python -m
toolkit.harness.curves RUN_DIR...`` redraws a finished run's plot from its ``metrics.json``.
"""

from __future__ import annotations

import io
import json
import math
import sys
import textwrap
from pathlib import Path
from typing import Any

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


def fit_segments(fits: list[dict[str, Any]] | None, epochs: int) -> list[tuple[str, int, int]]:
    """``(label, start, stop)`` of each ``fit()`` call's epochs in the history columns.

    One unlabelled segment when there was a single call, or when the calls' epoch counts do
    not add up to the history's length (then they cannot be told apart).
    """
    raw = [fit.get("epochs_run") for fit in fits or []]
    counts = [n for n in raw if isinstance(n, int) and not isinstance(n, bool) and n >= 0]
    if len(counts) < 2 or len(counts) != len(raw) or sum(counts) != epochs:
        return [("", 0, epochs)]
    segments, start = [], 0
    for number, (fit, count) in enumerate(zip(fits or [], counts, strict=True), start=1):
        if count:
            segments.append((f"{number}. {fit.get('model') or 'fit'}", start, start + count))
        start += count
    return segments


def plot_curves(
    history: dict[str, list], path: Path, title: str = "", fits: list[dict[str, Any]] | None = None
) -> bool:
    """Draw one panel per metric into ``path``; ``False`` when there is nothing to draw.

    ``fits`` (the capture's record of each ``fit()`` call) splits the epochs into one line
    per call.
    """
    names = [
        n
        for n in metric_names(history)
        if _numbers(history.get(n)) or _numbers(history.get(f"val_{n}"))
    ]
    if not names:
        return False
    from matplotlib.figure import Figure  # heavy: only when a run ends

    length = max(len(values) for values in history.values())
    segments = fit_segments(fits, length)
    cols = min(len(names), 3)
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    for index, name in enumerate(names):
        axes = fig.add_subplot(rows, cols, index + 1)
        for number, (part, start, stop) in enumerate(segments):
            if number:
                axes.axvline(start + 0.5, color="grey", linestyle=":", linewidth=1)
            for key, split, style in ((name, "train", "-o"), (f"val_{name}", "validation", "--s")):
                values = _numbers((history.get(key) or [])[start:stop])
                if values:  # one colour per fit() call; a single call keeps the defaults
                    colour: dict[str, Any] = {"color": f"C{number}"} if part else {}
                    axes.plot(
                        range(start + 1, start + len(values) + 1),
                        values,
                        style,
                        markersize=3,
                        label=f"{part}: {split}" if part else split,
                        **colour,
                    )
        axes.set_title(name)
        axes.set_xlabel("epoch (fit() calls in order)" if len(segments) > 1 else "epoch")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    if title:  # wrapped to the figure's width: long slugs and run ids are not cut off
        fig.suptitle(
            textwrap.fill(
                title, width=int(TITLE_CHARS_PER_INCH * 4.2 * cols), break_long_words=False
            )
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())
    return True


def plot_title(slug: str, run_id: str) -> str:
    """The plot's title: which reproduction, which run."""
    return f"{slug} - {run_id}"


def plot_run(run_dir: Path) -> bool:
    """Redraw ``run_dir/curves.png`` from its ``metrics.json``, as the run drew it."""
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    return plot_curves(
        metrics.get("history", {}),
        run_dir / "curves.png",
        title=plot_title(run_dir.parent.parent.name, run_dir.name),
        fits=metrics.get("fits"),
    )


def _numbers(values: list | None) -> list[float]:
    """``values`` as floats with gaps as NaN; empty when nothing is numeric."""
    if not values:
        return []
    out = [float(v) if isinstance(v, int | float) else math.nan for v in values]
    return out if any(not math.isnan(v) for v in out) else []


def main(argv: list[str]) -> int:
    """Redraw each run folder's plot; exit 2 when one has no ``metrics.json``."""
    for arg in argv:
        run_dir = Path(arg)
        if not (run_dir / "metrics.json").is_file():
            print(
                f"{run_dir}: no metrics.json (only complete runs have one); pass a folder "
                "like reproductions/<slug>/runs/<run-id>",
                file=sys.stderr,
            )
            return 2
        print(f"{run_dir / 'curves.png'}: {'drawn' if plot_run(run_dir) else 'nothing to draw'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
