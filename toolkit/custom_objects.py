"""The custom Keras objects a reproduction's saved model needs, as one standalone module.

A ``model.keras`` holding a custom layer, model, metric or loss names it by its registered
name (``sprint>Antirectifier``): loading it anywhere but inside ``train.py`` needs the class.
A Space installs only its ``requirements.txt`` and a Hub visitor has only the model
repository, so both get ``custom_objects.py``:

- the reproduction's own ``custom_objects.py`` when the contributor wrote one (``train.py``
  then imports its classes from it), used as it is;
- else the definitions extracted from ``train.py``: every top-level Keras subclass (layer,
  model, metric, loss...) and everything registered with
  ``keras.saving.register_keras_serializable``, with what they use at module level
  (imports, constants, helper functions and classes), in source order.

Either way the module defines ``CUSTOM_OBJECTS`` (class name -> class), for
``keras.saving.load_model(..., custom_objects=CUSTOM_OBJECTS)``. Extraction refuses, with
the reason, a definition that needs a module-level value computed by a call (a data set, a
vocabulary read from disk): moving that code into ``custom_objects.py`` by hand is the fix.

Example::

    found = find_custom_objects(Path("reproductions/antirectifier"))
    model = keras.saving.load_model(path, custom_objects=found.load())
"""

from __future__ import annotations

import ast
import builtins
import copy
import symtable
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from toolkit.errors import ManifestError

FILE_NAME = "custom_objects.py"
MODULE_NAME = "custom_objects"
EXPORT_NAME = "CUSTOM_OBJECTS"
SCRIPT_NAME = "train.py"
# Base classes (by their last name) that make a class a serialisable Keras object.
KERAS_BASES = frozenset(
    {
        "Layer",
        "Model",
        "Sequential",
        "Functional",
        "Metric",
        "Mean",
        "MeanMetricWrapper",
        "Loss",
        "LossFunctionWrapper",
        "Constraint",
        "Regularizer",
        "Initializer",
        "LearningRateSchedule",
        "Optimizer",
    }
)
REGISTER = "register_keras_serializable"
_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}


@dataclass(frozen=True)
class CustomObjects:
    """A standalone module that defines a reproduction's custom Keras objects."""

    source: str  # the module's text, ending in the CUSTOM_OBJECTS dict
    names: tuple[str, ...]  # the classes and functions CUSTOM_OBJECTS holds
    origin: str  # where it comes from: "custom_objects.py" or "train.py lines ..."
    imports: tuple[str, ...]  # top-level modules it imports, the standard library left out

    def load(self) -> dict[str, Any]:
        """Execute the module (registering its classes with Keras); its ``CUSTOM_OBJECTS``."""
        module = types.ModuleType(MODULE_NAME)
        module.__file__ = FILE_NAME
        exec(compile(self.source, FILE_NAME, "exec"), module.__dict__)  # our own code
        return dict(module.__dict__[EXPORT_NAME])


def find_custom_objects(repro_dir: Path) -> CustomObjects | None:
    """The custom objects of the reproduction in ``repro_dir``; ``None`` when it has none."""
    repro_dir = Path(repro_dir)
    own = repro_dir / FILE_NAME
    if own.is_file():
        return _contributor_module(own)
    script = repro_dir / SCRIPT_NAME
    if not script.is_file():
        return None
    return extract_custom_objects(script.read_text(encoding="utf-8"), where=str(script))


def extract_custom_objects(script: str, *, where: str = SCRIPT_NAME) -> CustomObjects | None:
    """The custom Keras objects defined in ``script`` as a module; ``None`` when there are none.

    Raises :class:`ManifestError` when the script does not parse, or a definition depends
    on something that cannot be lifted out of it.
    """
    tree = _parse(script, where)
    future = _future_annotations(tree)
    roots = _roots(tree)
    if not roots:
        return None
    binders = _binders(tree)
    table = symtable.symtable(script, where, "exec")
    keep: set[int] = set()
    used: set[str] = set()  # the module-level names the kept code reads
    pending = list(roots)
    while pending:
        index = pending.pop()
        if index in keep:
            continue
        keep.add(index)
        statement = tree.body[index]
        _refuse_computed(statement, where)
        for name in _free_names(statement, table, future):
            if name in binders:
                used.add(name)
                pending.extend(binders[name])
            elif name not in _BUILTINS:
                raise ManifestError(
                    f"The custom Keras object code at line {statement.lineno} uses {name!r}, "
                    "which the script does not define with a plain top-level statement",
                    where=f"{where}, line {statement.lineno}",
                    fix=f"define {name!r} at the top level of the script, or write "
                    f"{FILE_NAME} by hand next to it (with a {EXPORT_NAME} dict) and import "
                    "the classes from it in train.py",
                )
    names = tuple(_bound(tree.body[i])[0] for i in sorted(roots))
    kept = [tree.body[i] for i in sorted(keep)]
    source = _module_text(script, kept, names, used, where, future)
    return CustomObjects(source, names, _lines_label(where, kept), _third_party(kept))


