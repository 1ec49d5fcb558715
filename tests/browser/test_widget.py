"""The drop-in widget on a page from another origin, in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageLog, Sites, screenshot
from tests.browser.test_search_page import UNSAFE_BODY, api_get

pytestmark = pytest.mark.browser


def test_widget_searches_the_api_from_another_origin(page: Page, sites: Sites) -> None:
    page.goto(sites.host_allowed + "/clinic.html")
    box = page.get_by_role("searchbox", name="Search articles")
    with page.expect_response(lambda r: r.url.startswith(sites.api + "/search?")) as answer:
        box.fill("oxygen")
    response = answer.value
    assert response.status == 200
    assert response.headers["access-control-allow-origin"] == sites.host_allowed

    results = page.locator("#medsearch-widget .ms-result")
    expect(results).to_have_count(1)
    expect(results.locator(".ms-title")).to_have_text("Cluster headache and oxygen")
    expect(results).to_have_attribute("href", sites.api + "/read/cluster-headache-oxygen")
    expect(results.locator(".ms-snippet mark")).to_have_text(["oxygen"])
    expect(page.locator("#medsearch-widget .ms-status")).to_have_text("1 result for “oxygen”")
    expect(box).to_have_attribute("aria-expanded", "true")
    screenshot(page, "widget")

    results.click()
    expect(page).to_have_url(sites.api + "/read/cluster-headache-oxygen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cluster headache and oxygen")


def test_widget_takes_the_theme_and_keeps_out_the_page_styles(page: Page, sites: Sites) -> None:
    page.goto(sites.host_allowed + "/clinic.html")
    button = page.get_by_role("button", name="Search")
    # --medsearch-accent from the host page reaches in; its `button { background: lime }`
    # and `li { color: red }` rules do not.
    expect(button).to_have_css("background-color", "rgb(107, 45, 92)")
    page.get_by_role("searchbox", name="Search articles").fill("botox")
    item = page.locator("#medsearch-widget .ms-results li").first
    expect(item).to_be_visible()
    expect(item).not_to_have_css("color", "rgb(255, 0, 0)")
    expect(page.locator("#medsearch-widget mark").first).to_have_css(
        "background-color", "rgb(255, 236, 153)"
    )


def test_widget_is_refused_from_an_origin_not_allowed(
    page: Page, sites: Sites, page_log: PageLog
) -> None:
    page_log.console_errors_expected = True  # Chromium logs the CORS refusal
    page.goto(sites.host_refused + "/clinic.html")
    with page.expect_event("requestfailed") as failed:
        page.get_by_role("searchbox", name="Search articles").fill("oxygen")
    assert failed.value.url == sites.api + "/search?q=oxygen&per_page=5"
    expect(page.locator("#medsearch-widget .ms-status")).to_have_text(
        "Search is not available right now."
    )
    expect(page.locator("#medsearch-widget .ms-result")).to_have_count(0)
    assert any("CORS" in text for text in page_log.console_errors)


def test_widget_is_keyboard_navigable(page: Page, sites: Sites) -> None:
    page.goto(sites.host_allowed + "/short.html")
    box = page.get_by_role("searchbox", name="Search articles")
    box.fill("headache")
    total = api_get(sites, "/search", q="headache")["total"]
    results = page.locator("#medsearch-widget .ms-result")
    expect(results).to_have_count(2)
    more = page.get_by_role("link", name=f"See all {total} results")
    expect(more).to_have_attribute("href", sites.api + "/?q=headache")

    box.press("ArrowDown")
    expect(results.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(more).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(page.locator("#medsearch-widget .ms-panel")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")
    expect(results.nth(0)).to_be_visible()


def test_widget_renders_markup_as_text(page: Page, sites: Sites) -> None:
    page.goto(sites.host_allowed + "/clinic.html")
    box = page.get_by_role("searchbox", name="Search articles")
    box.fill("caffeine")
    snippet = page.locator("#medsearch-widget .ms-snippet")
    expect(snippet).to_have_text(UNSAFE_BODY)
    query = "<img src=x onerror=alert(1)>"
    box.fill(query)
    expect(page.locator("#medsearch-widget .ms-status")).to_have_text(f"1 result for “{query}”")
    assert page.locator("#medsearch-widget img, #medsearch-widget script").count() == 0
