"""Compare a reproduction's reported metrics with its runs: the logic of ``sprint check``.

For each metric of the manifest the checker reads the value every run of the chosen set
recorded (``metrics.json``: ``final.<split>.<log key>``, or, for a metric whose ``run_key`` is
``evaluations[N].<key>``, the N-th ``evaluate()`` call of the script: a baseline or a teacher
evaluated before the final model), takes the **mean over seeds** and
judges it against the metric's bounds (:meth:`toolkit.manifest.Metric.bounds`): the mean
passes when it lies inside them, the bound itself included (with a 1e-9 relative allowance
for float rounding). Every seed's value, the sample standard deviation, min and max are
reported beside it, so a reader always sees what was compared with what.

Verdicts:

- a metric: ``pass``; ``fail`` (the mean lies outside the bounds, or a value is NaN or
  infinite); ``missing`` (a run did not record it).
- a reproduction: ``error`` when it could not be checked (no usable run, malformed
  manifest, a required metric missing), else ``fail`` when a required metric failed, else
  ``pass``. Optional metrics (``required = false``) are reported and warn, never decide.
- several reproductions: the worst of them, as the exit code 0 pass, 1 fail, 2 error.

Nothing here imports more than the standard library; rendering lives in
:mod:`toolkit.report_formats`.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from toolkit.audit import Audit, audit_runs, verdict_level
from toolkit.errors import CheckError, ManifestError
from toolkit.manifest import MANIFEST_NAME, Manifest, Metric
from toolkit.runs import RunRecord, latest_set, list_runs
from toolkit.stats import Interval, interval, non_inferiority, seeds_needed

PASS, FAIL, MISSING, ERROR = "pass", "fail", "missing", "error"
EXIT_CODES = {PASS: 0, FAIL: 1, ERROR: 2}
ROUNDING_SLACK = 1e-9  # relative: a mean "exactly on the bound" passes despite float rounding

# Manifest metric name (normalised) -> Keras log keys that measure it, best first.
ALIASES: dict[str, tuple[str, ...]] = {
    "accuracy": (
        "accuracy",
        "acc",
        "sparse_categorical_accuracy",
        "categorical_accuracy",
        "binary_accuracy",
    ),
    "loss": ("loss",),
    "mae": ("mae", "mean_absolute_error"),
    "mse": ("mse", "mean_squared_error"),
    "rmse": ("rmse", "root_mean_squared_error"),
    "mape": ("mape", "mean_absolute_percentage_error"),
    "auc": ("auc",),
    "precision": ("precision",),
    "recall": ("recall",),
    "f1": ("f1", "f1_score"),
    "r2": ("r2", "r2_score"),
    "iou": ("iou", "mean_iou", "mean_io_u", "one_hot_mean_io_u", "io_u"),
    "mean_iou": ("mean_iou", "mean_io_u", "one_hot_mean_io_u", "iou"),
    "perplexity": ("perplexity",),
    "crossentropy": (
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "binary_crossentropy",
    ),
}
# Keras' own names for top-k accuracy; their default k is 5.
KERAS_TOP_K = ("sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy")
# evaluate() logs the compiled metrics under this one name when they were not built yet.
COMPILE_METRICS = "compile_metrics"
_TOP_K_RE = re.compile(r"top_?(\d+)_(?:categorical_)?acc(?:uracy)?")


def normalise(name: str) -> str:
    """``"Top-5 Accuracy"`` -> ``"top_5_accuracy"``: lowercase, other characters -> ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def candidate_keys(metric_name: str) -> list[str]:
    """The Keras log keys that may hold ``metric_name``, best first."""
    name = normalise(metric_name)
    keys = [name, *ALIASES.get(name, ())]
    if match := _TOP_K_RE.fullmatch(name):
        k = match[1]
        keys += [f"top_{k}_accuracy", f"top{k}_accuracy", f"top_{k}_acc", f"top{k}_acc"]
        if k == "5":
            keys += KERAS_TOP_K
    return list(dict.fromkeys(keys))


# ``run_key = "evaluations[0].acc"``: the first evaluate() call's ``acc`` (negative: from the end).
EVALUATION_KEY = re.compile(r"evaluations\[(?P<index>-?\d+)\]\.(?P<key>.+)")


