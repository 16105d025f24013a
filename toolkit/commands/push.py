"""Upload a reproduction to the Hugging Face Hub as a model repository, in one commit.

The commit holds the model in the layout Keras 3 reads from hf:// (config.json,
metadata.json, model.weights.h5), the model card (README.md, rendered as `sprint card`
does), and the published run's curves.png, metrics.json, env.json and TensorBoard logs/
(with runs/<id>/ metrics and environments of every run of the set). Visitors then load
it with `keras.saving.load_model("hf://<repo-id>")`.

The Hub is HF_ENDPOINT (default https://huggingface.co); the token comes from HF_TOKEN or
`hf auth login` and is never printed or stored (nor anything that looks like a token in
the Hub's own messages). Rate limits, 5xx errors and timeouts are retried with exponential
backoff: SPRINT_HUB_ATTEMPTS requests at most per failing call (--retries), waits from
SPRINT_HUB_BACKOFF seconds doubling up to SPRINT_HUB_MAX_WAIT, SPRINT_HUB_TIMEOUT seconds
per request (--timeout); huggingface_hub's own retries are off.
On success the commit is recorded in reproduction.toml
([hub] pushed_commit, pushed_url) and README.md is updated to the pushed card; on failure
nothing local changes.

examples:
  sprint push mnist_convnet --dry-run                  list every file and its size, no network
  sprint push mnist_convnet                            push to [hub] repo_id
  sprint push mnist_convnet --repo-id you/mnist-convnet --private
  sprint push mnist_convnet --create-pr                open a pull request instead

exit codes: 0 pushed (or listed), 1 the Hub refused or failed, 2 bad input
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from toolkit.project import existing_reproduction


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "slug", metavar="SLUG", help="the reproduction (its folder name under reproductions/)"
    )
    parser.add_argument(
        "--repo-id", metavar="ID", help="target repository NAMESPACE/NAME (default: [hub] repo_id)"
    )
    parser.add_argument(
        "--private",
        action="store_true",
        help="create the repository private (an existing one keeps its visibility)",
    )
    parser.add_argument(
        "--create-pr",
        action="store_true",
        help="open a pull request with the commit instead of pushing to main",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the files and sizes that would be uploaded; no network",
    )
    parser.add_argument(
        "--run", metavar="ID", help="publish this run or set (default: the newest complete set)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="give up on a Hub request after this long (default 120)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="attempts per Hub call on 429, 5xx and timeouts (default 4)",
    )
    parser.add_argument("--json", action="store_true", help="print the plan or result as JSON")


def run(args: argparse.Namespace) -> int:
    from toolkit.card import save_card
    from toolkit.errors import UsageError
    from toolkit.hub import RetryPolicy, push, record_push, stage_push

    repro_dir = existing_reproduction(args.slug)
    policy = RetryPolicy.from_env(timeout=args.timeout, attempts=args.retries)
    if policy.attempts < 1 or policy.timeout <= 0:
        raise UsageError(
            "--retries must be at least 1 and --timeout positive",
            where="the command line",
            fix="e.g. --retries 4 --timeout 120",
        )
    with stage_push(repro_dir, repo_id=args.repo_id, run=args.run) as plan:
        if args.dry_run:
            _print_plan(plan, as_json=args.json)
            return 0
        result = push(plan, private=args.private, create_pr=args.create_pr, policy=policy)
    record_push(repro_dir, result)
    save_card(repro_dir, plan.card)
    if args.json:
        print(json.dumps(result.__dict__, indent=2))
        return 0
    where = f"pull request {result.pr_url}" if result.pr_url else result.commit_url
    print(f"Pushed {result.files} files ({_size(result.size)}) to {result.repo_url}: {where}")
    print(f'Load it with: keras.saving.load_model("hf://{result.repo_id}")')
    if plan.card.facts.banner:
        print(f"warning: the card says: {plan.card.facts.banner}", file=sys.stderr)
    return 0


def _print_plan(plan: Any, *, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "repo_id": plan.repo_id,
                    "endpoint": plan.endpoint,
                    "run": plan.run.run_id,
                    "total_size": plan.total_size,
                    "files": [
                        {"path": f.path_in_repo, "size": f.size, "from": f.origin}
                        for f in plan.files
                    ],
                },
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Dry run: {len(plan.files)} files for {plan.endpoint}/{plan.repo_id} (nothing sent)"
    )
    table.add_column("File in the repository", no_wrap=True)
    table.add_column("Size", justify="right")
    table.add_column("Bytes", justify="right")
    table.add_column("From")
    for item in plan.files:
        table.add_row(item.path_in_repo, _size(item.size), f"{item.size:,}", item.origin)
    table.add_section()
    table.add_row("total", _size(plan.total_size), f"{plan.total_size:,}", "")
    Console(width=max(140, Console().width)).print(table)


def _size(n: int) -> str:
    """``13744`` -> ``13.7 kB`` (decimal units, as the Hub shows sizes)."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