# -- what the extraction starts from ------------------------------------------------------------


def _parse(text: str, where: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise ManifestError(
            f"The custom Keras objects cannot be read: {exc.msg}",
            where=f"{where}, line {exc.lineno}",
            fix="fix the syntax error in the script",
        ) from exc


def _future_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(s, ast.ImportFrom)
        and s.module == "__future__"
        and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    )


def _last_name(node: ast.expr) -> str:
    """``Layer`` for ``keras.layers.Layer``; the callee's name for a call; else ``""``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _registered(node: ast.ClassDef | ast.FunctionDef) -> bool:
    return any(_last_name(d) == REGISTER for d in node.decorator_list)


def _roots(tree: ast.Module) -> set[int]:
    """Indices of the top-level custom Keras objects (subclasses of custom ones included)."""
    roots: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for index, node in enumerate(tree.body):
            if index in roots.values():
                continue
            if (
                isinstance(node, ast.ClassDef)
                and (
                    _registered(node)
                    or any(
                        _last_name(b) in KERAS_BASES or _last_name(b) in roots for b in node.bases
                    )
                )
                or isinstance(node, ast.FunctionDef)
                and _registered(node)
            ):
                roots[node.name] = index
                changed = True
    return set(roots.values())


# -- what each statement needs ----------------------------------------------------------------


def _bound(statement: ast.stmt) -> list[str]:
    """The module-level names a top-level statement binds."""
    if _is_definition(statement):
        return [statement.name]  # type: ignore[attr-defined]
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [_alias_name(statement, a) for a in statement.names if a.name != "*"]
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    names = []
    for target in targets:
        elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
        names += [e.id for e in elements if isinstance(e, ast.Name)]
    return names


def _binders(tree: ast.Module) -> dict[str, list[int]]:
    """Name -> indices of the top-level statements that bind it (``__future__`` left out)."""
    binders: dict[str, list[int]] = {}
    for index, statement in enumerate(tree.body):
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            continue
        for name in _bound(statement):
            binders.setdefault(name, []).append(index)
    return binders


def _loaded(nodes: list[ast.AST | None]) -> set[str]:
    return {
        n.id
        for node in nodes
        if node is not None
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _free_names(statement: ast.stmt, table: symtable.SymbolTable, future: bool) -> set[str]:
    """Module-level names a statement reads: in its header (decorators, bases, defaults,
    annotations unless postponed) and, through Python's own symbol tables, in its body."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return set()
    if not _is_definition(statement):
        return _loaded([statement])
    header: list[ast.AST | None] = [*statement.decorator_list]
    if isinstance(statement, ast.ClassDef):
        header += [*statement.bases, *(k.value for k in statement.keywords)]
    else:
        args = statement.args
        header += [*args.defaults, *args.kw_defaults]
        if not future:
            header += [
                a.annotation
                for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
                if a is not None
            ]
            header.append(statement.returns)
    scope = next(
        child
        for child in table.get_children()
        if child.get_name() == statement.name and child.get_lineno() == statement.lineno
    )
    return _loaded(header) | _scope_globals(scope)


def _scope_globals(scope: symtable.SymbolTable) -> set[str]:
    names = {s.get_name() for s in scope.get_symbols() if s.is_referenced() and s.is_global()}
    for child in scope.get_children():
        names |= _scope_globals(child)
    return names


def _refuse_computed(statement: ast.stmt, where: str) -> None:
    """A module-level value the objects need must not run code (load data, read files)."""
    if not isinstance(statement, ast.Assign | ast.AnnAssign):
        return
    call = next((n for n in ast.walk(statement) if isinstance(n, ast.Call)), None)
    if call is None:
        return
    name = ", ".join(_bound(statement)) or "a value"
    raise ManifestError(
        f"The custom Keras objects need {name}, which the script computes with a call at "
        f"line {statement.lineno}: it cannot be lifted out without running that code",
        where=f"{where}, line {statement.lineno}",
        fix=f"make {name} a literal, or write {FILE_NAME} by hand next to the script (with a "
        f"{EXPORT_NAME} dict) and import the classes from it in train.py",
    )


# -- the module ----------------------------------------------------------------------------------


