"""Run records: ``reproductions/<slug>/runs/<run-id>/``.

A run folder holds:

- ``run.json``: ``run_id``, ``group`` (the multi-seed set it belongs to), ``seed``,
  ``backend``, ``smoke``, ``status`` (``running``, ``complete``, ``failed``,
  ``incomplete``), ``reason`` (why it failed or stopped), ``started``, ``finished``.
  Written when the run starts, rewritten atomically when it ends.
- ``metrics.json``: only for complete runs, written once, atomically::

      {"final": {"train": {...}, "validation": {...}, "test": {...}},
       "history": {"loss": [...], "val_loss": [...], ...},
       "evaluations": [{"loss": ..., "accuracy": ...}, ...],
       "epochs": 15}

  ``final.test`` holds the last ``evaluate()`` results; ``final.validation`` the last
  epoch's ``val_*`` logs (prefix dropped); ``final.train`` the last epoch's other logs.
  With metrics that declare a ``log_pattern``, ``printed`` maps each ``split/name`` to what
  its pattern read from ``train.log`` (``value``, ``line``, ``matches``, ``pattern``).
- ``env.json``: python, keras, backend and versions, device, seed, git commit,
  command line, wall time, peak memory.
- ``curves.png``, ``logs/`` (TensorBoard), ``train.log``, ``model.keras`` (git-ignored).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import CheckError
from toolkit.field_types import choice_problem, type_problems

RUNS_DIR = "runs"
MODEL_FILE = "model.keras"
LOGS_DIR = "logs"
STATUSES = ("running", "complete", "failed", "incomplete")


class RunDataError(CheckError):
    """A file of a run folder is not what the harness writes (edited, truncated, replaced)."""


@dataclass(frozen=True)
class RunRecord:
    """One run folder, read from disk."""

    path: Path
    run_id: str
    group: str
    seed: int | None
    backend: str
    smoke: bool
    status: str
    reason: str
    started: str

    @property
    def complete(self) -> bool:
        return self.status == "complete" and (self.path / "metrics.json").is_file()

    def metrics(self) -> dict[str, Any]:
        """The parsed ``metrics.json`` (empty dict for runs that did not complete)."""
        return read_json(self.path / "metrics.json") if self.complete else {}

    def env(self) -> dict[str, Any]:
        """The parsed ``env.json`` (empty dict when missing)."""
        return read_json(self.path / "env.json")

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def saved_model(self) -> bool:
        """Whether the run saved its model, as its committed ``env.json`` records.

        The file itself is git-ignored and lives only where the training ran, so what a run
        *is* (the card, the Space, the status page) never depends on this machine having it;
        only the steps that read the weights (push, Space construction) need the file.
        """
        model = self.env().get("model")
        if isinstance(model, dict) and "saved" in model:
            return bool(model["saved"])
        return self.model_path.is_file()

    @classmethod
    def read(cls, path: Path) -> RunRecord | None:
        """The record in ``path``, or ``None`` when it holds no readable ``run.json``.

        A run still marked ``running`` whose ``sprint`` process is gone (killed with
        SIGKILL, the machine rebooted) reads as ``incomplete``, with the reason.
        """
        info = read_json(path / "run.json")
        if not info:
            return None
        if info.get("status") == "running" and (why := abandoned(info)):
            info = {**info, "status": "incomplete", "reason": why}
        record = cls(
            path=path,
            run_id=info.get("run_id", path.name),
            group=info.get("group", path.name),
            seed=info.get("seed"),
            backend=info.get("backend", ""),
            smoke=info.get("smoke", False),
            status=info.get("status", "incomplete"),
            reason=info.get("reason", ""),
            started=info.get("started", ""),
        )
        problems = type_problems(record)
        if bad_status := choice_problem("status", record.status, STATUSES):
            problems.append(bad_status)
        if problems:
            raise RunDataError(
                f"run.json holds values the harness never writes: {'; '.join(problems)}",
                where=str(path / "run.json"),
                fix=_RESTORE_FIX,
            )
        return record


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from ``/proc``), if it runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def abandoned(info: Mapping[str, Any]) -> str:
    """Why a ``running`` record is not running any more ('' when it may still be)."""
    pid, host = info.get("pid"), info.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return ""  # another machine's run, or a record from before pids were kept
    started = process_start(pid)
    if started is not None and started == info.get("pid_start", started):
        return ""
    return (
        f"abandoned: the sprint process (pid {pid}) ended without recording how the run "
        "ended (killed?)"
    )


_RESTORE_FIX = (
    "restore the file from git (`git checkout -- FILE`), or delete the run folder "
    "and train again with `sprint run SLUG`"
)


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; an empty dict when there is no such file.

    Raises :class:`RunDataError` when the file exists but is not a JSON object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise RunDataError(
            f"{path.name} cannot be read ({exc})", where=str(path), fix=_RESTORE_FIX
        ) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RunDataError(
            f"{path.name} is not valid JSON ({exc})", where=str(path), fix=_RESTORE_FIX
        ) from exc
    if not isinstance(data, dict):
        raise RunDataError(
            f"{path.name} holds {type(data).__name__} where the harness writes a JSON object",
            where=str(path),
            fix=_RESTORE_FIX,
        )
    return data


def list_runs(repro_dir: Path) -> list[RunRecord]:
    """Every run of a reproduction, oldest first."""
    base = Path(repro_dir) / RUNS_DIR
    if not base.is_dir():
        return []
    records = [r for p in base.iterdir() if p.is_dir() and (r := RunRecord.read(p))]
    return sorted(records, key=lambda r: (r.started, r.run_id))


def local_model_run(repro_dir: Path) -> RunRecord | None:
    """A run whose ``model.keras`` is on this machine: of the latest full set, else the newest
    smoke run that kept one (enough to read the model's signature or test a demo's plumbing,
    never to publish)."""
    smoke_runs = [r for r in list_runs(repro_dir) if r.complete and r.smoke]
    for run in [*reversed(latest_set(repro_dir)), *reversed(smoke_runs)]:
        if run.model_path.is_file():
            return run
    return None


def latest_set(
    repro_dir: Path, *, smoke: bool = False, group: str | None = None
) -> list[RunRecord]:
    """The complete runs of the newest set (or of ``group``), smoke runs excluded by default.

    A set is the runs sharing a ``group`` id: one per seed of a ``--seeds N`` run.
    """
    runs = [r for r in list_runs(repro_dir) if r.complete and r.smoke == smoke]
    if group is not None:
        return [r for r in runs if r.group == group or r.run_id == group]
    if not runs:
        return []
    newest = runs[-1].group
    return [r for r in runs if r.group == newest]
