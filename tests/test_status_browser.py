"""A real browser opens the status page from disk: Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from status_fixtures import STAGE_ORDER, build

from toolkit.cli import main

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        pytest.fail(
            f"{CHROMIUM} not found: this test drives Debian's chromium; install it with "
            "`sudo apt-get update && sudo apt-get install -y chromium` "
            "(`playwright install` cannot download browsers offline)"
        )
    return CHROMIUM if Path(CHROMIUM).is_file() else str(shutil.which("chromium"))


def test_status_page_in_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chromium: str
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    for i, stage in enumerate(STAGE_ORDER):
        build(
            tmp_path,
            f"s{i}_{stage.replace('-', '_')}",
            stage,
            title='<script>document.title="pwned"</script>' if i == 0 else "",
        )
    broken = tmp_path / "reproductions" / "broken"
    broken.mkdir()
    (broken / "reproduction.toml").write_text("slug = 'broken'\n[[metrics]\n")
    site = tmp_path / "site"
    assert main(["status", "--html", str(site)]) == 0
    expected = len(STAGE_ORDER) + 1

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto((site / "index.html").as_uri())
            rows = page.locator("#status > tbody > tr.repro")
            assert rows.count() == expected
            assert page.title().startswith("Keras sprint status")  # the script did not run
            assert page.locator("tr#broken .badge.stage-error").is_visible()
            assert page.locator("tr#s3_reproduced_fail .verdict-fail").inner_text() == "fail"
            # thumbnails load from assets/ (naturalWidth is 0 for a broken image)
            widths = page.locator("td.curves img").evaluate_all(
                "imgs => imgs.map(i => i.complete && i.naturalWidth)"
            )
            assert len(widths) == 6 and all(w > 0 for w in widths)
            # the CSS was applied
            color = page.locator("tr#s2_reproduced_pass .badge.stage-reproduced-pass").evaluate(
                "el => getComputedStyle(el).color"
            )
            assert color == "rgb(26, 127, 55)"
            SCREENSHOTS.mkdir(exist_ok=True)
            shot = SCREENSHOTS / "status.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            # the filter hides rows that do not match (progressive enhancement)
            visible = page.locator("#status > tbody > tr.repro:visible")
            page.fill("#filter", "h100 fixture")
            assert visible.count() == 5
            assert page.locator("#shown").inner_text() == f"5 of {expected} shown"
            page.fill("#filter", "")
            page.select_option("#stage-filter", "reproduced-fail")
            assert visible.count() == 1
            assert errors == []
        finally:
            browser.close()
