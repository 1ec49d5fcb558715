"""The search page and the article page in headless Chromium, against a real server."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PER_PAGE, PageLog, Sites, screenshot

pytestmark = pytest.mark.browser

UNSAFE_BODY = (
    'Editors sometimes paste code like <script>alert("x")</script> and '
    '<img src=x onerror=alert(1)> into an article about caffeine & "sleep".'
)


def api_get(sites: Sites, path: str, **params: Any) -> Any:
    """The API's own answer, to compare the page with."""
    url = sites.api + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def titles_from_api(sites: Sites, query: str, page: int = 1) -> list[str]:
    """Titles of one page of results, as the API ranks them."""
    body = api_get(sites, "/search", q=query, page=page)
    return [hit["title"] for hit in body["results"]]


def expect_titles(page: Page, titles: list[str]) -> None:
    """The page shows exactly these results, in this order (waiting for it to render them)."""
    shown = page.locator("#results .result-title")
    if titles:
        expect(shown).to_have_text(titles)
    else:
        expect(shown).to_have_count(0)


def search_for(page: Page, text: str) -> None:
    """Type into the search box and press Enter, as a reader does."""
    box = page.get_by_role("combobox", name="Search articles")
    box.fill(text)
    box.press("Enter")


def test_page_search_shows_ranked_results_with_highlighted_snippets(
    page: Page, sites: Sites
) -> None:
    documents = api_get(sites, "/health")["documents"]
    page.goto(sites.api + "/")
    expect(page.locator(".intro")).to_contain_text(f"Search {documents} articles")
    search_for(page, "botox")

    expect(page).to_have_url(sites.api + "/?q=botox")
    expect(page.locator("#summary")).to_have_text("2 results for “botox”")
    expect_titles(page, ["Botox for chronic migraine", "Tension-type headache"])
    first = page.locator("#results .result").first
    expect(first.locator(".author")).to_have_text("Dr. Ada Finch")
    expect(first.locator("time")).to_have_attribute("datetime", "2012-03-14")
    expect(first.locator(".result-title a")).to_have_attribute(
        "href", "/read/botox-for-chronic-migraine"
    )
    second_marks = page.locator("#results .result").nth(1).locator(".snippet mark")
    expect(second_marks).to_have_text(["Botox"])
    assert page.title() == "botox – Search articles – medsearch"
    screenshot(page, "search-page", full_page=True)


