"""Property test: hostile project files never make the CLI fail with a traceback.

Hypothesis writes a project (a manifest with values of the wrong type or out of range, run
folders whose ``run.json``, ``metrics.json`` and ``env.json`` hold any JSON, a tutobook of
odd lines) and calls ``check``, ``card``, ``status``, ``validate`` and ``show`` through
``toolkit.cli.main``. Each must answer with exit 0, 1 or 2, and say nothing of an internal
error. The run folders written here are fixture data, not results of any training.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import traceback
from pathlib import Path
from typing import Any

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.cli import main

SLUG = "prop"
EXAMPLES = int(os.environ.get("SPRINT_PROPERTY_EXAMPLES", "150"))
TALLY = {"inputs": 0, "calls": 0, "tracebacks": 0}
EXITS: dict[int | None, int] = {}  # exit code -> how many calls answered it

# -- what a hostile contributor or a broken disk writes ----------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "3",
            "false",
            "nan",
            "1e308",
            "banana",
            "../../etc/passwd",
            "",
            "complete",
            "running",
            "test",
            "accuracy",
            "\n",
            "hf_" + "a" * 34,
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
toml_scalars = scalars.filter(lambda v: v is not None)
toml_values = st.one_of(
    toml_scalars,
    st.lists(toml_scalars, max_size=3),
    st.dictionaries(st.sampled_from(["name", "url", "x"]), toml_scalars, max_size=2),
)

MANIFEST_FIELDS = {
    "": ["slug", "schema_version", "metrics", "run", "task", "example", "source", "hub", "data"],
    "run": [
        "seeds",
        "backend",
        "script",
        "epochs",
        "training",
        "smoke_steps",
        "batch_size",
        "requirements",
    ],
    "task": ["kind", "class_names", "input_shape", "input_scale", "vocabulary", "submodel"],
    "example": ["title", "authors", "description", "extra_headers"],
    "source": ["kind", "url", "path"],
    "hub": ["repo_id", "space_id", "license", "pushed_run"],
    "metrics[0]": [
        "value",
        "tolerance",
        "required",
        "direction",
        "split",
        "name",
        "rule",
        "alpha",
        "run_key",
        "qualifier",
        "epochs",
        "tolerance_kind",
    ],
}


def base_manifest(seeds: int) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "slug": SLUG,
        "example": {"title": "Property", "description": "reaches ~90% test accuracy"},
        "metrics": [
            {
                "name": "accuracy",
                "split": "test",
                "value": 0.9,
                "tolerance": 0.02,
                "direction": "higher",
            }
        ],
        "run": {"seeds": seeds, "backend": "jax"},
        "task": {"kind": "image_classification"},
        "hub": {"repo_id": "keras-io/prop", "space_id": "keras-io/prop"},
    }


@st.composite
def manifests(draw: st.DrawFn) -> str:
    """A manifest's text: valid, with a few fields replaced by hostile values, or junk."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["", "slug = ", "[run]\nseeds = 3\n", "\x00\xff"]))
    raw = base_manifest(draw(st.integers(1, 3)))
    for _ in range(draw(st.integers(0, 3))):
        section = draw(st.sampled_from(sorted(MANIFEST_FIELDS)))
        key = draw(st.sampled_from(MANIFEST_FIELDS[section]))
        table = (
            raw
            if section == ""
            else (
                raw["metrics"][0]
                if section == "metrics[0]"
                and raw.get("metrics")
                and isinstance(raw["metrics"], list)
                and isinstance(raw["metrics"][0], dict)
                else raw.get(section)
            )
        )
        if isinstance(table, dict):
            table[key] = draw(toml_values)
    try:
        return tomlkit.dumps(raw)
    except Exception:  # noqa: BLE001 -- a value tomlkit cannot write: a plain valid manifest
        return tomlkit.dumps(base_manifest(1))


@st.composite
def run_files(draw: st.DrawFn, seed: int) -> dict[str, Any]:
    """The three JSON files of one run folder: the harness's shape, mutated, or any JSON."""
    value = draw(st.one_of(st.floats(0, 1), json_values))
    files: dict[str, Any] = {
        "run.json": {
            "run_id": f"set-s{seed}",
            "group": "set",
            "seed": seed,
            "backend": "jax",
            "smoke": False,
            "status": "complete",
            "reason": "",
            "started": "2026-01-01T00:00:00",
        },
        "metrics.json": {
            "final": {"test": {"accuracy": value}},
            "history": {"loss": [1.0]},
            "evaluations": [{"accuracy": value}],
            "epochs": 1,
        },
        "env.json": {"device": "cpu (fixture)", "backend": "jax", "keras": "3.0"},
    }
    for name in draw(st.lists(st.sampled_from(sorted(files)), max_size=2)):
        if draw(st.booleans()):
            files[name] = draw(json_values)
        elif isinstance(files[name], dict) and files[name]:
            key = draw(st.sampled_from(sorted(files[name])))
            files[name][key] = draw(json_values)
    return files


