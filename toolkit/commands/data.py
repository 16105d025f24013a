"""Manage the local data mirror that runs read their datasets from.

Runs resolve keras.utils.get_file, the keras.datasets loaders and URL reads
(pd.read_csv(URL), urllib) against the mirror: a folder with index.json mapping each
origin URL to a file and its SHA-256. Files are served only while they still match
that hash. The mirror is --data-dir DIR, else $SPRINT_DATA_DIR, else <root>/data-mirror.
With a mirror configured (or SPRINT_OFFLINE=1) runs never download: a URL that is not
staged stops the run before training, naming the URL.

Examples:
  sprint data add https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz ~/mnist.npz
  sprint data add https://example.org/table.csv        # no FILE: download it now (network)
  sprint data add URL FILE --force                       # replace a staged file
  sprint data list
  sprint data verify                                     # re-hash everything; exit 1 on a mismatch
  sprint data remove https://example.org/table.csv
  SPRINT_DATA_DIR=/mnt/mirror sprint data list

Exit codes: 0 ok, 1 verify found missing or altered files, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        help="mirror folder (default: $SPRINT_DATA_DIR, <root>/data-mirror)",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="stage a file under its origin URL")
    add.add_argument("url", help="the origin URL exactly as the script uses it")
    add.add_argument(
        "file", nargs="?", type=Path, help="the downloaded file (omit to download the URL now)"
    )
    add.add_argument("--force", action="store_true", help="replace different staged content")
    add.add_argument(
        "--copy",
        action="store_true",
        help="copy the file (default: hard link when on the same disk)",
    )
    listing = actions.add_parser("list", parents=[common], help="show the staged files")
    listing.add_argument("--json", action="store_true", help="print JSON")
    verify = actions.add_parser(
        "verify", parents=[common], help="re-hash every staged file against the index"
    )
    verify.add_argument("--json", action="store_true", help="print JSON")
    remove = actions.add_parser("remove", parents=[common], help="unstage a URL")
    remove.add_argument("url")


def run(args: argparse.Namespace) -> int:
    from toolkit.data import Mirror

    mirror = Mirror.locate(args.data_dir)
    if args.action == "add":
        if args.file is None:
            entry = mirror.download(args.url, force=args.force)
        else:
            entry = mirror.add(args.url, args.file, force=args.force, link=not args.copy)
        print(
            f"staged {entry.url}\n  -> {mirror.root / entry.file} "
            f"({_size(entry.size)}, sha256 {entry.sha256})"
        )
        return 0
    if args.action == "remove":
        entry = mirror.remove(args.url)
        print(f"removed {entry.url} ({entry.file})")
        return 0
    mirror.require_exists()
    if args.action == "list":
        return _list(mirror, as_json=args.json)
    return _verify(mirror, as_json=args.json)


def _list(mirror, *, as_json: bool) -> int:
    entries = mirror.entries()
    if as_json:
        print(
            json.dumps(
                {
                    "mirror": str(mirror.root),
                    "files": {
                        url: {"file": e.file, "sha256": e.sha256, "size": e.size}
                        for url, e in entries.items()
                    },
                },
                indent=2,
            )
        )
        return 0
    if not entries:
        print(f"The mirror {mirror.root} is empty: stage files with `sprint data add URL FILE`.")
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"data mirror {mirror.root}")
    for column in ("origin URL", "file", "size", "sha256"):
        table.add_column(column, overflow="fold")
    for url, entry in entries.items():
        table.add_row(url, entry.file, _size(entry.size), entry.sha256[:16] + "…")
    console.print(table)
    return 0


def _verify(mirror, *, as_json: bool) -> int:
    problems = mirror.verify()
    total = len(mirror.entries())
    if as_json:
        print(
            json.dumps(
                {
                    "mirror": str(mirror.root),
                    "checked": total,
                    "problems": [{"url": e.url, "file": e.file, "problem": p} for e, p in problems],
                },
                indent=2,
            )
        )
    else:
        for entry, problem in problems:
            print(f"BAD {entry.url} ({entry.file}): {problem}")
        print(
            f"{total - len(problems)}/{total} staged file(s) match the index"
            + (
                ""
                if not problems
                else "; re-stage the bad ones with `sprint data add URL FILE --force`"
            )
        )
    return 1 if problems else 0


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
