"""The reviewers' checklist: ``sprint validate SLUG``.

Each item returns pass, fail or warn with the reason. Items, in order:

``manifest``  complete and valid: source, credits, license, reported metrics with their source
              sentence and a tolerance with its reason, a check that can fail.
``smoke``     ``train.py`` runs under the harness in smoke mode.
``run``       the latest full run set exists, records its hardware and seed, and
              ``sprint check`` passes on it.
``card``      README.md was rendered by ``sprint card``, its front matter is valid Hub
              metadata, it was not edited by hand outside its free sections, and every number
              in it still matches the artifacts (a fresh render gives the same card).
``space``     ``spaces/<slug>/`` exists, its requirements are pinned, it answers as the task
              kind asks (a classification task's Space with classes, not a forecast), and its
              app starts as a Space does (its own process) with the model of the latest run
              that kept one here, and answers each of its examples.
``hygiene``   nothing secret or huge would be committed (tokens, weights, data files).
``lint``      the reproduction's own Python code is ``ruff`` clean.

The validation passes when no item fails; warnings are advice.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from toolkit.errors import SprintError
from toolkit.manifest import MANIFEST_NAME, Manifest
from toolkit.runs import latest_set, local_model_run, read_json

PASS, FAIL, WARN = "pass", "fail", "warn"


@dataclass
class Item:
    """One checklist item's outcome."""

    name: str
    status: str
    reason: str
    details: list[str] = field(default_factory=list)


@dataclass
class Validation:
    """The checklist for one reproduction."""

    slug: str
    items: list[Item]
    fixed: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        statuses = {item.status for item in self.items}
        return FAIL if FAIL in statuses else (WARN if WARN in statuses else PASS)

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict == FAIL else 0

    def to_dict(self) -> dict:
        return {
            "slug": self.slug,
            "verdict": self.verdict,
            "fixed": self.fixed,
            "items": [asdict(item) for item in self.items],
        }


@dataclass
class Context:
    """What the items share: where things are, and the options."""

    root: Path
    slug: str
    smoke: bool = True
    manifest: Manifest | None = None

    @property
    def repro_dir(self) -> Path:
        return self.root / "reproductions" / self.slug

    @property
    def space_dir(self) -> Path:
        return self.root / "spaces" / self.slug


# -- items ---------------------------------------------------------------------------------------
def check_manifest(ctx: Context) -> Item:
    try:
        manifest = ctx.manifest = Manifest.load(ctx.repro_dir)
    except SprintError as exc:
        return Item("manifest", FAIL, exc.message)
    problems, advice = [], []
    if not (manifest.source.url or manifest.source.path):
        problems.append("[source] names neither the example's url nor its path")
    if not manifest.source.sha256:
        advice.append("[source] sha256 is empty: the exact example version is not pinned")
    if not manifest.example.title:
        problems.append("[example] title is empty")
    if not manifest.example.authors:
        problems.append("[example] authors is empty: the original authors must be credited")
    if not manifest.hub.license:
        problems.append("[hub] license is empty")
    required = [m for m in manifest.metrics if m.required]
    if not required:
        problems.append("no required [[metrics]]: there is nothing to check")
    for m in manifest.metrics:
        label = f"metric {m.split}/{m.name}"
        if not m.sentence.strip():
            problems.append(f"{label} has no source sentence")
        if not m.reason.strip():
            problems.append(f"{label} has no reason for its tolerance")
        elif m.reason.startswith("default"):
            advice.append(f"{label} still has the scaffold's default tolerance")
        low, high = m.bounds()
        if math.isinf(low) and math.isinf(high):
            problems.append(f"{label} accepts every value (direction and qualifier disagree)")
    if problems:
        return Item("manifest", FAIL, "; ".join(problems), advice)
    if advice:
        return Item("manifest", WARN, "; ".join(advice))
    return Item("manifest", PASS, f"{len(required)} required metric(s), credits and license set")


