"""Search insights without personal data: which queries readers type most, and which find nothing.

Opt-in (`MEDSEARCH_INSIGHTS=FILE`, a small SQLite file that every worker shares). A query's text
is kept only once at least `MEDSEARCH_INSIGHTS_MIN_CLIENTS` different clients typed the same
normalised query that day, so no single reader's health question can be read back from the file.
Until then the query is known only by a keyed hash, and so are the clients. The key changes
every day and is derived from a secret that lives only in the server's memory (handed to its
workers in the environment by `medsearch serve`), never on disk; the clients' hashes of a day
are deleted once the day is over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from search_api.http.ratelimit import client_key
from search_api.models import ErrorResponse

# Set by `medsearch serve` for its workers, so that they hash alike; not a setting, never stored.
SECRET_ENV = "MEDSEARCH_INTERNAL_INSIGHTS_SECRET"  # noqa: S105 - a variable name, not a secret
# Rows a list shows at most.
TOP = 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tallies (
    day TEXT NOT NULL, query_key TEXT NOT NULL, searches INTEGER NOT NULL DEFAULT 0,
    zero_results INTEGER NOT NULL DEFAULT 0, query TEXT,
    PRIMARY KEY (day, query_key));
CREATE TABLE IF NOT EXISTS clients (
    day TEXT NOT NULL, query_key TEXT NOT NULL, client_key TEXT NOT NULL,
    PRIMARY KEY (day, query_key, client_key));
"""


def normalise(query: str) -> str:
    """The form queries are counted in: Unicode-normalised, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())


def process_secret() -> bytes:
    """The secret this server's workers share (from the environment), or a new one."""
    given = os.environ.get(SECRET_ENV)
    return bytes.fromhex(given) if given else secrets.token_bytes(32)


class QueryCount(BaseModel):
    """A query many readers typed, and how often."""

    query: str = Field(description="The query, lower case, spaces made single.")
    searches: int = Field(description="Searches for it over the days asked about.")


class InsightsResponse(BaseModel):
    """The most frequent queries and those that found nothing, typed by enough readers."""

    days: int = Field(description="How many days, today included, these counts cover.")
    min_clients: int = Field(
        description="Different clients that must have typed a query on one day before it is shown."
    )
    top_queries: list[QueryCount]
    zero_result_queries: list[QueryCount] = Field(
        description="Queries that found nothing: articles to write next."
    )


class Insights:
    """Counts searches per normalised query in a SQLite file; shows only common ones."""

    def __init__(
        self,
        path: Path,
        min_clients: int,
        secret: bytes,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        self.path = path
        self.min_clients = min_clients
        self.secret = secret
        self.today = today
        self._lock = threading.Lock()
        self._cleaned: str | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # A connection per use: requests run on several threads, and workers share the file.
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _key(self, day: str, kind: str, text: str) -> str:
        daily = hmac.new(self.secret, day.encode(), hashlib.sha256).digest()
        return hmac.new(daily, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()

    def record(self, query: str, client: str, found: int) -> None:
        """Count one search for `query` by `client` that found `found` articles."""
        text = normalise(query)
        if not text:
            return
        day = self.today().isoformat()
        query_key = self._key(day, "q", text)
        with self._lock, self._connect() as db:
            if self._cleaned != day:
                # Yesterday's client hashes are of no more use, and queries that never reached
                # the threshold can never be shown.
                db.execute("DELETE FROM clients WHERE day != ?", (day,))
                db.execute("DELETE FROM tallies WHERE day != ? AND query IS NULL", (day,))
                self._cleaned = day
            db.execute(
                "INSERT OR IGNORE INTO clients VALUES (?, ?, ?)",
                (day, query_key, self._key(day, "c", client)),
            )
            db.execute(
                "INSERT INTO tallies (day, query_key, searches, zero_results) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (day, query_key) DO UPDATE SET searches = searches + 1,"
                " zero_results = zero_results + excluded.zero_results",
                (day, query_key, 1 if found == 0 else 0),
            )
            (clients,) = db.execute(
                "SELECT count(*) FROM clients WHERE day = ? AND query_key = ?", (day, query_key)
            ).fetchone()
            if clients >= self.min_clients:
                db.execute(
                    "UPDATE tallies SET query = ? WHERE day = ? AND query_key = ?",
                    (text, day, query_key),
                )

    def report(self, days: int) -> InsightsResponse:
        """The shown queries of the last `days` days, most searched first."""
        since = (self.today() - dt.timedelta(days=days - 1)).isoformat()
        with self._lock, self._connect() as db:
            top = db.execute(
                "SELECT query, sum(searches) FROM tallies WHERE day >= ? AND query IS NOT NULL"
                " GROUP BY query ORDER BY sum(searches) DESC, query LIMIT ?",
                (since, TOP),
            ).fetchall()
            zero = db.execute(
                "SELECT query, sum(zero_results) FROM tallies WHERE day >= ?"
                " AND query IS NOT NULL GROUP BY query HAVING sum(zero_results) > 0"
                " ORDER BY sum(zero_results) DESC, query LIMIT ?",
                (since, TOP),
            ).fetchall()
        return InsightsResponse(
            days=days,
            min_clients=self.min_clients,
            top_queries=[QueryCount(query=q, searches=n) for q, n in top],
            zero_result_queries=[QueryCount(query=q, searches=n) for q, n in zero],
        )


def note_search(request: Request, query: str | None, page: int, found: int) -> None:
    """Count a reader's search (its first page only) when insights are on."""
    insights: Insights | None = request.app.state.insights
    if insights is None or query is None or page != 1:
        return
    client = request.client.host if request.client else "unknown"
    insights.record(query, client_key(client), found)


router = APIRouter(prefix="/admin", tags=["admin"])


def get_insights(request: Request) -> Insights | None:
    """The app's insights, or None when they are off."""
    insights: Insights | None = request.app.state.insights
    return insights


@router.get(
    "/insights",
    responses={
        401: {"model": ErrorResponse, "description": "The admin token is missing or wrong."},
        404: {"model": ErrorResponse, "description": "Search insights are off."},
    },
)
def read_insights(
    insights: Annotated[Insights | None, Depends(get_insights)],
    days: Annotated[int, Query(ge=1, le=90, description="Days to cover, today included.")] = 7,
) -> InsightsResponse:
    """The most frequent queries and the queries that found nothing, for editors.

    A query appears only once at least `min_clients` different clients typed it on one day;
    off (404) unless `MEDSEARCH_INSIGHTS` names a file.
    """
    if insights is None:
        raise HTTPException(404, "Search insights are off; set MEDSEARCH_INSIGHTS to a file.")
    return insights.report(days)
