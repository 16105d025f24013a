"""``sprint new``: turn a parsed :class:`~toolkit.example.Example` into ``reproductions/<slug>/``.

The folder holds ``reproduction.toml`` (the manifest), ``train.py`` (the example as a plain
script) and a contributor ``README.md``. Like copier, the scaffold records what it generated
(``.scaffold.json``: file hashes, and every mechanical fix applied to ``train.py``), so a re-run
with ``--force`` can tell contributor edits from untouched output and backs up the edited files
before replacing them.

Uses of APIs that today's libraries removed are fixed by default where the fix is a pure rename
(:func:`toolkit.compat.apply_fixes`); ``fix=False`` keeps the example's code as written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import UsageError
from toolkit.fsutil import atomic_write_text, sha256_bytes, staging_dir
from toolkit.manifest import (
    MANIFEST_NAME,
    Author,
    DataSource,
    ExampleInfo,
    HubInfo,
    Manifest,
    Metric,
    RunConfig,
    Source,
    TaskInfo,
    default_direction,
    validate_slug,
)
from toolkit.task_kinds import is_classification

if TYPE_CHECKING:
    from toolkit.claims import ReportedMetric
    from toolkit.compat import Finding
    from toolkit.example import Example

SCAFFOLD_RECORD = ".scaffold.json"
BACKUP_DIR = ".backup"
HUB_NAMESPACE = "keras-io"

# Default tolerances, written into the manifest with their reason so a contributor revisits them.
FRACTION_TOLERANCE = 0.01  # absolute, for accuracies and other fractions
RAW_TOLERANCE = 0.10  # relative, for losses, errors and other raw numbers


@dataclass(frozen=True)
class AppliedFix:
    """One mechanical fix written into the scaffold: where, which rule, the text it replaced."""

    file: str  # e.g. "train.py"
    line: int  # 1-based, in ``file``
    source_line: int  # 1-based, in the example source
    rule: str  # a compat finding code, e.g. "optimizer-lr"
    before: str
    after: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "source_line": self.source_line,
            "rule": self.rule,
            "before": self.before,
            "after": self.after,
            "message": self.message,
        }


@dataclass
class ScaffoldResult:
    """What ``sprint new`` wrote and what it noticed."""

    folder: Path
    manifest: Manifest
    written: list[str]
    backed_up: list[str] = field(default_factory=list)
    backup_dir: Path | None = None
    unresolved: list[str] = field(default_factory=list)
    fixes: list[AppliedFix] = field(default_factory=list)
    example: Example | None = None  # the example as scaffolded (fixes applied)


def slug_for(example: Example) -> str:
    """A default slug: the example's file name, lower-cased, unsafe characters replaced."""
    stem = example.name or (example.path.stem if example.path else "") or example.header.title
    slug = re.sub(r"[^a-z0-9_-]+", "_", stem.lower()).strip("_-")[:80]
    return slug or "example"


def build_manifest(example: Example, slug: str) -> Manifest:
    """The manifest for ``example``: header facts, reported metrics, data, run and hub plan."""
    header = example.header
    hub_name = slug.replace("_", "-")
    return Manifest(
        slug=slug,
        source=Source(
            kind=example.source_kind,
            path=str(example.path or ""),
            url=example.url,
            sha256=example.sha256,
            commit=example.commit,
        ),
        example=ExampleInfo(
            title=header.title,
            authors=[Author(a.name, a.url) for a in header.authors],
            date_created=header.date_created,
            last_modified=header.last_modified,
            description=header.description,
            accelerator=header.accelerator,
            category=example.category,
            name=example.name,
            extra_headers=dict(header.extra),
        ),
        metrics=[metric_from_claim(claim) for claim in example.metrics],
        data=[
            DataSource(kind=d.kind, name=d.name, url=d.url, line=d.line)
            for d in example.data_sources
        ],
        run=RunConfig(
            backend=example.backend,
            backend_note=example.backend_reason,
            epochs=example.epochs,
            batch_size=example.batch_size,
            requirements=list(example.requirements),
        ),
        task=TaskInfo(
            kind=example.task,
            class_names=list(example.class_names),
            notes=_class_names_note(example),
        ),
        hub=HubInfo(repo_id=f"{HUB_NAMESPACE}/{hub_name}", space_id=f"{HUB_NAMESPACE}/{hub_name}"),
    )


