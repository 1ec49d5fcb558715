"""Posting arrays: a file per segment with each scored term's postings as flat arrays.

Whoosh keeps a term's postings in pickled blocks that its reader decodes in Python, about a
microsecond per posting; a searched word can have 100,000 of them. Beside each segment it
writes, our writer (`indexer.writer`) also writes `<segment id>.arrays`: for every term of the
scored fields, its document numbers (uint32) and weights, so a query reads a term with one
`os.pread` and `np.frombuffer`. Whoosh's own files are unchanged, and a segment without the file
(an index written before it existed) is read through Whoosh as before.

The name follows Whoosh's segment files (`MAIN_<id>.<ext>`): Whoosh's clean-up keeps the file
while its segment is live and deletes it with the segment, and parallel builds, generation
links and checksums treat it as any other index file. It is moved into the index folder after
Whoosh packs its own files into the segment's compound `.seg` file, so it is never packed.

Layout (little-endian): the magic bytes; the postings, term after term (document numbers, then
weights as `_ONES` (none stored), `_BYTES` (uint8) or `_FLOATS` (float64), whichever holds them
exactly); per field, its terms' table (sorted term bytes joined, the end of each, and each
term's offset, posting count and weight kind); a JSON footer locating the tables; the footer's
size (uint64); the magic again.
"""

from __future__ import annotations

import json
import os
import pickle
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np
import numpy.typing as npt
from whoosh.formats import Positions

EXTENSION = ".arrays"
_MAGIC = b"MSPARR02"
_TAIL = 8 + len(_MAGIC)
# How postings are kept: none stored (all 1.0), one byte each (small whole numbers), float64.
_ONES, _BYTES, _FLOATS = 0, 1, 2
_WEIGHT_SIZE = {_ONES: 0, _BYTES: 1, _FLOATS: 8}
# A term's positions are not in the file (its field has none, or they are not Whoosh's encoding).
_NO_POSITIONS = 0
# Whoosh's encoded positions: a 4-byte count, then a pickle (which ends with its STOP, ".").
_ENDS_PICKLE = methodcaller("endswith", b".")
_PICKLE_WITHOUT_STOP = itemgetter(slice(4, -1))
# Postings gathered before they are converted to arrays together (one NumPy call per batch,
# not per term: most terms have a handful of postings).
_BATCH = 1 << 16

DocNums = npt.NDArray[np.int64]
Ints = npt.NDArray[np.int64]
Weights = npt.NDArray[np.float64]


def array_fields(schema: Any) -> frozenset[str]:
    """The fields whose postings the file holds: those scored with BM25 (not spelling words)."""
    return frozenset(name for name, field in schema.items() if field.scorable)


def position_fields(schema: Any) -> frozenset[str]:
    """The fields of `array_fields` whose positions the file holds too (for phrases)."""
    return frozenset(
        name for name in array_fields(schema) if type(schema[name].format) is Positions
    )


class _FieldTable:
    """One field's terms as the writer collects them, in order."""

    def __init__(self) -> None:
        self.texts: list[bytes] = []
        self.offsets: list[int] = []
        self.counts: list[int] = []
        self.kinds: list[int] = []
        # Each term's position width (_NO_POSITIONS, 2 or 4 bytes) and its record's size.
        self.position_kinds: list[int] = []
        self.sizes: list[int] = []


