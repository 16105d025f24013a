"""Arguments and loading shared by the verbs that read an example (``new``, ``show``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.example import Example


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """SOURCE plus the options that say where to find it and its rendered page."""
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="a tutobook .py, a notebook .ipynb, or CATEGORY/NAME inside a keras-io checkout",
    )
    parser.add_argument(
        "--keras-io",
        metavar="DIR",
        type=Path,
        help="keras-io checkout used to resolve CATEGORY/NAME (default: $KERAS_IO_DIR)",
    )
    parser.add_argument(
        "--rendered",
        metavar="MD",
        type=Path,
        help="the example's rendered Markdown with printed outputs (found automatically in a "
        "keras-io checkout)",
    )


def load_from_args(args: argparse.Namespace) -> Example:
    """Load the example named on the command line."""
    from toolkit.example import load_example

    return load_example(args.source, keras_io_dir=args.keras_io, rendered_md=args.rendered)
