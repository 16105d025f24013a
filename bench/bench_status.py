"""Benchmark: ``sprint status`` over 200 generated reproductions, process start included.

Generates a sprint repository in a temporary folder: 200 reproductions spread evenly over
the eight stages (manifest with two reported metrics; a smoke run; a three-seed full run
set with run.json, metrics.json, env.json and a small curves.png; a card; spaces/<slug>/).
The runs are generated benchmark data, not training results. Then times, as subprocesses,
``sprint status --json``, ``sprint status --json --html DIR`` (into an empty folder,
copying every thumbnail, and again over the same folder) and the terminal table; prints
the figures and writes ``bench/results/status.json``.

    .venv/bin/python bench/bench_status.py [--count 200] [--repeat 5] [--budget 2.0]

Exit status 1 when a median exceeds the budget (2 s by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from toolkit.card import GENERATED_MARKER
from toolkit.manifest import ExampleInfo, HubInfo, Manifest, Metric, RunConfig, Source

STAGES = (
    "scaffolded",
    "smoke-ok",
    "reproduced-pass",
    "reproduced-fail",
    "carded",
    "pushed",
    "space-generated",
    "space-pushed",
)
RESULTS = Path(__file__).parent / "results" / "status.json"
SPRINT = Path(sys.executable).parent / "sprint"


def curve_images(folder: Path, variants: int = 4) -> list[Path]:
    """A few small two-panel training-curve PNGs (loss and accuracy), as the harness draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for v in range(variants):
        epochs = list(range(1, 16))
        loss = [1.2 * 0.75**e + 0.04 * v for e in epochs]
        acc = [1 - 0.5 * 0.7**e - 0.01 * v for e in epochs]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6, 2.4), dpi=60)
        ax1.plot(epochs, loss, label="loss")
        ax1.plot(epochs, [x * 1.1 for x in loss], label="val_loss")
        ax2.plot(epochs, acc, label="accuracy")
        ax2.plot(epochs, [x - 0.01 for x in acc], label="val_accuracy")
        for ax in (ax1, ax2):
            ax.legend(fontsize=7)
            ax.set_xlabel("epoch", fontsize=7)
        fig.tight_layout()
        path = folder / f"curves_{v}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def generate(root: Path, count: int) -> dict[str, int]:
    """``count`` reproductions under ``root``; returns how many were built per stage."""
    images = curve_images(Path(tempfile.mkdtemp(prefix="curves-")))
    built = dict.fromkeys(STAGES, 0)
    for i in range(count):
        stage = STAGES[i % len(STAGES)]
        built[stage] += 1
        _reproduction(root, f"example_{i:03d}", stage, i, images[i % len(images)])
    return built


def _reproduction(root: Path, slug: str, stage: str, i: int, curves: Path) -> None:
    level = STAGES.index(stage)
    pushed, space = level >= STAGES.index("pushed"), level >= STAGES.index("space-generated")
    manifest = Manifest(
        slug=slug,
        source=Source(url=f"https://keras.io/examples/vision/{slug}/"),
        example=ExampleInfo(title=f"Example {i}: image classification", category="vision"),
        metrics=[
            Metric(name="accuracy", split="test", value=0.98, tolerance=0.01),
            Metric(
                name="loss",
                split="test",
                value=0.08,
                direction="lower",
                tolerance=0.25,
                tolerance_kind="relative",
                required=False,
            ),
        ],
        run=RunConfig(seeds=3),
        hub=HubInfo(
            repo_id=f"keras-io/{slug}" if pushed else "",
            space_id=f"keras-io/{slug}-demo" if space else "",
            pushed_commit=f"{i:040x}" if pushed else "",
            space_commit=f"{i + 1:040x}" if stage == "space-pushed" else "",
        ),
    )
    folder = root / "reproductions" / slug
    manifest.save(folder)
    if level >= 1:
        _run(folder, "smoke", "smoke", 0, smoke=True, accuracy=0.3, curves=None)
    if level >= 2:
        accuracy = 0.90 if stage == "reproduced-fail" else 0.981
        for seed in range(3):
            _run(
                folder,
                f"full-s{seed}",
                "full",
                seed,
                smoke=False,
                accuracy=accuracy + 0.001 * seed,
                curves=curves,
            )
    if level >= STAGES.index("carded"):
        (folder / "README.md").write_text(
            f"---\nlibrary_name: keras\n---\n{GENERATED_MARKER}; checksum sha256:{'0' * 64} -->\n"
        )
    if space:
        (root / "spaces" / slug).mkdir(parents=True)
        (root / "spaces" / slug / "app.py").write_text("import gradio as gr\n")