def check_smoke(ctx: Context) -> Item:
    if not ctx.smoke:
        return Item("smoke", WARN, "skipped (--no-smoke)")
    if ctx.manifest is None:
        return Item("smoke", FAIL, "no valid manifest to run")
    from toolkit.harness.runner import RunOptions, run_reproduction

    try:
        options = RunOptions(smoke=True, echo=None, save_model=False)
        outcomes = run_reproduction(ctx.repro_dir, options)
    except SprintError as exc:
        return Item("smoke", FAIL, exc.message)
    bad = [o for o in outcomes if o.status != "complete"]
    if bad:
        return Item("smoke", FAIL, f"smoke run {bad[0].run_id} {bad[0].status}: {bad[0].reason}")
    return Item("smoke", PASS, f"train.py ran in smoke mode ({outcomes[0].run_id})")


def check_run(ctx: Context) -> Item:
    if ctx.manifest is None:
        return Item("run", FAIL, "no valid manifest to check against")
    runs = latest_set(ctx.repro_dir)
    if not runs:
        return Item(
            "run",
            FAIL,
            "no complete full run",
            [f"run it: sprint run {ctx.slug} --seeds {ctx.manifest.run.seeds}"],
        )
    from toolkit.check import check_reproduction

    missing = []
    for run in runs:
        env = run.env()
        if not (env.get("device") or env.get("device_name")):
            missing.append(f"{run.run_id}: env.json records no device")
        if env.get("seed") is None and run.seed is None:
            missing.append(f"{run.run_id}: no seed recorded")
    report = check_reproduction(ctx.repro_dir)
    details = [r.explanation for r in report.results] + list(report.warnings) + missing
    where = f"{len(runs)} run(s) of {runs[-1].group} on {report.device or 'unknown hardware'}"
    if missing:
        return Item("run", FAIL, f"{where}: hardware or seed not recorded", details)
    if report.verdict != PASS:
        reason = report.error or "a required metric is outside its tolerance"
        return Item("run", FAIL, f"sprint check {report.verdict}: {reason}", details)
    return Item("run", PASS, f"sprint check passes on {where}", details)


def check_card(ctx: Context) -> Item:
    from toolkit.card import CARD_NAME, GENERATED_MARKER, checksum, hand_edited, render_card

    path = ctx.repro_dir / CARD_NAME
    if not path.is_file():
        return Item("card", FAIL, "no README.md", [f"render it: sprint card {ctx.slug}"])
    text = path.read_text(encoding="utf-8")
    if GENERATED_MARKER not in text:
        return Item(
            "card",
            FAIL,
            "README.md is not a model card rendered by `sprint card`",
            [f"render it: sprint card {ctx.slug} --force (the old file is backed up)"],
        )
    if hand_edited(text):
        return Item(
            "card",
            FAIL,
            "the card was edited by hand outside its free-text sections "
            "(its numbers may no longer match the artifacts)",
            [
                f"re-render it: sprint card {ctx.slug} --force, and put prose in the "
                "sprint:free sections"
            ],
        )
    from huggingface_hub import ModelCard, ModelCardData

    try:
        data = ModelCard(text, ignore_metadata_errors=False).data
    except Exception as exc:  # huggingface_hub raises ValueError and yaml errors alike
        return Item("card", FAIL, f"the front matter is not valid Hub metadata: {exc}")
    if not isinstance(data, ModelCardData) or not data.eval_results:
        return Item("card", FAIL, "the front matter holds no model-index results")
    try:
        fresh = render_card(ctx.repro_dir, existing=text).text
    except SprintError as exc:
        return Item("card", FAIL, f"the card cannot be re-rendered: {exc.message}")
    if checksum(fresh) != checksum(text):
        changed = _changed_lines(text, fresh)
        return Item(
            "card",
            FAIL,
            "the card is stale: a fresh render from the artifacts differs",
            changed[:8] + [f"re-render it: sprint card {ctx.slug}"],
        )
    return Item(
        "card",
        PASS,
        f"rendered, valid front matter, {len(data.eval_results)} "
        "model-index results, matches the artifacts",
    )