class PostingArraysWriter:
    """Writes one segment's posting arrays file for `fields`, term by term in sorted order."""

    def __init__(self, path: Path, fields: Iterable[str], positional: Iterable[str] = ()) -> None:
        self.path = path
        # Fields whose values are Whoosh's encoded positions (Positions format).
        self._positional = frozenset(positional)
        self._file: BinaryIO = path.open("wb")
        self._file.write(_MAGIC)
        self._position = len(_MAGIC)
        # Every field asked for gets a table, empty if the segment has no terms in it.
        self._tables: dict[str, _FieldTable] = {field: _FieldTable() for field in fields}
        self._pending: list[tuple[_FieldTable, int, bool]] = []
        self._ids: list[int] = []
        self._weights: list[float] = []
        self._values: list[bytes] = []

    def add(
        self,
        field: str,
        text: bytes,
        ids: Sequence[int],
        weights: Sequence[float],
        values: Sequence[bytes | None] = (),
    ) -> None:
        """Add one term's postings (document numbers ascending; weights and values in order)."""
        table = self._tables[field]
        if table.texts and text <= table.texts[-1]:
            raise ValueError(f"terms of {field} out of order: {table.texts[-1]!r} .. {text!r}")
        table.texts.append(text)
        # Whoosh's Positions encoding ends with a pickle's STOP; anything else is left out.
        positional = (
            field in self._positional
            and len(values) == len(ids)
            and whoosh_encoded_positions(values)
        )
        self._pending.append((table, len(ids), positional))
        self._ids.extend(ids)
        self._weights.extend(weights)
        if positional:
            self._values.extend(cast(Sequence[bytes], values))
        if len(self._ids) >= _BATCH:
            self._write_pending()

    def _write_pending(self) -> None:
        if not self._pending:
            return
        ids = np.array(self._ids, np.uint32)
        weights = np.array(self._weights, np.float64)
        counts = np.array([count for _, count, _ in self._pending], np.int64)
        starts = np.cumsum(counts) - counts
        # Each term's weight kind at once: every posting 1.0, or all whole numbers 0..255.
        all_ones = np.logical_and.reduceat(weights == 1.0, starts)
        small = (weights >= 0) & (weights <= 255) & (weights == np.floor(weights))
        all_small = np.logical_and.reduceat(small, starts)
        as_bytes = np.where(small, weights, 0).astype(np.uint8)
        id_bytes = memoryview(ids.astype("<u4").tobytes())
        float_bytes = memoryview(weights.astype("<f8").tobytes())
        byte_bytes = memoryview(as_bytes.tobytes())
        per_posting, positions = decoded_positions(self._values)
        # One width for the batch's positions and counts (2 bytes unless one does not fit).
        width = 2 if max(per_posting.max(initial=0), positions.max(initial=0)) < 1 << 16 else 4
        dtype = "<u2" if width == 2 else "<u4"
        count_bytes = memoryview(per_posting.astype(dtype).tobytes())
        position_bytes = memoryview(positions.astype(dtype).tobytes())
        # Where each positional posting's positions start.
        position_starts = np.concatenate(([0], np.cumsum(per_posting))).tolist()
        next_positional = 0
        write = self._file.write
        position = self._position
        for (table, count, positional), start, ones, small_only in zip(
            self._pending, starts.tolist(), all_ones.tolist(), all_small.tolist(), strict=True
        ):
            table.offsets.append(position)
            began = position
            table.counts.append(count)
            end = start + count
            write(id_bytes[4 * start : 4 * end])
            position += 4 * count
            if ones:
                table.kinds.append(_ONES)
            elif small_only:
                table.kinds.append(_BYTES)
                write(byte_bytes[start:end])
                position += count
            else:
                table.kinds.append(_FLOATS)
                write(float_bytes[8 * start : 8 * end])
                position += 8 * count
            kind = _NO_POSITIONS
            if positional:
                first, last = next_positional, next_positional + count
                low, high = position_starts[first], position_starts[last]
                write(count_bytes[width * first : width * last])
                write(position_bytes[width * low : width * high])
                position += width * (count + high - low)
                next_positional = last
                kind = width
            table.position_kinds.append(kind)
            table.sizes.append(position - began)
        self._position = position
        self._pending.clear()
        self._ids.clear()
        self._weights.clear()
        self._values.clear()

    def _write_array(self, values: npt.NDArray[Any]) -> int:
        at = self._position
        data = values.tobytes()
        self._file.write(data)
        self._position += len(data)
        return at

    def close(self, doc_count: int) -> None:
        """Write the term tables and the footer, and close the file."""
        self._write_pending()
        fields: dict[str, dict[str, int]] = {}
        for name, table in sorted(self._tables.items()):
            ends = np.cumsum([len(text) for text in table.texts], dtype=np.int64)
            fields[name] = {
                "terms": len(table.texts),
                "text": self._write_array(np.frombuffer(b"".join(table.texts), np.uint8)),
                "ends": self._write_array(ends.astype("<u4")),
                "offsets": self._write_array(np.array(table.offsets, "<u8")),
                "counts": self._write_array(np.array(table.counts, "<u4")),
                "kinds": self._write_array(np.array(table.kinds, np.uint8)),
                "position_kinds": self._write_array(np.array(table.position_kinds, np.uint8)),
                "sizes": self._write_array(np.array(table.sizes, "<u8")),
            }
        footer = json.dumps({"documents": doc_count, "fields": fields}).encode("utf-8")
        self._file.write(footer + len(footer).to_bytes(8, "little") + _MAGIC)
        self._file.close()

    def discard(self) -> None:
        """Close and delete an unfinished file."""
        self._file.close()
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Terms:
    """One field's term table, read into memory: terms found by binary search."""

    text: bytes
    ends: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.uint64]
    counts: npt.NDArray[np.uint32]
    kinds: npt.NDArray[np.uint8]
    position_kinds: npt.NDArray[np.uint8]
    sizes: npt.NDArray[np.uint64]

    def find(self, term: bytes) -> int:
        """The term's number in the table, or -1."""
        # Terms are sorted by their bytes (Whoosh's order); the table is in NumPy arrays, far
        # smaller than a dict of Python strings, and some 20 comparisons find a term.
        text, ends = self.text, self.ends
        low, high = 0, len(ends)
        while low < high:
            middle = (low + high) // 2
            start = int(ends[middle - 1]) if middle else 0
            found = text[start : int(ends[middle])]
            if found < term:
                low = middle + 1
            elif found > term:
                high = middle
            else:
                return middle
        return -1

    @property
    def size(self) -> int:
        """Bytes held in memory."""
        arrays = (
            self.ends,
            self.offsets,
            self.counts,
            self.kinds,
            self.position_kinds,
            self.sizes,
        )
        return len(self.text) + sum(int(a.nbytes) for a in arrays)


