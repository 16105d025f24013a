"""Builders for reproductions at every stage of the flow, for the ``sprint status`` tests.

Each builder writes the artifacts the real commands leave behind (manifest, run folders
with run.json / metrics.json / env.json / curves.png, a rendered card, spaces/<slug>/app.py),
so status and the checker read them exactly as they would in a sprint repository. The run
folders are FIXTURE DATA for the checker, not results of any training (device names carry
"(fixture)").
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

from toolkit.card import GENERATED_MARKER
from toolkit.manifest import ExampleInfo, HubInfo, Manifest, Metric, Source

STAGE_ORDER = (
    "scaffolded",
    "smoke-ok",
    "reproduced-pass",
    "reproduced-fail",
    "carded",
    "pushed",
    "space-generated",
    "space-pushed",
)


def tiny_png(
    width: int = 40, height: int = 16, rgb: tuple[int, int, int] = (30, 120, 200)
) -> bytes:
    """A valid solid-colour PNG, written without matplotlib or Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_manifest(
    root: Path,
    slug: str,
    *,
    title: str = "",
    reported: float = 0.99,
    repo_id: str = "",
    space_id: str = "",
    pushed_commit: str = "",
    space_commit: str = "",
    extra_metrics: list[Metric] | None = None,
) -> Path:
    """``reproductions/<slug>/reproduction.toml`` reporting test accuracy ``reported``."""
    metrics = [
        Metric(
            name="accuracy",
            split="test",
            value=reported,
            tolerance=0.01,
            sentence=f"achieves ~{reported:.0%} test accuracy",
        )
    ]
    manifest = Manifest(
        slug=slug,
        source=Source(
            kind="tutobook",
            path=f"examples/{slug}.py",
            url=f"https://keras.io/examples/vision/{slug}/",
        ),
        example=ExampleInfo(title=title or slug.replace("_", " ").title(), category="vision"),
        metrics=metrics + (extra_metrics or []),
        hub=HubInfo(
            repo_id=repo_id,
            space_id=space_id,
            pushed_commit=pushed_commit,
            space_commit=space_commit,
        ),
    )
    folder = root / "reproductions" / slug
    manifest.save(folder)
    return folder


def write_run(
    folder: Path,
    run_id: str,
    *,
    group: str,
    seed: int | None = 0,
    smoke: bool = False,
    status: str = "complete",
    accuracy: float = 0.99,
    device: str = "CPU (fixture)",
    backend: str = "jax",
    started: str = "2025-01-01T00:00:00Z",
    curves: bool = True,
) -> Path:
    """One run folder as the harness writes it."""
    run = folder / "runs" / run_id
    run.mkdir(parents=True)
    (run / "run.json").write_text(
        json.dumps(
            {
                "run_id": run_id,
                "group": group,
                "seed": seed,
                "backend": backend,
                "smoke": smoke,
                "status": status,
                "reason": "" if status == "complete" else "stopped",
                "started": started,
                "finished": started,
            }
        )
    )
    if status == "complete":
        (run / "metrics.json").write_text(
            json.dumps(
                {
                    "final": {
                        "train": {"accuracy": accuracy + 0.005, "loss": 0.05},
                        "validation": {"accuracy": accuracy, "loss": 0.06},
                        "test": {"accuracy": accuracy, "loss": 0.07},
                    },
                    "history": {
                        "loss": [0.5, 0.05],
                        "accuracy": [0.9, accuracy + 0.005],
                        "val_loss": [0.4, 0.06],
                        "val_accuracy": [0.92, accuracy],
                    },
                    "evaluations": [{"loss": 0.07, "accuracy": accuracy}],
                    "epochs": 2,
                }
            )
        )
    (run / "env.json").write_text(
        json.dumps(
            {
                "python": "3.11.9",
                "keras": "3.15.1",
                "backend": backend,
                "device": device,
                "seed": seed,
                "wall_time_s": 12.5,
            }
        )
    )
    if curves:
        (run / "curves.png").write_bytes(tiny_png())
    return run


def write_full_set(
    folder: Path,
    accuracies: list[float],
    *,
    group: str = "g1",
    device: str = "CPU (fixture)",
    started: str = "2025-01-02",
) -> None:
    """A multi-seed set: one complete run per accuracy, seeds 0..n-1."""
    for seed, accuracy in enumerate(accuracies):
        write_run(
            folder,
            f"{group}-s{seed}",
            group=group,
            seed=seed,
            accuracy=accuracy,
            device=device,
            started=f"{started}T00:00:0{seed}Z",
        )


def write_card(folder: Path) -> Path:
    """A README.md carrying the marker ``sprint card`` writes (the card's own tests cover
    rendering; status only looks for the marker)."""
    path = folder / "README.md"
    path.write_text(
        f"---\nlibrary_name: keras\n---\n{GENERATED_MARKER}; checksum sha256:"
        f"{'0' * 64} -->\n# Model card\n"
    )
    return path


def write_space(root: Path, slug: str) -> Path:
    """``spaces/<slug>/app.py`` as ``sprint space`` generates it."""
    app = root / "spaces" / slug / "app.py"
    app.parent.mkdir(parents=True, exist_ok=True)
    app.write_text("import gradio as gr\n")
    return app


def build(root: Path, slug: str, stage: str, *, title: str = "") -> Path:
    """A reproduction that has reached ``stage`` (one of :data:`STAGE_ORDER`)."""
    index = STAGE_ORDER.index(stage)
    pushed = index >= STAGE_ORDER.index("pushed")
    space_pushed = stage == "space-pushed"
    folder = write_manifest(
        root,
        slug,
        title=title,
        repo_id=f"keras-io/{slug}" if pushed else "",
        space_id=f"keras-io/{slug}-demo" if index >= STAGE_ORDER.index("space-generated") else "",
        pushed_commit="a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" if pushed else "",
        space_commit="f00dfeed" * 5 if space_pushed else "",
    )
    if index >= 1:
        write_run(
            folder,
            "smoke-1",
            group="smoke-1",
            seed=0,
            smoke=True,
            accuracy=0.2,
            started="2025-01-01T00:00:00Z",
            curves=False,
        )
    if stage == "reproduced-fail":
        write_full_set(folder, [0.95, 0.96, 0.94])
    elif index >= 2:
        write_full_set(folder, [0.991, 0.989, 0.990], device="NVIDIA H100 80GB HBM3 (fixture)")
    if index >= STAGE_ORDER.index("carded"):
        write_card(folder)
    if index >= STAGE_ORDER.index("space-generated"):
        write_space(root, slug)
    return folder
