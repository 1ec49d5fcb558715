"""Scoring word queries over whole posting lists with NumPy instead of Whoosh's matcher tree.

Whoosh finds the best matches of an OR query by walking a tree of matchers one document at a
time in Python; a reader's question widened with synonyms and feedback words is an OR of some
fifty terms, and that walk is most of a search's time on a large index. The queries plain words
become (`search_api/expansion.py`: terms OR-ed, each synonym group a DisjunctionMax) are scored
here the other way round: each term's postings are read whole into arrays (from the segment's
posting arrays file, `indexer.posting_arrays`, in one read; from Whoosh's blocks, a block at a
time, for a segment written without one), scored
with the same BM25 formula and statistics as `indexer.schema.MedsearchBM25` in one vector
operation, and added into one array of scores per segment. The scores equal Whoosh's up to the
order in which floating-point sums are added (a few units in the last place); the order of
tied scores is Whoosh's too (better score first, then lower document number). Any other query
(phrases, wildcards, ranges, NOT, fields that are not scored with BM25) is left to Whoosh.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.formats import Positions
from whoosh.reading import TermNotFound
from whoosh.searching import Results
from whoosh.util.numeric import byte_to_length

from indexer.posting_arrays import EXTENSION as ARRAYS_EXTENSION
from indexer.posting_arrays import PostingArrays, decoded_positions, whoosh_encoded_positions
from indexer.schema import BM25_B, BM25_K1, CONTENT_FIELD, MedsearchBM25
from search_api.whoosh_engine.expand.spelling import WordList, indexed_words
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache, reader_key
from search_api.whoosh_engine.parse.limits import QueryBudget

logger = logging.getLogger("medsearch")
K = TypeVar("K")
V = TypeVar("V")

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

# Field lengths are stored as one byte each; this table turns the byte back into the length
# Whoosh's scorer uses (a byte of 0 means no length, and such a document has no postings).
_LENGTH_OF_BYTE: Floats = np.array([0.0] + [float(byte_to_length(b)) for b in range(1, 256)])
# Postings read through Whoosh kept in memory per index snapshot, in bytes (segments with a
# posting arrays file are read from it every time). Popular words are asked for again and again
# (every query about "diabetes" reads its postings); a posting costs 12 bytes here.
POSTINGS_CACHE_BYTES = 48 * 1024 * 1024
# Postings of the most frequent words read ahead per snapshot, beside the recently used ones.
WARM_BYTES = 32 * 1024 * 1024
# Shorter posting lists take about as long to find as to read: they are read when asked for.
WARM_MIN_DOCUMENTS = 100
# Keys of (document, position) pairs: a document's positions stay below this.
_POSITIONS_PER_DOCUMENT = 1 << 32
# Whoosh's Or stops building a tree of matchers past this many clauses; so do we.
_MAX_CLAUSES = 1024


def supported(query: Any, schema: Any) -> bool:
    """Whether `query` is made only of what this module scores as Whoosh would."""
    if query is wq.NullQuery:
        return True
    kind = type(query)
    if kind is wq.Term:
        return (
            query.fieldname in schema
            and bool(schema[query.fieldname].scorable)
            and isinstance(query.text, str)
        )
    if kind is wq.Or:
        return (
            not query.minmatch
            and not query.scale
            and len(query.subqueries) < _MAX_CLAUSES
            and all(supported(sub, schema) for sub in query.subqueries)
        )
    if kind is wq.DisjunctionMax:
        return not query.tiebreak and all(supported(sub, schema) for sub in query.subqueries)
    # Exact phrases (quoted words, synonyms of more than one word); sloppy ones go to Whoosh.
    return (
        kind is wq.Phrase
        and query.slop == 1
        and query.fieldname in schema
        and bool(schema[query.fieldname].scorable)
        and all(isinstance(word, str) for word in query.words)
    )


@dataclass(frozen=True)
class Postings:
    """One term's postings in one segment: document numbers and term frequencies."""

    docnums: Ints
    frequencies: Floats

    @property
    def size(self) -> int:
        return int(self.docnums.nbytes + self.frequencies.nbytes)


