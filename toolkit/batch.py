"""Run many reproductions and seeds, ``jobs`` at a time, on one machine: ``sprint run --all``.

Every (reproduction, seed) is one job: a ``sprint run SLUG --seed S --seeds 1 --set-stamp T``
process of its own (signals and crashes stay inside it), and all seeds of a reproduction
share the set stamp ``T``, so they form one set that ``sprint check`` judges as a whole.
The machine is shared sensibly: each job gets ``cores // jobs`` CPU threads (OpenMP, BLAS,
TensorFlow and XLA read the variables set here), and on a GPU no job preallocates the
device (JAX gets a memory fraction of ``0.9 / jobs``, TensorFlow grows on demand, torch
gets the fraction via ``SPRINT_GPU_MEMORY_FRACTION``).

A reproduction whose newest complete set already covers the seeds asked, made from
today's ``train.py`` (and the files it imports) and today's targets, is skipped: a killed
batch resumes where it stopped. Each job's progress (epoch, ETA) is read from its run
folder, so the scheduler needs nothing from inside the training process.

Example::

    >>> summary = run_batch(BatchOptions(slugs=["mnist_convnet", "vae"], seeds=3, jobs=2))
    >>> summary.exit_code
    0
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from toolkit.manifest import Manifest
from toolkit.provenance import provenance
from toolkit.runs import RUNS_DIR, RunRecord, list_runs

__all__ = [
    "BatchOptions",
    "BatchSummary",
    "Job",
    "job_environment",
    "plan_jobs",
    "run_batch",
    "up_to_date_set",
]

POLL_S = 0.5
STOP_GRACE_S = 30.0  # after SIGINT, before SIGKILL
_EPOCH_RE = re.compile(rb"Epoch (\d+)/(\d+)")
LOG_TAIL_BYTES = 64 * 1024


@dataclass
class BatchOptions:
    """What to run: the slugs, how many seeds each, how many jobs at a time."""

    slugs: Sequence[str]
    root: Path = field(default_factory=Path.cwd)
    seeds: int | None = None  # None: each manifest's [run] seeds (1 with smoke)
    jobs: int = 1
    backend: str | None = None
    smoke: bool = False
    epochs: int | None = None
    data_dir: str | None = None
    timeout: float | None = None
    force: bool = False  # run even when an up-to-date set exists
    gpu: bool | None = None  # None: detect (nvidia-smi on PATH)
    cores: int | None = None  # None: the cores this process may use


@dataclass
class Job:
    """One seed of one reproduction, and how it went."""

    slug: str
    seed: int
    group: str
    backend: str
    stamp: str = ""
    state: str = "queued"  # queued | running | complete | failed | incomplete | skipped
    reason: str = ""
    run_id: str = ""
    started: float | None = None
    wall_s: float | None = None
    epoch: tuple[int, int] | None = None
    eta_s: float | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    output: tuple[IO[bytes], IO[bytes]] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("process")
        data.pop("output")
        data.pop("started")
        return data


@dataclass
class BatchSummary:
    """Every job, and each reproduction's check verdict after its set finished."""

    jobs: list[Job]
    verdicts: dict[str, str]  # slug -> pass | fail | error | smoke | skipped | not run
    wall_s: float
    jobs_at_once: int
    threads_per_job: int
    interrupted: bool = False  # stopped by Ctrl-C or a time budget before every job ran

    @property
    def exit_code(self) -> int:
        """0 all ran and passed, 1 a run or a check failed."""
        bad_run = any(j.state in ("failed", "incomplete") for j in self.jobs)
        bad_check = any(v in ("fail", "error") for v in self.verdicts.values())
        return 1 if bad_run or bad_check else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 2),
            "interrupted": self.interrupted,
            "jobs_at_once": self.jobs_at_once,
            "threads_per_job": self.threads_per_job,
            "exit_code": self.exit_code,
            "verdicts": self.verdicts,
            "jobs": [j.to_dict() for j in self.jobs],
        }


