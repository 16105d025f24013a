"""The check report's renderings: JSON keys, the Markdown PR comment, JUnit XML, the table.
Run folders are fixture data (tests/check_fixtures.py)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pytest
from check_fixtures import DEVICE, accuracy_metric, write_reproduction, write_run, write_set

from toolkit.check import check_reproduction
from toolkit.manifest import Metric
from toolkit.report_formats import render


@pytest.fixture
def reports(tmp_path):
    """Three reproductions: one passes (with a failing optional metric), one fails, one
    cannot be checked (no run)."""
    optional = Metric(
        "loss",
        "test",
        0.01,
        direction="lower",
        tolerance=0.001,
        required=False,
        origin="prose",
        sentence="a loss | of 0.01",
    )
    passing = write_reproduction(tmp_path, "mnist_convnet", [accuracy_metric(), optional])
    write_set(passing, "g1", [0.9905, 0.9912, 0.9919])
    failing = write_reproduction(tmp_path, "imdb_lstm", [accuracy_metric(split="validation")])
    write_set(failing, "g2", [0.95])
    unchecked = write_reproduction(tmp_path, "no_runs")
    return [check_reproduction(p) for p in (passing, failing, unchecked)]


def test_json_has_the_documented_keys_and_only_json_numbers(reports):
    doc = json.loads(render(reports, "json"))
    assert set(doc) == {"schema", "verdict", "exit_code", "judged", "reports"}
    assert (doc["schema"], doc["verdict"], doc["exit_code"]) == ("keras-sprint/check/1", "error", 2)
    assert doc["judged"] == "mean over seeds"
    first = doc["reports"][0]
    assert set(first) == {
        "slug",
        "verdict",
        "exit_code",
        "level",
        "level_missing",
        "seeds_required",
        "provenance",
        "error",
        "warnings",
        "group",
        "run_ids",
        "backend",
        "device",
        "metrics",
    }
    assert first["level"] == "pass"  # fixture runs recorded no hashes: not verified
    assert any("recorded no hash" in m for m in first["level_missing"])
    assert [r["run_id"] for r in first["provenance"]["runs"]] == ["g1-s0", "g1-s1", "g1-s2"]
    assert (first["slug"], first["verdict"], first["device"]) == ("mnist_convnet", "pass", DEVICE)
    accuracy = first["metrics"][0]
    assert set(accuracy) == {
        "key",
        "name",
        "split",
        "required",
        "reported",
        "direction",
        "tolerance",
        "tolerance_kind",
        "bounds",
        "log_key",
        "values",
        "n",
        "mean",
        "std",
        "min",
        "max",
        "rule",
        "alpha",
        "p_value",
        "ci95",
        "decisive",
        "seeds_for_decision",
        "verdict",
        "explanation",
    }
    assert accuracy["rule"] == "mean" and accuracy["ci95"]["confidence"] == 0.95
    assert accuracy["ci95"]["low"] < accuracy["mean"] < accuracy["ci95"]["high"]
    assert accuracy["bounds"] == {"low": pytest.approx(0.98), "high": None}  # inf -> null
    assert accuracy["values"] == [
        {"run_id": "g1-s0", "seed": 0, "value": 0.9905},
        {"run_id": "g1-s1", "seed": 1, "value": 0.9912},
        {"run_id": "g1-s2", "seed": 2, "value": 0.9919},
    ]
    assert accuracy["std"] == pytest.approx(0.0007)
    assert accuracy["reported"]["sentence"] == "This model achieves ~99% test accuracy."
    single = doc["reports"][1]["metrics"][0]
    assert (single["n"], single["std"], single["verdict"]) == (1, None, "fail")
    assert doc["reports"][2]["metrics"] == [] and "No runs found" in doc["reports"][2]["error"]


def test_json_writes_nan_as_null(tmp_path):
    repro = write_reproduction(tmp_path)
    write_run(repro, "r", final={"test": {"accuracy": math.nan}})
    doc = json.loads(render([check_reproduction(repro)], "json"))
    metric = doc["reports"][0]["metrics"][0]
    assert (metric["verdict"], metric["mean"], metric["values"][0]["value"]) == ("fail", None, None)


def test_markdown_is_a_pull_request_comment(reports):
    text = render(reports, "markdown")
    lines = text.splitlines()
    assert lines[0] == "## ⚠️ Reproduction check: could not check"
    assert "The mean over seeds is judged" in text
    assert "### ✅ `mnist_convnet`: pass (level: pass)" in lines
    assert (
        "| Metric | Split | Reported (source) | Reproduced mean ± std (n seeds) "
        "| Tolerance: passes when | Verdict |"
    ) in lines
    assert (
        "| accuracy | test | ~0.99 (description) | 0.9912 ± 0.0007 (n=3) "
        "| ≥ 0.98 (tol 0.01 abs) | ✅ pass |"
    ) in lines
    assert (
        "| loss | test | ~0.01 (prose) | 0.05 ± 0 (n=3) | ≤ 0.011 (tol 0.001 abs) "
        "| ❌ fail (optional) |" in lines
    )
    assert (f"Runs: g1-s0, g1-s1, g1-s2 (set g1) · backend jax · device {DEVICE}") in lines
    assert "### ❌ `imdb_lstm`: fail" in lines
    assert "| accuracy | validation | ~0.99 (description) | 0.95 (n=1) |" in text
    assert "### ⚠️ `no_runs`: could not check" in lines
    assert any(line.startswith("> No runs found for no_runs") for line in lines)
    assert 'source (prose): "a loss \\| of 0.01"' in text  # a pipe cannot break the table


def test_markdown_heading_says_pass_when_everything_passes(reports):
    assert render(reports[:1], "markdown").startswith("## ✅ Reproduction check: pass\n")
    assert render(reports[:2], "markdown").startswith("## ❌ Reproduction check: fail\n")


def test_junit_is_valid_xml_with_a_suite_per_reproduction(reports):
    root = ET.fromstring(render(reports, "junit"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["mnist_convnet", "imdb_lstm", "no_runs"]

    passing = suites["mnist_convnet"]
    assert (passing.get("tests"), passing.get("failures"), passing.get("errors")) == ("2", "0", "0")
    cases = passing.findall("testcase")
    assert [c.get("name") for c in cases] == ["test/accuracy", "test/loss"]
    assert cases[0].find("failure") is None and cases[1].find("failure") is None
    assert cases[1].find("system-out").text.startswith("warning (optional metric")
    props = {p.get("name"): p.get("value") for p in passing.iter("property")}
    assert props["run_ids"] == "g1-s0 g1-s1 g1-s2" and props["device"] == DEVICE

    failure = suites["imdb_lstm"].find("testcase/failure")
    assert failure.get("type") == "OutOfTolerance"
    assert failure.get("message").startswith("validation accuracy: 0.95 from 1 run")

    error = suites["no_runs"].find("testcase/error")
    assert suites["no_runs"].find("testcase").get("name") == "check"
    assert "No runs found for no_runs" in error.get("message")


def test_junit_reports_a_metric_the_run_did_not_record_as_an_error(tmp_path):
    repro = write_reproduction(tmp_path, metrics=[accuracy_metric(name="auc")])
    write_set(repro, "g", [0.99])
    root = ET.fromstring(render([check_reproduction(repro)], "junit"))
    error = root.find("testsuite/testcase/error")
    assert error.get("type") == "MetricNotRecorded" and "did not record" in error.text
    assert root.get("errors") == "1"


def test_table_shows_every_metric_the_runs_and_the_overall_verdict(reports):
    text = render(reports, "table")
    assert "\x1b[" not in text  # no colour unless asked
    for expected in (
        "mnist_convnet: pass",
        "test/accuracy",
        "0.9912 ± 0.0007",
        "0.9905,",
        "g1-s0, g1-s1, g1-s2",
        DEVICE,
        "fail (optional)",
        "imdb_lstm: fail",
        "fail: validation accuracy: 0.95 from 1 run (std n/a) < 0.98",
        "no_runs: could not check",
        "No runs found for no_runs",
        "Overall: could not check (exit 2)",
    ):
        assert expected in text, expected
    assert "\x1b[" in render(reports, "table", color=True)


def test_table_prints_brackets_in_names_literally(tmp_path):
    metric = accuracy_metric(name="accuracy [top-1]", run_key="accuracy")
    repro = write_reproduction(tmp_path, metrics=[metric])
    write_set(repro, "g", [0.99])
    assert "test/accuracy [top-1]" in render([check_reproduction(repro)], "table")
