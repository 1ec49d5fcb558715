"""`/docs` in headless Chromium with every other host blocked, as on a server without internet."""

from __future__ import annotations

import urllib.parse

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Sites, screenshot

pytestmark = pytest.mark.browser


def test_docs_page_works_with_the_network_closed(page: Page, sites: Sites) -> None:
    ours = urllib.parse.urlsplit(sites.api).netloc
    elsewhere: list[str] = []

    def only_our_server(route: Route) -> None:
        url = route.request.url
        if urllib.parse.urlsplit(url).netloc == ours or url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    page.route("**/*", only_our_server)
    page.goto(sites.api + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("medsearch")
    operations = page.locator(".opblock-summary-path")
    expect(operations.filter(has_text="/search")).to_have_count(1)
    # Trying a request from the page reaches our API.
    page.locator(".opblock-summary-path", has_text="/health").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table .response .response-col_status")).to_have_text("200")
    screenshot(page, "docs-offline")
    assert elsewhere == []
