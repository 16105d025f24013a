"""The reproduction manifest: ``reproductions/<slug>/reproduction.toml``.

The manifest is the one record of what a reproduction claims: where the example came
from, what it reports (metrics with direction and tolerance), what data it needs, how to
run it, and where it is published. Every later step (run, check, card, push, space,
validate, status) reads it; only ``sprint new`` and ``sprint push`` write it.

Layout (TOML)::

    schema_version = 1
    slug = "mnist_convnet"

    [source]        kind, path, url, sha256, commit
    [example]       title, authors = [{name, url}], date_created, last_modified,
                    description, accelerator, category, name, extra_headers = {...}
    [[metrics]]     name, split, value, direction, tolerance, tolerance_kind,
                    qualifier, epochs, origin, sentence, required, reason,
                    run_key, rule, alpha
    [[data]]        kind, name, url
    [run]           script, backend, backend_note, epochs, batch_size, seeds,
                    requirements, smoke_steps, smoke_budget, training
    [task]          kind, input_shape, class_names, input_scale, notes,
                    feature_names, vocabulary
    [hub]           repo_id, space_id, license, pushed_commit, space_commit,
                    pushed_url, pushed_pr_url, pushed_run
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from toolkit.errors import ManifestError
from toolkit.field_types import choice_problem, describe, relative_path_problem, type_problems
from toolkit.fsutil import atomic_write_text
from toolkit.task_kinds import SUGGESTED_KINDS, is_known_kind

MANIFEST_NAME = "reproduction.toml"
SCHEMA_VERSION = 1
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}\Z")  # \Z: "$" would accept a final newline

Direction = Literal["higher", "lower"]
ToleranceKind = Literal["absolute", "relative"]
SPLITS = ("train", "validation", "test")
DIRECTIONS = ("higher", "lower")
TOLERANCE_KINDS = ("absolute", "relative")
QUALIFIERS = ("approx", "at_least", "at_most", "exact")
RULES = ("mean", "non-inferiority")
SOURCE_KINDS = ("tutobook", "notebook", "keras-io")
BACKENDS = ("tensorflow", "jax", "torch")  # the Keras 3 backends a run can use
RUN_BACKENDS = ("any", *BACKENDS)
TRAINING_KINDS = ("fit", "custom")

# Metric names whose larger values are worse.
LOWER_IS_BETTER = ("loss", "error", "mae", "mse", "rmse", "perplexity", "crossentropy")


def default_direction(metric_name: str) -> Direction:
    """``"lower"`` for losses and errors, ``"higher"`` for everything else."""
    name = metric_name.lower()
    return "lower" if any(token in name for token in LOWER_IS_BETTER) else "higher"


def validate_slug(slug: str) -> str:
    """Return ``slug`` if it is a safe folder name, else raise :class:`ManifestError`."""
    if not SLUG_RE.match(slug or ""):
        raise ManifestError(
            f"The slug {slug!r} is not a valid reproduction name",
            where="the --slug option or the example's file name",
            fix="use 1-80 lowercase letters, digits, '_' or '-', starting with a letter or "
            "digit (no '/', '..' or spaces), e.g. --slug mnist_convnet",
        )
    return slug


@dataclass
class Author:
    name: str
    url: str = ""


@dataclass
class Source:
    kind: str = "tutobook"  # tutobook | notebook | keras-io
    path: str = ""
    url: str = ""
    sha256: str = ""
    commit: str = ""


@dataclass
class ExampleInfo:
    title: str = ""
    authors: list[Author] = field(default_factory=list)
    date_created: str = ""
    last_modified: str = ""
    description: str = ""
    accelerator: str = ""
    category: str = ""
    name: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Metric:
    """A metric the example reports, and how the check judges it."""

    name: str
    split: str
    value: float
    direction: str = "higher"
    tolerance: float = 0.01
    tolerance_kind: str = "absolute"
    qualifier: str = "approx"
    epochs: int | None = None
    origin: str = "prose"  # description | prose | output | manual
    sentence: str = ""
    required: bool = True
    reason: str = ""
    # The metrics.json log key that measures it, when its name differs; "evaluations[N].key"
    # reads the N-th evaluate() call instead of the final one (a baseline, a teacher).
    run_key: str = ""
    # How the seeds are judged: "mean" (the mean lies within the bound) or
    # "non-inferiority" (a one-sided t-test at level alpha that the mean is no worse than
    # the reported value by more than the tolerance: decisive, or it does not pass).
    rule: str = "mean"
    alpha: float = 0.05
    # For scripts that print their result instead of returning it from fit() (a custom loop,
    # reinforcement learning): a regular expression over the run's train.log whose last match
    # gives the value (its one capture group, or the group named "value").
    log_pattern: str = ""

    @property
    def key(self) -> str:
        return f"{self.split}/{self.name}"

    @property
    def margin(self) -> float:
        """The tolerance in the metric's own units (a relative one scaled by the value)."""
        return self.tolerance * (abs(self.value) if self.tolerance_kind == "relative" else 1)

    def bounds(self) -> tuple[float, float]:
        """The interval of values that pass (one side may be infinite)."""
        margin = self.margin
        low, high = self.value - margin, self.value + margin
        if self.qualifier == "at_least" or self.direction == "higher":
            high = float("inf")
        if self.qualifier == "at_most" or self.direction == "lower":
            low = float("-inf")
        return low, high


