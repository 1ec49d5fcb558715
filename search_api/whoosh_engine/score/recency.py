"""The optional recency boost: relevant but not stale.

With the boost on, an article's relevance score is multiplied by

    (1 - weight) + weight * 0.5 ** (age / half_life)

where `age` is how many days older it is than the newest article in the index. The newest
article keeps its score, one a half-life older keeps `1 - weight/2` of it, and a very old one
keeps `1 - weight`: age reorders articles of similar relevance but never buries a much better
match. Undated articles are not boosted or penalised (as Elasticsearch's decay functions treat a
missing date). Counting age from the newest article rather than from today keeps rankings still
while nothing is published.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from whoosh.scoring import WeightingModel
from whoosh.searching import Searcher

from indexer.schema import NO_DAY
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache, reader_key
from search_api.whoosh_engine.results.filters import require_fields


class RecencyWeighting(WeightingModel):  # type: ignore[misc]  # Whoosh is untyped
    """Scores terms with `base`, then scales each article's total by its recency factor."""

    use_final = True

    def __init__(
        self, base: Any, days: Any, newest_day: int, half_life_days: int, weight: float
    ) -> None:
        self.base = base
        self.days = days
        self.newest_day = newest_day
        self.half_life_days = half_life_days
        self.weight = weight

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        """The base model's inverse document frequency."""
        return float(self.base.idf(searcher, fieldname, text))

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        """The base model's scorer: term scores are unchanged."""
        return self.base.scorer(searcher, fieldname, text, qf=qf)

    def factor(self, day: int) -> float:
        """How much of its score an article dated `day` keeps."""
        if day <= NO_DAY:
            return 1.0
        age = max(0, self.newest_day - day)
        return (1.0 - self.weight) + self.weight * math.pow(0.5, age / self.half_life_days)

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        """The article's summed term score times its recency factor."""
        return score * self.factor(int(self.days[docnum]))


def newest_day(reader: Any) -> int:
    """The latest `day` of any article the reader sees (NO_DAY when none is dated)."""
    days = reader.column_reader("day")
    return max((days[docnum] for docnum in reader.all_doc_ids()), default=NO_DAY)


def recency_searcher(
    searcher: Any, cache: SnapshotCache, half_life_days: int, weight: float
) -> Any:
    """A searcher over the same reader whose scores carry the recency boost (or `searcher`)."""
    if half_life_days <= 0 or weight <= 0:
        return searcher
    require_fields(searcher, "The recency boost", "day")
    reader = searcher.reader()
    weighting = RecencyWeighting(
        searcher.weighting,
        reader.column_reader("day"),
        cache.get(reader_key(reader), "newest_day", partial(newest_day, reader)),
        half_life_days,
        weight,
    )
    # The request's searcher owns the reader and closes it; this one only borrows it.
    return Searcher(reader, weighting=weighting, closereader=False)
