"""The README's example requests, run against the bundled corpus: the documented answers hold.

Each ```sh block holding one `curl 'localhost:8000/...'` followed by a ```json block is sent to
the API (an index of `corpus/`, as `bash scripts/serve` builds it) and the answer compared with
the JSON: the same fields and values, scores to four significant digits and `took_ms` as any
time. A list written as `["… one hit, as above …"]` stands for content shown elsewhere. The
`/health` line and the quoted 400 answers are checked too, so the README cannot drift again.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from indexer.settings import Settings
from search_api.http.app import create_app

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```sh\n(?P<sh>[^`]*?)\n```\s*```json\n(?P<json>.*?)\n```", re.S)
CURL = re.compile(r"^curl '?localhost:8000(?P<path>/[^' ]*)'?$")
# `facets=colour` gives `{"detail": "..."}`; `400 {"detail": "..."}`; `200 {...}` for /health.
GIVES = re.compile(r"`(?P<params>[a-z_]+=[^`]*)` gives\s+`(?P<json>\{\"detail\": [^`]*\})`")
HEALTH = re.compile(r"`200 (?P<json>\{\"status\": [^`]*\})`")
EMPTY_QUERY = re.compile(r"With neither `q` nor a filter the answer is `400 (?P<json>\{[^`]*\})`")


def _text() -> str:
    return README.read_text(encoding="utf-8")


def documented_requests() -> list[tuple[str, Any]]:
    """(path, documented JSON) for every curl example followed by its answer."""
    found = []
    for block in BLOCK.finditer(_text()):
        match = CURL.match(block["sh"].strip())
        if match:
            found.append((match["path"], json.loads(block["json"])))
    return found


def matches(documented: Any, actual: Any, where: str = "") -> list[str]:
    """Where `actual` differs from `documented`; empty when it is as the README says."""
    if isinstance(documented, list) and len(documented) == 1 and str(documented[0])[:1] == "…":
        return []  # content the README shows elsewhere
    if isinstance(documented, dict) and isinstance(actual, dict):
        if set(documented) != set(actual):
            return [f"{where}: fields {sorted(documented)} != {sorted(actual)}"]
        return [
            d for key in documented for d in matches(documented[key], actual[key], f"{where}.{key}")
        ]
    if isinstance(documented, list) and isinstance(actual, list):
        if len(documented) != len(actual):
            return [f"{where}: {len(documented)} items documented, {len(actual)} answered"]
        return [
            d
            for i, (a, b) in enumerate(zip(documented, actual, strict=True))
            for d in matches(a, b, f"{where}[{i}]")
        ]
    if where.endswith(".took_ms"):
        return [] if isinstance(actual, int | float) and actual >= 0 else [f"{where}: {actual!r}"]
    if where.endswith(".score") and isinstance(documented, float) and isinstance(actual, float):
        return (
            []
            if math.isclose(documented, actual, rel_tol=1e-4)
            else [f"{where}: {documented} != {actual}"]
        )
    return (
        []
        if documented == actual and type(documented) is type(actual)
        else [f"{where}: {documented!r} != {actual!r}"]
    )


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API over an index of the bundled corpus, built as `bash scripts/serve` does."""
    index_dir = tmp_path_factory.mktemp("readme") / "index"
    build_index(ROOT / "corpus", index_dir)
    with TestClient(
        create_app(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir))
    ) as client:
        yield client


def test_readme_examples_are_found() -> None:
    paths = [path for path, _ in documented_requests()]
    assert len(paths) >= 8, paths
    assert len(GIVES.findall(" ".join(_text().split()))) >= 2
    assert HEALTH.search(_text())
    assert EMPTY_QUERY.search(" ".join(_text().split()))


@pytest.mark.parametrize(
    ("path", "documented"),
    documented_requests(),
    ids=lambda v: str(v)[:60] if isinstance(v, str) else "",
)
def test_readme_example_answers_as_documented(
    bundled: TestClient, path: str, documented: Any
) -> None:
    response = bundled.get(path)
    assert response.status_code == 200, response.text
    assert matches(documented, response.json()) == []


def test_readme_quoted_errors_and_health_are_what_the_api_says(bundled: TestClient) -> None:
    text = " ".join(_text().split())  # quotes wrap across lines
    for found in GIVES.finditer(text):
        params = urllib.parse.parse_qsl(found["params"])
        response = bundled.get("/search", params=params)
        assert (response.status_code, response.json()) == (400, json.loads(found["json"])), found[
            "params"
        ]
    empty = EMPTY_QUERY.search(text)
    assert empty is not None
    response = bundled.get("/search")
    assert (response.status_code, response.json()) == (400, json.loads(empty["json"]))
    health = HEALTH.search(_text())
    assert health is not None
    assert bundled.get("/health").json() == json.loads(health["json"])