@dataclass
class DataSource:
    kind: str  # keras.datasets | get_file | url | tfds | hf_datasets | shell | generated
    name: str = ""
    url: str = ""
    line: int | None = None


@dataclass
class RunConfig:
    script: str = "train.py"
    backend: str = "any"  # any | tensorflow | jax | torch
    backend_note: str = ""
    epochs: int | None = None
    batch_size: int | None = None
    seeds: int = 3
    requirements: list[str] = field(default_factory=list)
    smoke_steps: int = 5
    # Seconds the script may run in a smoke run (after the harness' start-up); then it is
    # stopped, and the smoke run passes if training steps ran. No effect on full runs.
    smoke_budget: float = 60.0
    # "fit": a run must train through keras Model.fit() to count; "custom": the script
    # trains in its own loop (reinforcement learning, a GAN), which the harness cannot see.
    training: str = "fit"


@dataclass
class TaskInfo:
    kind: str = "unknown"
    input_shape: list[int] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    input_scale: float | None = None
    notes: str = ""
    # Tabular models with one vector input: the column names, in order.
    feature_names: list[str] = field(default_factory=list)
    # Text models fed token ids: a vocabulary file (one token per line, line i = id i),
    # relative to the reproduction folder.
    vocabulary: str = ""
    # The part of the trained model a demo calls, an attribute of it (a VAE's "decoder", a
    # distiller's "student"); "" for the model itself.
    submodel: str = ""
    # Reinforcement-learning agents: the gymnasium environment id the policy demo runs
    # (e.g. "CartPole-v0"); "" for every other task.
    environment: str = ""


@dataclass
class HubInfo:
    repo_id: str = ""
    space_id: str = ""
    license: str = "apache-2.0"
    pushed_commit: str = ""
    space_commit: str = ""
    pushed_url: str = ""  # the pushed commit's URL (written by `sprint push`)
    pushed_pr_url: str = ""  # the pull request it opened, with --create-pr
    pushed_run: str = ""  # the run whose weights were pushed


