"""The reproductions committed in this repository are consistent with the toolkit: a change
to the card template or the checker must come with re-rendered cards (`sprint card SLUG`),
or a reviewer's `sprint validate` would call them stale; the same holds for the Spaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.card import CARD_NAME, render_card
from toolkit.custom_objects import find_custom_objects
from toolkit.manifest import Manifest
from toolkit.space.build import render_files
from toolkit.space.pins import Verified, pin_requirements
from toolkit.task_kinds import KINDS_WITHOUT_HUB_TASK, PIPELINE_TAGS

REPO = Path(__file__).resolve().parents[1]
SLUGS = sorted(p.parent.name for p in REPO.glob(f"reproductions/*/{CARD_NAME}"))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_committed_card_is_what_sprint_card_renders(slug: str, monkeypatch) -> None:
    monkeypatch.setenv("SPRINT_ROOT", str(REPO))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)  # cards link the public Hub
    folder = REPO / "reproductions" / slug
    committed = (folder / CARD_NAME).read_text(encoding="utf-8")
    assert render_card(folder, existing=committed).text == committed, (
        f"re-render it: sprint card {slug}"
    )


SPACES = sorted(p.parent.name for p in REPO.glob("spaces/*/space_config.json"))


@pytest.mark.parametrize("slug", SPACES)
def test_every_committed_space_app_is_what_its_templates_render(slug: str, monkeypatch) -> None:
    # app.py and custom_objects.py follow from the committed space_config.json and train.py
    # alone (no model needed), so a template change must come with `sprint space SLUG`.
    monkeypatch.setenv("SPRINT_ROOT", str(REPO))
    space, folder = REPO / "spaces" / slug, REPO / "reproductions" / slug
    config = json.loads((space / "space_config.json").read_text(encoding="utf-8"))
    pins = pin_requirements(Verified(), config["backend"], config["family"])
    rendered = render_files(Manifest.load(folder), config, pins)
    assert rendered["app.py"].decode() == (space / "app.py").read_text(encoding="utf-8"), (
        f"regenerate it: sprint space {slug}"
    )
    custom = find_custom_objects(folder)
    shipped = space / "custom_objects.py"
    assert (custom.source if custom else None) == (
        shipped.read_text(encoding="utf-8") if shipped.is_file() else None
    ), f"regenerate it: sprint space {slug}"


HUB_TASK_IDS = set(PIPELINE_TAGS.values())


@pytest.mark.parametrize("slug", SLUGS)
def test_every_committed_card_speaks_the_hubs_language(slug: str) -> None:
    from huggingface_hub import ModelCard

    card = ModelCard.load(REPO / "reproductions" / slug / CARD_NAME)
    data = card.data
    kind = Manifest.load(REPO / "reproductions" / slug).task.kind.replace("_", "-")
    if kind in KINDS_WITHOUT_HUB_TASK:  # the Hub has no task for it: no tag beats a wrong one
        assert data.pipeline_tag is None, f"{slug}: pipeline_tag {data.pipeline_tag!r}"
    else:
        assert data.pipeline_tag in HUB_TASK_IDS, f"{slug}: pipeline_tag {data.pipeline_tag!r}"
    results = data.eval_results or []
    assert {r.task_type for r in results} == {data.pipeline_tag or "other"}
    seen = [(r.source_name, r.dataset_split, r.metric_type, r.metric_value) for r in results]
    assert len(seen) == len(set(seen)), f"{slug}: an eval result is repeated"
    measured = [
        (r.dataset_split, r.metric_type)
        for r in results
        if (r.source_name or "").startswith("keras-sprint")
    ]
    assert len(measured) == len(set(measured)), f"{slug}: one reproduced result per metric"
    assert all("." not in r.dataset_type for r in results), "dataset.type is an id, not a file"