def available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def job_environment(threads: int, jobs: int, gpu: bool) -> dict[str, str]:
    """The variables that make ``jobs`` concurrent trainings share one machine."""
    env = {
        name: str(threads)
        for name in (
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "TF_NUM_INTRAOP_THREADS",
        )
    }
    env["TF_NUM_INTEROP_THREADS"] = str(max(1, min(2, threads)))
    env["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={threads}"
    )
    if gpu:
        fraction = f"{0.9 / jobs:.3f}"
        env |= {
            "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
            "XLA_PYTHON_CLIENT_MEM_FRACTION": fraction,
            "TF_FORCE_GPU_ALLOW_GROWTH": "true",
            "SPRINT_GPU_MEMORY_FRACTION": fraction,
        }
    return env


def up_to_date_set(
    repro_dir: Path, manifest: Manifest, *, backend: str, seeds: int, smoke: bool
) -> list[RunRecord]:
    """The newest complete set on ``backend`` with ``seeds`` seeds made from today's code and
    targets; ``[]`` when there is none (runs without provenance never count)."""
    today = provenance(repro_dir, manifest)
    groups: dict[str, list[RunRecord]] = {}
    for run in list_runs(repro_dir):
        if run.complete and run.smoke == smoke and run.env().get("backend") == backend:
            groups.setdefault(run.group, []).append(run)
    for runs in reversed(list(groups.values())):
        envs = [e if isinstance(e := r.env(), dict) else {} for r in runs]
        if len(runs) >= seeds and all(
            e.get("code_sha256") == today["code_sha256"]
            and e.get("targets_sha256") == today["targets_sha256"]
            for e in envs
        ):
            return runs
    return []


def plan_jobs(options: BatchOptions, stamp: str | None = None) -> list[Job]:
    """One job per (slug, seed); the seeds of an up-to-date set are marked ``skipped``."""
    from toolkit.harness.runner import choose_backend

    stamp = stamp or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    jobs = []
    for slug in options.slugs:
        folder = Path(options.root) / "reproductions" / slug
        manifest = Manifest.load(folder)
        script = folder / manifest.run.script
        text = script.read_text(encoding="utf-8", errors="replace") if script.is_file() else ""
        backend = choose_backend(manifest.run.backend, options.backend, text)
        count = options.seeds or (1 if options.smoke else max(1, manifest.run.seeds))
        suffix = "-smoke" if options.smoke else ""
        group = f"{stamp}-{backend}{suffix}"
        done = (
            []
            if options.force or options.epochs
            else up_to_date_set(folder, manifest, backend=backend, seeds=count, smoke=options.smoke)
        )
        for seed in range(count):
            job = Job(
                slug=slug,
                seed=seed,
                group=group,
                backend=backend,
                stamp=stamp,
                run_id=f"{stamp}-{backend}-s{seed}{suffix}",
            )
            if done:
                job.state, job.reason = "skipped", f"up to date: set {done[0].group}"
                job.group, job.run_id = done[0].group, ""
            jobs.append(job)
    return jobs


def _command(job: Job, options: BatchOptions) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "toolkit.cli",
        "run",
        job.slug,
        "--seed",
        str(job.seed),
        "--seeds",
        "1",
        "--set-stamp",
        job.stamp,
        "--backend",
        job.backend,
        "--quiet",
        "--json",
    ]
    for flag, value in (
        ("--epochs", options.epochs),
        ("--data-dir", options.data_dir),
        ("--timeout", options.timeout),
    ):
        if value is not None:
            command += [flag, str(value)]
    return command + (["--smoke"] if options.smoke else [])


def _start(job: Job, options: BatchOptions, env: dict[str, str]) -> None:
    job.state, job.started = "running", time.monotonic()
    # Files, not pipes: a chatty job can never block on a full pipe.
    job.output = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by _read_output)
    job.process = subprocess.Popen(
        _command(job, options),
        cwd=options.root,
        env={**os.environ, **env, "SPRINT_ROOT": str(options.root)},
        stdin=subprocess.DEVNULL,
        stdout=job.output[0],
        stderr=job.output[1],
        start_new_session=True,
    )  # a terminal's Ctrl-C reaches the batch, which forwards it


def _read_output(job: Job) -> tuple[bytes, bytes]:
    if job.output is None:
        return b"", b""
    texts = []
    for handle in job.output:
        handle.seek(0)
        texts.append(handle.read())
        handle.close()
    job.output = None
    return texts[0], texts[1]


