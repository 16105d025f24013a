"""The state of every reproduction: the sprint's tracking sheet, read from the repository.

:func:`collect` walks ``reproductions/`` and returns one :class:`ReproductionStatus` per
folder. Nothing is written and nothing heavy is imported (standard library only). The
verdict and the reproduced figures come from :func:`toolkit.check.check_reproduction`, so
status always says what ``sprint check`` says; nothing is recomputed here.

Stages, in the order of the flow (a reproduction's ``stage`` is the last one reached)::

    error            the manifest is missing or malformed (``error`` says why)
    scaffolded       reproduction.toml is valid (``sprint new``)
    smoke-ok         a smoke run completed (``sprint run --smoke``)
    reproduced-pass  a full run set completed and the check passes
    reproduced-fail  a full run set completed and the check fails (or cannot be made)
    carded           README.md rendered by ``sprint card``
    pushed           ``hub.pushed_commit`` recorded by ``sprint push``
    space-generated  ``spaces/<slug>/app.py`` exists (``sprint space``)
    space-pushed     ``hub.space_commit`` recorded by ``sprint space --push``

A later stage does not hide an earlier failure: ``verdict`` always says how the latest
full run set compares with the reported figures, and ``steps`` says which steps are done.

Example::

    from toolkit.status import collect
    for row in collect(Path(".")):
        print(row.slug, row.stage, row.verdict)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.errors import SprintError
from toolkit.manifest import MANIFEST_NAME, Manifest, Metric
from toolkit.runs import list_runs

STEPS = (
    "scaffolded",
    "smoke_ok",
    "reproduced",
    "carded",
    "pushed",
    "space_generated",
    "space_pushed",
)
STAGES = (
    "error",
    "scaffolded",
    "smoke-ok",
    "reproduced-fail",
    "reproduced-pass",
    "carded",
    "pushed",
    "space-generated",
    "space-pushed",
)
VERDICTS = ("pass", "fail", "no-run", "error")
CARD_NAME = "README.md"
SPACES_DIR = "spaces"
DEFAULT_HUB = "https://huggingface.co"


@dataclass
class MetricFigure:
    """One reported metric next to what the latest full run set reproduced."""

    key: str  # "<split>/<name>"
    name: str
    split: str
    reported: float
    direction: str
    tolerance: float
    tolerance_kind: str
    required: bool
    low: float | None  # pass interval; None where unbounded
    high: float | None
    verdict: str = ""  # pass | fail | missing (from the checker); "" when not checked
    mean: float | None = None  # over the seeds of the latest full set; None when not measured
    std: float | None = None  # sample std; None for a single run
    values: list[float | None] = field(default_factory=list)  # one per seed; None: NaN/inf
    note: str = ""  # the checker's explanation: what was compared with what


@dataclass
class ReproductionStatus:
    """Everything the tracking sheet shows about one reproduction.

    ``to_json()`` gives the object printed by ``sprint status --json``; its keys are the
    field names below (documented in ``sprint status --help``).
    """

    slug: str
    stage: str = "error"
    error: str = ""
    title: str = ""
    category: str = ""
    steps: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(STEPS, False))
    verdict: str = "no-run"
    verdict_note: str = ""  # why the check could not be made (verdict "error")
    awaiting: str = ""  # why there is no full run yet ("" once there is one)
    warnings: list[str] = field(default_factory=list)  # the checker's warnings
    metrics: list[MetricFigure] = field(default_factory=list)
    run_group: str = ""
    seeds: list[int] = field(default_factory=list)
    runs: int = 0
    backend: str = ""
    hardware: str = ""
    smoke_runs: int = 0
    curves: str = ""  # the latest full set's curves.png, relative to the root; "" if none
    source_url: str = ""
    repo_id: str = ""
    space_id: str = ""
    pushed_commit: str = ""
    space_commit: str = ""
    links: dict[str, str] = field(default_factory=dict)  # example, hub, hub_commit, space...

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- collection ----------------------------------------------------------------------


def collect(root: Path) -> list[ReproductionStatus]:
    """One status per folder of ``<root>/reproductions/``, sorted by slug.

    A folder whose manifest is missing or malformed gives an ``error`` row; it never
    stops the others from being read.
    """
    base = Path(root) / "reproductions"
    if not base.is_dir():
        return []
    from toolkit.card import hub_url

    hub = hub_url()  # $HF_ENDPOINT, as huggingface_hub reads it
    folders = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    return [_safe_status(folder, Path(root), hub) for folder in folders]


def _safe_status(folder: Path, root: Path, hub: str) -> ReproductionStatus:
    """:func:`reproduction_status`, turning anything unexpected into an error row."""
    try:
        return reproduction_status(folder, root, hub=hub)
    except SprintError as exc:  # a corrupt run record, say: its message says what to do
        return ReproductionStatus(slug=folder.name, error=exc.message)
    except Exception as exc:  # noqa: BLE001 -- one unreadable folder must not hide the rest
        return ReproductionStatus(
            slug=folder.name,
            error=f"internal error reading reproductions/{folder.name}/ "
            f"({type(exc).__name__}: {exc}); please report it",
        )


def reproduction_status(folder: Path, root: Path, *, hub: str = DEFAULT_HUB) -> ReproductionStatus:
    """The status of the reproduction in ``folder`` (``root`` holds ``spaces/``)."""
    status = ReproductionStatus(slug=folder.name)
    if not (folder / MANIFEST_NAME).is_file():
        status.error = f"no {MANIFEST_NAME} in reproductions/{folder.name}/"
        return status
    try:
        manifest = Manifest.load(folder)
    except SprintError as exc:
        status.error = exc.message
        return status
    except OSError as exc:
        status.error = f"cannot read {folder / MANIFEST_NAME} ({exc.strerror or exc})"
        return status

    status.title = manifest.example.title or manifest.slug
    status.category = manifest.example.category
    status.source_url = manifest.source.url
    hub_info = manifest.hub
    status.repo_id, status.space_id = hub_info.repo_id, hub_info.space_id
    status.pushed_commit, status.space_commit = hub_info.pushed_commit, hub_info.space_commit
    status.links = _links(manifest, hub)

    runs = list_runs(folder)
    status.smoke_runs = sum(1 for r in runs if r.smoke and r.complete)
    status.metrics = [_reported(m) for m in manifest.metrics]
    reproduced = any(r.complete and not r.smoke for r in runs)
    if reproduced:
        _judge(status, folder, Path(root))
    else:
        status.awaiting = awaiting_reason(manifest, Path(root))

    status.steps = {
        "scaffolded": True,
        "smoke_ok": status.smoke_runs > 0,
        "reproduced": reproduced,
        "carded": is_generated_card(folder / CARD_NAME),
        "pushed": bool(manifest.hub.pushed_commit),
        "space_generated": (Path(root) / SPACES_DIR / manifest.slug / "app.py").is_file(),
        "space_pushed": bool(manifest.hub.space_commit),
    }
    status.stage = _stage(status.steps, status.verdict)
    return status


def awaiting_reason(manifest: Manifest, root: Path) -> str:
    """Why a reproduction has no full run: the datasets the mirror lacks, or nothing yet."""
    from toolkit.data import Mirror, is_remote_url
    from toolkit.harness.standin import has_stand_in

    try:
        staged = Mirror.locate(project=root).entries()
    except SprintError as exc:
        return f"awaiting a full run (the data mirror cannot be read: {exc.message})"
    missing = [d.url for d in manifest.data if is_remote_url(d.url) and d.url not in staged]
    if not missing:
        return f"awaiting a full run: `sprint run {manifest.slug}`"
    smoke = (
        " (smoke runs use generated stand-in data)"
        if all(has_stand_in(url) for url in missing)
        else ""
    )
    return f"awaiting a full run: the data mirror lacks {', '.join(missing)}{smoke}"


def _stage(steps: dict[str, bool], verdict: str) -> str:
    order = [
        ("space_pushed", "space-pushed"),
        ("space_generated", "space-generated"),
        ("pushed", "pushed"),
        ("carded", "carded"),
    ]
    for step, stage in order:
        if steps[step]:
            return stage
    if steps["reproduced"]:
        return "reproduced-pass" if verdict == "pass" else "reproduced-fail"
    return "smoke-ok" if steps["smoke_ok"] else "scaffolded"


def _links(manifest: Manifest, hub: str) -> dict[str, str]:
    """keras.io example (``source.url``, else the card's keras.io URL), Hub repo and Space
    URLs, and the pushed commits, where known."""
    links: dict[str, str] = {}
    info = manifest.hub
    from toolkit.card import keras_io_url

    web = ("https://", "http://")
    example = manifest.source.url if manifest.source.url.startswith(web) else keras_io_url(manifest)
    if example.startswith(web):
        links["example"] = example
    if info.repo_id:
        links["hub"] = f"{hub}/{info.repo_id}"
        if info.pushed_commit:
            links["hub_commit"] = f"{hub}/{info.repo_id}/commit/{info.pushed_commit}"
    if info.space_id:
        links["space"] = f"{hub}/spaces/{info.space_id}"
        if info.space_commit:
            links["space_commit"] = f"{hub}/spaces/{info.space_id}/commit/{info.space_commit}"
    return links


# -- card ----------------------------------------------------------------------------


def is_generated_card(path: Path) -> bool:
    """Whether ``path`` is a model card rendered by ``sprint card`` (it carries its marker).

    A card edited by hand afterwards still counts: ``sprint card`` decides what to do
    about the edits, status only records that the step was done.
    """
    from toolkit.card import GENERATED_MARKER

    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return GENERATED_MARKER in head


# -- verdict -------------------------------------------------------------------------


def _judge(status: ReproductionStatus, folder: Path, root: Path) -> None:
    """Fill the verdict, figures and run details from the checker's report.

    :func:`toolkit.check.check_reproduction` picks the latest complete full run set and
    judges every metric exactly as ``sprint check`` does; nothing is recomputed here.
    """
    from toolkit.check import check_reproduction

    report = check_reproduction(folder)
    status.verdict = report.verdict
    status.verdict_note = report.error
    status.warnings = list(report.warnings)
    status.run_group, status.runs = report.group, len(report.runs)
    status.seeds = [r.seed for r in report.runs if r.seed is not None]
    status.backend, status.hardware = report.backend, report.device
    curves = next(
        (r.path / "curves.png" for r in report.runs if (r.path / "curves.png").is_file()), None
    )
    status.curves = _relative(curves, root) if curves else ""
    judged = {r.metric.key: r for r in report.results}
    for figure in status.metrics:
        if result := judged.get(figure.key):
            figure.verdict, figure.note = result.verdict, result.explanation
            figure.values = [_finite(v.value) for v in result.values]
            figure.mean, figure.std = _finite(result.mean), _finite(result.std)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _reported(metric: Metric) -> MetricFigure:
    low, high = metric.bounds()
    return MetricFigure(
        key=metric.key,
        name=metric.name,
        split=metric.split,
        reported=metric.value,
        direction=metric.direction,
        tolerance=metric.tolerance,
        tolerance_kind=metric.tolerance_kind,
        required=metric.required,
        low=low if math.isfinite(low) else None,
        high=high if math.isfinite(high) else None,
    )


def summary(rows: list[ReproductionStatus]) -> dict[str, int]:
    """How many reproductions reached each stage; how many pass, and how many fail (a
    checker error counts as a failure; error rows, whose manifest is unreadable, do not)."""
    counts = {stage: 0 for stage in STAGES}
    for row in rows:
        counts[row.stage] += 1
    counts["total"] = len(rows)
    counts["pass"] = sum(r.verdict == "pass" for r in rows)
    counts["fail"] = sum(r.verdict in ("fail", "error") and r.stage != "error" for r in rows)
    return counts
