"""A wheel carries what the toolkit reads at run time: every template, in a declared package.

(The editable install used for development reads templates/ in place; a wheel has only what
pyproject.toml declares, so a template the declaration misses would break `sprint card` or
`sprint space` only for people who installed the package.)
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_template_is_declared_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    base = next(name for name, folder in config["package-dir"].items() if folder == "templates")
    missing = []
    for path in sorted((REPO / "templates").rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(REPO / "templates")
        package = ".".join([base, *relative.parent.parts])
        globs = config["package-data"].get(package, [])
        if package not in config["packages"] or not any(
            fnmatch.fnmatch(path.name, glob) for glob in globs
        ):
            missing.append(f"{relative} (package {package}, globs {globs})")
    assert missing == [], "add these to [tool.setuptools] in pyproject.toml"


def test_every_toolkit_package_is_declared() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = setuptools["packages"]
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in REPO.glob("toolkit/**/__init__.py")
    }
    assert found <= set(packages), f"undeclared: {sorted(found - set(packages))}"
