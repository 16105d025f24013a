"""Compare each reproduction's results across Keras backends and write BACKENDS.md.

For every reproduction with complete, current full sets on two or more backends, the newest
set of each backend is compared with the first backend's, metric by metric: two one-sided
Welch t-tests (TOST) that the means differ by less than the metric's tolerance, at the
metric's alpha. "equivalent" means the test shows it; "not shown" means too few or too
spread seeds (or a real difference): it never means the backends agree.

examples:
  sprint backends                         every reproduction -> BACKENDS.md at the root
  sprint backends antirectifier --json    one reproduction, machine-readable, no file
  sprint backends --output build/BACKENDS.md

exit codes: 0 written, 2 bad input (an unknown slug, a malformed manifest)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from toolkit.project import existing_reproduction, list_slugs, project_root

COMMAND = "sprint backends"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "slugs", nargs="*", metavar="SLUG", help="reproductions to compare (default: all)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the Markdown (default: BACKENDS.md at the sprint root)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the comparisons as JSON and write no file"
    )


def run(args: argparse.Namespace) -> int:
    from toolkit.backends import compare_backends, render_backends_markdown
    from toolkit.fsutil import atomic_write_text

    root = project_root()
    folders = [existing_reproduction(slug, root) for slug in args.slugs] or [
        root / "reproductions" / slug for slug in list_slugs(root)
    ]
    comparisons = [compare_backends(folder) for folder in folders]
    if args.json:
        print(json.dumps([c.to_dict() for c in comparisons], indent=2))
        return 0
    command = " ".join([COMMAND, *args.slugs])
    output = args.output or root / "BACKENDS.md"
    atomic_write_text(output, render_backends_markdown(comparisons, command))
    for comparison in comparisons:
        for first, second, m in comparison.comparisons:
            print(
                f"{comparison.slug}: {m.metric.key} {first} vs {second}: {m.outcome} "
                f"(p {m.p_value:.3f}, margin {m.margin:.4g})"
            )
    print(f"Wrote {output}")
    return 0
