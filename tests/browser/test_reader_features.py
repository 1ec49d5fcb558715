"""Facets, sorting, suggestions and related articles on the pages (the API's reader features).

The pages turn these parts on only when the API's OpenAPI document declares them; the last test
checks that each part is shown exactly when the API offers it.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Sites, screenshot
from tests.browser.test_search_page import api_get, expect_titles, titles_from_api

pytestmark = pytest.mark.browser


def facet_button(page: Page, facet: str, value: str) -> Locator:
    """The button of one facet value."""
    return page.locator(f'.facet-value[data-facet="{facet}"][data-value="{value}"]')


def offered(sites: Sites) -> dict[str, bool]:
    """Which reader features the API declares in its OpenAPI document."""
    spec = api_get(sites, "/openapi.json")
    search_params = {p["name"] for p in spec["paths"]["/search"]["get"].get("parameters", [])}
    return {
        "facets": {"facets", "author", "from", "to"} <= search_params,
        "sort": "sort" in search_params,
        "tag filter": "tag" in search_params and "q" not in _required(spec),
        "suggestions": "/suggest" in spec["paths"],
        "related articles": "/articles/{article_id}/related" in spec["paths"],
    }


def _required(spec: dict[str, Any]) -> set[str]:
    parameters = spec["paths"]["/search"]["get"].get("parameters", [])
    return {p["name"] for p in parameters if p.get("required")}


def test_page_facet_click_filters_and_back_unfilters(page: Page, sites: Sites) -> None:
    total = api_get(sites, "/search", q="headache")["total"]
    page.goto(sites.api + "/?q=headache")
    expect(page.locator("#summary")).to_contain_text(f"{total} results for “headache”")
    facets = api_get(sites, "/search", q="headache", facets="author,tag,year")["facets"]
    shown = page.locator('.facet-value[data-facet="author"]')
    expect(shown).to_have_count(len(facets["author"]))
    author = facet_button(page, "author", "Dr. Basil Moreau")
    expect(author).to_have_attribute("aria-pressed", "false")
    expect(author.locator(".facet-count")).to_have_text("(2 articles)")
    screenshot(page, "search-page-facets", full_page=True)

    author.click()
    expect(page).to_have_url(sites.api + "/?q=headache&author=Dr.+Basil+Moreau")
    expect(page.locator("#summary")).to_have_text("2 results for “headache”")
    expected = api_get(sites, "/search", q="headache", author="Dr. Basil Moreau")
    expect_titles(page, [hit["title"] for hit in expected["results"]])
    expect(facet_button(page, "author", "Dr. Basil Moreau")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(facet_button(page, "author", "Dr. Basil Moreau")).to_be_focused()
    expect(page.get_by_role("link", name="Remove filter Author: Dr. Basil Moreau")).to_be_visible()

    facet_button(page, "year", "2020").click()
    expect(page).to_have_url(
        sites.api + "/?q=headache&author=Dr.+Basil+Moreau&from=2020-01-01&to=2020-12-31"
    )
    expect_titles(page, ["Cluster headache and oxygen"])

    page.go_back()
    expect(page.locator("#summary")).to_have_text("2 results for “headache”")
    page.get_by_role("link", name="Remove filter Author: Dr. Basil Moreau").click()
    expect(page).to_have_url(sites.api + "/?q=headache")
    expect(page.locator("#summary")).to_contain_text(f"{total} results for “headache”")


def test_page_sorts_by_date(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=headache")
    page.get_by_label("Sort by").select_option("date")
    expect(page).to_have_url(sites.api + "/?q=headache&sort=date")
    expected = api_get(sites, "/search", q="headache", sort="date")["results"]
    expect(page.locator("#results .result-title")).to_have_text([h["title"] for h in expected])
    dates = page.locator("#results time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert dates == sorted(dates, reverse=True)


def test_page_tag_links_refine_a_search_or_list_a_topic(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=headache")
    page.locator("#results .result", has_text="Cluster headache and oxygen").locator(
        "a.tag", has_text="treatment"
    ).click()
    expect(page).to_have_url(sites.api + "/?q=headache&tag=treatment")
    refined = api_get(sites, "/search", q="headache", tag="treatment")
    expect(page.locator("#results .result-title")).to_have_text(
        [hit["title"] for hit in refined["results"]]
    )

    page.goto(sites.api + "/read/cluster-headache-oxygen")
    page.locator("#article-tags a", has_text="treatment").click()
    expect(page).to_have_url(sites.api + "/?tag=treatment")
    listed = api_get(sites, "/search", tag="treatment")
    total = listed["total"]
    expect(page.locator("#summary")).to_have_text(f"{total} article{'' if total == 1 else 's'}")
    expect(page.locator("#results .result-title")).to_have_text(
        [hit["title"] for hit in listed["results"]]
    )
    expect(page.locator("#sort-control")).to_be_hidden()


def test_page_suggestions_are_keyboard_navigable(page: Page, sites: Sites) -> None:
    expected = api_get(sites, "/suggest", q="mig", limit=8)["suggestions"]
    assert expected
    page.goto(sites.api + "/")
    box = page.get_by_role("combobox", name="Search articles")
    box.press_sequentially("mig", delay=30)
    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(options).to_have_text(expected)
    expect(box).to_have_attribute("aria-expanded", "true")
    screenshot(page, "search-page-suggestions")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page).to_have_url(sites.api + "/?q=" + expected[0].replace(" ", "+"))
    expect(box).to_have_value(expected[0])
    expect(box).to_have_attribute("aria-expanded", "false")
    expect_titles(page, titles_from_api(sites, expected[0]))

    box.fill("")
    box.press_sequentially("mig", delay=30)
    expect(options).to_have_count(len(expected))
    box.press("Escape")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_hidden()


def test_article_page_shows_related_articles(page: Page, sites: Sites) -> None:
    related = api_get(sites, "/articles/botox-for-chronic-migraine/related", limit=3)["results"]
    assert related
    page.goto(sites.api + "/read/botox-for-chronic-migraine")
    section = page.get_by_role("region", name="Continue reading")
    expect(section.get_by_role("link")).to_have_text([item["title"] for item in related])
    expect(section.get_by_role("link", name="Botox for chronic migraine")).to_have_count(0)
    screenshot(page, "article-page-related", full_page=True)
    section.get_by_role("link").first.click()
    expect(page).to_have_url(sites.api + "/read/" + related[0]["id"])


def test_page_shows_exactly_the_parts_the_api_offers(page: Page, sites: Sites) -> None:
    features = offered(sites)
    page.goto(sites.api + "/?q=headache")
    expect(page.locator("#summary")).to_contain_text("results for “headache”")
    expect(page.locator("#sort-control")).to_be_visible(visible=features["sort"])
    expect(page.locator("#filters")).to_be_visible(visible=features["facets"])

    box = page.get_by_role("combobox", name="Search articles")
    box.fill("")
    box.press_sequentially("mig", delay=30)
    listbox = page.get_by_role("listbox", name="Suggestions")
    if features["suggestions"]:
        expect(listbox).to_be_visible()
    else:
        page.wait_for_timeout(500)  # past the typing delay: a request would have answered
        expect(listbox).to_be_hidden()
        expect(box).to_have_attribute("aria-expanded", "false")

    page.goto(sites.api + "/read/botox-for-chronic-migraine")
    expect(page.get_by_role("heading", level=1)).to_have_text("Botox for chronic migraine")
    expect(page.locator("html[data-ready]")).to_have_count(1)
    expect(page.locator("#related")).to_be_visible(visible=features["related articles"])