@dataclass
class Manifest:
    slug: str
    source: Source = field(default_factory=Source)
    example: ExampleInfo = field(default_factory=ExampleInfo)
    metrics: list[Metric] = field(default_factory=list)
    data: list[DataSource] = field(default_factory=list)
    run: RunConfig = field(default_factory=RunConfig)
    task: TaskInfo = field(default_factory=TaskInfo)
    hub: HubInfo = field(default_factory=HubInfo)
    schema_version: int = SCHEMA_VERSION

    # -- serialisation -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return _drop_none(asdict(self))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "reproduction.toml") -> Manifest:
        try:
            validate_slug(raw.get("slug", ""))
            example = raw.get("example", {})
            if isinstance(example, dict) and isinstance(example.get("authors"), list):
                example = {
                    **example,
                    "authors": [
                        _build(Author, a, where, f"example.authors[{i}]")
                        for i, a in enumerate(example["authors"])
                    ],
                }
            manifest = cls(
                slug=raw["slug"],
                source=_build(Source, raw.get("source", {}), where, "source"),
                example=_build(ExampleInfo, example, where, "example"),
                metrics=[
                    _build(Metric, m, where, f"metrics[{i}]")
                    for i, m in enumerate(_array(raw, "metrics", where))
                ],
                data=[
                    _build(DataSource, d, where, f"data[{i}]")
                    for i, d in enumerate(_array(raw, "data", where))
                ],
                run=_build(RunConfig, raw.get("run", {}), where, "run"),
                task=_build(TaskInfo, raw.get("task", {}), where, "task"),
                hub=_build(HubInfo, raw.get("hub", {}), where, "hub"),
                schema_version=_schema_version(raw, where),
            )
        except ManifestError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(
                f"The manifest is malformed ({exc})",
                where=where,
                fix="compare it with the layout documented in toolkit/manifest.py, or "
                "regenerate it with `sprint new SOURCE --force`",
            ) from exc
        return manifest

    def to_toml(self) -> str:
        import tomlkit

        return tomlkit.dumps(self.to_dict())

    # -- file IO -------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        path = Path(folder) / MANIFEST_NAME
        atomic_write_text(path, self.to_toml())
        return path

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = Path(folder) / MANIFEST_NAME
        if not path.is_file():
            raise ManifestError(
                f"No manifest found at {path}",
                where=str(path),
                fix="scaffold the reproduction first with `sprint new SOURCE`",
            )
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ManifestError(
                f"The manifest is not valid TOML ({exc})",
                where=str(path),
                fix="fix the TOML syntax at the position shown",
            ) from exc
        return cls.from_dict(raw, where=str(path))


def _build(cls: type, raw: Any, where: str, section: str) -> Any:
    """``cls(**raw)`` for one manifest section, every field checked against its type."""
    if not isinstance(raw, dict):
        raise ManifestError(
            f"[{section}] is {describe(type(raw))}, not a table",
            where=where,
            fix=f"write it as a TOML table ([{section}] or [[{section.split('[')[0]}]]) "
            "of keys and values",
        )
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ManifestError(
            f"Unknown key(s) {', '.join(unknown)} in [{section}]",
            where=where,
            fix=f"remove them or use one of: {', '.join(sorted(known))}",
        )
    try:
        built = cls(**raw)
    except TypeError as exc:
        raise ManifestError(
            f"[{section}] is incomplete ({exc})",
            where=where,
            fix="add the missing keys shown",
        ) from exc
    if problems := type_problems(built) + _value_problems(built):
        raise ManifestError(
            f"[{section}] has invalid values: " + "; ".join(problems),
            where=where,
            fix="correct the values named above (TOML numbers and true/false are unquoted)",
        )
    return built


