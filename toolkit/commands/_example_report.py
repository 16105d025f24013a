"""Human-readable summary of a parsed example, shared by ``sprint show`` and ``sprint new``."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.example import Example


def print_example(example: Example, *, unresolved: list[str] | None = None) -> None:
    """Print what was inferred from ``example`` (and, for ``new``, what could not be)."""
    from rich.console import Console

    console = Console(highlight=False)
    say = partial(console.print, markup=False)
    h = example.header
    authors = ", ".join(f"{a.name} <{a.url}>" if a.url else a.name for a in h.authors) or "?"
    console.print(
        f"{h.title}  ({example.source_kind}: {example.path or example.name})",
        style="bold",
        markup=False,
    )
    say(f"  authors: {authors}")
    say(
        f"  created: {h.date_created or '?'}   modified: {h.last_modified or '?'}   "
        f"accelerator: {h.accelerator or '?'}"
    )
    if h.description:
        say(f"  description: {h.description}")
    for key, value in h.extra.items():
        say(f"  {key}: {value}")
    say(f"  cells: {_cell_counts(example)}")
    say(f"  backend: {example.backend} ({example.backend_reason})   task: {example.task}")
    if example.class_names:
        say(f"  class names: {', '.join(example.class_names)} ({example.class_names_reason})")
    if example.requirements:
        say(f"  requirements: {', '.join(example.requirements)}")

    if example.metrics:
        say("  reported metrics:")
        for m in example.metrics:
            epochs = f", {m.epochs} epochs" if m.epochs else ""
            say(
                f"    - {m.split} {m.name} = {m.value:g} ({m.qualifier}{epochs}; "
                f"{m.origin}, line {m.line or '?'})"
            )
            say(f'        "{" ".join(m.sentence.split())}"', style="dim")
    else:
        say("  reported metrics: none found")

    if example.data_sources:
        say("  data:")
        for d in example.data_sources:
            say(f"    - {d.kind}: {d.url or d.name} (line {d.line})")
    else:
        say("  data: none found")

    for finding in example.findings:
        fix = f" -> {finding.replacement}" if finding.replacement else ""
        console.print(f"  [yellow]finding[/yellow] line {finding.line}: ", end="")
        say(f"{finding.message}{fix}")
    for warning in example.warnings:
        console.print("  [yellow]warning[/yellow]: ", end="")
        say(warning)
    for gap in unresolved or []:
        console.print("  [yellow]not inferred[/yellow]: ", end="")
        say(gap)


def _cell_counts(example: Example) -> str:
    counts: dict[str, int] = {}
    for cell in example.cells:
        counts[cell.kind] = counts.get(cell.kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "none"
