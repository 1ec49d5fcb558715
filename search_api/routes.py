"""The API's routes: validate, call one function, return a model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from indexer.articles import ARTICLE_ID_PATTERN
from indexer.errors import IndexCorruptError, IndexNotFoundError, QueryError
from search_api.access_log import note_hits
from search_api.dependencies import LiveIndexDep, QueryParserDep, SearcherDep, SettingsDep
from search_api.models import ArticleResponse, ErrorResponse, HealthResponse, SearchResponse
from search_api.query_limits import QueryLimits
from search_api.search import SearchOptions, get_article, search

router = APIRouter()

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request needs changing; `detail` says how."},
    503: {"model": ErrorResponse, "description": "No index is available; `detail` says why."},
}
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorResponse,
        "description": "Too many searches from this address (when rate limiting is on); "
        "`Retry-After` says how many seconds to wait.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


@router.get("/search", responses={**ERRORS, **RATE_LIMITED})
def search_articles(
    request: Request,
    searcher: SearcherDep,
    parser: QueryParserDep,
    settings: SettingsDep,
    q: Annotated[
        str,
        Query(
            description='Keywords, a question, or Whoosh query syntax: "a phrase", AND, OR, '
            "NOT, title:word, author:name.",
            examples=["botox"],
        ),
    ],
    page: Annotated[int, Query(ge=1, description="Page number, from 1.")] = 1,
    per_page: Annotated[int | None, Query(ge=1, description="Results per page.")] = None,
) -> SearchResponse:
    """Rank articles for a query and return one page of results with highlighted snippets.

    Words are matched in titles (weighted most), summaries and bodies, with stemming
    ("headaches" finds "headache"). An article need not contain every word; those that
    contain more of them rank higher.
    """
    size = per_page or settings.default_per_page
    if size > settings.max_per_page:
        raise QueryError(f"per_page may be at most {settings.max_per_page}; ask for fewer.")
    options = SearchOptions(
        snippet_words=settings.snippet_words,
        max_query_length=settings.max_query_length,
        max_result_window=settings.max_result_window,
        limits=QueryLimits(
            time_limit_ms=settings.query_time_limit_ms, max_expansions=settings.max_expansions
        ),
    )
    result = search(searcher, parser, q, page, size, options)
    note_hits(request, result.total)
    return result


@router.get("/articles/{article_id:path}", responses={**ERRORS, 404: {"model": ErrorResponse}})
def read_article(
    article_id: Annotated[
        str,
        Path(
            description="Article id: its path in the corpus without `.md`.",
            examples=["how-does-botox-help-headaches"],
            # Declared for clients and fuzzers; checked in the route to give a friendlier 400.
            json_schema_extra={"pattern": ARTICLE_ID_PATTERN.pattern},
        ),
    ],
    searcher: SearcherDep,
) -> ArticleResponse:
    """Return one article with its metadata and plain-text body."""
    if not ARTICLE_ID_PATTERN.match(article_id):
        raise QueryError(
            "Article ids are corpus paths such as how-does-botox-help-headaches or "
            "im-guide/nephro/consults: letters, digits, '.', '_', '-', '/' only, "
            "with no '..' and no leading '/'."
        )
    return get_article(searcher, article_id)


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def health(live_index: LiveIndexDep) -> JSONResponse:
    """Say whether an index is loaded and how many documents it holds (503 when none is)."""
    try:
        # A real searcher, not just the table of contents: it fails if the files are unreadable.
        with live_index.searcher() as searcher:
            documents = searcher.doc_count()
        generation = live_index.generation
    except (IndexNotFoundError, IndexCorruptError) as error:
        body = HealthResponse(
            status="unavailable",
            index_loaded=False,
            documents=0,
            generation=None,
            detail=error.message,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    body = HealthResponse(
        status="ok",
        index_loaded=True,
        documents=documents,
        generation=generation,
        detail=live_index.problem,
    )
    return JSONResponse(body.model_dump())
