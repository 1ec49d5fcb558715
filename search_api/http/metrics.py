"""`GET /metrics`: Prometheus figures for requests, searches and the index, from every worker.

With several uvicorn workers, a scrape reaches one of them. `medsearch serve` therefore points
`PROMETHEUS_MULTIPROC_DIR` at a fresh folder per server start (see `search_api.cli`); each worker
writes its counters there and the worker that is scraped adds them all up (prometheus-client's
multiprocess mode). Without that variable (tests, a bare `uvicorn` run) each app counts in its
own registry.

Labels hold route templates (`/articles/{article_id}`), methods and status codes only: never the
query text, the raw path or the client's address, so the figures can be kept and shared.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.status import process_alive
from search_api.engine import EngineCounters, SearchEngine
from search_api.http.dependencies import EngineDep, SettingsDep
from search_api.http.ratelimit import ROUTE_TEMPLATE_KEY
from search_api.http.tokens import same_token
from search_api.models import SearchResponse

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Searches take milliseconds; the top buckets catch a busy machine and time-limited queries.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A path no route matched is counted under this label, never as itself: anyone can send any
# path, and one label per path would grow without bound.
UNMATCHED = "unmatched"
_CHANGES = ("added", "updated", "deleted", "unchanged", "skipped")


class Metrics:
    """The app's Prometheus figures, registered in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "medsearch_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "medsearch_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.searches = Counter(
            "medsearch_searches", "Searches answered with 200.", registry=registry
        )
        self.zero_results = Counter(
            "medsearch_zero_result_searches",
            "Searches that found nothing (after any spelling correction).",
            registry=registry,
        )
        self.partial = Counter(
            "medsearch_partial_searches",
            "Searches cut short by a limit; their results are the best found.",
            registry=registry,
        )
        self.rate_limited = Counter(
            "medsearch_rate_limited_requests",
            "Requests refused with 429 by the rate limit.",
            registry=registry,
        )
        self.cache_hits = Counter(
            "medsearch_result_cache_hits",
            "Searches answered from the result cache.",
            registry=registry,
        )
        self.cache_misses = Counter(
            "medsearch_result_cache_misses",
            "Searches the result cache did not hold.",
            registry=registry,
        )
        # Set by the worker that is scraped; the newest value wins across workers.
        self.documents = Gauge(
            "medsearch_index_documents",
            "Documents in the index generation served.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.generation = Gauge(
            "medsearch_index_generation",
            "Number of the index generation served (gen-000004 is 4); 0 without an index.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.build_seconds = Gauge(
            "medsearch_last_build_duration_seconds",
            "How long the last index update or build took.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.build_finished = Gauge(
            "medsearch_last_build_finished_timestamp_seconds",
            "When the last index update or build ended (Unix time).",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.build_succeeded = Gauge(
            "medsearch_last_build_succeeded",
            "1 if the last index update or build succeeded, 0 if it failed or was interrupted.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self.build_articles = Gauge(
            "medsearch_last_build_articles",
            "Articles the last index update added, updated, deleted, left unchanged or skipped.",
            ["change"],
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self._seen = EngineCounters()
        self._seen_lock = threading.Lock()

    def observe_search(self, response: SearchResponse) -> None:
        """Count one answered search: zero results, cut short."""
        self.searches.inc()
        if response.total == 0:
            self.zero_results.inc()
        if response.partial:
            self.partial.inc()

    def follow_engine(self, counters: EngineCounters) -> None:
        """Add what the engine counted since the last call (running totals in, increments out)."""
        with self._seen_lock:
            hits = counters.result_cache_hits - self._seen.result_cache_hits
            misses = counters.result_cache_misses - self._seen.result_cache_misses
            self._seen = counters
        if hits > 0:
            self.cache_hits.inc(hits)
        if misses > 0:
            self.cache_misses.inc(misses)

    def read_index(self, engine: SearchEngine) -> None:
        """Set the index figures from the engine, just before a scrape."""
        health = engine.health()
        self.documents.set(health.documents)
        generation = health.generation or ""
        number = generation.rpartition("-")[2]
        self.generation.set(int(number) if number.isdigit() else 0)
        last = engine.admin_status().last_build
        if last is None:
            return
        self.build_seconds.set(last.seconds or 0.0)
        if last.finished_at is not None:
            self.build_finished.set(last.finished_at.timestamp())
        self.build_succeeded.set(1 if last.result == "succeeded" else 0)
        for change in _CHANGES:
            self.build_articles.labels(change).set(getattr(last, change))

    def exposition(self) -> bytes:
        """The text a scrape gets: all workers' figures in multiprocess mode, else this app's."""
        folder = os.environ.get(MULTIPROC_ENV)
        if not folder:
            return generate_latest(self.registry)
        _forget_dead_workers(Path(folder))
        registry = CollectorRegistry()
        # prometheus-client's multiprocess helpers carry no annotations.
        multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def _forget_dead_workers(folder: Path) -> None:
    # A worker that died (and was replaced) leaves its files behind. Its counters must stay, or
    # totals would fall; its gauges are dropped, as prometheus-client advises.
    for path in folder.glob("gauge_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not process_alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(folder))  # type: ignore[no-untyped-call]
            path.unlink(missing_ok=True)


def route_label(scope: Scope) -> str:
    """The route template that answered a request (`/articles/{article_id}`), never its raw
    path; for a request refused before routing, the template the refusing middleware noted."""
    route = scope.get("route")
    path = getattr(route, "path", None) if route is not None else scope.get(ROUTE_TEMPLATE_KEY)
    if isinstance(path, str):
        return path.replace(":path}", "}")
    root = scope.get("root_path", "")
    if scope["path"].startswith(f"{root}/static/"):
        return "/static"
    return UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; count it once the response has started (or failed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        counted = False

        def count(status: int) -> None:
            nonlocal counted
            counted = True
            method = scope["method"]
            route = route_label(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
            if status == 429:
                self.metrics.rate_limited.inc()

        async def send_counting(message: Message) -> None:
            # Counted before the client can see the answer, so a scrape right after it
            # (answered by another worker, perhaps) always includes it.
            if message["type"] == "http.response.start":
                count(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            if not counted:
                # Nothing was sent: Starlette's outer layer answers 500.
                count(500)


def get_metrics(request: Request) -> Metrics:
    """The app's metrics."""
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]
_bearer = HTTPBearer(auto_error=False)
router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics_page(
    engine: EngineDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """Prometheus text format; with `MEDSEARCH_METRICS_TOKEN` set, only for that bearer token
    (or the admin token, for the admin page)."""
    if settings.metrics_token is not None:
        allowed = [settings.metrics_token, settings.admin_token]
        given = "" if credentials is None else credentials.credentials
        if not any(t is not None and same_token(given, t.get_secret_value()) for t in allowed):
            raise HTTPException(
                401,
                "Send the metrics token as `Authorization: Bearer TOKEN`.",
                {"WWW-Authenticate": "Bearer"},
            )
    metrics.read_index(engine)
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
