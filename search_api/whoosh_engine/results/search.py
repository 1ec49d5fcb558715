"""Running a search: query text in, a page of ranked hits with snippets out."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any

from indexer.errors import ArticleNotFoundError, QueryError
from indexer.schema import CONTENT_FIELD, PROSE_FIELDS, stored_date, stored_tags
from indexer.segments import one_segment_unions
from indexer.settings import Settings
from indexer.synonyms import Synonyms
from search_api.engine import ResultOptions, SnippetStyle
from search_api.models import ArticleResponse, SearchHit, SearchResponse
from search_api.query.snippets import highlight, make_snippet
from search_api.query.text import check_query_text, require_words, without_question_marks
from search_api.whoosh_engine.expand.expansion import (
    FEEDBACK_DOCUMENTS,
    FEEDBACK_MIN_COLLECTION,
    feedback_weights,
    is_plain,
    plain_query,
    query_terms,
    synonym_queries,
    uses_operators,
)
from search_api.whoosh_engine.expand.spelling import suggest
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache
from search_api.whoosh_engine.parse.limits import (
    QueryBudget,
    QueryLimits,
    bound_query,
    limited_search,
)
from search_api.whoosh_engine.parse.query import parse_query, positive_query
from search_api.whoosh_engine.results.facets import count_facets
from search_api.whoosh_engine.results.filters import allowed_docnums, require_fields
from search_api.whoosh_engine.score.arrays import (
    ArrayResults,
    ScoringArrays,
    arrays_for,
    can_score,
    search_arrays,
)
from search_api.whoosh_engine.score.counting import count_matches
from search_api.whoosh_engine.score.recency import recency_searcher


@dataclass(frozen=True)
class SearchOptions:
    """Limits, snippet size and ranking for every search, taken from settings."""

    snippet_words: int = 30
    max_query_length: int = 1000
    max_result_window: int = 10_000
    recency_half_life_days: int = 0
    recency_weight: float = 0.5
    feedback_terms: int = 0
    synonyms: Synonyms = dataclasses.field(default_factory=Synonyms, compare=False)
    limits: QueryLimits = dataclasses.field(default_factory=QueryLimits)

    @classmethod
    def from_settings(cls, settings: Settings, synonyms: Synonyms | None = None) -> SearchOptions:
        """The options `settings` give; the API and the benchmarks both build them this way."""
        return cls(
            snippet_words=settings.snippet_words,
            max_query_length=settings.max_query_length,
            max_result_window=settings.max_result_window,
            recency_half_life_days=settings.recency_half_life_days,
            recency_weight=settings.recency_weight,
            feedback_terms=settings.feedback_terms,
            synonyms=synonyms if synonyms is not None else Synonyms(),
            limits=QueryLimits(
                time_limit_ms=settings.query_time_limit_ms, max_expansions=settings.max_expansions
            ),
        )


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


def snippet_for(
    fields: dict[str, Any],
    searcher: Any,
    terms: frozenset[str],
    words: int,
    style: SnippetStyle | None = None,
) -> str:
    """The body around its best matches; the summary or the opening words when the body has none."""
    # Body and summary are stored only; their words were indexed in `content`, with its analyzer.
    analyzer = searcher.schema[CONTENT_FIELD].analyzer
    fragments, tag = (style.fragments, style.tag) if style else (1, "mark")
    body = fields.get("body") or ""
    snippet, matched = make_snippet(body, analyzer, terms, words, tag, fragments)
    summary = fields.get("summary") or ""
    if not matched and summary:
        summary_snippet, summary_matched = make_snippet(summary, analyzer, terms, words, tag)
        if summary_matched or not body:
            return summary_snippet
    return snippet


# Runs one parsed query for the best `limit` matches: plain, filtered, or recency-scored.
Execute = Callable[[Any, int | None], Any]


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
    searcher: Any,
    parser: Any,
    query_text: str,
    limit: int | None,
    options: SearchOptions,
    execute: Execute | None = None,
    arrays: ScoringArrays | None = None,
) -> Ranking:
    """The best `limit` articles for `query_text`; the API pages them, benchmarks score them.

    `execute` runs each Whoosh query (default: a plain search); filters and the recency boost
    come in through it; `arrays` holds what is remembered of this index snapshot between
    searches (made afresh when not given). When the query finds nothing and a spelling
    correction exists, the correction is searched instead and the ranking says so (`corrected`).
    """
    arrays = arrays or ScoringArrays(searcher)
    run = execute or _plain_run(searcher, arrays)
    text = without_question_marks(check_query_text(query_text, options.max_query_length))
    ranking = _rank_text(searcher, parser, text, limit, options, run, arrays)
    # Synonyms can match a typo by accident ("migrane" stems like the brand Migranal), so what
    # counts is whether the words as typed found anything.
    if ranking.did_you_mean and (len(ranking.results) == 0 or not ranking.words_found):
        retry = _rank_text(searcher, parser, ranking.did_you_mean, limit, options, run, arrays)
        if len(retry.results) > 0:
            return dataclasses.replace(retry, did_you_mean=ranking.did_you_mean, corrected=True)
    return ranking


def _rank_text(
    searcher: Any,
    parser: Any,
    text: str,
    limit: int | None,
    options: SearchOptions,
    run: Execute,
    arrays: ScoringArrays,
) -> Ranking:
    fields = searcher.schema.names()
    spelling_off = uses_operators(text, fields)
    words = partial(arrays.words, searcher.reader())
    did_you_mean = None if spelling_off else suggest(searcher, text, options.synonyms.words, words)
    if not is_plain(text, fields):
        # Queries Whoosh matches itself add up scores as over a single segment (see segments.py).
        parsed = one_segment_unions(
            parse_query(text, parser, options.max_query_length), searcher.doc_count_all()
        )
        return Ranking(parsed, run(parsed, limit), did_you_mean)
    require_words(text)
    terms = query_terms(text, searcher.schema[CONTENT_FIELD].analyzer)
    reader = searcher.reader()
    found = any((CONTENT_FIELD, term) in reader for term in terms)
    synonyms = synonym_queries(terms, options.synonyms)
    query = plain_query(dict.fromkeys(terms, 1.0), synonyms)
    if not options.feedback_terms or searcher.doc_count() < FEEDBACK_MIN_COLLECTION:
        return Ranking(query, run(query, limit), did_you_mean, words_found=found)
    first = run(query, None if limit is None else max(limit, FEEDBACK_DOCUMENTS))
    if first.scored_length() < 2:
        # One article cannot show which of its words are about the topic.
        return Ranking(query, first, did_you_mean, words_found=found)
    statistics = arrays.statistics(reader, CONTENT_FIELD)
    weights = feedback_weights(
        searcher,
        first,
        terms,
        options.feedback_terms,
        lambda term: statistics.get(term, (0.0, 0))[0],
    )
    widened = plain_query(weights, synonyms)
    # Snippets highlight the reader's words and synonyms, never the feedback words.
    return Ranking(query, run(widened, limit), did_you_mean, words_found=found)


def _plain_run(searcher: Any, arrays: ScoringArrays) -> Execute:
    # Without a runner (benchmarks): no filters or time limit, but the same scoring as the API.
    def execute(query: Any, count: int | None) -> Any:
        if not can_score(searcher, query):
            return searcher.search(query, limit=count, terms=False)
        return search_arrays(searcher, query, count, arrays)

    return execute


def ranked_ids(
    searcher: Any, parser: Any, query_text: str, limit: int, max_length: int
) -> list[str]:
    """Ids of the top `limit` articles for `query_text`, best first (no snippets)."""
    ranking = rank(searcher, parser, query_text, limit, SearchOptions(max_query_length=max_length))
    return [hit["id"] for hit in ranking.results]


@dataclass(frozen=True)
class _Ranked:
    """Every match's (score, docnum) in result order, or the best ones; all matches on demand."""

    items: list[tuple[float, int]]
    total: int
    # Finding every match may take a second pass over the index: only facets need it.
    docnums: Callable[[], Collection[int]]


