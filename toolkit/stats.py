"""The statistics a verdict rests on: Student's t, confidence intervals, one-sided tests.

Seeds are few (3 to 10), so every interval and test uses Student's t distribution, not the
normal one. The t distribution is computed here (regularised incomplete beta function,
Lentz's continued fraction) so the toolkit needs no SciPy; tests compare it with SciPy
where SciPy is installed.

- :func:`interval`: mean, sample standard deviation and a two-sided confidence interval;
- :func:`non_inferiority`: the one-sided test "the reproduction is no worse than the
  reported value by more than the margin" (H0: it is worse by the margin or more);
- :func:`seeds_needed`: how many seeds the observed spread would need before the interval
  lies wholly on one side of a bound;
- :func:`tost`: two one-sided tests (Welch) that two seed sets, e.g. two backends, agree
  within a margin.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Interval", "interval", "non_inferiority", "seeds_needed", "t_cdf", "t_ppf", "tost"]


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    t2 = t * t
    if t2 < df:  # x = df / (df + t2) is near 1: use the complement, computed exactly
        tail = 0.5 * (1.0 - _betainc(0.5, df / 2.0, t2 / (df + t2)))
    else:
        tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t2))
    return 1.0 - tail if t > 0 else tail


def t_ppf(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (bisection)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie in (0, 1), got {p}")
    low, high = -1e3, 1e3
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


@dataclass(frozen=True)
class Interval:
    """Mean, sample standard deviation and a two-sided ``confidence`` interval of the mean
    (``low``/``high`` are ``None`` with one value: no spread is known)."""

    n: int
    mean: float
    std: float | None
    low: float | None
    high: float | None
    confidence: float


def interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """The mean of ``values`` with its t confidence interval."""
    if not values:
        raise ValueError("no values")
    n, mean = len(values), statistics.fmean(values)
    if n < 2:
        return Interval(n, mean, None, None, None, confidence)
    std = statistics.stdev(values)
    half = t_ppf(0.5 + confidence / 2.0, n - 1) * std / math.sqrt(n)
    return Interval(n, mean, std, mean - half, mean + half, confidence)


def non_inferiority(
    values: Sequence[float],
    reference: float,
    margin: float,
    *,
    higher_is_better: bool,
    alpha: float = 0.05,
) -> float | None:
    """The one-sided p-value of "no worse than ``reference`` by ``margin``" (H0: worse by
    the margin or more); ``None`` with fewer than two values or no spread."""
    if len(values) < 2:
        return None
    n, mean, std = len(values), statistics.fmean(values), statistics.stdev(values)
    bound = reference - margin if higher_is_better else reference + margin
    if std == 0.0:
        better = mean > bound if higher_is_better else mean < bound
        return 0.0 if better else 1.0
    t = (mean - bound) / (std / math.sqrt(n))
    return 1.0 - t_cdf(t if higher_is_better else -t, n - 1)


def seeds_needed(std: float, distance: float, alpha: float = 0.05, limit: int = 1000) -> int:
    """The fewest seeds for which a one-sided ``1 - alpha`` bound of the mean, with spread
    ``std``, stays ``distance`` away from the mean (``limit`` when more are needed)."""
    if distance <= 0:
        return limit
    if std == 0:
        return 2
    for n in range(2, limit):
        if t_ppf(1.0 - alpha, n - 1) * std / math.sqrt(n) < distance:
            return n
    return limit


def tost(
    a: Sequence[float], b: Sequence[float], margin: float, alpha: float = 0.05
) -> tuple[float, bool]:
    """Two one-sided Welch tests that the means of ``a`` and ``b`` differ by less than
    ``margin``: (the larger p-value, whether equivalence is shown at ``alpha``)."""
    if len(a) < 2 or len(b) < 2:
        return 1.0, False
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    diff = statistics.fmean(a) - statistics.fmean(b)
    se = math.sqrt(va + vb)
    if se == 0.0:
        p = 0.0 if abs(diff) < margin else 1.0
        return p, p < alpha
    df = (va + vb) ** 2 / ((va**2 / (len(a) - 1)) + (vb**2 / (len(b) - 1)))
    p_lower = 1.0 - t_cdf((diff + margin) / se, df)
    p_upper = t_cdf((diff - margin) / se, df)
    p = max(p_lower, p_upper)
    return p, p < alpha
