"""The index the API serves: follows `CURRENT`, so a new generation is picked up without restart.

Every request reads `CURRENT` (a few bytes) and switches to a newer generation when there is one;
searchers already open keep reading the old one. The process holds a reader lease on each
generation it may still read, the served one and retired ones until their last searcher closes
and a grace period has passed. Whichever process drops the last lease on an old generation
deletes it, so several worker processes can serve one index folder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import whoosh.index

from indexer.errors import IndexCorruptError, IndexNotFoundError
from indexer.locks import ReaderLease
from indexer.schema import scoring_model
from indexer.storage import current_generation, open_generation, remove_unused_generations
from search_api.whoosh_engine.live.searchers import DEFAULT_POOL_SIZE, SearcherPool

logger = logging.getLogger("medsearch")

# How long a retired generation stays leased after its last searcher closed. `current()` hands
# out the index itself, and a caller may open a searcher on it a moment after the switch.
RETIRE_GRACE_SECONDS = 2.0
# A generation can be removed between reading `CURRENT` and leasing it; then `CURRENT` has moved
# on and is read again.
_LEASE_ATTEMPTS = 5


class _Generation:
    """One open generation, its lease, and how many searchers use it."""

    def __init__(self, name: str, index: Any, lease: ReaderLease) -> None:
        self.name = name
        self.index = index
        self.lease = lease
        self.users = 0
        self.retired_at: float | None = None


class LiveIndex:
    """Hands out searchers on the newest published generation of one index folder."""

    def __init__(
        self,
        index_dir: Path,
        *,
        retire_grace: float = RETIRE_GRACE_SECONDS,
        searchers: int = DEFAULT_POOL_SIZE,
    ) -> None:
        self.index_dir = index_dir
        # Long-lived searchers, each lent to one request at a time (search_api/searchers.py).
        self.searchers = SearcherPool(searchers)
        self.retire_grace = retire_grace
        self._lock = threading.Lock()
        self._serving: _Generation | None = None
        self._retired: list[_Generation] = []
        self._unopenable: str | None = None
        self._problem: str | None = None
        self._timer: threading.Timer | None = None

    @property
    def generation(self) -> str | None:
        """The generation served now, or None before one was opened."""
        serving = self._serving
        return serving.name if serving is not None else None

    @property
    def problem(self) -> str | None:
        """Why the newest published generation is not the one served, if it is not."""
        return self._problem

    def current(self) -> tuple[str, Any]:
        """The newest generation's name and open index, switching when `CURRENT` has moved.

        The index stays readable for at least `retire_grace` seconds after a newer generation
        replaces it; open a searcher on it right away, or use `searcher()`.
        """
        serving = self._refresh(hold=False)
        return serving.name, serving.index

    @contextmanager
    def searcher(self) -> Iterator[Any]:
        """A Whoosh searcher for one request; Whoosh searchers must not be shared by threads."""
        serving = self._refresh(hold=True)
        try:
            index = serving.index
            with self.searchers.lease(
                serving.name, lambda: self._open_searcher(serving.name, index)
            ) as searcher:
                yield searcher
        finally:
            with self._lock:
                serving.users -= 1

    def _open_searcher(self, name: str, index: Any) -> Any:
        try:
            return index.searcher(weighting=scoring_model())
        except (OSError, whoosh.index.IndexError):
            # The generation's files went away under us (deleted by hand, a lost disk).
            raise IndexCorruptError(
                self.index_dir, f"{name}: its files are missing or unreadable"
            ) from None

    def close(self) -> None:
        """Give up every lease; the app calls this when it shuts down."""
        self.searchers.close()
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            for generation in [*self._retired, *filter(None, [self._serving])]:
                generation.lease.release()
            self._retired, self._serving = [], None

    def _refresh(self, *, hold: bool) -> _Generation:
        name = self._read_current()
        with self._lock:
            serving = self._serving
            if serving is None or (name is not None and name != serving.name):
                # Read again under the lock: another thread may have switched already, and a
                # stale name must not switch back to an older generation.
                self._switch_to(self._read_current())
                serving = self._serving
            if serving is None:
                raise IndexNotFoundError(self.index_dir)
            if hold:
                serving.users += 1
            return serving

    def _read_current(self) -> str | None:
        try:
            name = current_generation(self.index_dir)
        except IndexCorruptError:
            if self._serving is None:
                raise
            logger.exception("CURRENT is unreadable; still serving %s", self._serving.name)
            return None
        if name is None and self._serving is None:
            raise IndexNotFoundError(self.index_dir)
        return name

    def _switch_to(self, name: str | None) -> None:
        for _ in range(_LEASE_ATTEMPTS):
            if name is None or (self._serving is not None and name == self._serving.name):
                return
            if name == self._unopenable:
                return
            try:
                lease = ReaderLease.take(self.index_dir / name)
            except OSError as exc:
                self._give_up(name, IndexCorruptError(self.index_dir, f"{name}: {exc}"))
                return
            if lease is None:
                name = self._read_current()
                continue
            try:
                index = open_generation(self.index_dir, name)
            except IndexCorruptError as error:
                lease.release()
                self._give_up(name, error)
                return
            self._retire(self._serving)
            self._serving = _Generation(name, index, lease)
            self._problem = None
            logger.info("serving index generation %s from %s", name, self.index_dir)
            return

    def _give_up(self, name: str, error: IndexCorruptError) -> None:
        if self._serving is None:
            raise error
        # A broken new generation must not take search down: keep the last good one, and do
        # not retry (generations never change once published) or log it on every request.
        self._unopenable = name
        self._problem = error.message
        logger.error("%s; still serving %s", error.message, self._serving.name)

    def _retire(self, generation: _Generation | None) -> None:
        if generation is None:
            return
        generation.retired_at = time.monotonic()
        self._retired.append(generation)
        self._schedule_release()

    def _schedule_release(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(self.retire_grace, self._release_retired)
            self._timer.daemon = True
            self._timer.start()

    def _release_retired(self) -> None:
        released = False
        with self._lock:
            self._timer = None
            deadline = time.monotonic() - self.retire_grace
            for generation in list(self._retired):
                assert generation.retired_at is not None
                if generation.users == 0 and generation.retired_at <= deadline:
                    generation.lease.release()
                    self._retired.remove(generation)
                    released = True
            if self._retired:
                # Still in use by a long request, or retired too recently: look again later.
                self._schedule_release()
        if released:
            try:
                removed = remove_unused_generations(self.index_dir)
            except OSError as exc:
                logger.warning("could not remove old index generations: %s", exc)
                return
            if removed:
                logger.info("removed old index generations %s", ", ".join(removed))
