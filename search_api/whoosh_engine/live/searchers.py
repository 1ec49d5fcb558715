"""Long-lived Whoosh searchers, each leased to one request at a time, reopened per generation.

Opening a searcher reads the segment's table of contents and maps its files; doing it for every
request cost more than many searches. A Whoosh searcher keeps per-search state, so one must never
serve two threads at once (tests/test_concurrency.py shows what sharing does). A pool hands each
request a searcher of its own and takes it back afterwards, so searchers live on without ever being
shared. (A thread-local searcher would not do: FastAPI may resolve a dependency on one pool thread
and run the route on another.) The pool holds at most `size` searchers; more requests than that
wait their turn, since the GIL lets only one search run Python code at a time anyway and each
searcher maps the index anew. Searchers of a generation that is no longer served are closed as soon
as they come back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# One search can run while another waits on the disk; the GIL lets no more run at once, and each
# searcher maps the index and caches from it anew (memory grows with searchers x index size).
DEFAULT_POOL_SIZE = 2


class SearcherPool:
    """Whoosh searchers for the served generation, lent to one request at a time."""

    def __init__(self, size: int = DEFAULT_POOL_SIZE) -> None:
        self.size = size
        self._available = threading.Condition()
        self._idle: list[Any] = []
        self._lent: dict[int, str] = {}
        self._generation: str | None = None

    @contextmanager
    def lease(self, generation: str, open_searcher: Callable[[], Any]) -> Iterator[Any]:
        """A searcher on generation `generation` for the block; `open_searcher` makes a new one."""
        searcher = self._acquire(generation, open_searcher)
        try:
            yield searcher
        finally:
            self._release(searcher)

    def generation_of(self, searcher: Any) -> str:
        """The generation a lent searcher reads."""
        with self._available:
            return self._lent[id(searcher)]

    def close(self) -> None:
        """Close every idle searcher (lent ones close when they come back)."""
        with self._available:
            self._generation = None
            self._close_idle()

    def _close_idle(self) -> None:
        for searcher in self._idle:
            searcher.close()
        self._idle.clear()

    def _acquire(self, generation: str, open_searcher: Callable[[], Any]) -> Any:
        with self._available:
            if generation != self._generation:
                # A new generation is served: idle searchers of the old one are of no more use.
                self._close_idle()
                self._generation = generation
            while not self._idle and len(self._lent) >= self.size:
                self._available.wait()
            if self._idle and self._generation == generation:
                searcher = self._idle.pop()
            else:
                self._close_idle()
                searcher = open_searcher()
            self._lent[id(searcher)] = generation
            return searcher

    def _release(self, searcher: Any) -> None:
        with self._available:
            generation = self._lent.pop(id(searcher))
            if generation == self._generation:
                self._idle.append(searcher)
            else:
                searcher.close()
            self._available.notify()