def check_space(ctx: Context) -> Item:
    app = ctx.space_dir / "app.py"
    if not app.is_file():
        return Item(
            "space",
            FAIL,
            f"no {app.relative_to(ctx.root)}",
            [f"generate it: sprint space {ctx.slug}"],
        )
    requirements = ctx.space_dir / "requirements.txt"
    lines = (
        []
        if not requirements.is_file()
        else [line.split("#")[0].strip() for line in requirements.read_text().splitlines()]
    )
    unpinned = [line for line in lines if line and "==" not in line and "@" not in line]
    if not requirements.is_file() or unpinned:
        reason = (
            "requirements.txt is missing"
            if not requirements.is_file()
            else f"unpinned requirements: {', '.join(unpinned)}"
        )
        return Item("space", FAIL, reason)
    if mismatch := _answer_mismatch(ctx):
        return mismatch
    run = local_model_run(ctx.repro_dir)  # the smoke item's own run saves no model
    if run is None:
        return Item(
            "space",
            WARN,
            "requirements pinned; the app was not started: no run of "
            "this reproduction has its model.keras here (weights are not committed)",
        )
    examples = len(read_json(ctx.space_dir / "space_config.json").get("examples") or [])
    started = _start_space(ctx.space_dir, run.model_path)
    if isinstance(started, list):
        return Item(
            "space", FAIL, "the app does not start or does not answer its examples", started
        )
    weights = " (smoke-run weights: this tests the app, not its predictions)" if run.smoke else ""
    return Item(
        "space",
        PASS,
        f"the app starts with {run.model_path.relative_to(ctx.root)} "
        f"and answers its {examples} example(s) in {started:.0f} s{weights}; "
        f"{len([x for x in lines if x])} pinned requirements",
    )


def _answer_mismatch(ctx: Context) -> Item | None:
    """A failed item when a classification task's Space would not answer with classes.

    Read from ``space_config.json`` as the app reads it: a time-series app classifies only
    when its ``series_mode`` says so or it has ``class_names``; otherwise it forecasts (or
    reconstructs, when the model's output is its input). Other families answer as their
    family says; the generic one shows raw outputs for kinds no demo fits (advice enough).
    """
    from toolkit.space.build import CONFIG_NAME
    from toolkit.space.family import family_for
    from toolkit.task_kinds import is_classification

    kind = ctx.manifest.task.kind if ctx.manifest else ""
    if not is_classification(kind):
        return None
    config = read_json(ctx.space_dir / CONFIG_NAME)
    if (config.get("family") or family_for(kind)) != "time_series":
        return None
    mode = config.get("series_mode")
    if mode == "classification" or (not mode and config.get("class_names")):
        return None
    does = (
        f"answer in {mode!r} mode"
        if mode
        else "forecast the next steps of the series (or reconstruct it, for an autoencoder)"
    )
    why = (
        f"its {CONFIG_NAME} sets series_mode = {mode!r}"
        if mode
        else f"its {CONFIG_NAME} lists no class_names, and without them the app forecasts"
    )
    if mode:
        fix = (
            f"remove series_mode from spaces/{ctx.slug}/{CONFIG_NAME} (or set it to "
            f"'classification'), or regenerate it: sprint space {ctx.slug} --force"
        )
    elif ctx.manifest and ctx.manifest.task.class_names:
        fix = f"the manifest lists class names but the Space predates them: sprint space {ctx.slug}"
    else:
        fix = (
            f"set [task] class_names = [...] in reproductions/{ctx.slug}/{MANIFEST_NAME} "
            f"(in the order of the model's outputs), then: sprint space {ctx.slug}"
        )
    return Item(
        "space",
        FAIL,
        f"the Space would {does}, not classify: [task] kind is {kind!r}, but {why}",
        [f"fix: {fix}"],
    )


def _start_space(space_dir: Path, model: Path) -> float | list[str]:
    """Start the app as a Space does and click each of its examples; the seconds that took,
    or what went wrong (the examples that got no answer, or the app's last output lines)."""
    from toolkit.space.serve import free_port, start_app, stop_app, try_examples, wait_for_app

    with tempfile.TemporaryDirectory(prefix="sprint-validate-") as tmp:
        log, port = Path(tmp) / "app.log", free_port()
        url = f"http://127.0.0.1:{port}/"
        start = time.monotonic()
        process = start_app(
            space_dir,
            model_value=str(model),
            port=port,
            log_path=log,
            extra_env={"GRADIO_EXAMPLES_CACHE": str(Path(tmp) / "cache")},
        )
        try:
            wait_for_app(url, process, timeout=600)
            failures = try_examples(url, space_dir)
        except SprintError:
            return log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        finally:
            stop_app(process)
        return failures or time.monotonic() - start


