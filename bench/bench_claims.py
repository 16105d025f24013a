"""Benchmark: claim extraction must scale linearly with the size of an example.

Times ``claims_from_text`` on generated prose of N and 4N sentences (one claim each) and
prints the ratio of the two times: about 4 for linear work, about 16 for quadratic (what
counting newlines from the start for every sentence gave). Writes
``bench/results/claims.json``.

    .venv/bin/python bench/bench_claims.py [--sentences 8000]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from toolkit.claims import claims_from_text

RESULTS = Path(__file__).parent / "results" / "claims.json"


def prose(sentences: int) -> str:
    return "\n".join(
        f"We train block {i}. The validation accuracy is about 0.{i % 90 + 10} here."
        for i in range(sentences)
    )


def seconds(text: str) -> float:
    start = time.perf_counter()
    claims_from_text(text, "prose", 1)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=8000)
    args = parser.parse_args()
    small, large = prose(args.sentences), prose(4 * args.sentences)
    t_small = min(seconds(small) for _ in range(3))
    t_large = min(seconds(large) for _ in range(3))
    result = {
        "sentences": [args.sentences, 4 * args.sentences],
        "seconds": [t_small, t_large],
        "ratio_4x_size": t_large / t_small,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"{args.sentences} sentences: {t_small:.2f} s; {4 * args.sentences}: {t_large:.2f} s; "
        f"ratio {t_large / t_small:.1f} (linear ~4, quadratic ~16)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
