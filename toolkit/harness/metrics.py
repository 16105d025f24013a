"""Turn what the child captured into ``metrics.json`` (layout in :mod:`toolkit.runs`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toolkit.manifest import Metric


def finite_or_none(value: Any) -> float | int | None:
    """A JSON-safe number: NaN and infinities become ``None`` (strict JSON has neither)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def history_columns(epochs: list[dict[str, Any]]) -> dict[str, list]:
    """Per-epoch log dicts -> ``{key: [value per epoch]}``, ``None`` where an epoch lacks it.

    Keys appear in first-seen order; fit calls with different metrics line up by epoch.
    """
    keys: list[str] = []
    for logs in epochs:
        keys.extend(k for k in logs if k not in keys)
    return {k: [finite_or_none(logs[k]) if k in logs else None for logs in epochs] for k in keys}


def final_splits(epochs: list[dict[str, Any]], evaluations: list[dict[str, Any]]) -> dict:
    """``{"train": ..., "validation": ..., "test": ...}`` from the last epoch and evaluation.

    ``validation`` comes from the last epoch that ran validation (``validation_freq``
    may skip the final one); ``test`` is the last ``evaluate()`` result.
    """
    final: dict[str, dict] = {}
    if epochs:
        last = epochs[-1]
        final["train"] = {k: finite_or_none(v) for k, v in last.items() if not k.startswith("val_")}
        with_val = [e for e in epochs if any(k.startswith("val_") for k in e)]
        if with_val:
            final["validation"] = {
                k.removeprefix("val_"): finite_or_none(v)
                for k, v in with_val[-1].items()
                if k.startswith("val_")
            }
    if evaluations:
        final["test"] = {k: finite_or_none(v) for k, v in evaluations[-1].items()}
    return final


def build_metrics(capture: dict[str, Any], *, smoke: bool) -> dict[str, Any]:
    """The ``metrics.json`` document for a complete run."""
    epochs = capture.get("epochs", [])
    evaluations = capture.get("evaluations", [])
    cut = {"smoke_cut": capture["smoke_cut"]} if capture.get("smoke_cut") else {}
    return {
        "final": final_splits(epochs, evaluations),
        "history": history_columns(epochs),
        "evaluations": [{k: finite_or_none(v) for k, v in e.items()} for e in evaluations],
        "epochs": len(epochs),
        "steps_per_epoch": capture.get("steps", []),
        "evaluation_steps": capture.get("evaluation_steps", []),
        "fits": capture.get("fits", []),
        "smoke": smoke,
    } | cut


HARNESS_LINE_PREFIX = "[sprint] "  # lines the harness itself writes to train.log


def printed_metrics(metrics: Iterable[Metric], log_text: str) -> dict[str, dict[str, Any]]:
    """What the script printed for each metric with a ``log_pattern``, keyed by ``split/name``.

    The last line of the script's output (harness lines excluded; progress bars split at
    carriage returns) that the pattern matches gives the value: its ``value`` group, else its
    one group. A metric whose pattern matched nothing gets ``value: None`` and ``matches: 0``,
    so a check can say so.
    """
    lines = [
        part
        for line in log_text.splitlines()
        if not line.startswith(HARNESS_LINE_PREFIX)
        for part in line.split("\r")
    ]
    printed: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        if not metric.log_pattern:
            continue
        pattern = re.compile(metric.log_pattern)
        found = [(line, m) for line in lines if (m := pattern.search(line))]
        entry: dict[str, Any] = {"pattern": metric.log_pattern, "matches": len(found)}
        if found:
            line, match = found[-1]
            text = match.group("value") if "value" in pattern.groupindex else match.group(1)
            entry.update(value=finite_or_none(_number(text)), text=text, line=line.strip())
        else:
            entry.update(value=None, text="", line="")
        printed[metric.key] = entry
    return printed


def _number(text: str | None) -> float | None:
    """``"1,234"`` -> 1234.0; ``None`` for text that is no number."""
    try:
        return float((text or "").replace(",", "").replace("_", "").strip())
    except ValueError:
        return None