def read_postings(leaf: Any, field: str, text: str) -> Postings:
    """A term's postings in one segment reader, deleted documents included (none if absent)."""
    try:
        # One lookup in the term table: asking `(field, text) in leaf` first would be a second.
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return _EMPTY
    # A segment with deletions wraps its postings in a filter that tests documents one by one;
    # callers take deleted documents out once instead (`_Segment.live`, `count_matches`).
    matcher = getattr(matcher, "child", matcher)
    ids: list[Any] = []
    weights: list[Any] = []
    if _reads_blocks(matcher):
        # Whoosh's own block reader (W3LeafMatcher): a whole block of postings at a time,
        # decoded with NumPy. A block holds its document numbers as gaps from the previous
        # one (the first from 0), and its weights as an array, one float for all, or None
        # when every weight is 1.
        while matcher.is_active():
            matcher._read_data()
            gaps, block_weights = matcher._data[0], matcher._data[1]
            count = matcher._blocklength
            ids.append(np.cumsum(np.asarray(gaps, np.int64)))
            if block_weights is None:
                weights.append(np.ones(count, np.float64))
            elif isinstance(block_weights, float):
                weights.append(np.full(count, block_weights, np.float64))
            else:
                weights.append(np.asarray(block_weights, np.float64))
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(np.asarray([matcher.id()], np.int64))
            weights.append(np.asarray([matcher.weight()], np.float64))
            matcher.next()
    if not ids:
        return _EMPTY
    return Postings(np.concatenate(ids), np.concatenate(weights))


class _Segment:
    """What scoring keeps of one segment of a snapshot: field lengths and live documents.

    Values are read through the leaf reader of the searcher asking: Whoosh readers move a file
    position as they read, so a reader must never be used by two threads at once.
    """

    def __init__(self, leaf: Any, offset: int) -> None:
        self.offset = offset
        self.doc_count = int(leaf.doc_count_all())
        self.arrays = _posting_arrays(leaf, self.doc_count)
        self.live: Flags | None = None
        if leaf.has_deletions():
            self.live = np.ones(self.doc_count, np.bool_)
            self.live[np.fromiter(leaf._perdoc.deleted_docs(), np.int64)] = False

    def length_bytes(self, leaf: Any, field: str) -> npt.NDArray[np.uint8]:
        """Every document's length in `field` as the byte Whoosh stores."""
        perdoc = getattr(leaf, "_perdoc", None)
        column = getattr(perdoc, "_cached_reader", None)
        reader = column(f"_{field}_len", LENGTHS_COLUMN) if column is not None else None
        stored = getattr(reader, "_count", None)
        if reader is None or stored is None or getattr(reader, "_fixedlen", None) != 1:
            return np.fromiter(
                (_byte_of(leaf, docnum, field) for docnum in range(self.doc_count)),
                np.uint8,
                self.doc_count,
            )
        # One read of the whole column (one byte per document) instead of a call per document.
        data = np.frombuffer(reader._dbfile.get(reader._basepos, stored), np.uint8)
        lengths = np.zeros(self.doc_count, np.uint8)
        lengths[: min(stored, self.doc_count)] = data[: self.doc_count]
        return lengths


def _posting_arrays(leaf: Any, doc_count: int) -> PostingArrays | None:
    """The segment's posting arrays file (`indexer.posting_arrays`), if it has a usable one."""
    segment = leaf.segment()
    storage = leaf.storage()
    # A compound segment's reader reads through an overlay of the compound file and the folder.
    folder = getattr(getattr(storage, "b", storage), "folder", None)
    if segment is None or folder is None:
        return None
    path = Path(folder) / segment.make_filename(ARRAYS_EXTENSION)
    try:
        arrays = PostingArrays.open(path)
    except (OSError, ValueError) as exc:
        logger.warning("ignoring %s, reading postings through Whoosh: %s", path.name, exc)
        return None
    if arrays is not None and arrays.doc_count != doc_count:
        logger.warning(
            "ignoring %s: written for %d documents, the segment has %d",
            path.name,
            arrays.doc_count,
            doc_count,
        )
        return None
    return arrays


