"""The HTTP API through TestClient: ranking, snippets, articles, health and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import result_ids, search_body, write_article


def test_search_title_match_outranks_body_mention(client: TestClient) -> None:
    assert result_ids(search_body(client, "botox")) == [
        "botox-for-chronic-migraine",
        "tension-type-headache",
    ]


def test_search_stemming_finds_other_word_forms(client: TestClient) -> None:
    body = search_body(client, "headaches")
    assert body["total"] == 6
    assert result_ids(body)[0] == "headaches-in-pregnancy"
    assert "botox-for-chronic-migraine" in result_ids(body)


def test_search_question_finds_article_without_every_word(client: TestClient) -> None:
    body = search_body(client, "what helps a cluster headache attack?")
    assert result_ids(body)[0] == "cluster-headache-oxygen"


def test_search_response_shape(client: TestClient) -> None:
    body = search_body(client, "jaw")
    assert set(body) == {
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "did_you_mean",
        "corrected",
        "results",
        "partial",
    }
    assert (body["query"], body["total"], body["page"], body["per_page"]) == ("jaw", 1, 1, 10)
    assert (body["did_you_mean"], body["corrected"], body["partial"]) == (None, False, False)
    hit = body["results"][0]
    assert hit["id"] == "nested/deep/jaw-pain"
    assert (hit["title"], hit["date"], hit["author"]) == (
        "Jaw pain and TMJ",
        "2024-02-29",
        "Nurse Clara Oyelaran",
    )
    assert hit["tags"] == ["tmj"]
    assert hit["score"] > 0


def test_search_snippet_marks_matches_and_keeps_whole_words(client: TestClient) -> None:
    hit = search_body(client, "jaw")["results"][0]
    assert hit["snippet"] == (
        "The temporomandibular joint connects the <mark>jaw</mark> to the skull. Grinding "
        "your teeth at night strains it and can cause headaches in the morning."
    )


def test_search_snippet_is_a_window_with_ellipses(client: TestClient) -> None:
    hit = search_body(client, '"chronic migraine"')["results"][0]
    assert hit["snippet"] == (
        "\u2026and neck every twelve weeks. People with <mark>chronic</mark> <mark>migraine</mark>"
        " have headaches on fifteen or more days a month. The injections reduce the number of "
        "headache days for many of them."
    )


def test_search_snippet_escapes_html_from_article(client: TestClient) -> None:
    hit = search_body(client, "onerror caffeine")["results"][0]
    assert hit["snippet"] == (
        'Editors sometimes paste code like &lt;script&gt;alert("x")&lt;/script&gt; and '
        "&lt;img src=x <mark>onerror</mark>=alert(1)&gt; into an article about "
        '<mark>caffeine</mark> &amp; "sleep".'
    )


def test_search_snippet_without_body_match_opens_article(client: TestClient) -> None:
    hit = search_body(client, "title:botox")["results"][0]
    assert hit["snippet"].startswith("OnabotulinumtoxinA is injected into muscles")
    assert "<mark>" not in hit["snippet"]


def test_search_snippet_length_follows_settings(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"snippet_words": 5}))) as client:
        hit = search_body(client, "grinding")["results"][0]
    # Five words, one of them before the match for context.
    assert hit["snippet"] == "\u2026skull. <mark>Grinding</mark> your teeth at\u2026"


def test_search_phrase_requires_adjacent_words(client: TestClient) -> None:
    assert result_ids(search_body(client, '"chronic migraine"')) == ["botox-for-chronic-migraine"]
    assert search_body(client, '"migraine chronic"')["total"] == 0


def test_search_boolean_operators(client: TestClient) -> None:
    assert result_ids(search_body(client, "botox NOT tension")) == ["botox-for-chronic-migraine"]
    assert result_ids(search_body(client, "oxygen AND sumatriptan")) == ["cluster-headache-oxygen"]
    assert search_body(client, "oxygen AND pregnancy")["total"] == 0


def test_search_field_prefixes(client: TestClient) -> None:
    assert sorted(result_ids(search_body(client, "author:moreau"))) == [
        "cluster-headache-oxygen",
        "tension-type-headache",
    ]
    assert sorted(result_ids(search_body(client, "title:headache"))) == [
        "cluster-headache-oxygen",
        "headaches-in-pregnancy",
        "tension-type-headache",
    ]


def test_search_pages_through_results(client: TestClient) -> None:
    everything = result_ids(search_body(client, "headache", per_page=10))
    first = search_body(client, "headache", per_page=4)
    second = search_body(client, "headache", per_page=4, page=2)
    assert (first["total"], second["total"]) == (6, 6)
    assert result_ids(first) + result_ids(second) == everything
    assert search_body(client, "headache", per_page=4, page=3)["results"] == []


def test_search_stop_words_only_finds_nothing(client: TestClient) -> None:
    assert search_body(client, "the of and")["total"] == 0


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"q": ""}, "The query is empty; type a word to search for, such as q=migraine."),
        ({"q": "   "}, "The query is empty; type a word to search for, such as q=migraine."),
        ({}, "The query is empty; type a word to search for, such as q=migraine."),
        (
            {"q": "x" * 10_000},
            "The query is 10,000 characters long; the limit is 1,000. "
            "Shorten it to the words that matter.",
        ),
        (
            {"q": "botox", "page": "0"},
            "Parameter 'page': Input should be greater than or equal to 1 (got '0').",
        ),
        (
            {"q": "botox", "page": "two"},
            "Parameter 'page': Input should be a valid integer, unable to parse string as an "
            "integer (got 'two').",
        ),
        ({"q": "botox", "per_page": "10000"}, "per_page may be at most 100; ask for fewer."),
        ({"q": "bo\x00tox"}, "The query contains the control character U+0000; remove it."),
        ({"q": "bo\x1btox"}, "The query contains the control character U+001B; remove it."),
        (
            {"q": '"chronic migraine'},
            'The query has an unclosed quote ("); close the phrase with a second quote '
            "or remove the quote.",
        ),
        ({"q": "(botox"}, "The query has a '(' that is never closed; add a ')' or remove the '('."),
        (
            {"q": "botox)"},
            "The query has a ')' without a matching '('; remove it or add a '('.",
        ),
        (
            {"q": "((( )))"},
            "The query has no words to search for, only punctuation or operators; add a word.",
        ),
        ({"q": "title:"}, "'title:' needs a word after the colon, for example title:migraine."),
        (
            {"q": "date:[someday TO 2020]"},
            "The query has a range that cannot be read; write ranges like date:[2019 TO 2021] "
            "or date:[2019-01-01 TO 2020-06-30].",
        ),
        (
            {"q": "botox", "page": "2000", "per_page": "10"},
            "Results past the first 10,000 cannot be paged to (page 2000 x per_page 10); "
            "refine the query instead.",
        ),
    ],
)
def test_search_bad_input_is_400_with_detail(
    client: TestClient, params: dict[str, str], detail: str
) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_article_returns_stored_article(client: TestClient) -> None:
    response = client.get("/articles/nested/deep/jaw-pain")
    assert response.status_code == 200
    assert response.json() == {
        "id": "nested/deep/jaw-pain",
        "title": "Jaw pain and TMJ",
        "date": "2024-02-29",
        "author": "Nurse Clara Oyelaran",
        "tags": ["tmj"],
        "summary": "",
        "body": "The temporomandibular joint connects the jaw to the skull. Grinding your teeth at "
        "night\nstrains it and can cause headaches in the morning.",
    }


def test_article_unknown_id_is_404(client: TestClient) -> None:
    response = client.get("/articles/no-such-article")
    assert response.status_code == 404
    assert response.json() == {"detail": "no article with id 'no-such-article'"}


@pytest.mark.parametrize(
    "path",
    ["/articles/..%2F..%2Fetc%2Fpasswd", "/articles/%2Fetc%2Fpasswd", "/articles/a/../../b"],
)
def test_article_path_traversal_is_400(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.json()["detail"]
    assert "root:" not in response.text


def test_article_dotdot_id_is_rejected_with_guidance(client: TestClient) -> None:
    response = client.get("/articles/..%2F..%2Fetc%2Fpasswd")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Article ids are corpus paths such as")


def test_unknown_route_uses_error_shape(client: TestClient) -> None:
    response = client.get("/nope")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_health_reports_documents(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "index_loaded": True,
        "documents": 7,
        "generation": "gen-000001",
        "detail": None,
    }


def test_health_without_index_is_503_with_hint(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "missing")
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        search = client.get("/search", params={"q": "botox"})
    assert health.status_code == 503
    assert health.json()["index_loaded"] is False
    hint = f"build one with: medsearch index --corpus CORPUS --index {tmp_path / 'missing'}"
    assert health.json()["detail"].endswith(hint)
    assert search.status_code == 503
    assert search.json()["detail"].endswith(hint)


def test_search_sees_rebuilt_index_without_restart(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    assert search_body(client, "riboflavin")["total"] == 0
    write_article(
        corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin for migraine\n---\nVitamin B2.\n"
    )
    build_index(corpus_dir, index_dir)
    assert result_ids(search_body(client, "riboflavin")) == ["riboflavin"]
    assert client.get("/health").json()["generation"] == "gen-000002"


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/search", "/articles/{article_id}", "/health"} <= set(schema["paths"])


def test_openapi_documents_reader_features(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/suggest", "/articles/{article_id}/related"} <= set(schema["paths"])
    search_params = {p["name"] for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert search_params == {
        "q",
        "page",
        "per_page",
        "author",
        "tag",
        "from",
        "to",
        "sort",
        "facets",
        "facet_limit",
        "snippet_words",
        "snippet_fragments",
        "highlight_tag",
    }
    models = schema["components"]["schemas"]
    assert "facets" not in models["SearchResponse"]["required"]
    assert "title_html" in models["SearchHit"]["required"]
    assert set(models["FacetCounts"]["properties"]) == {"author", "tag", "year"}
    assert models["RelatedResponse"]["required"] == ["id", "results"]
    assert models["SuggestResponse"]["required"] == ["query", "suggestions"]