def find_log_key(metric: Metric, logs: Mapping[str, Any]) -> str | None:
    """The key of ``logs`` (one split of ``metrics.json``) that holds ``metric``, or ``None``.

    An explicit ``metric.run_key`` wins and is never second-guessed. Otherwise: the name
    itself, then its aliases, then a Keras auto-numbered twin (``auc_1``) when there is
    only one, then ``compile_metrics`` when it is the only metric logged besides losses.
    """
    by_norm = {normalise(_strip_val(key)): key for key in logs}
    if metric.run_key:
        return by_norm.get(normalise(_strip_val(metric.run_key)))
    candidates = candidate_keys(metric.name)
    for candidate in candidates:
        if candidate in by_norm:
            return by_norm[candidate]
    for candidate in candidates:
        twins = [key for norm, key in by_norm.items() if re.fullmatch(rf"{candidate}_\d+", norm)]
        if len(twins) == 1:
            return twins[0]
    others = [norm for norm in by_norm if "loss" not in norm]
    if "loss" not in normalise(metric.name) and others == [COMPILE_METRICS]:
        return by_norm[COMPILE_METRICS]
    return None


def _strip_val(key: str) -> str:
    return key[4:] if key.startswith("val_") else key


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """What one run recorded: its id, seed, and the ``final`` and ``evaluations`` sections of
    ``metrics.json``."""

    run_id: str
    seed: int | None
    final: Mapping[str, Any]
    epochs: int | None = None
    evaluations: tuple[Mapping[str, Any], ...] = ()
    # What the script printed, per metric with a log_pattern (``metrics.json`` "printed").
    printed: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_run(cls, run: RunRecord) -> Recorded:
        metrics = run.metrics()
        final, epochs = metrics.get("final"), metrics.get("epochs")
        evaluations, printed = metrics.get("evaluations"), metrics.get("printed")
        return cls(
            run.run_id,
            run.seed,
            final if isinstance(final, dict) else {},
            epochs if isinstance(epochs, int) else None,
            tuple(e for e in evaluations if isinstance(e, dict))
            if isinstance(evaluations, list)
            else (),
            printed if isinstance(printed, dict) else {},
        )


@dataclass(frozen=True)
class SeedValue:
    run_id: str
    seed: int | None
    value: float


@dataclass
class MetricResult:
    """One reported metric judged against the runs of one set."""

    metric: Metric
    verdict: str
    explanation: str
    log_key: str = ""  # where the value was read, e.g. "final.test.accuracy"
    values: list[SeedValue] = field(default_factory=list)
    p_value: float | None = None  # the non-inferiority rule's one-sided p-value

    @property
    def bounds(self) -> tuple[float, float]:
        return self.metric.bounds()

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        """Exact mean (correctly rounded); NaN when a value is not finite."""
        if not self.values:
            return None
        return statistics.mean(self._numbers) if self._finite else math.nan

    @property
    def std(self) -> float | None:
        """Sample standard deviation (n - 1); ``None`` for a single run."""
        if self.n < 2:
            return None
        return statistics.stdev(self._numbers) if self._finite else math.nan

    @property
    def min(self) -> float | None:
        return min(self._numbers) if self.values else None

    @property
    def max(self) -> float | None:
        return max(self._numbers) if self.values else None

    @property
    def interval(self) -> Interval | None:
        """The mean's two-sided 95% t interval (``low``/``high`` ``None`` for one seed)."""
        if not self.values or not self._finite:
            return None
        return interval(self._numbers)

    @property
    def bound(self) -> float | None:
        """The finite bound the mean is judged against (the lower one for 'higher')."""
        low, high = self.bounds
        return low if math.isfinite(low) else high if math.isfinite(high) else None

    @property
    def decisive(self) -> bool | None:
        """Whether the 95% interval lies wholly on one side of the bound (``None``: unknown)."""
        ci, bound = self.interval, self.bound
        if ci is None or ci.low is None or ci.high is None or bound is None:
            return None
        return not ci.low <= bound <= ci.high

    @property
    def seeds_for_decision(self) -> int | None:
        """How many seeds the observed spread needs for a one-sided 95% decision."""
        ci, bound = self.interval, self.bound
        if ci is None or ci.std is None or bound is None:
            return None
        return seeds_needed(ci.std, abs(ci.mean - bound), alpha=self.metric.alpha)

    @property
    def _numbers(self) -> list[float]:
        return [v.value for v in self.values]

    @property
    def _finite(self) -> bool:
        return all(math.isfinite(x) for x in self._numbers)


