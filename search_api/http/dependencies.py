"""Request dependencies, named as `Annotated` aliases so route signatures read plainly.

Both only look up the app's state, so they are `async`: FastAPI runs a plain function dependency
in its thread pool, a hop that costs more than the lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from indexer.settings import Settings
from search_api.engine import SearchEngine


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> SearchEngine:
    """The search engine the app serves; routes call only its protocol."""
    engine: SearchEngine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
