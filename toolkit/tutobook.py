"""The Keras.io "tutobook" format: a Python script whose column-0 triple-quoted strings are cells.

A tutobook alternates code with Markdown prose written as column-0 ``\"\"\"`` blocks. The first
line of a block may carry a tag: ``\"\"\"shell`` (shell commands, sometimes ``!``-prefixed) or
``\"\"\"invisible`` (not rendered). :func:`split_blocks` cuts a script into such blocks the way
keras-io's own ``tutobooks.py`` does, with the leniency real files need:

- a block may follow code with no blank line, and may open with four quotes (``\"\"\"\"``);
- docstrings inside functions are indented, so they stay code; a column-0 ``\"\"\"`` that closes
  a string opened in code (``x = \"\"\"...``) is code too (string state is tracked per line);
- column-0 ``!cmd`` lines and ``%pip`` magics in code (notebook leftovers) become shell blocks,
  other ``%`` magics are dropped: they are not Python.

:func:`notebook_to_tutobook` writes a notebook (nbformat v4 dict) in the same format, so both
sources go through one parser. Nothing here imports more than the standard library.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

OPENER = re.compile(r'^[rRuU]?("""|\'\'\')')
CELL_TAGS = ("shell", "invisible")
SHELL_LINE = re.compile(r"^!(?!=)")
MAGIC_LINE = re.compile(r"^%{1,2}[A-Za-z]")
SHELL_MAGICS = ("pip", "conda", "sh", "bash", "system", "shell")
IPYTHON_CALL = re.compile(
    r"^get_ipython\(\)\.(system|getoutput|run_line_magic|run_cell_magic|magic)\((.*)\)\s*$"
)
_LEXEME = re.compile(r"""\\.|\"\"\"|'''|"|'|#""")


@dataclass
class Block:
    """A run of lines of one kind; ``start`` is the 0-based index of its first content line."""

    kind: str  # prose | code | shell | invisible | magic
    start: int
    lines: list[str] = field(default_factory=list)
    opener: int | None = None  # 0-based line of the opening quotes, for delimited blocks
    closed: bool = True
    masked: list[str] = field(default_factory=list)  # code blocks: lines as scan_line masks them

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def split_blocks(text: str) -> list[Block]:
    """Cut a tutobook script into blocks; every line belongs to at most one block."""
    lines = text.split("\n")
    blocks: list[Block] = []
    code: Block | None = None
    in_string: str | None = None  # the triple quote of a string left open by code
    i = 0
    while i < len(lines):
        line = lines[i]
        opener = OPENER.match(line) if in_string is None else None
        if opener:
            code = None
            block, i = _delimited_block(lines, i, opener)
            blocks.append(block)
            continue
        ipython = ipython_command(line) if in_string is None else None
        if in_string is None and (SHELL_LINE.match(line) or MAGIC_LINE.match(line) or ipython):
            code = None
            if ipython:
                kind = ipython[0]
            else:
                kind = "shell" if SHELL_LINE.match(line) or _is_shell_magic(line) else "magic"
            if blocks and blocks[-1].kind == kind and blocks[-1].start + len(blocks[-1].lines) == i:
                blocks[-1].lines.append(line)
            else:
                blocks.append(Block(kind, i, [line]))
            i += 1
            continue
        if code is None:
            code = Block("code", i)
            blocks.append(code)
        code.lines.append(line)
        in_string, masked = scan_line(line, in_string)
        code.masked.append(masked)
        i += 1
    return blocks


def _delimited_block(lines: list[str], i: int, opener: re.Match[str]) -> tuple[Block, int]:
    quote = opener.group(1)
    rest = lines[i][opener.end() :]
    if quote in rest:  # opened and closed on one line: """Some text."""
        content = rest[: rest.index(quote)].strip(quote[0])
        return Block("prose", i, [content] if content.strip() else [], opener=i), i + 1
    rest = rest.lstrip(quote[0])  # four-quote openers: """"
    tag = rest.strip()
    kind = tag if tag in CELL_TAGS else "prose"
    first = [] if kind != "prose" or not tag else [rest]
    block = Block(kind, i if first else i + 1, first, opener=i)
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if quote in line:
            before = line[: line.index(quote)]
            if before.strip():
                block.lines.append(before)
            return _trimmed(block), j + 1
        block.lines.append(line)
        j += 1
    block.closed = False
    return _trimmed(block), j


def _trimmed(block: Block) -> Block:
    """Drop leading and trailing blank lines, keeping ``start`` on the first kept line."""
    while block.lines and not block.lines[0].strip():
        block.lines.pop(0)
        block.start += 1
    while block.lines and not block.lines[-1].strip():
        block.lines.pop()
    if not block.lines and block.opener is not None:  # an empty cell sits on its quotes
        block.start = block.opener
    return block