def _array(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    """An array of tables such as ``[[metrics]]``, or a clear complaint."""
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ManifestError(
            f"{key} is {describe(type(value))}, not an array of tables",
            where=where,
            fix=f"write each entry as its own [[{key}]] table",
        )
    return value


def _schema_version(raw: dict[str, Any], where: str) -> int:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ManifestError(
            f"schema_version = {version!r} is not a version this toolkit reads ({SCHEMA_VERSION})",
            where=where,
            fix=f"set schema_version = {SCHEMA_VERSION} (unquoted), or update keras-sprint",
        )
    return version


def _value_problems(section: Any) -> list[str]:
    """What lies outside its allowed set or range, once the types are right."""
    problems = []

    def choose(name: str, allowed: tuple[str, ...]) -> None:
        if why := choice_problem(name, getattr(section, name), allowed):
            problems.append(why)

    def number(name: str) -> float | None:
        value = getattr(section, name)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    def at_least_one(name: str) -> None:
        if (value := number(name)) is not None and value < 1:
            problems.append(f"{name} = {value} is not a positive count")

    def inside(name: str, *, required: bool) -> None:
        value = getattr(section, name)
        if not isinstance(value, str):
            return
        if not value.strip():
            if required:
                problems.append(f"{name} is empty: name a file in the reproduction folder")
        elif why := relative_path_problem(value):
            problems.append(
                f"{name} = {value!r} {why}: name a file inside the reproduction "
                "folder, relative to it"
            )

    if isinstance(section, Source):
        choose("kind", SOURCE_KINDS)
    elif isinstance(section, RunConfig):
        choose("backend", RUN_BACKENDS)
        choose("training", TRAINING_KINDS)
        for name in ("seeds", "smoke_steps", "epochs", "batch_size"):
            at_least_one(name)
        if (budget := number("smoke_budget")) is not None and budget <= 0:
            problems.append(f"smoke_budget = {budget!r} is not a positive number of seconds")
        inside("script", required=True)
    elif isinstance(section, TaskInfo):
        inside("vocabulary", required=False)
        if isinstance(section.kind, str) and not is_known_kind(section.kind):
            problems.append(
                f"kind = {section.kind!r} is no task kind a card or Space knows "
                f"(e.g. {', '.join(SUGGESTED_KINDS)})"
            )
    elif isinstance(section, Metric):
        choose("split", SPLITS)
        choose("direction", DIRECTIONS)
        choose("tolerance_kind", TOLERANCE_KINDS)
        choose("qualifier", QUALIFIERS)
        choose("rule", RULES)
        if (tolerance := number("tolerance")) is not None and tolerance < 0:
            problems.append(f"tolerance = {tolerance!r} is negative")
        if (alpha := number("alpha")) is not None and not 0 < alpha < 0.5:
            problems.append(f"alpha = {alpha!r} is not a level between 0 and 0.5")
        at_least_one("epochs")
        if isinstance(section.log_pattern, str) and section.log_pattern:
            if why := log_pattern_problem(section.log_pattern):
                problems.append(why)
            if section.run_key:
                problems.append(
                    "run_key and log_pattern are both set: a metric is read from metrics.json "
                    "(run_key) or from the printed log (log_pattern), not both"
                )
    return problems


def log_pattern_problem(pattern: str) -> str:
    """Why ``pattern`` cannot read a number from a log line; ``""`` when it can."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"log_pattern = {pattern!r} is not a regular expression ({exc})"
    if "value" not in compiled.groupindex and compiled.groups != 1:
        return (
            f"log_pattern = {pattern!r} has {compiled.groups} capture groups: give it exactly "
            "one, around the number, or name the number's group (?P<value>...)"
        )
    return ""


def _drop_none(obj: Any) -> Any:
    """TOML has no null: drop ``None`` values recursively."""
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def reproduction_dir(root: Path, slug: str) -> Path:
    """``<root>/reproductions/<slug>`` after validating the slug."""
    return Path(root) / "reproductions" / validate_slug(slug)


def record_hub_fields(folder: Path, values: dict[str, str]) -> Path:
    """Set fields of ``[hub]`` in ``folder``'s manifest, keeping its comments and layout.

    The edited text must still load as a manifest; it is then written atomically.

    Args:
        folder: the reproduction folder.
        values: ``[hub]`` field names and their new values.

    Returns:
        The manifest's path.

    Raises:
        ManifestError: a field is not one of ``[hub]``, or the result does not load.
    """
    import tomlkit

    known = {f.name for f in fields(HubInfo)}
    if unknown := sorted(set(values) - known):
        raise ManifestError(
            f"[hub] has no field {', '.join(unknown)}",
            where=str(Path(folder) / MANIFEST_NAME),
            fix=f"use one of {', '.join(sorted(known))}",
        )
    path = Path(folder) / MANIFEST_NAME
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    hub = doc.get("hub")
    if not isinstance(hub, dict):
        hub = tomlkit.table()
        doc["hub"] = hub
    hub.update(values)
    text = tomlkit.dumps(doc)
    Manifest.from_dict(tomllib.loads(text), where=str(path))  # still a valid manifest
    atomic_write_text(path, text)
    return path
