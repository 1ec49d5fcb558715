"""Values worked out once per index snapshot (such as the autocomplete vocabulary) and reused."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")
# Snapshots kept: the one served now and the one before it (each seen through a reader and
# through the index itself), for requests still using the older one.
SNAPSHOTS_KEPT = 4


def reader_key(reader: Any) -> tuple[Hashable, ...]:
    """What identifies the documents a Whoosh reader sees: its segments and their live counts."""
    # Segment ids are random per segment, so a new build or an update always gives a new key.
    return tuple(
        (_segment_id(leaf), leaf.doc_count_all(), leaf.doc_count())
        for leaf, _ in reader.leaf_readers()
    )


def _segment_id(leaf: Any) -> str | None:
    # An index with no documents at all has a reader without segments.
    segment = leaf.segment()
    return None if segment is None else str(segment.segment_id())


def index_key(generation: str, index: Any) -> tuple[Hashable, ...]:
    """What identifies the documents of an open index: its generation and latest commit."""
    # latest_generation() only lists the folder, far cheaper than opening a reader.
    return (generation, int(index.latest_generation()))


class SnapshotCache:
    """A small thread-safe cache of values derived from index snapshots, keyed by name."""

    def __init__(self, kept: int = SNAPSHOTS_KEPT) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._builds: dict[tuple[Hashable, str], threading.Lock] = {}

    def _lookup(self, key: Hashable, name: str) -> tuple[bool, Any]:
        values = self._entries.get(key)
        if values is None or name not in values:
            return False, None
        self._entries.move_to_end(key)
        return True, values[name]

    def values(self, name: str) -> list[Any]:
        """Every value called `name` held now, oldest snapshot first."""
        with self._lock:
            return [values[name] for values in self._entries.values() if name in values]

    def get(self, key: Hashable, name: str, build: Callable[[], T]) -> T:
        """The value `name` for snapshot `key`, calling `build()` the first time it is asked for."""
        with self._lock:
            found, value = self._lookup(key, name)
            if found:
                return cast(T, value)
            build_lock = self._builds.setdefault((key, name), threading.Lock())
        # One thread builds while others asking for the same value wait; other values go on.
        with build_lock:
            with self._lock:
                found, value = self._lookup(key, name)
            if found:
                return cast(T, value)
            built = build()
            with self._lock:
                self._entries.setdefault(key, {})[name] = built
                self._entries.move_to_end(key)
                while len(self._entries) > self._kept:
                    self._entries.popitem(last=False)
                self._builds.pop((key, name), None)
            return built
