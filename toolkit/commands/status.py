"""The state of every reproduction in reproductions/: the sprint's tracking sheet.

Regenerated from the artifacts in the repository (manifests, run folders, cards, spaces/);
writes nothing unless --html. Stages, in flow order: scaffolded, smoke-ok,
reproduced-pass / reproduced-fail, carded, pushed, space-generated, space-pushed
(error: the manifest is missing or malformed). The verdict (pass, fail, no-run, error) comes
from the checker on the latest full run set, whatever the stage.

Examples:
  sprint status                       # one line per reproduction (--wide: every figure)
  sprint status --html site/          # site/index.html + site/assets/ (open it from disk)
  sprint status --json | jq '.[] | select(.verdict == "fail") | .slug'

JSON (--json): a list, one object per reproduction, with the keys
  slug, title, category, stage, error, verdict, verdict_note, awaiting (why no full run yet),
  steps {scaffolded, smoke_ok, reproduced, carded, pushed, space_generated, space_pushed},
  metrics [{key, name, split, reported, direction, tolerance, tolerance_kind, required,
            low, high, verdict, mean, std, values, note}],
  warnings (the checker's), run_group, seeds, runs, backend, hardware, smoke_runs,
  curves (curves.png of the latest full set, relative to the sprint root),
  source_url, repo_id, space_id, pushed_commit, space_commit,
  links {example, hub, hub_commit, space, space_commit}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from toolkit.errors import UsageError
from toolkit.fsutil import atomic_write_bytes, atomic_write_text
from toolkit.status import STAGES, ReproductionStatus, collect, summary

if TYPE_CHECKING:
    from rich.console import Console

    from toolkit.status import MetricFigure

PAGE_MARKER = '<meta name="generator" content="keras-sprint status">'
ASSETS = ("style.css", "status.js")
STAGE_STYLE = {
    "error": "bold red",
    "scaffolded": "dim",
    "smoke-ok": "cyan",
    "reproduced-fail": "red",
    "reproduced-pass": "green",
    "carded": "green",
    "pushed": "blue",
    "space-generated": "magenta",
    "space-pushed": "bold magenta",
}
STEP_LABELS = {
    "scaffolded": "new",
    "smoke_ok": "smoke",
    "reproduced": "run",
    "carded": "card",
    "pushed": "hub",
    "space_generated": "app",
    "space_pushed": "space",
}
STEP_TITLES = {
    "scaffolded": "scaffolded (sprint new)",
    "smoke_ok": "smoke run completed",
    "reproduced": "full run set completed",
    "carded": "model card rendered",
    "pushed": "pushed to the Hub",
    "space_generated": "Space app generated",
    "space_pushed": "Space pushed",
}
MARKS = {"pass": "✓", "fail": "✗", "missing": "✗ missing"}
VERDICT_STYLE = {"pass": "green", "fail": "red", "error": "bold red", "no-run": "dim"}
WIDE_COLUMNS = 140  # narrower terminals get one line per reproduction


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print a JSON list (keys above) instead of the table"
    )
    parser.add_argument(
        "--html",
        metavar="DIR",
        type=Path,
        help="also write DIR/index.html and DIR/assets/ (a static page)",
    )
    parser.add_argument(
        "--wide",
        action="store_true",
        help="every figure, run and link (the default when the terminal has "
        f"{WIDE_COLUMNS}+ columns)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite DIR/index.html even if sprint status did not write it",
    )


def run(args: argparse.Namespace) -> int:
    from toolkit.project import project_root

    root = project_root()
    rows = collect(root)
    if args.html is not None:
        page = write_html(rows, args.html, root=root, force=args.force)
        print(f"Wrote {page} ({len(rows)} reproductions)", file=sys.stderr)
    try:
        if args.json:
            json.dump([r.to_json() for r in rows], sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print_sheet(rows, wide=args.wide)
        sys.stdout.flush()
    except BrokenPipeError:  # `sprint status --json | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


# -- terminal ------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    """A figure with four significant digits ("?" when missing)."""
    return "?" if value is None else f"{value:.4g}"


def figure_line(m: MetricFigure, *, compact: bool = False) -> str:
    """``test/accuracy 0.99 -> 0.987±0.002 (n=3) ✓`` for one metric (compact:
    ``accuracy 0.99 → 0.987±0.002 ✓``)."""
    mark = MARKS.get(m.verdict, "")
    reproduced = fmt(m.mean)
    if m.std is not None and len(m.values) > 1:
        reproduced += f"±{m.std:.2g}"
    n = f" (n={len(m.values)})" if len(m.values) > 1 and not compact else ""
    optional = "" if m.required else " [optional]"
    name = m.name if compact else m.key
    return f"{name} {fmt(m.reported)} → {reproduced}{n} {mark}{optional}".rstrip()


def print_sheet(
    rows: list[ReproductionStatus], *, wide: bool = False, console: Console | None = None
) -> None:
    """The wide table when asked for or when the terminal has room, else the compact one."""
    from rich.console import Console

    console = console or Console(highlight=False)
    if wide or console.width >= WIDE_COLUMNS:
        print_table(rows, console)
    else:
        print_compact(rows, console)


def headline(r: ReproductionStatus) -> str:
    """The one figure a compact line shows: the first required metric, and "+N" more."""
    if r.error:
        return r.error
    if not r.metrics:
        return "(no metrics)"
    first = next((m for m in r.metrics if m.required), r.metrics[0])
    more = f" +{len(r.metrics) - 1}" if len(r.metrics) > 1 else ""
    awaiting = f" ({r.awaiting})" if r.awaiting else ""
    return figure_line(first, compact=True) + more + awaiting


def print_compact(rows: list[ReproductionStatus], console: Console) -> None:
    """One line per reproduction, cut to the terminal's width; details in ``--wide``."""
    from rich.text import Text

    if not rows:
        console.print("No reproductions yet: start one with `sprint new EXAMPLE`.")
        return
    slug_width = min(max(len(r.slug) for r in rows), 22)
    stage_width = max(len(r.stage) for r in rows)
    verdict_width = max(len(r.verdict) for r in rows)
    console.print(
        Text(
            f"{'reproduction':<{slug_width}}  {'stage':<{stage_width}}  "
            f"{'check':<{verdict_width}}  reported → reproduced",
            style="bold",
        ),
        no_wrap=True,
        overflow="ellipsis",
    )
    for r in rows:
        slug = r.slug if len(r.slug) <= slug_width else r.slug[: slug_width - 1] + "…"
        line = Text(f"{slug:<{slug_width}}  ")
        line.append(f"{r.stage:<{stage_width}}", style=STAGE_STYLE.get(r.stage, ""))
        verdict = "" if r.stage == "error" else r.verdict
        line.append(f"  {verdict:<{verdict_width}}  ", style=VERDICT_STYLE.get(r.verdict, ""))
        line.append(headline(r), style="red" if r.error else "")
        console.print(line, no_wrap=True, overflow="ellipsis")
    _print_summary(rows, console)
    console.print(
        "Details: `sprint status --wide`, or `sprint check SLUG`.", style="dim", highlight=False
    )