def _byte_of(leaf: Any, docnum: int, field: str) -> int:
    length = leaf.doc_field_length(docnum, field, 0) or 0
    return int(np.searchsorted(_LENGTH_OF_BYTE, length))


class ScoringArrays:
    """What scoring keeps per index snapshot, shared by that snapshot's searchers."""

    def __init__(self, searcher: Any, cache_bytes: int = POSTINGS_CACHE_BYTES) -> None:
        self.doc_count = int(searcher.doc_count_all())
        self.segments = [
            _Segment(leaf, offset) for leaf, offset in searcher.reader().leaf_readers()
        ]
        self._cache_bytes = cache_bytes
        self._lock = threading.Lock()
        self._postings: OrderedDict[tuple[int, str, str], Postings] = OrderedDict()
        self._held = 0
        self._idf: dict[tuple[str, str], float] = {}
        self._norms: dict[tuple[int, str], Floats] = {}
        self._statistics: dict[str, dict[str, tuple[float, int]]] = {}
        self._build_lock = threading.Lock()
        self._words: dict[tuple[str, str], WordList] = {}
        # Postings of the most frequent words, read ahead by `warm` and never dropped.
        self._pinned: dict[tuple[int, str, str], Postings] = {}
        self._released = False

    def release(self) -> None:
        """Drop the postings held, and hold no more: a newer snapshot is served now.

        Requests still reading this snapshot read postings from the index as they need them.
        """
        with self._lock:
            self._released = True
            self._cache_bytes = 0
            self._postings.clear()
            self._held = 0
        self._pinned = {}

    def warm(self, index: Any, field: str, budget: int) -> None:
        """Read the postings of `field`'s most frequent words ahead, up to `budget` bytes.

        Frequent words have the longest posting lists, the slowest to read through Whoosh, and
        they come up in most queries (and among feedback words); reading them once when a
        snapshot is first searched (as Solr's and Elasticsearch's warmers do) keeps them off
        every first query. Segments with a posting arrays file only get their term table read.
        Reads through its own reader: the requests' readers belong to their threads.
        """
        try:
            with index.reader() as reader:
                statistics = self.statistics(reader, field)
                through_whoosh = []
                for number, segment in enumerate(self.segments):
                    if segment.arrays is not None and segment.arrays.has_field(field):
                        # Its postings take microseconds to read: only the term table is read.
                        segment.arrays.terms(field)
                    else:
                        through_whoosh.append(number)
                if not through_whoosh:
                    return
                by_frequency = sorted(
                    ((documents, term) for term, (_, documents) in statistics.items()),
                    reverse=True,
                )
                held = 0
                for frequency, term in by_frequency:
                    # Document numbers and term frequencies: 16 bytes a posting.
                    held += 16 * frequency
                    if held > budget or frequency < WARM_MIN_DOCUMENTS or self._released:
                        break
                    for number in through_whoosh:
                        leaf = _leaf(reader, number)
                        self._pinned[(number, field, term)] = read_postings(leaf, field, term)
        except Exception:  # warming only saves time: searches read what they need themselves
            logger.warning("could not read postings ahead for %s", field, exc_info=True)

    def postings(self, reader: Any, index: int, field: str, text: str) -> Postings:
        """The postings of `text` in `field` of segment `index`, from memory when recently used.

        `reader` is the asking searcher's own reader, read only when the postings are not held.
        """
        arrays = self.segments[index].arrays
        if arrays is not None and arrays.has_field(field):
            try:
                docnums, weights = arrays.read(field, text)
                return Postings(docnums, weights)
            except (OSError, ValueError) as exc:  # checked files should never fail; if one does
                logger.warning("reading %s through Whoosh: %s", arrays.path.name, exc)
        key = (index, field, text)
        found = self._pinned.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        leaf = _leaf(reader, index)
        read = read_postings(leaf, field, text)
        with self._lock:
            if key not in self._postings and read.size <= self._cache_bytes:
                self._postings[key] = read
                self._held += read.size
                while self._held > self._cache_bytes:
                    _, dropped = self._postings.popitem(last=False)
                    self._held -= dropped.size
        return read

    def _remember(self, table: dict[K, V], key: K, compute: Callable[[], V]) -> V:
        # Computed outside the lock (reads go through the caller's reader); two threads may
        # both compute a value, which is harmless: it is the same value.
        with self._lock:
            found = table.get(key)
        if found is None:
            found = compute()
            with self._lock:
                table[key] = found
        return found

    def idf(self, reader: Any, field: str, text: str) -> float:
        """MedsearchBM25's inverse document frequency of the term over the whole snapshot."""

        def compute() -> float:
            documents, frequency = self.doc_count, reader.doc_frequency(field, text)
            return float(np.log(1 + (documents - frequency + 0.5) / (frequency + 0.5)))

        return self._remember(self._idf, (field, text), compute)

    def statistics(self, reader: Any, field: str) -> dict[str, tuple[float, int]]:
        """Each term of `field` with its count and document count over the whole snapshot.

        Read once per snapshot, in one pass over each segment's term dictionary (about 0.2 s for
        20,000 terms): feedback asks for every word of the best matches, hundreds per query, and
        a lookup each in Whoosh's term table costs more than the whole pass after a few queries;
        warming picks the most frequent words from the same table.
        """
        with self._build_lock:
            found = self._statistics.get(field)
            if found is None:
                found = self._statistics[field] = _field_statistics(reader, field)
        return found

    def words(self, reader: Any, field: str, prefix: str) -> WordList:
        """The field's words that start with `prefix` (did-you-mean looks through them)."""
        return self._remember(
            self._words, (field, prefix), lambda: WordList(indexed_words(reader, field, prefix))
        )

    def norms(self, reader: Any, index: int, field: str) -> Floats:
        """BM25's length normalisation K1 * (1 - B + B * length / average) per document."""

        def compute() -> Floats:
            # As Whoosh's searcher: total length over every document, deleted ones included.
            average = reader.field_length(field) / (self.doc_count or 1) or 1
            stored = self.segments[index].length_bytes(_leaf(reader, index), field)
            return BM25_K1 * ((1 - BM25_B) + BM25_B * _LENGTH_OF_BYTE[stored] / average)

        return self._remember(self._norms, (index, field), compute)


