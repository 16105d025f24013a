"""A real browser uses a generated Space: Debian's chromium, headless, driven by Playwright.

The image-classification app runs on localhost as on Spaces (examples cached at start-up,
so the first example's answer shows on first load); the browser uploads an image, clicks
Submit and must see the class the model predicts for the prepared pixels. A screenshot is
saved to tests/screenshots/space_image_classification.png.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from space_fixtures import CASES, running_app, save_model, write_manifest

from toolkit.manifest import Manifest
from toolkit.space import plan_space, write_space

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
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not found:
        pytest.fail(
            f"{CHROMIUM} not found: this test drives Debian's chromium; install it with "
            "`apt-get update && apt-get install -y chromium` "
            "(`playwright install` cannot download browsers offline)"
        )
    return found


def expected_class(model_path: Path, image_path: Path) -> str:
    """The class the model gives the image prepared as the app must prepare it: transparent
    areas on white, greyscale, 28x28, scaled by 1/255."""
    import keras
    from PIL import Image

    rgba = Image.open(image_path).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    pixels = flat.convert("L").resize((28, 28), Image.Resampling.BILINEAR)
    x = np.asarray(pixels, dtype=np.float32)[None, ..., None] / 255.0
    scores = keras.saving.load_model(model_path, compile=False).predict(x, verbose=0)[0]
    return WORDS[int(scores.argmax())]


def test_image_space_in_chromium(tmp_path: Path, chromium: str) -> None:
    from PIL import Image, ImageDraw
    from playwright.sync_api import expect, sync_playwright

    case = CASES["digits"]
    repro = write_manifest(tmp_path, case, title="Digits in a browser")
    manifest = Manifest.load(repro)
    manifest.task.class_names = WORDS  # words: the label shown is unmistakable
    manifest.save(repro)
    model = save_model(case, tmp_path)
    folder = write_space(plan_space(repro, tmp_path, model=str(model))).plan.folder
    upload = tmp_path / "upload.png"  # colour and alpha, not 28x28: the app converts it
    image = Image.new("RGBA", (90, 60), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 10), (70, 10), (40, 55)], fill=(30, 60, 200, 255), width=8)
    image.save(upload)
    want = expected_class(model, upload)

    with running_app(folder, str(model)) as app, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        except Exception as exc:  # a browser that cannot start fails the test, with the reason
            pytest.fail(f"chromium did not start: {exc}")
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(app.url, timeout=120_000)  # a loaded CI machine is slow
            expect(page.get_by_role("heading", name="Digits in a browser")).to_be_visible(
                timeout=60_000
            )
            label = page.locator('[data-testid="label-output-value"]')
            notes = page.get_by_label("How the image was prepared")
            # first load: as on Spaces, the first example's cached answer is already shown
            expect(notes).to_have_value("Resized 112x112 to 28x28.", timeout=60_000)
            expect(label).to_be_visible()
            page.locator("input[type=file]").first.set_input_files(str(upload))
            page.get_by_role("button", name="Submit").click()
            expect(notes).to_have_value(
                "Removed the alpha channel (transparent areas filled); converted to "
                "greyscale; resized 90x60 to 28x28.",
                timeout=60_000,
            )
            expect(label).to_have_text(want)
            expect(page.locator("img").first).to_be_visible()  # the uploaded image's preview
            page.wait_for_timeout(500)  # let the output's fade-in finish before the screenshot
            SCREENSHOTS.mkdir(exist_ok=True)
            shot = SCREENSHOTS / "space_image_classification.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            assert errors == []
        finally:
            browser.close()
