"""What a set of runs says about its own provenance, and the verdict level it earns.

A check's rule being met is not the whole verdict: the runs must also have trained today's
code against today's targets, from a committed tree, with every seed the manifest asks
for. :func:`audit_runs` compares what each run recorded (:mod:`toolkit.provenance`) with
today's files; :func:`verdict_level` turns a rule verdict and that audit into a level:

- ``verified``: the rule is met, every seed is complete, every run recorded the hashes of
  today's ``train.py`` and targets, and every run was made from a clean commit (of the
  reproduction folder; the runs of a set may record different commits, as others commit
  while it runs, so long as they recorded the same code and targets);
- ``pass``: the rule is met, but one of those is missing (each is named);
- ``fail``: the rule is not met;
- ``cannot check``: nothing could be judged (no complete set, stale runs, a bad manifest).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.manifest import Manifest
from toolkit.provenance import TARGET_FIELDS, provenance
from toolkit.runs import RunRecord

__all__ = ["LEVELS", "Audit", "audit_runs", "verdict_level"]

LEVELS = ("verified", "pass", "fail", "cannot check")


@dataclass
class Audit:
    """Findings about a set of runs; empty lists mean nothing to report."""

    stale: list[str] = field(default_factory=list)  # code changed since the runs
    moved_targets: list[str] = field(default_factory=list)  # targets changed since the runs
    unrecorded: list[str] = field(default_factory=list)  # runs made before hashes were kept
    dirty: list[str] = field(default_factory=list)  # runs made from uncommitted code
    commits: list[str] = field(default_factory=list)  # the commits the runs came from
    # Runs that recorded other code or targets than the set's first run. Commits alone may
    # differ (others commit while a set runs): clean runs with the same hashes ran the same.
    differing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stale": self.stale,
            "moved_targets": self.moved_targets,
            "unrecorded": self.unrecorded,
            "dirty": self.dirty,
            "commits": self.commits,
            "differing": self.differing,
        }


def _describe_target(target: dict[str, Any]) -> str:
    sign = ">=" if target.get("direction") == "higher" else "<="
    kind = "relative " if target.get("tolerance_kind") == "relative" else ""
    return f"{target.get('value')} {sign} with {kind}tolerance {target.get('tolerance')}" + (
        "" if target.get("required", True) else ", optional"
    )


def _moved(recorded: list[Any], today: list[dict[str, Any]]) -> list[str]:
    """Each target that differs between the runs' record and today's manifest."""
    before = {(t.get("split"), t.get("name")): t for t in recorded if isinstance(t, dict)}
    after = {(t["split"], t["name"]): t for t in today}
    notes = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        label = f"{key[0]} {key[1]}"
        if old is None and new is not None:
            notes.append(f"{label} was added after the runs (now {_describe_target(new)})")
        elif new is None and old is not None:
            notes.append(f"{label} was removed after the runs (was {_describe_target(old)})")
        elif (
            old is not None
            and new is not None
            and any(old.get(f) != new.get(f) for f in TARGET_FIELDS)
        ):
            notes.append(
                f"{label} changed after the runs: was {_describe_target(old)}, "
                f"now {_describe_target(new)}"
            )
    return notes


def _script_hash_at(folder: Path, commit: str, script: str) -> str | None:
    """sha256 of ``folder/script`` as committed in ``commit``; ``None`` when git cannot say
    (no git, no such commit or file): runs that predate code hashes are audited through it."""
    import hashlib
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "show", f"{commit}:./{script}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return hashlib.sha256(done.stdout).hexdigest() if done.returncode == 0 else None


def audit_runs(repro_dir: Path, manifest: Manifest, runs: Sequence[RunRecord]) -> Audit:
    """Compare what ``runs`` recorded with today's code and targets."""
    today = provenance(Path(repro_dir), manifest)
    audit = Audit()
    moved: list[str] = []
    first: tuple[str, Any] | None = None  # the first run's (code hashes, targets digest)
    for run in runs:
        env = run.env()
        env = env if isinstance(env, dict) else {}  # a corrupt env.json records nothing
        commit = env.get("git_commit")
        if isinstance(commit, str) and commit and commit not in audit.commits:
            audit.commits.append(commit)
        if env.get("git_dirty") is not False:
            audit.dirty.append(run.run_id)
        code = env.get("code_sha256")
        if not isinstance(code, dict):
            audit.unrecorded.append(run.run_id)
            if env.get("git_dirty") is False and isinstance(commit, str) and commit:
                script = manifest.run.script
                then = _script_hash_at(Path(repro_dir), commit, script)
                if then is not None and then != today["code_sha256"].get(script):
                    audit.stale.append(
                        f"{run.run_id}: {script} changed since the run (the clean commit "
                        f"{commit[:8]} it ran from holds another {script})"
                    )
            continue
        changed = sorted(
            path
            for path in {*code, *today["code_sha256"]}
            if code.get(path) != today["code_sha256"].get(path)
        )
        if changed:
            audit.stale.append(f"{run.run_id}: {', '.join(changed)} changed since the run")
        recorded = (json.dumps(code, sort_keys=True), env.get("targets_sha256"))
        first = first or recorded
        if recorded != first:
            audit.differing.append(run.run_id)
        if env.get("targets_sha256") != today["targets_sha256"] and not moved:
            moved = _moved(env.get("targets") or [], today["targets"])
    audit.moved_targets = moved
    return audit


def verdict_level(
    rule_verdict: str, audit: Audit | None, *, complete_seeds: int, seeds_required: int
) -> tuple[str, list[str]]:
    """The level a rule verdict (``pass``/``fail``/``error``) earns, and what it lacks."""
    if rule_verdict == "error" or audit is None:
        return "cannot check", []
    if rule_verdict == "fail":
        return "fail", []
    missing = []
    if complete_seeds < seeds_required:
        missing.append(f"{complete_seeds} of {seeds_required} seeds complete")
    if audit.unrecorded:
        missing.append(
            f"{len(audit.unrecorded)} run(s) recorded no hash of their code and "
            "targets (made before provenance was kept)"
        )
    if audit.moved_targets:
        missing.append("targets changed after the runs")
    if audit.dirty:
        missing.append(f"{len(audit.dirty)} run(s) made from uncommitted changes")
    if audit.differing:
        missing.append(
            f"{len(audit.differing)} run(s) of the set recorded other code or targets than "
            "its first run"
        )
    return ("pass" if missing else "verified"), missing