def _field_statistics(reader: Any, field: str) -> dict[str, tuple[float, int]]:
    """Each term of `field` with its count and document count over all segments.

    Summed segment by segment: a multi-segment reader's own `iter_field` merges the segments by
    looking every term up in every segment, about 50 times slower (10 s for 15,000 terms).
    """
    totals: dict[str, tuple[float, int]] = {}
    for leaf, _ in reader.leaf_readers():
        for text, info in leaf.iter_field(field):
            term = text.decode("utf-8")
            weight, documents = totals.get(term, (0.0, 0))
            totals[term] = (weight + float(info.weight()), documents + int(info.doc_frequency()))
    return totals


def _leaf(reader: Any, index: int) -> Any:
    return reader.leaf_readers()[index][0]


_EMPTY = Postings(np.zeros(0, np.int64), np.zeros(0, np.float64))


class _Scores:
    """Scores and matches of one query over one segment."""

    def __init__(self, size: int) -> None:
        self.scores: Floats = np.zeros(size, np.float64)
        self.matched: Flags = np.zeros(size, np.bool_)


def _add(
    query: Any,
    searcher: Any,
    arrays: ScoringArrays,
    index: int,
    into: _Scores,
    boost: float,
    budget: QueryBudget | None,
) -> None:
    if query is wq.NullQuery:
        return
    kind = type(query)
    reader = searcher.reader()
    boost *= query.boost
    if kind is wq.Term:
        postings = arrays.postings(reader, index, query.fieldname, query.text)
        if not len(postings.docnums):
            return
        scores = _term_scores(reader, arrays, index, query.fieldname, query.text, postings)
        into.scores[postings.docnums] += scores * boost
        into.matched[postings.docnums] = True
    elif kind is wq.Phrase:
        docnums, scores = _phrase_scores(query, reader, arrays, index)
        into.scores[docnums] += scores * boost
        into.matched[docnums] = True
    elif kind is wq.Or:
        for sub in query.subqueries:
            if budget is not None and into.matched.any() and budget.expired():
                budget.cut()
                return
            _add(sub, searcher, arrays, index, into, boost, budget)
    else:
        # DisjunctionMax: a document scores what its best alternative gives it.
        size = len(into.scores)
        best = np.zeros(size, np.float64)
        for sub in query.subqueries:
            alternative = _Scores(size)
            _add(sub, searcher, arrays, index, alternative, boost, budget)
            np.maximum(best, alternative.scores, out=best)
            into.matched |= alternative.matched
        into.scores += best