def _module_text(
    script: str,
    kept: list[ast.stmt],
    names: tuple[str, ...],
    used: set[str],
    where: str,
    future: bool,
) -> str:
    lines = script.splitlines()
    imports = [s for s in kept if isinstance(s, ast.Import | ast.ImportFrom)]
    others = [s for s in kept if s not in imports]
    sections: dict[int, list[str]] = {}
    for statement in imports:  # isort's sections; the script's order within them
        trimmed = copy.copy(statement)
        trimmed.names = [a for a in statement.names if _alias_name(statement, a) in used]
        sections.setdefault(_import_section(statement), []).append(ast.unparse(trimmed))
    summary = (
        f"Custom Keras objects of this model: {', '.join(names)}. Extracted by "
        f"keras-sprint from {_lines_label(where, kept)}. keras.saving.load_model needs "
        f"them to rebuild the model: import this module first, or pass "
        f"custom_objects={EXPORT_NAME}."
    )
    blocks = [
        '"""' + textwrap.fill(summary, 92, break_long_words=False, break_on_hyphens=False) + '\n"""'
    ]
    if future:
        blocks.append("from __future__ import annotations")
    blocks += ["\n".join(sections[key]) for key in sorted(sections)]
    text = "\n\n".join(blocks)
    previous: ast.stmt | None = None
    for other in others:  # constants together, definitions two blank lines apart
        if previous is None:
            gap = "\n\n\n" if _is_definition(other) else "\n\n"
        else:
            gap = "\n\n\n" if _is_definition(previous) or _is_definition(other) else "\n"
        text += gap + "\n".join(lines[_first_line(other) - 1 : other.end_lineno])
        previous = other
    entries = [f'"{name}": {name}' for name in names]
    export = f"{EXPORT_NAME} = {{{', '.join(entries)}}}"
    if len(export) > 100:
        export = f"{EXPORT_NAME} = {{\n" + "".join(f"    {e},\n" for e in entries) + "}"
    return text + f"\n\n\n{export}\n"


def _is_definition(
    statement: ast.stmt,
) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    return isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _alias_name(statement: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    """The name an imported alias binds: ``np`` for ``import numpy as np``."""
    if alias.asname:
        return alias.asname
    return alias.name.split(".")[0] if isinstance(statement, ast.Import) else alias.name


def _import_section(statement: ast.Import | ast.ImportFrom) -> int:
    """isort's order: standard library (0), third party (1), local (2)."""
    if isinstance(statement, ast.ImportFrom) and statement.level:
        return 2
    module = (
        statement.module if isinstance(statement, ast.ImportFrom) else statement.names[0].name
    ) or ""
    return 0 if module.split(".")[0] in sys.stdlib_module_names else 1


def _third_party(kept: list[ast.stmt]) -> tuple[str, ...]:
    modules = []
    for statement in kept:
        if isinstance(statement, ast.Import):
            modules += [a.name.split(".")[0] for a in statement.names]
        elif isinstance(statement, ast.ImportFrom) and not statement.level:
            modules.append((statement.module or "").split(".")[0])
    return tuple(
        dict.fromkeys(
            m for m in modules if m and m not in sys.stdlib_module_names and m != "__future__"
        )
    )


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts in the source, its decorators included."""
    return min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])


def _lines_label(where: str, kept: list[ast.stmt]) -> str:
    """``train.py lines 14-15, 21-30``: the definitions' lines, adjacent ones merged."""
    spans: list[list[int]] = []
    for statement in kept:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            continue
        first, last = _first_line(statement), statement.end_lineno or statement.lineno
        if spans and first == spans[-1][1] + 1:
            spans[-1][1] = last
        else:
            spans.append([first, last])
    text = ", ".join(f"{a}-{b}" if b != a else str(a) for a, b in spans)
    return f"{Path(where).name} lines {text}"


# -- a module the contributor wrote -------------------------------------------------------------


def _contributor_module(path: Path) -> CustomObjects:
    text = path.read_text(encoding="utf-8")
    tree = _parse(text, str(path))
    exported = next((s for s in tree.body if EXPORT_NAME in _bound(s)), None)
    if exported is None:
        raise ManifestError(
            f"{FILE_NAME} defines no {EXPORT_NAME}",
            where=str(path),
            fix=f'end it with {EXPORT_NAME} = {{"MyLayer": MyLayer, ...}}, one entry per '
            "custom class the model uses",
        )
    table = getattr(exported, "value", None)
    names = tuple(
        k.value
        for k in (table.keys if isinstance(table, ast.Dict) else [])
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    )
    return CustomObjects(text, names, FILE_NAME, _third_party(list(tree.body)))
