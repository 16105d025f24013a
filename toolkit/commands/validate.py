"""Run the reviewers' checklist on one reproduction.

Items: manifest (complete and valid), smoke (train.py runs in smoke mode), run (latest full run
records hardware and seed, and `sprint check` passes), card (rendered, valid front matter, every
number matches the artifacts), space (requirements pinned, a classification task's app answers
with classes, app constructs), hygiene (no tokens, weights or data files committed), lint (ruff
clean). Exit 0 when no item fails, 1 otherwise.

Examples:
  sprint validate mnist_convnet
  sprint validate mnist_convnet --format markdown > comment.md   # what a review bot posts
  sprint validate mnist_convnet --fix       # re-render the card and regenerate the Space first
  sprint validate mnist_convnet --no-smoke  # skip the smoke run (reported as a warning)
  sprint validate mnist_convnet --only card,space
"""

from __future__ import annotations

import argparse
import sys

ICONS = {"pass": "✅", "fail": "❌", "warn": "⚠️"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", metavar="SLUG", help="the reproduction under reproductions/")
    parser.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    parser.add_argument(
        "--fix",
        action="store_true",
        help="re-render the card and regenerate the Space before checking",
    )
    parser.add_argument(
        "--no-smoke", dest="smoke", action="store_false", help="do not run train.py in smoke mode"
    )
    parser.add_argument(
        "--only",
        metavar="ITEMS",
        type=_items,
        default=(),
        help="comma-separated items to run, e.g. card,space",
    )


def _items(text: str) -> tuple[str, ...]:
    from toolkit.validate import ITEM_NAMES

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in ITEM_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown item(s) {', '.join(unknown)}; choose from {', '.join(ITEM_NAMES)}"
        )
    return names


def run(args: argparse.Namespace) -> int:
    from toolkit.project import project_root
    from toolkit.validate import to_json, validate

    result = validate(project_root(), args.slug, smoke=args.smoke, fix=args.fix, only=args.only)
    if args.format == "json":
        print(to_json([result]))
    elif args.format == "markdown":
        sys.stdout.write(markdown(result))
    else:
        print_table(result)
    return result.exit_code


def markdown(result) -> str:
    """The pull-request comment a review bot posts."""
    word = {"pass": "passes", "warn": "passes with warnings", "fail": "fails"}[result.verdict]
    lines = [
        f"### {ICONS[result.verdict]} `sprint validate {result.slug}` {word}",
        "",
        "| item | verdict | reason |",
        "|---|---|---|",
    ]
    for item in result.items:
        reason = item.reason.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {item.name} | {ICONS[item.status]} {item.status} | {reason} |")
    details = [(item.name, d) for item in result.items for d in item.details]
    if details:
        lines += ["", "<details><summary>Details</summary>", ""]
        lines += [f"- **{name}**: `{d}`" for name, d in details]
        lines += ["", "</details>"]
    if result.fixed:
        lines += ["", "Fixed before checking: " + "; ".join(result.fixed)]
    return "\n".join(lines) + "\n"


def print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    colours = {"pass": "green", "fail": "red", "warn": "yellow"}
    table = Table(title=f"sprint validate {result.slug}", title_justify="left")
    table.add_column("item", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("reason", overflow="fold")
    for item in result.items:
        reason = Text(item.reason)
        for detail in item.details:
            reason.append(f"\n  {detail}", style="dim")
        table.add_row(item.name, Text(item.status, style=colours[item.status]), reason)
    console = Console(highlight=False)
    for fix in result.fixed:
        console.print(Text(f"fixed: {fix}"))
    console.print(table)
    console.print(Text(f"verdict: {result.verdict}", style=colours[result.verdict]))