@dataclass
class CheckReport:
    """The check of one reproduction: the runs used and a result per metric, or an error."""

    slug: str
    results: list[MetricResult] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    device: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    audit: Audit | None = None  # provenance of the judged runs against today's files
    seeds_required: int = 0

    @property
    def level(self) -> str:
        """``verified``, ``pass``, ``fail`` or ``cannot check`` (see :mod:`toolkit.audit`)."""
        return self._level()[0]

    @property
    def level_missing(self) -> list[str]:
        """What a ``pass`` lacks to be ``verified``."""
        return self._level()[1]

    def _level(self) -> tuple[str, list[str]]:
        return verdict_level(
            self.verdict,
            self.audit,
            complete_seeds=len(self.runs),
            seeds_required=self.seeds_required,
        )

    @property
    def group(self) -> str:
        return self.runs[0].group if self.runs else ""

    @property
    def run_ids(self) -> list[str]:
        return [run.run_id for run in self.runs]

    @property
    def backend(self) -> str:
        return ", ".join(dict.fromkeys(run.backend for run in self.runs if run.backend))

    @property
    def verdict(self) -> str:
        if self.error:
            return ERROR
        required = [r for r in self.results if r.metric.required]
        if any(r.verdict == MISSING for r in required):
            return ERROR
        return FAIL if any(r.verdict == FAIL for r in required) else PASS

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]


def overall_verdict(reports: Iterable[CheckReport]) -> str:
    """The worst verdict: ``error`` over ``fail`` over ``pass`` (``pass`` when empty)."""
    return max((r.verdict for r in reports), key=EXIT_CODES.__getitem__, default=PASS)


def overall_exit_code(reports: Iterable[CheckReport]) -> int:
    return EXIT_CODES[overall_verdict(reports)]


# -- judging ----------------------------------------------------------------------------------


def judge(metric: Metric, recorded: Sequence[Recorded]) -> MetricResult:
    """Judge ``metric`` on the runs of one set: the mean must lie within its bounds."""
    label = f"{metric.split} {metric.name}"
    if not recorded:
        return MetricResult(metric, MISSING, f"{label}: no run to read it from")
    if metric.log_pattern:
        return _judge_printed(metric, recorded)
    if match := EVALUATION_KEY.fullmatch(metric.run_key):
        return _judge_evaluation(metric, recorded, int(match["index"]), match["key"])
    first = next((r for r in recorded if isinstance(r.final.get(metric.split), dict)), None)
    if first is None:
        splits = ", ".join(sorted(recorded[0].final)) or "nothing"
        return MetricResult(
            metric,
            MISSING,
            f"{label}: run {recorded[0].run_id} recorded no {metric.split} split "
            f"(its metrics.json 'final' has: {splits})",
        )
    key = find_log_key(metric, first.final[metric.split])
    if key is None:
        return MetricResult(metric, MISSING, _not_recorded(metric, first))
    values = []
    for run in recorded:
        logs = run.final.get(metric.split)
        if not isinstance(logs, dict) or key not in logs:
            return MetricResult(
                metric,
                MISSING,
                f"{label}: run {run.run_id} did not record {metric.split}.{key} "
                f"(run {first.run_id} of the same set did)",
            )
        values.append(SeedValue(run.run_id, run.seed, _as_float(logs[key])))
    return _judged(metric, f"final.{metric.split}.{key}", values)


def _judge_evaluation(
    metric: Metric, recorded: Sequence[Recorded], index: int, key: str
) -> MetricResult:
    """Judge a metric read from the ``index``-th ``evaluate()`` call of every run."""
    label, where = f"{metric.split} {metric.name}", f"evaluations[{index}]"
    values = []
    for run in recorded:
        if not -len(run.evaluations) <= index < len(run.evaluations):
            return MetricResult(
                metric,
                MISSING,
                f"{label}: run {run.run_id} made {len(run.evaluations)} evaluate() call(s), "
                f"so it has no {where} (run_key {metric.run_key!r}); count the script's "
                "evaluate() calls from 0 (or from the end with -1)",
            )
        logs = run.evaluations[index]
        found = find_log_key(replace(metric, run_key=key), logs)
        if found is None:
            return MetricResult(
                metric,
                MISSING,
                f"{label}: {where} of run {run.run_id} has no {key!r} (it has: "
                f"{', '.join(sorted(logs)) or 'nothing'}); correct run_key in reproduction.toml",
            )
        values.append(SeedValue(run.run_id, run.seed, _as_float(logs[found])))
    return _judged(metric, f"{where}.{key}", values)


