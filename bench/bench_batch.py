"""Benchmark: `sprint run` over many reproductions at --jobs 1 against --jobs 2, and the
batch scheduler's own overhead, as ratios measured in one run on this machine.

In a scratch copy of the reproductions (their runs/ left out, so the checkout stays as it
is) with the shared data staged, times as whole processes, alternating so that drift in
the machine's speed hits both sides alike:

- ``sprint run S1 ... S10 --seeds 1 --jobs 2`` against the same at ``--jobs 1``;
- ``sprint run SLUG --jobs 1`` (the batch path: planning, a ``sprint run`` per seed,
  polling, the check) against ``sprint run SLUG`` (one seed, run directly).

Smoke runs by default (seconds each; start-up and data loading dominate); ``--full`` runs
the real trainings (about 20 minutes a side on 2 cores). Prints the figures and writes
``bench/results/batch.json``.

    .venv/bin/python bench/bench_batch.py [--pairs 2] [--overhead-pairs 3] [--full]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "batch.json"
SPRINT = Path(sys.executable).parent / "sprint"
# The ten reproductions whose full run takes minutes, not hours, on a 2-core CPU.
FAST = (
    "addition_rnn",
    "antirectifier",
    "collaborative_filtering_movielens",
    "gat_node_classification",
    "gnn_citations",
    "mnist_convnet",
    "quasi_svm",
    "structured_data_classification_from_scratch",
    "timeseries_anomaly_detection",
    "vae",
)
OVERHEAD_SLUG = "structured_data_classification_from_scratch"


def scratch_root(slugs: tuple[str, ...]) -> Path:
    """A sprint root holding copies of ``slugs`` (no runs) and a staged data mirror."""
    root = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    for slug in slugs:
        shutil.copytree(
            REPO / "reproductions" / slug,
            root / "reproductions" / slug,
            ignore=shutil.ignore_patterns("runs", "README.md"),
        )
    shared = Path(os.environ.get("SHARED_DATA", REPO.parent / "shared" / "data"))
    if not (shared / "SHA256SUMS").is_file():
        sys.exit(f"no shared data at {shared}: set SHARED_DATA (the reproductions read it)")
    subprocess.run(
        [
            "bash",
            str(REPO / "scripts" / "stage_shared_data.sh"),
            "--data-dir",
            str(root / "data-mirror"),
            "--copy",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "SHARED_DATA": str(shared), "SPRINT": str(SPRINT)},
    )
    return root


def timed(command: list[str], root: Path) -> float:
    """Wall seconds of ``command`` run as a whole process in ``root``."""
    start = time.monotonic()
    done = subprocess.run(
        command,
        cwd=root,
        capture_output=True,
        check=False,
        env={**os.environ, "SPRINT_ROOT": str(root)},
    )
    wall = time.monotonic() - start
    if done.returncode not in (0, 1):  # 1: a check failed, which is not the bench's concern
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return wall


def paired(a: list[str], b: list[str], pairs: int, root: Path) -> dict[str, object]:
    """A and B in turn, ``pairs`` times; the ratio A/B pair by pair."""
    walls_a, walls_b = [], []
    for _ in range(pairs):
        walls_a.append(timed(a, root))
        walls_b.append(timed(b, root))
    ratios = [x / y for x, y in zip(walls_a, walls_b, strict=True)]
    return {
        "a": " ".join(a[1:]),
        "b": " ".join(b[1:]),
        "a_wall_s": walls_a,
        "b_wall_s": walls_b,
        "ratio_a_over_b": ratios,
        "median_ratio": statistics.median(ratios),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--overhead-pairs", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="real trainings, not smoke runs")
    args = parser.parse_args()
    root = scratch_root(FAST)
    mode = [] if args.full else ["--smoke"]
    batch = [str(SPRINT), "run", *FAST, "--seeds", "1", "--force", *mode]
    jobs = paired([*batch, "--jobs", "2"], [*batch, "--jobs", "1"], args.pairs, root)
    one = [str(SPRINT), "run", OVERHEAD_SLUG, "--seeds", "1", *mode]
    overhead = paired([*one, "--jobs", "1", "--force"], one, args.overhead_pairs, root)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "mode": "full" if args.full else "smoke",
        "reproductions": list(FAST),
        "jobs2_vs_jobs1": jobs,
        "batch_vs_direct": overhead,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{len(FAST)} reproductions, one {result['mode']} seed each:")
    print(
        f"  --jobs 2 / --jobs 1 wall: median ratio {jobs['median_ratio']:.3f} "
        f"(jobs 2: {', '.join(f'{w:.1f}' for w in jobs['a_wall_s'])} s; "
        f"jobs 1: {', '.join(f'{w:.1f}' for w in jobs['b_wall_s'])} s)"
    )
    print(
        f"  batch path / direct run of {OVERHEAD_SLUG}: median ratio "
        f"{overhead['median_ratio']:.3f} (batch: "
        f"{', '.join(f'{w:.1f}' for w in overhead['a_wall_s'])} s; direct: "
        f"{', '.join(f'{w:.1f}' for w in overhead['b_wall_s'])} s)"
    )
    shutil.rmtree(root, ignore_errors=True)
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