def _finish(job: Job) -> None:
    """Read the outcome of a finished job from its ``sprint run --json`` output."""
    assert job.process is not None
    job.process.wait()
    out, err = _read_output(job)
    job.wall_s = time.monotonic() - (job.started or time.monotonic())
    try:
        outcome = json.loads(out)[0]
        job.state, job.reason, job.run_id = outcome["status"], outcome["reason"], outcome["run_id"]
    except (ValueError, IndexError, KeyError, TypeError):
        lines = err.decode("utf-8", "replace").strip().splitlines()
        job.state = "failed"
        job.reason = lines[-1] if lines else f"sprint run exited {job.process.returncode}"
    job.process = None


def _progress(job: Job, options: BatchOptions) -> None:
    """The job's current epoch and an ETA for its current fit, from its live train.log."""
    log = Path(options.root) / "reproductions" / job.slug / RUNS_DIR / job.run_id / "train.log"
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - LOG_TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return
    epochs = _EPOCH_RE.findall(tail)
    if epochs and job.started is not None:
        done, total = int(epochs[-1][0]), int(epochs[-1][1])
        job.epoch = (done, total)
        elapsed = time.monotonic() - job.started
        job.eta_s = elapsed / (done - 1) * (total - done + 1) if done > 1 else None


def run_batch(
    options: BatchOptions, *, on_update: Callable[[list[Job]], None] | None = None
) -> BatchSummary:
    """Run every planned job, ``options.jobs`` at a time; then check each finished set."""
    clock = time.monotonic()
    jobs = plan_jobs(options)
    cores = options.cores or available_cores()
    width = max(1, min(options.jobs, len(jobs) or 1))
    threads = max(1, cores // width)
    gpu = options.gpu if options.gpu is not None else _has_gpu()
    env = job_environment(threads, width, gpu)
    queue = [j for j in jobs if j.state == "queued"]
    running: list[Job] = []
    interrupted = False
    try:
        while queue or running:
            while queue and len(running) < width:
                job = queue.pop(0)
                _start(job, options, env)
                running.append(job)
            for job in list(running):
                if job.process is not None and job.process.poll() is not None:
                    _finish(job)
                    running.remove(job)
                else:
                    _progress(job, options)
            if on_update:
                on_update(jobs)
            if running:
                time.sleep(POLL_S)
    except KeyboardInterrupt:  # Ctrl-C or a budget's SIGINT: stop, then summarise
        interrupted = True
        _stop_all(running)
    except BaseException:
        _stop_all(running)
        raise
    verdicts = {
        slug: _verdict(slug, [j for j in jobs if j.slug == slug], options)
        for slug in dict.fromkeys(j.slug for j in jobs)
    }
    if on_update:
        on_update(jobs)
    return BatchSummary(
        jobs=jobs,
        verdicts=verdicts,
        wall_s=time.monotonic() - clock,
        jobs_at_once=width,
        threads_per_job=threads,
        interrupted=interrupted,
    )


def _stop_all(running: list[Job]) -> None:
    """Ask each running job to stop; each `sprint run` records its run as interrupted."""
    for job in running:
        if job.process is not None:
            job.process.send_signal(signal.SIGINT)
    for job in running:
        if job.process is None:
            continue
        try:
            job.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            job.process.kill()
            job.process.wait()
        _read_output(job)
        job.process = None
        job.state, job.reason = "incomplete", "interrupted"
        job.wall_s = time.monotonic() - (job.started or time.monotonic())


def _verdict(slug: str, jobs: list[Job], options: BatchOptions) -> str:
    """The check verdict of the set the jobs made (``smoke`` for smoke sets: never judged)."""
    from toolkit.check import check_reproduction
    from toolkit.errors import SprintError

    if not any(j.state in ("complete", "skipped") for j in jobs):
        return "not run"
    if options.smoke:
        return "smoke" if all(j.state in ("complete", "skipped") for j in jobs) else "fail"
    try:
        report = check_reproduction(Path(options.root) / "reproductions" / slug, run=jobs[0].group)
    except SprintError:
        return "error"
    return report.verdict


def _has_gpu() -> bool:
    from shutil import which

    return which("nvidia-smi") is not None


def fmt_duration(seconds: float | None) -> str:
    """``1:02:03`` / ``2:03`` for a progress display; ``''`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
