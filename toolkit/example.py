"""Read a Keras.io example: its header, cells, claims, data, backend needs and problems.

Three kinds of source give one :class:`Example`:

- a tutobook ``.py`` (the keras-io source format, see :mod:`toolkit.tutobook`);
- a notebook ``.ipynb`` (written as a tutobook first; magics handled);
- ``category/name`` inside a keras-io checkout (``$KERAS_IO_DIR`` or ``keras_io_dir``):
  ``examples/<category>/<name>.py``, with its rendered ``md/<name>.md`` (printed outputs)
  and the checkout's commit.

Bad input raises :class:`~toolkit.errors.ExampleError` saying what, where and how to fix;
a Python syntax error in the code is not bad input but a :class:`~toolkit.compat.Finding`.
Triple quotes never closed are bad input: the header or cell would swallow the rest of the
file, code included.

Example::

    >>> example = load_example("vision/mnist_convnet", keras_io_dir=Path("~/keras-io"))
    >>> example.header.title, example.backend, [m.raw for m in example.metrics]
    ('Simple MNIST convnet', 'tensorflow', ['~99% test accuracy', ...])
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from toolkit.claims import ReportedMetric, claims_from_text, figures_from_rendered_md
from toolkit.compat import Finding, find_compat_issues
from toolkit.errors import ExampleError
from toolkit.facts import (
    DataRef,
    ShellCommand,
    analyse_code,
    infer_task,
    requirements_from_shell,
    shell_commands,
)
from toolkit.fsutil import sha256_bytes
from toolkit.manifest import Author
from toolkit.tutobook import Block, notebook_to_tutobook, split_blocks

__all__ = ["Author", "Cell", "Example", "Header", "load_example", "parse_example_text"]

ENV_KERAS_IO = "KERAS_IO_DIR"
SUPPORTED_SUFFIXES = (".py", ".ipynb")
KEY_ALIASES = {
    "title": "title",
    "author": "authors",
    "authors": "authors",
    "author(s)": "authors",
    "date created": "date_created",
    "created": "date_created",
    "date": "date_created",
    "last modified": "last_modified",
    "last updated": "last_modified",
    "modified": "last_modified",
    "updated": "last_modified",
    "description": "description",
    "accelerator": "accelerator",
}
OPTIONAL_FIELDS = ("authors", "date_created", "last_modified", "description", "accelerator")
_KEY_LINE = re.compile(
    r"^\s*(?:[-*]\s+)?\**\s*([A-Za-z][A-Za-z0-9 ()/_'-]{0,39}?)\s*\**\s*:"
    r"\**(?:\s+|(?=\S)|$)(.*)$"
)
_LINK = re.compile(r"\[([^\]]*)\]\s*\(\s*([^)\s]*)\s*\)")
_IMPORT_LINE = re.compile(r"^(?:import [A-Za-z_]|from [\w.]+ import )")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({name[:3]: i for i, name in enumerate(_MONTH_NAMES, start=1)})
_MONTHS["sept"] = 9


@dataclass
class Header:
    """The header docstring's fields, normalised; unknown keys are kept in ``extra``."""

    title: str
    authors: list[Author] = field(default_factory=list)
    date_created: str = ""  # ISO YYYY-MM-DD, or "" when absent or unreadable
    last_modified: str = ""
    description: str = ""
    accelerator: str = ""  # GPU | TPU | None | "" (not stated)
    extra: dict[str, str] = field(default_factory=dict)
    line: int = 1  # line of the header docstring's opening quotes
    raw: dict[str, str] = field(default_factory=dict)  # every key as written -> raw value
    description_line: int = 0  # line of the Description key (claims point there)
    inferred: dict[str, str] = field(default_factory=dict)  # field -> how it was inferred


@dataclass
class Cell:
    """A prose, code, shell or invisible cell.

    ``line`` is the 1-based source line of the cell's first text line, so line ``i`` of
    ``text`` (0-based) is source line ``line + i``.
    """

    kind: str  # prose | code | shell | invisible
    text: str
    line: int


