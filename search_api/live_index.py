"""The index the API serves: follows `CURRENT` so a new generation is picked up without restart."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from indexer.errors import IndexCorruptError, IndexNotFoundError
from indexer.storage import current_generation, open_generation
from search_api.searchers import DEFAULT_POOL_SIZE, SearcherPool

logger = logging.getLogger("medsearch")


class LiveIndex:
    """Hands out searchers on the newest published generation of one index folder."""

    def __init__(self, index_dir: Path, searchers: int = DEFAULT_POOL_SIZE) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._index: Any = None
        self.searchers = SearcherPool(searchers)

    @property
    def generation(self) -> str | None:
        """The generation served now, or None before one was opened."""
        return self._generation

    def current(self) -> tuple[str, Any]:
        """The newest generation's name and open index, reopening when `CURRENT` has moved."""
        try:
            generation = current_generation(self.index_dir)
        except IndexCorruptError:
            if self._index is None:
                raise
            logger.exception("CURRENT is unreadable; still serving %s", self._generation)
            return self._serving()
        if generation is None:
            if self._index is None:
                raise IndexNotFoundError(self.index_dir)
            return self._serving()
        if generation != self._generation:
            with self._lock:
                if generation != self._generation:
                    self._switch_to(generation)
        return self._serving()

    def _serving(self) -> tuple[str, Any]:
        assert self._generation is not None
        return self._generation, self._index

    def _switch_to(self, generation: str) -> None:
        try:
            index = open_generation(self.index_dir, generation)
        except IndexCorruptError:
            if self._index is None:
                raise
            # A broken new generation must not take search down: keep the last good one.
            logger.exception("cannot open %s; still serving %s", generation, self._generation)
            return
        self._index, self._generation = index, generation
        logger.info("serving index generation %s from %s", generation, self.index_dir)

    @contextmanager
    def searcher(self) -> Iterator[Any]:
        """A Whoosh searcher for one request; Whoosh searchers must not be shared by threads."""
        generation, index = self.current()
        with self.searchers.lease(generation, index.searcher) as searcher:
            yield searcher
