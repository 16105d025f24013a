"""Parent side of ``sprint run``: one run folder and one child process per seed.

For each seed it creates ``runs/<run-id>/`` with ``run.json`` (status ``running``),
starts ``python -m toolkit.harness.child`` in the reproduction folder with
``KERAS_BACKEND`` set, streams the child's output to the terminal and ``train.log``,
and stops the child on Ctrl-C, SIGTERM or time-out (SIGINT, then SIGTERM, then
SIGKILL). When the child is gone it writes ``env.json``, ``curves.png``,
``metrics.json`` (complete runs only, atomically) and the final ``run.json``.

Example::

    >>> outcomes = run_reproduction(Path("reproductions/mnist_convnet"),
    ...                             RunOptions(backend="jax", seeds=3))
    >>> [o.status for o in outcomes]
    ['complete', 'complete', 'complete']
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from toolkit.data import Mirror, is_remote_url, network_allowed, staging_command
from toolkit.errors import DataError, RunError, UsageError
from toolkit.fsutil import atomic_write_json
from toolkit.harness.config import ChildConfig
from toolkit.harness.logstream import LogTee
from toolkit.harness.metrics import (
    build_metrics,
    final_splits,
    history_columns,
    printed_metrics,
)
from toolkit.harness.preflight import check_imports, install_requirements, missing_imports
from toolkit.harness.standin import has_stand_in
from toolkit.manifest import BACKENDS, Manifest
from toolkit.project import project_root
from toolkit.provenance import provenance
from toolkit.runs import RUNS_DIR, RunDataError, abandoned, process_start, read_json

HARNESS_DIR = ".harness"  # the child's config and result, inside the run folder
PR_SET_PDEATHSIG = 1
INTERRUPT_GRACE_S = 20.0  # after SIGINT, before SIGTERM (then 5 s before SIGKILL)
# A smoke run's child stops its script when the budget is spent; should it hang anyway
# (stuck in native code), the parent stops it this long after the budget (start-up included).
SMOKE_BACKSTOP_S = 300.0
SET_STAMP = re.compile(r"\d{8}-\d{6}(?:-\d{1,3})?")
DATA_KINDS_MIRRORED = ("get_file", "url", "keras.datasets")
_BACKEND_IN_SCRIPT = re.compile(
    r"""os\.environ(?:\[\s*["']KERAS_BACKEND["']\s*\]\s*=|\.setdefault\(\s*["']KERAS_BACKEND["']\s*,)"""
    r"""\s*["'](\w+)["']"""
)


@dataclass
class RunOptions:
    """What ``sprint run`` was asked for; ``None`` means "as the manifest says"."""

    backend: str | None = None
    epochs: int | None = None
    seed: int = 0
    seeds: int | None = None
    smoke: bool = False
    smoke_steps: int | None = None
    smoke_budget: float | None = None  # seconds for the whole script in smoke mode
    data_dir: str | None = None
    timeout: float | None = None
    save_model: bool = True
    echo: IO[bytes] | None = field(default_factory=lambda: sys.stdout.buffer)
    command: list[str] | None = None
    # The set's time stamp, shared by seeds that run in separate processes (sprint run --all).
    set_stamp: str | None = None
    install_requirements: bool = False  # pip install what the script imports and lacks


@dataclass
class RunPlan:
    """The options resolved against the manifest, checked before anything starts."""

    repro_dir: Path
    manifest: Manifest
    script: Path
    backend: str
    seeds: list[int]
    epochs: int | None
    smoke_steps: int | None
    mirror: Mirror
    network: bool
    # Hashes of the code and targets, taken before the run starts (toolkit.provenance).
    provenance: dict[str, Any] = field(default_factory=dict)
    smoke_budget: float | None = None  # set in smoke mode: seconds for the whole script


@dataclass
class RunOutcome:
    """How one seed's run ended."""

    run_id: str
    path: Path
    seed: int
    status: str
    reason: str
    final: dict[str, dict[str, Any]]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "path": str(self.path),
            "seed": self.seed,
            "status": self.status,
            "reason": self.reason,
            "final": self.final,
            "warnings": self.warnings,
        }


# -- planning ------------------------------------------------------------------------
def choose_backend(declared: str, requested: str | None, script_text: str) -> str:
    """The backend to run: ``--backend``, else the manifest's, else the script's, else TF.

    A manifest that pins a backend (``tensorflow`` for tf.keras-only examples) refuses
    another one.
    """
    declared = (declared or "any").strip().lower()
    if requested:
        if requested not in BACKENDS:
            raise UsageError(
                f"Unknown backend {requested!r}",
                where="--backend",
                fix=f"use one of {', '.join(BACKENDS)}",
            )
        if declared not in ("any", requested):
            raise UsageError(
                f"This reproduction runs on {declared} only; --backend {requested} was asked",
                where="[run] backend in reproduction.toml",
                fix='drop --backend, or set backend = "any" in reproduction.toml if the '
                "script really is backend-agnostic",
            )
        return requested
    if declared in BACKENDS:
        return declared
    if (match := _BACKEND_IN_SCRIPT.search(script_text)) and match.group(1) in BACKENDS:
        return match.group(1)
    env = os.environ.get("KERAS_BACKEND", "")
    return env if env in BACKENDS else "tensorflow"


def plan_run(repro_dir: Path, options: RunOptions) -> RunPlan:
    """Check the request and resolve every default; raises a SprintError on bad input."""
    repro_dir = Path(repro_dir).resolve()
    manifest = Manifest.load(repro_dir)
    script = repro_dir / manifest.run.script
    if not script.is_file():
        raise RunError(
            f"The training script {manifest.run.script} does not exist",
            where=str(script),
            fix="restore it, or point [run] script in reproduction.toml at it",
        )
    backend = choose_backend(
        manifest.run.backend, options.backend, script.read_text(encoding="utf-8", errors="replace")
    )
    if importlib.util.find_spec(backend) is None:
        raise _backend_missing(backend, options.backend, manifest, repro_dir)
    limits = (
        ("--epochs", options.epochs, 1),
        ("--seeds", options.seeds, 1),
        ("--smoke-steps", options.smoke_steps, 1),
        ("--seed", options.seed, 0),
    )
    for name, value, low in limits:
        if value is not None and value < low:
            raise UsageError(
                f"{name} must be at least {low}, got {value}",
                where=name,
                fix=f"pass an integer >= {low}",
            )
    if options.smoke_budget is not None and not 0 < options.smoke_budget < float("inf"):
        raise UsageError(
            f"--smoke-budget must be a positive number of seconds, got {options.smoke_budget:g}",
            where="--smoke-budget",
            fix="pass e.g. --smoke-budget 60",
        )
    count = options.seeds or (1 if options.smoke else max(1, manifest.run.seeds))
    mirror = Mirror.locate(options.data_dir, project_root(repro_dir))
    mirror.require_exists()
    network = network_allowed(mirror)
    plan = RunPlan(
        repro_dir=repro_dir,
        manifest=manifest,
        script=script,
        backend=backend,
        seeds=list(range(options.seed, options.seed + count)),
        epochs=options.epochs if options.epochs is not None else manifest.run.epochs,
        smoke_steps=(options.smoke_steps or manifest.run.smoke_steps or 5)
        if options.smoke
        else None,
        smoke_budget=float(options.smoke_budget or manifest.run.smoke_budget)
        if options.smoke
        else None,
        mirror=mirror,
        network=network,
        provenance=provenance(repro_dir, manifest),
    )
    check_data_staged(plan)
    if options.install_requirements:
        install_requirements(
            [*manifest.run.requirements, *(m.package for m in missing_imports(script, repro_dir))]
        )
    check_imports(script, repro_dir, manifest.run.requirements)
    return plan


def _backend_missing(
    backend: str, requested: str | None, manifest: Manifest, repro_dir: Path
) -> UsageError:
    """The error for a backend that is not installed, with the ways on that exist."""
    others = [b for b in BACKENDS if b != backend and importlib.util.find_spec(b) is not None]
    if requested:
        where, fix = "--backend", f"install it (pip install {backend}) or pick another backend"
    else:
        where = f"[run] backend in {repro_dir / 'reproduction.toml'}"
        fix = (
            f"install it (pip install {backend}); or, if the script uses keras ops only (a "
            f'Keras 3 example that merely sets KERAS_BACKEND), set backend = "any" there and '
            f"run `sprint run {manifest.slug} --backend {others[0] if others else 'jax'}`: the "
            "harness sets the backend before the script starts, so the script's own "
            "KERAS_BACKEND line no longer decides"
        )
    return UsageError(
        f"The {backend} backend is not installed"
        + (f" (installed: {', '.join(others)})" if others else ""),
        where=where,
        fix=fix,
    )


def check_data_staged(plan: RunPlan) -> None:
    """Offline, every download the manifest lists must be in the mirror before we start."""
    if plan.network:
        return
    staged = plan.mirror.entries()
    missing = [
        d.url
        for d in plan.manifest.data
        if d.kind in DATA_KINDS_MIRRORED
        and is_remote_url(d.url)
        and d.url not in staged
        and not (plan.smoke_steps and has_stand_in(d.url))  # a smoke run gets a stand-in
    ]
    if missing:
        root = plan.mirror.root if plan.mirror.explicit else None
        commands = "; ".join(f"`{staging_command(url, root)}`" for url in missing)
        smoke = (
            f"; `sprint run {plan.manifest.slug} --smoke` runs on generated stand-in data"
            if all(has_stand_in(url) for url in missing)
            else ""
        )
        raise DataError(
            f"The example downloads {len(missing)} file(s) the data mirror lacks, and downloads "
            f"are off: {', '.join(missing)}",
            where=f"[[data]] in {plan.repro_dir / 'reproduction.toml'}, mirror {plan.mirror.root}",
            fix=f"download them where there is network, then stage them: {commands} (or remove "
            f"a [[data]] entry the script does not actually read){smoke}",
        )


# -- running -------------------------------------------------------------------------
def run_reproduction(repro_dir: Path, options: RunOptions | None = None) -> list[RunOutcome]:
    """Run every seed of the plan, one child process each; stops the set when interrupted."""
    options = options or RunOptions()
    plan = plan_run(repro_dir, options)
    sweep_abandoned(plan.repro_dir)
    if options.set_stamp and not SET_STAMP.fullmatch(options.set_stamp):
        raise UsageError(
            f"The set stamp {options.set_stamp!r} is not a time stamp",
            where="--set-stamp",
            fix="pass YYYYMMDD-HHMMSS, e.g. 20261202-101500",
        )
    stamp = options.set_stamp or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    runs_dir = plan.repro_dir / RUNS_DIR
    suffix = "-smoke" if plan.smoke_steps else ""
    base, attempt = stamp, 1
    while not options.set_stamp and any(runs_dir.glob(f"{base}-{plan.backend}*")):
        attempt += 1  # two sets in the same second
        base = f"{stamp}-{attempt}"
    group = f"{base}-{plan.backend}{suffix}"
    outcomes = []
    with _sigterm_as_interrupt():
        for seed in plan.seeds:
            run_id = f"{base}-{plan.backend}-s{seed}{suffix}"
            outcome = _run_one(plan, options, group, run_id, seed)
            outcomes.append(outcome)
            if outcome.status == "incomplete":  # interrupted or timed out: stop the set
                break
    return outcomes


def _run_one(plan: RunPlan, options: RunOptions, group: str, run_id: str, seed: int) -> RunOutcome:
    run_dir = plan.repro_dir / RUNS_DIR / run_id
    run_dir.mkdir(parents=True)
    info: dict[str, Any] = {
        "run_id": run_id,
        "group": group,
        "seed": seed,
        "backend": plan.backend,
        "smoke": plan.smoke_steps is not None,
        "status": "running",
        "reason": "",
        "started": _now(),
        "finished": None,
        "epochs": plan.epochs,
        "smoke_steps": plan.smoke_steps,
        "smoke_budget": plan.smoke_budget,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "pid_start": process_start(os.getpid()),
        "command": shlex.join(options.command or _command_line()),
    }
    atomic_write_json(run_dir / "run.json", info)
    try:
        return _execute(plan, options, info, run_dir)
    except BaseException as exc:  # never leave a run "running" behind us
        shutil.rmtree(run_dir / HARNESS_DIR, ignore_errors=True)
        if info["status"] == "running":
            interrupted = isinstance(exc, KeyboardInterrupt)
            info.update(
                status="incomplete" if interrupted else "failed",
                finished=_now(),
                reason="interrupted"
                if interrupted
                else f"harness error: {type(exc).__name__}: {exc}",
            )
            atomic_write_json(run_dir / "run.json", info)
        raise


def _execute(plan: RunPlan, options: RunOptions, info: dict[str, Any], run_dir: Path) -> RunOutcome:
    """Start the child, wait for it, then record the run."""
    run_id, seed = info["run_id"], info["seed"]
    clock = time.monotonic()
    scratch = run_dir / HARNESS_DIR  # inside the run: a killed parent leaks nothing else
    scratch.mkdir()
    with open(run_dir / "train.log", "w", encoding="utf-8") as log:
        tee = LogTee(log, options.echo)
        tee.note(
            f"run {run_id}: {plan.script.name} on {plan.backend}, seed {seed}"
            + (
                f", smoke ({plan.smoke_steps} batches, {plan.smoke_budget:g} s for the script)"
                if plan.smoke_steps
                else ""
            )
            + (f", {plan.epochs} epoch(s) per fit" if plan.epochs else "")
        )
        config = ChildConfig(
            script=str(plan.script),
            run_dir=str(run_dir),
            result_path=str(scratch / "result.json"),
            seed=seed,
            epochs=plan.epochs,
            smoke_steps=plan.smoke_steps,
            smoke_budget=plan.smoke_budget,
            mirror_root=str(plan.mirror.root) if plan.mirror.configured else None,
            mirror_explicit=plan.mirror.explicit,
            network=plan.network,
            save_model=options.save_model,
        )
        config.write(scratch / "config.json")
        process = subprocess.Popen(
            [sys.executable, "-m", "toolkit.harness.child", str(scratch / "config.json")],
            cwd=plan.repro_dir,
            env=_child_environment(plan.backend),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we forward it once
            preexec_fn=_die_with_parent,
        )
        try:
            pump = threading.Thread(target=_pump, args=(process.stdout, tee), daemon=True)
            pump.start()
            timeout = options.timeout
            if timeout is None and plan.smoke_budget:
                timeout = plan.smoke_budget + SMOKE_BACKSTOP_S
            stopped = _wait(process, timeout, tee)
        except BaseException:
            _stop(process)
            raise
        pump.join(timeout=30)
        with _deferred_interrupts():
            child = _child_result(scratch / "result.json")
            status, reason = _verdict(process.returncode, stopped, child, tee.tail)
            if status == "failed":
                reason += removed_api_hint(plan.script, tee.tail)
            if (
                status == "complete"
                and plan.manifest.run.training == "fit"
                and not child.get("capture", {}).get("fits")
            ):
                status, reason = (
                    "failed",
                    (
                        "no training was captured: the script never called keras Model.fit(), "
                        "so its metrics would judge an untrained model (a script with its own "
                        'training loop sets training = "custom" under [run] in '
                        "reproduction.toml)"
                    ),
                )
            if cut := child.get("capture", {}).get("smoke_cut"):
                info["smoke_cut"] = cut  # the child printed its line in train.log
            tee.note(f"{status}" + (f": {reason}" if reason else ""))
            tee.close()
            outcome = _record(
                plan,
                info,
                run_dir,
                child,
                status,
                reason,
                time.monotonic() - clock,
                process.returncode,
            )
            shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def _record(
    plan: RunPlan,
    info: dict[str, Any],
    run_dir: Path,
    child: dict[str, Any],
    status: str,
    reason: str,
    wall: float,
    returncode: int | None,
) -> RunOutcome:
    """Write env.json, curves.png, metrics.json (complete only) and the final run.json."""
    capture = child.get("capture", {})
    warnings = list(capture.get("warnings", []))
    atomic_write_json(
        run_dir / "env.json", _env_record(plan, info, child, capture, wall, returncode)
    )
    history = history_columns(capture.get("epochs", []))
    try:
        from toolkit.harness.curves import plot_curves, plot_title

        plot_curves(
            history,
            run_dir / "curves.png",
            title=plot_title(plan.manifest.slug, info["run_id"]),
            fits=capture.get("fits"),
        )
    except Exception as exc:  # a plot must not lose a run
        warnings.append(f"curves.png could not be drawn: {type(exc).__name__}: {exc}")
    model = capture.get("model", {})
    if status == "complete" and model and not model.get("saved"):
        warnings.append(f"model.keras was not saved: {model.get('error', 'unknown reason')}")
    final: dict[str, dict[str, Any]] = {}
    if status == "complete":
        metrics = build_metrics(capture, smoke=info["smoke"])
        if any(m.log_pattern for m in plan.manifest.metrics):
            log_text = (run_dir / "train.log").read_text(encoding="utf-8", errors="replace")
            metrics["printed"] = printed_metrics(plan.manifest.metrics, log_text)
        atomic_write_json(run_dir / "metrics.json", _strict(metrics))
        final = metrics["final"]
    stand_ins = [d for d in child.get("data", []) if d.get("source") == "stand-in"]
    if stand_ins:  # a smoke run on generated data: say so where the run is read
        info["stand_in_data"] = [{"url": d["url"], "what": d.get("what", "")} for d in stand_ins]
        warnings.append(
            "stand-in data (generated, not the real dataset): "
            + "; ".join(d.get("what") or d["url"] for d in stand_ins)
        )
    info.update(
        status=status,
        reason=reason,
        finished=_now(),
        wall_seconds=round(wall, 2),
        warnings=warnings,
    )
    atomic_write_json(run_dir / "run.json", info)
    if status != "complete":
        final = final_splits(capture.get("epochs", []), capture.get("evaluations", []))
    return RunOutcome(
        run_id=info["run_id"],
        path=run_dir,
        seed=info["seed"],
        status=status,
        reason=reason,
        final=final,
        warnings=warnings,
    )


def _env_record(
    plan: RunPlan,
    info: dict[str, Any],
    child: dict[str, Any],
    capture: dict[str, Any],
    wall: float,
    returncode: int | None,
) -> dict[str, Any]:
    from toolkit.harness.envinfo import git_info

    env = dict(child.get("env", {}))
    env.pop("python_executable", None)
    seed = child.get("seed", {})
    reproduce = [
        "sprint",
        "run",
        plan.manifest.slug,
        "--backend",
        plan.backend,
        "--seed",
        str(info["seed"]),
    ]
    if plan.epochs:
        reproduce += ["--epochs", str(plan.epochs)]
    if plan.smoke_steps:
        reproduce += ["--smoke", "--smoke-steps", str(plan.smoke_steps)]
        reproduce += ["--smoke-budget", f"{plan.smoke_budget:g}"]
    env.update(
        backend=env.get("backend", plan.backend),
        seed=info["seed"],
        script_seed=seed.get("script_seed"),
        effective_seed=seed.get("effective_seed", info["seed"]),
        smoke=info["smoke"],
        smoke_steps=plan.smoke_steps,
        smoke_budget=plan.smoke_budget,
        smoke_cut=capture.get("smoke_cut"),
        epochs_override=plan.epochs,
        command=info["command"],
        reproduce_command=shlex.join(reproduce),
        script=plan.manifest.run.script,
        started=info["started"],
        finished=_now(),
        wall_seconds=round(wall, 3),
        startup_seconds=child.get("startup_seconds"),
        fit_seconds=capture.get("fit_seconds"),
        hook_seconds=capture.get("hook_seconds"),
        epoch_seconds=capture.get("epoch_seconds", []),
        exit_code=returncode,
        data=child.get("data", []),
        network=plan.network,
        model=capture.get("model", {}),
        **git_info(plan.repro_dir),
        **plan.provenance,
    )
    return _strict(env)


# -- the child process ---------------------------------------------------------------
def _child_environment(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("MPLBACKEND", "Agg")  # plt.show() must not block a run
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    return env


def _pump(stream: IO[bytes], tee: LogTee) -> None:
    fd = stream.fileno()
    while chunk := os.read(fd, 65536):
        tee.feed(chunk)
    stream.close()


def _wait(process: subprocess.Popen, timeout: float | None, tee: LogTee) -> str:
    """Wait for the child; ``""`` when it ended by itself, else why we stopped it."""
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                tee.note(f"time-out after {timeout:g} s: stopping the run")
                _stop(process)
                return f"timed out after {timeout:g} s"
            try:
                process.wait(timeout=None if remaining is None else min(remaining, 1.0))
                return ""
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        tee.note("interrupted: stopping the run (Ctrl-C again to kill it now)")
        _stop(process)
        return "interrupted"


def _stop(process: subprocess.Popen) -> None:
    """SIGINT the child's process group, then SIGTERM, then SIGKILL; a second Ctrl-C kills."""
    steps = ((signal.SIGINT, INTERRUPT_GRACE_S), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0))
    index = 0
    while index < len(steps) and process.poll() is None:
        signum, grace = steps[index]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            index += 1
        except KeyboardInterrupt:
            index = len(steps) - 1


def _verdict(
    returncode: int | None, stopped: str, child: dict[str, Any], tail: list[str]
) -> tuple[str, str]:
    """``(status, reason)`` from how the child ended and what it reported.

    A run the child reports complete (it exited 0 after saving its record) is complete even
    when a stop request arrived during its last seconds.
    """
    status = child.get("status")
    if status == "complete" and returncode == 0:
        return "complete", ""
    if stopped:
        return "incomplete", stopped
    if status in ("failed", "incomplete"):
        return status, child.get("reason") or "the script failed"
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name
        hint = " (out of memory?)" if -returncode == signal.SIGKILL else ""
        return "failed", f"the training process was killed by {name}{hint}"
    return "failed", (
        last_exception_line(tail)
        or f"the training process exited with status {returncode} and no record"
    )


def removed_api_hint(script: Path, tail: list[str]) -> str:
    """When the traceback ends at a line of ``script`` that uses an API today's libraries
    removed (:mod:`toolkit.compat`), a sentence naming it and its replacement; else ``""``."""
    name = re.escape(script.name)
    frames = [m for line in tail if (m := re.search(rf'File ".*{name}", line (\d+)', line))]
    if not frames:
        return ""
    from toolkit.compat import find_compat_issues

    number = int(frames[-1].group(1))
    text = script.read_text(encoding="utf-8", errors="replace")
    found = [f for f in find_compat_issues(text) if f.line == number]
    return "".join(
        f" ({script.name} line {number}: {f.message}; how to fix: {f.replacement})" for f in found
    )


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b(:.*)?$")


def last_exception_line(lines: list[str]) -> str:
    """The last ``SomeError: message`` line of a log, or ``""``."""
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line.strip()):
            return line.strip()[:500]
    return ""


