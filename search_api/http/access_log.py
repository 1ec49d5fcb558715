"""The request log: one JSON line per request, without query text unless settings allow it.

What people search a clinic's site for (symptoms, diagnoses, medicines) is health data about
them. By default the line holds method, path, status, time and hit count only: no query string
and no client address, so the log can be kept and shared for operations without becoming a
record of who searched for what. `MEDSEARCH_LOG_QUERIES=true` adds both, for debugging.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "medsearch.access"
HITS_KEY = "medsearch_hits"

logger = logging.getLogger(ACCESS_LOGGER)


def note_hits(request: Request, hits: int) -> None:
    """Record how many results a request found, for its log line."""
    setattr(request.state, HITS_KEY, hits)


def request_record(scope: Scope, status: int, seconds: float, log_queries: bool) -> dict[str, Any]:
    """The fields of one request's log line."""
    state = scope.get("state") or {}
    record: dict[str, Any] = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "ms": round(seconds * 1000, 1),
        "hits": state.get(HITS_KEY),
    }
    if log_queries:
        client = scope.get("client")
        record["query"] = scope.get("query_string", b"").decode("latin-1")
        record["client"] = client[0] if client else None
    return record


class AccessLogMiddleware:
    """Writes one structured line per HTTP request to the `medsearch.access` logger."""

    def __init__(self, app: ASGIApp, log_queries: bool) -> None:
        self.app = app
        self.log_queries = log_queries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and log it once the response has been sent (or failed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # An exception that escapes every handler becomes a 500 from Starlette's outer layer.
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            record = request_record(scope, status, time.perf_counter() - started, self.log_queries)
            logger.info(json.dumps(record, ensure_ascii=False))


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging setup plus medsearch's loggers: request lines as bare JSON on stdout."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["medsearch_json"] = {"format": "%(message)s"}
    config["handlers"]["medsearch_access"] = {
        "formatter": "medsearch_json",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["medsearch"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    config["loggers"][ACCESS_LOGGER] = {
        "handlers": ["medsearch_access"],
        "level": level.upper(),
        "propagate": False,
    }
    return config
