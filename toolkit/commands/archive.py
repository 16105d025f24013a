"""Carry runs between machines: pack a batch's run folders, import them elsewhere.

A GPU machine runs `sprint run --all ... --summary FILE`, then packs the run folders the
summary names (no weights, no live logs) with a SHA256SUMS; back here, `import` checks
every hash and moves the runs into reproductions/<slug>/runs/. A run whose script hash is
not today's train.py is refused (it trained other code), as is one that exists already.

Examples:
  sprint archive pack --summary build/summary.json --output out/gpu-runs.tar.gz
  sprint archive import /work/.device/files/gpu-runs.tar.gz

Exit codes: 0 all done, 1 some runs were refused, 2 bad input (an altered archive
imports nothing).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    pack = actions.add_parser("pack", help="pack the run folders a batch summary names")
    pack.add_argument(
        "--summary",
        type=Path,
        required=True,
        help="the JSON that `sprint run --all --summary FILE` wrote",
    )
    pack.add_argument("--output", type=Path, required=True, help="the .tar.gz to write")
    imported = actions.add_parser("import", help="verify an archive and import its runs")
    imported.add_argument("archive", type=Path)


def run(args: argparse.Namespace) -> int:
    from toolkit.project import project_root
    from toolkit.run_archive import import_runs, pack_runs

    if args.action == "pack":
        runs = pack_runs(project_root(), args.summary, args.output)
        print(f"packed {len(runs)} run(s) into {args.output}")
        return 0
    imported, refused = import_runs(args.archive, project_root())
    for run in imported:
        print(f"imported {run.slug}/runs/{run.run_id} ({run.files} files)")
    for refusal in refused:
        print(f"refused  {refusal.slug}/runs/{refusal.run_id}: {refusal.reason}")
    print(f"{len(imported)} run(s) imported, {len(refused)} refused")
    return 1 if refused else 0
