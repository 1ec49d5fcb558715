"""The API's routes: validate, call one function, return a model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from indexer.articles import ARTICLE_ID_PATTERN
from indexer.errors import ArticleNotFoundError, QueryError
from search_api.engine import SearchRequest
from search_api.http.access_log import note_hits
from search_api.http.dependencies import EngineDep, SettingsDep
from search_api.http.params import ResultOptionsDep
from search_api.models import (
    ArticleResponse,
    ErrorResponse,
    HealthResponse,
    RelatedResponse,
    SearchResponse,
    SuggestResponse,
)
from search_api.query.text import MAX_SUGGEST_LENGTH

router = APIRouter()

ArticleIdPath = Annotated[
    str,
    Path(
        description="Article id: its path in the corpus without `.md`.",
        examples=["how-does-botox-help-headaches"],
        # Declared for clients and fuzzers; checked in the route to give a friendlier 400.
        json_schema_extra={"pattern": ARTICLE_ID_PATTERN.pattern},
    ),
]

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
    engine: EngineDep,
    settings: SettingsDep,
    wanted: ResultOptionsDep,
    q: Annotated[
        str | None,
        Query(
            description='Keywords, a question, or Whoosh query syntax: "a phrase", AND, OR, '
            "NOT, title:word, author:name. May be left out when a filter is given.",
            examples=["botox"],
        ),
    ] = None,
    page: Annotated[int, Query(ge=1, description="Page number, from 1.")] = 1,
    per_page: Annotated[int | None, Query(ge=1, description="Results per page.")] = None,
) -> SearchResponse:
    """Rank articles for a query and return one page of results with highlighted snippets.

    Words are matched in titles, summaries and bodies, with stemming ("headaches" finds
    "headache"). An article need not contain every word; those that contain more of them rank
    higher. Plain queries also find synonyms ("heart attack" finds "myocardial infarction")
    and, on large collections, articles using related words; quoted phrases and queries with
    operators are searched as written.

    `did_you_mean` suggests a correction for unknown words; when the query finds nothing,
    the results are for that correction and `corrected` is true.

    Filters (`author`, `tag`, `from`, `to`) narrow any query; with filters and no `q`, the
    articles they allow are listed newest first. `facets` adds value counts over every
    matching article. A page past the last result is an empty list with the exact `total`.
    """
    size = per_page or settings.default_per_page
    if size > settings.max_per_page:
        raise QueryError(f"per_page may be at most {settings.max_per_page}; ask for fewer.")
    result = engine.search(SearchRequest(q, page, size, wanted))
    note_hits(request, result.total)
    return result


@router.get(
    "/articles/{article_id:path}/related",
    response_model=RelatedResponse,
    responses={**ERRORS, 404: {"model": ErrorResponse}, **RATE_LIMITED},
)
def read_related(
    article_id: ArticleIdPath,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=20, description="Most articles to return.")] = 3,
) -> RelatedResponse | JSONResponse:
    """Return the articles most like this one, for a "Continue reading" block.

    Similarity comes from the article's own key terms (words frequent in it and rare elsewhere,
    weighted more in its title) and its tags. The article itself is never in the list.
    Should a folder hold an article named `related`, `/articles/{folder}/related` is that
    article when `{folder}` is not itself an article.
    """
    _check_article_id(article_id)
    try:
        return engine.related(article_id, limit)
    except ArticleNotFoundError as not_found:
        try:
            nested = engine.article(f"{article_id}/related")
        except ArticleNotFoundError:
            raise not_found from None
        return JSONResponse(nested.model_dump(mode="json"))


@router.get("/articles/{article_id:path}", responses={**ERRORS, 404: {"model": ErrorResponse}})
def read_article(article_id: ArticleIdPath, engine: EngineDep) -> ArticleResponse:
    """Return one article with its metadata and plain-text body."""
    _check_article_id(article_id)
    return engine.article(article_id)


def _check_article_id(article_id: str) -> None:
    if not ARTICLE_ID_PATTERN.match(article_id):
        raise QueryError(
            "Article ids are corpus paths such as how-does-botox-help-headaches or "
            "im-guide/nephro/consults: letters, digits, '.', '_', '-', '/' only, "
            "with no '..' and no leading '/'."
        )


@router.get("/suggest", responses={**ERRORS, **RATE_LIMITED})
def suggest_completions(
    request: Request,
    engine: EngineDep,
    q: Annotated[
        str,
        Query(
            description=f"What the reader has typed so far (at most {MAX_SUGGEST_LENGTH} "
            "characters); the last word may be cut short.",
            examples=["mig"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="Most suggestions to return.")] = 10,
) -> SuggestResponse:
    """Complete what a reader is typing, for search-as-you-type.

    Suggestions are whole words that start with the last word typed (most frequent in the
    articles first; after other words, those found in articles with them), then article
    titles that hold the words typed. Answers come from memory in a few milliseconds.
    """
    suggestions = engine.suggest(q, limit)
    note_hits(request, len(suggestions))
    return SuggestResponse(query=q, suggestions=suggestions)


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def health(engine: EngineDep) -> JSONResponse:
    """Say whether an index is loaded and how many documents it holds (503 when none is)."""
    body = engine.health()
    return JSONResponse(body.model_dump(), status_code=200 if body.index_loaded else 503)
