"""Hostile queries: bounded expansion, refused shapes, a time budget, and a worker that stays up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from whoosh import query as wq

from indexer.build import build_index
from indexer.schema import build_query_parser, build_schema
from indexer.settings import Settings
from indexer.storage import open_current
from search_api.http.app import create_app
from search_api.whoosh_engine.parse.limits import (
    MAX_NESTING,
    QueryBudget,
    QueryLimits,
    bound_query,
    limited_search,
)
from search_api.whoosh_engine.parse.query import parse_query
from tests.conftest import write_article

# Body words after stemming: alpha in three articles, alpin(e) in two, altitud(e) in one.
ARTICLES = {
    "first": "alpha alpine",
    "second": "alpha alpine",
    "third": "alpha",
    "fourth": "altitude",
}


@pytest.fixture
def words_index(tmp_path: Path) -> Path:
    """An index whose body words and their document frequencies are known exactly."""
    for name, body in ARTICLES.items():
        write_article(tmp_path / "corpus", f"{name}.md", f"---\ntitle: {name}\n---\n{body}\n")
    build_index(tmp_path / "corpus", tmp_path / "index")
    return tmp_path / "index"


def _client(index_dir: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(index_dir=index_dir, **settings)))


@pytest.fixture
def words_client(words_index: Path) -> Iterator[TestClient]:
    """The API over `words_index` with wildcard words expanding to at most two index words."""
    with _client(words_index, max_expansions=2) as client:
        yield client


@pytest.fixture
def searcher(words_index: Path) -> Iterator[Any]:
    """A Whoosh searcher on `words_index`."""
    _, index = open_current(words_index)
    with index.searcher() as opened:
        yield opened


def _parse(text: str) -> Any:
    return parse_query(text, build_query_parser(build_schema()), 1000)


def _ids(body: dict[str, Any]) -> list[str]:
    return sorted(hit["id"] for hit in body["results"])


def test_search_prefix_keeps_most_frequent_expansions_and_says_partial(
    words_client: TestClient,
) -> None:
    body = words_client.get("/search", params={"q": "al*"}).json()
    assert _ids(body) == ["first", "second", "third"]
    assert (body["total"], body["partial"]) == (3, True)


def test_search_prefix_within_limit_is_complete(words_index: Path) -> None:
    with _client(words_index, max_expansions=3) as client:
        body = client.get("/search", params={"q": "al*"}).json()
    assert _ids(body) == ["first", "fourth", "second", "third"]
    assert body["partial"] is False


def test_search_leading_wildcard_is_answered(words_client: TestClient) -> None:
    body = words_client.get("/search", params={"q": "*ha"}).json()
    assert _ids(body) == ["first", "second", "third"]
    assert body["partial"] is False


def test_search_star_alone_lists_every_article(words_client: TestClient) -> None:
    body = words_client.get("/search", params={"q": "*"}).json()
    assert (body["total"], body["partial"]) == (4, False)


def test_search_text_range_is_bounded_like_a_wildcard(words_client: TestClient) -> None:
    body = words_client.get("/search", params={"q": "body:[a TO b]"}).json()
    assert _ids(body) == ["first", "second", "third"]
    assert body["partial"] is True


def test_bound_query_scans_no_more_vocabulary_than_allowed(searcher: Any) -> None:
    budget = QueryBudget.start(QueryLimits(max_terms_scanned=2))
    # The body lexicon is alpha, alpin, altitud: two entries are scanned, the third is not.
    bounded = bound_query(_parse("body:*ud"), searcher.reader(), budget)
    assert bounded is wq.NullQuery
    assert (budget.scanned, budget.cut_short) == (2, True)


def test_bound_query_caps_fuzzy_edit_distance(searcher: Any) -> None:
    budget = QueryBudget.start(QueryLimits())
    # Fuzzy words of `content` come from its unstemmed spelling words: "alpine" is 3 edits away.
    bounded = bound_query(wq.FuzzyTerm("content", "alpha", maxdist=5), searcher.reader(), budget)
    assert bounded == wq.Term("content", "alpha")
    assert budget.cut_short is True


def test_limited_search_matches_whoosh_when_within_budget(searcher: Any) -> None:
    parsed = _parse("alpha OR alpine OR altitude")
    budget = QueryBudget.start(QueryLimits())
    found = limited_search(searcher, parsed, 2, budget)
    expected = searcher.search(parsed, limit=2)
    assert found.top_n == expected.top_n
    assert (len(found), found.docs()) == (len(expected), expected.docs())
    assert budget.cut_short is False


@pytest.mark.parametrize("limit", [1, 10, None])
def test_limited_search_keeps_only_allowed_documents(searcher: Any, limit: int | None) -> None:
    parsed = _parse("alpha OR alpine OR altitude")
    allowed = {searcher.document_number(id="first"), searcher.document_number(id="fourth")}
    budget = QueryBudget.start(QueryLimits())
    found = limited_search(searcher, parsed, limit, budget, allowed=allowed)
    assert {docnum for _, docnum in found.top_n} <= allowed
    # Counted and listed after the filter, even when fewer hits than matches were kept.
    assert (len(found), found.docs()) == (2, allowed)


def test_limited_search_out_of_time_still_returns_first_hits(searcher: Any) -> None:
    spent = QueryBudget(QueryLimits(), deadline=time.monotonic() - 1)
    found = limited_search(searcher, _parse("alpha OR alpine"), 10, spent, min_hits=2)
    # Two hits are collected whatever the time; counting stops at once.
    assert [searcher.stored_fields(docnum)["id"] for _, docnum in found.top_n] == [
        "first",
        "second",
    ]
    assert len(found) == 2
    assert spent.cut_short is True


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        (
            "(" * (MAX_NESTING + 1) + "alpha" + ")" * (MAX_NESTING + 1),
            f"The query nests parentheses {MAX_NESTING + 1} deep; the limit is {MAX_NESTING}. "
            "Remove some of the parentheses.",
        ),
        ("alpha^5000000", "A boost (word^N) is too large to score; use a small number such as ^2."),
        (
            "alpha^" + "9" * 400,
            "A boost (word^N) is too large to score; use a small number such as ^2.",
        ),
    ],
)
def test_search_refuses_hostile_shapes_with_400(
    words_client: TestClient, query: str, detail: str
) -> None:
    response = words_client.get("/search", params={"q": query})
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_search_nesting_at_the_limit_is_accepted(words_client: TestClient) -> None:
    query = "(" * MAX_NESTING + "alpha" + ")" * MAX_NESTING
    assert words_client.get("/search", params={"q": query}).json()["total"] == 3


def test_search_too_many_words_is_400(words_index: Path) -> None:
    with _client(words_index, max_query_length=10_000) as client:
        # Distinct words (repeated ones count once), each searched in two fields.
        words = " ".join(f"alpha{number}" for number in range(600))
        response = client.get("/search", params={"q": words})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The query has too many words to search for; the limit is 1,024 "
        "word-and-field pairs. Shorten it to the words that matter."
    }


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/search?q=%FF", "query string"),
        ("/search?q=caf%C3", "query string"),
        ("/articles/%C3%28", "path"),
    ],
)
def test_url_not_utf8_is_400(words_client: TestClient, url: str, part: str) -> None:
    response = words_client.get(url)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The URL's {part} is not valid UTF-8 once percent-decoded; encode text as "
        "UTF-8, for example %C3%A9 for \u00e9."
    }


def test_search_huge_page_number_is_400_with_short_echo(words_client: TestClient) -> None:
    response = words_client.get("/search", params={"q": "alpha", "page": "9" * 5000})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("Parameter 'page': Unable to parse input string as an integer")
    assert detail.endswith("(got '" + "9" * 38 + "\u2026).")


def test_search_worker_stays_healthy_after_hostile_queries(words_client: TestClient) -> None:
    hostile = [
        "*",
        "a*",
        "*a*",
        "?",
        "(((alpha)))",
        "alpha^999",
        "x" * 1000,
        "\x00",
        "body:[a TO z]",
    ]
    statuses = [words_client.get("/search", params={"q": q}).status_code for q in hostile]
    assert statuses == [200, 200, 200, 200, 200, 200, 200, 400, 200]
    assert words_client.get("/health").status_code == 200
    assert _ids(words_client.get("/search", params={"q": "alpine"}).json()) == ["first", "second"]