def print_table(rows: list[ReproductionStatus], console: Console | None = None) -> None:
    """The tracking sheet as a rich table, with a one-line summary under it."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    if not rows:
        console.print("No reproductions yet: start one with `sprint new EXAMPLE`.")
        return
    table = Table(
        title="Sprint status",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
    )
    table.add_column("reproduction", overflow="fold", min_width=12, ratio=2)
    table.add_column("stage · check", no_wrap=True)
    table.add_column("reported → reproduced", overflow="fold", ratio=4)
    table.add_column("run", overflow="fold", ratio=2)
    table.add_column("published", overflow="fold", ratio=1)
    for r in rows:
        figures = r.error or "\n".join(figure_line(m) for m in r.metrics) or "(no metrics)"
        for note in filter(None, [r.awaiting, r.verdict_note, *r.warnings]):
            figures += f"\n{note}"
        stage = Text(r.stage, style=STAGE_STYLE.get(r.stage, ""))
        if r.stage != "error":
            stage.append(f"\n{r.verdict}", style=VERDICT_STYLE.get(r.verdict, ""))
        run = "\n".join(filter(None, [r.hardware or r.backend, _seeds(r.seeds)]))
        table.add_row(
            Text(r.slug),
            stage,
            Text(figures, style="red" if r.error else ""),
            Text(run or ("smoke run only" if r.smoke_runs else ""), style="" if r.runs else "dim"),
            Text("\n".join(filter(None, [_hub_cell(r), _space_cell(r)]))),
            end_section=True,
        )
    console.print(table)
    _print_summary(rows, console)


def _print_summary(rows: list[ReproductionStatus], console: Console) -> None:
    counts = summary(rows)
    stages = ", ".join(f"{counts[s]} {s}" for s in STAGES if counts[s])
    plural = "" if counts["total"] == 1 else "s"
    console.print(
        f"{counts['total']} reproduction{plural}: {stages}; "
        f"{counts['pass']} pass, {counts['fail']} fail",
        highlight=False,
    )


def _seeds(seeds: list[int]) -> str:
    if not seeds:
        return ""
    return f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"


def _hub_cell(r: ReproductionStatus) -> str:
    if r.pushed_commit:
        return f"hub @{r.pushed_commit[:7]}"
    return ""


def _space_cell(r: ReproductionStatus) -> str:
    if r.space_commit:
        return f"space @{r.space_commit[:7]}"
    if r.steps.get("space_generated"):
        return "space (local)"
    return ""


# -- static page ---------------------------------------------------------------------


def write_html(
    rows: list[ReproductionStatus], out_dir: Path, *, root: Path, force: bool = False
) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/assets/``; return the page's path.

    Curve images are copied (not re-encoded) to ``assets/curves/<slug>.png`` and shown as
    thumbnails; a copy is skipped when the destination already has the same size and
    modification time. Refuses to overwrite an ``index.html`` this command did not write.
    """
    from toolkit.templating import environment, template_path

    out_dir = Path(out_dir)
    page = out_dir / "index.html"
    if page.is_file() and not force and PAGE_MARKER not in page.read_text(errors="replace"):
        raise UsageError(
            f"{page} exists and was not written by `sprint status`",
            where=str(page),
            fix="choose another --html folder, or pass --force to overwrite it",
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"{out_dir} is a file, not a folder",
            where="--html",
            fix="give a folder path, e.g. --html site/",
        )
    for name in ASSETS:
        data = template_path("status", name).read_bytes()
        dest = out_dir / "assets" / name
        if not dest.is_file() or dest.read_bytes() != data:
            atomic_write_bytes(dest, data)
    thumbs = {
        r.slug: _copy_curves(Path(root) / r.curves, out_dir / "assets" / "curves", r.slug)
        for r in rows
        if r.curves
    }

    env = environment("status", autoescape=True)
    env.filters["fmt"] = fmt
    html = env.get_template("index.html.j2").render(
        rows=rows,
        thumbs=thumbs,
        counts=summary(rows),
        stages=STAGES,
        marker=PAGE_MARKER,
        marks=MARKS,
        step_labels=STEP_LABELS,
        step_titles=STEP_TITLES,
        root_name=Path(root).resolve().name,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    atomic_write_text(page, html)
    return page


def _copy_curves(src: Path, dest_dir: Path, slug: str) -> str:
    """Copy ``src`` to ``dest_dir/<slug>.png`` unless already there; the page-relative path."""
    dest = dest_dir / f"{slug}.png"
    relative = f"assets/curves/{quote(slug)}.png"
    try:
        stat = src.stat()
        if dest.is_file():
            have = dest.stat()
            if have.st_size == stat.st_size and have.st_mtime_ns == stat.st_mtime_ns:
                return relative
        atomic_write_bytes(dest, src.read_bytes())
        os.utime(dest, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    except OSError:
        return ""
    return relative