def _class_names_note(example: Example) -> str:
    """Where the class names came from, kept in ``[task] notes`` for the contributor."""
    if not example.class_names:
        return ""
    return f"class_names: read from {example.class_names_reason} of the example"


def metric_from_claim(claim: ReportedMetric) -> Metric:
    """A checkable metric from a reported claim, with a default tolerance and its reason."""
    is_fraction = 0.0 <= claim.value <= 1.0 and "loss" not in claim.name
    if claim.qualifier in ("at_least", "at_most"):
        tolerance, kind = 0.0, "absolute"
        reason = f"default: the example says '{claim.raw}', a bound, so no slack is added"
    elif is_fraction:
        tolerance, kind = FRACTION_TOLERANCE, "absolute"
        reason = "default for fractions (1 point); set it from the spread measured over seeds"
    else:
        tolerance, kind = RAW_TOLERANCE, "relative"
        reason = "default for raw values (10%); set it from the spread measured over seeds"
    return Metric(
        name=claim.name,
        split=claim.split,
        value=claim.value,
        direction=default_direction(claim.name),
        tolerance=tolerance,
        tolerance_kind=kind,
        qualifier=claim.qualifier,
        epochs=claim.epochs,
        origin=claim.origin,
        sentence=claim.sentence,
        # Claims from the text are what the example promises; printed figures are one run's
        # outcome, and a claim that names no split is ambiguous: both are recorded for
        # comparison but not required unless the contributor says so.
        required=claim.origin != "output" and claim.explicit_split,
        reason=reason
        if claim.explicit_split
        else reason + "; the text names no split (test assumed): confirm, then set required",
    )


# -- train.py ------------------------------------------------------------------------------------
def render_train_script(example: Example, source_label: str) -> str:
    """The example as a plain runnable script: prose as comments, shell cells as comments."""
    return _render_train_lines(example, source_label)[0]


def _render_train_lines(example: Example, source_label: str) -> tuple[str, dict[int, int]]:
    """``train.py``'s text, and the line in it of each code line of the example source."""
    header = example.header
    authors = ", ".join(a.name for a in header.authors) or "unknown"
    docstring = [
        *_wrap_words((header.title or "Keras example") + "."),
        "",
        *_wrap_words(f"Reproduction of {example.url or source_label}"),
        *_wrap_words(
            f"Scaffolded by keras-sprint from {source_label} (sha256 {example.sha256[:12]})."
        ),
        *_wrap_words(f"Original authors: {authors}."),
    ]
    lines = ['"""' + docstring[0], *docstring[1:], '"""', ""]
    where: dict[int, int] = {}
    for cell in example.cells:
        if cell.kind == "code":
            first = sum(part.count("\n") + 1 for part in lines) + 1
            text = cell.text.rstrip("\n")
            where.update({cell.line + i: first + i for i in range(text.count("\n") + 1)})
            lines.append(text)
        elif cell.kind == "shell":
            lines.append("# Shell commands from the example (requirements are in the manifest):")
            lines.extend(
                f"# $ {line.lstrip('!').strip()}" for line in cell.text.splitlines() if line.strip()
            )
        else:
            tag = "(hidden in the rendered page) " if cell.kind == "invisible" else ""
            lines.extend(_as_comment(tag + cell.text))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n", where


def _wrap_words(text: str, width: int = 92) -> list[str]:
    """``text`` wrapped at whole words, so a long path or URL stays on one line of its own.

    Linters accept an over-long line that is a single word, never one that mixes prose with it:
    how long the source path is (it depends on where the checkout lives) must not decide
    whether the generated script is lint-clean.
    """
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _as_comment(text: str) -> list[str]:
    out: list[str] = []
    for line in text.strip("\n").splitlines():
        wrapped = textwrap.wrap(line, 96) if len(line) > 98 else [line]
        out.extend(f"# {part}".rstrip() for part in (wrapped or [""]))
    return out


