"""The API's routes: validate, call one function, return a model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from indexer.articles import ARTICLE_ID_PATTERN
from indexer.errors import IndexCorruptError, IndexNotFoundError, QueryError
from search_api.dependencies import (
    GenerationDep,
    LiveIndexDep,
    QueryParserDep,
    ResultCacheDep,
    SearcherDep,
    SettingsDep,
)
from search_api.models import ArticleResponse, ErrorResponse, HealthResponse, SearchResponse
from search_api.search import SearchOptions, get_article, search

router = APIRouter()

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The request needs changing; `detail` says how."},
    503: {"model": ErrorResponse, "description": "No index is available; `detail` says why."},
}


@router.get("/search", responses=ERRORS)
def search_articles(
    searcher: SearcherDep,
    parser: QueryParserDep,
    settings: SettingsDep,
    generation: GenerationDep,
    cache: ResultCacheDep,
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
    )
    return cache.get_or_compute(
        (generation, q, page, size, options),
        lambda: search(searcher, parser, q, page, size, options),
    )


@router.get("/articles/{article_id:path}", responses={**ERRORS, 404: {"model": ErrorResponse}})
def read_article(
    article_id: Annotated[
        str,
        Path(
            description="Article id: its path in the corpus without `.md`.",
            examples=["how-does-botox-help-headaches"],
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
        generation, index = live_index.current()
        documents = index.doc_count()
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
        status="ok", index_loaded=True, documents=documents, generation=generation
    )
    return JSONResponse(body.model_dump())
