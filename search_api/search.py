"""Running a search: query text in, a page of ranked hits with snippets out."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from indexer.errors import ArticleNotFoundError, QueryError
from indexer.schema import TEXT_FIELDS, stored_tags
from search_api.counting import count_matches, countable
from search_api.models import ArticleResponse, SearchHit, SearchResponse
from search_api.query import parse_query, positive_query
from search_api.snippets import make_snippet


@dataclass(frozen=True)
class SearchOptions:
    """Limits and snippet size for one search, taken from settings."""

    snippet_words: int = 30
    max_query_length: int = 1000
    max_result_window: int = 10_000


def _stored_date(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else None


def highlight_terms(searcher: Any, parsed: Any) -> frozenset[str]:
    """Indexed forms of the query's positive words in the text fields, wildcards expanded."""
    # Query.existing_terms() is not used: it reuses its `fieldname` argument as a loop variable
    # and so skips every leaf after the first whose field differs.
    reader = searcher.reader()
    terms: set[str] = set()
    for leaf in positive_query(parsed).leaves():
        for field, text in leaf.expanded_terms(reader, phrases=True):
            if field not in TEXT_FIELDS:
                continue
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            if (field, word) in reader:
                terms.add(word)
    return frozenset(terms)


def snippet_for(fields: dict[str, Any], searcher: Any, terms: frozenset[str], words: int) -> str:
    """The body around its best matches; the summary or the opening words when the body has none."""
    schema = searcher.schema
    body = fields.get("body") or ""
    snippet, matched = make_snippet(body, schema["body"].analyzer, terms, words)
    summary = fields.get("summary") or ""
    if not matched and summary:
        summary_snippet, summary_matched = make_snippet(
            summary, schema["summary"].analyzer, terms, words
        )
        if summary_matched or not body:
            return summary_snippet
    return snippet


# Whoosh picks how to join OR clauses by the size of each segment: above this many documents it
# walks a tree of unions that can skip blocks, below it adds every posting into an array.
_ARRAY_UNION_MAX_DOCS = 5000


def one_segment_unions(parsed: Any, doc_count: int) -> Any:
    """Make OR clauses join as they would in one segment holding all `doc_count` documents.

    A parallel build writes one segment per process, so segments can fall under Whoosh's limit
    while the index as a whole is over it. The two ways of joining add the same scores in a
    different order; choosing as for one segment keeps scores identical to a single writer's to
    the last bit, and keeps block skipping on large indexes.
    """
    if doc_count <= _ARRAY_UNION_MAX_DOCS:
        return parsed
    if isinstance(parsed, wq.Or) and len(parsed.subqueries) < wq.Or.TOO_MANY_CLAUSES:
        parsed.matcher_type = wq.Or.DEFAULT_MATCHER
    if not parsed.is_leaf():
        for child in parsed.children():
            one_segment_unions(child, doc_count)
    return parsed


def ranked_ids(
    searcher: Any, parser: Any, query_text: str, limit: int, max_length: int
) -> list[str]:
    """Ids of the top `limit` articles for `query_text`, best first (no snippets)."""
    parsed = one_segment_unions(
        parse_query(query_text, parser, max_length), searcher.doc_count_all()
    )
    return [hit["id"] for hit in searcher.search(parsed, limit=limit)]


def search(
    searcher: Any,
    parser: Any,
    query_text: str,
    page: int,
    per_page: int,
    options: SearchOptions,
) -> SearchResponse:
    """Search for `query_text` and return page `page` of the ranked results with snippets."""
    started = time.perf_counter()
    if page * per_page > options.max_result_window:
        raise QueryError(
            f"Results past the first {options.max_result_window:,} cannot be paged to "
            f"(page {page} x per_page {per_page}); refine the query instead."
        )
    parsed = one_segment_unions(
        parse_query(query_text, parser, options.max_query_length), searcher.doc_count_all()
    )
    # Word queries are counted from posting blocks (search_api/counting.py), so the top hits may
    # skip blocks that cannot reach the page. Other queries (phrases, wildcards) are counted in
    # the same pass that scores them, instead of Whoosh running them a second time to count.
    by_blocks = countable(parsed)
    results = searcher.search(parsed, limit=page * per_page, terms=False, optimize=by_blocks)
    total = count_matches(searcher, parsed) if by_blocks else None
    terms = highlight_terms(searcher, parsed)
    hits = [
        SearchHit(
            id=hit["id"],
            title=hit.get("title", ""),
            date=_stored_date(hit.get("date")),
            author=hit.get("author", ""),
            tags=stored_tags(hit.get("tags")),
            score=round(float(hit.score), 4),
            snippet=snippet_for(hit.fields(), searcher, terms, options.snippet_words),
        )
        for hit in results[(page - 1) * per_page : page * per_page]
    ]
    return SearchResponse(
        query=query_text,
        total=len(results) if total is None else total,
        page=page,
        per_page=per_page,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=hits,
    )


def get_article(searcher: Any, article_id: str) -> ArticleResponse:
    """One stored article by id, or ArticleNotFoundError."""
    fields = searcher.document(id=article_id)
    if fields is None:
        raise ArticleNotFoundError(article_id)
    return ArticleResponse(
        id=fields["id"],
        title=fields.get("title", ""),
        date=_stored_date(fields.get("date")),
        author=fields.get("author", ""),
        tags=stored_tags(fields.get("tags")),
        summary=fields.get("summary", ""),
        body=fields.get("body", ""),
    )