def render_contributor_readme(
    manifest: Manifest, example: Example, fixes: list[AppliedFix] | None = None
) -> str:
    """The short ``README.md`` telling the contributor what to check next."""
    m = manifest
    metrics = (
        "\n".join(
            f"- `{x.split} {x.name}` = {x.value:g} ({x.qualifier}, from the {x.origin}; "
            f'tolerance {x.tolerance:g} {x.tolerance_kind}): "{x.sentence.strip()}"'
            for x in m.metrics
        )
        or "- none found: add the figures the example reports to `[[metrics]]` by hand"
    )
    data = "\n".join(f"- {d.kind}: {d.url or d.name}" for d in m.data) or "- none found"
    findings = (
        "\n".join(
            f"- line {f.line}: {f.message}" + (f" (fix: {f.replacement})" if f.replacement else "")
            for f in example.findings
        )
        or "- none"
    )
    applied = (
        "\n".join(
            f"- `{x.file}` line {x.line}: `{x.before}` -> `{x.after}` ({x.rule})" for x in fixes
        )
        if fixes
        else "- none"
    )
    inferred_header = "".join(
        f"{name.capitalize()}: {getattr(example.header, name, '')!r}, inferred {how} (the "
        "example has no header docstring).\n"
        for name, how in example.header.inferred.items()
    )
    classes = (
        f"{', '.join(m.task.class_names)} ({example.class_names_reason})"
        if m.task.class_names
        else "none found (set [task] class_names for a classifier)"
    )
    return f"""# Reproduction: {m.example.title}

Scaffolded by `sprint new` from `{m.source.path}`. Example page: {m.source.url or "unknown"}

## Check next
1. Read `train.py` against the example: model, data split, preprocessing, optimizer, batch size
   and epochs must be faithful. Make it backend-agnostic Keras 3 (no `tf.data`, no `tf.*` ops).
2. Review the reported metrics in `reproduction.toml` (`[[metrics]]`): keep the ones the example
   really claims, set each tolerance from the spread you measure over seeds, and say why in
   `reason`.
3. Stage the data in the local mirror (`sprint data add URL FILE`), then
   `sprint run {m.slug} --smoke` and `sprint run {m.slug} --seeds 3`.
4. `sprint check {m.slug}`, `sprint card {m.slug}`, `sprint space {m.slug}`.

## What was inferred
{inferred_header}
Backend: {m.run.backend} ({m.run.backend_note or "no reason recorded"}). Task: {m.task.kind}.
Class names: {classes}.

Reported metrics:
{metrics}

Data sources:
{data}

Mechanical fixes applied to `train.py` for removed APIs (`sprint new --no-fix` keeps the code
as written; each is also recorded in `.scaffold.json`):
{applied}

Compatibility findings left for you (the code as scaffolded still uses these):
{findings}
"""


# -- writing -------------------------------------------------------------------------------------
def scaffold(
    example: Example,
    root: Path,
    *,
    slug: str | None = None,
    force: bool = False,
    fix: bool = True,
    source_label: str | None = None,
) -> ScaffoldResult:
    """Write ``<root>/reproductions/<slug>/`` for ``example``.

    Everything is rendered in memory first, so bad input writes nothing. A new folder appears
    in one rename; an existing one is only touched with ``force``, and files the contributor
    edited since the last scaffold are copied to ``.backup/<timestamp>/`` first. With ``fix``
    (the default) removed APIs are renamed in ``train.py``; each fix is in ``result.fixes``.
    """
    slug = validate_slug(slug if slug is not None else slug_for(example))
    folder = Path(root) / "reproductions" / slug
    label = source_label or str(example.path or example.name or "<string>")
    applied: list[Finding] = []
    if fix:
        from toolkit.compat import apply_fixes

        fixed_text, applied = apply_fixes(example.text)
        if applied:
            example = _with_text(example, fixed_text)
    manifest = build_manifest(example, slug)
    train, where = _render_train_lines(example, label)
    fixes = [_applied_fix(f, where) for f in applied]
    files = {
        MANIFEST_NAME: manifest.to_toml(),
        "train.py": train,
        "README.md": render_contributor_readme(manifest, example, fixes),
    }
    unresolved = _unresolved(manifest)
    if folder.exists():
        if not force:
            raise UsageError(
                f"The reproduction folder {folder} already exists",
                where=str(folder),
                fix="pick another name with --slug, or pass --force to regenerate it "
                "(files you edited are backed up to .backup/ first)",
            )
        backed_up, backup_dir = _backup_edited(folder, files)
        for name, text in files.items():
            atomic_write_text(folder / name, text)
        _write_record(folder, files, fixes, example.header.inferred)
        return ScaffoldResult(
            folder, manifest, sorted(files), backed_up, backup_dir, unresolved, fixes, example
        )

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(folder.parent, prefix=f".{slug}.")
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        _write_record(staging, files, fixes, example.header.inferred)
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ScaffoldResult(
        folder, manifest, sorted(files), unresolved=unresolved, fixes=fixes, example=example
    )