def ipython_command(line: str) -> tuple[str, str] | None:
    """``("shell", command)`` or ``("magic", "%name args")`` for a ``get_ipython()`` call line.

    nbconvert with IPython writes ``!pip install x`` as ``get_ipython().system('pip install
    x')`` and ``%matplotlib inline`` as ``get_ipython().run_line_magic('matplotlib', 'inline')``.
    """
    match = IPYTHON_CALL.match(line) if line.startswith("get_ipython()") else None
    if not match:
        return None
    try:
        args = ast.literal_eval(f"({match.group(2)},)")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    args = [a for a in args if isinstance(a, str)]
    method = match.group(1)
    if method in ("system", "getoutput") and args:
        return "shell", args[0]
    if method == "run_line_magic" and len(args) >= 2:
        name, arg = args[0], args[1]
        if name in ("pip", "conda"):
            return "shell", f"{name} {arg}"
        if name in ("sh", "system", "bash"):
            return "shell", arg
        if name == "env" and "=" in arg:
            return "shell", f"export {arg.replace(' ', '')}"
        return "magic", f"%{name} {arg}".strip()
    if method == "run_cell_magic" and len(args) >= 3:
        if args[0] in ("bash", "sh", "shell", "script"):
            return "shell", args[2]
        return "magic", f"%%{args[0]}"
    if method == "magic" and args:
        return ("shell" if _is_shell_magic("%" + args[0]) else "magic"), "%" + args[0]
    return "magic", line.strip()


def _is_shell_magic(line: str) -> bool:
    name = line.lstrip("%").split(None, 1)[0] if line.strip("%") else ""
    return name in SHELL_MAGICS


def scan_line(line: str, in_string: str | None) -> tuple[str | None, str]:
    """Lex one line of code: the triple quote still open after it, and the line "masked".

    The masked line has string contents and comments replaced by spaces (quotes kept), so
    pattern searches see only code, at the same columns.
    """
    if in_string is None and '"' not in line and "'" not in line and "#" not in line:
        return None, line
    out = list(line)
    quote, pos, content = in_string, 0, 0
    while pos < len(line):
        if quote is None:
            match = _LEXEME.search(line, pos)
            if match is None:
                break
            lexeme = match.group()
            if lexeme == "#":
                out[match.start() :] = " " * (len(line) - match.start())
                break
            pos = match.end()
            if not lexeme.startswith("\\"):
                quote, content = lexeme, pos
            continue
        close = _find_close(line, pos, quote)
        end = len(line) if close < 0 else close
        out[content:end] = " " * (end - content)
        if close < 0:
            break
        pos, quote = close + len(quote), None
    open_triple = quote if quote is not None and len(quote) == 3 else None
    return open_triple, "".join(out)


def _find_close(line: str, pos: int, quote: str) -> int:
    while True:
        idx = line.find(quote, pos)
        slash = line.find("\\", pos)
        if idx < 0:
            return -1
        if 0 <= slash < idx:
            pos = slash + 2
            continue
        return idx


def code_view(text: str, blocks: list[Block] | None = None) -> tuple[list[str], list[str]]:
    """Per source line: the code (non-code lines blank) and the masked code (see scan_line)."""
    lines = text.split("\n")
    code = [""] * len(lines)
    masked = [""] * len(lines)
    for block in blocks if blocks is not None else split_blocks(text):
        if block.kind != "code":
            continue
        code[block.start : block.start + len(block.lines)] = block.lines
        masked[block.start : block.start + len(block.masked)] = block.masked
    return code, masked


