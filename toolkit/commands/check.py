"""Compare the metrics a reproduction reports with those its latest complete run reproduced.

For every metric of reproduction.toml the checker reads what each run of the newest
complete multi-seed set recorded (runs/<id>/metrics.json), judges the MEAN over seeds
against the metric's bound (reported value minus the tolerance when higher is better,
plus it when lower is better; the bound itself passes) and lists every seed's value,
the standard deviation, and the runs and hardware used. Smoke runs are never used.
Optional metrics (required = false) are shown but only warn.

examples:
  sprint check mnist_convnet                          newest complete set, terminal table
  sprint check mnist_convnet --run 20250101-1200-s0   one run, or a set by its group id
  sprint check --all --format json                    every reproduction, machine-readable
  sprint check --changed --base origin/main --list    which reproductions a branch changed
  sprint check --changed --base origin/main --format markdown --output check.md
  sprint check mnist_convnet --format junit --output reports/mnist_convnet.xml

exit codes: 0 every required metric passed, 1 a metric failed, 2 could not check
            (no complete run, a metric the run did not record, malformed manifest)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from toolkit.check import check_reproduction, overall_exit_code
from toolkit.errors import UsageError
from toolkit.fsutil import atomic_write_text
from toolkit.project import existing_reproduction, list_slugs, project_root, reproduction_path
from toolkit.report_formats import FORMATS, render


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "slugs",
        nargs="*",
        metavar="SLUG",
        help="reproductions to check (default: the one the current folder is in)",
    )
    parser.add_argument("--all", action="store_true", help="check every reproduction")
    parser.add_argument(
        "--changed",
        action="store_true",
        help="check the reproductions whose files changed since --base",
    )
    parser.add_argument(
        "--base",
        default="origin/main",
        metavar="REF",
        help="the git ref --changed compares with (default: origin/main)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="only print the selected reproductions (JSON with --format json)",
    )
    parser.add_argument(
        "--run", metavar="ID", help="judge this run, or the set with this group id (one SLUG only)"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (terminal), json, markdown (a PR comment) or junit (CI)",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="also write the report to FILE (atomically)"
    )


def run(args: argparse.Namespace) -> int:
    root = project_root()
    slugs = select_slugs(args, root)
    if args.list:
        print(json.dumps(slugs) if args.format == "json" else "\n".join(slugs))
        return 0
    if args.run and len(slugs) != 1:
        raise UsageError(
            f"--run names one run, but {len(slugs)} reproductions were selected",
            where="--run",
            fix="name exactly one SLUG with --run",
        )
    if args.changed and not slugs:
        print(f"No reproduction changed since {args.base}.", file=sys.stderr)
    reports = [check_reproduction(reproduction_path(slug, root), run=args.run) for slug in slugs]
    color = args.format == "table" and sys.stdout.isatty()
    print(render(reports, args.format, color=color), end="")
    if args.output:
        atomic_write_text(args.output, render(reports, args.format))
        print(f"report written to {args.output}", file=sys.stderr)
    return overall_exit_code(reports)


def select_slugs(args: argparse.Namespace, root: Path) -> list[str]:
    """The reproductions the command line names, in order, without duplicates."""
    known = list_slugs(root)
    for slug in args.slugs:
        existing_reproduction(slug, root)
    slugs = list(args.slugs)
    if args.all:
        if not known:
            raise UsageError(
                "There is no reproduction to check",
                where=str(root / "reproductions"),
                fix="scaffold one with `sprint new EXAMPLE`",
            )
        slugs += known
    if args.changed:
        from toolkit.changed import changed_slugs

        slugs += changed_slugs(args.base, root)
    if not (args.slugs or args.all or args.changed):
        slugs = [_slug_of_cwd(root)]
    return list(dict.fromkeys(slugs))


def _slug_of_cwd(root: Path) -> str:
    here = Path.cwd().resolve()
    base = (root / "reproductions").resolve()
    if here.is_relative_to(base) and here != base:
        return here.relative_to(base).parts[0]
    raise UsageError(
        "No reproduction selected",
        where="the command line",
        fix="name one (`sprint check SLUG`), or use --all or "
        "--changed --base REF, or run it inside reproductions/<slug>/",
    )