def _run(
    folder: Path,
    run_id: str,
    group: str,
    seed: int,
    *,
    smoke: bool,
    accuracy: float,
    curves: Path | None,
) -> None:
    run = folder / "runs" / run_id
    run.mkdir(parents=True)
    started = f"2025-01-0{2 if not smoke else 1}T00:00:0{seed}Z"
    (run / "run.json").write_text(
        json.dumps(
            {
                "run_id": run_id,
                "group": group,
                "seed": seed,
                "backend": "jax",
                "smoke": smoke,
                "status": "complete",
                "reason": "",
                "started": started,
                "finished": started,
            }
        )
    )
    history = {
        "loss": [0.5, 0.1],
        "val_loss": [0.6, 0.12],
        "accuracy": [0.9, accuracy],
        "val_accuracy": [0.88, accuracy],
    }
    (run / "metrics.json").write_text(
        json.dumps(
            {
                "final": {
                    "train": {"accuracy": accuracy, "loss": 0.07},
                    "validation": {"accuracy": accuracy, "loss": 0.08},
                    "test": {"accuracy": accuracy, "loss": 0.082},
                },
                "history": history,
                "evaluations": [{"accuracy": accuracy, "loss": 0.082}],
                "epochs": 2,
            }
        )
    )
    (run / "env.json").write_text(
        json.dumps(
            {
                "python": "3.11",
                "keras": "3.15.1",
                "backend": "jax",
                "seed": seed,
                "device": "NVIDIA H100 80GB HBM3 (benchmark data)",
                "wall_time_s": 120.0,
            }
        )
    )
    if curves is not None:
        shutil.copyfile(curves, run / "curves.png")


def timed(args: list[str], root: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of ``sprint ARGS``, run ``repeat`` times.

    ``{i}`` in an argument becomes the repetition's number (a fresh output folder). CPU
    time is reported beside wall time because this machine's cores are shared: wall time
    grows with other people's load, CPU time much less.
    """
    env = {**os.environ, "SPRINT_ROOT": str(root), "COLUMNS": "160"}
    seconds, cpu = [], []
    for i in range(repeat):
        argv = [str(SPRINT), *(a.replace("{i}", str(i)) for a in args)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"sprint {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return seconds, cpu


def describe(timing: tuple[list[float], list[float]]) -> dict[str, float]:
    seconds, cpu = timing
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "cpu_median_s": round(statistics.median(cpu), 3),
        "runs": len(seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds, per command")
    args = parser.parse_args()

    load = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-status-") as tmp:
        root = Path(tmp)
        built = generate(root, args.count)
        check = subprocess.run(
            [str(SPRINT), "status", "--json"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "SPRINT_ROOT": tmp},
        )
        rows = json.loads(check.stdout)
        seen = {stage: sum(r["stage"] == stage for r in rows) for stage in STAGES}
        if len(rows) != args.count or seen != built:
            raise SystemExit(f"status saw {seen}, expected {built}")
        figures = {
            "json": describe(timed(["status", "--json"], root, args.repeat)),
            # into an empty folder: every thumbnail is copied
            "html_fresh": describe(
                timed(["status", "--json", "--html", str(root / "new{i}")], root, args.repeat)
            ),
            # regenerating a page: unchanged thumbnails are not copied again
            "html": describe(
                timed(["status", "--json", "--html", str(root / "new0")], root, args.repeat)
            ),
            "table": describe(timed(["status"], root, args.repeat)),
        }
        pages = len(list((root / "new0" / "assets" / "curves").iterdir()))

    result = {
        "benchmark": "sprint status over generated reproductions (subprocess, start included)",
        "reproductions": args.count,
        "stages": built,
        "thumbnails": pages,
        "budget_s": args.budget,
        "figures": figures,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_before": load,
            "load_average_after": list(os.getloadavg()),
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/bench_status.py " + " ".join(sys.argv[1:]),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for name, fig in figures.items():
        print(
            f"sprint status {name:<11} median {fig['median_s']:.3f} s  "
            f"(min {fig['min_s']:.3f}, max {fig['max_s']:.3f}, {fig['runs']} runs; "
            f"CPU {fig['cpu_median_s']:.3f} s)"
        )
    print(
        f"load average before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(f"{args.count} reproductions, {pages} thumbnails; wrote {RESULTS}")
    slow = [n for n, f in figures.items() if f["median_s"] > args.budget]
    if slow:
        print(f"over the {args.budget} s budget: {', '.join(slow)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
