"""Train a reproduction under the capturing harness.

Runs reproductions/<slug>/train.py unmodified, one subprocess per seed, and records
each run in reproductions/<slug>/runs/<run-id>/: run.json (status), metrics.json
(complete runs only), env.json, curves.png, logs/ (TensorBoard), train.log and
model.keras (git-ignored). Crashes, NaN losses, Ctrl-C and time-outs are recorded as
failed or incomplete runs with their reason.

Defaults come from reproduction.toml [run]: backend, epochs, seeds, smoke_steps,
smoke_budget.
Datasets are read from the data mirror (--data-dir, $SPRINT_DATA_DIR or
<root>/data-mirror; see `sprint data --help`).

Examples:
  sprint run mnist_convnet                    # the manifest's seeds (0..seeds-1)
  sprint run mnist_convnet --backend jax --seeds 5
  sprint run mnist_convnet --seed 7 --epochs 2
  sprint run mnist_convnet --smoke            # CI: 1 epoch, 5 batches, well under a minute
  sprint run mnist_convnet --smoke --smoke-budget 30   # stop the script after 30 s
  sprint run mnist_convnet --data-dir /mnt/sprint-mirror --timeout 3600

Many reproductions in one command (one process per seed, --jobs at a time, CPU threads
divided between jobs, no job preallocating a GPU; sets already complete for today's
train.py and targets are skipped; a summary table, --summary FILE for JSON; exit 1 if a run
or a check fails):
  sprint run --all --jobs 2 --seeds 1 --smoke
  sprint run mnist_convnet vae --jobs 2 --backend jax
  sprint run --changed origin/main --jobs 4 --summary build/summary.json

Exit codes: 0 every run complete, 1 a run failed or stopped, 2 bad input, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from toolkit.errors import UsageError
from toolkit.manifest import MANIFEST_NAME

EXIT_RUN_FAILED, EXIT_INTERRUPTED = 1, 130
SPLIT_ORDER = {"test": 0, "validation": 1, "train": 2}
STATUS_STYLE = {"complete": "green", "failed": "red", "incomplete": "yellow"}


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "slugs",
        nargs="*",
        metavar="SLUG",
        help="the reproduction(s) (folder name under reproductions/, or a path "
        "to a reproduction folder)",
    )
    select = parser.add_argument_group("many reproductions")
    select.add_argument("--all", action="store_true", help="every reproduction")
    select.add_argument(
        "--changed",
        metavar="REF",
        help="the reproductions whose files changed since the merge base of REF",
    )
    select.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="jobs (one seed each) at a time (default 1); runs the batch mode",
    )
    select.add_argument(
        "--force",
        action="store_true",
        help="run sets that are already complete for today's code and targets",
    )
    select.add_argument(
        "--summary", metavar="FILE", help="write the batch's summary as JSON to FILE"
    )
    parser.add_argument("--set-stamp", metavar="STAMP", help=argparse.SUPPRESS)
    parser.add_argument(
        "--backend",
        choices=("tensorflow", "jax", "torch"),
        help="Keras backend (default: [run] backend, the script's "
        "KERAS_BACKEND, $KERAS_BACKEND, then tensorflow)",
    )
    parser.add_argument(
        "--epochs",
        type=_positive,
        metavar="N",
        help="epochs per fit() call (default: [run] epochs, else the script's)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="first seed (default 0)")
    parser.add_argument(
        "--seeds",
        type=_positive,
        metavar="N",
        help="run seeds S..S+N-1, one process each (default: [run] seeds; 1 with --smoke)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="prove the script works: 1 epoch, a few batches per fit, the whole script "
        "stopped after --smoke-budget seconds (passes if training steps ran); never counts "
        "as a reproduction",
    )
    parser.add_argument(
        "--smoke-steps",
        type=_positive,
        metavar="N",
        help="batches per epoch and per evaluation in smoke mode (default: [run] smoke_steps, 5)",
    )
    parser.add_argument(
        "--smoke-budget",
        type=_seconds,
        metavar="SECONDS",
        help="in smoke mode, stop the script this long after it starts (start-up not "
        "counted) and record what was cut (default: [run] smoke_budget, 60)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data mirror folder (default: $SPRINT_DATA_DIR, <root>/data-mirror)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop a run that takes longer (recorded as incomplete)",
    )
    parser.add_argument(
        "--no-save-model", dest="save_model", action="store_false", help="do not write model.keras"
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="do not echo the training output (train.log still has it)",
    )
    parser.add_argument(
        "--install-requirements",
        action="store_true",
        help="pip install the manifest's [run] requirements and any package "
        "the script imports that is missing, before the run",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the outcomes as JSON on stdout (training output goes to stderr)",
    )


def resolve_reproduction(name: str) -> Path:
    """The reproduction folder for a slug or a path; :class:`UsageError` when there is none."""
    from toolkit.project import existing_reproduction

    candidate = Path(name)
    if (candidate / MANIFEST_NAME).is_file():
        return candidate.resolve()
    return existing_reproduction(name)


def _batch_mode(args: argparse.Namespace) -> bool:
    return bool(args.all or args.changed or args.jobs or len(args.slugs) > 1)


def run(args: argparse.Namespace) -> int:
    from toolkit.harness.runner import RunOptions, run_reproduction

    if _batch_mode(args):
        return run_many(args)
    if not args.slugs:
        raise UsageError(
            "No reproduction was named",
            where="sprint run",
            fix="name one (sprint run mnist_convnet), or pass --all",
        )
    args.slug = args.slugs[0]
    folder = resolve_reproduction(args.slug)
    echo = None if args.quiet else (sys.stderr.buffer if args.json else sys.stdout.buffer)
    options = RunOptions(
        backend=args.backend,
        epochs=args.epochs,
        seed=args.seed,
        seeds=args.seeds,
        smoke=args.smoke,
        smoke_steps=args.smoke_steps,
        smoke_budget=args.smoke_budget,
        data_dir=args.data_dir,
        timeout=args.timeout,
        save_model=args.save_model,
        echo=echo,
        command=_command(args),
        set_stamp=args.set_stamp,
        install_requirements=args.install_requirements,
    )
    outcomes = run_reproduction(folder, options)
    if args.json:
        print(json.dumps([o.to_dict() for o in outcomes], indent=2))
    else:
        _print_summary(outcomes)
    if any(o.reason == "interrupted" for o in outcomes):
        return EXIT_INTERRUPTED
    return 0 if all(o.status == "complete" for o in outcomes) else EXIT_RUN_FAILED


def selected_slugs(args: argparse.Namespace) -> list[str]:
    """The slugs a batch runs: named ones, --changed ones and/or --all, in that order."""
    from toolkit.changed import changed_slugs
    from toolkit.project import list_slugs

    slugs = [resolve_reproduction(name).name for name in args.slugs]
    if args.changed:
        slugs += changed_slugs(args.changed)
    if args.all:
        slugs += list_slugs()
    if not slugs:
        raise UsageError(
            "No reproduction was selected",
            where="sprint run",
            fix="name reproductions, or pass --all or --changed REF",
        )
    return list(dict.fromkeys(slugs))


def run_many(args: argparse.Namespace) -> int:
    """Run the selected reproductions' seeds as a batch, with a live table and a summary."""
    from rich.console import Console
    from rich.live import Live

    from toolkit.batch import BatchOptions, run_batch
    from toolkit.batch_view import progress_table, summary_line, summary_table
    from toolkit.fsutil import atomic_write_json
    from toolkit.project import project_root

    if args.set_stamp or args.seed:
        raise UsageError(
            "--seed and --set-stamp name one run, not a batch",
            where="sprint run",
            fix="drop them; a batch runs seeds 0..N-1",
        )
    options = BatchOptions(
        slugs=selected_slugs(args),
        root=project_root(),
        seeds=args.seeds,
        jobs=args.jobs or 1,
        backend=args.backend,
        smoke=args.smoke,
        epochs=args.epochs,
        data_dir=args.data_dir,
        timeout=args.timeout,
        force=args.force,
    )
    console = Console(stderr=args.json)
    with Live(console=console, refresh_per_second=2, transient=not console.is_terminal) as live:
        summary = run_batch(options, on_update=lambda jobs: live.update(progress_table(jobs)))
    console.print(summary_table(summary))
    console.print(summary_line(summary), highlight=False)
    if args.summary:
        atomic_write_json(Path(args.summary), summary.to_dict())
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    return EXIT_INTERRUPTED if summary.interrupted else summary.exit_code


