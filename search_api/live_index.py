"""The index the API serves: follows `CURRENT` so a new generation is picked up without restart."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import whoosh.index

from indexer.errors import IndexCorruptError, IndexNotFoundError
from indexer.storage import current_generation, open_generation

logger = logging.getLogger("medsearch")


class LiveIndex:
    """Hands out searchers on the newest published generation of one index folder."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._index: Any = None
        # The newest generation that failed to open, and why; not retried until CURRENT moves.
        self._rejected: tuple[str, IndexCorruptError] | None = None

    @property
    def generation(self) -> str | None:
        """The generation served now, or None before one was opened."""
        return self._generation

    @property
    def problem(self) -> str | None:
        """Why the newest published generation is not the one served, if it is not."""
        return self._rejected[1].message if self._rejected is not None else None

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
        if self._rejected is not None and self._rejected[0] == generation:
            error = self._rejected[1]
        else:
            try:
                index = open_generation(self.index_dir, generation)
            except IndexCorruptError as exc:
                # Checking a generation reads all of it, so a broken one is checked only once.
                self._rejected, error = (generation, exc), exc
                logger.error("%s; still serving %s", exc.message, self._generation)
            else:
                self._index, self._generation, self._rejected = index, generation, None
                logger.info("serving index generation %s from %s", generation, self.index_dir)
                return
        if self._index is None:
            raise error
        # Otherwise a broken new generation must not take search down: keep the last good one.

    @contextmanager
    def searcher(self) -> Iterator[Any]:
        """A Whoosh searcher for one request; Whoosh searchers must not be shared by threads."""
        generation, index = self.current()
        try:
            searcher = index.searcher()
        except (OSError, whoosh.index.IndexError):
            # The generation's files went away under us (deleted by hand, a lost disk).
            raise IndexCorruptError(
                self.index_dir, f"{generation}: its files are missing or unreadable"
            ) from None
        try:
            yield searcher
        finally:
            searcher.close()
