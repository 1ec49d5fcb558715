"""Request dependencies, named as `Annotated` aliases so route signatures read plainly.

Those that only look up the app's state are `async`: FastAPI runs a plain function dependency in
its thread pool, a hop that costs more than the lookup. Those that may wait on the disk (a
searcher may open a new generation; synonyms may be re-read) stay plain functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request

from indexer.settings import Settings
from search_api.live_index import LiveIndex
from search_api.result_cache import ResultCache
from search_api.search import SearchOptions
from search_api.snapshot_cache import SnapshotCache
from search_api.synonym_source import SynonymSource


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_live_index(request: Request) -> LiveIndex:
    """The index the app serves."""
    live_index: LiveIndex = request.app.state.live_index
    return live_index


def get_searcher(request: Request) -> Iterator[Any]:
    """A Whoosh searcher scoped to one request, closed when the request ends."""
    live_index: LiveIndex = request.app.state.live_index
    with live_index.searcher() as searcher:
        yield searcher


async def get_generation(request: Request, searcher: Annotated[Any, Depends(get_searcher)]) -> str:
    """The index generation the request's searcher reads."""
    live_index: LiveIndex = request.app.state.live_index
    return live_index.searchers.generation_of(searcher)


async def get_result_cache(request: Request) -> ResultCache:
    """The app's cache of recent search responses."""
    cache: ResultCache = request.app.state.result_cache
    return cache


def get_search_options(request: Request) -> SearchOptions:
    """Search options from the settings, with the synonyms as they are now."""
    source: SynonymSource = request.app.state.synonyms
    settings: Settings = request.app.state.settings
    return SearchOptions.from_settings(settings, source.current())


async def get_query_parser(request: Request) -> Any:
    """The app's query parser, built once from the schema."""
    return request.app.state.query_parser


SettingsDep = Annotated[Settings, Depends(get_settings)]
LiveIndexDep = Annotated[LiveIndex, Depends(get_live_index)]
SearcherDep = Annotated[Any, Depends(get_searcher)]
QueryParserDep = Annotated[Any, Depends(get_query_parser)]
GenerationDep = Annotated[str, Depends(get_generation)]
ResultCacheDep = Annotated[ResultCache, Depends(get_result_cache)]


async def get_snapshot_cache(request: Request) -> SnapshotCache:
    """Values the app works out once per index snapshot, such as the autocomplete vocabulary."""
    cache: SnapshotCache = request.app.state.snapshot_cache
    return cache


SnapshotCacheDep = Annotated[SnapshotCache, Depends(get_snapshot_cache)]
SearchOptionsDep = Annotated[SearchOptions, Depends(get_search_options)]
