"""The peers we measure against, each indexed and served the plain way a developer would.

- `naive_whoosh`: Whoosh with the default `StemmingAnalyzer` on stored title and body, one writer,
  a new searcher per query, Whoosh's default highlighting (`hit.highlights`).
- `sqlite_fts5`: Python's sqlite3 with an FTS5 table (porter tokenizer), `bm25()` with the title
  weighted as ours is, `snippet()`, one connection per server thread.

Both are served by an app as thin as ours (FastAPI on the same uvicorn), answering
`GET /search?q=` with the total and ten hits with snippets, so HTTP costs the same for everyone.
Both read the same Markdown files with python-frontmatter.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frontmatter
from fastapi import FastAPI, Query
from whoosh import index as whoosh_index
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup

PER_PAGE = 10
SNIPPET_TOKENS = 30
TITLE_WEIGHT = 3.0


def read_articles(paths: list[Path], corpus_dir: Path) -> Iterator[tuple[str, str, str]]:
    """(id, title, body) of each file, parsed with python-frontmatter as most tools would."""
    for path in paths:
        post = frontmatter.load(str(path))
        article_id = path.relative_to(corpus_dir).with_suffix("").as_posix()
        yield article_id, str(post.metadata.get("title", "")), post.content


# --- naive Whoosh -------------------------------------------------------------------------------


def naive_schema() -> Schema:
    """The schema a first Whoosh tutorial gives: stemmed, stored title and body."""
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
    )


def build_naive_whoosh(paths: list[Path], corpus_dir: Path, index_dir: Path) -> int:
    """Index `paths` with one default writer; return the number of documents."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), naive_schema())
    writer = ix.writer()
    count = 0
    for article_id, title, body in read_articles(paths, corpus_dir):
        writer.add_document(id=article_id, title=title, body=body)
        count += 1
    writer.commit()
    return count


def update_naive_whoosh(paths: list[Path], corpus_dir: Path, index_dir: Path) -> int:
    """Re-index the changed files `paths` in place (update by unique id)."""
    writer = whoosh_index.open_dir(str(index_dir)).writer()
    for article_id, title, body in read_articles(paths, corpus_dir):
        writer.update_document(id=article_id, title=title, body=body)
    writer.commit()
    return len(paths)


def create_naive_whoosh_app() -> FastAPI:
    """The naive Whoosh search app over the index in `$BENCH_WHOOSH_INDEX`."""
    ix = whoosh_index.open_dir(os.environ["BENCH_WHOOSH_INDEX"])
    parser = MultifieldParser(
        ["title", "body"], ix.schema, fieldboosts={"title": TITLE_WEIGHT}, group=OrGroup
    )
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/search")
    def search(q: str = Query()) -> dict[str, Any]:
        query = parser.parse(q)
        with ix.searcher() as searcher:
            results = searcher.search(query, limit=PER_PAGE)
            hits = [
                {
                    "id": hit["id"],
                    "title": hit["title"],
                    "score": hit.score,
                    "snippet": hit.highlights("body"),
                }
                for hit in results
            ]
            return {"query": q, "total": len(results), "results": hits}

    return app


# --- SQLite FTS5 --------------------------------------------------------------------------------


def build_sqlite_fts5(paths: list[Path], corpus_dir: Path, db_path: Path) -> int:
    """Index `paths` into an FTS5 table in one transaction; return the number of rows."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute(
            "CREATE VIRTUAL TABLE articles USING fts5(id UNINDEXED, title, body, "
            "tokenize = 'porter unicode61')"
        )
        connection.executemany(
            "INSERT INTO articles (id, title, body) VALUES (?, ?, ?)",
            read_articles(paths, corpus_dir),
        )
    count: int = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    connection.close()
    return count


def update_sqlite_fts5(paths: list[Path], corpus_dir: Path, db_path: Path) -> int:
    """Replace the rows of the changed files `paths` in one transaction."""
    connection = sqlite3.connect(db_path)
    with connection:
        for article_id, title, body in read_articles(paths, corpus_dir):
            connection.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            connection.execute(
                "INSERT INTO articles (id, title, body) VALUES (?, ?, ?)", (article_id, title, body)
            )
    connection.close()
    return len(paths)


_FTS_WORD = re.compile(r"\w+")
_FTS_PHRASE = re.compile(r'"([^"]*)"')


def fts5_query(text: str) -> str:
    """User text as an FTS5 query: phrases kept, other words OR-ed, stop words dropped.

    Each word is quoted, so FTS5 never reads user input as its own syntax (AND, NEAR, `-`).
    """
    parts = [
        '"' + " ".join(_FTS_WORD.findall(phrase)) + '"'
        for phrase in _FTS_PHRASE.findall(text)
        if _FTS_WORD.search(phrase)
    ]
    for word in _FTS_WORD.findall(_FTS_PHRASE.sub(" ", text)):
        if word.lower() not in STOP_WORDS:
            parts.append(f'"{word}"')
    return " OR ".join(parts)


def create_sqlite_fts5_app() -> FastAPI:
    """The SQLite FTS5 search app over the database in `$BENCH_SQLITE_DB`."""
    uri = f"file:{os.environ['BENCH_SQLITE_DB']}?mode=ro"
    local = threading.local()
    app = FastAPI()

    def connection() -> sqlite3.Connection:
        # sqlite3 connections must not be used by two threads at once: one per server thread.
        if not hasattr(local, "connection"):
            local.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn: sqlite3.Connection = local.connection
        return conn

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/search")
    def search(q: str = Query()) -> dict[str, Any]:
        match = fts5_query(q)
        if not match:
            return {"query": q, "total": 0, "results": []}
        conn = connection()
        total = conn.execute(
            "SELECT count(*) FROM articles WHERE articles MATCH ?", (match,)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT id, title, bm25(articles, 0.0, ?, 1.0) AS score, "
            "snippet(articles, 2, '<mark>', '</mark>', '\u2026', ?) "
            "FROM articles WHERE articles MATCH ? ORDER BY score LIMIT ?",
            (TITLE_WEIGHT, SNIPPET_TOKENS, match, PER_PAGE),
        ).fetchall()
        hits = [
            {"id": row[0], "title": row[1], "score": -row[2], "snippet": row[3]} for row in rows
        ]
        return {"query": q, "total": total, "results": hits}

    return app
