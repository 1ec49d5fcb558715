"""The result cache: repeated searches answered from memory, never across generations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.errors import QueryError
from indexer.settings import Settings
from search_api.http.app import create_app
from search_api.models import SearchResponse
from search_api.result_cache import ResultCache
from tests.conftest import write_article


def _response(query: str) -> SearchResponse:
    return SearchResponse(query=query, total=0, page=1, per_page=10, took_ms=5.0, results=[])


def test_result_cache_computes_once_per_key() -> None:
    cache = ResultCache(capacity=10)
    calls: list[str] = []

    def compute(query: str) -> SearchResponse:
        calls.append(query)
        return _response(query)

    first = cache.get_or_compute("a", lambda: compute("a"))
    again = cache.get_or_compute("a", lambda: compute("a"))
    assert calls == ["a"]
    assert again.model_dump(exclude={"took_ms"}) == first.model_dump(exclude={"took_ms"})


def test_result_cache_does_not_keep_partial_responses() -> None:
    cache = ResultCache(capacity=10)
    calls: list[str] = []

    def compute() -> SearchResponse:
        calls.append("a")
        return _response("a").model_copy(update={"partial": len(calls) == 1})

    assert cache.get_or_compute("a", compute).partial is True
    assert cache.get_or_compute("a", compute).partial is False
    assert cache.get_or_compute("a", compute).partial is False
    assert calls == ["a", "a"]


def test_result_cache_forgets_the_least_recently_used() -> None:
    cache = ResultCache(capacity=2)
    calls: list[str] = []

    def compute(key: str) -> SearchResponse:
        calls.append(key)
        return _response(key)

    for key in ["a", "b", "a", "c", "a", "b"]:
        cache.get_or_compute(key, lambda key=key: compute(key))  # type: ignore[misc]
    # "b" was the least recently used when "c" came in, so it had to be computed again.
    assert calls == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_result_cache_of_size_zero_always_computes() -> None:
    cache = ResultCache(capacity=0)
    calls: list[int] = []

    def compute() -> SearchResponse:
        calls.append(1)
        return _response("a")

    for _ in range(3):
        cache.get_or_compute("a", compute)
    assert (len(calls), len(cache)) == (3, 0)


def test_result_cache_does_not_remember_errors() -> None:
    cache = ResultCache(capacity=10)

    def refuse() -> SearchResponse:
        raise QueryError("no")

    for _ in range(2):
        with pytest.raises(QueryError):
            cache.get_or_compute("bad", refuse)
    assert len(cache) == 0


def _ids(client: TestClient, q: str) -> list[str]:
    body: dict[str, Any] = client.get("/search", params={"q": q}).json()
    return [hit["id"] for hit in body["results"]]


def test_search_repeated_query_is_served_from_cache_until_a_new_generation(
    settings: Settings, corpus_dir: Path, index_dir: Path
) -> None:
    with TestClient(create_app(settings)) as client:
        first = client.get("/search", params={"q": "oxygen"}).json()
        second = client.get("/search", params={"q": "oxygen"}).json()
        assert {**second, "took_ms": 0} == {**first, "took_ms": 0}
        assert len(client.app.state.engine.result_cache) == 1  # type: ignore[attr-defined]
        write_article(corpus_dir, "oxygen.md", "---\ntitle: Oxygen at home\n---\nOxygen tanks.\n")
        build_index(corpus_dir, index_dir)
        assert _ids(client, "oxygen")[0] == "oxygen"
