"""Turn what the child captured into ``metrics.json`` (layout in :mod:`toolkit.runs`)."""

from __future__ import annotations

import math
from typing import Any


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
    return {
        "final": final_splits(epochs, evaluations),
        "history": history_columns(epochs),
        "evaluations": [{k: finite_or_none(v) for k, v in e.items()} for e in evaluations],
        "epochs": len(epochs),
        "steps_per_epoch": capture.get("steps", []),
        "evaluation_steps": capture.get("evaluation_steps", []),
        "fits": capture.get("fits", []),
        "smoke": smoke,
    }
