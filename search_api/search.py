"""Running a search: query text in, a page of ranked hits with snippets out."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from indexer.errors import ArticleNotFoundError, QueryError
from indexer.schema import TEXT_FIELDS, stored_date, stored_tags
from search_api.facets import count_facets
from search_api.filters import SearchFilters, allowed_docnums, require_fields
from search_api.models import ArticleResponse, SearchHit, SearchResponse
from search_api.query import parse_query, positive_query
from search_api.query_limits import QueryBudget, QueryLimits, bound_query, limited_search
from search_api.recency import recency_searcher
from search_api.snapshot_cache import SnapshotCache
from search_api.snippets import highlight, make_snippet

SortOrder = Literal["relevance", "date"]
HighlightTag = Literal["mark", "em", "strong", "b"]


@dataclass(frozen=True)
class SearchOptions:
    """Limits, snippet size and ranking for every search, taken from settings."""

    snippet_words: int = 30
    max_query_length: int = 1000
    max_result_window: int = 10_000
    recency_half_life_days: int = 0
    recency_weight: float = 0.5
    limits: QueryLimits = dataclasses.field(default_factory=QueryLimits)


@dataclass(frozen=True)
class SnippetStyle:
    """How one request wants its snippets: passage length in words, passages, highlight tag."""

    words: int = 30
    fragments: int = 1
    tag: HighlightTag = "mark"


@dataclass(frozen=True)
class ResultOptions:
    """What one request asks for besides the query: filters, order, facets, snippet style."""

    filters: SearchFilters = dataclasses.field(default_factory=SearchFilters)
    sort: SortOrder = "relevance"
    facets: tuple[str, ...] = ()
    facet_limit: int = 100
    snippet: SnippetStyle | None = None


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


def snippet_for(
    fields: dict[str, Any],
    searcher: Any,
    terms: frozenset[str],
    words: int,
    style: SnippetStyle | None = None,
) -> str:
    """The body around its best matches; the summary or the opening words when the body has none."""
    schema = searcher.schema
    fragments, tag = (style.fragments, style.tag) if style else (1, "mark")
    body = fields.get("body") or ""
    snippet, matched = make_snippet(body, schema["body"].analyzer, terms, words, tag, fragments)
    summary = fields.get("summary") or ""
    if not matched and summary:
        summary_snippet, summary_matched = make_snippet(
            summary, schema["summary"].analyzer, terms, words, tag
        )
        if summary_matched or not body:
            return summary_snippet
    return snippet


def ranked_ids(
    searcher: Any, parser: Any, query_text: str, limit: int, max_length: int
) -> list[str]:
    """Ids of the top `limit` articles for `query_text`, best first (no snippets)."""
    parsed = parse_query(query_text, parser, max_length)
    return [hit["id"] for hit in searcher.search(parsed, limit=limit)]


@dataclass(frozen=True)
class _Ranked:
    """Every match's (score, docnum) in result order, or the best ones; all matches on demand."""

    items: list[tuple[float, int]]
    total: int
    # Finding every match may take a second pass over the index: only facets need it.
    docnums: Callable[[], Collection[int]]


def _by_date(
    searcher: Any, query: Any, allowed: set[int] | None, budget: QueryBudget, min_hits: int
) -> _Ranked:
    found = limited_search(searcher, query, None, budget, min_hits=min_hits, allowed=allowed)
    return _newest_first(searcher, [(float(score), docnum) for score, docnum in found.items])


def _newest_first(searcher: Any, items: list[tuple[float, int]]) -> _Ranked:
    require_fields(searcher, "Sorting by date", "day")
    days = searcher.reader().column_reader("day")
    # Newest first, undated last; then the better match, then index order, so pages are stable.
    items.sort(key=lambda item: (-days[item[1]], -item[0], item[1]))
    docnums = {docnum for _, docnum in items}
    return _Ranked(items, len(items), lambda: docnums)


