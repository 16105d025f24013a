"""The training process: ``python -m toolkit.harness.child CONFIG.json``.

Started by :mod:`toolkit.harness.runner` with ``KERAS_BACKEND`` set and the reproduction
folder as working directory. It imports Keras, sets the seed, installs the capture and
data-mirror patches, runs the unmodified script as ``__main__`` and writes what it
captured to ``config.result_path``. Exit status: 0 complete, 1 failed, 130 interrupted.

A smoke run has a wall-clock budget for the script (:mod:`toolkit.harness.budget`): a
script stopped by it is a complete smoke run when training steps ran, else a failed one.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from toolkit.data import Mirror
from toolkit.errors import SprintError
from toolkit.fsutil import atomic_write_json
from toolkit.harness.budget import BudgetSpent, SmokeBudget, caused_by_budget, cut_line
from toolkit.harness.capture import NaNLossError
from toolkit.harness.config import ChildConfig
from toolkit.harness.envinfo import child_env, script_snapshot
from toolkit.harness.seeding import install_seed

EXIT_COMPLETE, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def _exception_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    message = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return message[:500]


def run(config: ChildConfig) -> int:
    """Run the script under capture; always writes the result file."""
    result: dict[str, Any] = {"status": "failed", "reason": "", "seed": {"seed": config.seed}}
    capture = hooks = budget = None
    code = EXIT_FAILED
    started = time.perf_counter()
    try:
        from toolkit.harness.datahooks import DataHooks

        mirror = (
            Mirror(Path(config.mirror_root), explicit=config.mirror_explicit)
            if config.mirror_root
            else None
        )
        stand_ins = Path(config.result_path).parent / "stand-in" if config.smoke_steps else None
        hooks = DataHooks(mirror, network=config.network, stand_in_dir=stand_ins)
        import keras  # noqa: F401 - the backend comes from KERAS_BACKEND

        from toolkit.harness.capture import Capture

        hooks.install()
        result["seed"] = install_seed(config.seed)
        script = Path(config.script)
        if config.smoke_budget:
            budget = SmokeBudget(config.smoke_budget, script)
            budget.install()
        capture = Capture(
            Path(config.run_dir),
            epochs=config.epochs,
            smoke_steps=config.smoke_steps,
            budget=budget,
        )
        capture.install()
        result["startup_seconds"] = round(time.perf_counter() - started, 3)
        sys.argv = [str(script)]
        sys.path.insert(0, str(script.parent))
        if budget is not None:
            budget.start()  # counted from here: the harness' start-up is not the script's
        try:
            namespace = runpy.run_path(str(script), run_name="__main__")
        finally:
            if budget is not None:
                budget.disarm()
        capture.adopt_script_model(namespace)  # a custom loop's model, when fit() never ran
        result.update(status="complete", reason="")
        code = EXIT_COMPLETE
    except BudgetSpent:
        code = _budget_cut(result, capture, budget)
    except SystemExit as exc:
        if exc.code in (None, 0):
            result.update(status="complete", reason="")
            code = EXIT_COMPLETE
        else:
            result["reason"] = f"the script exited with status {exc.code}"
    except KeyboardInterrupt:
        result.update(status="incomplete", reason="interrupted")
        code = EXIT_INTERRUPTED
    except NaNLossError as exc:
        result["reason"] = str(exc)
    except SprintError as exc:  # DataError from the mirror
        print(f"[sprint] {exc.message}", file=sys.stderr, flush=True)
        result["reason"] = exc.message
    except BaseException as exc:
        if budget is not None and budget.cut_after is not None and caused_by_budget(exc):
            code = _budget_cut(result, capture, budget)  # the script wrapped our stop
        else:
            traceback.print_exc()
            result["reason"] = _exception_line(exc)
    finally:
        if budget is not None:
            budget.disarm()
        for signum in (signal.SIGINT, signal.SIGTERM):  # let the record be written
            signal.signal(signum, signal.SIG_IGN)
        result["script_seconds"] = round(time.perf_counter() - started, 3)
        _finish(config, result, capture, hooks, script_snapshot())
    return code


def _budget_cut(result: dict[str, Any], capture: Any, budget: Any) -> int:
    """Record a script stopped by the smoke budget: complete if training steps ran."""
    budget.disarm()
    record = budget.record(capture.fits, sum(capture.steps))
    capture.smoke_cut = record
    print(f"\n{cut_line(record)}", flush=True)  # a leading newline: a progress bar may be mid-line
    if record["fit_batches"] or record["optimizer_steps"]:
        result.update(status="complete", reason="")
        return EXIT_COMPLETE
    result["reason"] = (
        f"no training step ran within the smoke budget of {budget.seconds:g} s: the script "
        f"was stopped ({record['where']}) before any fit() batch or optimizer update "
        "(raise [run] smoke_budget in reproduction.toml, or --smoke-budget, if its set-up "
        "really takes that long)"
    )
    return EXIT_FAILED


def _finish(
    config: ChildConfig, result: dict[str, Any], capture: Any, hooks: Any, snapshot: dict[str, Any]
) -> None:
    if capture is not None:
        if result["status"] == "complete" and config.save_model:
            capture.save_model(Path(config.run_dir) / "model.keras")
        capture.uninstall()
        if capture.budget is not None:
            capture.budget.uninstall()
        result["capture"] = capture.to_dict()
    if hooks is not None:
        result["data"] = list(hooks.served.values())
    try:
        result["env"] = child_env(snapshot)
    except Exception as exc:  # the record matters more than its details
        result["env"] = {"error": _exception_line(exc)}
    atomic_write_json(Path(config.result_path), result)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m toolkit.harness.child CONFIG.json", file=sys.stderr)
        return 2
    # The parent stops us with SIGINT (Ctrl-C, time-out) or SIGTERM: both interrupt. SIGINT
    # is set explicitly: a shell that starts jobs in the background passes it on ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    config = ChildConfig.read(Path(args[0]))
    code = run(config)
    if config.smoke_budget and _was_cut(Path(config.result_path)):
        # The script was stopped mid-way: its state is arbitrary and interpreter shutdown can
        # hang on it (a tf.data generator left mid-iteration does). The record is written.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _was_cut(result_path: Path) -> bool:
    try:
        result = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(isinstance(result, dict) and result.get("capture", {}).get("smoke_cut"))


if __name__ == "__main__":
    sys.exit(main())
