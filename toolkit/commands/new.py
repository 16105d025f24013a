"""Scaffold reproductions/<slug>/ from a Keras.io example.

Writes reproduction.toml (the manifest), train.py (the example as a plain script) and a
README.md for the contributor. Refuses to touch an existing folder unless --force; even then,
files you edited are backed up to reproductions/<slug>/.backup/<timestamp>/ first.

Uses of APIs that today's libraries removed are fixed in train.py where the fix is a rename
(`Adam(lr=...)` -> `Adam(learning_rate=...)`, `np.bool` -> `bool`,
`layers.experimental.preprocessing.X` -> `layers.X`, ...). Each fix is listed (file, line,
before, after) and recorded in .scaffold.json; --no-fix keeps the example's code as written.
Uses that need a person are listed as findings.

Examples:
  sprint new examples/mnist_convnet.py
  sprint new vision/mnist_convnet --keras-io ~/src/keras-io --slug mnist_convnet
  sprint new old_example.py --no-fix       # keep removed APIs as the example wrote them
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from toolkit.commands._example_args import add_source_arguments, load_from_args

if TYPE_CHECKING:
    from toolkit.scaffold import AppliedFix


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--slug", help="folder name under reproductions/ (default: file name)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="regenerate an existing folder (edited files are backed up)",
    )
    parser.add_argument(
        "--fix",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="rename removed APIs in train.py (the default); --no-fix keeps the code as written",
    )


def run(args: argparse.Namespace) -> int:
    from toolkit.commands._example_report import print_example
    from toolkit.project import project_root
    from toolkit.scaffold import scaffold

    example = load_from_args(args)
    result = scaffold(
        example,
        project_root(),
        slug=args.slug,
        force=args.force,
        fix=args.fix,
        source_label=args.source,
    )
    print_example(result.example or example, unresolved=result.unresolved)
    _print_fixes(result.fixes, fixing=args.fix)
    print(f"\nWrote {result.folder}: {', '.join(result.written)}")
    if result.backed_up:
        print(f"Backed up your edited files ({', '.join(result.backed_up)}) to {result.backup_dir}")
    slug = result.manifest.slug
    print(f"Next: review {result.folder}/README.md, then `sprint run {slug} --smoke`.")
    return 0


def _print_fixes(fixes: list[AppliedFix], *, fixing: bool) -> None:
    """Each mechanical fix written into train.py: file:line, rule, before -> after."""
    if not fixing:
        print("\nRemoved APIs kept as written (--no-fix); the findings above list them.")
        return
    if not fixes:
        return
    print(f"\nFixed {len(fixes)} use(s) of removed APIs (--no-fix keeps the code as written):")
    for fix in fixes:
        print(f"  {fix.file}:{fix.line}  [{fix.rule}]  {fix.before.strip()} -> {fix.after.strip()}")
