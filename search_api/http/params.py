"""Query parameters that `/search` takes besides `q` and paging, read into typed options."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from search_api.engine import HighlightTag, ResultOptions, SearchFilters, SnippetStyle, SortOrder
from search_api.http.dependencies import SettingsDep
from search_api.query.facets import FACET_NAMES, parse_facets
from search_api.query.filters import build_filters

MAX_FACET_VALUES = 1000
MAX_SNIPPET_WORDS = 200
MAX_SNIPPET_FRAGMENTS = 5


async def get_filters(
    author: Annotated[
        list[str] | None,
        Query(
            description="Only articles by this author, exactly as the `author` facet names them "
            "(any case). Repeat for any of several authors.",
            examples=[["Dr. Ada Finch"]],
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        Query(
            description="Only articles with this tag. Repeat for any of several tags; "
            "different filters must all match.",
            examples=[["migraine"]],
        ),
    ] = None,
    date_from: Annotated[
        str | None,
        Query(
            alias="from",
            description="Only articles dated on or after this day: YYYY-MM-DD, or YYYY-MM / "
            "YYYY for the first day of that month or year. Undated articles are left out.",
            examples=["2020-01-01"],
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        Query(
            alias="to",
            description="Only articles dated on or before this day: YYYY-MM-DD, or YYYY-MM / "
            "YYYY for the last day of that month or year.",
            examples=["2024-12-31"],
        ),
    ] = None,
) -> SearchFilters:
    """The filters a request asks for, checked."""
    return build_filters(author, tag, date_from, date_to)


FiltersDep = Annotated[SearchFilters, Depends(get_filters)]


async def get_result_options(
    filters: FiltersDep,
    settings: SettingsDep,
    sort: Annotated[
        SortOrder,
        Query(
            description="`relevance` (best match first) or `date` (newest first, undated "
            "last). Without `q`, results are always newest first."
        ),
    ] = "relevance",
    facets: Annotated[
        list[str] | None,
        Query(
            description=f"Facets to count over all matching articles: "
            f"{', '.join(FACET_NAMES)}, comma-separated (`facets=author,tag,year`).",
            examples=[["author,tag,year"]],
        ),
    ] = None,
    facet_limit: Annotated[
        int,
        Query(ge=1, le=MAX_FACET_VALUES, description="Most values listed per facet."),
    ] = 100,
    snippet_words: Annotated[
        int | None,
        Query(
            ge=5,
            le=MAX_SNIPPET_WORDS,
            description="About how many words each snippet passage holds (default: the "
            "site's setting, 30).",
        ),
    ] = None,
    snippet_fragments: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_SNIPPET_FRAGMENTS,
            description="How many separate passages a snippet may show, joined by ` … `.",
        ),
    ] = 1,
    highlight_tag: Annotated[
        HighlightTag,
        Query(description="HTML element that wraps matched words in `snippet` and `title_html`."),
    ] = "mark",
) -> ResultOptions:
    """Filters, order, facets and snippet style of a request, checked."""
    return ResultOptions(
        filters=filters,
        sort=sort,
        facets=parse_facets(facets),
        facet_limit=facet_limit,
        snippet=SnippetStyle(
            words=snippet_words or settings.snippet_words,
            fragments=snippet_fragments,
            tag=highlight_tag,
        ),
    )


ResultOptionsDep = Annotated[ResultOptions, Depends(get_result_options)]