@dataclass
class Example:
    """Everything read from one example source."""

    path: Path | None
    source_kind: str  # tutobook | notebook | keras-io
    sha256: str
    commit: str  # keras-io git commit when resolved in a checkout, else ""
    category: str  # e.g. "vision" (keras-io path), else ""
    name: str  # e.g. "mnist_convnet" (file stem)
    text: str  # the Python source (notebooks: written as a tutobook)
    header: Header
    cells: list[Cell]
    metrics: list[ReportedMetric] = field(default_factory=list)
    data_sources: list[DataRef] = field(default_factory=list)
    backend: str = "any"  # any | tensorflow | jax | torch (pinned or needed)
    backend_reason: str = ""
    requirements: list[str] = field(default_factory=list)
    task: str = "unknown"
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Beyond the core API:
    task_reason: str = ""
    url: str = ""  # https://keras.io/examples/<category>/<name>/ when the category is known
    rendered_md: Path | None = None  # the rendered page the output figures came from
    imports: list[str] = field(default_factory=list)  # top-level modules imported
    epochs: int | None = None  # from model.fit(epochs=...) or an `epochs = N` assignment
    batch_size: int | None = None
    shell_commands: list[ShellCommand] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)  # listed in the code (see facts)
    class_names_reason: str = ""  # where: "`class_names` on line 42"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (paths as strings), for ``sprint show --json``."""
        data = asdict(self)
        data["path"] = str(self.path) if self.path else None
        data["rendered_md"] = str(self.rendered_md) if self.rendered_md else None
        return data

    @property
    def code(self) -> str:
        """The code cells joined: the example as a script without prose."""
        return "\n\n".join(c.text for c in self.cells if c.kind == "code")


# -- loading -------------------------------------------------------------------------------------
def load_example(
    source: str | Path, *, keras_io_dir: Path | None = None, rendered_md: Path | None = None
) -> Example:
    """Parse ``source``: a ``.py`` tutobook, an ``.ipynb`` notebook, or keras-io ``category/name``.

    ``category/name`` is looked up in ``keras_io_dir`` (else ``$KERAS_IO_DIR``). The rendered
    page ``rendered_md`` (printed outputs) is found automatically next to keras-io sources.
    """
    path = Path(source).expanduser()
    checkout: Path | None = None
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it...
        raise ExampleError(
            f"Cannot use {str(source)[:200]!r} as a path ({exc})",
            where="the SOURCE argument",
            fix="check the path",
        ) from None
    if not exists:
        path, checkout = _resolve_keras_io(str(source), keras_io_dir)
    if path.is_dir():
        raise ExampleError(
            f"{path} is a folder, not an example file",
            where=str(path),
            fix="pass the example's .py or .ipynb file, or CATEGORY/NAME with --keras-io",
        )
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ExampleError(
            f"Unsupported example file type {suffix or '(no extension)'!r}",
            where=str(path),
            fix="pass a tutobook .py file or a notebook .ipynb "
            "(Markdown pages are read with --rendered, next to their .py source)",
        )
    data = _read_bytes(path)
    notes: list[str] = []
    if suffix == ".ipynb":
        text, notes = _notebook_text(data, path)
        kind = "notebook"
    else:
        text = _decode(data, str(path))
        kind = "tutobook"
    example = parse_example_text(text, path=str(path))
    example.path = path
    example.sha256 = sha256_bytes(data)
    example.source_kind = kind
    example.name = path.stem
    example.warnings.extend(notes)
    layout = (checkout, path.parent) if checkout else _keras_io_layout(path)
    if layout is not None:
        root, category_dir = layout
        example.category = category_dir.name
        example.commit = _git_commit(root)
        example.url = f"https://keras.io/examples/{example.category}/{example.name}/"
        if kind == "tutobook":
            example.source_kind = "keras-io"
        if rendered_md is None:
            candidate = category_dir / "md" / f"{path.stem}.md"
            rendered_md = candidate if candidate.is_file() else None
        _reinfer_task(example)
    if rendered_md is not None:
        md_path = Path(rendered_md).expanduser()
        md_text = _decode(_read_bytes(md_path), str(md_path))
        example.metrics.extend(figures_from_rendered_md(md_text))
        example.rendered_md = md_path
    elif kind == "notebook":
        example.metrics.extend(_notebook_output_figures(data))
    return example


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ExampleError(
            f"No file at {path}",
            where=str(path),
            fix="check the path (it is relative to the current folder)",
        ) from None
    except OSError as exc:
        raise ExampleError(
            f"Cannot read {path} ({exc.strerror or exc})",
            where=str(path),
            fix="check the file's permissions",
        ) from exc