def _judge_printed(metric: Metric, recorded: Sequence[Recorded]) -> MetricResult:
    """Judge a metric read from each run's log by its ``log_pattern`` (the last match)."""
    label = f"{metric.split} {metric.name}"
    values = []
    for run in recorded:
        entry = run.printed.get(metric.key)
        if not isinstance(entry, dict) or entry.get("pattern") != metric.log_pattern:
            recorded_pattern = entry.get("pattern") if isinstance(entry, dict) else None
            why = (
                f"it was read with log_pattern {recorded_pattern!r}"
                if recorded_pattern
                else "it recorded no printed value for it"
            )
            return MetricResult(
                metric,
                MISSING,
                f"{label}: run {run.run_id} cannot be judged by log_pattern "
                f"{metric.log_pattern!r}: {why}; re-run it (`sprint run`) so the harness reads "
                "its train.log with today's pattern",
            )
        if not entry.get("matches"):
            return MetricResult(
                metric,
                MISSING,
                f"{label}: log_pattern {metric.log_pattern!r} matched no line of the train.log "
                f"of run {run.run_id}; check that the script prints the line the page shows, or "
                "correct the pattern in reproduction.toml",
            )
        values.append(SeedValue(run.run_id, run.seed, _as_float(entry.get("value"))))
    return _judged(metric, f"train.log /{metric.log_pattern}/", values)


def _judged(metric: Metric, log_key: str, values: list[SeedValue]) -> MetricResult:
    result = MetricResult(metric, PASS, "", log_key, values)
    inside = within(result.mean, *metric.bounds())
    if metric.rule == "non-inferiority" and result.bound is not None and result._finite:
        low, _ = metric.bounds()
        margin = abs(metric.value - result.bound)
        result.p_value = non_inferiority(
            result._numbers,
            metric.value,
            margin,
            higher_is_better=math.isfinite(low),
            alpha=metric.alpha,
        )
        inside = inside and result.p_value is not None and result.p_value < metric.alpha
    result.verdict = PASS if inside else FAIL
    result.explanation = explain(result)
    return result


def within(value: float | None, low: float, high: float) -> bool:
    """``low <= value <= high`` up to float rounding; NaN, infinities and ``None`` never pass."""
    if value is None or not math.isfinite(value):
        return False
    return value >= low - _slack(low) and value <= high + _slack(high)


def _slack(bound: float) -> float:
    return ROUNDING_SLACK * max(1.0, abs(bound)) if math.isfinite(bound) else 0.0


def _as_float(raw: Any) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return math.nan  # null, a list or a string: not a number, so it fails


def _not_recorded(metric: Metric, run: Recorded) -> str:
    recorded = ", ".join(sorted(run.final[metric.split])) or "nothing"
    wanted = (
        f"run_key {metric.run_key!r}"
        if metric.run_key
        else ("any of " + ", ".join(candidate_keys(metric.name)))
    )
    return (
        f"{metric.split} {metric.name}: run {run.run_id} did not record it (looked for "
        f"{wanted} in final.{metric.split}, which has: {recorded}); set run_key on this "
        "metric in reproduction.toml to the key that measures it, or log it in train.py"
    )


def explain(result: MetricResult) -> str:
    """One line saying what was compared with what, e.g.

    ``test accuracy: mean 0.9912 over 3 seeds (0.9905, 0.9912, 0.9919), std 0.0007
    >= 0.98 (reported ~0.99 - 0.01 abs)``.
    """
    metric, low, high = result.metric, *result.bounds
    label = f"{metric.split} {metric.name}"
    # A metrics.json key ends after its last dot; a printed metric's is its whole pattern.
    key = result.log_key if metric.log_pattern else result.log_key.rsplit(".", 1)[-1]
    if normalise(key) != normalise(metric.name):
        label += f" (logged as {key})"
    bound = low if math.isfinite(low) else high
    mean = result.mean
    if result.n == 1:
        measured = f"{fmt(mean, bound)} from 1 run (std n/a)"
    else:
        seeds = ", ".join(fmt(v.value) for v in result.values)
        measured = f"mean {fmt(mean, bound)} over {result.n} seeds ({seeds}), std {fmt(result.std)}"
    if mean is None or not math.isfinite(mean):
        return f"{label}: {measured}: not a finite number, so it fails"
    ok = result.verdict == PASS
    if math.isfinite(low) and math.isfinite(high):
        relation = f"{'within' if ok else 'outside'} [{fmt(low)}, {fmt(high)}]"
    elif math.isfinite(low):
        relation = f"{'>=' if ok else '<'} {fmt(low, mean)}"
    elif math.isfinite(high):
        relation = f"{'<=' if ok else '>'} {fmt(high, mean)}"
    else:
        relation = "(unbounded)"
    text = f"{label}: {measured} {relation} ({reported_text(metric)})"
    if metric.rule == "non-inferiority":
        p = (
            "n/a (needs 2 seeds with a spread)"
            if result.p_value is None
            else f"{result.p_value:.3g}"
        )
        text += f"; non-inferiority p = {p} against alpha {metric.alpha:g}"
    return text


