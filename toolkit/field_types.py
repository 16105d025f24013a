"""Field-by-field type checks for dataclasses loaded from TOML or JSON.

One mechanism for every manifest section: a field annotated ``int`` holds an int (not
``"3"``, not ``true``), ``float`` a finite number, ``bool`` a boolean, ``list[str]`` a list
of strings, ``X | None`` either. Values outside a fixed set, and paths that leave the
reproduction folder, are the manifest's own checks.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any


def type_problems(obj: Any) -> list[str]:
    """What in dataclass ``obj`` does not match its field annotations, one line per field."""
    hints = typing.get_type_hints(type(obj))
    problems = []
    for spec in fields(obj):
        value = getattr(obj, spec.name)
        expected = hints[spec.name]
        if not conforms(value, expected):
            problems.append(f"{spec.name} = {_shown(value)} is not {describe(expected)}")
    return problems


def conforms(value: Any, expected: Any) -> bool:
    """Whether ``value`` is of the annotated type ``expected`` (floats must be finite)."""
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if expected is type(None):
        return value is None
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if expected is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    if isinstance(expected, type) and is_dataclass(expected):
        return isinstance(value, expected)
    return True  # Any and other annotations: not checked here


def describe(expected: Any) -> str:
    """``int | None`` -> ``"an integer (or absent)"``, for error messages."""
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin in (typing.Union, types.UnionType):
        named = [describe(a) for a in args if a is not type(None)]
        return " or ".join(named) + (" (or absent)" if type(None) in args else "")
    if origin is list:
        return f"a list of {_plural(describe(args[0]))}"
    if origin is dict:
        return f"a table of {_plural(describe(args[1]))}"
    return {
        bool: "true or false (unquoted)",
        int: "an integer (unquoted)",
        float: "a finite number (unquoted)",
        str: "a string",
        list: "an array",
        dict: "a table",
        type(None): "nothing",
    }.get(expected, f"a {getattr(expected, '__name__', expected)} table")


def _plural(phrase: str) -> str:
    words = phrase.split(" ", 1)
    if words[0] in ("a", "an") and len(words) == 2:
        head, _, rest = words[1].partition(" ")
        return f"{head}s {rest}".strip()
    return phrase


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def choice_problem(name: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    """Why the string ``value`` of field ``name`` is outside ``allowed``, or None (a value
    of another type is :func:`type_problems`' to report)."""
    if isinstance(value, str) and value not in allowed:
        return f"{name} = {value!r} is not one of {', '.join(allowed)}"
    return None


def relative_path_problem(path: str) -> str | None:
    """Why ``path`` is not a relative path inside the reproduction folder, or None."""
    posix, windows = PurePosixPath(path), PureWindowsPath(path)
    if posix.is_absolute() or windows.is_absolute() or windows.drive:
        return "is an absolute path"
    if ".." in posix.parts or ".." in windows.parts:
        return "leaves the reproduction folder ('..')"
    if "\x00" in path:
        return "holds a NUL character"
    return None
