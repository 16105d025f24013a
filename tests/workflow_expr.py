"""A small evaluator of GitHub Actions expressions, enough to test a workflow's guards.

It knows what the workflow's ``if:`` conditions use: property paths with ``*`` filters
(``github.event.pull_request.labels.*.name``), string and boolean literals, ``==``, ``!=``,
``!``, ``&&``, ``||``, parentheses and the functions ``contains`` and ``cancelled``. String
comparison ignores case, as GitHub's does; ``&&`` and ``||`` return an operand, not a bool.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||[!(),])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?:\.(?:\*|[A-Za-z_][A-Za-z0-9_\-]*))*))"
)


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split an expression into (kind, text) tokens; raise ValueError on anything else."""
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot read the expression at {text[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def evaluate(text: str, context: Mapping[str, Any]) -> Any:
    """The value of the expression ``text`` given ``context`` (``{"github": {...}}``)."""
    parser = _Parser(tokenize(text), context)
    value = parser.disjunction()
    if parser.pos != len(parser.tokens):
        raise ValueError(f"unexpected {parser.tokens[parser.pos][1]!r} in {text!r}")
    return value


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], context: Mapping[str, Any]) -> None:
        self.tokens, self.pos, self.context = tokens, 0, context

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def disjunction(self) -> Any:
        value = self.conjunction()
        while self.peek() == "||":
            self.take()
            other = self.conjunction()
            value = value if truthy(value) else other
        return value

    def conjunction(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            other = self.comparison()
            value = other if truthy(value) else value
        return value

    def comparison(self) -> Any:
        left = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            equal = _fold(left) == _fold(right)
            left = equal if op == "==" else not equal
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.disjunction()
            self.take(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind != "word":
            raise ValueError(f"unexpected {text!r}")
        if self.peek() == "(":
            return self.call(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        return _lookup(self.context, text.split("."))

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.disjunction())
            if self.peek() == ",":
                self.take()
        self.take(")")
        if name == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_fold(item) == _fold(needle) for item in haystack)
            return _fold(needle) in _fold(haystack)
        if name == "cancelled":
            return bool(self.context.get("cancelled", False))
        raise ValueError(f"function {name}() is not known to this evaluator")


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _lookup(value: Any, path: list[str]) -> Any:
    for i, part in enumerate(path):
        if part == "*":
            items = value if isinstance(value, list) else []
            return [_lookup(item, path[i + 1 :]) for item in items]
        value = value.get(part) if isinstance(value, Mapping) else None
    return value
