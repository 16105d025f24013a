"""The training process: ``python -m toolkit.harness.child CONFIG.json``.

Started by :mod:`toolkit.harness.runner` with ``KERAS_BACKEND`` set and the reproduction
folder as working directory. It imports Keras, sets the seed, installs the capture and
data-mirror patches, runs the unmodified script as ``__main__`` and writes what it
captured to ``config.result_path``. Exit status: 0 complete, 1 failed, 130 interrupted.
"""

from __future__ import annotations

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
    capture = hooks = None
    code = EXIT_FAILED
    started = time.perf_counter()
    try:
        from toolkit.harness.datahooks import DataHooks

        mirror = (
            Mirror(Path(config.mirror_root), explicit=config.mirror_explicit)
            if config.mirror_root
            else None
        )
        hooks = DataHooks(mirror, network=config.network)
        import keras  # noqa: F401 - the backend comes from KERAS_BACKEND

        from toolkit.harness.capture import Capture

        hooks.install()
        result["seed"] = install_seed(config.seed)
        capture = Capture(
            Path(config.run_dir), epochs=config.epochs, smoke_steps=config.smoke_steps
        )
        capture.install()
        result["startup_seconds"] = round(time.perf_counter() - started, 3)
        script = Path(config.script)
        sys.argv = [str(script)]
        sys.path.insert(0, str(script.parent))
        runpy.run_path(str(script), run_name="__main__")
        result.update(status="complete", reason="")
        code = EXIT_COMPLETE
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
        traceback.print_exc()
        result["reason"] = _exception_line(exc)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # let the record be written
            signal.signal(signum, signal.SIG_IGN)
        result["script_seconds"] = round(time.perf_counter() - started, 3)
        _finish(config, result, capture, hooks, script_snapshot())
    return code


def _finish(
    config: ChildConfig, result: dict[str, Any], capture: Any, hooks: Any, snapshot: dict[str, Any]
) -> None:
    if capture is not None:
        if result["status"] == "complete" and config.save_model:
            capture.save_model(Path(config.run_dir) / "model.keras")
        capture.uninstall()
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
    return run(ChildConfig.read(Path(args[0])))


if __name__ == "__main__":
    sys.exit(main())
