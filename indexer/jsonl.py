"""Loading articles from JSON Lines in the BEIR format (`_id`, `title`, `text` on each line)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from indexer.articles import Article
from indexer.errors import ArticleError, CorpusNotFoundError


def parse_jsonl_line(raw: bytes, path: Path, line_number: int) -> Article:
    """One BEIR document as an Article: `_id` is the id, `title` the title, `text` the body."""
    where = Path(f"{path}:{line_number}")
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArticleError(where, "line", f"not a JSON object: {exc}") from None
    if not isinstance(record, dict):
        raise ArticleError(where, "line", "not a JSON object")
    article_id = record.get("_id")
    if not isinstance(article_id, str | int) or not str(article_id).strip():
        raise ArticleError(where, "_id", "missing; every document needs an `_id`")
    article_id = str(article_id).strip()
    body = record.get("text") or ""
    # BEIR collections leave some titles empty; the id stands in so the document is still found
    # by its text, and the id adds no misleading words to the weighted title field.
    title = record.get("title") or article_id
    try:
        return Article(
            id=article_id,
            title=title,
            body=body,
            content_hash=hashlib.sha256(raw).hexdigest(),
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "line"
        raise ArticleError(where, field, error["msg"]) from None


def iter_jsonl(path: Path) -> Iterator[Article | ArticleError]:
    """Every document of a BEIR `corpus.jsonl`, yielding an ArticleError for each bad line."""
    if not path.is_file():
        raise CorpusNotFoundError(path)
    with path.open("rb") as lines:
        for line_number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                yield parse_jsonl_line(raw, path, line_number)
            except ArticleError as error:
                yield error