def all_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but the Load/Store markers, computed once and kept on the tree.

    A flat loop over ``_fields``: about twice as fast as ``ast.walk``.
    """
    nodes = getattr(tree, "_all_nodes", None)
    if nodes is not None:
        return nodes
    nodes = [tree]
    append = nodes.append
    for node in nodes:  # the list grows while it is read: breadth first
        for name in node._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        append(item)
            elif isinstance(value, ast.AST):
                append(value)
    tree._all_nodes = nodes  # type: ignore[attr-defined]
    return nodes


# -- notebooks -----------------------------------------------------------------------------------
HEADER_KEY = re.compile(r"^\s*\*\*\s*([A-Za-z][A-Za-z0-9 ()/_-]{0,40}?)\s*:?\s*\*\*\s*:?\s*(.*)$")
TITLE_LINE = re.compile(r"^\s*#\s+(\S.*)$")
CELL_MAGIC_SHELL = re.compile(r"^%%(?:bash|sh|shell|script\s+(?:ba)?sh)\b")


def notebook_to_tutobook(notebook: dict) -> tuple[str, list[str]]:
    """Write an nbformat-v4 notebook as a tutobook script; also return conversion notes.

    The first Markdown cell's ``# Title`` and ``**Key:** value<br>`` lines (the layout of
    keras-io notebooks) become the header docstring. Markdown cells become prose blocks; code
    cells stay code, except ``!cmd`` lines and ``%%bash`` cells (shell blocks), ``%pip`` (a
    shell ``pip``), ``%env K=V`` (an ``os.environ`` assignment) and other magics (dropped, noted).
    """
    cells = [c for c in notebook.get("cells", []) if isinstance(c, dict)]
    notes: list[str] = []
    parts: list[str] = []
    first_md = next((i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"), None)
    first_code = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), None)
    header_index = None
    if first_md is not None and (first_code is None or first_md < first_code):
        header, rest = _notebook_header(_source(cells[first_md]))
        if header:
            parts.append('"""\n' + "\n".join(header) + '\n"""')
            if rest.strip():
                parts.append(_prose(rest))
            header_index = first_md
    for index, cell in enumerate(cells):
        source = _source(cell)
        if index == header_index or not source.strip():
            continue
        if cell.get("cell_type") == "markdown":
            parts.append(_prose(source))
        elif cell.get("cell_type") == "code":
            parts.extend(_code_cell(source, index, notes))
    return "\n\n".join(parts) + "\n", notes


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(s) for s in source)
    return str(source).replace("\r\n", "\n")


def _notebook_header(markdown: str) -> tuple[list[str], str]:
    header: list[str] = []
    rest: list[str] = []
    for line in markdown.split("\n"):
        clean = re.sub(r"<br\s*/?>", "", line).rstrip()
        title = TITLE_LINE.match(clean)
        key = HEADER_KEY.match(clean)
        if title and not header:
            header.append(f"Title: {title.group(1).strip()}")
        elif key and header:
            header.append(f"{key.group(1).strip()}: {key.group(2).strip()}")
        elif header and not rest and not clean.strip():
            continue
        else:
            rest.append(line)
    return header, "\n".join(rest)


def _prose(markdown: str) -> str:
    body = markdown.strip("\n").replace('"""', '\\"\\"\\"')
    return f'"""\n{body}\n"""'


def _code_cell(source: str, index: int, notes: list[str]) -> list[str]:
    lines = source.strip("\n").split("\n")
    first = lines[0].strip()
    if CELL_MAGIC_SHELL.match(first):
        return ['"""shell\n' + "\n".join(lines[1:]).strip("\n") + '\n"""']
    if first.startswith("%%"):
        notes.append(f"notebook cell {index + 1}: dropped the cell magic {first.split()[0]!r}")
        lines = lines[1:]
    out: list[str] = []
    code: list[str] = []
    shell: list[str] = []

    def flush() -> None:
        if code and any(c.strip() for c in code):
            out.append("\n".join(code).strip("\n"))
        if shell:
            out.append('"""shell\n' + "\n".join(shell) + '\n"""')
        code.clear()
        shell.clear()

    for line in lines:
        stripped = line.strip()
        command = _shell_command(stripped)
        if command is not None and line == line.lstrip():
            if code:
                flush()
            shell.append(command)
            continue
        if shell:
            flush()
        if stripped.startswith("%") and line == line.lstrip():
            code.extend(_line_magic(stripped, index, notes))
        elif re.match(r"^\w+\s*=\s*!", stripped):
            notes.append(f"notebook cell {index + 1}: dropped the shell capture {stripped!r}")
        elif stripped.endswith("?") and re.match(r"^[\w.]+\?{1,2}$", stripped):
            notes.append(f"notebook cell {index + 1}: dropped the help request {stripped!r}")
        else:
            code.append(line)
    flush()
    return out


def _shell_command(stripped: str) -> str | None:
    if stripped.startswith("!") and not stripped.startswith("!="):
        return stripped[1:].strip()
    if re.match(r"^%(pip|conda)\s", stripped):
        return stripped[1:].strip()
    return None


def _line_magic(stripped: str, index: int, notes: list[str]) -> list[str]:
    name, _, arg = stripped[1:].partition(" ")
    if name == "env" and "=" in arg:
        key, _, value = arg.partition("=")
        return ["import os", f"os.environ[{key.strip()!r}] = {value.strip()!r}"]
    if name in ("time", "timeit", "prun") and arg.strip():
        return [arg.strip()]
    notes.append(f"notebook cell {index + 1}: dropped the magic {stripped!r}")
    return []