# -- helpers -------------------------------------------------------------------------
def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the ``sprint`` process dies (Linux), so a
    parent killed with SIGKILL never leaves a training running unrecorded."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _child_result(path: Path) -> dict[str, Any]:
    """What the child reported; empty when it died before writing it whole."""
    try:
        return read_json(path)
    except RunDataError:
        return {}


def sweep_abandoned(repro_dir: Path) -> list[str]:
    """Record the runs of ``repro_dir`` whose ``sprint`` process died as incomplete, and
    remove what their harness left; returns their ids."""
    swept = []
    for path in sorted((Path(repro_dir) / RUNS_DIR).glob("*/run.json")):
        try:
            info = read_json(path)
        except RunDataError:
            continue  # not a record this harness wrote: check and status name it
        if info.get("status") != "running":
            continue
        if why := abandoned(info):
            info.update(status="incomplete", reason=why, finished=None)
            atomic_write_json(path, info)
            shutil.rmtree(path.parent / HARNESS_DIR, ignore_errors=True)
            swept.append(str(info.get("run_id", path.parent.name)))
    return swept


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (a CI job cancelled) like Ctrl-C while runs are in progress."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C/SIGTERM while a run's record is written; re-raise it afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {
        s: signal.signal(s, lambda signum, _frame: pending.append(signum))
        for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            raise KeyboardInterrupt


def _strict(obj: Any) -> Any:
    """Replace NaN and infinities by ``None`` so the JSON is strict."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strict(v) for v in obj]
    return obj


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _command_line() -> list[str]:
    return ["sprint", *sys.argv[1:]] if Path(sys.argv[0]).name == "sprint" else sys.argv