def _term_scores(
    reader: Any, arrays: ScoringArrays, index: int, field: str, text: str, postings: Postings
) -> Floats:
    frequencies = postings.frequencies
    norms = arrays.norms(reader, index, field)[postings.docnums]
    idf = arrays.idf(reader, field, text)
    # The formula of whoosh.scoring.bm25, for every posting at once.
    return idf * ((frequencies * (BM25_K1 + 1)) / (frequencies + norms))


def _phrase_scores(
    query: Any, reader: Any, arrays: ScoringArrays, index: int
) -> tuple[Ints, Floats]:
    """Documents with the phrase's words next to each other, in order, and their scores.

    Whoosh scores a phrase match as the sum of its words' BM25 scores in the document (its
    phrase matcher wraps the intersection of the words' matchers).
    """
    field = query.fieldname
    words = list(query.words)
    postings = [arrays.postings(reader, index, field, word) for word in words]
    candidates = postings[0].docnums if postings else np.zeros(0, np.int64)
    for other in postings[1:]:
        candidates = np.intersect1d(candidates, other.docnums, assume_unique=True)
    if len(words) > 1 and len(candidates):
        file = arrays.segments[index].arrays
        candidates = _adjacent(_leaf(reader, index), file, field, words, candidates)
    scores = np.zeros(len(candidates), np.float64)
    for word, found in zip(words, postings, strict=True):
        at = np.searchsorted(found.docnums, candidates)
        picked = Postings(candidates, found.frequencies[at])
        scores += _term_scores(reader, arrays, index, field, word, picked)
    return candidates, scores


