"""The segment writer every build uses: Whoosh's own, with less work per posting.

Postings: Whoosh's pool holds one tuple per posting and sorts them all at commit, spilling
sorted runs to disk past its memory limit; here they are grouped by term as documents arrive, in
number order, so only the terms need sorting (see _TermsPool). Past the memory limit the groups
are spilled to Whoosh's runs, and merged back and grouped by term again when the segment is
written. Each term's postings go to Whoosh's postings writer a block at a time, and, for the
fields scored with BM25, to the segment's posting arrays file (`indexer.posting_arrays`), which
lets search read a term with one system call instead of decoding Whoosh's blocks in Python.

Spelling words: for a field with `spelling=True` Whoosh adds one posting per distinct unstemmed
word of every document to the field's spelling field (`spell_content`), all on document 0 of
the segment, so a word's posting count is the number of documents holding it. That doubled the
postings a build sorts and writes. Here the pool keeps one posting per word and segment instead,
weighted by that count: `reader.frequency(spell_field, word)` gives the same number as before
(did-you-mean reads it), `(spell_field, word) in reader` and prefix listing are unchanged.

Column checks: when Whoosh flushes a segment it looks up, for every posting, the document's
length in that field, through a per-document reader that asks the storage whether the field has
a lengths column file. Fields without one (ids, spelling words, dates) never get a cached
answer, so the reader calls `os.stat` once per posting: a third of a million calls for 1,000
articles. Here the reader remembers the answer per field; the files it looks at are complete and
closed by then, so the answer cannot change, and the index written is the same. The lengths
themselves are read into a table once per field rather than decoded once per posting.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from indexer.posting_arrays import EXTENSION, PostingArraysWriter, array_fields, position_fields


class _ColumnsKnownReader(W3PerDocReader):  # type: ignore[misc]  # Whoosh is untyped
    """A finished segment's per-document reader that checks each column file once."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._has_column: dict[str, bool] = {}
        self._lengths: dict[str, list[int | None] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        """Whoosh's answer for one document's length in a field, from a table read once."""
        # The flush asks once per posting, each time decoding one byte through two objects.
        lengths = self.field_lengths(fieldname)
        return default if lengths is None else lengths[docnum]

    def field_lengths(self, fieldname: str) -> list[int | None] | None:
        """Each document's length in `fieldname` (None if unrecorded); None without a column."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._all_lengths(fieldname)
        return self._lengths[fieldname]

    def _all_lengths(self, fieldname: str) -> list[int | None] | None:
        column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        # As W3PerDocReader.doc_field_length: a zero byte (no length) answers None.
        return [
            byte_to_length(stored) if stored else None
            for stored in (column[docnum] for docnum in range(self._doccount))
        ]

    def has_column(self, fieldname: str) -> bool:
        """Whether the segment has a column file for `fieldname`, remembered per field."""
        known = self._has_column.get(fieldname)
        if known is None:
            known = self._has_column[fieldname] = bool(super().has_column(fieldname))
        return known


# One buffered posting: document number, weight, encoded value.
_Posting = tuple[int, float, bytes | None]


class _TermsPool(PostingPool):  # type: ignore[misc]  # Whoosh is untyped
    """A posting pool that groups postings by term as they come (see module doc).

    Whoosh's pool keeps one tuple per posting, sorts them all at the end, and past its memory
    limit pickles sorted runs to disk and merges them back. Documents arrive in number order,
    so grouping each term's postings in a list leaves only the terms to sort. Past the memory
    limit the groups go, in order, to Whoosh's own pool as a sorted run, so memory stays bounded.
    """

    # Memory per buffered posting besides its value bytes: the tuple, number, weight, list slot.
    POSTING_BYTES = 160

    def __init__(self, spelling_fields: frozenset[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spelling_fields = spelling_fields
        self._counts: dict[tuple[str, bytes], float] = {}
        self._terms: dict[tuple[str, bytes], list[_Posting]] = {}
        self._buffered = 0

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Buffer one (field, term, docnum, weight, value) posting; spelling words are counted."""
        field, text, docnum, weight, value = item
        key = (field, text)
        if field in self._spelling_fields:
            # Postings merged in from other segments carry their counts as weights already.
            self._counts[key] = self._counts.get(key, 0.0) + weight
            return
        postings = self._terms.get(key)
        if postings is None:
            postings = self._terms[key] = []
            self.fieldnames.add(field)
        postings.append((docnum, weight, value))
        self._buffered += self.POSTING_BYTES + (len(value) if value else 0)
        if self._buffered > self.limit:
            self._spill()

    def _spill(self) -> None:
        add = super().add
        for field, text, docnum, weight, value in self._grouped():
            add((field, text, docnum, weight, value))
        super().save()
        self._buffered = 0

    def _grouped(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """The buffered postings in Whoosh's order, leaving the buffer empty."""
        for (field, text), postings in self.terms():
            for docnum, weight, value in postings:
                yield field, text, docnum, weight, value

    def terms(self) -> Iterator[tuple[tuple[str, bytes], list[_Posting]]]:
        """Each buffered (field, term) in order with its postings in order; empties the buffer."""
        terms, self._terms = self._terms, {}
        for key, postings in sorted(terms.items()):
            # Merged segments may add a term's documents after later ones: sort (in C, and
            # nearly free on the usual already ordered list).
            postings.sort()
            yield key, postings

    def finish(self) -> bool:
        """Add the counted spelling words; True when every posting is still in memory."""
        for (field, text), count in self._counts.items():
            self._terms[field, text] = [(0, count, pack_uint(int(count)))]
        self._counts.clear()
        return not self.runs

    def merged_terms(self) -> Iterator[tuple[tuple[str, bytes], list[_Posting]]]:
        """As `terms`, after `finish` found postings spilled to disk: all of them, merged."""
        self._spill()
        for key, postings in groupby(super().iter_postings(), itemgetter(0, 1)):
            yield key, [posting[2:] for posting in postings]

    def iter_postings(self) -> Any:
        """All postings in order, each spelling word once, on document 0, weighted by its count."""
        if self.finish():
            return self._grouped()
        self._spill()
        return super().iter_postings()


class IndexWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh is untyped
    """Whoosh's SegmentWriter, with counted spelling words and a posting arrays file per segment."""

    def __init__(self, index: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(index, limitmb=limitmb, **kwargs)
        spelling = frozenset(
            field.spelling_fieldname(name)
            for name, field in self.schema.items()
            if field.separate_spelling()
        )
        self.pool = _TermsPool(spelling, self._tempstorage, self.newsegment, limitmb=limitmb)
        self._array_fields = array_fields(self.schema)
        # The posting arrays file of the segment being written, once its postings are.
        self._arrays: PostingArraysWriter | None = None

    def _flush_segment(self) -> None:
        pool = self.pool
        if (
            not isinstance(pool, _TermsPool)
            or type(self.fieldwriter) is not W3FieldWriter
            or not self.codec.length_stats
        ):
            super()._flush_segment()
            return
        # Postings past the memory limit were spilled to sorted runs on disk: Whoosh merges
        # them back in order, and they are grouped by term here as the ones held in memory.
        terms = pool.terms() if pool.finish() else pool.merged_terms()
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        arrays = self._start_arrays()
        try:
            self._write_terms(terms, lengths, arrays)
        except BaseException:
            if arrays is not None:
                arrays.discard()
            raise
        if arrays is not None:
            arrays.close(self.docnum - self.docbase)
            self._arrays = arrays
        lengths.close()

    def _write_terms(
        self,
        terms: Iterator[tuple[tuple[str, bytes], list[_Posting]]],
        lengths: Any,
        arrays: PostingArraysWriter | None,
    ) -> None:
        writer = self.fieldwriter
        field = None
        for (fieldname, text), postings in terms:
            if fieldname != field:
                if field is not None:
                    writer.finish_field()
                field = fieldname
                writer.start_field(fieldname, self.schema[fieldname])
            ids, weights, values = zip(*postings, strict=True)
            writer.start_term(text)
            _add_postings(
                writer._postwriter, ids, weights, values, lengths.field_lengths(fieldname)
            )
            writer.finish_term()
            if arrays is not None and fieldname in self._array_fields:
                arrays.add(fieldname, text, ids, weights, values)
        if field is not None:
            writer.finish_field()
        writer.close()

    def _start_arrays(self) -> PostingArraysWriter | None:
        # Written in the writer's temporary folder: Whoosh packs every file named after the
        # segment into its compound file when the segment is finished; this one is moved in
        # afterwards (_assemble_segment). Only for indexes in a folder.
        temporary = getattr(self._tempstorage, "folder", None)
        if getattr(self.storage, "folder", None) is None or temporary is None:
            return None
        name = self.newsegment.make_filename(EXTENSION)
        return PostingArraysWriter(
            Path(temporary) / name, self._array_fields, position_fields(self.schema)
        )

    def _assemble_segment(self) -> None:
        super()._assemble_segment()
        if self._arrays is not None:
            os.replace(self._arrays.path, Path(self.storage.folder) / self._arrays.path.name)
            self._arrays = None

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


def _add_postings(
    writer: Any,
    ids: Sequence[int],
    weights: Sequence[float],
    values: Sequence[bytes | None],
    lengths: list[int | None] | None,
) -> None:
    """Buffer one term's postings in Whoosh 3's postings writer, a block at a time.

    What `add_posting` does per posting (its type checks aside), per block of postings: the same
    blocks, statistics and bytes, without several Python calls for every posting.
    """
    if type(writer) is not W3PostingsWriter:
        for docnum, weight, value in zip(ids, weights, values, strict=True):
            writer.add_posting(docnum, weight, value or b"", lengths[docnum] if lengths else 0)
        return
    size = writer._blocklimit
    for start in range(0, len(ids), size):
        if len(writer._ids) >= size:
            # As add_posting: a full block is written when the next posting arrives, so the
            # term's last block is left for finish_postings to write as the last one.
            writer._write_block()
        # A term starts with an empty block (start_term), so blocks hold exactly `size` each.
        block_ids = ids[start : start + size]
        block_weights = weights[start : start + size]
        writer._ids.extend(block_ids)
        writer._weights.extend(block_weights)
        writer._maxweight = max(writer._maxweight, *block_weights)
        writer._values.extend(value for value in values[start : start + size] if value)
        if lengths is not None:
            known = [length for length in map(lengths.__getitem__, block_ids) if length]
            if known:
                low = min(known)
                if writer._minlength is None or low < writer._minlength:
                    writer._minlength = low
                writer._maxlength = max(writer._maxlength, *known)
