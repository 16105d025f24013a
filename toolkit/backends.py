"""Does a reproduction give the same result on each Keras backend? ``BACKENDS.md``.

For every reproduction with full sets on two or more backends, the newest judgeable set of
each backend (complete, not stale) is compared with the first backend's, metric by metric:
two one-sided Welch t-tests (TOST) that the two means differ by less than the metric's
tolerance, at the metric's ``alpha``. *equivalent* means the test shows it; *not shown*
means the seeds are too few or too spread to show it (or the means do differ), never that
the backends agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.check import CheckReport, MetricResult, check_reproduction
from toolkit.manifest import Manifest, Metric
from toolkit.runs import list_runs
from toolkit.stats import tost

__all__ = [
    "BackendComparison",
    "MetricComparison",
    "compare_backends",
    "render_backends_markdown",
]

EQUIVALENT, NOT_SHOWN = "equivalent", "not shown"


@dataclass(frozen=True)
class MetricComparison:
    """One metric on two backends: both seed sets and the equivalence test between them."""

    metric: Metric
    first: MetricResult
    second: MetricResult
    margin: float  # the metric's tolerance, absolute
    p_value: float
    outcome: str  # EQUIVALENT or NOT_SHOWN

    @property
    def difference(self) -> float | None:
        """Mean on the second backend minus mean on the first."""
        if self.first.mean is None or self.second.mean is None:
            return None
        return self.second.mean - self.first.mean

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric.key,
            "first": [v.value for v in self.first.values],
            "second": [v.value for v in self.second.values],
            "difference": self.difference,
            "margin": self.margin,
            "alpha": self.metric.alpha,
            "p_value": self.p_value,
            "outcome": self.outcome,
        }


@dataclass
class BackendComparison:
    """A reproduction's judgeable sets per backend and the comparisons between them."""

    slug: str
    reports: dict[str, CheckReport] = field(default_factory=dict)  # backend -> its set's check
    comparisons: list[tuple[str, str, MetricComparison]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sets left out, and why

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "sets": {b: {"group": r.group, "level": r.level} for b, r in self.reports.items()},
            "comparisons": [
                {"first": a, "second": b, **c.to_dict()} for a, b, c in self.comparisons
            ],
            "notes": self.notes,
        }


def compare_backends(repro_dir: Path) -> BackendComparison:
    """Compare the newest judgeable full set of each backend with the first backend's."""
    repro_dir = Path(repro_dir)
    comparison = BackendComparison(repro_dir.name)
    manifest = Manifest.load(repro_dir)
    groups: dict[str, list[str]] = {}  # backend -> its full sets' groups, newest first
    for run in reversed(list_runs(repro_dir)):
        if run.complete and not run.smoke and run.backend:
            known = groups.setdefault(run.backend, [])
            if run.group not in known:
                known.append(run.group)
    for backend, candidates in sorted(groups.items()):
        for group in candidates:
            report = check_reproduction(repro_dir, run=group)
            if not report.error and report.results:
                comparison.reports[backend] = report
                break
            comparison.notes.append(f"{backend} set {group} left out: {report.error}")
    backends = list(comparison.reports)
    first = comparison.reports[backends[0]].results if backends else []
    for second in backends[1:]:
        others = comparison.reports[second].results
        for index in _one_per_figure(manifest.metrics):
            a, b = first[index], others[index]
            if not a.values or not b.values:
                comparison.notes.append(
                    f"{a.metric.key} not compared: a set did not record it "
                    f"({a.explanation if not a.values else b.explanation})"
                )
                continue
            comparison.comparisons.append((backends[0], second, _compare(a.metric, a, b)))
    return comparison


def _one_per_figure(metrics: list[Metric]) -> list[int]:
    """Indexes of one metric per ``split/name`` (a page may report a figure twice): the
    required one with the widest tolerance, which becomes the equivalence margin."""
    best: dict[str, int] = {}
    for index, metric in enumerate(metrics):
        current = best.get(metric.key)
        if current is None or _rank(metric) > _rank(metrics[current]):
            best[metric.key] = index
    return sorted(best.values())


def _rank(metric: Metric) -> tuple[bool, float]:
    return metric.required, metric.margin


def _compare(metric: Metric, first: MetricResult, second: MetricResult) -> MetricComparison:
    margin = metric.margin
    a = [v.value for v in first.values]
    b = [v.value for v in second.values]
    finite = all(math.isfinite(x) for x in a + b)
    p_value, shown = tost(a, b, margin, alpha=metric.alpha) if finite else (1.0, False)
    return MetricComparison(
        metric, first, second, margin, p_value, EQUIVALENT if shown else NOT_SHOWN
    )


def render_backends_markdown(comparisons: list[BackendComparison], command: str) -> str:
    """``BACKENDS.md``: one table row per metric and backend pair, then what was left out."""
    lines = [
        "# The same reproduction on different Keras backends",
        "",
        f"Generated by `{command}`; do not edit by hand.",
        "",
        "Each row compares the newest complete, current set of runs of one backend with the",
        "first backend's: two one-sided Welch t-tests (TOST) that the means differ by less",
        "than the metric's tolerance (the margin), at the metric's alpha. *equivalent*: the",
        "test shows it. *not shown*: the seeds are too few or too spread to show it, or the",
        "means differ; it is not evidence that the backends agree.",
        "",
    ]
    compared = [c for c in comparisons if c.comparisons]
    if compared:
        lines += [
            "| reproduction | metric | backend: seeds (mean) | other backend: seeds (mean) "
            "| difference | margin | p (TOST) | outcome |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in compared:
            for first, second, m in c.comparisons:
                lines.append(
                    f"| {c.slug} | {m.metric.split} {m.metric.name} "
                    f"| {_seeds(first, c.reports[first], m.first)} "
                    f"| {_seeds(second, c.reports[second], m.second)} "
                    f"| {_number(m.difference)} | {_number(m.margin)} | {m.p_value:.3f} "
                    f"| **{m.outcome}** |"
                )
        lines += ["", "Sets compared (verdict level, hardware):", ""]
        lines += [
            f"- {c.slug} {backend} set {report.group}: {report.level}, "
            f"{report.device or 'hardware not recorded'}"
            for c in compared
            for backend, report in c.reports.items()
        ]
    else:
        lines.append("No reproduction has judgeable full sets on two backends yet.")
    single = [c for c in comparisons if len(c.reports) == 1]
    if single:
        lines += ["", "On one backend only (nothing to compare):", ""]
        lines += [f"- {c.slug}: {next(iter(c.reports))}" for c in single]
    notes = [(c.slug, n) for c in comparisons for n in c.notes]
    if notes:
        lines += ["", "Left out:", ""]
        lines += [f"- {slug}: {note}" for slug, note in notes]
    return "\n".join(lines) + "\n"


def _seeds(backend: str, report: CheckReport, result: MetricResult) -> str:
    values = ", ".join(_number(v.value) for v in result.values)
    return f"{backend} {report.group}: {values} ({_number(result.mean)})"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"
