"""Snippet controls on /search: passage length and count, highlight tag, highlighted titles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from whoosh.analysis import StandardAnalyzer

from indexer.build import build_index
from search_api.query.snippets import make_snippet
from tests.conftest import write_article

WORDS_ANALYZER_TERMS = frozenset({"alpha", "omega"})


def _first(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    hit: dict[str, Any] = response.json()["results"][0]
    return hit


def test_snippet_words_sets_passage_length(client: TestClient) -> None:
    hit = _first(client, q="twelve weeks", snippet_words=5)
    assert hit["snippet"] == "\u2026every <mark>twelve</mark> <mark>weeks</mark>. People with\u2026"


def test_snippet_fragments_show_separate_passages_in_text_order(client: TestClient) -> None:
    hit = _first(client, q="attacks sumatriptan", snippet_words=6, snippet_fragments=2)
    assert hit["id"] == "cluster-headache-oxygen"
    assert hit["snippet"] == (
        "\u2026headache <mark>attacks</mark> are short and severe, \u2026 many "
        "<mark>attacks</mark>. <mark>Sumatriptan</mark> injections work too."
    )


def test_snippet_fragments_never_exceed_what_matches(client: TestClient) -> None:
    hit = _first(client, q="jaw", snippet_fragments=3)
    assert hit["snippet"] == (
        "The temporomandibular joint connects the <mark>jaw</mark> to the skull. Grinding "
        "your teeth at night strains it and can cause headaches in the morning."
    )


def test_snippet_highlight_tag_applies_to_snippet_and_title(client: TestClient) -> None:
    hit = _first(client, q="oxygen", highlight_tag="strong", snippet_words=6)
    assert hit["title_html"] == "Cluster headache and <strong>oxygen</strong>"
    assert hit["snippet"] == "\u2026pure <strong>oxygen</strong> through a mask for\u2026"
    assert hit["title"] == "Cluster headache and oxygen"


def test_snippet_title_html_marks_stemmed_matches(client: TestClient) -> None:
    hit = _first(client, q="headache")
    assert (hit["title"], hit["title_html"]) == (
        "Headaches in pregnancy",
        "<mark>Headaches</mark> in pregnancy",
    )


def test_snippet_title_html_is_escaped(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    write_article(
        corpus_dir, "tea.md", '---\ntitle: Tea & <coffee> "tips"\n---\nA cup of coffee.\n'
    )
    build_index(corpus_dir, index_dir)
    hit = _first(client, q="coffee", highlight_tag="em")
    assert hit["title_html"] == 'Tea &amp; &lt;<em>coffee</em>&gt; "tips"'


def test_snippet_title_only_hit_shows_summary_when_it_matches(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    write_article(
        corpus_dir,
        "caffeine.md",
        "---\ntitle: Caffeine\nsummary: Caffeine can ease a headache or cause one.\n---\n"
        "Coffee, tea and cola all count.\n",
    )
    build_index(corpus_dir, index_dir)
    hit = _first(client, q="title:caffeine")
    assert hit["snippet"] == "<mark>Caffeine</mark> can ease a headache or cause one."


def test_snippet_title_only_hit_without_summary_match_opens_article(client: TestClient) -> None:
    hit = _first(client, q="title:botox", snippet_words=5)
    assert hit["snippet"] == "OnabotulinumtoxinA is injected into muscles\u2026"


def test_make_snippet_joins_touching_passages_without_ellipsis() -> None:
    text = "alpha one two three omega four five six"
    snippet, matched = make_snippet(text, StandardAnalyzer(), WORDS_ANALYZER_TERMS, 4, "b", 2)
    assert matched
    assert snippet == "<b>alpha</b> one two three <b>omega</b> four five six"


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        (
            {"snippet_words": "4"},
            "Parameter 'snippet_words': Input should be greater than or equal to 5 (got '4').",
        ),
        (
            {"snippet_words": "201"},
            "Parameter 'snippet_words': Input should be less than or equal to 200 (got '201').",
        ),
        (
            {"snippet_fragments": "6"},
            "Parameter 'snippet_fragments': Input should be less than or equal to 5 (got '6').",
        ),
        (
            {"highlight_tag": "script"},
            "Parameter 'highlight_tag': Input should be 'mark', 'em', 'strong' or 'b' "
            "(got 'script').",
        ),
        (
            {"highlight_tag": "<mark onclick=x>"},
            "Parameter 'highlight_tag': Input should be 'mark', 'em', 'strong' or 'b' "
            "(got '<mark onclick=x>').",
        ),
    ],
)
def test_snippet_bad_controls_are_400(
    client: TestClient, params: dict[str, str], detail: str
) -> None:
    response = client.get("/search", params={"q": "botox", **params})
    assert (response.status_code, response.json()) == (400, {"detail": detail})
