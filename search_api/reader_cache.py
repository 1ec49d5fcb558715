"""Values worked out once per index snapshot (such as the autocomplete vocabulary) and reused."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")
# Snapshots kept: the one served now and the one before it, for requests still reading it.
SNAPSHOTS_KEPT = 2


def snapshot_key(reader: Any) -> tuple[Hashable, ...]:
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


class ReaderCache:
    """A small thread-safe cache of values derived from an index snapshot, keyed by name."""

    def __init__(self, kept: int = SNAPSHOTS_KEPT) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[Hashable, ...], dict[str, Any]] = OrderedDict()

    def get(self, reader: Any, name: str, build: Callable[[Any], T]) -> T:
        """The value `name` for `reader`'s snapshot, calling `build(reader)` the first time."""
        key = snapshot_key(reader)
        with self._lock:
            values = self._entries.get(key)
            if values is not None and name in values:
                self._entries.move_to_end(key)
                return cast(T, values[name])
        # Built outside the lock: a slow build must not hold up requests for other values.
        value = build(reader)
        with self._lock:
            values = self._entries.setdefault(key, {})
            values.setdefault(name, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
            return cast(T, values[name])
