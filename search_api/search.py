"""Running a search: query text in, a page of ranked hits with snippets out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from indexer.errors import ArticleNotFoundError, QueryError
from indexer.schema import CONTENT_FIELD, PROSE_FIELDS, stored_tags
from indexer.settings import Settings
from indexer.synonyms import Synonyms
from search_api.expansion import (
    FEEDBACK_DOCUMENTS,
    FEEDBACK_MIN_COLLECTION,
    feedback_weights,
    is_plain,
    plain_query,
    query_terms,
    synonym_queries,
    uses_operators,
)
from search_api.models import ArticleResponse, SearchHit, SearchResponse
from search_api.query import (
    check_query_text,
    parse_query,
    positive_query,
    require_words,
    without_question_marks,
)
from search_api.snippets import make_snippet
from search_api.spelling import suggest


@dataclass(frozen=True)
class SearchOptions:
    """Limits, snippet size and query widening for one search, taken from settings."""

    snippet_words: int = 30
    max_query_length: int = 1000
    max_result_window: int = 10_000
    feedback_terms: int = 0
    synonyms: Synonyms = dataclasses.field(default_factory=Synonyms, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, synonyms: Synonyms | None = None) -> SearchOptions:
        """The options `settings` give; the API and the benchmarks both build them this way."""
        return cls(
            snippet_words=settings.snippet_words,
            max_query_length=settings.max_query_length,
            max_result_window=settings.max_result_window,
            feedback_terms=settings.feedback_terms,
            synonyms=synonyms if synonyms is not None else Synonyms(),
        )


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
            if field not in PROSE_FIELDS:
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


@dataclass(frozen=True)
class Ranking:
    """The ranked matches for one query, before paging and snippets."""

    parsed: Any = dataclasses.field(repr=False)
    results: Any = dataclasses.field(repr=False)
    did_you_mean: str | None = None
    corrected: bool = False
    # Whether any word as typed (not a synonym or related word) is in the index.
    words_found: bool = True


def rank(
    searcher: Any, parser: Any, query_text: str, limit: int, options: SearchOptions
) -> Ranking:
    """The best `limit` articles for `query_text`; the API pages them, benchmarks score them.

    When the query finds nothing and a spelling correction exists, the correction is searched
    instead and the ranking says so (`corrected`).
    """
    text = without_question_marks(check_query_text(query_text, options.max_query_length))
    ranking = _rank_text(searcher, parser, text, limit, options)
    # Synonyms can match a typo by accident ("migrane" stems like the brand Migranal), so what
    # counts is whether the words as typed found anything.
    if ranking.did_you_mean and (len(ranking.results) == 0 or not ranking.words_found):
        retry = _rank_text(searcher, parser, ranking.did_you_mean, limit, options)
        if len(retry.results) > 0:
            return dataclasses.replace(retry, did_you_mean=ranking.did_you_mean, corrected=True)
    return ranking


def _rank_text(
    searcher: Any, parser: Any, text: str, limit: int, options: SearchOptions
) -> Ranking:
    fields = searcher.schema.names()
    spelling_off = uses_operators(text, fields)
    did_you_mean = None if spelling_off else suggest(searcher, text, options.synonyms.words)
    if not is_plain(text, fields):
        parsed = parse_query(text, parser, options.max_query_length)
        return Ranking(parsed, searcher.search(parsed, limit=limit, terms=False), did_you_mean)
    require_words(text)
    terms = query_terms(text, searcher.schema[CONTENT_FIELD].analyzer)
    reader = searcher.reader()
    found = any((CONTENT_FIELD, term) in reader for term in terms)
    synonyms = synonym_queries(terms, options.synonyms)
    query = plain_query(dict.fromkeys(terms, 1.0), synonyms)
    if not options.feedback_terms or searcher.doc_count() < FEEDBACK_MIN_COLLECTION:
        results = searcher.search(query, limit=limit, terms=False)
        return Ranking(query, results, did_you_mean, words_found=found)
    first = searcher.search(query, limit=max(limit, FEEDBACK_DOCUMENTS), terms=False)
    if first.scored_length() < 2:
        # One article cannot show which of its words are about the topic.
        return Ranking(query, first, did_you_mean, words_found=found)
    weights = feedback_weights(searcher, first, terms, options.feedback_terms)
    widened = plain_query(weights, synonyms)
    # Snippets highlight the reader's words and synonyms, never the feedback words.
    results = searcher.search(widened, limit=limit, terms=False)
    return Ranking(query, results, did_you_mean, words_found=found)


def ranked_ids(
    searcher: Any, parser: Any, query_text: str, limit: int, max_length: int
) -> list[str]:
    """Ids of the top `limit` articles for `query_text`, best first (no snippets)."""
    ranking = rank(searcher, parser, query_text, limit, SearchOptions(max_query_length=max_length))
    return [hit["id"] for hit in ranking.results]


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
    ranking = rank(searcher, parser, query_text, page * per_page, options)
    results = ranking.results
    terms = highlight_terms(searcher, ranking.parsed)
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
        total=len(results),
        page=page,
        per_page=per_page,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        did_you_mean=ranking.did_you_mean,
        corrected=ranking.corrected,
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