def _newest_first(searcher: Any, items: list[tuple[float, int]]) -> _Ranked:
    require_fields(searcher, "Sorting by date", "day")
    days = searcher.reader().column_reader("day")
    # Newest first, undated last; then the better match, then index order, so pages are stable.
    items.sort(key=lambda item: (-days[item[1]], -item[0], item[1]))
    docnums = {docnum for _, docnum in items}
    return _Ranked(items, len(items), lambda: docnums)


def _from_results(results: Any, filtered: bool) -> _Ranked:
    items = [(float(score), docnum) for score, docnum in results.top_n]
    if isinstance(results, ArrayResults):
        # Every match was scored, so the total is known (filters included).
        return _Ranked(items, len(results), results.docs)
    # len(results) counts every match, not only the `limit` best, by running the query again one
    # document at a time (within the time limit); word queries without a filter are counted from
    # posting blocks instead. A count cut short by the time limit may be below the hits in hand.
    total = None if filtered else count_matches(results.searcher, results.q)
    return _Ranked(items, max(len(results) if total is None else total, len(items)), results.docs)


class _LimitedRunner:
    """Runs each query of one search within the search's budget, expansions bounded once."""

    def __init__(
        self,
        searcher: Any,
        budget: QueryBudget,
        min_hits: int,
        allowed: set[int] | None,
        arrays: ScoringArrays,
    ) -> None:
        self.searcher = searcher
        self.budget = budget
        self.min_hits = min_hits
        self.allowed = allowed
        self.arrays = arrays
        self._bounded: dict[int, Any] = {}

    def bounded(self, query: Any) -> Any:
        """`query` with its wildcard words bounded (each query object is bounded once)."""
        if id(query) not in self._bounded:
            self._bounded[id(query)] = (
                query,
                bound_query(query, self.searcher.reader(), self.budget),
            )
        return self._bounded[id(query)][1]

    def run(self, scorer: Any) -> Execute:
        """An `execute` for `rank` that scores with `scorer` (plain or recency-boosted)."""

        def execute(query: Any, count: int | None) -> Any:
            bounded = self.bounded(query)
            if can_score(scorer, bounded):
                return search_arrays(
                    scorer, bounded, count, self.arrays, budget=self.budget, allowed=self.allowed
                )
            return limited_search(
                scorer,
                bounded,
                count,
                self.budget,
                min_hits=self.min_hits,
                allowed=self.allowed,
            )

        return execute


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
    ranking: Ranking | None = None
    arrays = arrays_for(searcher, cache)
    runner = _LimitedRunner(searcher, budget, per_page, allowed, arrays)
    if (query_text is not None and query_text.strip()) or allowed is None:
        if allowed is not None and not allowed:
            # Whoosh takes an empty `filter=` set to mean no filter at all.
            parse_query(query_text or "", parser, options.max_query_length)
            ranked = _Ranked([], 0, frozenset)
        elif wanted.sort == "date":
            ranking = rank(
                searcher,
                parser,
                query_text or "",
                None,
                options,
                runner.run(searcher),
                arrays,
            )
            ranked = _newest_first(
                searcher, [(float(score), docnum) for score, docnum in ranking.results.top_n]
            )
        else:
            scorer = recency_searcher(
                searcher,
                cache or SnapshotCache(),
                options.recency_half_life_days,
                options.recency_weight,
            )
            ranking = rank(
                searcher,
                parser,
                query_text or "",
                page * per_page,
                options,
                runner.run(scorer),
                arrays,
            )
            ranked = _from_results(ranking.results, allowed is not None)
        if ranking is not None:
            terms = highlight_terms(searcher, runner.bounded(ranking.parsed))
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
        did_you_mean=ranking.did_you_mean if ranking else None,
        corrected=ranking.corrected if ranking else False,
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
