"""How an update's commit merges the segments that earlier updates left behind.

Every update writes its articles into a new segment. Whoosh's default policy (MERGE_SMALL) merges
the five smallest segments once they hold fewer than 55 documents, term by term: each term of
each segment costs a lookup and a matcher, so at 100,000 articles every fifth update of ten
articles took 2.5-3 s instead of 0.5 s. Here segments of fewer than SMALL_SEGMENT_DOCS documents
are folded into the segment being written instead, by indexing their live articles again from
their stored fields (every field an article has is stored): about 5 ms an article, so the fifth
update takes 1.1-1.7 s (twelve updates in a row: mean 0.67 s against 1.0 s with MERGE_SMALL).
Larger segments are left to Whoosh's policy, where merging costs less per article than analysing
it again.
"""

from __future__ import annotations

from typing import Any

from whoosh.reading import SegmentReader
from whoosh.writing import MERGE_SMALL

from indexer.schema import article_from_stored, article_to_document

# Segments of fewer documents are folded by indexing their articles again.
SMALL_SEGMENT_DOCS = 100
# Small segments left beside the big ones before they are folded: each costs searches a little
# (a term lookup per query word), each fold costs the articles it indexes again.
MAX_SMALL_SEGMENTS = 4


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy: the segments to keep, after folding small ones into `writer`'s.

    Segments whose documents are all deleted (an article updated again deletes its document from
    the segment the last update wrote) are dropped. Once there are more than MAX_SMALL_SEGMENTS
    segments under SMALL_SEGMENT_DOCS documents, their live documents are added to the segment
    being written. The others go through Whoosh's MERGE_SMALL.
    """
    live = [segment for segment in segments if segment.deleted_count() < segment.doc_count_all()]
    small = [segment for segment in live if segment.doc_count_all() < SMALL_SEGMENT_DOCS]
    large = [segment for segment in live if segment.doc_count_all() >= SMALL_SEGMENT_DOCS]
    if len(small) > MAX_SMALL_SEGMENTS:
        for segment in small:
            _add_live_articles(writer, segment)
        small = []
    return small + list(MERGE_SMALL(writer, large))


def _add_live_articles(writer: Any, segment: Any) -> None:
    # Read through the segment as this commit sees it: deletions made by the update are marked
    # on the writer's segment objects, so an article updated now is not added twice.
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        for docnum in range(reader.doc_count_all()):
            if not reader.is_deleted(docnum):
                fields = reader.stored_fields(docnum)
                writer.add_document(**article_to_document(article_from_stored(fields)))
    finally:
        reader.close()
