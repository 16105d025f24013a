"""Benchmark: a generated image-classification Space, as a visitor's client sees it.

Builds the Keras.io ``mnist_convnet`` architecture (untrained: latency does not depend on
the weights; 34,826 parameters), generates its Space with ``toolkit.space`` into a
temporary sprint repository, and for each Keras backend asked for:

- cold start: from ``python app.py`` being launched to the first successful answer of a
  ``gradio_client`` prediction (imports, model load, server start, client connection,
  one upload and one prediction); also when the page first answered HTTP 200;
- per-request latency: ``--requests`` sequential predictions through ``gradio_client``
  (upload of a 112x112 PNG, queue, preprocessing, model, postprocessing, download of the
  result), after one warm-up; median, p95, min and max.

Prints the figures and writes ``bench/results/space.json``.

    .venv/bin/python bench/bench_space.py [--requests 50] [--backends tensorflow,jax]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from toolkit.manifest import Author, ExampleInfo, HubInfo, Manifest, RunConfig, TaskInfo
from toolkit.space import plan_space, write_space
from toolkit.space.pins import installed_version
from toolkit.space.serve import free_port, start_app, stop_app

RESULTS = Path(__file__).parent / "results" / "space.json"
SLUG = "mnist_convnet"


def mnist_convnet(path: Path) -> Path:
    """The model of keras.io/examples/vision/mnist_convnet, saved untrained."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.save(path)
    return path


def generate(root: Path, model: Path, backend: str) -> Path:
    """The Space folder of a reproduction whose manifest pins ``backend``."""
    repro = root / "reproductions" / f"{SLUG}_{backend}"
    repro.mkdir(parents=True)
    Manifest(
        slug=repro.name,
        example=ExampleInfo(
            title="Simple MNIST convnet",
            authors=[Author("fchollet", "https://twitter.com/fchollet")],
            description="A simple convnet that achieves ~99% test accuracy on MNIST.",
            category="vision",
            name=SLUG,
        ),
        task=TaskInfo(
            kind="image_classification",
            input_shape=[28, 28, 1],
            class_names=[str(i) for i in range(10)],
            input_scale=1 / 255,
        ),
        run=RunConfig(backend=backend),
        hub=HubInfo(repo_id=f"keras-io/{SLUG}"),
    ).save(repro)
    return write_space(plan_space(repro, root, model=str(model))).plan.folder


def measure(folder: Path, model: Path, requests: int) -> dict:
    """Cold start and per-request latency of the app in ``folder``."""
    from gradio_client import Client, handle_file

    image = handle_file(str(folder / "examples" / "drawing_0.png"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = folder.parent / f"{folder.name}.log"
    started = time.perf_counter()
    process = start_app(folder, model_value=str(model), port=port, log_path=log)
    try:
        page_up = first_answer = None
        while first_answer is None:
            if process.poll() is not None:
                raise SystemExit(f"the app exited:\n{log.read_text()[-2000:]}")
            try:
                client = Client(url, verbose=False, analytics_enabled=False)
                page_up = page_up or time.perf_counter() - started
                label, _ = client.predict(image, api_name="/predict")
                first_answer = time.perf_counter() - started
            except Exception:  # not up yet: connection refused, or config not served yet
                time.sleep(0.1)
        assert label["label"] in [str(i) for i in range(10)]
        client.predict(image, api_name="/predict")  # warm-up
        latencies = []
        for _ in range(requests):
            start = time.perf_counter()
            client.predict(image, api_name="/predict")
            latencies.append(time.perf_counter() - start)
    finally:
        stop_app(process)
    latencies.sort()
    return {
        "cold_start_s": round(first_answer, 3),
        "client_connected_s": round(page_up, 3),
        "requests": requests,
        "latency_median_ms": round(1000 * statistics.median(latencies), 1),
        "latency_p95_ms": round(1000 * latencies[max(0, round(0.95 * len(latencies)) - 1)], 1),
        "latency_min_ms": round(1000 * latencies[0], 1),
        "latency_max_ms": round(1000 * latencies[-1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--backends", default="tensorflow,jax")
    args = parser.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_at_start": os.getloadavg(),
        "versions": {
            name: installed_version(*dists)
            for name, dists in {
                "gradio": ("gradio",),
                "gradio_client": ("gradio_client",),
                "keras": ("keras",),
                "tensorflow": ("tensorflow", "tensorflow-cpu"),
                "jax": ("jax",),
            }.items()
        },
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-space-") as tmp:
        root = Path(tmp)
        model = mnist_convnet(root / "mnist_convnet.keras")
        for backend in args.backends.split(","):
            folder = generate(root, model, backend)
            figures = measure(folder, model, args.requests)
            results["backends"][backend] = figures
            print(
                f"{backend:>10}: cold start {figures['cold_start_s']:.2f} s (client connected "
                f"at {figures['client_connected_s']:.2f} s); per request median "
                f"{figures['latency_median_ms']:.1f} ms, p95 {figures['latency_p95_ms']:.1f} ms"
                f" (min {figures['latency_min_ms']:.1f}, max {figures['latency_max_ms']:.1f}; "
                f"{figures['requests']} requests)"
            )
    results["load_average_at_end"] = os.getloadavg()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(
        f"load average {results['load_average_at_start']} -> {results['load_average_at_end']}; "
        f"written to {RESULTS}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
