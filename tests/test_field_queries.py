"""`body:` and `summary:` queries: stored-only fields whose words are searched in `content`."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import result_ids, search_body


def test_field_query_body_finds_words_of_the_body(client: TestClient) -> None:
    body = search_body(client, "body:onabotulinumtoxina")
    assert result_ids(body) == ["botox-for-chronic-migraine"]
    assert "<mark>OnabotulinumtoxinA</mark>" in body["results"][0]["snippet"]


def test_field_query_summary_finds_words_of_the_summary(client: TestClient) -> None:
    body = search_body(client, "summary:twelve")
    assert result_ids(body) == ["botox-for-chronic-migraine"]


def test_field_query_body_phrase_matches_as_in_content(client: TestClient) -> None:
    assert result_ids(search_body(client, 'body:"tight band"')) == result_ids(
        search_body(client, 'content:"tight band"')
    )
    assert result_ids(search_body(client, 'body:"tight band"')) == ["tension-type-headache"]


def test_field_query_body_without_a_word_asks_for_one(client: TestClient) -> None:
    response = client.get("/search", params={"q": "body:"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "'body:' needs a word after the colon, for example body:migraine."
    }


def test_field_query_title_still_searches_titles_only(client: TestClient) -> None:
    # "onabotulinumtoxina" is in a body, never in a title.
    assert result_ids(search_body(client, "title:onabotulinumtoxina")) == []
    assert result_ids(search_body(client, "title:botox")) == ["botox-for-chronic-migraine"]