def check_hygiene(ctx: Context) -> Item:
    """Secrets, weights, data and huge files, in what git would commit and in its history
    (see :mod:`toolkit.hygiene`)."""
    from toolkit.hygiene import scan

    found = scan(ctx.root, [ctx.repro_dir, ctx.space_dir])
    scope = "scanned " + ", ".join(found.scope) if found.scope else "no files to scan"
    if found.problems:
        return Item(
            "hygiene",
            FAIL,
            f"{len(found.problems)} file problem(s); {scope}",
            found.problems + found.notes,
        )
    return Item(
        "hygiene",
        WARN if found.notes else PASS,
        f"no secrets, weights, data files or huge files; {scope}",
        found.notes,
    )


def check_lint(ctx: Context) -> Item:
    files = [p for p in (*ctx.repro_dir.glob("*.py"), ctx.space_dir / "app.py") if p.is_file()]
    if not files:
        return Item("lint", FAIL, "no Python code found")
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists() and not shutil.which("ruff"):
        return Item("lint", WARN, "ruff is not installed: pip install ruff")
    # E402 is allowed: Keras 3 scripts set KERAS_BACKEND before importing keras.
    rules = ["--select", "E,F,W", "--ignore", "E402", "--line-length", "100"]
    done = subprocess.run(
        [
            ruff,
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            "--isolated",
            *rules,
            *map(str, files),
        ],
        cwd=ctx.root,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        issues = [line for line in done.stdout.splitlines() if line.strip()]
        return Item("lint", FAIL, f"ruff finds {len(issues) - 1} issue(s)", issues[:10])
    return Item("lint", PASS, f"ruff clean ({len(files)} file(s))")


CHECKLIST: tuple[Callable[[Context], Item], ...] = (
    check_manifest,
    check_smoke,
    check_run,
    check_card,
    check_space,
    check_hygiene,
    check_lint,
)


# -- running -------------------------------------------------------------------------------------
ITEM_NAMES = tuple(check.__name__.removeprefix("check_") for check in CHECKLIST)


def validate(
    root: Path, slug: str, *, smoke: bool = True, fix: bool = False, only: tuple[str, ...] = ()
) -> Validation:
    """Run the checklist on ``reproductions/<slug>``; ``fix`` re-renders card and Space first.

    ``only`` restricts the checklist to the named items (the manifest is always read).
    """
    ctx = Context(Path(root), slug, smoke=smoke)
    if not (ctx.repro_dir / MANIFEST_NAME).is_file():
        from toolkit.errors import UsageError

        raise UsageError(
            f"There is no reproduction named {slug!r}",
            where=str(ctx.repro_dir),
            fix="list them with `sprint status`",
        )
    fixed = apply_fixes(ctx) if fix else []
    items = []
    for check in CHECKLIST:
        name = check.__name__.removeprefix("check_")
        if only and name not in only:
            if name == "manifest":  # later items need the manifest, even when not reported
                check(ctx)
            continue
        try:
            items.append(check(ctx))
        except SprintError as exc:
            items.append(Item(name, FAIL, exc.message))
        except Exception as exc:  # an item must never hide the rest of the checklist
            items.append(
                Item(
                    name,
                    FAIL,
                    f"internal error in this check ({type(exc).__name__}: {exc}); please report it",
                )
            )
    return Validation(slug, items, fixed)


def apply_fixes(ctx: Context) -> list[str]:
    """Re-render the card and regenerate the Space (hand-edited files are backed up)."""
    from toolkit.card import write_card
    from toolkit.space.build import plan_space, write_space

    done = []
    try:
        result = write_card(ctx.repro_dir, force=True)
        if result.changed:
            done.append(
                f"re-rendered {result.path.relative_to(ctx.root)}"
                + (f" (old card kept in {result.backup})" if result.backup else "")
            )
    except SprintError as exc:
        done.append(f"could not re-render the card: {exc.message}")
    try:
        write = write_space(plan_space(ctx.repro_dir, ctx.root))
        if write.written:
            done.append(f"regenerated spaces/{ctx.slug}/ ({', '.join(write.written)})")
    except SprintError as exc:
        done.append(f"could not regenerate the Space: {exc.message}")
    return done


def _changed_lines(old: str, new: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def to_json(validations: list[Validation]) -> str:
    return json.dumps([v.to_dict() for v in validations], indent=2)
