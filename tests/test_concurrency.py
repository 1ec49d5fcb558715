"""Many requests at once get exactly the answers they get one at a time."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import write_article

VOCABULARY = (  # noqa: SIM905 - a sentence of words reads better than forty quoted strings
    "migraine headache aura nausea botox triptan sumatriptan oxygen cluster jaw tmj sleep "
    "magnesium riboflavin pregnancy child caffeine stress neck pain injection nerve block "
    "prevention treatment diary trigger weather screen light sound vomiting dizziness vision"
).split()


@pytest.fixture(scope="module")
def busy_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app over 400 generated articles: enough data that shared Whoosh state would show."""
    root = tmp_path_factory.mktemp("busy")
    rng = random.Random(7)
    for number in range(400):
        words = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(80, 200)))
        title = " ".join(rng.sample(VOCABULARY, 3))
        write_article(root / "corpus", f"a{number:03d}.md", f"---\ntitle: {title}\n---\n{words}\n")
    build_index(root / "corpus", root / "index")
    # No result cache: every request must really search, or sharing would go unnoticed.
    settings = Settings(index_dir=root / "index", result_cache_size=0)
    with TestClient(create_app(settings)) as client:
        yield client


def _answer(client: TestClient, q: str) -> tuple[int, int, list[tuple[str, float, str]]]:
    response = client.get("/search", params={"q": q, "per_page": 10})
    body: dict[str, Any] = response.json()
    hits = [(hit["id"], hit["score"], hit["snippet"]) for hit in body.get("results", [])]
    return response.status_code, body.get("total", -1), hits


def test_search_concurrent_requests_match_sequential_answers(busy_client: TestClient) -> None:
    rng = random.Random(11)
    queries = [" ".join(rng.sample(VOCABULARY, rng.randint(1, 3))) for _ in range(40)]
    queries += ['"neck pain"', "title:botox NOT title:oxygen", "title:migraine", "migr*"]
    expected = {q: _answer(busy_client, q) for q in queries}
    assert [q for q, (status, total, _) in expected.items() if status != 200 or not total] == []
    workload = queries * 10
    rng.shuffle(workload)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda q: (q, _answer(busy_client, q)), workload))
    wrong = [q for q, answer in answers if answer != expected[q]]
    assert len(answers) == len(workload)
    assert wrong == []
