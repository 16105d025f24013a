"""Render the model card, reproductions/<slug>/README.md, from templates/model_card.md.j2.

The card carries Hub metadata (library_name keras, license, tags, datasets, metrics,
pipeline_tag, and a model-index with the Keras.io figure and this reproduction's measured
value for every metric) and a body: the example and its authors, intended uses and
limits, training data and procedure, reported vs reproduced results with the check's
verdict, the training curves and how to load the model. Every number comes from
reproduction.toml or a run's artifacts. A card without a passing check says so at the top.

Text between `<!-- sprint:free NAME -->` and `<!-- /sprint:free -->` is yours: it is kept
on every re-render. Edits elsewhere are detected and never overwritten without --force.

examples:
  sprint card mnist_convnet                            write README.md
  sprint card mnist_convnet --stdout                   print it, write nothing
  sprint card mnist_convnet --repo-id you/mnist-convnet
  sprint card mnist_convnet --force                    regenerate over hand edits (backup kept)

exit codes: 0 written (or unchanged), 2 bad input (unknown slug, hand-edited card)
"""

from __future__ import annotations

import argparse
import sys

from toolkit.project import existing_reproduction


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "slug", metavar="SLUG", help="the reproduction (its folder name under reproductions/)"
    )
    parser.add_argument(
        "--repo-id", metavar="ID", help="Hub repository the card links to (default: [hub] repo_id)"
    )
    parser.add_argument(
        "--run", metavar="ID", help="describe this run or set (default: the newest complete set)"
    )
    parser.add_argument("--stdout", action="store_true", help="print the card, write nothing")
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite edits made outside the free-text sections "
        "(the old README.md is saved under .backup/)",
    )


def run(args: argparse.Namespace) -> int:
    from toolkit.card import prepare_card, save_card
    from toolkit.hub import validate_repo_id

    repro_dir = existing_reproduction(args.slug)
    if args.repo_id:
        validate_repo_id(args.repo_id)
    # --stdout writes nothing, so it never needs to protect an edited README.md
    card = prepare_card(
        repro_dir, force=args.force or args.stdout, repo_id=args.repo_id, run=args.run
    )
    if args.stdout:
        sys.stdout.write(card.text)
        return 0
    written = save_card(repro_dir, card)
    state = "written" if written.changed else "unchanged"
    print(f"{written.path}: {state} (check: {card.verdict})")
    if written.backup:
        print(f"the hand-edited card was saved as {written.backup}", file=sys.stderr)
    if card.facts.banner:
        print(f"warning: {card.facts.banner}", file=sys.stderr)
    return 0
