"""Render :class:`toolkit.check.CheckReport` lists: terminal table, JSON, Markdown, JUnit XML.

``--format json`` writes one object with these keys (stable; ``schema`` changes if they do)::

    schema      "keras-sprint/check/1"
    verdict     "pass" | "fail" | "error"   the worst over reproductions
    exit_code   0 | 1 | 2
    judged      "mean over seeds"           what is compared with the bounds
    reports     [one per reproduction]:
      slug, verdict, exit_code, error ("" when checked), warnings [str],
      group, run_ids [str], backend, device,
      metrics   [one per manifest metric]:
        key ("test/accuracy"), name, split, required,
        reported {value, qualifier, origin, sentence, epochs},
        direction, tolerance, tolerance_kind, bounds {low, high},
        log_key ("final.test.accuracy"; "" when missing),
        values [{run_id, seed, value}], n, mean, std, min, max,
        verdict ("pass" | "fail" | "missing"), explanation

Numbers that JSON cannot hold (NaN, infinite bounds) are ``null``; ``std`` is ``null`` for
a single run.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from toolkit.check import (
    ERROR,
    FAIL,
    PASS,
    CheckReport,
    MetricResult,
    fmt,
    overall_exit_code,
    overall_verdict,
    tolerance_text,
)

FORMATS = ("table", "json", "markdown", "junit")
SCHEMA = "keras-sprint/check/1"
JUDGED = "mean over seeds"
NOTE = (
    "The mean over seeds is judged against the bound (bound included); "
    "every seed's value is listed."
)
VERDICT_WORDS = {PASS: "pass", FAIL: "fail", ERROR: "could not check"}
MARKS = {PASS: "✅", FAIL: "❌", ERROR: "⚠️", "missing": "⚠️"}
CLAIMS = {"approx": "~", "at_least": "≥ ", "at_most": "≤ ", "exact": "= "}


def render(reports: Sequence[CheckReport], fmt_name: str, *, color: bool = False) -> str:
    """The reports in format ``fmt_name`` (one of :data:`FORMATS`)."""
    renderers = {
        "table": lambda r: render_table(r, color=color),
        "json": render_json,
        "markdown": render_markdown,
        "junit": render_junit,
    }
    return renderers[fmt_name](reports)


# -- shared cell texts ------------------------------------------------------------------------


def reported_cell(result: MetricResult) -> str:
    metric = result.metric
    return f"{CLAIMS.get(metric.qualifier, '')}{fmt(metric.value)} ({metric.origin})"


def reproduced_cell(result: MetricResult) -> str:
    if not result.values:
        return "not recorded"
    spread = "" if result.std is None else f" ± {fmt(result.std)}"
    return f"{fmt(result.mean)}{spread} (n={result.n})"


def passes_when_cell(result: MetricResult) -> str:
    low, high = result.bounds
    if math.isfinite(low) and math.isfinite(high):
        rule = f"{fmt(low)} to {fmt(high)}"
    else:
        rule = f"≥ {fmt(low)}" if math.isfinite(low) else f"≤ {fmt(high)}"
    return f"{rule} (tol {tolerance_text(result.metric)})"


def runs_line(report: CheckReport) -> str:
    if not report.runs:
        return ""
    parts = [f"Runs: {', '.join(report.run_ids)} (set {report.group})"]
    if report.backend:
        parts.append(f"backend {report.backend}")
    parts.append(f"device {report.device or 'not recorded'}")
    return " · ".join(parts)


def _level_note(report: CheckReport) -> str:
    """`` (level: verified)`` or `` (level: pass)`` for a passing report; '' otherwise."""
    return f" (level: {report.level})" if report.verdict == PASS else ""


def _metric_verdict(result: MetricResult) -> str:
    return result.verdict if result.metric.required else f"{result.verdict} (optional)"


# -- terminal table ---------------------------------------------------------------------------


def render_table(reports: Sequence[CheckReport], *, color: bool = False) -> str:
    """A rich table per reproduction, as text: ANSI-coloured to the terminal's width when
    ``color``, else plain and 120 columns wide (for files and pipes)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    width = shutil.get_terminal_size((120, 24)).columns if color else 120
    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
    )
    styles = {PASS: "green", FAIL: "red", "missing": "yellow", ERROR: "yellow"}
    for report in reports:
        title = f"{report.slug}: {VERDICT_WORDS[report.verdict]}{_level_note(report)}"
        if report.error:
            console.print(title, style=f"bold {styles[ERROR]}", markup=False)
            console.print(f"  {report.error}\n", markup=False)
            continue
        table = Table(
            title=escape(title),
            title_justify="left",
            caption=escape(runs_line(report)),
            caption_justify="left",
        )
        for column in ("Metric", "Reported", "Reproduced", "Seeds", "Passes when", "Verdict"):
            table.add_column(column, overflow="fold")
        for result in report.results:
            seeds = ", ".join(fmt(v.value) for v in result.values) or "-"
            cells = (
                result.metric.key,
                reported_cell(result),
                reproduced_cell(result),
                seeds,
                passes_when_cell(result),
                _metric_verdict(result),
            )
            table.add_row(*map(escape, cells), style=styles[result.verdict] if color else None)
        console.print(table)
        for result in report.results:
            if result.metric.required and result.verdict != PASS:
                console.print(f"  {result.verdict}: {result.explanation}", markup=False)
        for warning in report.warnings:
            console.print(f"  warning: {warning}", markup=False)
        if report.level_missing:
            console.print(f"  not verified: {'; '.join(report.level_missing)}", markup=False)
        console.print()
    verdict = overall_verdict(reports)
    console.print(
        f"Overall: {VERDICT_WORDS[verdict]} (exit {overall_exit_code(reports)}). {NOTE}",
        markup=False,
        style=styles[verdict] if color else None,
    )
    text = console.export_text(styles=color)
    return text if color else "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


