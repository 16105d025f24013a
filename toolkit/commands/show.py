"""Parse a Keras.io example and print what was inferred; writes nothing.

Examples:
  sprint show examples/mnist_convnet.py
  sprint show vision/mnist_convnet --keras-io ~/src/keras-io
  sprint show notebook.ipynb --json | jq .metrics
"""

from __future__ import annotations

import argparse
import json
import sys

from toolkit.commands._example_args import add_source_arguments, load_from_args


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the parse as JSON")


def run(args: argparse.Namespace) -> int:
    example = load_from_args(args)
    if args.json:
        json.dump(example.to_dict(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    from toolkit.commands._example_report import print_example

    print_example(example)
    return 0
