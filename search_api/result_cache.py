"""A bounded LRU cache of search responses, keyed by the query, its parameters and the generation.

Search logs repeat themselves: the same few queries make up much of the traffic. A generation is
never changed once published, so a response computed on it stays right for as long as that
generation is served; the key holds the generation, so a new one is never answered from the cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from search_api.models import SearchResponse


class Identity:
    """A key part that is equal only to itself, for objects (such as synonym lists) that change
    by being replaced; holding it keeps the object alive, so its id is never reused meanwhile."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other.value is self.value


class ResultCache:
    """The `capacity` most recently used search responses of one worker process."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, SearchResponse] = OrderedDict()
        self._lock = threading.Lock()
        # Since the process started, for the cache-hit metric.
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], SearchResponse]
    ) -> SearchResponse:
        """The cached response for `key`, or `compute()`'s, remembered unless it is an error or
        partial."""
        if self.capacity <= 0:
            return compute()
        try:
            hash(key)
        except TypeError:  # a request option that cannot be a key: just search
            return compute()
        started = time.perf_counter()
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
        if cached is not None:
            took_ms = round((time.perf_counter() - started) * 1000, 2)
            return cached.model_copy(update={"took_ms": took_ms})
        response = compute()
        if response.partial:
            # Cut short by the time limit on a busy moment: the next asker may get it whole.
            return response
        with self._lock:
            self._entries[key] = response
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return response
