"""Every page in a real browser: a Streamlit server on the test warehouse, opened in headless Chromium
(Debian's `chromium` through Playwright). No page may show an exception, each must draw at least one chart
or table, none may have a serious or critical WCAG 2.2 AA violation of our own making (axe-core, installed
from tests/axe/package.json), and each is photographed to tests/screenshots/ (git-ignored) for a person to
look at, at a laptop's width and at a phone's."""

# Fixtures come from tests/dashboard_support.py by import (tests/conftest.py is not ours), so pytest's
# fixture arguments shadow those imports by design:
# ruff: noqa: F811

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.dashboard_support import PAGES, server, warehouse  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
WIDTH, HEIGHT = 1440, 1000
READY_MS = 90_000
DRAWN = '.js-plotly-plot, [data-testid="stDataFrame"]'
PHONE_WIDTH = 390
AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Violations in Streamlit's own markup, which a page of ours cannot change (listed in the README): the sidebar
# navigation's <li> elements sit in wrapper <div>s inside its <ul> (list, listitem), and st.date_input's
# day/month/year fields are react-aria spin buttons smaller than 24 px (target-size).
STREAMLIT_OWN = """(v, n) =>
    (['list', 'listitem'].includes(v.id) && (n.html.includes('stSidebarNavItems') || n.html.startsWith('<li')))
    || (v.id === 'target-size' && n.html.includes('role="spinbutton"'))"""
AXE_RUN = f"""async () => {{
    const own = {STREAMLIT_OWN};
    const result = await axe.run(document, {{runOnly: {{type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}}});
    return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .flatMap(v => v.nodes.filter(n => !own(v, n))
            .map(n => v.id + ': ' + n.target.join(' ') + ' ' + n.html.slice(0, 100)));
}}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert AXE.is_file(), "axe-core is not installed: `make test` installs it (npm ci in tests/axe)"
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Debian's chromium is not installed (`make chromium`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def settle(page: Page) -> None:
    """Wait until the app has finished running: something drawn, and the 'running' indicator gone."""
    page.wait_for_selector(DRAWN, timeout=READY_MS)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=READY_MS)
    page.wait_for_timeout(500)  # let Plotly finish laying out


def screenshot(page: Page, name: str, width: int = WIDTH) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window is made as tall as it."""
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.wait_for_timeout(500)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": max(HEIGHT, int(height) + 40)})
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 AA violations on the page, less Streamlit's own."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN)


@pytest.mark.parametrize("policy_id", ["ctmuhb", "cntw"])
@pytest.mark.parametrize("page_file", list(PAGES))
def test_page_in_a_real_browser(browser: Browser, server: str, page_file: str, policy_id: str) -> None:
    title, path = PAGES[page_file]
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{server}/{path}?policy={policy_id}")
        page.get_by_role("heading", name=title, level=1).wait_for(timeout=READY_MS)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator(DRAWN).count() > 0
        assert accessibility_violations(page) == []
        screenshot(page, f"{policy_id}-{path or 'overview'}")
        screenshot(page, f"{policy_id}-{path or 'overview'}-phone", width=PHONE_WIDTH)
    finally:
        page.close()


def test_the_accessibility_check_sees_a_violation(browser: Browser, server: str) -> None:
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{server}/?policy=cntw")
        settle(page)
        page.evaluate("document.querySelector('[data-testid=\"stMain\"]').insertAdjacentHTML('beforeend', "
                      "'<img src=\"data:,\"><button></button>')")
        found = {v.split(":")[0] for v in accessibility_violations(page)}
        assert {"image-alt", "button-name"} <= found
    finally:
        page.close()


def test_tables_offer_no_download_of_their_own(browser: Browser, server: str) -> None:
    """The queue holds the public's messages: Streamlit's own CSV export would neither neutralise formulas nor be
    logged (`client.disableDataExport`); the product's downloads are the pages' own buttons."""
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{server}/response-times?policy=cntw")
        settle(page)
        page.locator('[data-testid="stDataFrame"]').first.hover()
        toolbar = page.locator('[data-testid="stElementToolbar"] button')
        toolbar.first.wait_for(timeout=READY_MS)
        labels = [button.get_attribute("aria-label") or "" for button in toolbar.all()]
        assert "Search" in labels and not any("ownload" in label for label in labels)
    finally:
        page.close()


def test_sidebar_navigation_keeps_the_filters_in_the_url(browser: Browser, server: str) -> None:
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.goto(f"{server}/?policy=shropshire_ccg&from=2026-09-01&to=2026-09-30&platform=facebook")
        settle(page)
        page.locator('[data-testid="stSidebarNavLink"]', has_text="Decisions").click()
        page.get_by_role("heading", name="Decisions", level=1).wait_for(timeout=READY_MS)
        settle(page)
        page.wait_for_url("**/decisions?*platform=facebook*", timeout=READY_MS)
        assert "policy=shropshire_ccg" in page.url and "from=2026-09-01" in page.url
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
