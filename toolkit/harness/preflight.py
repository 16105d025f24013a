"""Pre-flight: before a run starts, every package the script imports must be importable.

A training script that dies on ``ModuleNotFoundError`` after minutes of data loading, or
after its first epoch, wastes the contributor's time. :func:`missing_imports` reads the
script (and the local modules it imports) without running it and lists the imports that
would fail; imports guarded by ``try: ... except ImportError`` are optional and skipped.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import RunError

__all__ = ["MissingImport", "check_imports", "install_requirements", "missing_imports", "pip_name"]

# Import names whose PyPI distribution is named otherwise.
PIP_NAMES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "skimage": "scikit-image",
    "tensorflow_datasets": "tensorflow-datasets",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_text": "tensorflow-text",
    "keras_hub": "keras-hub",
    "keras_cv": "keras-cv",
    "keras_nlp": "keras-nlp",
    "gym": "gym",
    "gymnasium": "gymnasium",
    "bs4": "beautifulsoup4",
    "Bio": "biopython",
    "dateutil": "python-dateutil",
    "google.protobuf": "protobuf",
}
# Calls that import a package only when they run: (function name) -> the module they need.
_IMPLICIT_IMPORTS = {"plot_model": "pydot"}  # keras.utils.plot_model draws through pydot
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


@dataclass(frozen=True)
class MissingImport:
    module: str
    file: str
    line: int

    @property
    def package(self) -> str:
        return pip_name(self.module)


def pip_name(module: str) -> str:
    """The PyPI distribution that provides the top-level ``module``."""
    top = module.split(".")[0]
    return PIP_NAMES.get(module, PIP_NAMES.get(top, top.replace("_", "-")))


def _guarded(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside ``try`` blocks that handle an import failure."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        names = set()
        for handler in node.handlers:
            if handler.type is None:
                names.add("BaseException")
            for item in ast.walk(handler.type) if handler.type else ():
                if isinstance(item, ast.Name):
                    names.add(item.id)
        if names & _IMPORT_ERRORS:
            for child in node.body:
                lines |= {n.lineno for n in ast.walk(child) if hasattr(n, "lineno")}
    return lines


def _imports(path: Path) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return []  # the run reports a script that does not parse
    guarded = _guarded(tree)
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in guarded:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Call) and (module := _IMPLICIT_IMPORTS.get(_callee(node))):
            found.append((module, node.lineno))
    return found


def _callee(call: ast.Call) -> str:
    """``plot_model`` for ``keras.utils.plot_model(...)`` and ``plot_model(...)``."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _resolves(module: str, folder: Path) -> bool:
    top = module.split(".")[0]
    if (folder / f"{top}.py").is_file() or (folder / top / "__init__.py").is_file():
        return True
    if top == "__future__" or top in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def missing_imports(script: Path, folder: Path | None = None) -> list[MissingImport]:
    """The imports of ``script`` (and of the local modules it imports) that would fail."""
    folder = Path(folder or Path(script).parent)
    pending, seen, missing = [Path(script)], set(), []
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for module, line in _imports(path):
            top = module.split(".")[0]
            local = folder / f"{top}.py"
            if local.is_file():
                pending.append(local)
            elif not _resolves(module, folder):
                missing.append(MissingImport(top, path.name, line))
    unique = {m.module: m for m in reversed(missing)}
    return sorted(unique.values(), key=lambda m: (m.file, m.line))


def check_imports(script: Path, folder: Path, requirements: Sequence[str] = ()) -> None:
    """Raise :class:`RunError` naming every missing package and the command to install it."""
    missing = missing_imports(script, folder)
    if not missing:
        return
    packages = list(dict.fromkeys([*requirements, *(m.package for m in missing)]))
    listed = "; ".join(f"{m.module} ({m.file}:{m.line})" for m in missing)
    raise RunError(
        f"The script imports {len(missing)} package(s) this environment lacks: {listed}",
        where=f"{folder / script.name}, before training",
        fix=f"install them: `{Path(sys.executable).name} -m pip install "
        f"{' '.join(packages)}` (or rerun with --install-requirements)"
        + (
            "; the manifest's [run] requirements list " + ", ".join(requirements)
            if requirements
            else "; add them to [run] requirements in reproduction.toml"
        ),
    )


def install_requirements(packages: Sequence[str]) -> None:
    """``pip install`` ``packages`` into this interpreter's environment."""
    if not packages:
        return
    done = subprocess.run([sys.executable, "-m", "pip", "install", *packages], check=False)
    if done.returncode != 0:
        raise RunError(
            f"pip could not install {' '.join(packages)}",
            where="--install-requirements",
            fix="read pip's message above; install them by hand",
        )