class PostingArrays:
    """A segment's posting arrays file open for reading; threads may share it.

    Reads go through `os.pread`, which takes the file position as an argument, so concurrent
    reads never interfere. The file stays open while this object lives: requests still
    searching an older snapshot may read it after its generation's folder is gone.
    """

    def __init__(self, path: Path, fd: int, footer: dict[str, Any]) -> None:
        self.path = path
        self._fd = fd
        self.doc_count = int(footer["documents"])
        self._fields: dict[str, dict[str, int]] = footer["fields"]
        self._terms: dict[str, _Terms] = {}
        self._lock = threading.Lock()
        weakref.finalize(self, os.close, fd)

    @classmethod
    def open(cls, path: Path) -> PostingArrays | None:
        """The file at `path` open for reading, or None when there is none."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            size = os.fstat(fd).st_size
            if size < len(_MAGIC) + _TAIL:
                raise ValueError(f"{path.name} is too short")
            tail = _pread(fd, _TAIL, size - _TAIL)
            footer_size = int.from_bytes(tail[:8], "little")
            if tail[8:] != _MAGIC or footer_size > size - len(_MAGIC) - _TAIL:
                raise ValueError(f"{path.name} is not a posting arrays file")
            footer = json.loads(_pread(fd, footer_size, size - _TAIL - footer_size))
            return cls(path, fd, footer)
        except BaseException:
            os.close(fd)
            raise

    def has_field(self, field: str) -> bool:
        """Whether the file holds the postings of `field`'s terms (all of them if so)."""
        return field in self._fields

    def terms(self, field: str) -> _Terms:
        """The term table of `field` (which the file must hold), read on first use."""
        found = self._terms.get(field)
        if found is None:
            with self._lock:
                found = self._terms.get(field)
                if found is None:
                    found = self._terms[field] = self._read_terms(self._fields[field])
        return found

    def _read_terms(self, where: dict[str, int]) -> _Terms:
        count = where["terms"]

        def array(key: str, dtype: str, size: int) -> npt.NDArray[Any]:
            return np.frombuffer(_pread(self._fd, size * count, where[key]), dtype)

        ends: npt.NDArray[np.uint32] = array("ends", "<u4", 4)
        text = _pread(self._fd, int(ends[-1]), where["text"]) if count else b""
        return _Terms(
            text,
            ends,
            array("offsets", "<u8", 8),
            array("counts", "<u4", 4),
            array("kinds", "u1", 1),
            array("position_kinds", "u1", 1),
            array("sizes", "<u8", 8),
        )

    def read(self, field: str, text: str) -> tuple[DocNums, Weights]:
        """Document numbers and weights of `text` in `field` (empty when it has none)."""
        terms = self.terms(field)
        number = terms.find(text.encode("utf-8"))
        if number < 0:
            return _NO_DOCNUMS, _NO_WEIGHTS
        count = int(terms.counts[number])
        kind = int(terms.kinds[number])
        data = _pread(self._fd, 4 * count + _WEIGHT_SIZE[kind] * count, int(terms.offsets[number]))
        return _postings(data, count, kind)

    def positions(self, field: str, text: str) -> tuple[DocNums, Ints, Ints] | None:
        """Documents of `text` in `field`, how many positions each, and all of them in order.

        None when the file does not hold the term's positions (read them through Whoosh).
        """
        terms = self.terms(field)
        number = terms.find(text.encode("utf-8"))
        if number < 0:
            return _NO_DOCNUMS, _NO_INTS, _NO_INTS
        width = int(terms.position_kinds[number])
        if width == _NO_POSITIONS:
            return None
        count = int(terms.counts[number])
        kind = int(terms.kinds[number])
        data = _pread(self._fd, int(terms.sizes[number]), int(terms.offsets[number]))
        docnums, _ = _postings(data, count, kind)
        start = (4 + _WEIGHT_SIZE[kind]) * count
        dtype = "<u2" if width == 2 else "<u4"
        per_posting = np.frombuffer(data, dtype, count, start).astype(np.int64)
        start += width * count
        total = (len(data) - start) // width
        positions = np.frombuffer(data, dtype, total, start).astype(np.int64)
        return docnums, per_posting, positions

    def memory(self) -> int:
        """Bytes held by the term tables read so far."""
        return sum(terms.size for terms in list(self._terms.values()))


