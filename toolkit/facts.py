"""What an example's code needs: data sources, backend, requirements, and the task it solves.

Everything is read from the syntax tree (one walk) and from shell commands, never by running
the code. Names are resolved through the example's imports (``from keras.datasets import
mnist`` then ``mnist.load_data()``) and simple string constants (``url = "https://..."`` then
``get_file(origin=url)``).
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast
from urllib.parse import urlsplit

from toolkit.tutobook import all_nodes, ipython_command

_GCS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# What ``keras.datasets.<name>.load_data()`` downloads (single-file datasets).
KERAS_DATASET_URLS = {
    "mnist": _GCS + "mnist.npz",
    "boston_housing": _GCS + "boston_housing.npz",
    "california_housing": _GCS + "california_housing.npz",
    "imdb": _GCS + "imdb.npz",
    "reuters": _GCS + "reuters.npz",
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "cifar100": "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    "fashion_mnist": "",  # four files under the GCS folder
}
_URL_READERS = {
    "read_csv",
    "read_table",
    "read_json",
    "read_parquet",
    "read_excel",
    "read_feather",
    "read_pickle",
    "read_fwf",
    "read_html",
    "loadtxt",
    "genfromtxt",
    "urlopen",
    "urlretrieve",
    "get",
    "download",
    "load_img",
    "imread",
    "open_url",
}
_DATA_EXTENSIONS = (
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".gz",
    ".bz2",
    ".xz",
    ".7z",
    ".csv",
    ".tsv",
    ".txt",
    ".json",
    ".jsonl",
    ".npz",
    ".npy",
    ".h5",
    ".hdf5",
    ".parquet",
    ".pkl",
    ".jpg",
    ".jpeg",
    ".png",
    ".wav",
    ".mp3",
    ".flac",
    ".data",
    ".arff",
    ".xlsx",
)
_EPOCH_NAMES = re.compile(r"^(?:num_|n_|total_|max_)?epochs?$", re.IGNORECASE)
_BATCH_NAMES = re.compile(r"^(?:global_)?batch_?size$", re.IGNORECASE)
# Names a module-level list of class names goes by, most specific first.
_CLASS_NAME_VARIABLES = ("class_names", "class_labels", "label_names", "classes", "labels")
_PIP_OPTIONS_WITH_VALUE = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--upgrade-strategy",
    "--src",
    "--progress-bar",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--only-binary",
    "--no-binary",
    "--trusted-host",
    "--cache-dir",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--report",
    "--config-settings",
    "-C",
}
_SHELL_STOP = {"|", "||", "&&", ";", ">", ">>", "2>", "&>", "2>&1", ">/dev/null", "&"}


@dataclass
class DataRef:
    """Where the example's data comes from."""

    kind: str  # keras.datasets | get_file | url | tfds | hf_datasets | shell
    name: str = ""
    url: str = ""
    line: int | None = None


@dataclass
class ShellCommand:
    """One shell command from a shell cell, a ``!`` line or an ``os.system`` call."""

    line: int
    command: str


@dataclass
class CodeFacts:
    """Everything read from the code in one pass."""

    data_sources: list[DataRef] = field(default_factory=list)
    backend: str = "any"
    backend_reason: str = ""
    imports: list[str] = field(default_factory=list)  # top-level modules, in order
    epochs: int | None = None
    batch_size: int | None = None
    shell_commands: list[ShellCommand] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    class_names_reason: str = ""  # where they were found: "`class_names` on line 42"


# -- shell ---------------------------------------------------------------------------------------
def shell_commands(text: str, first_line: int) -> list[ShellCommand]:
    """Commands in a shell cell (``!`` and ``%`` prefixes dropped, ``\\`` continuations joined).

    Markdown images (``![alt](src)``) are not commands.
    """
    commands: list[ShellCommand] = []
    pending, pending_line = "", first_line
    for offset, raw in enumerate(text.split("\n")):
        line = raw.strip()
        ipython = ipython_command(line)
        if ipython and not pending:
            if ipython[0] == "shell":  # a %%bash cell's script holds several lines
                commands.extend(
                    ShellCommand(first_line + offset, inner.command)
                    for inner in shell_commands(ipython[1], 0)
                )
            continue
        if not pending:
            pending_line = first_line + offset
            if not line or line.startswith("#") or line.startswith("!["):
                continue
            line = line.lstrip("!%").strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = re.sub(r"\s+", " ", pending + line).strip()
        pending = ""
        commands.extend(ShellCommand(pending_line, part) for part in _split_chain(full) if part)
    if pending.strip():
        commands.append(ShellCommand(pending_line, pending.strip()))
    return commands