tutobook_lines = st.one_of(
    st.sampled_from(
        [
            '"""',
            "Title: T",
            "Author: A",
            "Date created: 2020/01/01",
            "Description: reaches ~90% accuracy.",
            '"""',
            "## Setup",
            "import keras",
            "model.fit(x, epochs=3)",
            "accuracy: 0.9",
            "",
            "'''",
            "\\",
        ]
    ),
    st.text(max_size=30),
)


def write_project(root: Path, manifest: str, runs: list[dict[str, Any]]) -> None:
    folder = root / "reproductions" / SLUG
    folder.mkdir(parents=True)
    (folder / "reproduction.toml").write_text(manifest, encoding="utf-8", errors="replace")
    (folder / "train.py").write_text("import keras\n", encoding="utf-8")
    for index, files in enumerate(runs):
        run_dir = folder / "runs" / f"set-s{index}"
        run_dir.mkdir(parents=True)
        for name, content in files.items():
            (run_dir / name).write_text(json.dumps(content), encoding="utf-8")


# -- the property ------------------------------------------------------------------------------


def call(argv: list[str]) -> tuple[int | None, str, str]:
    """``main(argv)``'s exit code, stdout and stderr; exit None and the traceback when it
    raised."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except BaseException:  # noqa: BLE001 -- the property: nothing escapes main()
            return None, "", traceback.format_exc()
    return code, out.getvalue(), err.getvalue()


def bad_answer(code: int | None, text: str) -> bool:
    return (
        code not in (0, 1, 2)
        or "Traceback (most recent call last)" in text
        or "internal error" in text
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    manifest=manifests(),
    runs=st.integers(0, 3).flatmap(lambda n: st.tuples(*[run_files(i) for i in range(n)])),
    tutobook=st.lists(tutobook_lines, max_size=12),
)
def test_no_input_makes_a_command_fail_with_a_traceback(manifest, runs, tutobook) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, manifest, list(runs))
        example = root / "example.py"
        example.write_text("\n".join(tutobook), encoding="utf-8", errors="replace")
        previous = os.environ.get("SPRINT_ROOT")
        os.environ["SPRINT_ROOT"] = str(root)
        try:
            TALLY["inputs"] += 1
            for argv in (
                ["check", SLUG],
                ["check", SLUG, "--format", "json"],
                ["card", SLUG, "--stdout"],
                ["status"],
                ["status", "--wide"],
                ["status", "--json"],
                ["validate", SLUG, "--no-smoke", "--only", "manifest,run,check,card"],
                ["show", str(example)],
            ):
                code, out, err = call(argv)
                TALLY["calls"] += 1
                EXITS[code] = EXITS.get(code, 0) + 1
                if bad_answer(code, text := out + err):
                    TALLY["tracebacks"] += 1
                    raise AssertionError(
                        f"sprint {' '.join(argv)} answered exit {code}:\n"
                        f"{text}\nmanifest:\n{manifest}\nruns: {runs}"
                    )
                if argv[-1] == "json" and code in (0, 1):
                    json.loads(out, parse_constant=_no_constant)  # strict JSON, no NaN
        finally:
            if previous is None:
                os.environ.pop("SPRINT_ROOT", None)
            else:
                os.environ["SPRINT_ROOT"] = previous


def _no_constant(name: str) -> float:
    raise AssertionError(f"the JSON output holds {name}, which is not JSON")


def test_zz_property_tally_is_reported() -> None:
    """Print the counts the closing note quotes (pytest -s shows them; -rA too)."""
    if not TALLY["inputs"]:
        return  # the property test was deselected
    print(
        f"\ninputs tried: {TALLY['inputs']}, commands called: {TALLY['calls']}, "
        f"tracebacks: {TALLY['tracebacks']}; exit codes: {dict(sorted(EXITS.items()))}"
    )
    assert TALLY["tracebacks"] == 0
    assert TALLY["calls"] == 8 * TALLY["inputs"]
