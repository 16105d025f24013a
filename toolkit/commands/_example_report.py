"""Human-readable summary of a parsed example, shared by ``sprint show`` and ``sprint new``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.example import Example


def print_example(example: Example, *, unresolved: list[str] | None = None) -> None:
    """Print what was inferred from ``example`` (and, for ``new``, what could not be)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    h = example.header
    authors = ", ".join(f"{a.name} <{a.url}>" if a.url else a.name for a in h.authors) or "?"
    console.print(f"[bold]{h.title}[/bold]  ({example.source_kind}: {example.path or example.name})")
    console.print(f"  authors: {authors}")
    console.print(f"  created: {h.date_created or '?'}   modified: {h.last_modified or '?'}   "
                  f"accelerator: {h.accelerator or '?'}")
    if h.description:
        console.print(f"  description: {h.description}")
    for key, value in h.extra.items():
        console.print(f"  {key}: {value}")
    console.print(f"  cells: {_cell_counts(example)}")
    console.print(f"  backend: {example.backend} ({example.backend_reason})   task: {example.task}")
    if example.requirements:
        console.print(f"  requirements: {', '.join(example.requirements)}")

    if example.metrics:
        table = Table(title="Reported metrics", title_justify="left", show_lines=False)
        for column in ("split", "metric", "value", "qualifier", "epochs", "from", "sentence"):
            table.add_column(column, overflow="fold")
        for m in example.metrics:
            table.add_row(m.split, m.name, f"{m.value:g}", m.qualifier,
                          str(m.epochs or ""), f"{m.origin}:{m.line or ''}", m.sentence.strip())
        console.print(table)
    else:
        console.print("  reported metrics: none found")

    if example.data_sources:
        console.print("  data:")
        for d in example.data_sources:
            console.print(f"    - {d.kind}: {d.url or d.name} (line {d.line})")
    else:
        console.print("  data: none found")

    for finding in example.findings:
        fix = f" -> {finding.replacement}" if finding.replacement else ""
        console.print(f"  [yellow]finding[/yellow] line {finding.line}: {finding.message}{fix}")
    for warning in example.warnings:
        console.print(f"  [yellow]warning[/yellow]: {warning}")
    for gap in unresolved or []:
        console.print(f"  [yellow]not inferred[/yellow]: {gap}")


def _cell_counts(example: Example) -> str:
    counts: dict[str, int] = {}
    for cell in example.cells:
        counts[cell.kind] = counts.get(cell.kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "none"
