"""Facts about where a run happened, for ``env.json``.

:func:`child_env` runs inside the child after the script (the frameworks are imported
by then); :func:`git_info` runs in the parent.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

_VERSIONED = ("keras", "numpy", "tensorflow", "jax", "jaxlib", "torch", "pandas", "scipy")


def cpu_model() -> str:
    """The CPU's marketing name from ``/proc/cpuinfo`` (falls back to ``platform``)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _accelerators(backend: str) -> tuple[list[str], float | None]:
    """Accelerator names for ``backend`` and their peak memory in MB (``None`` if unknown)."""
    names: list[str] = []
    peak: float | None = None
    if backend == "jax":
        import jax

        devices = [d for d in jax.devices() if d.platform != "cpu"]
        names = [d.device_kind for d in devices]
        if devices:
            stats = devices[0].memory_stats() or {}
            if "peak_bytes_in_use" in stats:
                peak = stats["peak_bytes_in_use"] / 2**20
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            peak = torch.cuda.max_memory_allocated() / 2**20
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        if gpus:
            with contextlib.suppress(ValueError, RuntimeError):
                peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    return names, peak


FRAMEWORKS = ("tensorflow", "jax", "torch")


def script_snapshot() -> dict[str, Any]:
    """Taken when the script ends, before the harness saves the model (which may import TF)."""
    rss_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "peak_memory_mb": round(rss_kb / 1024, 1),
        "frameworks_imported": [name for name in FRAMEWORKS if name in sys.modules],
    }


def child_env(snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """Versions, device and peak memory, as seen from the training process."""
    import keras

    backend = keras.backend.backend()
    versions = {}
    for name in _VERSIONED:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "__version__"):
            versions[name] = str(module.__version__)
    try:
        accelerators, gpu_peak = _accelerators(backend)
    except Exception as exc:  # a broken driver must not lose the run's record
        accelerators, gpu_peak = [f"unknown ({type(exc).__name__}: {exc})"], None
    snapshot = snapshot or script_snapshot()
    cpu = cpu_model()
    return {
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "keras": keras.__version__,
        "backend": backend,
        "backend_version": versions.get(
            {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, backend), ""
        ),
        "versions": versions,
        "device": accelerators[0] if accelerators else cpu,
        "device_kind": "gpu" if accelerators else "cpu",
        "accelerators": accelerators,
        "cpu": cpu,
        "peak_memory_mb": snapshot["peak_memory_mb"],
        "frameworks_imported": snapshot["frameworks_imported"],
        "peak_gpu_memory_mb": round(gpu_peak, 1) if gpu_peak is not None else None,
    }


def git_info(folder: Path) -> dict[str, Any]:
    """The commit checked out around ``folder`` and whether ``folder`` has local changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None and (recorded := os.environ.get("SPRINT_GIT_COMMIT")):
        # A copy of the tree without .git (a lent GPU machine): the commit it was copied from.
        dirty = os.environ.get("SPRINT_GIT_DIRTY", "").lower()
        return {
            "git_commit": recorded,
            "git_dirty": {"true": True, "false": False}.get(dirty),
            "git_source": "SPRINT_GIT_COMMIT",
        }
    # Run folders are written while the run goes on: they do not make the code dirty.
    status = git("status", "--porcelain", "--", ".", ":(exclude)runs") if commit else None
    return {"git_commit": commit or "", "git_dirty": bool(status) if status is not None else None}
