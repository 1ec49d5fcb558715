"""GET /suggest: completions for search-as-you-type."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter

from indexer.build import build_index
from indexer.schema import STOP_WORDS, WORD_PATTERN, vocabulary_words
from tests.conftest import write_article


def _suggest(client: TestClient, q: str, **params: Any) -> list[str]:
    response = client.get("/suggest", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["query"] == q
    suggestions: list[str] = body["suggestions"]
    return suggestions


def test_suggest_completes_words_then_titles(client: TestClient) -> None:
    assert _suggest(client, "mig") == ["migraine", "Migraine basics", "Botox for chronic migraine"]


def test_suggest_ignores_case_and_echoes_the_query(client: TestClient) -> None:
    response = client.get("/suggest", params={"q": "MIG"})
    assert response.json() == {
        "query": "MIG",
        "suggestions": ["migraine", "Migraine basics", "Botox for chronic migraine"],
    }


def test_suggest_most_frequent_words_first_within_limit(client: TestClient) -> None:
    # "headache" is in 5 articles, "headaches" in 4, "head" 2; titles fill the second half.
    assert _suggest(client, "h") == [
        "headache",
        "headaches",
        "head",
        "help",
        "helps",
        "Headaches in pregnancy",
        "Tension-type headache",
        "Cluster headache and oxygen",
        "hours",
    ]
    assert _suggest(client, "h", limit=3) == ["headache", "headaches", "Headaches in pregnancy"]


def test_suggest_after_other_words_keeps_completions_seen_with_them(client: TestClient) -> None:
    assert _suggest(client, "cluster he") == ["cluster headache", "Cluster headache and oxygen"]
    assert _suggest(client, "oxygen sum") == ["oxygen sumatriptan"]
    assert _suggest(client, "pregnancy jaw") == []


def test_suggest_finished_word_offers_titles_holding_it(client: TestClient) -> None:
    assert _suggest(client, "migraine ") == ["Migraine basics", "Botox for chronic migraine"]


def test_suggest_unknown_prefix_or_punctuation_gives_nothing(client: TestClient) -> None:
    assert _suggest(client, "zzq") == []
    assert _suggest(client, '"(') == []


def test_suggest_stop_words_are_not_suggested(client: TestClient) -> None:
    assert "the" not in _suggest(client, "th", limit=50)


def test_suggest_sees_a_rebuilt_index(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    assert _suggest(client, "ribo") == []
    write_article(corpus_dir, "b2.md", "---\ntitle: Riboflavin for migraine\n---\nVitamin B2.\n")
    build_index(corpus_dir, index_dir)
    assert _suggest(client, "ribo") == ["riboflavin", "Riboflavin for migraine"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        (
            {"q": ""},
            "The text to complete is empty; send the first letters of a word, such as q=mig.",
        ),
        (
            {"q": "   "},
            "The text to complete is empty; send the first letters of a word, such as q=mig.",
        ),
        ({}, "Parameter 'q': Field required."),
        (
            {"q": "m" * 101},
            "The text to complete is 101 characters long; the limit is 100. "
            "Send only what the reader has typed.",
        ),
        (
            {"q": "mi\x00g"},
            "The text to complete contains the control character U+0000; remove it.",
        ),
        (
            {"q": "mig", "limit": "0"},
            "Parameter 'limit': Input should be greater than or equal to 1 (got '0').",
        ),
        (
            {"q": "mig", "limit": "51"},
            "Parameter 'limit': Input should be less than or equal to 50 (got '51').",
        ),
    ],
)
def test_suggest_bad_input_is_400(client: TestClient, params: dict[str, str], detail: str) -> None:
    response = client.get("/suggest", params=params)
    assert (response.status_code, response.json()) == (400, {"detail": detail})


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(st.characters(codec="utf-8"), max_size=40))
def test_suggest_any_text_is_answered_or_refused_cleanly(client: TestClient, q: str) -> None:
    response = client.get("/suggest", params={"q": q})
    assert response.status_code in (200, 400), (q, response.text)
    body = response.json()
    if response.status_code == 200:
        assert len(body["suggestions"]) <= 10
    else:
        assert body["detail"]


def test_suggest_concurrent_requests_agree(client: TestClient) -> None:
    inputs = ["mig", "h", "cluster he", "migraine ", "bo", "t", "oxygen sum"] * 6
    expected = {q: _suggest(client, q) for q in set(inputs)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda q: (q, _suggest(client, q)), inputs))
    assert [q for q, answer in answers if answer != expected[q]] == []


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec="utf-8"), max_size=80))
def test_vocabulary_words_match_whoosh_analysis(text: str) -> None:
    analyzer = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS)
    assert vocabulary_words(text) == {token.text for token in analyzer(text)}
