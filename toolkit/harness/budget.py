"""Child side: a smoke run bounded as a whole, by a wall-clock budget for the script.

Smoke mode caps every ``fit``/``evaluate`` call at a few batches, but a script that loops
(``for i in range(60): model.fit(..., epochs=1); generate()``) or trains in its own loop
(``optimizer.apply`` under a ``GradientTape``) would still run unbounded. :class:`SmokeBudget`
counts from the moment the script starts executing (after the harness' start-up) and, once
the budget is spent, stops the script at the next point the harness controls:

- outside ``fit``/``evaluate``: ``SIGALRM`` raises :class:`BudgetSpent` (a
  ``BaseException``: ``except Exception`` in the script does not swallow it) in the main
  thread, at whatever Python line the script is on; the alarm repeats every ``grace``
  seconds, should the script catch it;
- inside ``fit``: the capture's callback sets ``stop_training`` at the next batch and the
  ``fit`` wrapper raises after ``fit`` returns (so records stay whole); a batch that does
  not end within ``grace`` seconds is interrupted by the next alarm;
- a ``fit`` call started after the budget raises at once (further fits are skipped).

The child catches :class:`BudgetSpent` at its top level: the run is a complete smoke run
when training steps ran (``fit`` batches, or optimizer updates counted by patching the
Keras optimizers' ``apply``, through which ``apply_gradients`` and ``stateless_apply``
go), else a failed one, and :meth:`SmokeBudget.record` says what was cut.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import time
import weakref
from pathlib import Path
from typing import Any


class BudgetSpent(BaseException):  # noqa: N818 - not an error: the planned end of a smoke run
    """The smoke budget is spent: the script is stopped (caught by the child)."""


def grace_seconds(budget: float) -> float:
    """How long a batch under way may go on after the budget before it is interrupted."""
    return min(30.0, max(5.0, budget / 4))


class SmokeBudget:
    """The wall-clock budget of one smoke run, and the optimizer-update counter."""

    def __init__(self, seconds: float, script: Path) -> None:
        self.seconds = float(seconds)
        self.grace = grace_seconds(self.seconds)
        self.script = str(script)
        self._script_names = {str(script), str(Path(script).resolve())}
        self.started: float | None = None
        self.cut_after: float | None = None  # seconds into the script when it was cut
        self.where = ""
        self.fit_calls = 0  # script-level fit() calls started (the capture counts them)
        self.inside = ""  # "fit() call 3" or "evaluate()": the first alarm waits for it
        self._alarms = 0
        self._armed = False
        self._previous_handler: Any = None
        self._optimizers: dict[int, list[Any]] = {}  # id -> [weakref, Python-level calls]
        self._retired_steps = 0  # counted on optimizers since collected
        self._undo: list[tuple[Any, str, Any]] = []

    # -- the clock -------------------------------------------------------------------
    def start(self) -> None:
        """Start the clock and the alarm (main thread, just before the script runs)."""
        self.started = time.monotonic()
        if hasattr(signal, "setitimer"):
            self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            self._armed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds, self.grace)

    def disarm(self) -> None:
        """Stop the alarm; an alarm already pending does nothing."""
        if not self._armed:
            return
        self._armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous_handler or signal.SIG_DFL)

    def elapsed(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started

    def spent(self) -> bool:
        return self.started is not None and self.elapsed() >= self.seconds

    def cut(self, where: str) -> BudgetSpent:
        """Note the cut (the first one counts) and return the exception that stops the script."""
        if self.cut_after is None:
            self.cut_after = round(self.elapsed(), 3)
            self.where = where
        return BudgetSpent(f"smoke budget of {self.seconds:g} s spent ({self.where})")

    def _on_alarm(self, signum: int, frame: Any) -> None:
        if not self._armed:
            return
        self._alarms += 1
        if self.inside and self._alarms == 1:
            return  # fit()/evaluate() stop at their next batch; their wrapper raises
        raise self.cut(self._where(frame))

    def _where(self, frame: Any) -> str:
        """``"train.py line 42"`` for the script's innermost frame, with the fits so far."""
        if self.inside:
            return f"in {self.inside}: a batch outlasted {self.grace:g} s of grace"
        place = "outside fit()"
        while frame is not None:
            if frame.f_code.co_filename in self._script_names:
                place = f"{Path(self.script).name} line {frame.f_lineno}"
                break
            frame = frame.f_back
        if self.fit_calls:
            place += f", after fit() call {self.fit_calls}"
        return place

    # -- optimizer updates -----------------------------------------------------------
    def install(self) -> None:
        """Count optimizer updates: patch the Keras optimizers' ``apply`` (cheap: a dict hit)."""
        import keras

        owner = next(c for c in keras.optimizers.Optimizer.__mro__ if "apply" in vars(c))
        original = vars(owner)["apply"]
        counts = self._optimizers
        budget = self

        @functools.wraps(original)
        def apply(optimizer: Any, *args: Any, **kwargs: Any) -> Any:
            entry = counts.get(id(optimizer))
            if entry is None or entry[0]() is not optimizer:
                if entry is not None:  # the id of a collected optimizer, reused
                    budget._retired_steps += entry[1]
                entry = counts[id(optimizer)] = [weakref.ref(optimizer), 0]
            entry[1] += 1
            return original(optimizer, *args, **kwargs)

        self._undo.append((owner, "apply", original))
        owner.apply = apply

    def uninstall(self) -> None:
        for owner, name, previous in reversed(self._undo):
            setattr(owner, name, previous)
        self._undo.clear()

    def optimizer_steps(self) -> int:
        """Updates made: per optimizer, its ``iterations`` or its Python-level ``apply`` calls.

        A compiled step (``tf.function``, ``jax.jit``, ``fit`` itself) calls ``apply`` from
        Python only when traced, but counts in ``iterations``; a stateless JAX loop keeps
        ``iterations`` in its own state, so its Python calls are the lower bound.
        """
        import keras

        total = self._retired_steps
        for ref, calls in self._optimizers.values():
            iterations = 0
            optimizer = ref()
            if optimizer is not None:
                with contextlib.suppress(Exception):  # an unbuilt or odd optimizer: calls only
                    iterations = int(keras.ops.convert_to_numpy(optimizer.iterations))
            total += max(calls, iterations)
        return total

    # -- the record ------------------------------------------------------------------
    def record(self, fits: list[dict[str, Any]], batches: int) -> dict[str, Any]:
        """What was cut, for ``run.json`` and ``metrics.json``."""
        return {
            "budget_seconds": self.seconds,
            "after_seconds": self.cut_after,
            "where": self.where,
            "fits_run": len(fits),
            "fit_batches": batches,
            "optimizer_steps": self.optimizer_steps(),
        }


def cut_line(record: dict[str, Any]) -> str:
    """The one ``train.log`` line that says a smoke run was cut."""
    return (
        f"[sprint] smoke budget of {record['budget_seconds']:g} s spent after "
        f"{record['after_seconds']:.1f} s ({record['where']}): the script was stopped; "
        f"{record['fits_run']} fit() call(s), {record['fit_batches']} batch(es) and "
        f"{record['optimizer_steps']} optimizer step(s) ran"
    )


def caused_by_budget(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was raised while handling, :class:`BudgetSpent`."""
    seen = 0
    while exc is not None and seen < 50:
        if isinstance(exc, BudgetSpent):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
