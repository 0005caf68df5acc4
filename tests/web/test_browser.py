"""The web boards in a real headless browser: Debian's Chromium (/usr/bin/chromium), driven
by Playwright, at a phone's viewport, against the real bot serving the sandbox guild.

Never skipped: without Chromium these tests fail and say how to install it (`make
browser-deps`, which `.ci/run` runs first). Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from tests.web.conftest import WebHarness
from tests.web.test_web_e2e import publish, seed_board

CHROMIUM = Path(os.environ.get("KINDLING_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
GOLDEN = Path(__file__).parent / "golden" / "guild_page.json"
GRID = (13, 28)  # the screenshot is compared as a grid of 30×30-pixel grey averages
GOLDEN_TOLERANCE = 5.0  # mean difference per cell, of 255 (an unstyled page is 13)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `make browser-deps` (Debian's "
            "chromium package; `.ci/run` does it) and run the tests again."
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def phone_page(browser: Any) -> Any:
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    return await context.new_page()


def board_names(texts: list[str]) -> list[str]:
    return [t.strip() for t in texts]


async def test_guild_page_shows_the_board_pages_and_hides_a_private_member(
    web_harness: WebHarness, browser: Any
) -> None:
    h = web_harness
    names = await seed_board(h, 12)
    url = await publish(h)
    page = await phone_page(browser)
    response = await page.goto(url)
    assert response is not None and response.status == 200
    assert await page.locator("h1").inner_text() == h.ctl.guild.name
    rows = board_names(await page.locator("ol.board li .who").all_inner_texts())
    assert rows == names[:10]
    assert "Page 1/2" in await page.locator("nav.pager").inner_text()
    body = await page.locator("body").inner_text()
    assert "hiddenhana" not in body
    # fits a phone: nothing wider than the viewport
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    await page.get_by_role("link", name="Next ›").click()
    await page.wait_for_url("**page=2")
    rows = board_names(await page.locator("ol.board li .who").all_inner_texts())
    assert rows == names[10:12]
    assert "Page 2/2" in await page.locator("nav.pager").inner_text()
    assert "hiddenhana" not in await page.locator("body").inner_text()

    await page.get_by_role("link", name="‹ Prev").click()
    await page.wait_for_url("**page=1")
    await page.get_by_role("link", name=names[0]).click()
    assert await page.locator("h1").inner_text() == names[0]
    facts = await page.locator("dl.facts").inner_text()
    assert "#1" in facts  # ranked among the members shown: the private one does not count
    assert await page.locator("figure.heatmap svg rect").count() >= 1
    await page.context.close()


async def test_other_tabs_and_a_missing_page(web_harness: WebHarness, browser: Any) -> None:
    h = web_harness
    await seed_board(h, 3)
    url = await publish(h)
    page = await phone_page(browser)
    await page.goto(url)
    await page.get_by_role("link", name="This week").click()
    await page.wait_for_url("**board=weekly")
    assert "Points this week" in await page.locator("main").inner_text()
    gone = await page.goto(url + "x")
    assert gone is not None and gone.status == 404
    assert "Not found" in await page.locator("h1").inner_text()
    await page.context.close()


def grid_of(png: bytes) -> list[list[float]]:
    image = Image.open(io.BytesIO(png)).convert("L")
    cols, rows = GRID
    cell_w, cell_h = image.width // cols, image.height // rows
    return [
        [
            ImageStat.Stat(
                image.crop((c * cell_w, r * cell_h, (c + 1) * cell_w, (r + 1) * cell_h))
            ).mean[0]
            for c in range(cols)
        ]
        for r in range(rows)
    ]


async def test_screenshot_of_the_guild_page(
    web_harness: WebHarness, browser: Any, tmp_path: Path
) -> None:
    h = web_harness
    await seed_board(h, 12)
    url = await publish(h)
    page = await phone_page(browser)
    await page.goto(url)
    png = await page.screenshot()
    (tmp_path / "guild_page.png").write_bytes(png)
    await page.context.close()
    image = Image.open(io.BytesIO(png))
    assert image.size == (PHONE["width"], PHONE["height"])
    assert 5_000 < len(png) < 1_000_000
    grey = image.convert("L")
    low, high = grey.getextrema()
    assert high - low > 100  # text on a background, not a blank page
    blank = Image.new("L", grey.size, grey.getpixel((2, 2)))
    changed = ImageChops.difference(grey, blank).point(lambda v: 255 if v > 40 else 0)
    inked = ImageStat.Stat(changed).mean[0] / 255
    assert 0.03 < inked < 0.6, inked  # some of the screen is text and board, not all of it
    grid = grid_of(png)
    if os.environ.get("KINDLING_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps([[round(v, 1) for v in row] for row in grid]) + "\n")
    assert GOLDEN.exists(), f"no golden: run with KINDLING_UPDATE_GOLDEN=1 to write {GOLDEN}"
    golden = json.loads(GOLDEN.read_text())
    diff = [
        abs(a - b)
        for row, old in zip(grid, golden, strict=True)
        for a, b in zip(row, old, strict=True)
    ]
    assert sum(diff) / len(diff) < GOLDEN_TOLERANCE, (
        f"the page looks different from {GOLDEN.name} (mean {sum(diff) / len(diff):.1f}); "
        f"see {tmp_path / 'guild_page.png'}; KINDLING_UPDATE_GOLDEN=1 accepts a new look"
    )