def _applied_fix(finding: Finding, where: dict[int, int]) -> AppliedFix:
    """A compat fix as written into ``train.py``, with its line there."""
    return AppliedFix(
        file="train.py",
        line=where.get(finding.line, 0),
        source_line=finding.line,
        rule=finding.code,
        before=finding.match,
        after=finding.replacement,
        message=finding.message,
    )


def _with_text(example: Example, text: str) -> Example:
    """A copy of ``example`` whose code cells come from the fixed ``text``."""
    from toolkit.example import parse_example_text

    fixed = parse_example_text(text, path=str(example.path or "<string>"))
    for attr in ("path", "source_kind", "sha256", "commit", "category", "name"):
        setattr(fixed, attr, getattr(example, attr))
    fixed.metrics = example.metrics
    return fixed


def _write_record(
    folder: Path, files: dict[str, str], fixes: list[AppliedFix], inferred: dict[str, str]
) -> None:
    """``.scaffold.json``: what was generated (hashes), the fixes applied, what was inferred."""
    record = {
        "generated": {name: sha256_bytes(text.encode("utf-8")) for name, text in files.items()},
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fixes": [fix.to_dict() for fix in fixes],
        "inferred": dict(inferred),
    }
    atomic_write_text(folder / SCAFFOLD_RECORD, json.dumps(record, indent=2) + "\n")


def _backup_edited(folder: Path, files: dict[str, str]) -> tuple[list[str], Path | None]:
    """Copy files that differ from what the last scaffold wrote (or that it never wrote)."""
    try:
        record = json.loads((folder / SCAFFOLD_RECORD).read_text(encoding="utf-8"))
        generated = record.get("generated", {})
    except (OSError, ValueError):
        generated = {}
    edited = []
    for name in files:
        path = folder / name
        if path.is_file() and sha256_bytes(path.read_bytes()) != generated.get(name):
            edited.append(name)
    if not edited:
        return [], None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    backup = folder / BACKUP_DIR / stamp
    backup.mkdir(parents=True, exist_ok=True)
    for name in edited:
        shutil.copy2(folder / name, backup / name)
    return edited, backup


def _unresolved(manifest: Manifest) -> list[str]:
    """What the scaffold could not infer, as advice for the contributor."""
    gaps = []
    if not manifest.metrics:
        gaps.append("no reported metric found: add [[metrics]] by hand from the example's page")
    if not manifest.data:
        gaps.append("no data source found: say in [[data]] where the data comes from")
    if manifest.task.kind == "unknown":
        gaps.append("task kind unknown: set [task] kind (e.g. image-classification)")
    elif is_classification(manifest.task.kind) and not manifest.task.class_names:
        gaps.append(
            "class names not found in the code: set [task] class_names, in the order "
            "of the model's outputs, so the Space answers with them"
        )
    if manifest.run.epochs is None:
        gaps.append("epoch count not found: set [run] epochs")
    if not manifest.source.url:
        gaps.append("keras.io page unknown: set [source] url")
    return gaps
