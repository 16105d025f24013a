"""Scaffold reproductions/<slug>/ from a Keras.io example.

Writes reproduction.toml (the manifest), train.py (the example as a plain script) and a
README.md for the contributor. Refuses to touch an existing folder unless --force; even then,
files you edited are backed up to reproductions/<slug>/.backup/<timestamp>/ first.

Examples:
  sprint new examples/mnist_convnet.py
  sprint new vision/mnist_convnet --keras-io ~/src/keras-io --slug mnist_convnet
  sprint new old_example.py --fix          # also apply mechanical API fixes to train.py
"""

from __future__ import annotations

import argparse

from toolkit.commands._example_args import add_source_arguments, load_from_args


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--slug", help="folder name under reproductions/ (default: file name)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="regenerate an existing folder (edited files are backed up)",
    )
    parser.add_argument(
        "--fix", action="store_true", help="apply mechanical fixes for removed APIs to train.py"
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
    print_example(example, unresolved=result.unresolved)
    print(f"\nWrote {result.folder}: {', '.join(result.written)}")
    if result.backed_up:
        print(f"Backed up your edited files ({', '.join(result.backed_up)}) to {result.backup_dir}")
    slug = result.manifest.slug
    print(f"Next: review {result.folder}/README.md, then `sprint run {slug} --smoke`.")
    return 0
