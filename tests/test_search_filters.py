"""/search filters, listing without a query, date sorting, facets and the recency boost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from indexer.build import build_index
from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import write_article

HEADACHE_BY_RELEVANCE = [
    "headaches-in-pregnancy",
    "cluster-headache-oxygen",
    "tension-type-headache",
    "botox-for-chronic-migraine",
    "nested/deep/jaw-pain",
    "migraine-basics",
]
NEWEST_FIRST = [
    "nested/deep/jaw-pain",
    "headaches-in-pregnancy",
    "cluster-headache-oxygen",
    "tension-type-headache",
    "unsafe-markup",
    "migraine-basics",
    "botox-for-chronic-migraine",
]


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in body["results"]]


@pytest.fixture
def shelf_client(corpus_dir: Path, index_dir: Path, settings: Settings) -> Iterator[TestClient]:
    """The tiny corpus plus an article sharing a tag and a year, and an undated one."""
    write_article(
        corpus_dir,
        "preventing-migraine.md",
        "---\ntitle: Preventing migraine attacks\ndate: 2015-10-12\nauthor: Dr. Ada Finch\n"
        "tags: [migraine, treatment]\n---\nDaily medicines make migraine attacks rarer.\n",
    )
    write_article(
        corpus_dir,
        "clinic/opening-hours.md",
        "---\ntitle: Opening hours\nauthor: Dr. Basil Moreau\ntags: [clinic, migraine]\n---\n"
        "The migraine clinic opens at eight.\n",
    )
    build_index(corpus_dir, index_dir)
    with TestClient(create_app(settings)) as client:
        yield client


def test_filters_author_narrows_a_query_keeping_scores(client: TestClient) -> None:
    everything = _get(client, q="headache")
    moreau = _get(client, q="headache", author="Dr. Basil Moreau")
    assert (moreau["total"], _ids(moreau)) == (
        2,
        ["cluster-headache-oxygen", "tension-type-headache"],
    )
    scores = {hit["id"]: hit["score"] for hit in everything["results"]}
    assert [hit["score"] for hit in moreau["results"]] == [
        scores["cluster-headache-oxygen"],
        scores["tension-type-headache"],
    ]


def test_filters_author_ignores_case_and_spacing(client: TestClient) -> None:
    body = _get(client, q="headache", author="  nurse   CLARA oyelaran ")
    assert _ids(body) == ["headaches-in-pregnancy", "nested/deep/jaw-pain"]


def test_filters_repeated_values_match_any_and_filters_match_all(client: TestClient) -> None:
    either = _get(client, q="headache", author=["Dr. Basil Moreau", "Nurse Clara Oyelaran"])
    assert _ids(either) == [*HEADACHE_BY_RELEVANCE[:3], "nested/deep/jaw-pain"]
    both = _get(client, q="headache", author="Dr. Basil Moreau", tag="lifestyle")
    assert _ids(both) == ["tension-type-headache"]
    tags = _get(client, q="headache", tag=["TMJ", "migraine"], author="Nurse Clara Oyelaran")
    assert _ids(tags) == ["nested/deep/jaw-pain"]


def test_filters_unknown_author_or_tag_finds_nothing(client: TestClient) -> None:
    assert _get(client, q="headache", author="Dr. Nobody")["total"] == 0
    assert _get(client, q="headache", tag="no-such-tag")["total"] == 0


def test_filters_date_range_takes_partial_dates(client: TestClient) -> None:
    # from=2015 is 2015-01-01 and to=2020-01 is 2020-01-31; both ends are included.
    body = _get(client, **{"from": "2015", "to": "2020-01"})
    assert _ids(body) == [
        "cluster-headache-oxygen",
        "tension-type-headache",
        "unsafe-markup",
        "migraine-basics",
    ]
    assert _ids(_get(client, to="2016-04-04")) == [
        "unsafe-markup",
        "migraine-basics",
        "botox-for-chronic-migraine",
    ]
    assert _ids(_get(client, q="headache", **{"from": "2020-01-11"})) == [
        "headaches-in-pregnancy",
        "nested/deep/jaw-pain",
    ]


def test_filters_without_query_list_newest_first(client: TestClient) -> None:
    body = _get(client, **{"from": "1900"})
    assert body["query"] == ""
    assert (body["total"], _ids(body)) == (7, NEWEST_FIRST)
    assert {hit["score"] for hit in body["results"]} == {0.0}
    first = body["results"][0]
    assert first["snippet"].startswith("The temporomandibular joint connects the jaw")
    assert first["title_html"] == "Jaw pain and TMJ"


def test_filters_blank_query_with_filter_lists_articles(client: TestClient) -> None:
    body = _get(client, q="  ", author="Dr. Ada Finch", sort="relevance")
    assert _ids(body) == ["unsafe-markup", "migraine-basics", "botox-for-chronic-migraine"]


def test_filters_undated_articles_never_match_a_date_range(shelf_client: TestClient) -> None:
    assert "clinic/opening-hours" in _ids(_get(shelf_client, tag="clinic"))
    assert "clinic/opening-hours" not in _ids(_get(shelf_client, to="2100"))


def test_sort_date_orders_newest_first_with_relevance_scores(client: TestClient) -> None:
    by_relevance = _get(client, q="headache")
    by_date = _get(client, q="headache", sort="date")
    assert _ids(by_date) == [i for i in NEWEST_FIRST if i in HEADACHE_BY_RELEVANCE]
    assert by_date["total"] == by_relevance["total"] == 6
    scores = {hit["id"]: hit["score"] for hit in by_relevance["results"]}
    assert all(hit["score"] == scores[hit["id"]] for hit in by_date["results"])


def test_sort_date_puts_undated_articles_last(shelf_client: TestClient) -> None:
    assert _ids(_get(shelf_client, q="migraine", sort="date")) == [
        "preventing-migraine",
        "migraine-basics",
        "botox-for-chronic-migraine",
        "clinic/opening-hours",
    ]


def test_pagination_totals_stay_exact_with_filters_and_sorting(client: TestClient) -> None:
    second = _get(client, q="headache", sort="date", per_page=4, page=2)
    assert (second["total"], _ids(second)) == (6, ["migraine-basics", "botox-for-chronic-migraine"])
    past_end = _get(client, q="headache", sort="date", per_page=4, page=3)
    assert (past_end["total"], past_end["results"]) == (6, [])
    listing = _get(client, author="Dr. Ada Finch", per_page=2, page=5)
    assert (listing["total"], listing["results"]) == (3, [])


def test_facets_count_every_match_not_only_the_page(client: TestClient) -> None:
    body = _get(client, q="headache", facets="author,tag,year", per_page=1)
    assert len(body["results"]) == 1
    assert body["facets"] == {
        "author": [
            {"value": "Dr. Ada Finch", "count": 2},
            {"value": "Dr. Basil Moreau", "count": 2},
            {"value": "Nurse Clara Oyelaran", "count": 2},
        ],
        "tag": [
            {"value": "botox", "count": 1},
            {"value": "chronic migraine", "count": 1},
            {"value": "cluster headache", "count": 1},
            {"value": "lifestyle", "count": 1},
            {"value": "migraine", "count": 1},
            {"value": "pregnancy", "count": 1},
            {"value": "tension-type headache", "count": 1},
            {"value": "tmj", "count": 1},
            {"value": "treatment", "count": 1},
        ],
        "year": [{"value": str(year), "count": 1} for year in (2012, 2015, 2018, 2020, 2022, 2024)],
    }


def test_facets_most_frequent_first_and_undated_not_counted(shelf_client: TestClient) -> None:
    body = _get(shelf_client, q="migraine", facets="year,tag", facet_limit=2)
    assert body["facets"] == {
        "tag": [{"value": "migraine", "count": 3}, {"value": "botox", "count": 1}],
        "year": [{"value": "2015", "count": 2}, {"value": "2012", "count": 1}],
    }


def test_facets_follow_filters(shelf_client: TestClient) -> None:
    body = _get(shelf_client, tag="treatment", facets=["author", "tag"])
    assert body["facets"] == {
        "author": [
            {"value": "Dr. Ada Finch", "count": 1},
            {"value": "Dr. Basil Moreau", "count": 1},
        ],
        "tag": [
            {"value": "treatment", "count": 2},
            {"value": "cluster headache", "count": 1},
            {"value": "migraine", "count": 1},
        ],
    }


def test_facets_absent_unless_asked_and_empty_when_nothing_matches(client: TestClient) -> None:
    assert "facets" not in _get(client, q="headache")
    assert "facets" not in _get(client, q="headache", facets="")
    assert _get(client, q="nothingmatchesthis", facets="author")["facets"] == {"author": []}


def test_recency_boost_is_off_by_default_and_reorders_when_on(settings: Settings) -> None:
    boosted = settings.model_copy(update={"recency_half_life_days": 365})
    with TestClient(create_app(settings)) as plain, TestClient(create_app(boosted)) as recent:
        before = _get(plain, q="headache")
        after = _get(recent, q="headache")
    assert _ids(before) == HEADACHE_BY_RELEVANCE
    # The newest article (2024) moves above older, better matches (2018, 2012).
    assert _ids(after) == [
        "headaches-in-pregnancy",
        "cluster-headache-oxygen",
        "nested/deep/jaw-pain",
        "tension-type-headache",
        "botox-for-chronic-migraine",
        "migraine-basics",
    ]
    old = {hit["id"]: hit["score"] for hit in before["results"]}
    new = {hit["id"]: hit["score"] for hit in after["results"]}
    # The newest keeps its score; a 2012 article keeps about half (weight 0.5, long decayed).
    assert new["nested/deep/jaw-pain"] == old["nested/deep/jaw-pain"]
    assert new["botox-for-chronic-migraine"] == pytest.approx(
        old["botox-for-chronic-migraine"] / 2, abs=1e-3
    )


def test_recency_boost_leaves_undated_articles_alone(
    corpus_dir: Path, index_dir: Path, settings: Settings
) -> None:
    write_article(corpus_dir, "undated.md", "---\ntitle: Oxygen at home\n---\nOxygen tanks.\n")
    build_index(corpus_dir, index_dir)
    boosted = settings.model_copy(update={"recency_half_life_days": 30, "recency_weight": 1.0})
    with TestClient(create_app(settings)) as plain, TestClient(create_app(boosted)) as recent:
        before = {hit["id"]: hit["score"] for hit in _get(plain, q="oxygen")["results"]}
        after = {hit["id"]: hit["score"] for hit in _get(recent, q="oxygen")["results"]}
    assert after["undated"] == before["undated"]
    assert after["cluster-headache-oxygen"] < before["cluster-headache-oxygen"] / 1000


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        (
            {"author": ""},
            "Parameter 'author' is empty; give a value such as author=Dr.+Ada+Finch, "
            "or leave the parameter out.",
        ),
        (
            {"q": "botox", "tag": " "},
            "Parameter 'tag' is empty; give a value such as tag=migraine, "
            "or leave the parameter out.",
        ),
        (
            {"q": "botox", "tag": "x" * 201},
            "Parameter 'tag' is 201 characters long; the limit is 200.",
        ),
        (
            {"q": "botox", "tag": [f"t{n}" for n in range(51)]},
            "Parameter 'tag' is given 51 times; the limit is 50.",
        ),
        (
            {"q": "botox", "from": "2020-13"},
            "Parameter 'from': '2020-13' is not a date; write it as YYYY-MM-DD, YYYY-MM or YYYY.",
        ),
        (
            {"q": "botox", "to": "2021-02-30"},
            "Parameter 'to': '2021-02-30' is not a date; write it as YYYY-MM-DD, YYYY-MM or YYYY.",
        ),
        (
            {"q": "botox", "from": "yesterday"},
            "Parameter 'from': 'yesterday' is not a date; write it as YYYY-MM-DD, YYYY-MM or YYYY.",
        ),
        (
            {"q": "botox", "from": "2021", "to": "2020-06"},
            "'from' (2021-01-01) is after 'to' (2020-06-30); swap them or widen the range.",
        ),
        (
            {"q": "botox", "sort": "newest"},
            "Parameter 'sort': Input should be 'relevance' or 'date' (got 'newest').",
        ),
        (
            {"q": "botox", "facets": "author,colour"},
            "Unknown facet 'colour'; ask for author, tag or year, as in facets=author,tag,year.",
        ),
        (
            {"q": "botox", "facet_limit": "0"},
            "Parameter 'facet_limit': Input should be greater than or equal to 1 (got '0').",
        ),
        (
            {"tag": ""},
            "Parameter 'tag' is empty; give a value such as tag=migraine, or leave "
            "the parameter out.",
        ),
        (
            {"q": "", "sort": "date"},
            "The query is empty; type a word to search for, such as q=migraine.",
        ),
    ],
)
def test_filters_bad_parameters_are_400_with_detail(
    client: TestClient, params: dict[str, Any], detail: str
) -> None:
    response = client.get("/search", params=params)
    assert (response.status_code, response.json()) == (400, {"detail": detail})


FILTER_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@examples(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    author=FILTER_TEXT,
    tag=FILTER_TEXT,
    start=st.one_of(FILTER_TEXT, st.dates().map(str)),
    end=st.one_of(FILTER_TEXT, st.dates().map(str)),
    facets=st.sampled_from(["", "author", "tag,year", "author,tag,year", "bogus"]),
)
def test_filters_any_values_are_answered_or_refused_cleanly(
    client: TestClient, author: str, tag: str, start: str, end: str, facets: str
) -> None:
    params = {"author": author, "tag": tag, "from": start, "to": end, "facets": facets}
    response = client.get("/search", params=params)
    assert response.status_code in (200, 400), (params, response.text)
    body = response.json()
    if response.status_code == 200:
        assert body["total"] >= len(body["results"])
    else:
        assert body["detail"]


@pytest.mark.parametrize("q", ["day:5", "author_exact:finch", "content_hash:x"])
def test_filters_internal_fields_are_not_query_fields(client: TestClient, q: str) -> None:
    # They read as plain words, as any unknown `name:` does, never as a broken range.
    word = q.split(":")[1]
    assert _get(client, q=q)["total"] == _get(client, q=f"{q.split(':')[0]} {word}")["total"]
