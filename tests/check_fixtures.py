"""Helpers that build reproduction folders for the checker's tests.

The run folders written here are FIXTURE DATA for the checker (``run.json``,
``metrics.json`` and ``env.json`` in the layout toolkit/runs.py documents), not results of
any training: they let the pass / fail / could-not-check paths run without Keras.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from toolkit.manifest import Manifest, Metric, RunConfig

DEVICE = "NVIDIA H100 80GB HBM3 (fixture)"


def accuracy_metric(**overrides: Any) -> Metric:
    """The manifest entry for "~99% test accuracy" with a 0.01 absolute tolerance."""
    fields = dict(
        name="accuracy",
        split="test",
        value=0.99,
        direction="higher",
        tolerance=0.01,
        tolerance_kind="absolute",
        qualifier="approx",
        origin="description",
        sentence="This model achieves ~99% test accuracy.",
    )
    return Metric(**{**fields, **overrides})


def write_reproduction(
    root: Path, slug: str = "mnist_convnet", metrics: list[Metric] | None = None, seeds: int = 1
) -> Path:
    """``root/reproductions/<slug>/reproduction.toml``; returns the reproduction folder."""
    folder = Path(root) / "reproductions" / slug
    folder.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(
        slug=slug,
        metrics=metrics if metrics is not None else [accuracy_metric()],
        run=RunConfig(seeds=seeds),
    )
    manifest.save(folder)
    return folder


def write_run(
    repro_dir: Path,
    run_id: str,
    *,
    final: dict[str, Any] | None = None,
    group: str | None = None,
    seed: int | None = 0,
    status: str = "complete",
    smoke: bool = False,
    started: str = "2025-01-01T00:00:00",
    reason: str = "",
    backend: str = "jax",
    device: Any = DEVICE,
) -> Path:
    """A run folder; ``metrics.json`` only when ``final`` is given (as a complete run has)."""
    folder = Path(repro_dir) / "runs" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "run_id": run_id,
        "group": group or run_id,
        "seed": seed,
        "backend": backend,
        "smoke": smoke,
        "status": status,
        "reason": reason,
        "started": started,
    }
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    (folder / "env.json").write_text(
        json.dumps({"device": device, "backend": backend}), encoding="utf-8"
    )
    if final is not None:
        metrics = {"final": final, "history": {}, "evaluations": [], "epochs": 1}
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return folder


def write_set(
    repro_dir: Path,
    group: str,
    test_values: list[float],
    *,
    key: str = "accuracy",
    started: str = "2025-01-01T00:00:00",
    **kwargs: Any,
) -> list[str]:
    """One complete run per value (seeds 0..n-1) in set ``group``; returns the run ids."""
    run_ids = []
    for seed, value in enumerate(test_values):
        run_id = f"{group}-s{seed}"
        write_run(
            repro_dir,
            run_id,
            group=group,
            seed=seed,
            started=f"{started}.{seed}",
            final={
                "test": {"loss": 0.05, key: value},
                "validation": {"loss": 0.04, key: value},
                "train": {"loss": 0.03, key: value},
            },
            **kwargs,
        )
        run_ids.append(run_id)
    return run_ids
