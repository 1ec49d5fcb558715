"""An index built before the filter, sort and autocomplete fields: 503s that say to rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import whoosh.index
from fastapi.testclient import TestClient

from indexer.articles import iter_corpus
from indexer.schema import article_to_document, build_schema
from indexer.settings import Settings
from indexer.storage import new_build_dir, publish
from search_api.http.app import create_app
from tests.conftest import TEST_CORPUS

NEW_FIELDS = ("author_exact", "day")
REBUILD = "rebuild it with: medsearch index --corpus CORPUS --index INDEX"


@pytest.fixture
def old_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app serving an index whose schema lacks the fields added for reader features."""
    schema = build_schema()
    for name in NEW_FIELDS:
        schema.remove(name)
    index_dir = tmp_path / "index"
    build_dir = new_build_dir(index_dir)
    writer = whoosh.index.create_in(str(build_dir), schema).writer()
    for article in iter_corpus(TEST_CORPUS):
        assert not isinstance(article, Exception)
        document = article_to_document(article)
        writer.add_document(**{k: v for k, v in document.items() if k not in NEW_FIELDS})
    writer.commit()
    publish(index_dir, build_dir)
    with TestClient(create_app(Settings(index_dir=index_dir))) as client:
        yield client


def test_outdated_index_still_answers_plain_searches(old_client: TestClient) -> None:
    response = old_client.get("/search", params={"q": "botox", "facets": ""})
    assert response.status_code == 200
    assert response.json()["total"] == 2


def test_outdated_index_still_suggests(old_client: TestClient) -> None:
    response = old_client.get("/suggest", params={"q": "bot"})
    assert response.json() == {
        "query": "bot",
        "suggestions": ["botox", "Botox for chronic migraine"],
    }


def test_outdated_index_still_filters_by_tag_and_date(old_client: TestClient) -> None:
    response = old_client.get("/search", params={"q": "headache", "tag": "tmj", "from": "2024"})
    assert response.status_code == 200
    assert [hit["id"] for hit in response.json()["results"]] == ["nested/deep/jaw-pain"]


@pytest.mark.parametrize(
    ("path", "params", "feature", "fields"),
    [
        ("/search", {"author": "Dr. Ada Finch"}, "Filtering by author", "author_exact"),
        ("/search", {"q": "botox", "sort": "date"}, "Sorting by date", "day"),
        ("/search", {"q": "botox", "facets": "tag,year,author"}, "Facets", "day, author_exact"),
    ],
)
def test_outdated_index_features_are_503_saying_rebuild(
    old_client: TestClient, path: str, params: dict[str, str], feature: str, fields: str
) -> None:
    response = old_client.get(path, params=params)
    assert response.status_code == 503
    assert response.json() == {
        "detail": f"{feature} needs the index field(s) {fields}, which this index was built "
        f"without; {REBUILD}"
    }
