"""Which reproductions a change touched, from ``git diff`` against a base ref.

A reproduction changed when any file under ``reproductions/<slug>/`` differs between the
merge base of ``REF`` and ``HEAD`` and the working tree: commits on the branch, staged and
unstaged edits, and new untracked files. Deleted reproductions (no manifest left) are not
listed, since there is nothing to run.

Used by ``sprint check --changed --base REF`` and by the GPU workflow's detect job, which
runs it on a bare checkout before anything is installed (standard library only)::

    python -m toolkit.changed --base origin/main --json     # ["mnist_convnet"]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from toolkit.errors import SprintError, UsageError
from toolkit.manifest import MANIFEST_NAME, SLUG_RE
from toolkit.project import project_root


def changed_paths(root: Path, base: str) -> list[str]:
    """Paths, relative to ``root``, that differ from the merge base of ``base`` and HEAD."""
    merge_base = _git(root, "merge-base", base, "HEAD").strip()
    diffed = _git(root, "diff", "-z", "--name-only", "--no-renames", "--relative", merge_base, "--")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    return sorted({p for p in (diffed + untracked).split("\0") if p})


def slugs_in(paths: Iterable[str], root: Path) -> list[str]:
    """The reproductions, still present under ``root``, that ``paths`` fall in, sorted."""
    slugs = set()
    for path in paths:
        parts = PurePosixPath(path).parts
        if len(parts) >= 3 and parts[0] == "reproductions" and SLUG_RE.match(parts[1]):
            slugs.add(parts[1])
    return sorted(s for s in slugs if (Path(root) / "reproductions" / s / MANIFEST_NAME).is_file())


def changed_slugs(base: str, root: Path | None = None) -> list[str]:
    """The reproductions whose files changed since ``base`` (see the module docstring)."""
    root = Path(root or project_root())
    return slugs_in(changed_paths(root, base), root)


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise UsageError(
            "git is not installed",
            where="--changed",
            fix="install git, or name the reproductions to check",
        ) from exc
    if done.returncode != 0:
        raise UsageError(
            f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}",
            where=f"the git repository at {root}",
            fix="check that --base names a ref this clone has (in CI, check out with "
            "fetch-depth: 0, or run `git fetch origin main`) and that HEAD has a commit",
        )
    return done.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.changed",
        description="List the reproductions changed since a base ref.",
    )
    parser.add_argument("--base", required=True, help="the ref to compare with (origin/main)")
    parser.add_argument("--root", type=Path, help="the sprint root (default: found as usual)")
    parser.add_argument("--json", action="store_true", help="print a JSON list on one line")
    args = parser.parse_args(argv)
    try:
        slugs = changed_slugs(args.base, args.root)
    except SprintError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps(slugs))
    elif slugs:
        print("\n".join(slugs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
