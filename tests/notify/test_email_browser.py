"""The alert email as a recipient's browser-based client shows it: Chromium at a phone's width
(375 px) and a desktop's (900 px), with a screenshot of each under the test's temporary folder.
Nothing may scroll sideways, and nothing may be fetched: the page is a local file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from rdwatch.models import StoryView
from rdwatch.notify.render import render_alert
from tests.notify.stories import article, photonics_context, photonics_story

if TYPE_CHECKING:
    from playwright.sync_api import Route

CHROMIUM = Path("/usr/bin/chromium")
# root cannot use chromium's sandbox; the rest keeps a headless run quiet and offline
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = (375, 900)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no chromium at {CHROMIUM} (`make browser`)"),
    pytest.mark.timeout(120),
]


def _stress_story() -> StoryView:
    """The photonics story plus an outlet with a very long headline word and URL."""
    story = photonics_story()
    long_one = article(
        7,
        "Photonics" + "x" * 120 + " lab opens",
        "Very Long Outlet Name " * 4,
        url="https://news.example/" + "path-segment-" * 30 + "?utm=" + "q" * 80,
    )
    return photonics_story(articles=(*story.articles, long_one))


@pytest.mark.parametrize("name", ["photonics", "stress"])
def test_email_fits_phone_and_desktop_widths(tmp_path: Path, name: str) -> None:
    from playwright.sync_api import sync_playwright

    story = photonics_story() if name == "photonics" else _stress_story()
    page_file = tmp_path / f"alert-{name}.html"
    page_file.write_text(render_alert(story, "html", context=photonics_context()).body, "utf-8")
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", lambda route: _only_the_file(route, outside))
                page.goto(page_file.as_uri())
                shot = tmp_path / f"alert-{name}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                layout = page.evaluate(
                    """() => ({
                        scroll: document.documentElement.scrollWidth,
                        inner: window.innerWidth,
                        card: document.querySelector('table table').getBoundingClientRect().width,
                        font: parseFloat(getComputedStyle(document.querySelector('p')).fontSize),
                        lead: document.querySelectorAll('p')[1].innerText,
                    })"""
                )
                assert layout["scroll"] <= layout["inner"], (width, layout, shot)
                assert layout["card"] <= min(width, 640) + 1, (width, layout)
                assert layout["font"] >= 12 and "photonic computing laboratory" in layout["lead"]
                assert shot.stat().st_size > 10_000, shot
                page.close()
        finally:
            browser.close()
    assert outside == [], f"the email fetched {outside}"


def _only_the_file(route: Route, outside: list[str]) -> None:
    url = route.request.url
    if url.startswith("file://"):
        route.continue_()
    else:
        outside.append(url)
        route.abort()
