"""The statistics behind a verdict, checked against SciPy and against hand-worked cases."""

from __future__ import annotations

import math

import pytest

from toolkit.stats import interval, non_inferiority, seeds_needed, t_cdf, t_ppf, tost

scipy_stats = pytest.importorskip(
    "scipy.stats", reason="SciPy is the reference; install it (pip install scipy) to compare"
)


@pytest.mark.parametrize("df", [1, 2, 3, 5, 9, 30, 200])
@pytest.mark.parametrize("t", [-6.0, -2.1, -0.3, 0.0, 0.7, 1.96, 4.5])
def test_t_cdf_matches_scipy(t, df):
    assert t_cdf(t, df) == pytest.approx(scipy_stats.t.cdf(t, df), abs=1e-10)


@pytest.mark.parametrize("df", [1, 2, 4, 10, 50])
@pytest.mark.parametrize("p", [0.01, 0.05, 0.5, 0.95, 0.975, 0.999])
def test_t_ppf_matches_scipy(p, df):
    assert t_ppf(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), rel=1e-8, abs=1e-9)


def test_interval_of_three_seeds():
    values = [0.9922, 0.9906, 0.9922]
    got = interval(values)
    ref = scipy_stats.t.interval(0.95, 2, loc=got.mean, scale=scipy_stats.sem(values))
    assert (got.low, got.high) == pytest.approx(ref, abs=1e-12)
    assert interval([0.5]).low is None  # one seed: no spread, no interval


def test_non_inferiority_against_scipys_one_sided_t_test():
    values = [0.971, 0.978, 0.959]
    p = non_inferiority(values, reference=0.981, margin=0.005, higher_is_better=True)
    ref = scipy_stats.ttest_1samp(values, 0.981 - 0.005, alternative="greater").pvalue
    assert p == pytest.approx(ref, abs=1e-10)
    lower = non_inferiority([150.2, 151.0, 149.9], 148.87, 3.0, higher_is_better=False)
    ref = scipy_stats.ttest_1samp([150.2, 151.0, 149.9], 151.87, alternative="less").pvalue
    assert lower == pytest.approx(ref, abs=1e-10)


def test_seeds_needed_is_the_first_decisive_count():
    n = seeds_needed(std=0.01, distance=0.005)
    assert t_ppf(0.95, n - 1) * 0.01 / math.sqrt(n) < 0.005
    assert t_ppf(0.95, n - 2) * 0.01 / math.sqrt(n - 1) >= 0.005
    assert seeds_needed(std=0.0, distance=0.1) == 2
    assert seeds_needed(std=0.01, distance=0.0) == 1000


def test_tost_shows_equivalence_only_within_the_margin():
    tf = [0.991, 0.990, 0.992, 0.991]
    jax = [0.990, 0.991, 0.991, 0.992]
    p, equivalent = tost(tf, jax, margin=0.005)
    assert equivalent and p < 0.05
    _, far = tost(tf, [0.97, 0.971, 0.969, 0.97], margin=0.005)
    assert not far
