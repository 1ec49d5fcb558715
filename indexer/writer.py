"""The segment writer every build uses: Whoosh's own, minus a file-system call per posting.

When Whoosh flushes a segment it looks up, for every posting, the document's length in that
field, through a per-document reader that asks the storage whether the field has a lengths column
file. Fields without one (ids, the spelling words, dates) never get a cached answer, so the
reader calls `os.stat` once per posting: a third of a million calls for 1,000 articles. Here the
reader remembers the answer per field; the files it looks at are complete and closed by then,
so the answer cannot change. The bytes written are the same.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.writing import SegmentWriter


class _ColumnsKnownReader(W3PerDocReader):  # type: ignore[misc]  # Whoosh is untyped
    """A finished segment's per-document reader that checks each column file once."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._has_column: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        """Whether the segment has a column file for `fieldname`, remembered per field."""
        known = self._has_column.get(fieldname)
        if known is None:
            known = self._has_column[fieldname] = bool(super().has_column(fieldname))
        return known


class IndexWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh is untyped
    """Whoosh's SegmentWriter whose flush reads document lengths without a stat per posting."""

    def per_document_reader(self) -> Any:
        """The new segment's per-document reader, checking column files once (Whoosh 3 codec)."""
        if type(self.codec) is not W3Codec:
            return super().per_document_reader()
        if not self.perdocwriter.is_closed:
            raise RuntimeError("the per-document writer is still open")
        return _ColumnsKnownReader(self.storage, self.get_segment())


def index_writer(index: Any, limitmb: int) -> IndexWriter:
    """A writer for `index` that buffers up to `limitmb` megabytes of postings in memory."""
    return IndexWriter(index, limitmb=limitmb)