def test_page_paginates_and_back_button_restores_each_page(page: Page, sites: Sites) -> None:
    total = api_get(sites, "/search", q="headache")["total"]
    pages = -(-total // PER_PAGE)
    assert pages >= 2
    page.goto(sites.api + "/?q=headache")
    expect(page.locator("#summary")).to_have_text(
        f"{total} results for “headache”, page 1 of {pages}"
    )
    expect_titles(page, titles_from_api(sites, "headache", 1))

    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(sites.api + "/?q=headache&page=2")
    expect(page.locator("#summary")).to_have_text(
        f"{total} results for “headache”, page 2 of {pages}"
    )
    expect_titles(page, titles_from_api(sites, "headache", 2))
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    # Keyboard and screen-reader users land on the new results, not at the top of the page.
    expect(page.locator("#results-heading")).to_be_focused()

    page.go_back()
    expect(page).to_have_url(sites.api + "/?q=headache")
    expect(page.locator("#summary")).to_have_text(
        f"{total} results for “headache”, page 1 of {pages}"
    )
    expect_titles(page, titles_from_api(sites, "headache", 1))
    page.go_forward()
    expect(page.locator("#summary")).to_contain_text(f"page 2 of {pages}")


def test_page_opens_a_shared_link_directly(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=headache&page=2")
    expect(page.locator("#summary")).to_contain_text("page 2 of")
    expect(page.get_by_role("combobox", name="Search articles")).to_have_value("headache")
    expect_titles(page, titles_from_api(sites, "headache", 2))


def test_page_result_opens_article_and_back_returns_to_results(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=oxygen")
    page.get_by_role("link", name="Cluster headache and oxygen").click()

    expect(page).to_have_url(sites.api + "/read/cluster-headache-oxygen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cluster headache and oxygen")
    expect(page.locator("#article-meta .author")).to_have_text("Dr. Basil Moreau")
    expect(page.locator("#article-meta time")).to_have_text("January 10, 2020")
    expect(page.locator("#article-body")).to_contain_text("Breathing pure oxygen")
    assert page.title() == "Cluster headache and oxygen – medsearch"
    screenshot(page, "article-page", full_page=True)

    page.get_by_role("link", name="‹ Back to results").click()
    expect(page).to_have_url(sites.api + "/?q=oxygen")
    expect_titles(page, ["Cluster headache and oxygen"])
    page.go_forward()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cluster headache and oxygen")
    page.go_back()
    expect(page.get_by_role("combobox", name="Search articles")).to_have_value("oxygen")


def test_page_unknown_article_shows_the_api_detail(
    page: Page, sites: Sites, page_log: PageLog
) -> None:
    page_log.console_errors_expected = True  # the browser logs the 404 response
    detail = "no article with id 'no-such-article'"
    page.goto(sites.api + "/read/no-such-article")
    expect(page.locator("#status")).to_have_text("This article was not found.")
    expect(page.get_by_role("alert")).to_contain_text(re.compile(detail, re.IGNORECASE))


def test_page_empty_state_suggests_what_to_try(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=zebra")
    expect(page.locator("#summary")).to_have_text("No results for “zebra”")
    expect(page.locator(".empty h3")).to_have_text("Nothing found")
    expect_titles(page, [])
    expect(page.locator("#pagination")).to_be_hidden()


def test_page_error_state_shows_the_api_detail(page: Page, sites: Sites, page_log: PageLog) -> None:
    page_log.console_errors_expected = True  # the browser logs the 400 response
    page.goto(sites.api + "/")
    search_for(page, '"unclosed phrase')
    alert = page.get_by_role("alert")
    expect(alert.locator(".error-detail")).to_have_text(
        'The query has an unclosed quote ("); close the phrase with a second quote or remove '
        "the quote."
    )
    expect(alert.get_by_role("heading")).to_have_text("Please change the search")
    expect(page.locator("#summary")).to_have_text("")
    screenshot(page, "search-page-error")


def test_page_renders_article_markup_as_text(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=caffeine")
    snippet = page.locator("#results .snippet")
    expect(snippet).to_have_text(UNSAFE_BODY)
    expect(snippet.locator("mark")).to_have_text(["caffeine"])
    assert page.locator("main script, main img, main iframe").count() == 0

    page.get_by_role("link", name="Markup in an article").click()
    expect(page.locator("#article-body")).to_have_text(UNSAFE_BODY)
    assert page.locator("main script, main img, main iframe").count() == 0
    screenshot(page, "article-page-markup")


def test_page_query_with_markup_stays_text(page: Page, sites: Sites) -> None:
    query = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
    page.goto(sites.api + "/")
    search_for(page, query)
    expect(page.locator("#summary")).to_contain_text(f"for “{query}”")
    expect(page.get_by_role("combobox", name="Search articles")).to_have_value(query)
    assert page.locator("body img, main script").count() == 0
    assert page.evaluate("document.title") == f"{query} – Search articles – medsearch"


def test_page_has_landmarks_labels_and_a_live_result_count(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/?q=migraine")
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("search")).to_have_count(1)
    box = page.get_by_role("combobox", name="Search articles")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-controls", "suggestions")
    status = page.get_by_role("status").filter(has_text="results for")
    total = api_get(sites, "/search", q="migraine")["total"]
    expect(status).to_have_text(f"{total} results for “migraine”")
    expect(status).to_have_attribute("aria-live", "polite")
    # Keyboard only: Tab from the box reaches the search button, then the first result.
    box.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_focused()


def test_page_fits_a_phone_screen(phone_page: Page, sites: Sites) -> None:
    page = phone_page
    page.goto(sites.api + "/?q=headache")
    expect(page.locator("#summary")).to_contain_text("results for “headache”")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "search-page-phone", full_page=True)
    toggle = page.get_by_role("button", name="Filters")
    if toggle.is_visible():  # the API offers facets: on a phone they wait behind this button
        expect(page.locator("#filters")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#filters")).to_be_visible()
        screenshot(page, "search-page-phone-filters")


# (API snippet HTML, text shown, texts of the <mark> elements made)
HIGHLIGHT_CASES = [
    ("a <mark>b</mark> c", "a b c", ["b"]),
    (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>x</mark>",
        "<script>alert(1)</script> & x",
        ["x"],
    ),
    ("&lt;mark&gt;not a mark&lt;/mark&gt;", "<mark>not a mark</mark>", []),
    (
        "<mark><img src=x onerror=alert(1)></mark>",
        "<img src=x onerror=alert(1)>",
        ["<img src=x onerror=alert(1)>"],
    ),
    ("<b>bold</b> <MARK>up</MARK> <mark>open", "<b>bold</b> up open", ["up", "open"]),
    ("&amp;lt; &#60; &#x3E; &bogus; &#0;", "&lt; < > &bogus; &#0;", []),
]


def test_page_highlight_renderer_makes_only_mark_elements(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/")
    rendered = page.evaluate(
        """cases => cases.map(([html]) => {
            const box = document.createElement("p");
            medsearchCore.appendHighlighted(box, html);
            return [
                box.textContent,
                Array.from(box.querySelectorAll("*"), (node) => node.tagName),
                Array.from(box.querySelectorAll("mark"), (node) => node.textContent),
            ];
        })""",
        [list(case) for case in HIGHLIGHT_CASES],
    )
    expected = [[text, ["MARK"] * len(marks), marks] for _, text, marks in HIGHLIGHT_CASES]
    assert rendered == expected


def test_page_says_did_you_mean_and_shows_corrected_results(page: Page, sites: Sites) -> None:
    corrected = api_get(sites, "/search", q="migrane")
    assert (corrected["did_you_mean"], corrected["corrected"]) == ("migraine", True)
    page.goto(sites.api + "/?q=migrane")
    expect(page.locator("#did-you-mean")).to_have_text(
        "No results for “migrane”. Showing results for migraine."
    )
    expect(page.locator("#summary")).to_have_text(f"{corrected['total']} results for “migraine”")
    expect_titles(page, [hit["title"] for hit in corrected["results"]])
    screenshot(page, "search-page-corrected")

    hinted = api_get(sites, "/search", q="oxygen headahce")
    assert (hinted["did_you_mean"], hinted["corrected"]) == ("oxygen headache", False)
    page.goto(sites.api + "/?q=oxygen+headahce")
    expect(page.locator("#did-you-mean")).to_have_text("Did you mean oxygen headache?")
    page.get_by_role("link", name="oxygen headache").click()
    expect(page).to_have_url(sites.api + "/?q=oxygen+headache")
    expect(page.locator("#did-you-mean")).to_be_hidden()
    expect_titles(page, titles_from_api(sites, "oxygen headache"))


def test_page_query_syntax_is_behind_search_tips(page: Page, sites: Sites) -> None:
    page.goto(sites.api + "/")
    expect(page.locator(".intro")).to_be_visible()
    tips = page.locator("#search-tips li")
    # The empty page speaks to readers; the syntax waits behind "Search tips".
    expect(page.get_by_text("title:botox")).to_be_hidden()
    page.get_by_text("Search tips").click()
    expect(tips.filter(has_text="title:botox")).to_be_visible()
    expect(tips).to_have_count(5)
    screenshot(page, "search-tips")
