"""Child side: seed a run like ``keras.utils.set_random_seed``, without importing TensorFlow.

Keras' ``set_random_seed`` also seeds TensorFlow (for ``tf.data`` shuffles), importing it
on every backend: on JAX or torch that is seconds of start-up and hundreds of MB the
script itself never asked for. Here TensorFlow is seeded when, and only if, the script
imports it.

A script that fixes its own seed X runs with X + ``seed``: seed 0 is exactly the
script, and the runs of a ``--seeds N`` set still differ.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from typing import Any

from toolkit.harness.patching import replace_function


class _NoTensorFlow:
    available = False


class _SeedTensorFlowOnImport(importlib.abc.MetaPathFinder):
    """Calls ``tf.random.set_seed`` right after ``import tensorflow`` completes."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module
        record = self.record

        def exec_module(module: Any) -> None:
            execute(module)
            module.random.set_seed(record["effective_seed"])

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install_seed(seed: int) -> dict[str, Any]:
    """Seed Python, NumPy, Keras and the backend now, TensorFlow on import; returns the record."""
    from keras.src.utils import rng_utils

    original = rng_utils.set_random_seed
    record: dict[str, Any] = {"seed": seed, "script_seed": None, "effective_seed": seed}
    if "tensorflow" in sys.modules or importlib.util.find_spec("tensorflow") is None:
        original(seed)
    else:
        lazy_tf, rng_utils.tf = rng_utils.tf, _NoTensorFlow()
        try:
            original(seed)
        finally:
            rng_utils.tf = lazy_tf
        sys.meta_path.insert(0, _SeedTensorFlowOnImport(record))

    @functools.wraps(original)
    def set_random_seed(value: int) -> None:
        record["script_seed"] = value
        record["effective_seed"] = int(value) + seed
        original(int(value) + seed)

    replace_function("set_random_seed", original, set_random_seed)
    return record
