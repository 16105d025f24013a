"""What does `sprint run` cost compared with `python train.py`?

Runs the same script plainly and under the harness (`sprint run --quiet`), alternating,
in one invocation:

- a training job (a small convnet on synthetic 28x28 images, long enough that the
  training loop dominates): harness/plain ratios of wall time, CPU time (the process
  tree's user + system seconds) and the time the script itself measures inside
  ``fit()``; and the share of ``fit()`` the harness' callbacks take, timed inside the
  run (the one figure a busy machine cannot blur);
- a trivial job (one epoch of two batches): the difference is the harness' fixed
  start-up and wrap-up cost (CLI, child bootstrap, model save, env.json, curves.png).

Prints a summary and writes ``bench/results/harness-<timestamp>.json`` (git-ignored).
On a shared machine wall-clock ratios move by tens of percent between identical runs:
read them with the load average the report records.

    python bench/bench_harness.py                      # tensorflow, 4 repeats
    python bench/bench_harness.py --backend jax --epochs 8 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.harness.envinfo import cpu_model  # noqa: E402
from toolkit.manifest import Manifest, RunConfig  # noqa: E402

SCRIPT = """
import time
import numpy as np
import keras

# The script seeds itself, as many examples do: the harness then runs it with the same
# seed (0 + seed 0), so both sides do the same work (an unseeded TF run is slower here).
keras.utils.set_random_seed(0)
SAMPLES, EPOCHS, BATCH = {samples}, {epochs}, {batch}
rng = np.random.default_rng(0)
x = rng.random((SAMPLES, 28, 28, 1), dtype=np.float32)
y = rng.integers(0, 10, SAMPLES)
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Conv2D(64, 3, activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.5),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
started = time.perf_counter()
model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, validation_split=0.1, verbose=2)
print("BENCH_FIT_SECONDS", time.perf_counter() - started)
print(model.evaluate(x[:1000], y[:1000], verbose=0))
"""


def make_job(root: Path, slug: str, *, samples: int, epochs: int, batch: int) -> Path:
    folder = root / "reproductions" / slug
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(
        textwrap.dedent(SCRIPT.format(samples=samples, epochs=epochs, batch=batch))
    )
    Manifest(slug=slug, run=RunConfig(seeds=1)).save(folder)
    return folder


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds of ``command`` (descendants included) and its own fit() time."""
    cpu_before, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed:\n{tail}")
    sample = {"wall_s": wall, "cpu_s": cpu}
    fit = re.findall(r"BENCH_FIT_SECONDS ([\d.]+)", done.stdout + done.stderr)
    if not fit:  # under the harness the output is in train.log, the costs in env.json
        run = max((cwd / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
        fit = re.findall(r"BENCH_FIT_SECONDS ([\d.]+)", (run / "train.log").read_text())
        env_json = json.loads((run / "env.json").read_text())
        sample["hook_s"] = env_json["hook_seconds"]
        sample["startup_s"] = env_json["startup_seconds"]
    sample["fit_s"] = float(fit[-1])
    return sample


def measure(folder: Path, root: Path, backend: str, repeats: int) -> dict:
    env = dict(
        os.environ,
        KERAS_BACKEND=backend,
        SPRINT_ROOT=str(root),
        PYTHONPATH=str(REPO),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    commands = {
        "plain": [sys.executable, "train.py"],
        "harness": [
            sys.executable,
            "-m",
            "toolkit.cli",
            "run",
            folder.name,
            "--backend",
            backend,
            "--quiet",
        ],
    }
    samples: dict[str, list[dict[str, float]]] = {"plain": [], "harness": []}
    timed(commands["plain"], folder, env)  # warm the file cache once
    for index in range(repeats):
        for kind in ("plain", "harness") if index % 2 == 0 else ("harness", "plain"):
            samples[kind].append(timed(commands[kind], folder, env))
    result: dict = {}
    for kind, runs in samples.items():
        result[kind] = {key: [round(r[key], 3) for r in runs] for key in runs[0]}
        result[kind].update(
            {f"{key}_median": round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
        )
    for key in ("wall_s", "cpu_s", "fit_s"):
        plain, harness = result["plain"][f"{key}_median"], result["harness"][f"{key}_median"]
        result[f"{key}_ratio"] = round(harness / plain, 4)
        result[f"{key}_difference"] = round(harness - plain, 3)
    # The harness' own per-step work, timed inside the run: immune to machine noise.
    result["hook_share_of_fit"] = round(
        statistics.median(r["hook_s"] / r["fit_s"] for r in samples["harness"]), 5
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="tensorflow", choices=("tensorflow", "jax", "torch"))
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sprint-bench-") as tmp:
        root = Path(tmp)
        training = make_job(
            root, "bench_training", samples=args.samples, epochs=args.epochs, batch=args.batch
        )
        trivial = make_job(
            root, "bench_trivial", samples=2 * args.batch, epochs=1, batch=args.batch
        )
        print(
            f"training job: {args.samples} samples x {args.epochs} epochs, "
            f"{args.repeats} repeats each way ({args.backend})",
            flush=True,
        )
        job = measure(training, root, args.backend, args.repeats)
        print("trivial job (fixed cost)", flush=True)
        fixed = measure(trivial, root, args.backend, args.repeats)

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "settings": vars(args),
        "training_job": job,
        "trivial_job": fixed,
        "summary": {
            "wall_ratio": job["wall_s_ratio"],
            "cpu_ratio": job["cpu_s_ratio"],
            "fit_ratio": job["fit_s_ratio"],
            "hook_share_of_fit": job["hook_share_of_fit"],
            "fixed_cost_wall_s": fixed["wall_s_difference"],
            "fixed_cost_cpu_s": fixed["cpu_s_difference"],
        },
    }
    out = REPO / "bench" / "results" / f"harness-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    s = report["summary"]
    print(
        f"\n{report['machine']['cpu']}, {args.backend}, load average "
        f"{report['machine']['load_average'][0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"training job, median of {args.repeats}: plain {job['plain']['wall_s_median']:.2f} s, "
        f"harness {job['harness']['wall_s_median']:.2f} s"
    )
    print(
        f"  ratios harness/plain: wall {s['wall_ratio']:.4f}, CPU {s['cpu_ratio']:.4f}, "
        f"fit() {s['fit_ratio']:.4f}"
    )
    print(f"  harness callbacks: {100 * s['hook_share_of_fit']:.3f}% of fit() time")
    print(
        f"fixed start-up + wrap-up cost: {s['fixed_cost_wall_s']:.2f} s wall, "
        f"{s['fixed_cost_cpu_s']:.2f} s CPU (trivial job: plain "
        f"{fixed['plain']['wall_s_median']:.2f} s, "
        f"harness {fixed['harness']['wall_s_median']:.2f} s)"
    )
    print(f"written: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
