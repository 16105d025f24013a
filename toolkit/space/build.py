"""Generate ``spaces/<slug>/``: a Gradio app, its config, requirements, README and examples.

The app is self-contained (a Space installs ``requirements.txt``, not this toolkit): the
task constants it needs travel in ``space_config.json``. What a visitor reads (title,
description, credits, results) comes from the same facts as the model card.

Re-running never overwrites a file the contributor edited since it was generated (the
hashes of generated files are kept in ``.sprint-space.json``) unless ``force`` is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.card import CardFacts, card_facts, require_custom_objects
from toolkit.custom_objects import FILE_NAME as CUSTOM_OBJECTS_FILE
from toolkit.custom_objects import CustomObjects
from toolkit.errors import ManifestError
from toolkit.fsutil import atomic_write_bytes, atomic_write_json, sha256_bytes
from toolkit.manifest import Manifest, TaskInfo
from toolkit.runs import RunRecord, local_model_run
from toolkit.space.content import USAGE, credits_markdown, front_matter
from toolkit.space.examples import make_examples
from toolkit.space.family import FAMILIES, family_for
from toolkit.space.model_info import ModelSignature, ModelSource, inspect_model, resolve_model
from toolkit.space.pins import Pins, Verified, pin_requirements

SPACES_DIR = "spaces"
RECORD_NAME = ".sprint-space.json"
CONFIG_NAME = "space_config.json"
VOCAB_NAME = "vocab.txt"
# What a running app writes next to itself (cached examples, flags): never committed.
GITIGNORE = b".gradio/\n__pycache__/\n"
APP_TEMPLATES = {
    family: f"{'tabular' if family.startswith('tabular') else family}.py.j2" for family in FAMILIES
}
# What a Space has without asking: its requirements (keras and the backend) and gradio's own.
SPACE_PROVIDES = ("keras", "numpy", "pandas", "PIL", "huggingface_hub", "gradio")
CLASSIFIERS = ("image_classification", "text_classification", "tabular_classification")


@dataclass
class SpacePlan:
    """A Space rendered in memory, before anything is written."""

    slug: str
    folder: Path
    family: str
    files: dict[str, bytes]
    config: dict[str, Any]
    pins: Pins
    model: ModelSource | None
    signature: ModelSignature | None
    repo_id: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class SpaceWrite:
    """What writing a plan did to the folder."""

    plan: SpacePlan
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by hand: left alone
    removed: list[str] = field(default_factory=list)


def space_folder(root: Path, slug: str) -> Path:
    return Path(root) / SPACES_DIR / slug


def plan_space(repro_dir: Path, root: Path, *, model: str | None = None) -> SpacePlan:
    """Render the Space of the reproduction in ``repro_dir`` (nothing is written).

    ``model`` is a ``.keras`` path or a Hub repo id; by default the model the card
    publishes (the median run of the latest set). A local model is loaded once to check
    the manifest's task against it.
    """
    repro_dir = Path(repro_dir)
    manifest = Manifest.load(repro_dir)
    facts = card_facts(repro_dir, manifest)
    family = family_for(manifest.task.kind)
    warnings = []
    if family == "generic":
        warnings.append(
            f"[task] kind {manifest.task.kind!r} has no dedicated demo: the Space "
            "shows the model's raw inputs and outputs (set kind to one of "
            f"{', '.join(f for f in FAMILIES if f != 'generic')} for a better one)"
        )
    run = facts.model_run or (facts.check.runs[0] if facts.check.runs else None)
    source = resolve_model(model, run)
    custom = require_custom_objects(facts)
    inspected = source.path if source else None
    if source is None:  # the published weights are elsewhere: any local run shows the shapes
        inspected = getattr(local_model_run(repro_dir), "model_path", None)
    signature = (
        inspect_model(inspected, custom.load() if custom else None, submodel=manifest.task.submodel)
        if inspected
        else None
    )
    if signature is None:
        warnings.append("no local model to inspect: the manifest's [task] is trusted as is")
    elif source is None:
        warnings.append(
            f"the published run's weights are not here: the model's inputs and "
            f"outputs were read from {inspected} (not served)"
        )
    family_checks(manifest, family, signature)
    verified = verified_versions(facts, run)
    pins = pin_requirements(verified, manifest.run.backend, family)
    repo_id = manifest.hub.repo_id or (source.repo_id if source else "")
    if not repo_id:
        warnings.append(
            "the manifest has no [hub] repo_id yet (run `sprint push` first): the "
            "app only works with SPRINT_MODEL_PATH set"
        )

    shape = input_shape(manifest, signature)
    examples = make_examples(
        family,
        shape=shape,
        class_names=manifest.task.class_names,
        features=tabular_features(manifest, signature) if family.startswith("tabular") else None,
    )
    files = {**examples.files, ".gitignore": GITIGNORE}
    if custom:
        files[CUSTOM_OBJECTS_FILE] = custom_objects_file(custom, pins.backend)
    if family == "text_classification" and manifest.task.vocabulary:
        files[VOCAB_NAME] = read_vocabulary(repro_dir, manifest.task.vocabulary)
    title = manifest.example.title or manifest.slug
    config = {
        "slug": manifest.slug,
        "family": family,
        "task_kind": manifest.task.kind,
        "title": title,
        "description": "\n\n".join(filter(None, (manifest.example.description, USAGE[family]))),
        "article": credits_markdown(facts, repo_id, verified.sentence),
        "model_repo": repo_id,
        "backend": pins.backend,
        "input_shape": list(shape),
        "input_scale": manifest.task.input_scale,
        "class_names": manifest.task.class_names,
        "top_k": min(5, len(manifest.task.class_names)) or 5,
        "feature_names": manifest.task.feature_names,
        "vocabulary_file": VOCAB_NAME if VOCAB_NAME in files else None,
        "custom_objects_file": CUSTOM_OBJECTS_FILE if custom else None,
        "submodel": manifest.task.submodel,
        "environment": manifest.task.environment,
        "examples": examples.rows,
    }
    files[CONFIG_NAME] = (json.dumps(config, indent=2, ensure_ascii=False) + "\n").encode()
    files |= render_files(manifest, config, pins)
    return SpacePlan(
        manifest.slug,
        space_folder(root, manifest.slug),
        family,
        files,
        config,
        pins,
        source,
        signature,
        repo_id,
        warnings + pins.notes,
    )


def custom_objects_file(custom: CustomObjects, backend: str) -> bytes:
    """``custom_objects.py`` for the Space, whose imports its requirements must cover."""
    missing = [name for name in custom.imports if name not in SPACE_PROVIDES and name != backend]
    if missing:
        raise ManifestError(
            f"The model's custom Keras objects import {', '.join(missing)}, which the Space "
            "does not install",
            where=f"the reproduction's {custom.origin}",
            fix="use keras.ops (or numpy) in the custom layers instead, or write "
            f"{CUSTOM_OBJECTS_FILE} by hand without those imports",
        )
    return custom.source.encode()


def verified_versions(facts: CardFacts, run: RunRecord | None) -> Verified:
    """What the run the Space serves recorded (as the card reads it); empty without a run."""
    if run is None:
        return Verified()
    ran = next(r for r in facts.runs if r.run_id == run.run_id)
    return Verified(
        f"run {run.run_id}",
        ran.backend,
        ran.keras,
        ran.backend_version,
        str(run.env().get("python", "")),
    )


def render_files(manifest: Manifest, config: dict[str, Any], pins: Pins) -> dict[str, bytes]:
    """app.py, requirements.txt and README.md from the templates."""
    env = _jinja()
    family, repo_id = config["family"], config["model_repo"]
    context = {
        "slug": manifest.slug,
        "title": config["title"],
        "family": family,
        "model_repo": repo_id,
        "pins": pins,
        "description": config["description"],
        "article": config["article"],
        "custom_objects": config["custom_objects_file"],
        "submodel": config["submodel"],
        "front_matter": front_matter(manifest, family, pins, repo_id, config["title"]),
    }
    return {
        name: env.get_template(template).render(context).encode()
        for name, template in (
            ("app.py", APP_TEMPLATES[family]),
            ("requirements.txt", "requirements.txt.j2"),
            ("README.md", "README.md.j2"),
        )
    }


def input_shape(manifest: Manifest, signature: ModelSignature | None) -> tuple[int | None, ...]:
    """The first input's shape: the model's, free sizes filled from the manifest."""
    declared = tuple(manifest.task.input_shape)
    if not signature or not signature.inputs:
        return declared
    shape = signature.inputs[0].shape
    if len(declared) != len(shape):
        return shape
    return tuple(size if size is not None else declared[i] for i, size in enumerate(shape))


def tabular_features(manifest: Manifest, signature: ModelSignature | None) -> list[tuple[str, str]]:
    """(name, dtype) of each feature: the model's named inputs, or the manifest's names."""
    if signature and len(signature.inputs) > 1:
        return [(spec.name, spec.dtype) for spec in signature.inputs]
    shape = input_shape(manifest, signature)
    width = shape[-1] if shape else None
    names = manifest.task.feature_names or [f"x{i}" for i in range(width or 0)]
    if not names:
        raise ManifestError(
            "A tabular Space needs its feature names or count",
            where="[task] in the manifest",
            fix="set [task] feature_names = [...] (or input_shape = [N_FEATURES]), or pass "
            "--model so the model's inputs can be read",
        )
    if width is not None and len(names) != width:
        raise ManifestError(
            f"[task] feature_names has {len(names)} names but the model reads {width} features",
            where="[task] feature_names",
            fix=f"list exactly {width} feature names, in order",
        )
    return [(name, "float32") for name in names]


def family_checks(manifest: Manifest, family: str, signature: ModelSignature | None) -> None:
    """Refuse a Space whose manifest contradicts the model it serves."""
    task = manifest.task
    if (
        family == "text_classification"
        and task.vocabulary == ""
        and signature
        and signature.inputs
        and "string" not in signature.inputs[0].dtype
    ):
        raise ManifestError(
            "The text model reads token ids, but the manifest names no vocabulary",
            where="[task] vocabulary",
            fix="save the vocabulary (one token per line, line i = id i; "
            "TextVectorization.get_vocabulary() gives it) and set [task] vocabulary to its "
            "path relative to the reproduction folder",
        )
    if not signature or not signature.inputs:
        return
    shape = signature.inputs[0].shape
    declared = tuple(task.input_shape)
    if declared and (
        len(declared) != len(shape)
        or any(
            size is not None and size != want for size, want in zip(shape, declared, strict=True)
        )
    ):
        raise ManifestError(
            f"[task] input_shape {list(declared)} does not match the model's input {list(shape)}",
            where="[task] input_shape",
            fix=f"set input_shape = {[s for s in shape]} (without the batch axis)",
        )
    if family in ("image_classification", "image_to_image") and not (
        len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3))
    ):
        raise ManifestError(
            f"[task] kind {task.kind!r} needs an image input (height, width, 1 or 3 "
            f"channels); the model's input is {list(shape)}",
            where="[task] kind",
            fix="correct the kind, or use kind = 'generic' for a raw-inputs demo",
        )
    if family == "generative" and len(signature.inputs) != 1:
        raise ManifestError(
            f"The generative demo feeds one latent input; the model has {len(signature.inputs)}",
            where="[task] kind",
            fix="use kind = 'generic' for a raw-inputs demo",
        )
    if family == "similarity":
        similarity_checks(task, signature)
    if family == "policy":
        policy_checks(task, signature)
    if family in CLASSIFIERS and task.class_names and signature.outputs:
        units = (signature.outputs[0].shape or (1,))[-1]
        if units != len(task.class_names) and not (units == 1 and len(task.class_names) == 2):
            raise ManifestError(
                f"[task] class_names has {len(task.class_names)} names but the model outputs "
                f"{units} scores",
                where="[task] class_names",
                fix=f"list exactly {units} class names in the order of the model's outputs",
            )


def similarity_checks(task: TaskInfo, signature: ModelSignature) -> None:
    """The similarity demo feeds two images of one shape and reads one number per pair."""
    shapes = [spec.shape for spec in signature.inputs]
    fix = "use kind = 'generic' for a raw-inputs demo"
    if len(shapes) != 2:
        raise ManifestError(
            f"The similarity demo feeds two images; the model has {len(shapes)} input(s)",
            where="[task] kind",
            fix=fix,
        )
    if shapes[0] != shapes[1] or not (
        len(shapes[0]) == 2 or (len(shapes[0]) == 3 and shapes[0][2] in (1, 3))
    ):
        raise ManifestError(
            "The similarity demo needs two image inputs of one shape (height, width, 1 or 3 "
            f"channels); the model's inputs are {[list(s) for s in shapes]}",
            where="[task] kind",
            fix=fix,
        )
    units = signature.outputs[0].shape if signature.outputs else ()
    if len(units) > 1 or (units and units[0] not in (1, None)):
        raise ManifestError(
            f"The similarity demo reads one number per pair; the model outputs {list(units)}",
            where="[task] kind",
            fix="output the distance (or similarity) as one unit, or use kind = 'generic'",
        )
    if task.class_names and len(task.class_names) != 2:
        raise ManifestError(
            f"[task] class_names has {len(task.class_names)} names; a similarity model has two "
            "verdicts",
            where="[task] class_names",
            fix="name the verdict at or below the threshold first, then the one above it, "
            "e.g. ['same', 'different'] for a distance",
        )


def policy_checks(task: TaskInfo, signature: ModelSignature) -> None:
    """The policy demo feeds one observation vector and reads one score per action."""
    fix = "use kind = 'generic' for a raw-inputs demo"
    if not task.environment:
        raise ManifestError(
            "The policy demo runs the agent in its environment, but the manifest names none",
            where="[task] environment",
            fix="set environment to the gymnasium id the agent was trained in, e.g. "
            "environment = 'CartPole-v1'",
        )
    if len(signature.inputs) != 1 or len(signature.inputs[0].shape) != 1:
        raise ManifestError(
            "The policy demo feeds one observation vector; the model's inputs are "
            f"{[list(spec.shape) for spec in signature.inputs]}",
            where="[task] kind",
            fix=fix,
        )
    units = signature.outputs[0].shape if signature.outputs else ()
    if len(units) != 1:
        raise ManifestError(
            "The policy demo reads one score (probability or value) per action from the first "
            f"output; it is {list(units)}",
            where="[task] kind",
            fix="make the first output the actions' scores, or use kind = 'generic'",
        )
    if task.class_names and units[0] is not None and len(task.class_names) != units[0]:
        raise ManifestError(
            f"[task] class_names has {len(task.class_names)} names but the model scores "
            f"{units[0]} actions",
            where="[task] class_names",
            fix=f"name exactly {units[0]} actions, in the order of the model's outputs",
        )


def read_vocabulary(repro_dir: Path, relative: str) -> bytes:
    path = Path(repro_dir) / relative
    if not path.is_file():
        raise ManifestError(
            f"The vocabulary file {path} does not exist",
            where="[task] vocabulary",
            fix="save the vocabulary there (one token per line) or correct the path",
        )
    return path.read_bytes()


def _jinja():
    from toolkit.templating import environment

    return environment("space")


def write_space(plan: SpacePlan, *, force: bool = False) -> SpaceWrite:
    """Write ``plan`` into its folder; files edited since the last generation are kept
    (and reported) unless ``force``. Generated files the plan no longer has are removed."""
    folder = plan.folder
    record_path = folder / RECORD_NAME
    try:
        recorded: dict[str, str] = json.loads(record_path.read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        recorded = {}
    result = SpaceWrite(plan)
    hashes = {}
    for name, data in plan.files.items():
        path = folder / name
        old = path.read_bytes() if path.is_file() else None
        if old == data:
            result.unchanged.append(name)
        elif old is not None and not force and recorded.get(name) != sha256_bytes(old):
            result.kept.append(name)
            continue
        else:
            atomic_write_bytes(path, data)
            result.written.append(name)
        hashes[name] = sha256_bytes(data)
    for name, digest in recorded.items():
        path = folder / name
        if name in plan.files or not path.is_file():
            continue
        if force or sha256_bytes(path.read_bytes()) == digest:
            path.unlink()
            result.removed.append(name)
        else:
            result.kept.append(name)
    for name in result.kept:  # keep protecting what was generated before
        if name in recorded:
            hashes[name] = recorded[name]
    atomic_write_json(record_path, {"generated_by": "sprint space", "files": hashes})
    return result
