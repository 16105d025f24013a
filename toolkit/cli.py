"""The ``sprint`` command line.

Each verb lives in ``toolkit/commands/<verb>.py`` with two functions:
``configure(parser)`` adds its arguments and ``run(args) -> int`` does the work.
Only the chosen verb's module is imported, so verbs that do not train start fast
(no TensorFlow, JAX or torch import).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from toolkit import __version__
from toolkit.errors import FileSystemError, SprintError

# verb -> one-line summary, in the order of the flow.
VERBS: dict[str, str] = {
    "new": "scaffold reproductions/<slug>/ from a Keras.io example",
    "show": "parse an example and print what was inferred (writes nothing)",
    "data": "manage the local data mirror (add, list, verify)",
    "run": "train a reproduction under the capturing harness",
    "check": "compare reported metrics with the latest run",
    "card": "render the model card README.md",
    "push": "upload model, card and artifacts to the Hugging Face Hub",
    "space": "generate (and push or serve) the Gradio Space",
    "validate": "run the reviewers' checklist on one reproduction",
    "status": "the state of every reproduction (terminal table or static HTML)",
    "backends": "compare results across Keras backends (equivalence tests) -> BACKENDS.md",
    "archive": "pack runs made on another machine (a GPU) and import them here, verified",
}

EPILOG = """\
The flow:  sprint new EXAMPLE -> sprint run SLUG -> sprint check SLUG -> sprint card SLUG
           -> sprint push SLUG -> sprint space SLUG      reviewers: sprint validate / status

Exit codes: 0 success, 1 a check or validation failed, 2 bad usage or input.
Run `sprint VERB --help` for a verb's options and examples."""


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; with ``verb``, that verb's sub-parser is configured too."""
    parser = argparse.ArgumentParser(
        prog="sprint",
        description="Reproduce Keras.io examples, check them, publish them and demo them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"keras-sprint {__version__}")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, summary in VERBS.items():
        if name != verb:
            subparsers.add_parser(name, help=summary, add_help=False)
            continue
        module = importlib.import_module(f"toolkit.commands.{name}")
        sub = subparsers.add_parser(
            name,
            help=summary,
            description=(module.__doc__ or summary).strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sprint`` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    verb = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(verb if verb in VERBS else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help exits 0, bad usage exits 2
        return int(exc.code or 0)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except SprintError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # permissions, a full disk: said plainly, not as a traceback
        error = FileSystemError.from_os_error(exc)
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
