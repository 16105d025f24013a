"""What does `sprint run` cost compared with `python train.py`?

Runs the same script plainly and under the harness, alternating, in one invocation:

- a training job (a small convnet on synthetic 28x28 images, long enough that the
  training loop dominates): the harness/plain wall-time ratio, and the ratio of the
  time spent inside ``fit()`` as the script itself measures it;
- a trivial job (one epoch of two batches): the difference is the harness' fixed
  start-up and wrap-up cost (CLI, child bootstrap, model save, env.json, curves.png).

Prints a summary and writes ``bench/results/harness-<timestamp>.json`` (git-ignored).

    python bench/bench_harness.py                      # tensorflow, 4 repeats
    python bench/bench_harness.py --backend jax --epochs 8 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
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
    (folder / "train.py").write_text(textwrap.dedent(SCRIPT.format(
        samples=samples, epochs=epochs, batch=batch)))
    Manifest(slug=slug, run=RunConfig(seeds=1)).save(folder)
    return folder


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """``(wall seconds, fit seconds the script printed)``; raises when the command fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed:\n{tail}")
    fit = re.findall(r"BENCH_FIT_SECONDS ([\d.]+)", done.stdout + done.stderr)
    if not fit:  # under the harness the output is in train.log
        logs = sorted((cwd / "runs").glob("*/train.log"), key=lambda p: p.stat().st_mtime)
        fit = re.findall(r"BENCH_FIT_SECONDS ([\d.]+)", logs[-1].read_text())
    return wall, float(fit[-1])


def measure(folder: Path, root: Path, backend: str, repeats: int) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, SPRINT_ROOT=str(root),
               PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2")
    plain_cmd = [sys.executable, "train.py"]
    harness_cmd = [sys.executable, "-m", "toolkit.cli", "run", folder.name,
                   "--backend", backend, "--quiet"]
    samples: dict[str, list[tuple[float, float]]] = {"plain": [], "harness": []}
    timed(plain_cmd, folder, env)  # warm the file cache and compilation caches once
    for index in range(repeats):
        order = ("plain", "harness") if index % 2 == 0 else ("harness", "plain")
        for kind in order:
            samples[kind].append(timed(plain_cmd if kind == "plain" else harness_cmd,
                                       folder, env))
    result = {}
    for kind, values in samples.items():
        result[kind] = {"wall_s": [round(w, 3) for w, _ in values],
                        "fit_s": [round(f, 3) for _, f in values],
                        "wall_median_s": round(statistics.median(w for w, _ in values), 3),
                        "fit_median_s": round(statistics.median(f for _, f in values), 3)}
    result["wall_ratio"] = round(result["harness"]["wall_median_s"]
                                 / result["plain"]["wall_median_s"], 4)
    result["fit_ratio"] = round(result["harness"]["fit_median_s"]
                                / result["plain"]["fit_median_s"], 4)
    result["wall_difference_s"] = round(result["harness"]["wall_median_s"]
                                        - result["plain"]["wall_median_s"], 3)
    envs = sorted((folder / "runs").glob("*/env.json"))
    last = json.loads(envs[-1].read_text())
    result["harness_env"] = {k: last.get(k) for k in (
        "device", "backend", "keras", "backend_version", "startup_seconds", "wall_seconds",
        "fit_seconds", "peak_memory_mb")}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="tensorflow", choices=("tensorflow", "jax", "torch"))
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sprint-bench-") as tmp:
        root = Path(tmp)
        training = make_job(root, "bench_training", samples=args.samples, epochs=args.epochs,
                            batch=args.batch)
        trivial = make_job(root, "bench_trivial", samples=2 * args.batch, epochs=1,
                           batch=args.batch)
        print(f"training job: {args.samples} samples x {args.epochs} epochs, "
              f"{args.repeats} repeats each way ({args.backend})", flush=True)
        job = measure(training, root, args.backend, args.repeats)
        print("trivial job (fixed cost)", flush=True)
        fixed = measure(trivial, root, args.backend, args.repeats)

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                    "python": platform.python_version(), "device": job["harness_env"]["device"]},
        "settings": vars(args),
        "training_job": job,
        "trivial_job": fixed,
        "summary": {
            "wall_ratio": job["wall_ratio"],
            "fit_ratio": job["fit_ratio"],
            "fixed_cost_s": fixed["wall_difference_s"],
            "training_overhead_s": round(job["wall_difference_s"] - fixed["wall_difference_s"], 3),
        },
    }
    out = REPO / "bench" / "results" / f"harness-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    s = report["summary"]
    print(f"\ndevice: {report['machine']['device']} ({args.backend})")
    print(f"training job: plain {job['plain']['wall_median_s']:.2f} s, harness "
          f"{job['harness']['wall_median_s']:.2f} s -> wall ratio {s['wall_ratio']:.4f}; "
          f"fit() time ratio {s['fit_ratio']:.4f}")
    print(f"fixed start-up + wrap-up cost: {s['fixed_cost_s']:.2f} s "
          f"(trivial job: plain {fixed['plain']['wall_median_s']:.2f} s, harness "
          f"{fixed['harness']['wall_median_s']:.2f} s)")
    print(f"written: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
