"""Benchmark: scaffold a few hundred generated examples, and time `sprint show` from cold.

    python bench/bench_scaffold.py [--count 300]

Prints examples per second and milliseconds per example for parse + scaffold (in one
process), and the median wall time of `sprint show` as a fresh process (start-up included).
Writes the figures to bench/results/scaffold.json. Goals: well under 50 ms per example;
`sprint show` under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TEMPLATE = '''"""
Title: Generated example number {i}
Author: [Bench Author {i}](https://example.org/{i}), [Second Author](https://example.org/b)
Date created: 2023/0{month}/1{day}
Last modified: 2024/01/0{day}
Description: Synthetic example {i} that achieves ~9{day}% test accuracy
    on generated data.
Accelerator: GPU
"""
"""
## Setup
"""
import keras
import numpy as np
from keras import layers
"""shell
pip install -q keras-hub
"""
"""
## Data
"""
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
path = keras.utils.get_file(origin="https://example.org/data-{i}.csv")
"""
## Model

We reach a validation accuracy of 0.8{day} after {epochs} epochs.
"""
def build(units):
    """A docstring inside a function is code."""
    return keras.Sequential([layers.Dense(units, activation="relu"), layers.Dense(10)])
epochs = {epochs}
batch_size = 128
model = build({i})
model.compile(optimizer=keras.optimizers.Adam(lr=1e-3), loss="mse", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_split=0.1)
print(model.evaluate(x_test, y_test))
'''


def bench_scaffold(count: int, workdir: Path) -> dict[str, float]:
    from toolkit.example import load_example
    from toolkit.scaffold import scaffold

    sources = []
    for i in range(count):
        path = workdir / "src" / f"example_{i:04d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE.format(i=i, month=1 + i % 9, day=i % 9, epochs=5 + i % 20))
        sources.append(path)
    root = workdir / "root"
    (root / "reproductions").mkdir(parents=True)
    start = time.perf_counter()
    for path in sources:
        scaffold(load_example(path), root)
    elapsed = time.perf_counter() - start
    return {
        "examples": count,
        "seconds": elapsed,
        "examples_per_s": count / elapsed,
        "ms_per_example": 1000 * elapsed / count,
    }


def bench_show_startup(repeats: int = 7) -> dict[str, float]:
    sprint = Path(sys.executable).with_name("sprint")
    example = REPO / "examples" / "waveform_classifier.py"
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([str(sprint), "show", str(example)], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return {"show_median_s": statistics.median(times), "show_max_s": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = bench_scaffold(args.count, Path(tmp))
    result.update(bench_show_startup())
    print(
        f"scaffolded {result['examples']} examples in {result['seconds']:.2f} s: "
        f"{result['examples_per_s']:.0f} examples/s, {result['ms_per_example']:.1f} ms each "
        f"(goal < 50 ms)"
    )
    print(
        f"`sprint show` from a cold process: median {result['show_median_s']:.3f} s, "
        f"max {result['show_max_s']:.3f} s (goal < 0.5 s)"
    )
    out = REPO / "bench" / "results" / "scaffold.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