def _adjacent(
    leaf: Any, file: PostingArrays | None, field: str, words: list[str], candidates: Ints
) -> Ints:
    # Only documents with every word are looked at, one position list per word and document.
    format_ = leaf.schema[field].format
    keys: Ints | None = None
    for offset, word in enumerate(words):
        found = _file_positions(file, field, word, candidates)
        if found is None:
            found = _positions(format_, _values_of(leaf, field, word, candidates))
        owners, positions = found
        # (candidate number, where the phrase would start) for each place the word occurs;
        # a start before the text's first word cannot begin the phrase.
        starts = positions - offset
        kept = starts >= 0
        word_keys = np.unique(owners[kept] * _POSITIONS_PER_DOCUMENT + starts[kept])
        keys = word_keys if keys is None else np.intersect1d(keys, word_keys, assume_unique=True)
        if not len(keys):
            break
    if keys is None or not len(keys):
        return np.zeros(0, np.int64)
    return candidates[np.unique(keys // _POSITIONS_PER_DOCUMENT)]


def _file_positions(
    file: PostingArrays | None, field: str, word: str, candidates: Ints
) -> tuple[Ints, Ints] | None:
    """As `_positions` of `_values_of`, from the posting arrays file; None if it has none."""
    if file is None or not file.has_field(field):
        return None
    try:
        found = file.positions(field, word)
    except (OSError, ValueError) as exc:  # checked files should never fail; if one does
        logger.warning("reading %s through Whoosh: %s", file.path.name, exc)
        return None
    if found is None:
        return None
    docnums, per_posting, positions = found
    # Every candidate has the word. Each candidate's positions are a slice of `positions`:
    # from its posting's first position, as many as the posting has.
    at = np.searchsorted(docnums, candidates)
    sizes = per_posting[at]
    firsts = (np.cumsum(per_posting) - per_posting)[at]
    within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    owners = np.repeat(np.arange(len(candidates), dtype=np.int64), sizes)
    return owners, positions[np.repeat(firsts, sizes) + within]


def _positions(format_: Any, values: list[bytes]) -> tuple[Ints, Ints]:
    """Every position in `values` (one encoded list per document), with its value's number."""
    if type(format_) is Positions and whoosh_encoded_positions(values):
        sizes, positions = decoded_positions(values)
    else:
        lists = [list(format_.decode_positions(value)) for value in values]
        sizes = np.fromiter(map(len, lists), np.int64, len(lists))
        positions = np.fromiter(chain.from_iterable(lists), np.int64, int(sizes.sum()))
    return np.repeat(np.arange(len(values), dtype=np.int64), sizes), positions


def _values_of(leaf: Any, field: str, word: str, candidates: Ints) -> list[bytes]:
    """The stored value (encoded positions) of `word` in each candidate, all of which have it."""
    matcher = leaf.postings(field, word)
    matcher = getattr(matcher, "child", matcher)
    if not _block_reader(matcher):
        values: list[bytes] = []
        for docnum in candidates.tolist():
            matcher.skip_to(docnum)
            values.append(matcher.value())
        return values
    # Block by block, as read_postings, reading only the blocks that hold a candidate: a
    # block's header gives its last document number before its data is read.
    values = []
    done = 0
    while matcher.is_active() and done < len(candidates):
        upto = int(np.searchsorted(candidates, matcher._maxid, "right"))
        if upto > done:
            matcher._read_data()
            docnums = np.cumsum(np.asarray(matcher._data[0], np.int64))
            block_values = matcher._data[2]
            at = np.searchsorted(docnums, candidates[done:upto])
            values.extend(block_values[i] for i in at.tolist())
            done = upto
        matcher._next_block()
    return values


def _reads_blocks(matcher: Any) -> bool:
    # Whoosh's own block reader (W3LeafMatcher), whose blocks read_postings decodes itself.
    return hasattr(matcher, "_read_data") and not getattr(matcher, "_byteids", True)


def _block_reader(matcher: Any) -> bool:
    # A block reader over a format whose values vary in size, so a block's values are kept as
    # one bytes string per posting.
    fixed = matcher.format.fixed_value_size() if hasattr(matcher, "format") else 0
    return _reads_blocks(matcher) and (fixed is None or fixed < 0)


class ArrayResults(Results):  # type: ignore[misc]  # Whoosh is untyped
    """Whoosh Results made from arrays: exact total at once, every match listed on demand."""

    def __init__(
        self, searcher: Any, query: Any, top_n: list[tuple[float, int]], every: Ints
    ) -> None:
        super().__init__(searcher, query, top_n)
        self._total = len(every)
        self._every = every
        self.docset: set[int] | None = None

    def docs(self) -> set[int]:
        """Every matching document number."""
        if self.docset is None:
            self.docset = set(self._every.tolist())
        return set(self.docset)

    def has_exact_length(self) -> bool:
        """Always: every match was scored."""
        return True


def search_arrays(
    searcher: Any,
    query: Any,
    limit: int | None,
    arrays: ScoringArrays,
    *,
    budget: QueryBudget | None = None,
    allowed: Collection[int] | None = None,
) -> ArrayResults:
    """The best `limit` matches of a `supported` query (every match when None), as Results.

    `allowed`, when given, holds the document numbers a match must be one of. When the budget's
    time runs out, words not yet scored are left out and the budget says it was cut short.
    """
    scores: list[Floats] = []
    docnums: list[Ints] = []
    allowed_mask = _allowed_mask(allowed, arrays.doc_count) if allowed is not None else None
    for index, segment in enumerate(arrays.segments):
        found = _Scores(segment.doc_count)
        _add(query, searcher, arrays, index, found, 1.0, budget)
        matched = found.matched
        if segment.live is not None:
            matched &= segment.live
        if allowed_mask is not None:
            matched &= allowed_mask[segment.offset : segment.offset + segment.doc_count]
        local = np.flatnonzero(matched)
        scores.append(found.scores[local])
        docnums.append(local + segment.offset)
    every_score = np.concatenate(scores) if scores else np.zeros(0, np.float64)
    every_docnum = np.concatenate(docnums) if docnums else np.zeros(0, np.int64)
    best = _best(every_score, every_docnum, limit)
    top_n = [(float(every_score[i]), int(every_docnum[i])) for i in best]
    return ArrayResults(searcher, query, top_n, every_docnum)


def _allowed_mask(allowed: Collection[int], size: int) -> Flags:
    mask = np.zeros(size, np.bool_)
    if allowed:
        mask[np.fromiter(allowed, np.int64, len(allowed))] = True
    return mask


def _best(scores: Floats, docnums: Ints, limit: int | None) -> Ints:
    """Positions of the `limit` best matches: higher score first, then lower document number."""
    if limit is not None and limit < len(scores):
        if limit <= 0:
            return np.zeros(0, np.int64)
        # Everything scoring at least the limit-th best score, ties included, then sorted.
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        candidates = np.flatnonzero(scores >= threshold)
        order = np.lexsort((docnums[candidates], -scores[candidates]))
        return candidates[order][:limit]
    return np.lexsort((docnums, -scores))


def arrays_for(searcher: Any, cache: SnapshotCache | None) -> ScoringArrays:
    """The scoring arrays of the snapshot `searcher` reads, shared through `cache` when given.

    A snapshot's first search starts reading its most frequent words' postings in the
    background (see `ScoringArrays.warm`), unless `warm_snapshot` read them already.
    """
    if cache is None:
        return ScoringArrays(searcher)

    def build() -> ScoringArrays:
        # A new snapshot's arrays are built by the first search of a newly published
        # generation: older snapshots' postings go, so a worker holds one snapshot's worth
        # however many updates it has seen.
        for older in cache.values("arrays"):
            older.release()
        arrays = ScoringArrays(searcher)
        index = getattr(searcher, "_ix", None)
        if index is not None:
            threading.Thread(
                target=arrays.warm,
                args=(index, CONTENT_FIELD, WARM_BYTES),
                name="medsearch-warm",
                daemon=True,
            ).start()
        return arrays

    return cache.get(_arrays_key(searcher), "arrays", build)


def warm_snapshot(searcher: Any, cache: SnapshotCache) -> ScoringArrays:
    """Prepare the scoring arrays of `searcher`'s snapshot now, frequent postings read.

    The API calls this before it answers its first request. Warming in the background while
    requests come in (as later generations are) costs those requests: the warming thread holds
    the interpreter for seconds.
    """
    arrays = cache.get(_arrays_key(searcher), "arrays", lambda: ScoringArrays(searcher))
    index = getattr(searcher, "_ix", None)
    if index is not None:
        arrays.warm(index, CONTENT_FIELD, WARM_BYTES)
    return arrays


def _arrays_key(searcher: Any) -> Hashable:
    return ("scoring-arrays", reader_key(searcher.reader()))


def can_score(searcher: Any, query: Any) -> bool:
    """Whether `search_arrays` scores `query` as `searcher` itself would.

    The query must be `supported`, and the searcher must rank with the plain BM25 this module
    reproduces (not, for instance, with the recency boost).
    """
    return type(searcher.weighting) is MedsearchBM25 and supported(query, searcher.schema)
