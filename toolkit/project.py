"""Where the sprint repository lives: the folder holding ``reproductions/``."""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.manifest import reproduction_dir


def project_root(start: Path | None = None) -> Path:
    """The sprint root: ``$SPRINT_ROOT``, else the nearest folder upwards with ``reproductions/``.

    Falls back to the current directory, so ``sprint new`` works in an empty folder.
    """
    if env := os.environ.get("SPRINT_ROOT"):
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "reproductions").is_dir():
            return folder
    return here


def reproduction_path(slug: str, root: Path | None = None) -> Path:
    """``<root>/reproductions/<slug>``, the slug validated."""
    return reproduction_dir(root or project_root(), slug)


def list_slugs(root: Path | None = None) -> list[str]:
    """Slugs of every folder under ``reproductions/`` that holds a manifest, sorted."""
    base = (root or project_root()) / "reproductions"
    if not base.is_dir():
        return []
    return sorted(p.parent.name for p in base.glob("*/reproduction.toml"))


def existing_reproduction(slug: str, root: Path | None = None) -> Path:
    """``<root>/reproductions/<slug>`` when it holds a manifest; else a :class:`UsageError`
    that names the folder and the reproductions there are."""
    from toolkit.errors import UsageError
    from toolkit.manifest import MANIFEST_NAME

    root = root or project_root()
    folder = reproduction_path(slug, root)
    if (folder / MANIFEST_NAME).is_file():
        return folder
    known = list_slugs(root)
    raise UsageError(
        f"No reproduction named {slug!r}",
        where=str(root / "reproductions"),
        fix=f"use one of: {', '.join(known)}"
        if known
        else "scaffold one with `sprint new EXAMPLE`",
    )