def _postings(data: bytes, count: int, kind: int) -> tuple[DocNums, Weights]:
    docnums = np.frombuffer(data, "<u4", count).astype(np.int64)
    if kind == _ONES:
        weights: Weights = np.ones(count, np.float64)
    elif kind == _BYTES:
        weights = np.frombuffer(data, np.uint8, count, 4 * count).astype(np.float64)
    else:
        weights = np.frombuffer(data, "<f8", count, 4 * count).astype(np.float64)
    return docnums, weights


def whoosh_encoded_positions(values: Sequence[bytes | None]) -> bool:
    """Whether every value is as Whoosh's Positions format encodes positions."""
    return None not in values and all(map(_ENDS_PICKLE, values))


def decoded_positions(values: Sequence[bytes]) -> tuple[Ints, Ints]:
    """Each value's position count and all their positions, from Whoosh's Positions encoding."""
    if not values:
        return _NO_INTS, _NO_INTS
    decoded = _gaps_by_opcode(values)
    if decoded is not None:
        sizes, flat = decoded
    else:
        # Positions.encode gives a 4-byte count, then a pickled list of gaps. The pickles,
        # each without its STOP, between a MARK and a LIST make one pickle of a list of
        # lists: one call into C for all of them instead of one per value.
        joined = b"".join(map(_PICKLE_WITHOUT_STOP, values))
        gaps: list[list[int]] = pickle.loads(b"(" + joined + b"l.")  # noqa: S301 (our index)
        sizes = np.fromiter(map(len, gaps), np.int64, len(gaps))
        flat = np.fromiter(chain.from_iterable(gaps), np.int64, int(sizes.sum()))
    # Running sums restarted at each list: the sum so far less the sum before the list.
    sums = np.cumsum(flat)
    before = np.concatenate(([0], sums))[np.cumsum(sizes) - sizes]
    return sizes, sums - np.repeat(before, sizes)


