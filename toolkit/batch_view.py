"""How a batch of runs looks in the terminal: the live progress table and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from toolkit.batch import BatchSummary, Job, fmt_duration

__all__ = ["progress_table", "summary_line", "summary_table"]

STATE_STYLE = {
    "complete": "green",
    "skipped": "cyan",
    "running": "bold",
    "queued": "dim",
    "failed": "red",
    "incomplete": "yellow",
}
VERDICT_STYLE = {
    "pass": "green",
    "smoke": "green",
    "skipped": "cyan",
    "fail": "red",
    "error": "red",
    "not run": "yellow",
}


def _styled(text: str, style: str | None) -> str:
    return f"[{style}]{text}[/{style}]" if style else text


def progress_table(jobs: Sequence[Job]) -> Any:
    """One row per job: reproduction, seed, state, epoch, elapsed time and ETA."""
    from rich.table import Table

    done = sum(j.state not in ("queued", "running") for j in jobs)
    table = Table(title=f"sprint run: {done}/{len(jobs)} jobs done", title_justify="left")
    for name, justify in (
        ("reproduction", "left"),
        ("seed", "right"),
        ("state", "left"),
        ("epoch", "right"),
        ("time", "right"),
        ("ETA", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for job in jobs:
        epoch = f"{job.epoch[0]}/{job.epoch[1]}" if job.epoch else ""
        table.add_row(
            job.slug,
            str(job.seed),
            _styled(job.state, STATE_STYLE.get(job.state)),
            epoch,
            fmt_duration(job.wall_s),
            fmt_duration(job.eta_s),
        )
    return table


def summary_table(summary: BatchSummary) -> Any:
    """One row per reproduction: seeds complete, verdict, wall time, and the first reason."""
    from rich.table import Table

    table = Table()
    for name in ("reproduction", "seeds", "verdict", "wall (sum)", "note"):
        table.add_column(name, overflow="fold")
    for slug, verdict in summary.verdicts.items():
        jobs = [j for j in summary.jobs if j.slug == slug]
        complete = sum(j.state in ("complete", "skipped") for j in jobs)
        wall = sum(j.wall_s or 0.0 for j in jobs)
        note = next((j.reason for j in jobs if j.reason), "")
        table.add_row(
            slug,
            f"{complete}/{len(jobs)}",
            _styled(verdict, VERDICT_STYLE.get(verdict)),
            fmt_duration(wall),
            note,
        )
    return table


def summary_line(summary: BatchSummary) -> str:
    """``2 reproduction(s) in 0:16; 2 job(s) at a time, 1 CPU thread(s) each``."""
    return (
        f"{len(summary.verdicts)} reproduction(s) in {fmt_duration(summary.wall_s)}; "
        f"{summary.jobs_at_once} job(s) at a time, {summary.threads_per_job} CPU "
        "thread(s) each"
    )
