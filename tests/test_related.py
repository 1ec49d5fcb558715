"""GET /articles/{id}/related: the "Continue reading" block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from tests.conftest import write_article


def _related(client: TestClient, article_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/articles/{article_id}/related", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [article["id"] for article in body["results"]]


def test_related_shape_and_default_limit(client: TestClient) -> None:
    body = _related(client, "tension-type-headache")
    assert body["id"] == "tension-type-headache"
    # Headache articles first: "botox" is one word of its body, "headache" its topic.
    assert _ids(body) == [
        "headaches-in-pregnancy",
        "cluster-headache-oxygen",
        "botox-for-chronic-migraine",
    ]
    assert body["results"][2] == {
        "id": "botox-for-chronic-migraine",
        "title": "Botox for chronic migraine",
        "date": "2012-03-14",
        "author": "Dr. Ada Finch",
        "excerpt": "How injections every twelve weeks reduce headache days.",
    }


def test_related_excerpt_is_opening_words_without_summary(client: TestClient) -> None:
    body = _related(client, "cluster-headache-oxygen", limit=2)
    assert _ids(body) == [
        "migraine-basics",
        "headaches-in-pregnancy",
    ]
    assert body["results"][0] == {
        "id": "migraine-basics",
        "title": "Migraine basics",
        "date": "2015-06-01",
        "author": "Dr. Ada Finch",
        "excerpt": "A migraine is more than a bad headache. Attacks bring throbbing pain, nausea "
        "and sensitivity to light. Keeping a diary of attacks helps your doctor choose a "
        "treatment.",
    }


def test_related_never_lists_the_article_itself(client: TestClient) -> None:
    for article_id in ("migraine-basics", "unsafe-markup", "nested/deep/jaw-pain"):
        ids = _ids(_related(client, article_id, limit=20))
        assert article_id not in ids
        assert len(ids) == len(set(ids))


def test_related_is_empty_when_nothing_shares_key_terms(client: TestClient) -> None:
    assert _related(client, "unsafe-markup") == {"id": "unsafe-markup", "results": []}


def test_related_nested_id_routes_to_related(client: TestClient) -> None:
    body = _related(client, "nested/deep/jaw-pain")
    assert body["id"] == "nested/deep/jaw-pain"
    assert _ids(body) == [
        "migraine-basics",
        "headaches-in-pregnancy",
        "cluster-headache-oxygen",
    ]


def test_related_prefers_shared_key_terms_and_tags(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    write_article(
        corpus_dir,
        "magnesium.md",
        "---\ntitle: Magnesium supplements\ntags: [supplements]\n---\n"
        "Magnesium citrate supplements are taken daily.\n",
    )
    write_article(
        corpus_dir,
        "riboflavin.md",
        "---\ntitle: Riboflavin\ntags: [supplements]\n---\nRiboflavin is vitamin B2.\n",
    )
    write_article(
        corpus_dir,
        "magnesium-sleep.md",
        "---\ntitle: Magnesium and sleep\n---\nSome take magnesium citrate at night.\n",
    )
    build_index(corpus_dir, index_dir)
    assert _ids(_related(client, "magnesium", limit=2)) == ["magnesium-sleep", "riboflavin"]


def test_related_article_named_related_in_a_folder_is_still_served(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    write_article(corpus_dir, "guides/related.md", "---\ntitle: Related reading\n---\nLinks.\n")
    build_index(corpus_dir, index_dir)
    response = client.get("/articles/guides/related")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["title"]) == (
        "guides/related",
        "Related reading",
    )


def test_related_unknown_article_is_404(client: TestClient) -> None:
    response = client.get("/articles/nested/deep/no-such/related")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "no article with id 'nested/deep/no-such'"},
    )


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (
            "/articles/migraine-basics/related?limit=0",
            "Parameter 'limit': Input should be greater than or equal to 1 (got '0').",
        ),
        (
            "/articles/migraine-basics/related?limit=21",
            "Parameter 'limit': Input should be less than or equal to 20 (got '21').",
        ),
        (
            "/articles/..%2F..%2Fetc%2Fpasswd/related",
            "Article ids are corpus paths such as how-does-botox-help-headaches or "
            "im-guide/nephro/consults: letters, digits, '.', '_', '-', '/' only, "
            "with no '..' and no leading '/'.",
        ),
    ],
)
def test_related_bad_input_is_400(client: TestClient, path: str, detail: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.json()) == (400, {"detail": detail})