# The pickle protocol 2 opcodes of a list of gaps as Positions.encode writes it (after its 4-byte
# big-endian count): PROTO 2, EMPTY_LIST, BINPUT 0; then the gaps, each BININT1 ("K", one byte),
# BININT2 ("M", two) or BININT ("J", four, signed), in batches of up to 1,000 between MARK and
# APPENDS, or one gap and APPEND for a list of one; then STOP.
_LIST_HEADER = b"\x80\x02]q\x00"
_FIRST_GAP = 4 + len(_LIST_HEADER)
_BININT1, _BININT2, _BININT = ord("K"), ord("M"), ord("J")
_MARK, _APPENDS, _APPEND, _STOP = ord("("), ord("e"), ord("a"), ord(".")


def _gaps_by_opcode(values: Sequence[bytes]) -> tuple[Ints, Ints] | None:
    """Each value's gap count and all gaps, read from the opcodes with NumPy; None if unsure.

    Three times faster than unpickling (which makes a Python int per position): the writer
    decodes every position of every article. Gap k of every value is read in one step, over the
    values with more than k gaps; anything but the layout above gives None, and the caller
    unpickles instead.
    """
    lengths = np.fromiter(map(len, values), np.int64, len(values))
    if lengths.min() < _FIRST_GAP + 3:
        return None
    data = np.frombuffer(b"".join(values), np.uint8)
    wide = data.astype(np.int64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    for offset, byte in enumerate(_LIST_HEADER, start=4):
        if not np.all(data[starts + offset] == byte):
            return None
    counts = (wide[starts] << 24) | (wide[starts + 1] << 16) | (wide[starts + 2] << 8)
    counts |= wide[starts + 3]
    # Values with the most gaps first, so the values still reading are always a prefix.
    order = np.argsort(-counts, kind="stable")
    cursors = starts[order] + _FIRST_GAP
    firsts = (np.cumsum(counts) - counts)[order]
    longest = int(counts[order[0]])
    reading = np.searchsorted(-counts[order], -np.arange(longest), side="left").tolist()
    gaps = np.empty(int(counts.sum()), np.int64)
    last = len(data) - 1
    for k, count in enumerate(reading):
        at = cursors[:count]
        at = np.minimum(at + (data[at] == _APPENDS), last)  # a batch of 1,000 ended
        at = np.minimum(at + (data[at] == _MARK), last)  # a batch begins
        opcode = data[at]
        one, two, four = opcode == _BININT1, opcode == _BININT2, opcode == _BININT
        if not np.all(one | two | four):
            return None
        low, second = wide[np.minimum(at + 1, last)], wide[np.minimum(at + 2, last)]
        gap = np.where(one, low, low | (second << 8))
        if four.any():
            third, fourth = wide[np.minimum(at + 3, last)], wide[np.minimum(at + 4, last)]
            whole = low | (second << 8) | (third << 16) | (fourth << 24)
            gap = np.where(four, np.where(whole >= 1 << 31, whole - (1 << 32), whole), gap)
        gaps[firsts[:count] + k] = gap
        cursors[:count] = at + 2 + two + 3 * four
    # Every value must end right after its gaps, with APPEND or APPENDS and STOP.
    closing = data[np.minimum(cursors, last)]
    if not (
        np.all(cursors + 2 == ends[order])
        and np.all((closing == _APPEND) | (closing == _APPENDS))
        and np.all(data[np.minimum(cursors + 1, last)] == _STOP)
    ):
        return None
    return counts, gaps


def _pread(fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    if len(data) != size:
        raise ValueError(f"posting arrays file ends early ({len(data)} of {size} bytes read)")
    return data


_NO_DOCNUMS: DocNums = np.zeros(0, np.int64)
_NO_WEIGHTS: Weights = np.zeros(0, np.float64)
_NO_INTS: Ints = np.zeros(0, np.int64)