def _decode(data: bytes, where: str) -> str:
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise ExampleError(
            "The file is binary, not text (it contains NUL bytes)",
            where=f"{where}, line {line}",
            fix="pass the example's Python source (.py) or notebook (.ipynb)",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ExampleError(
            f"The file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            where=f"{where}, line {line}",
            fix="re-save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _resolve_keras_io(source: str, keras_io_dir: Path | None) -> tuple[Path, Path]:
    """``examples/<category>/<name>.py`` for ``category/name`` in a keras-io checkout."""
    match = re.fullmatch(
        r"(?:examples/)?([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.py)?/?", source.strip()
    )
    if not match:
        raise ExampleError(
            f"No file at {source}",
            where=str(Path(source).expanduser().absolute()),
            fix="check the path, or name a keras-io example as CATEGORY/NAME "
            "(e.g. vision/mnist_convnet) with --keras-io DIR or $KERAS_IO_DIR",
        )
    category, name = match.groups()
    root_value = keras_io_dir or os.environ.get(ENV_KERAS_IO)
    if not root_value:
        raise ExampleError(
            f"No file at {source}, and no keras-io checkout to look up {category}/{name} in",
            where=f"{Path(source).absolute()} (and neither --keras-io nor ${ENV_KERAS_IO} set)",
            fix=f"pass --keras-io DIR (a clone of github.com/keras-team/keras-io) or set "
            f"${ENV_KERAS_IO}, or give the path of the example file",
        )
    root = Path(root_value).expanduser()
    examples = root / "examples"
    if not examples.is_dir():
        raise ExampleError(
            f"{root} is not a keras-io checkout (it has no examples/ folder)",
            where=str(root),
            fix="point --keras-io or $KERAS_IO_DIR at the root of a keras-io clone",
        )
    path = examples / category / f"{name}.py"
    if not path.is_file():
        import difflib

        if (examples / category).is_dir():
            known = sorted(p.stem for p in (examples / category).glob("*.py"))
            close = difflib.get_close_matches(name, known, n=3)
            hint = (
                f"did you mean {', '.join(f'{category}/{c}' for c in close)}?"
                if close
                else f"{len(known)} examples exist in {category}/"
            )
        else:
            known = sorted(p.name for p in examples.iterdir() if p.is_dir())
            close = difflib.get_close_matches(category, known, n=3)
            hint = f"categories are: {', '.join(known)}" + (
                f" (did you mean {close[0]}?)" if close else ""
            )
        raise ExampleError(
            f"Unknown keras-io example {category}/{name}",
            where=f"looked for {path}",
            fix=f"check the name; {hint}",
        )
    return path, root


def _keras_io_layout(path: Path) -> tuple[Path, Path] | None:
    """(checkout root, category folder) for ``<root>/examples/<category>/[ipynb/]<name>``.

    The root must look like a keras-io checkout (a ``.git`` or ``scripts/tutobooks.py``).
    """
    category_dir = path.resolve().parent
    if category_dir.name == "ipynb":
        category_dir = category_dir.parent
    if category_dir.parent.name != "examples":
        return None
    root = category_dir.parent.parent
    if (root / ".git").exists() or (root / "scripts" / "tutobooks.py").is_file():
        return root, category_dir
    return None


def _git_commit(root: Path) -> str:
    """HEAD's commit in the checkout at ``root``, read from ``.git`` (``git`` as fallback)."""
    try:
        git_dir = root / ".git"
        if git_dir.is_file():  # worktrees and submodules: "gitdir: <path>"
            git_dir = (root / git_dir.read_text().split(":", 1)[1].strip()).resolve()
        head = (git_dir / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else ""
        ref = head.split(":", 1)[1].strip()
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
        for base in (git_dir, common):
            if (base / ref).is_file():
                return (base / ref).read_text().strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except (OSError, IndexError, UnicodeDecodeError):
        pass
    import subprocess

    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return result.stdout.strip() if result.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _notebook_json(data: bytes, path: Path) -> dict:
    text = _decode(data, str(path))
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExampleError(
            f"The notebook is not valid JSON ({exc.msg})",
            where=f"{path}, line {exc.lineno}, column {exc.colno}",
            fix="open and re-save it in Jupyter, or fetch it again",
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ExampleError(
            "The file is JSON but not a Jupyter notebook (no 'cells' list)",
            where=str(path),
            fix="pass an nbformat 4 notebook (.ipynb)",
        )
    return notebook


def _notebook_text(data: bytes, path: Path) -> tuple[str, list[str]]:
    """The notebook written as a tutobook, validated with nbformat, plus conversion notes."""
    _notebook_json(data, path)  # clear errors for broken JSON before nbformat's
    import nbformat  # only notebooks pay for this import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = nbformat.reads(_decode(data, str(path)), as_version=4)
    except Exception as exc:  # nbformat raises many types for malformed notebooks
        raise ExampleError(
            f"The notebook is malformed ({type(exc).__name__}: {str(exc)[:200]})",
            where=str(path),
            fix="open and re-save it in Jupyter (nbformat 4)",
        ) from None
    return notebook_to_tutobook(node)


def _notebook_output_figures(data: bytes) -> list[ReportedMetric]:
    """Figures printed in the notebook's saved outputs, read like a rendered page."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return []
    chunks = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            if isinstance(text, list):
                text = "".join(str(t) for t in text)
            if text:
                chunks.append(f"```\n{text}\n```")
    figures = figures_from_rendered_md("\n".join(chunks)) if chunks else []
    for figure in figures:
        figure.line = None
    return figures


# -- parsing -------------------------------------------------------------------------------------
def parse_example_text(text: str, *, path: str = "<string>") -> Example:
    """Parse tutobook ``text``; raises only :class:`ExampleError` for bad input."""
    if not isinstance(text, str):
        raise ExampleError(
            f"Expected the example's text, got {type(text).__name__}",
            where=path,
            fix="pass the file's contents as a str",
        )
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ExampleError(
            "The text holds characters that are not valid Unicode (lone surrogates)",
            where=f"{path}, line {text.count(chr(10), 0, exc.start) + 1}",
            fix="re-save the file as UTF-8",
        ) from None
    if "\x00" in text:
        raise ExampleError(
            "The text is binary (it contains NUL characters)",
            where=f"{path}, line {text.count(chr(10), 0, text.index(chr(0))) + 1}",
            fix="pass the example's Python source",
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ExampleError(
            "The example is empty",
            where=path,
            fix="pass a Keras.io example (a .py tutobook or an .ipynb)",
        )
    blocks = split_blocks(text)
    _refuse_unclosed(blocks, path)
    header_block, body = _header_block(blocks, path)
    if header_block is None:
        header, header_warnings = header_from_name(path, body)
    else:
        header, header_warnings = parse_header(header_block, path)
    cells, cell_warnings = _cells(body)
    example = Example(
        path=None if path == "<string>" else Path(path),
        source_kind="tutobook",
        sha256=sha256_bytes(encoded),
        commit="",
        category="",
        name="" if path == "<string>" else Path(path).stem,
        text=text,
        header=header,
        cells=cells,
        warnings=header_warnings + cell_warnings,
    )
    _analyse(example, blocks)
    return example


def _refuse_unclosed(blocks: list[Block], path: str) -> None:
    """ExampleError for triple quotes never closed: the rest of the file, code included,
    would silently become the text of that header or cell (Python refuses such a file too)."""
    last = blocks[-1] if blocks else None
    if last is None or last.closed:
        return
    line = (last.opener if last.opener is not None else last.start) + 1
    if all(_is_preamble(block) for block in blocks[:-1]):
        what = "header docstring"
        fix = (
            'close it with a line of """ after its last \'Key: value\' line, before the code starts'
        )
    else:
        what = f"{last.kind} cell"
        fix = (
            'close it with a line of """ where its text ends (if its quotes look closed, an '
            "earlier cell or the header may be missing its closing quotes: every later "
            '""" then pairs with the wrong one)'
        )
        if code := _import_in_header(blocks):
            fix = (
                f"the header docstring holds code (line {code[0]}: {code[1][:60]!r}), so it "
                'is probably the one missing its closing quotes: add a line of """ after '
                "its last 'Key: value' line"
            )
    raise ExampleError(
        f"The {what} opened on line {line} is never closed: the rest of the file, code "
        "included, would be read as its text",
        where=f"{path}, line {line}",
        fix=fix,
    )


def _import_in_header(blocks: list[Block]) -> tuple[int, str] | None:
    """(line, text) of an import statement inside the header docstring: a sign it ran on."""
    header = next((b for b in blocks if not _is_preamble(b)), None)
    if header is None or header.kind != "prose":
        return None
    return next(
        (
            (header.start + offset + 1, line.strip())
            for offset, line in enumerate(header.lines)
            if _IMPORT_LINE.match(line)
        ),
        None,
    )


def _is_preamble(block: Block) -> bool:
    """Blank lines, a shebang, an encoding line or a licence comment before the header."""
    return block.kind == "code" and all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in block.lines
    )


def _header_block(blocks: list[Block], path: str) -> tuple[Block | None, list[Block]]:
    """The header docstring and the blocks after it; ``None`` and every block when the file
    opens with something else; ExampleError when it holds neither header nor code."""
    for index, block in enumerate(blocks):
        if _is_preamble(block):
            continue
        if block.kind == "prose" and any(_known_key(ln) for ln in block.lines):
            return block, blocks[index + 1 :]
        return None, blocks[index:]
    raise ExampleError(
        "The example has no header and no code",
        where=path,
        fix="pass a Keras.io example: a header docstring, then code and prose",
    )


# Words a title written from a file name keeps in capitals.
_ACRONYMS = {
    "mnist",
    "cifar",
    "cifar10",
    "cifar100",
    "imdb",
    "cnn",
    "rnn",
    "lstm",
    "gru",
    "gan",
    "dcgan",
    "vae",
    "gnn",
    "svm",
    "mlp",
    "bert",
    "gpt",
    "nlp",
    "ocr",
    "ctc",
    "nab",
    "vit",
    "3d",
    "2d",
    "ner",
    "tpu",
    "gpu",
    "api",
    "csv",
    "tf",
    "jax",
    "ddpm",
    "dqn",
    "ppo",
    "ddpg",
    "a2c",
    "rl",
}


def header_from_name(path: str, body: list[Block]) -> tuple[Header, list[str]]:
    """A header for a file that opens without one (``body[0]`` is its first cell): the title
    comes from the file name and is recorded in ``Header.inferred``, with a warning."""
    stem = Path(path).stem if path != "<string>" else ""
    words = [w for w in re.split(r"[_\-\s]+", stem) if w]
    title = " ".join(w.upper() if w.lower() in _ACRONYMS else w for w in words)
    title = (title[:1].upper() + title[1:]) if title else "Untitled example"
    first = body[0]
    line = (first.opener if first.opener is not None else first.start) + 1
    how = f"from the file name {Path(path).name!r}" if stem else "as a placeholder (no file name)"
    warning = (
        f"the example has no header docstring (line {line} opens with {first.kind}): title "
        f"{title!r} inferred {how}; add a 'Title: ...' header docstring to set it"
    )
    return Header(title=title, line=line, inferred={"title": how}), [warning]


def _known_key(line: str) -> str | None:
    match = _KEY_LINE.match(line)
    if not match:
        return None
    return KEY_ALIASES.get(re.sub(r"\s+", " ", match.group(1).strip().lower()))


def parse_header(block: Block, path: str = "<string>") -> tuple[Header, list[str]]:
    """Fields of a header docstring block, and warnings for missing or odd values."""
    opener = (block.opener if block.opener is not None else block.start) + 1
    entries: list[tuple[str, str, int]] = []  # (key as written, value, line)
    for offset, raw_line in enumerate(block.lines):
        line = re.sub(r"<br\s*/?>", "", raw_line).strip()
        if not line:
            continue
        match = _KEY_LINE.match(line)
        key = match.group(1).strip() if match else ""
        known = KEY_ALIASES.get(re.sub(r"\s+", " ", key.lower())) if match else None
        is_extra = (
            match
            and not known
            and key[:1].isupper()
            and len(key.split()) <= 6
            and (match.group(2) or line.rstrip().endswith(":"))
            and "//" not in key
        )
        if is_extra and entries and _unfinished_description(entries[-1]):
            is_extra = False  # "Description: Predicting yield\nWith soil data: a study."
        if match and (known or is_extra):
            entries.append((key, match.group(2).strip(), block.start + offset + 1))
        elif entries:  # a value running onto the next line
            key, value, number = entries[-1]
            entries[-1] = (key, f"{value} {line}".strip(), number)
    fields: dict[str, tuple[str, int]] = {}
    extra: dict[str, str] = {}
    raw: dict[str, str] = {}
    for key, value, number in entries:
        raw[key] = value
        known = KEY_ALIASES.get(re.sub(r"\s+", " ", key.lower()))
        if known and known not in fields:
            fields[known] = (value, number)
        else:
            extra[key] = value
    title = fields.get("title", ("", 0))[0].strip()
    if not title:
        raise ExampleError(
            "The header has no Title",
            where=f"{path}, header docstring at line {opener}",
            fix="add a line 'Title: <the example's title>' to the header docstring",
        )
    warnings_: list[str] = []
    header = Header(title=title, extra=extra, line=opener, raw=raw)
    if "authors" in fields:
        header.authors = parse_authors(fields["authors"][0])
    header.description = re.sub(r"\s+", " ", fields.get("description", ("", 0))[0]).strip()
    for name in ("date_created", "last_modified"):
        if name in fields:
            value, number = fields[name]
            iso, note = parse_date(value)
            setattr(header, name, iso)
            if note:
                warnings_.append(f"header line {number}: {note}")
    if "accelerator" in fields:
        value, number = fields["accelerator"]
        header.accelerator = normalise_accelerator(value)
        if value.strip() and not header.accelerator:
            warnings_.append(
                f"header line {number}: unknown Accelerator {value!r} (expected GPU, TPU or None)"
            )
    for name in OPTIONAL_FIELDS:
        if name not in fields or not fields[name][0].strip():
            label = {
                "authors": "Author",
                "date_created": "Date created",
                "last_modified": "Last modified",
            }.get(name, name.capitalize())
            warnings_.append(f"the header has no {label} (header at line {opener})")
    header.description_line = fields.get("description", ("", opener))[1]
    return header, warnings_


def _unfinished_description(entry: tuple[str, str, int]) -> bool:
    key, value, _ = entry
    return KEY_ALIASES.get(key.lower()) == "description" and not value.rstrip().endswith(
        (".", "!", "?", ")")
    )


def parse_authors(value: str) -> list[Author]:
    """Authors from ``[name](url), [name](url) and name``; tolerates ``[name] (url)``."""
    links: list[Author] = []

    def placeholder(match: re.Match[str]) -> str:
        links.append(Author(match.group(1).strip(), match.group(2).strip()))
        return f"\x00{len(links) - 1}\x00"

    masked = _LINK.sub(placeholder, value)
    authors: list[Author] = []
    for part in re.split(r"\s*(?:,|;|&|\band\b|\n)\s*", masked):
        part = part.strip(" .")
        if not part:
            continue
        indices = [int(i) for i in re.findall(r"\x00(\d+)\x00", part)]
        if indices:
            authors.extend(links[i] for i in indices)
            continue
        bare = re.match(r"^(.*?)\s*[(<]\s*((?:https?://|mailto:)[^)>\s]+)\s*[)>]$", part)
        if bare and bare.group(1):
            authors.append(Author(bare.group(1).strip(), bare.group(2)))
        elif re.match(r"^https?://\S+$", part) and authors and not authors[-1].url:
            authors[-1].url = part
        else:
            authors.append(Author(part.replace("\x00", ""), ""))
    return [a for a in authors if a.name]


def parse_date(value: str) -> tuple[str, str]:
    """(ISO date, note) for ``2020/04/21``, ``2020-4-21``, ``Jun 23, 2021``, ``14/06/2020``.

    The note explains a guess or a failure; an unreadable date gives ``("", note)``.
    """
    text = value.strip().rstrip(".")
    if not text:
        return "", ""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    words = [w.lower().rstrip(".") for w in re.findall(r"[A-Za-z]+\.?", text)]
    month_words = [_MONTHS[w] for w in words if w in _MONTHS]
    note = ""
    try:
        if month_words and len(numbers) >= 2:
            month = month_words[0]
            year = next(n for n in numbers if n >= 1000)
            day = next(n for n in numbers if n < 1000)
        elif len(numbers) == 3 and not month_words:
            a, b, c = numbers
            if a >= 1000:  # year first: YYYY/MM/DD
                year, month, day = a, b, c
            elif c >= 1000:  # DD/MM/YYYY or MM/DD/YYYY
                year = c
                if a > 12:
                    day, month = a, b
                elif b > 12:
                    month, day = a, b
                else:
                    day, month = a, b
                    if a != b:
                        note = f"date {value.strip()!r} is ambiguous; read it day-first"
            else:
                raise ValueError
        else:
            raise ValueError
        return date(year, month, day).isoformat(), note
    except (ValueError, StopIteration):
        return "", f"cannot read the date {value.strip()!r} (expected YYYY/MM/DD)"


def normalise_accelerator(value: str) -> str:
    """``GPU``, ``TPU``, ``None`` or "" (unknown) for an Accelerator header value."""
    upper = value.strip().upper()
    if "TPU" in upper:
        return "TPU"
    if "GPU" in upper or "CUDA" in upper:
        return "GPU"
    if upper in ("NONE", "NO", "CPU", "N/A", "NA", "-", "FALSE", "NONE."):
        return "None"
    return ""


def _cells(blocks: list[Block]) -> tuple[list[Cell], list[str]]:
    cells: list[Cell] = []
    notes: list[str] = []
    for block in blocks:
        if block.kind == "magic":
            notes.append(
                f"line {block.start + 1}: dropped IPython magic "
                f"{block.lines[0].strip()!r} (not Python)"
            )
            continue
        if block.kind == "code":
            lines = list(block.lines)
            start = block.start
            while lines and not lines[0].strip():
                lines.pop(0)
                start += 1
            while lines and not lines[-1].strip():
                lines.pop()
            if lines:
                cells.append(Cell("code", "\n".join(lines), start + 1))
            continue
        kind = block.kind
        if kind == "prose" and _all_commands(block.lines):
            kind = "shell"
        if block.lines or kind != "prose":
            cells.append(Cell(kind, block.text, block.start + 1))
    return cells, notes


def _all_commands(lines: list[str]) -> bool:
    """A prose cell whose lines are all ``!command`` (not ``![image](...)``) is a shell cell."""
    content = [ln.strip() for ln in lines if ln.strip()]
    return bool(content) and all(ln.startswith("!") and not ln.startswith("![") for ln in content)


def _analyse(example: Example, blocks: list[Block]) -> None:
    """Fill claims, data, backend, requirements, task and findings from the parsed cells."""
    lines_count = example.text.count("\n") + 1
    code_lines = [""] * lines_count
    for cell in example.cells:
        if cell.kind == "code":
            for offset, line in enumerate(cell.text.split("\n")):
                code_lines[cell.line - 1 + offset] = line
    tree, syntax = _parse_code(code_lines, example.cells)
    commands: list[ShellCommand] = []
    for cell in example.cells:
        if cell.kind == "shell":
            commands.extend(shell_commands(cell.text, cell.line))
        elif cell.kind == "prose":  # `!pip install x` lines written inside prose
            for offset, line in enumerate(cell.text.split("\n")):
                if re.match(r"^\s*!(?!\[)\s*\w", line):
                    commands.extend(shell_commands(line, cell.line + offset))
    facts = analyse_code(tree, commands)
    example.data_sources = facts.data_sources
    example.backend, example.backend_reason = facts.backend, facts.backend_reason
    example.imports = facts.imports
    example.epochs, example.batch_size = facts.epochs, facts.batch_size
    example.shell_commands = facts.shell_commands
    example.class_names, example.class_names_reason = facts.class_names, facts.class_names_reason
    example.requirements = requirements_from_shell(facts.shell_commands)
    example.findings = sorted(
        syntax + find_compat_issues(example.text, blocks=blocks, tree=tree),
        key=lambda f: (f.line, f.column),
    )
    header = example.header
    metrics = claims_from_text(
        header.description, "description", header.description_line or header.line
    )
    for cell in example.cells:
        if cell.kind == "prose":
            metrics.extend(claims_from_text(cell.text, "prose", cell.line))
    example.metrics = _dedupe_claims(metrics)
    _check_epochs(example)
    _reinfer_task(example)


def _parse_code(code_lines: list[str], cells: list[Cell]) -> tuple[ast.Module, list[Finding]]:
    """The code's syntax tree; on syntax errors, the tree of the cells that parse, and findings."""
    try:
        return _ast("\n".join(code_lines)), []
    except SyntaxError as whole_error:
        findings: list[Finding] = []
        body: list[ast.stmt] = []
        for cell in cells:
            if cell.kind != "code":
                continue
            try:
                tree = _ast(cell.text)
            except SyntaxError as error:
                findings.append(_syntax_finding(error, cell.line - 1))
                continue
            ast.increment_lineno(tree, cell.line - 1)
            body.extend(tree.body)
        if not findings:  # only the whole fails: a statement runs across cells
            findings.append(_syntax_finding(whole_error, 0))
        return ast.Module(body=body, type_ignores=[]), findings


def _ast(source: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (ValueError, RecursionError, MemoryError) as exc:
        error = SyntaxError(f"the code cannot be parsed ({type(exc).__name__})")
        error.lineno = 1
        raise error from None


def _syntax_finding(error: SyntaxError, offset: int) -> Finding:
    line = (error.lineno or 1) + offset
    text = (error.text or "").strip()
    where = f": {text[:80]}" if text else ""
    return Finding(
        line,
        "syntax-error",
        f"Python syntax error: {error.msg}{where}",
        "",
        False,
        max((error.offset or 1) - 1, 0),
        "",
    )


def _dedupe_claims(claims: list[ReportedMetric]) -> list[ReportedMetric]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for claim in claims:
        key = (claim.name, claim.split, claim.value, claim.qualifier, claim.origin, claim.line)
        if key not in seen:
            seen.add(key)
            out.append(claim)
    return out


def _check_epochs(example: Example) -> None:
    """Warn when the prose's epoch count disagrees with the code's."""
    if example.epochs is None:
        return
    for claim in example.metrics:
        if claim.epochs is not None and claim.epochs != example.epochs:
            example.warnings.append(
                f"line {claim.line or '?'}: the text reports {claim.raw!r} after {claim.epochs} "
                f"epochs but the code trains for {example.epochs}"
            )


def _reinfer_task(example: Example) -> None:
    example.task, example.task_reason = infer_task(
        example.header.title, example.header.description, example.category, example.data_sources
    )
