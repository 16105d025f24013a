"""The reproductions committed in this repository are consistent with the toolkit: a change
to the card template or the checker must come with re-rendered cards (`sprint card SLUG`),
or a reviewer's `sprint validate` would call them stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.card import CARD_NAME, render_card

REPO = Path(__file__).resolve().parents[1]
SLUGS = sorted(p.parent.name for p in REPO.glob(f"reproductions/*/{CARD_NAME}"))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_committed_card_is_what_sprint_card_renders(slug: str, monkeypatch) -> None:
    monkeypatch.setenv("SPRINT_ROOT", str(REPO))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)  # cards link the public Hub
    folder = REPO / "reproductions" / slug
    committed = (folder / CARD_NAME).read_text(encoding="utf-8")
    assert render_card(folder, existing=committed).text == committed, (
        f"re-render it: sprint card {slug}")
