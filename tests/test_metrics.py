"""`GET /metrics`: Prometheus text that the client library's parser reads, summed over workers."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bench.server import Server, running_server
from indexer.build import update_index
from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import ADMIN_TOKEN, write_article

METRICS_TOKEN = "test-metrics-token-0123456789"  # noqa: S105 - a made-up token for tests


Scrape = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Scrape:
    """Every sample of a scrape, keyed by name and sorted labels, read by prometheus-client."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: Scrape, name: str, **labels: str) -> float:
    """One sample's value; 0 when the scrape does not have it."""
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    client.get("/search", params={"q": "migraine"})
    client.get("/search", params={"q": "migraine"})
    client.get("/search", params={"q": "xylophone"})
    client.get("/search", params={"q": ""})
    client.get("/articles/migraine-basics")
    client.get("/articles/no-such-article")
    client.get("/no/such/page")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    scrape = samples(response.text)
    requests = "medsearch_http_requests_total"
    assert value(scrape, requests, method="GET", route="/search", status="200") == 3
    assert value(scrape, requests, method="GET", route="/search", status="400") == 1
    assert value(scrape, requests, method="GET", route="/articles/{article_id}", status="200") == 1
    assert value(scrape, requests, method="GET", route="/articles/{article_id}", status="404") == 1
    assert value(scrape, requests, method="GET", route="unmatched", status="404") == 1
    assert (
        value(
            scrape, "medsearch_http_request_duration_seconds_count", method="GET", route="/search"
        )
        == 4
    )
    assert value(scrape, "medsearch_searches_total") == 3
    assert value(scrape, "medsearch_zero_result_searches_total") == 1
    assert value(scrape, "medsearch_partial_searches_total") == 0
    # The second "migraine" came from the result cache.
    assert value(scrape, "medsearch_result_cache_hits_total") == 1
    assert value(scrape, "medsearch_result_cache_misses_total") == 2
    assert value(scrape, "medsearch_index_documents") == 7
    assert value(scrape, "medsearch_index_generation") == 1
    # No query text, article id or raw path in any label.
    labels = {label for _, pairs in scrape for _, label in pairs}
    assert not labels & {"migraine", "xylophone", "migraine-basics", "/no/such/page"}
    assert "xylophone" not in response.text
    assert "no-such-article" not in response.text


def test_metrics_report_the_last_build(
    client: TestClient, corpus_dir: Path, index_dir: Path
) -> None:
    write_article(corpus_dir, "riboflavin.md", "---\ntitle: Riboflavin\n---\nVitamin B2.\n")
    write_article(corpus_dir, "broken.md", "---\ndate: 2020-01-01\n---\nNo title.\n")
    (corpus_dir / "migraine-basics.md").unlink()
    update_index(corpus_dir, index_dir)
    scrape = samples(client.get("/metrics").text)
    articles = "medsearch_last_build_articles"
    assert [
        value(scrape, articles, change=c)
        for c in ("added", "updated", "deleted", "unchanged", "skipped")
    ] == [1, 0, 1, 6, 1]
    assert value(scrape, "medsearch_last_build_succeeded") == 1
    assert value(scrape, "medsearch_last_build_duration_seconds") > 0
    assert value(scrape, "medsearch_last_build_finished_timestamp_seconds") > 1.7e9
    assert (
        value(scrape, "medsearch_index_documents"),
        value(scrape, "medsearch_index_generation"),
    ) == (7, 2)


def test_metrics_count_partial_searches_and_rate_limit_refusals(settings: Settings) -> None:
    limited = settings.model_copy(
        update={"rate_limit_per_minute": 1, "rate_limit_burst": 1, "max_expansions": 1}
    )
    with TestClient(create_app(limited)) as client:
        body = client.get("/search", params={"q": "m*"}).json()
        refused = client.get("/search", params={"q": "m*"})
        scrape = samples(client.get("/metrics").text)
    assert body["partial"] is True
    assert refused.status_code == 429
    assert value(scrape, "medsearch_partial_searches_total") == 1
    assert value(scrape, "medsearch_rate_limited_requests_total") == 1
    assert (
        value(scrape, "medsearch_http_requests_total", method="GET", route="/search", status="429")
        == 1
    )


def test_metrics_token_when_set(settings: Settings) -> None:
    guarded = settings.model_copy(
        update={"metrics_token": SecretStr(METRICS_TOKEN), "admin_token": SecretStr(ADMIN_TOKEN)}
    )
    with TestClient(create_app(guarded)) as client:
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"})
        right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        # The admin page shows a few figures with the admin token.
        admin = client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "Send the metrics token as `Authorization: Bearer TOKEN`."},
    )
    assert missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert (right.status_code, admin.status_code) == (200, 200)
    assert "medsearch_http_requests_total" in right.text


def _get(server: Server, path: str) -> int:
    # A fresh connection each time, so the kernel spreads requests over the workers.
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _pids(server: Server, path: str) -> set[int]:
    records = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    return {record["pid"] for record in records if record["path"] == path}


def test_metrics_add_up_every_worker_of_a_real_server(index_dir: Path, tmp_path: Path) -> None:
    env = {"MEDSEARCH_LOG_LEVEL": "info"}
    with running_server(index_dir, tmp_path, env=env, workers=2) as server:
        sent = 0
        # Until the request log shows both workers answering (at most 500 searches).
        while len(_pids(server, "/search")) < 2 and sent < 500:
            assert _get(server, "/search?q=migraine") == 200
            sent += 1
        assert len(_pids(server, "/search")) == 2
        # Each scrape is answered by one worker; every one must count every worker's searches.
        scrapes: list[Scrape] = []
        while len(_pids(server, "/metrics")) < 2 and len(scrapes) < 500:
            connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
            connection.request("GET", "/metrics")
            scrapes.append(samples(connection.getresponse().read().decode()))
            connection.close()
        assert len(_pids(server, "/metrics")) == 2
    for scrape in scrapes:
        assert (
            value(
                scrape, "medsearch_http_requests_total", method="GET", route="/search", status="200"
            )
            == sent
        )
        assert value(scrape, "medsearch_searches_total") == sent
        assert value(scrape, "medsearch_index_documents") == 7
