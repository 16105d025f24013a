"""Where the Jinja2 templates live, and the environment every renderer starts from.

Templates sit in ``templates/`` at the repository root (the layout the design fixes); a wheel
installs them inside the package as ``toolkit/templates/`` (see ``pyproject.toml``). A sprint
repository may override any of them with a file of the same name under its own
``templates/`` (the project root, see :func:`toolkit.project.project_root`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
# An installed wheel first (its copy is the one that matches the code), then the source tree.
TEMPLATES_DIR = next(
    (p for p in (_PACKAGE / "templates", _PACKAGE.parent / "templates") if p.is_dir()),
    _PACKAGE.parent / "templates",
)


def template_dirs(subfolder: str = "") -> list[Path]:
    """The folders searched for templates, the project's own first."""
    from toolkit.project import project_root

    candidates = (project_root() / "templates" / subfolder, TEMPLATES_DIR / subfolder)
    return [p for p in dict.fromkeys(c.resolve() for c in candidates) if p.is_dir()]


def environment(subfolder: str = "", *, autoescape: bool = False) -> Any:
    """A strict Jinja2 environment over :func:`template_dirs` (``autoescape`` for HTML)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs(subfolder)]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=autoescape,
    )


def template_path(subfolder: str, name: str) -> Path:
    """The file a template name resolves to (for static assets copied as they are)."""
    for folder in template_dirs(subfolder):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"template {subfolder}/{name} not found in {TEMPLATES_DIR}")