# -- JSON -------------------------------------------------------------------------------------


def _num(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def result_dict(result: MetricResult) -> dict[str, Any]:
    metric, (low, high) = result.metric, result.bounds
    return {
        "key": metric.key,
        "name": metric.name,
        "split": metric.split,
        "required": metric.required,
        "reported": {
            "value": metric.value,
            "qualifier": metric.qualifier,
            "origin": metric.origin,
            "sentence": metric.sentence,
            "epochs": metric.epochs,
        },
        "direction": metric.direction,
        "tolerance": metric.tolerance,
        "tolerance_kind": metric.tolerance_kind,
        "bounds": {"low": _num(low), "high": _num(high)},
        "log_key": result.log_key,
        "values": [
            {"run_id": v.run_id, "seed": v.seed, "value": _num(v.value)} for v in result.values
        ],
        "n": result.n,
        "mean": _num(result.mean),
        "std": _num(result.std),
        "min": _num(result.min),
        "max": _num(result.max),
        "rule": metric.rule,
        "alpha": metric.alpha,
        "p_value": _num(result.p_value),
        "ci95": _interval_dict(result),
        "decisive": result.decisive,
        "seeds_for_decision": result.seeds_for_decision,
        "verdict": result.verdict,
        "explanation": result.explanation,
    }


def _interval_dict(result: MetricResult) -> dict[str, Any] | None:
    found = result.interval
    if found is None or found.low is None:
        return None
    return {"low": _num(found.low), "high": _num(found.high), "confidence": found.confidence}


def _provenance_dict(report: CheckReport) -> dict[str, Any]:
    """The hashes each judged run recorded, and what the audit found against today's."""
    runs = []
    for run in report.runs:
        env = run.env()
        env = env if isinstance(env, dict) else {}
        runs.append(
            {
                "run_id": run.run_id,
                "script_sha256": env.get("script_sha256"),
                "code_sha256": env.get("code_sha256"),
                "targets_sha256": env.get("targets_sha256"),
                "git_commit": env.get("git_commit"),
                "git_dirty": env.get("git_dirty"),
            }
        )
    return {"runs": runs, **(report.audit.to_dict() if report.audit else {})}


def report_dict(report: CheckReport) -> dict[str, Any]:
    return {
        "slug": report.slug,
        "verdict": report.verdict,
        "exit_code": report.exit_code,
        "level": report.level,
        "level_missing": report.level_missing,
        "seeds_required": report.seeds_required,
        "provenance": _provenance_dict(report),
        "error": report.error,
        "warnings": list(report.warnings),
        "group": report.group,
        "run_ids": report.run_ids,
        "backend": report.backend,
        "device": report.device,
        "metrics": [result_dict(r) for r in report.results],
    }


def render_json(reports: Sequence[CheckReport]) -> str:
    document = {
        "schema": SCHEMA,
        "verdict": overall_verdict(reports),
        "exit_code": overall_exit_code(reports),
        "judged": JUDGED,
        "reports": [report_dict(r) for r in reports],
    }
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


# -- Markdown (a pull-request comment) --------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(reports: Sequence[CheckReport]) -> str:
    verdict = overall_verdict(reports)
    lines = [f"## {MARKS[verdict]} Reproduction check: {VERDICT_WORDS[verdict]}", "", NOTE, ""]
    if not reports:
        lines += ["No reproduction to check.", ""]
    for report in reports:
        lines += [
            f"### {MARKS[report.verdict]} `{report.slug}`: "
            f"{VERDICT_WORDS[report.verdict]}{_level_note(report)}",
            "",
        ]
        if report.level_missing:
            lines += [f"Not verified: {_cell('; '.join(report.level_missing))}.", ""]
        if report.error:
            lines += [f"> {_cell(report.error)}", ""]
            continue
        lines += [
            "| Metric | Split | Reported (source) | Reproduced mean ± std (n seeds) "
            "| Tolerance: passes when | Verdict |",
            "|---|---|---|---|---|---|",
        ]
        for r in report.results:
            cells = [
                r.metric.name,
                r.metric.split,
                reported_cell(r),
                reproduced_cell(r),
                passes_when_cell(r),
                f"{MARKS[r.verdict]} {_metric_verdict(r)}",
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines += ["", _cell(runs_line(report)), ""]
        lines += [f"> ⚠️ {_cell(w)}" for w in report.warnings]
        if report.warnings:
            lines.append("")
        lines += ["<details><summary>What was compared</summary>", ""]
        for r in report.results:
            source = (
                f'; source ({r.metric.origin}): "{_cell(r.metric.sentence)}"'
                if (r.metric.sentence)
                else ""
            )
            lines.append(f"- {_cell(r.explanation)}{source}")
        lines += ["", "</details>", ""]
    return "\n".join(lines)


# -- JUnit XML --------------------------------------------------------------------------------


def render_junit(reports: Sequence[CheckReport]) -> str:
    """A ``<testsuite>`` per reproduction, a ``<testcase>`` per metric.

    A failed required metric is a ``<failure>``, one that could not be checked an
    ``<error>``; an optional metric never fails the suite (its warning is in system-out).
    """
    root = ET.Element("testsuites", name="sprint check")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for report in reports:
        suite = ET.SubElement(root, "testsuite", name=report.slug)
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("verdict", report.verdict),
            ("group", report.group),
            ("run_ids", " ".join(report.run_ids)),
            ("backend", report.backend),
            ("device", report.device),
            ("judged", JUDGED),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if report.error:
            case = ET.SubElement(suite, "testcase", classname=report.slug, name="check")
            ET.SubElement(
                case, "error", message=report.error, type="CouldNotCheck"
            ).text = report.error
            counts["tests"], counts["errors"] = 1, 1
        for result in report.results:
            case = ET.SubElement(suite, "testcase", classname=report.slug, name=result.metric.key)
            counts["tests"] += 1
            if result.metric.required and result.verdict == FAIL:
                ET.SubElement(
                    case, "failure", message=result.explanation, type="OutOfTolerance"
                ).text = result.explanation
                counts["failures"] += 1
            elif result.metric.required and result.verdict == "missing":
                ET.SubElement(
                    case, "error", message=result.explanation, type="MetricNotRecorded"
                ).text = result.explanation
                counts["errors"] += 1
            prefix = (
                ""
                if result.metric.required or result.verdict == PASS
                else ("warning (optional metric, does not decide the verdict): ")
            )
            ET.SubElement(case, "system-out").text = prefix + result.explanation
        if report.warnings:
            ET.SubElement(suite, "system-err").text = "\n".join(report.warnings)
        for key, count in counts.items():
            suite.set(key, str(count))
            totals[key] += count
    for key, count in totals.items():
        root.set(key, str(count))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