def reported_text(metric: Metric) -> str:
    """``reported ~0.99 - 0.01 abs``: the claim and the margin the bound was built from."""
    claim = {"approx": "~", "at_least": "at least ", "at_most": "at most ", "exact": ""}.get(
        metric.qualifier, ""
    )
    low, _ = metric.bounds()
    sign = "-" if math.isfinite(low) else "+"
    return f"reported {claim}{fmt(metric.value)} {sign} {tolerance_text(metric)}"


def tolerance_text(metric: Metric) -> str:
    if metric.tolerance_kind == "relative":
        return f"{metric.tolerance * 100:g}% rel"
    return f"{metric.tolerance:g} abs"


def fmt(value: float | None, other: float | None = None) -> str:
    """4 significant digits, or as many more as it takes to tell ``value`` from ``other``."""
    if value is None:
        return "n/a"
    digits = 4
    while (
        other is not None
        and digits < 12
        and value != other
        and f"{value:.{digits}g}" == f"{other:.{digits}g}"
    ):
        digits += 1
    return f"{value:.{digits}g}"


# -- checking a reproduction folder -----------------------------------------------------------


def check_reproduction(repro_dir: Path, *, run: str | None = None) -> CheckReport:
    """Check ``repro_dir`` against its latest complete set of runs (or the run/group ``run``).

    Never raises for a user's mistake: a reproduction that cannot be checked comes back
    as a report with ``error`` set (verdict ``error``, exit code 2).
    """
    repro_dir = Path(repro_dir)
    report = CheckReport(slug=repro_dir.name)
    try:
        manifest = Manifest.load(repro_dir)
        _judgeable(manifest)
        report.runs, report.warnings = select_runs(repro_dir, manifest, run)
    except (ManifestError, CheckError) as exc:
        report.error = exc.message
        return report
    report.device = describe_device(report.runs[0].env())
    report.seeds_required = max(1, manifest.run.seeds)
    report.audit = audit_runs(repro_dir, manifest, report.runs)
    if report.audit.stale:
        report.error = (
            f"Stale: the code changed since set {report.group} ran, so it is not judged "
            f"({'; '.join(report.audit.stale[:3])}). How to fix: re-run it with "
            f"`sprint run {manifest.slug}`, or check out the commit it was made from"
        )
        return report
    for note in report.audit.moved_targets:
        report.warnings.insert(0, f"TARGETS CHANGED AFTER THE RUNS: {note}")
    recorded = [Recorded.from_run(r) for r in report.runs]
    report.results = [judge(metric, recorded) for metric in manifest.metrics]
    trained = sorted({r.epochs for r in recorded if r.epochs is not None})
    for result in report.results:
        metric = result.metric
        if not metric.required and result.verdict != PASS:
            report.warnings.append(f"optional metric {result.verdict}: {result.explanation}")
        if metric.epochs and trained and trained != [metric.epochs]:
            report.warnings.append(
                f"{metric.split} {metric.name} was reported after {metric.epochs} epochs; "
                f"the runs trained {', '.join(map(str, trained))}"
            )
    return report


def _judgeable(manifest: Manifest) -> None:
    """Raise when the manifest gives the checker nothing that could fail."""
    where = f"reproductions/{manifest.slug}/{MANIFEST_NAME}"
    if not any(m.required for m in manifest.metrics):
        raise ManifestError(
            "The manifest has no required metric, so there is nothing to check",
            where=where,
            fix="add a [[metrics]] entry (name, split, value, direction, tolerance) with "
            "required = true, taken from what the example reports",
        )
    for metric in manifest.metrics:
        if metric.bounds() == (-math.inf, math.inf):
            raise ManifestError(
                f"Metric {metric.key} has qualifier {metric.qualifier!r} against direction "
                f"{metric.direction!r}, which leaves no bound: a check that cannot fail",
                where=where,
                fix="use qualifier 'at_least' with direction 'higher', 'at_most' with "
                "'lower', or 'approx'",
            )