def _by_relevance(
    searcher: Any,
    query: Any,
    limit: int,
    allowed: set[int] | None,
    budget: QueryBudget,
    min_hits: int,
) -> _Ranked:
    found = limited_search(searcher, query, limit, budget, min_hits=min_hits, allowed=allowed)
    items = [(float(score), docnum) for score, docnum in found.items]
    return _Ranked(items, found.total, found.docnums)


def _hit(
    searcher: Any, docnum: int, score: float, terms: frozenset[str], style: SnippetStyle
) -> SearchHit:
    fields = searcher.stored_fields(docnum)
    title = fields.get("title", "")
    return SearchHit(
        id=fields["id"],
        title=title,
        date=stored_date(fields.get("date")),
        author=fields.get("author", ""),
        tags=stored_tags(fields.get("tags")),
        score=round(score, 4),
        snippet=snippet_for(fields, searcher, terms, style.words, style),
        title_html=highlight(title, searcher.schema["title"].analyzer, terms, style.tag),
    )


def search(
    searcher: Any,
    parser: Any,
    query_text: str | None,
    page: int,
    per_page: int,
    options: SearchOptions,
    wanted: ResultOptions | None = None,
    cache: SnapshotCache | None = None,
) -> SearchResponse:
    """Search for `query_text` and return page `page` of the results with snippets.

    Without query words, the articles the filters allow are listed newest first.
    """
    started = time.perf_counter()
    budget = QueryBudget.start(options.limits)
    wanted = wanted or ResultOptions()
    if page * per_page > options.max_result_window:
        raise QueryError(
            f"Results past the first {options.max_result_window:,} cannot be paged to "
            f"(page {page} x per_page {per_page}); refine the query instead."
        )
    allowed = allowed_docnums(searcher, wanted.filters)
    terms: frozenset[str] = frozenset()
    if (query_text is not None and query_text.strip()) or allowed is None:
        parsed = bound_query(
            parse_query(query_text or "", parser, options.max_query_length),
            searcher.reader(),
            budget,
        )
        terms = highlight_terms(searcher, parsed)
        if allowed is not None and not allowed:
            # Whoosh takes an empty `filter=` set to mean no filter at all.
            ranked = _Ranked([], 0, frozenset)
        elif wanted.sort == "date":
            ranked = _by_date(searcher, parsed, allowed, budget, per_page)
        else:
            scorer = recency_searcher(
                searcher,
                cache or SnapshotCache(),
                options.recency_half_life_days,
                options.recency_weight,
            )
            ranked = _by_relevance(scorer, parsed, page * per_page, allowed, budget, per_page)
    else:
        # No words to rank by: list what the filters allow, newest first.
        ranked = _newest_first(searcher, [(0.0, docnum) for docnum in allowed])
    style = wanted.snippet or SnippetStyle(words=options.snippet_words)
    hits = [
        _hit(searcher, docnum, score, terms, style)
        for score, docnum in ranked.items[(page - 1) * per_page : page * per_page]
    ]
    facets = (
        count_facets(searcher, ranked.docnums(), wanted.facets, wanted.facet_limit)
        if wanted.facets
        else None
    )
    return SearchResponse(
        query=query_text or "",
        total=ranked.total,
        page=page,
        per_page=per_page,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        results=hits,
        partial=budget.cut_short,
        facets=facets,
    )


def get_article(searcher: Any, article_id: str) -> ArticleResponse:
    """One stored article by id, or ArticleNotFoundError."""
    fields = searcher.document(id=article_id)
    if fields is None:
        raise ArticleNotFoundError(article_id)
    return ArticleResponse(
        id=fields["id"],
        title=fields.get("title", ""),
        date=stored_date(fields.get("date")),
        author=fields.get("author", ""),
        tags=stored_tags(fields.get("tags")),
        summary=fields.get("summary", ""),
        body=fields.get("body", ""),
    )