def _command(args: argparse.Namespace) -> list[str]:
    """The command line as given (options in canonical form), for env.json."""
    command = ["sprint", "run", args.slug]
    for flag, value in (
        ("--backend", args.backend),
        ("--epochs", args.epochs),
        ("--seeds", args.seeds),
        ("--smoke-steps", args.smoke_steps),
        ("--smoke-budget", args.smoke_budget),
        ("--data-dir", args.data_dir),
        ("--timeout", args.timeout),
    ):
        if value is not None:
            command += [flag, str(value)]
    if args.seed:
        command += ["--seed", str(args.seed)]
    command += [
        flag
        for flag, on in (("--smoke", args.smoke), ("--no-save-model", not args.save_model))
        if on
    ]
    return command


def _print_summary(outcomes: list) -> None:
    """Final metrics by split (one column per seed, mean ± std), then each run's status."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    complete = [o for o in outcomes if o.status == "complete"]
    keys = sorted(
        {(split, name) for o in outcomes for split, values in o.final.items() for name in values},
        key=lambda k: (SPLIT_ORDER.get(k[0], 9), k[1]),
    )
    if keys:
        table = Table(title="final metrics")
        table.add_column("split")
        table.add_column("metric")
        for outcome in outcomes:  # partial values of failed runs are labelled as such
            label = "" if outcome.status == "complete" else f" ({outcome.status})"
            table.add_column(f"seed {outcome.seed}{label}", justify="right")
        if len(complete) > 1:
            table.add_column(f"mean ± std ({len(complete)} complete)", justify="right")
        for split, name in keys:
            row = [split, name, *(_fmt(o.final.get(split, {}).get(name)) for o in outcomes)]
            if len(complete) > 1:
                values = [
                    v
                    for o in complete
                    if isinstance(v := o.final.get(split, {}).get(name), int | float)
                ]
                row.append(
                    f"{statistics.mean(values):.4g} ± {statistics.stdev(values):.2g}"
                    if len(values) > 1
                    else ""
                )
            table.add_row(*row)
        console.print(table)
    for outcome in outcomes:
        color = STATUS_STYLE.get(outcome.status, "white")
        console.print(
            f"[{color}]{outcome.status:<10}[/{color}] {outcome.path}",
            highlight=False,
            soft_wrap=True,
        )
        # reasons and warnings quote manifests ("[run] smoke_budget"): not rich markup
        if outcome.reason:
            console.print(f"  reason: {escape(outcome.reason)}", highlight=False, soft_wrap=True)
        for warning in outcome.warnings:
            console.print(
                f"  [yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True
            )


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