def select_runs(
    repro_dir: Path, manifest: Manifest, run: str | None = None
) -> tuple[list[RunRecord], list[str]]:
    """The complete, non-smoke runs to judge and warnings about what was left aside.

    Raises :class:`CheckError` saying why nothing can be judged: no run at all, only
    smoke runs, only failed ones, or no run/group named ``run``.
    """
    slug, everything = Path(repro_dir).name, list_runs(repro_dir)
    chosen = latest_set(repro_dir, group=run)
    if not chosen:
        raise _no_usable_run(slug, repro_dir, everything, run)
    warnings = []
    group = chosen[0].group
    left_out = [r for r in everything if r.group == group and not r.smoke and r not in chosen]
    for r in left_out:
        warnings.append(f"run {r.run_id} of set {group} is {_state(r)}; it is not judged")
    if len(chosen) < manifest.run.seeds:  # an incomplete set cannot be judged as a whole
        have = sorted(r.seed for r in chosen if r.seed is not None)
        wanted = [s for s in range(manifest.run.seeds) if s not in have]
        raise CheckError(
            f"Set {group} has {len(chosen)} complete run(s) of the {manifest.run.seeds} seeds "
            "the manifest asks for, so it cannot be judged"
            + (f" ({'; '.join(warnings)})" if warnings else ""),
            where=f"reproductions/{slug}/runs",
            fix=f"run the whole set again with `sprint run {slug}`"
            + (f" (missing seed(s): {', '.join(map(str, wanted))})" if wanted else "")
            + ", or lower [run] seeds in reproduction.toml before new runs",
        )
    if run is None:
        newest = max(r.started for r in chosen)
        for r in everything:
            if not r.smoke and r.group != group and r.started > newest:
                warnings.append(
                    f"a newer run {r.run_id} is {_state(r)}; "
                    f"the latest complete set {group} is judged instead"
                )
    return chosen, warnings


def _no_usable_run(
    slug: str, repro_dir: Path, everything: list[RunRecord], run: str | None
) -> CheckError:
    # Paths relative to the sprint root: reports and cards must not depend on the machine.
    where = f"reproductions/{slug}/runs"
    train = f"train it with `sprint run {slug}`"
    if run is not None:
        named = [r for r in everything if run in (r.run_id, r.group)]
        if not named:
            known = ", ".join(r.run_id for r in everything) or "none"
            return CheckError(
                f"No run or set named {run!r} in {slug}", where=where, fix=f"pick one of: {known}"
            )
        if all(r.smoke for r in named):
            return CheckError(
                f"Run {run} is a smoke run; smoke runs are never checked",
                where=where,
                fix=f"run `sprint run {slug}` for a full run",
            )
        states = ", ".join(f"{r.run_id}: {_state(r)}" for r in named)
        return CheckError(f"Run {run} did not complete ({states})", where=where, fix=train)
    if not everything:
        return CheckError(f"No runs found for {slug}", where=where, fix=train)
    if all(r.smoke for r in everything):
        return CheckError(
            f"Only smoke runs found for {slug} (a smoke run tests the plumbing, not the metrics)",
            where=where,
            fix=f"run `sprint run {slug}`",
        )
    latest = [r for r in everything if not r.smoke][-1]
    fix = (
        f"wait for it to finish (its train.log shows progress); if its process died, {train}"
        if latest.status == "running"
        else f"fix the cause, then {train}"
    )
    return CheckError(
        f"No complete run for {slug}: the latest, {latest.run_id}, is {_state(latest)}",
        where=f"{where}/{latest.path.name}/train.log",
        fix=fix,
    )


def _state(run: RunRecord) -> str:
    """``failed (CUDA out of memory)``, ``running``, ``complete but has no metrics.json``."""
    if run.status == "complete" and not run.complete:
        return "complete but has no metrics.json"
    return run.status + (f" ({run.reason})" if run.reason else "")


def describe_device(env: Mapping[str, Any]) -> str:
    """The hardware a run used, from its ``env.json`` (``""`` when it recorded none).

    ``"NVIDIA H100 80GB HBM3 x2"`` for two accelerators, ``"<cpu model> (CPU)"`` without one.
    """
    device = str(env.get("device") or "")
    accelerators = env.get("accelerators")
    if device and isinstance(accelerators, list) and len(accelerators) > 1:
        device += f" x{len(accelerators)}"
    if device and env.get("device_kind") == "cpu":
        device += " (CPU)"
    return device