def _split_chain(command: str) -> list[str]:
    return re.split(r"\s*(?:&&|;|\|\|)\s*", command)


@lru_cache(maxsize=512)
def _tokens(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def requirements_from_shell(commands: list[ShellCommand]) -> list[str]:
    """Packages named by ``pip install`` commands, in order, without duplicates."""
    found: list[str] = []
    for command in commands:
        tokens = _tokens(command.command)
        start = _pip_install_start(tokens)
        if start is None:
            continue
        skip_next = False
        for token in tokens[start:]:
            if token in _SHELL_STOP or token.startswith((">", "2>", "&>")):
                break
            if skip_next:
                skip_next = False
                continue
            if token in ("-e", "--editable"):
                continue
            if token.startswith("-"):
                skip_next = token in _PIP_OPTIONS_WITH_VALUE
                continue
            if token not in found:
                found.append(token)
    return found


def _pip_install_start(tokens: list[str]) -> int | None:
    for i, token in enumerate(tokens):
        name = token.rsplit("/", 1)[-1]
        is_pip = re.fullmatch(r"pip3?(?:\.\d+)?", name) or (
            re.fullmatch(r"python[\d.]*", name) and tokens[i + 1 : i + 3] == ["-m", "pip"]
        )
        if not is_pip:
            continue
        rest = tokens[i + 1 :]
        if rest[:2] == ["-m", "pip"]:
            rest = rest[2:]
            i += 2
        while rest and rest[0].startswith("-"):
            rest, i = rest[1:], i + 1
        if rest and rest[0] == "install":
            return i + 2
    return None


def data_from_shell(commands: list[ShellCommand]) -> list[DataRef]:
    """Downloads in shell commands: wget, curl, git clone, kaggle, gdown."""
    refs: list[DataRef] = []
    for command in commands:
        tokens = _tokens(command.command)
        if not tokens:
            continue
        tool = tokens[0].rsplit("/", 1)[-1]
        if tool in ("sudo",) and len(tokens) > 1:
            tokens, tool = tokens[1:], tokens[1]
        if tool in ("wget", "curl", "gdown", "aria2c"):
            output = _option_value(tokens, ("-O", "-o", "--output", "--output-document"))
            for url in (t for t in tokens[1:] if _is_url(t)):
                refs.append(DataRef("shell", output or _basename(url), url, command.line))
        elif tool == "git" and "clone" in tokens:
            url = next((t for t in tokens if _is_url(t) or t.startswith("git@")), "")
            if url:
                refs.append(
                    DataRef("shell", _basename(url).removesuffix(".git"), url, command.line)
                )
        elif tool == "kaggle" and len(tokens) > 2 and tokens[2] == "download":
            ident = _option_value(tokens, ("-d", "--dataset", "-c", "--competition")) or ""
            kind = "competitions" if tokens[1] == "competitions" else "datasets"
            if ident:
                refs.append(
                    DataRef("shell", ident, f"https://www.kaggle.com/{kind}/{ident}", command.line)
                )
    return refs


def _option_value(tokens: list[str], names: tuple[str, ...]) -> str | None:
    for i, token in enumerate(tokens[:-1]):
        if token in names:
            return tokens[i + 1]
    return None


# -- code ----------------------------------------------------------------------------------------
def analyse_code(tree: ast.Module, shell: list[ShellCommand] | None = None) -> CodeFacts:
    """Data sources, backend needs, imports, epochs and batch size of ``tree``.

    ``shell`` holds the example's shell commands; calls like ``os.system("wget ...")`` found
    in the code are added to them.
    """
    walker = _Walker()
    walker.visit_all(tree)
    commands = sorted([*(shell or []), *walker.commands], key=lambda c: c.line)
    facts = CodeFacts(
        data_sources=_dedupe([*walker.data, *data_from_shell(commands)]),
        imports=list(dict.fromkeys(walker.modules)),
        epochs=walker.epochs if walker.epochs is not None else walker.named_int(_EPOCH_NAMES),
        batch_size=(
            walker.batch_size if walker.batch_size is not None else walker.named_int(_BATCH_NAMES)
        ),
        shell_commands=commands,
    )
    facts.backend, facts.backend_reason = _backend(walker, commands)
    facts.class_names, facts.class_names_reason = class_names_from(tree)
    return facts


def class_names_from(tree: ast.Module) -> tuple[list[str], str]:
    """Class names the code lists at module level, and where: ``(["cat", "dog"], reason)``.

    Only a list or tuple of at least two string literals assigned to a name like
    ``class_names``, ``CLASS_NAMES``, ``label_names``, ``classes`` or ``labels`` counts;
    the most specific name wins, then the first assignment. ``([], "")`` when none.
    """
    found: dict[str, tuple[list[str], str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if (
            not isinstance(value, ast.List | ast.Tuple)
            or len(value.elts) < 2
            or not all(isinstance(e, ast.Constant) and type(e.value) is str for e in value.elts)
        ):
            continue
        names = [
            e.value for e in value.elts if isinstance(e, ast.Constant) and type(e.value) is str
        ]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.lower() in _CLASS_NAME_VARIABLES:
                found.setdefault(target.id.lower(), (names, f"`{target.id}` on line {node.lineno}"))
    return next((found[name] for name in _CLASS_NAME_VARIABLES if name in found), ([], ""))


class _Walker:
    """One pass over the tree collecting imports, constants, calls and backend evidence."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.modules: list[str] = []
        self.strings: dict[str, str] = {}
        self.ints: dict[str, tuple[int, int]] = {}  # name -> (value, line)
        self.data: list[DataRef] = []
        self.commands: list[ShellCommand] = []
        self.evidence: dict[str, tuple[str, int]] = {}  # kind -> (what, first line)
        self.pins: list[tuple[str, int, bool]] = []  # (backend, line, is a hard pin)
        self.epochs: int | None = None
        self.batch_size: int | None = None
        self._urls_seen: set[str] = set()

    def visit_all(self, tree: ast.Module) -> None:
        nodes = all_nodes(tree)
        later = []
        for node in nodes:  # imports and constants first: calls below resolve through them
            kind = type(node)
            # ``type() is`` rather than isinstance: this loop sees every node of the file.
            if kind is ast.Import or kind is ast.ImportFrom:
                self._import(cast(ast.Import | ast.ImportFrom, node))
            elif kind is ast.Assign or kind is ast.AnnAssign:
                self._assign(cast(ast.Assign | ast.AnnAssign, node))
            elif kind is ast.Call or kind is ast.Attribute or kind is ast.Constant:
                later.append(node)
        for node in later:
            kind = type(node)
            if kind is ast.Call:
                self._call(cast(ast.Call, node))
            elif kind is ast.Attribute:
                attribute = cast(ast.Attribute, node)
                if type(attribute.value) is ast.Name:
                    self._usage(attribute)
            elif type(cast(ast.Constant, node).value) is str:
                self._loose_url(cast(ast.Constant, node))
        self.data.sort(key=lambda d: d.line or 0)

    # imports and constants
    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.modules.append(alias.name.split(".")[0])
                local = alias.asname or alias.name.split(".")[0]
                self.aliases[local] = alias.name if alias.asname else local
                self._module_evidence(alias.name, node.lineno)
            return
        if node.level or not node.module:
            return
        self.modules.append(node.module.split(".")[0])
        for alias in node.names:
            full = f"{node.module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            self._module_evidence(full, node.lineno)

    def _module_evidence(self, dotted: str, line: int) -> None:
        if dotted.split(".")[0] in ("keras", "keras_core", "tensorflow"):
            self.evidence.setdefault("keras", ("imports Keras", line))
        if dotted == "tensorflow.keras" or dotted.startswith(
            ("tensorflow.keras.", "tensorflow.python.keras")
        ):
            self.evidence.setdefault("tf.keras", ("imports tf.keras", line))

    def _assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            return
        for target in targets:
            if isinstance(target, ast.Name):
                text = self.resolve(node.value)
                if text is not None:
                    self.strings[target.id] = text
                if isinstance(node.value, ast.Constant) and type(node.value.value) is int:
                    self.ints[target.id] = (node.value.value, node.lineno)
            elif isinstance(target, ast.Subscript) and self._is_environ(target.value):
                key = self.resolve(target.slice)
                value = self.resolve(node.value)
                if key == "KERAS_BACKEND" and value:
                    self.pins.append((value.strip().lower(), node.lineno, True))

    def _is_environ(self, node: ast.expr | None) -> bool:
        return node is not None and self.dotted(node) in ("os.environ", "environ")

    def resolve(self, node: ast.AST | None) -> str | None:
        """The string value of a constant, a known name, a sum or an f-string of those."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.strings.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.resolve(node.left), self.resolve(node.right)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    value = value.value
                part = self.resolve(value)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        return None

    def dotted(self, node: ast.AST) -> str:
        """``tensorflow.keras.datasets.mnist.load_data`` for ``tf.keras.datasets.mnist.load_data``.

        The first name is resolved through the imports; "" for anything else.
        """
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return ""
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def named_int(self, pattern: re.Pattern[str]) -> int | None:
        for name, (value, _) in self.ints.items():
            if pattern.match(name):
                return value
        return None

    def _int_arg(self, node: ast.AST | None) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id in self.ints:
            return self.ints[node.id][0]
        return None

    # calls
    def _call(self, node: ast.Call) -> None:
        name = self.dotted(node.func)
        last = name.rsplit(".", 1)[-1] if name else getattr(node.func, "attr", "")
        args = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        line = node.lineno
        if match := re.search(r"(?:^|\.)keras(?:_core)?\.datasets\.(\w+)\.load_data$", name):
            dataset = match.group(1)
            self.data.append(
                DataRef("keras.datasets", dataset, KERAS_DATASET_URLS.get(dataset, ""), line)
            )
        elif last == "get_file":
            self._get_file(node, args)
        elif name.startswith("tensorflow_datasets.") and last in ("load", "builder", "data_source"):
            dataset = self.resolve(node.args[0] if node.args else args.get("name"))
            if dataset:
                self.data.append(DataRef("tfds", dataset, "", line))
        elif name.endswith("load_dataset") and (
            name.startswith("datasets.") or name == "load_dataset"
        ):
            path = self.resolve(node.args[0] if node.args else args.get("path"))
            config = self.resolve(node.args[1] if len(node.args) > 1 else args.get("name"))
            if path:
                url = (
                    ""
                    if path in ("csv", "json", "text", "parquet", "imagefolder")
                    else f"https://huggingface.co/datasets/{path}"
                )
                self.data.append(
                    DataRef("hf_datasets", f"{path}:{config}" if config else path, url, line)
                )
        elif last in _URL_READERS:
            target = (
                node.args[0]
                if node.args
                else next(
                    (
                        args[k]
                        for k in ("url", "filepath_or_buffer", "path", "fname", "filename")
                        if k in args
                    ),
                    None,
                )
            )
            source = self.resolve(target)
            if source and _is_url(source):
                self._add_url("url", source, line)
        elif (
            name in ("os.system", "os.popen")
            or name.startswith("subprocess.")
            or (last == "system" and "get_ipython" in ast.dump(node.func))
        ):
            self._system(node, args)
        elif last == "setdefault" and self._is_environ(getattr(node.func, "value", None)):
            key = self.resolve(node.args[0]) if node.args else None
            value = self.resolve(node.args[1]) if len(node.args) > 1 else None
            if key == "KERAS_BACKEND" and value:
                self.pins.append((value.strip().lower(), line, False))
        elif last == "update" and self._is_environ(getattr(node.func, "value", None)):
            value = self.resolve(args.get("KERAS_BACKEND"))
            if node.args and isinstance(node.args[0], ast.Dict):
                for item, val in zip(node.args[0].keys, node.args[0].values, strict=False):
                    if self.resolve(item) == "KERAS_BACKEND":
                        value = self.resolve(val)
            if value:
                self.pins.append((value.strip().lower(), line, True))
        elif name.endswith("config.set_backend") and node.args:
            value = self.resolve(node.args[0])
            if value:
                self.pins.append((value.strip().lower(), line, True))
        if last in ("fit", "fit_generator"):
            epochs = self._int_arg(args.get("epochs"))
            batch = self._int_arg(args.get("batch_size"))
            self.epochs = epochs if epochs is not None else self.epochs
            self.batch_size = batch if batch is not None else self.batch_size
        elif last == "batch" and node.args and self.batch_size is None:
            self.batch_size = self._int_arg(node.args[0])

    def _get_file(self, node: ast.Call, args: dict[str, ast.expr]) -> None:
        fname = self.resolve(args.get("fname"))
        origin = self.resolve(args.get("origin"))
        positional = [self.resolve(a) for a in node.args]
        if origin is None and len(positional) > 1:
            origin = positional[1]
        if fname is None and positional:
            if positional[0] and _is_url(positional[0]) and origin is None:
                origin = positional[0]
            else:
                fname = positional[0]
        url = origin if origin and _is_url(origin) else ""
        name = fname or (_basename(url) if url else "")
        if url:
            self._urls_seen.add(url)
        self.data.append(DataRef("get_file", name, url, node.lineno))

    def _add_url(self, kind: str, url: str, line: int) -> None:
        if url not in self._urls_seen:
            self._urls_seen.add(url)
            self.data.append(DataRef(kind, _basename(url), url, line))

    def _loose_url(self, node: ast.Constant) -> None:
        """A data-file URL in a string constant, used some way we did not recognise."""
        if not isinstance(node.value, str) or "://" not in node.value:
            return
        text = node.value.strip()
        if (
            _is_url(text)
            and " " not in text
            and urlsplit(text).path.lower().endswith(_DATA_EXTENSIONS)
        ):
            self._add_url("url", text, node.lineno)

    def _system(self, node: ast.Call, args: dict[str, ast.expr]) -> None:
        first = node.args[0] if node.args else args.get("args") or args.get("cmd")
        if isinstance(first, ast.List | ast.Tuple):
            parts = [self.resolve(e) for e in first.elts]
            words = [p for p in parts if p is not None]
            if len(words) == len(parts):
                self.commands.append(ShellCommand(node.lineno, shlex.join(words)))
            return
        text = self.resolve(first)
        if text:
            self.commands.append(ShellCommand(node.lineno, text))

    # backend evidence
    def _usage(self, node: ast.Attribute) -> None:
        """Backend evidence from the first attribute of an imported name (``tf.data``)."""
        if node.value.id not in self.aliases:  # type: ignore[attr-defined]
            return
        name = self.dotted(node)
        root = name.split(".")[0]
        if root == "tensorflow" and name != "tensorflow":
            if name.startswith("tensorflow.keras"):
                self.evidence.setdefault("tf.keras", ("uses tf.keras", node.lineno))
            elif name.startswith("tensorflow.data"):
                self.evidence.setdefault("tf.data", ("uses tf.data", node.lineno))
            else:
                short = "tf." + ".".join(name.split(".")[1:3])
                self.evidence.setdefault("tf", (f"calls TensorFlow ops ({short})", node.lineno))
        elif root == "tensorflow_addons":
            self.evidence.setdefault("tfa", ("uses TensorFlow Addons", node.lineno))
        elif root == "tensorflow_datasets":
            self.evidence.setdefault("tfds", ("uses TensorFlow Datasets", node.lineno))
        elif root == "jax":
            self.evidence.setdefault("jax", (f"calls JAX directly ({name})", node.lineno))
        elif root == "torch":
            self.evidence.setdefault("torch", (f"calls PyTorch directly ({name})", node.lineno))


def _backend(walker: _Walker, commands: list[ShellCommand]) -> tuple[str, str]:
    for command in commands:  # `export KERAS_BACKEND=jax` in a shell cell
        match = re.search(r"\bKERAS_BACKEND=([\"']?)(\w+)\1", command.command)
        if match:
            walker.pins.append((match.group(2).lower(), command.line, True))
    evidence = walker.evidence
    tf_kinds = [k for k in ("tf.keras", "tf.data", "tf", "tfa", "tfds") if k in evidence]
    tf_note = ", ".join(f"{evidence[k][0]} (line {evidence[k][1]})" for k in tf_kinds)
    pins = sorted((p for p in walker.pins if p[2]), key=lambda p: p[1])
    if pins:
        backend, line, _ = pins[0]
        reason = f"KERAS_BACKEND is set to {backend!r} on line {line}"
        if tf_kinds and backend != "tensorflow":
            reason += f"; it also {tf_note}, so TensorFlow must be installed"
        return backend, reason
    if tf_kinds:
        return "tensorflow", f"TensorFlow only: it {tf_note}"
    for kind, backend in (("jax", "jax"), ("torch", "torch")):
        if kind in evidence:
            what, line = evidence[kind]
            return backend, f"it {what} (line {line}) without setting KERAS_BACKEND"
    defaults = sorted((p for p in walker.pins if not p[2]), key=lambda p: p[1])
    if "keras" not in evidence:
        return "any", "no Keras or TensorFlow code found"
    reason = "Keras 3 code with no backend-specific calls and no KERAS_BACKEND pin"
    if defaults:
        reason += (
            f"; KERAS_BACKEND defaults to {defaults[0][0]!r} (setdefault, line "
            f"{defaults[0][1]}) and may be overridden"
        )
    return "any", reason


def _dedupe(refs: list[DataRef]) -> list[DataRef]:
    seen: set[tuple[str, str]] = set()
    out = []
    for ref in refs:
        key = ("url", ref.url) if ref.url else (ref.kind, ref.name)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


def _is_url(text: str | None) -> bool:
    return bool(text) and re.match(r"^(?:https?|ftp|gs|s3)://\S+$", str(text).strip()) is not None


def _basename(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or urlsplit(url).netloc


# -- task ----------------------------------------------------------------------------------------
_TASK_RULES: list[tuple[str, str]] = [
    ("segmentation", r"segment"),
    ("object-detection", r"object detection|\bdetector\b|retinanet|\byolo|bounding box"),
    ("anomaly-detection", r"anomal|outlier"),
    ("translation", r"translat|seq2seq|sequence[- ]to[- ]sequence"),
    ("question-answering", r"question[- ]answering"),
    ("speech-recognition", r"speech recognition|speech[- ]to[- ]text|\basr\b"),
    (
        "image-to-image",
        r"super[- ]?resolution|denois|deblur|low[- ]light|colori[sz]|"
        r"image[- ]to[- ]image|inpaint|enhancement",
    ),
    (
        "text-generation",
        r"text generation|generat\w* text|language model|char(?:acter)?[- ]level"
        r"|\bgpt\b|lstm.{0,20}generat",
    ),
    (
        "generation",
        r"\b(?:dc|w|cycle|style|cond|info|pro|big)?gans?\b|adversarial network|"
        r"\bvae\b|variational auto|diffusion|generative|image generation|"
        r"generat\w* (?:\w+ )?(?:images?|faces?|digits?|samples|music|audio)|"
        r"style transfer|deep ?dream|pixelcnn|autoencoder",
    ),
    ("time-series", r"forecast|time[- ]?series|timeseries"),
    ("regression", r"regression|predict\w* (?:the )?(?:price|value|rating)"),
    ("reinforcement-learning", r"reinforcement|\bq-learning|actor[- ]critic|\bppo\b|\bdqn\b"),
    ("similarity", r"similarity|metric learning|siamese|retrieval|image search"),
    ("recommendation", r"recommend|collaborative filtering"),
    ("node-classification", r"node classification|graph"),
]
_CLASSIFY = r"classif|recogni(?:[sz]|tion)|sentiment|categori[sz]|detect\w* (?:spam|fraud)"
_DATASET_TASKS = {
    "mnist": "image-classification",
    "fashion_mnist": "image-classification",
    "cifar10": "image-classification",
    "cifar100": "image-classification",
    "imdb": "text-classification",
    "reuters": "text-classification",
    "boston_housing": "regression",
    "california_housing": "regression",
}


def infer_task(title: str, description: str, category: str, data: list[DataRef]) -> tuple[str, str]:
    """The task kind and why: from the title and description, the keras-io category, the data."""
    words = f"{title} {description}".lower()
    category = category.lower()
    for task, pattern in _TASK_RULES:
        match = re.search(pattern, words)
        if match:
            if task == "time-series" and re.search(_CLASSIFY, words):
                return "time-series-classification", f"the title/description say {match.group()!r}"
            return task, f"the title/description say {match.group()!r}"
    if category == "timeseries":
        kind = "time-series-classification" if re.search(_CLASSIFY, words) else "time-series"
        return kind, "keras-io category 'timeseries'"
    classify = re.search(_CLASSIFY, words)
    modality = {
        "vision": "image",
        "nlp": "text",
        "audio": "audio",
        "structured_data": "tabular",
        "graph": "node",
    }.get(category)
    if classify:
        modality = modality or _modality(words)
        if modality:
            return f"{modality}-classification", f"classification of {modality} data"
    for ref in data:
        if ref.kind == "keras.datasets" and ref.name in _DATASET_TASKS:
            return _DATASET_TASKS[ref.name], f"it loads keras.datasets.{ref.name}"
    if category == "generative":
        return "generation", "keras-io category 'generative'"
    if category == "rl":
        return "reinforcement-learning", "keras-io category 'rl'"
    return "unknown", "nothing in the title, description, category or data says"


def _modality(words: str) -> str | None:
    for modality, pattern in (
        (
            "time-series",
            r"waveform|signal|time[- ]?series|1d conv|sensor|"
            r"\becg\b|\beeg\b|accelerometer",
        ),
        (
            "image",
            r"image|photo|picture|vision|convnet|cnn|pixel|mnist|"
            r"cifar",
        ),
        ("text", r"text|sentence|review|word|token|nlp|language|imdb"),
        ("audio", r"audio|speech|sound|speaker|spoken"),
        ("tabular", r"tabular|structured|csv|feature"),
    ):
        if re.search(pattern, words):
            return modality
    return None
