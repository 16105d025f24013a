"""Child side: record what ``keras.Model.fit`` and ``evaluate`` do, without touching the script.

:class:`Capture` patches ``keras.Model.fit`` and ``keras.Model.evaluate`` on the class, so
every model (Sequential, functional, subclassed with a custom ``train_step``) goes
through it. For each ``fit`` call it

- applies the overrides: ``epochs`` (trained per call, counted from ``initial_epoch``)
  and smoke limits (one epoch, a few batches: arrays are sliced, datasets and
  generators get ``steps_per_epoch``/``validation_steps``);
- adds a recording callback: per-epoch logs (``fit(epochs=1)`` in a loop concatenates),
  batches seen, epoch times, TensorBoard scalars, and ``TerminateOnNaN`` semantics:
  a NaN or infinite loss stops training and fails the run with
  :class:`NaNLossError`;
- remembers the model, saved as ``model.keras`` when the script ends (a script that
  never calls ``fit``, with its own loop, gets its top-level ``model`` saved instead);
- with a smoke budget (:mod:`toolkit.harness.budget`): refuses to start a ``fit`` once
  the budget is spent, stops a ``fit`` under way at its next batch, and then stops the
  script.

Each script-level ``evaluate`` call is recorded as a name -> value dict, whatever
``return_dict`` the script asked for (the validation pass inside ``fit`` is not).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import time
from pathlib import Path
from typing import Any

from toolkit.harness.budget import SmokeBudget
from toolkit.harness.tbwriter import EventWriter, epoch_scalars, evaluation_scalars
from toolkit.runs import LOGS_DIR

# The variable a custom-loop script keeps its trained model in, for model.keras.
SCRIPT_MODEL_NAME = "model"
DEFAULT_BATCH_SIZE = 32  # what Keras uses when fit/evaluate get arrays and no batch_size


class NaNLossError(RuntimeError):
    """Training produced a NaN or infinite loss; the run is failed."""


def _is_array(value: Any) -> bool:
    shape = getattr(value, "shape", None)
    return shape is not None and len(shape) > 0 and hasattr(value, "__getitem__")


def _all_arrays(structure: Any) -> bool:
    """True when every leaf is array-like (NumPy, backend tensors, pandas)."""
    import keras

    leaves = [leaf for leaf in keras.tree.flatten(structure) if leaf is not None]
    return bool(leaves) and all(_is_array(leaf) for leaf in leaves)


def _head(structure: Any, count: int) -> Any:
    """The first ``count`` rows of every array in ``structure``."""
    import keras

    def head(leaf: Any) -> Any:
        if leaf is None:
            return None
        return leaf.iloc[:count] if hasattr(leaf, "iloc") else leaf[:count]

    return keras.tree.map_structure(head, structure)


def _cap(steps: int | None, limit: int) -> int:
    return min(steps, limit) if steps else limit


class Capture:
    """The state of one child run, and the ``fit``/``evaluate`` patches that fill it."""

    def __init__(
        self,
        run_dir: Path,
        *,
        epochs: int | None = None,
        smoke_steps: int | None = None,
        budget: SmokeBudget | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.budget = budget
        self.smoke_cut: dict[str, Any] | None = None  # set by the child when the budget cut
        self.epochs_override = epochs
        self.smoke_steps = smoke_steps
        self.epochs: list[dict[str, Any]] = []
        self.steps: list[int] = []
        self.epoch_seconds: list[float] = []
        self.evaluations: list[dict[str, Any]] = []
        self.evaluation_steps: list[int] = []
        self.fits: list[dict[str, Any]] = []
        self.fit_seconds = 0.0
        self.hook_seconds = 0.0  # time spent in the harness' callbacks (its per-step cost)
        self.nan_reason = ""
        self.warnings: list[str] = []
        self.model_info: dict[str, Any] = {}
        self.last_model: Any = None
        self.model_source = "fit()"  # where last_model came from
        self._fit_depth = 0
        self._writers: dict[str, EventWriter] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    # -- patching --------------------------------------------------------------------
    def install(self) -> None:
        """Patch ``keras.Model.fit`` and ``keras.Model.evaluate``."""
        import keras

        model_cls = keras.Model
        for name, make in (("fit", self._wrap_fit), ("evaluate", self._wrap_evaluate)):
            original = getattr(model_cls, name)
            self._undo.append((model_cls, name, model_cls.__dict__.get(name)))
            setattr(model_cls, name, make(original))

    def uninstall(self) -> None:
        for owner, name, previous in reversed(self._undo):
            if previous is None:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)
        self._undo.clear()
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def _wrap_fit(self, original: Any) -> Any:
        signature = inspect.signature(original)
        capture = self

        @functools.wraps(original)
        def fit(model: Any, *args: Any, **kwargs: Any) -> Any:
            if capture._fit_depth:  # fit inside fit (a callback training a helper model)
                return original(model, *args, **kwargs)
            budget = capture.budget
            if budget is not None and budget.spent():  # a loop of fits: the rest is skipped
                raise budget.cut(f"before fit() call {budget.fit_calls + 1}")
            bound = signature.bind(model, *args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            capture._override_fit(arguments)
            recorder = _recorders()[0](capture)
            arguments["callbacks"] = _with_callback(arguments.get("callbacks"), recorder)
            first_epoch = len(capture.epochs)
            capture._fit_depth += 1
            if budget is not None:
                budget.fit_calls += 1
                budget.inside = f"fit() call {budget.fit_calls}"
            started = time.perf_counter()
            try:
                history = original(*bound.args, **bound.kwargs)
            finally:
                elapsed = time.perf_counter() - started
                capture._fit_depth -= 1
                if budget is not None:
                    budget.inside = ""
                capture.fit_seconds += elapsed
                capture.last_model = model
                capture.fits.append(
                    {
                        "model": getattr(model, "name", type(model).__name__),
                        "initial_epoch": arguments.get("initial_epoch") or 0,
                        "epochs": arguments.get("epochs"),
                        "epochs_run": len(capture.epochs) - first_epoch,
                        "seconds": round(elapsed, 3),
                    }
                )
            if capture.nan_reason:  # training stopped; the script must not go on
                raise NaNLossError(capture.nan_reason)
            if budget is not None and budget.spent():
                raise budget.cut(f"after fit() call {budget.fit_calls}")
            return history

        return fit

    def _wrap_evaluate(self, original: Any) -> Any:
        signature = inspect.signature(original)
        capture = self

        @functools.wraps(original)
        def evaluate(model: Any, *args: Any, **kwargs: Any) -> Any:
            # The validation pass inside fit() calls evaluate too: leave it alone.
            if capture._fit_depth or kwargs.get("_use_cached_eval_dataset"):
                return original(model, *args, **kwargs)
            bound = signature.bind(model, *args, **kwargs)
            arguments = bound.arguments
            if capture.smoke_steps:
                capture._smoke_evaluate(arguments, signature)
            recorder = _recorders()[1](capture)
            arguments["callbacks"] = _with_callback(arguments.get("callbacks"), recorder)
            budget = capture.budget
            if budget is None:
                return original(*bound.args, **bound.kwargs)
            if budget.spent():
                raise budget.cut("before an evaluate() call")
            budget.inside = "evaluate()"
            try:
                result = original(*bound.args, **bound.kwargs)
            finally:
                budget.inside = ""
            if budget.spent():
                raise budget.cut("after an evaluate() call")
            return result

        return evaluate

    # -- overrides -------------------------------------------------------------------
    def _override_fit(self, arguments: dict[str, Any]) -> None:
        initial = arguments.get("initial_epoch") or 0
        if self.smoke_steps:
            arguments["epochs"] = initial + 1
            self._smoke_fit(arguments)
        elif self.epochs_override is not None:
            arguments["epochs"] = initial + self.epochs_override

    def _smoke_fit(self, a: dict[str, Any]) -> None:
        steps = self.smoke_steps or 0
        batch = a.get("batch_size") or DEFAULT_BATCH_SIZE
        if _all_arrays(a.get("x")):
            split = a.get("validation_split") or 0.0
            rows = math.ceil(steps * batch / (1.0 - split)) if split else steps * batch
            for key in ("x", "y", "sample_weight"):
                if a.get(key) is not None:
                    a[key] = _head(a[key], rows)
        else:
            a["steps_per_epoch"] = _cap(a.get("steps_per_epoch"), steps)
        data = a.get("validation_data")
        if data is None:
            return
        if isinstance(data, tuple | list) and _all_arrays(list(data)):
            rows = steps * (a.get("validation_batch_size") or batch)
            a["validation_data"] = type(data)(_head(part, rows) for part in data)
        else:
            a["validation_steps"] = _cap(a.get("validation_steps"), steps)

    def _smoke_evaluate(self, a: dict[str, Any], signature: inspect.Signature) -> None:
        steps = self.smoke_steps or 0
        if _all_arrays(a.get("x")):
            rows = steps * (a.get("batch_size") or DEFAULT_BATCH_SIZE)
            for key in ("x", "y", "sample_weight"):
                if a.get(key) is not None:
                    a[key] = _head(a[key], rows)
        elif "steps" in signature.parameters:
            a["steps"] = _cap(a.get("steps"), steps)

    # -- recording -------------------------------------------------------------------
    def record_epoch(self, logs: dict[str, Any], batches: int, seconds: float) -> None:
        step = len(self.epochs)
        clean = {k: _to_number(v) for k, v in (logs or {}).items()}
        self.epochs.append(clean)
        self.steps.append(batches)
        self.epoch_seconds.append(round(seconds, 4))
        for split, tags in epoch_scalars(clean).items():
            self._writer(split).scalars(step, tags)

    def record_evaluation(self, logs: dict[str, Any], batches: int) -> None:
        clean = {k: _to_number(v) for k, v in (logs or {}).items()}
        for split, tags in evaluation_scalars(clean).items():
            self._writer(split).scalars(len(self.evaluations), tags)
        self.evaluations.append(clean)
        self.evaluation_steps.append(batches)

    def _writer(self, split: str) -> EventWriter:
        if split not in self._writers:
            self._writers[split] = EventWriter(self.run_dir / LOGS_DIR / split)
        return self._writers[split]

    # -- end of run ------------------------------------------------------------------
    def adopt_script_model(self, namespace: dict[str, Any]) -> None:
        """For a script that never called ``fit()`` (its own training loop): take the keras
        Model it leaves in its top-level variable ``model`` as the one to save."""
        import keras

        candidate = namespace.get(SCRIPT_MODEL_NAME)
        if self.last_model is None and isinstance(candidate, keras.Model):
            self.last_model = candidate
            self.model_source = f"the script's top-level variable {SCRIPT_MODEL_NAME!r}"

    def save_model(self, path: Path) -> None:
        """Save the last fitted model; record why when it cannot be saved."""
        model = self.last_model
        if model is None:
            self.model_info = {
                "saved": False,
                "error": "no model was trained with fit(), and the script left no keras Model "
                f"in a top-level variable {SCRIPT_MODEL_NAME!r}",
            }
            return
        info: dict[str, Any] = {"class": type(model).__name__, "name": getattr(model, "name", "")}
        info["source"] = self.model_source
        with contextlib.suppress(Exception):  # unbuilt models cannot count
            info["params"] = int(model.count_params())
        try:
            model.save(path)
            info.update(saved=True, file=path.name, bytes=path.stat().st_size)
        except Exception as exc:  # a model that cannot be saved does not fail the run
            path.unlink(missing_ok=True)
            info.update(saved=False, error=f"{type(exc).__name__}: {exc}"[:500])
        self.model_info = info

    def to_dict(self) -> dict[str, Any]:
        warnings = list(self.warnings)
        if not self.fits:
            warnings.append(
                "the script never called keras Model.fit(): no training "
                "history was captured (custom training loops are not recorded)"
            )
        return {
            "epochs": self.epochs,
            "steps": self.steps,
            "epoch_seconds": self.epoch_seconds,
            "evaluations": self.evaluations,
            "evaluation_steps": self.evaluation_steps,
            "fits": self.fits,
            "fit_seconds": round(self.fit_seconds, 4),
            "hook_seconds": round(self.hook_seconds, 4),
            "model": self.model_info,
            "warnings": warnings,
        } | ({"smoke_cut": self.smoke_cut} if self.smoke_cut else {})


def _to_number(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _with_callback(callbacks: Any, callback: Any) -> Any:
    """``callbacks`` plus ``callback``, whether the script passed None, a list or a CallbackList."""
    import keras

    if isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks.callbacks.append(callback)
        callback.set_model(callbacks.model)
        callback.set_params(callbacks.params)
        return callbacks
    if callbacks is None:
        return [callback]
    if not isinstance(callbacks, list | tuple):
        callbacks = [callbacks]
    return [*callbacks, callback]


def _timed(method: Any) -> Any:
    """Add the hook's own running time to ``capture.hook_seconds`` (the harness' cost)."""

    @functools.wraps(method)
    def timed(self: Any, *args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        try:
            method(self, *args, **kwargs)
        finally:
            self.capture.hook_seconds += time.perf_counter() - started

    return timed


@functools.cache
def _recorders() -> tuple[type, type]:
    """The recording callbacks, built on first use (they subclass keras.callbacks.Callback).

    Batches are counted in ``on_*_batch_begin``, which Keras always calls on the main
    thread. The NaN check reads the loss in ``on_train_batch_end``, which Keras may run
    on a worker thread (``async_safe``: no device sync on the training loop); it only
    raises a flag. ``stop_training`` is set on the main thread (next batch or epoch end):
    setting it from the worker races with JAX's buffer donation.
    """
    import keras

    class EpochRecorder(keras.callbacks.Callback):
        async_safe = True

        def __init__(self, capture: Capture) -> None:
            super().__init__()
            self.capture = capture
            self.batches = 0
            self.started = time.perf_counter()

        @_timed
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.batches = 0
            self.started = time.perf_counter()

        @_timed
        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            self.batches += 1
            if self.capture.nan_reason:
                self._stop()
            budget = self.capture.budget
            if budget is not None and budget.spent() and not self.model.stop_training:
                # This batch still runs; the fit wrapper stops the script when fit returns.
                budget.cut(f"in fit() call {budget.fit_calls}, stopped after batch {self.batches}")
                self.model.stop_training = True

        @_timed
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if not self.capture.nan_reason and not _finite((logs or {}).get("loss")):
                self.capture.nan_reason = (
                    # Logs may reach this (worker-thread) callback a batch late: "seen at".
                    f"NaN loss at epoch {len(self.capture.epochs) + 1} "
                    f"(seen at batch {batch + 1}): loss became {(logs or {}).get('loss')}"
                )

        @_timed
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.capture.record_epoch(
                dict(logs or {}), self.batches, time.perf_counter() - self.started
            )
            if not self.capture.nan_reason and not _finite((logs or {}).get("loss")):
                self.capture.nan_reason = (
                    f"NaN loss at epoch {len(self.capture.epochs)}: "
                    f"loss became {(logs or {}).get('loss')}"
                )
            if self.capture.nan_reason:
                self._stop()

        def _stop(self) -> None:
            if not self.model.stop_training:
                # A leading newline: the progress bar may be mid-line.
                print(f"\n[sprint] {self.capture.nan_reason}; stopping training", flush=True)
            self.model.stop_training = True

    class EvaluationRecorder(keras.callbacks.Callback):
        def __init__(self, capture: Capture) -> None:
            super().__init__()
            self.capture = capture
            self.batches = 0

        @_timed
        def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
            self.batches += 1

        @_timed
        def on_test_end(self, logs: Any = None) -> None:
            self.capture.record_evaluation(dict(logs or {}), self.batches)

    return EpochRecorder, EvaluationRecorder


def _finite(loss: Any) -> bool:
    """False only for a loss that is NaN or infinite (absent or odd values pass)."""
    try:
        return loss is None or math.isfinite(float(loss))
    except (TypeError, ValueError):
        return True
