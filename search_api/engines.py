"""Which search engine serves the API: chosen from the settings, built on demand."""

from __future__ import annotations

from indexer.settings import Settings
from search_api.engine import SearchEngine


def open_engine(settings: Settings) -> SearchEngine:
    """The engine `settings` ask for, not yet started (the app starts it in its lifespan)."""
    # Imported here: each engine brings its own libraries, loaded only when it is chosen.
    from search_api.whoosh_engine.engine import WhooshEngine

    return WhooshEngine(settings)
