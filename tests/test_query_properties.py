"""Whatever a reader types, the API answers 200 or 400 with a detail, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# UTF-8 has no lone surrogates, which no URL can carry anyway.
QUERY_ALPHABET = st.characters(codec="utf-8")
SYNTAX = st.sampled_from(
    ['"', "(", ")", "AND", "OR", "NOT", "*", "?", "title:", "author:", "date:[", " TO ", "]", "^2"]
)
WORDS = st.sampled_from(["botox", "migraine", "jaw", "headache", "the", "oxygen"])
QUERIES = st.one_of(
    st.text(QUERY_ALPHABET, max_size=60),
    st.lists(st.one_of(SYNTAX, WORDS), max_size=12).map(" ".join),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=QUERIES)
def test_search_any_query_is_answered_or_refused_cleanly(client: TestClient, q: str) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code in (200, 400), (q, response.text)
    body = response.json()
    if response.status_code == 400:
        assert isinstance(body["detail"], str)
        assert body["detail"]
    else:
        assert body["total"] >= len(body["results"])
