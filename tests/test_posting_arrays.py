"""Posting arrays files: the same postings as Whoosh's reader, kept and dropped with segments."""

from __future__ import annotations

import json
import pickle
import random
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import whoosh.index
import whoosh.writing
from whoosh import query as wq
from whoosh.formats import Positions

from indexer.articles import Article
from indexer.build import build_index, build_index_from_articles, update_index
from indexer.integrity import CHECKSUMS_FILE, write_checksums
from indexer.posting_arrays import (
    EXTENSION,
    PostingArrays,
    PostingArraysWriter,
    _gaps_by_opcode,
    array_fields,
    decoded_positions,
    position_fields,
)
from indexer.schema import CONTENT_FIELD, article_to_document, build_schema
from indexer.storage import current_generation
from indexer.writer import _TermsPool, index_writer
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.score.arrays import ScoringArrays, read_postings, search_arrays
from tests.conftest import strip_posting_arrays, write_article
from tests.test_array_scoring import WORDS


def _article(number: int, rng: random.Random) -> Article:
    def words(count: int) -> str:
        # The common words above and rarer made-up ones: long and short posting lists.
        made_up = ("".join(rng.choice("aeioukmnrst") for _ in range(4)) for _ in range(count))
        return " ".join(
            rng.choice(WORDS) if rng.random() < 0.8 else next(made_up) for _ in range(count)
        )

    return Article(
        id=f"a{number:03d}",
        title=words(rng.randint(1, 4)),
        body=words(rng.randint(5, 80)),
        author=rng.choice(["Ada Byron", "Noor Haddad", "Lin Wei"]),
        tags=tuple(rng.sample(["sleep", "pain", "diet", "drugs"], rng.randint(0, 2))),
    )


def _generation(index_dir: Path) -> Path:
    generation = current_generation(index_dir)
    assert generation is not None
    return index_dir / generation


def _same_postings_as_whoosh(reader: Any, folder: Path) -> int:
    """Check every term of every scored field of every segment; return the terms checked."""
    checked = 0
    fields = array_fields(reader.schema)
    assert fields == {"title", "content", "author", "tags"}
    assert position_fields(reader.schema) == {"title", "content", "author"}
    for leaf, _ in reader.leaf_readers():
        arrays = PostingArrays.open(folder / leaf.segment().make_filename(EXTENSION))
        assert arrays is not None
        assert arrays.doc_count == leaf.doc_count_all()
        for field in sorted(fields):
            terms = [text.decode("utf-8") for text, _ in leaf.iter_field(field)]
            assert len(arrays.terms(field).ends) == len(terms)
            for term in terms:
                expected = read_postings(leaf, field, term)
                docnums, weights = arrays.read(field, term)
                assert docnums.tolist() == expected.docnums.tolist(), (field, term)
                assert weights.tolist() == expected.frequencies.tolist(), (field, term)
                stored = arrays.positions(field, term)
                if field in position_fields(reader.schema):
                    assert stored is not None
                    assert stored[0].tolist() == docnums.tolist()
                    bounds = np.cumsum(stored[1])[:-1]
                    split = [part.tolist() for part in np.split(stored[2], bounds)]
                    assert split == _whoosh_positions(leaf, field, term), (field, term)
                else:
                    assert stored is None
                checked += 1
            assert len(arrays.read(field, "zzz-not-a-term")[0]) == 0
        assert not arrays.has_field("spell_content")
    return checked


def _whoosh_positions(leaf: Any, field: str, term: str) -> list[list[int]]:
    matcher = leaf.postings(field, term)
    found = []
    while matcher.is_active():
        found.append(list(matcher.value_as("positions")))
        matcher.next()
    return found


def _segment_files(folder: Path) -> tuple[set[str], set[str]]:
    arrays = {path.name.removesuffix(EXTENSION) for path in folder.glob(f"*{EXTENSION}")}
    segments = {path.name.removesuffix(".seg") for path in folder.glob("*.seg")}
    return arrays, segments


@pytest.mark.parametrize("seed", [1, 2])
def test_posting_arrays_hold_whooshs_postings_for_every_term(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    build_index_from_articles([_article(n, rng) for n in range(250)], tmp_path / "index")
    folder = _generation(tmp_path / "index")
    arrays, segments = _segment_files(folder)
    # Beside Whoosh's compound segment file, not packed into it, and covered by checksums.
    assert arrays == segments
    recorded = json.loads((folder / CHECKSUMS_FILE).read_text())["files"]
    assert {f"{name}{EXTENSION}" for name in arrays} <= set(recorded)
    index = whoosh.index.open_dir(str(folder))
    with index.reader() as reader:
        assert _same_postings_as_whoosh(reader, folder) > 100


def test_posting_arrays_of_a_writer_past_its_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Postings spilled to sorted runs on disk are merged back and written the same way.
    monkeypatch.setattr(_TermsPool, "POSTING_BYTES", 50_000)
    folder = tmp_path / "index"
    folder.mkdir()
    writer = index_writer(whoosh.index.create_in(str(folder), build_schema()), 1)
    rng = random.Random(3)
    for number in range(120):
        writer.add_document(**article_to_document(_article(number, rng)))
    assert writer.pool.runs
    writer.commit()
    index = whoosh.index.open_dir(str(folder))
    with index.reader() as reader:
        assert _same_postings_as_whoosh(reader, folder) > 100


def test_posting_arrays_keep_every_weight_exactly(tmp_path: Path) -> None:
    path = tmp_path / f"MAIN_x{EXTENSION}"
    writer = PostingArraysWriter(path, ["content", "title"])
    terms = {
        b"ones": ([0, 5, 9], [1.0, 1.0, 1.0]),
        b"small": ([1, 2], [3.0, 255.0]),
        b"tenths": ([4], [0.1]),
        b"large": ([3, 7], [2.0, 300.0]),
        "\u00e9t\u00e9".encode(): ([8], [2.5]),
    }
    for text, (ids, weights) in sorted(terms.items()):
        writer.add("content", text, ids, weights)
    writer.close(10)
    arrays = PostingArrays.open(path)
    assert arrays is not None
    assert arrays.doc_count == 10
    # A field without terms in the segment is held, empty.
    assert arrays.has_field("title")
    assert len(arrays.read("title", "ones")[0]) == 0
    for text, (ids, weights) in terms.items():
        docnums, read = arrays.read("content", text.decode("utf-8"))
        assert (docnums.tolist(), read.tolist()) == (ids, weights)
    writer = PostingArraysWriter(tmp_path / "other", ["content"])
    writer.add("content", b"b", [0], [1.0])
    with pytest.raises(ValueError, match="out of order"):
        writer.add("content", b"a", [0], [1.0])
    writer.discard()
    assert not (tmp_path / "other").exists()


def _results(index_dir: Path, queries: list[Any]) -> list[list[tuple[float, int]]]:
    with closing(LiveIndex(index_dir)) as live, live.searcher() as searcher:
        arrays = ScoringArrays(searcher)
        found = []
        for query in queries:
            ours = search_arrays(searcher, query, None, arrays)
            expected = searcher.search(query, limit=None)
            assert [docnum for _, docnum in ours.top_n] == [d for _, d in expected.top_n]
            for (score, _), (want, _) in zip(ours.top_n, expected.top_n, strict=True):
                assert score == pytest.approx(want, rel=1e-12)
            found.append(ours.top_n)
        return found


def _word_queries(rng: random.Random) -> list[Any]:
    words = ["migrain", "pain", "jaw", "botox", "sleep", "dose"]
    queries: list[Any] = [
        wq.Or(
            [
                wq.Term(rng.choice([CONTENT_FIELD, CONTENT_FIELD, "title"]), word)
                for word in rng.sample(words, 3)
            ]
        )
        for _ in range(12)
    ]
    # Phrases read their words' positions from the file too.
    queries += [
        wq.Phrase(rng.choice([CONTENT_FIELD, "title"]), rng.sample(words, rng.choice([2, 3])))
        for _ in range(12)
    ]
    return queries


def test_segments_without_posting_arrays_score_the_same(tmp_path: Path) -> None:
    rng = random.Random(4)
    build_index_from_articles([_article(n, rng) for n in range(200)], tmp_path / "index")
    queries = _word_queries(random.Random(5))
    with_files = _results(tmp_path / "index", queries)
    strip_posting_arrays(tmp_path / "index")
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as searcher:
        assert [segment.arrays for segment in ScoringArrays(searcher).segments] == [None]
    assert _results(tmp_path / "index", queries) == with_files


def test_a_damaged_posting_arrays_file_is_ignored(tmp_path: Path) -> None:
    rng = random.Random(6)
    build_index_from_articles([_article(n, rng) for n in range(100)], tmp_path / "index")
    queries = _word_queries(random.Random(7))
    expected = _results(tmp_path / "index", queries)
    folder = _generation(tmp_path / "index")
    (path,) = folder.glob(f"*{EXTENSION}")
    path.write_bytes(path.read_bytes()[:-3])
    write_checksums(folder)
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as searcher:
        assert [segment.arrays for segment in ScoringArrays(searcher).segments] == [None]
    assert _results(tmp_path / "index", queries) == expected


def test_segments_merged_by_updates_get_posting_arrays(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus_dir, index_dir)
    rng = random.Random(8)
    merged = False
    for number in range(8):
        body = " ".join(rng.choice(WORDS) for _ in range(40))
        write_article(
            corpus_dir, f"update-{number}.md", f"---\ntitle: Update {number}\n---\n{body}\n"
        )
        update_index(corpus_dir, index_dir)
        folder = _generation(index_dir)
        arrays, segments = _segment_files(folder)
        # Whoosh deletes the files of segments merged away, posting arrays included.
        assert arrays == segments
        merged = merged or len(segments) < number + 2
    # Whoosh merged small segments into one (through our writer) along the way.
    assert merged
    with closing(LiveIndex(index_dir)) as live, live.searcher() as searcher:
        assert _same_postings_as_whoosh(searcher.reader(), folder) > 50
        assert all(segment.arrays is not None for segment in ScoringArrays(searcher).segments)
    _results(index_dir, _word_queries(random.Random(9)))


def test_whooshs_own_writer_leaves_segments_without_posting_arrays(tmp_path: Path) -> None:
    rng = random.Random(10)
    articles = [_article(n, rng) for n in range(60)]
    build_index_from_articles(articles[:40], tmp_path / "index")
    folder = _generation(tmp_path / "index")
    writable = whoosh.index.open_dir(str(folder))
    with writable.writer() as writer:
        for article in articles[40:]:
            writer.add_document(**article_to_document(article))
        writer.mergetype = whoosh.writing.NO_MERGE
    write_checksums(folder)
    with closing(LiveIndex(tmp_path / "index")) as live, live.searcher() as searcher:
        segments = ScoringArrays(searcher).segments
        assert [segment.arrays is not None for segment in segments] == [True, False]
    _results(tmp_path / "index", _word_queries(random.Random(11)))


def test_posting_arrays_keep_positions_when_whoosh_encoded_them(tmp_path: Path) -> None:
    encode = Positions().encode
    writer = PostingArraysWriter(tmp_path / f"MAIN_y{EXTENSION}", ["content", "tags"], ["content"])
    writer.add("content", b"far", [2, 3], [2.0, 1.0], [encode([7, 70_000]), encode([0])])
    writer.add("content", b"near", [1, 4], [1.0, 2.0], [encode([3]), encode([1, 5])])
    # Not Whoosh's encoding: kept out, for Whoosh's reader to decode.
    writer.add("content", b"odd", [0], [1.0], [b"\x00\x00\x00\x01?"])
    writer.add("tags", b"pain", [0, 1], [1.0, 1.0])
    writer.close(5)
    arrays = PostingArrays.open(tmp_path / f"MAIN_y{EXTENSION}")
    assert arrays is not None
    far = arrays.positions("content", "far")
    near = arrays.positions("content", "near")
    assert far is not None
    assert near is not None
    assert [part.tolist() for part in far] == [[2, 3], [2, 1], [7, 70_000, 0]]
    assert [part.tolist() for part in near] == [[1, 4], [1, 2], [3, 1, 5]]
    assert arrays.positions("content", "odd") is None
    assert arrays.read("content", "odd")[0].tolist() == [0]
    assert arrays.positions("tags", "pain") is None
    assert [part.tolist() for part in arrays.positions("content", "none") or ()] == [[], [], []]


def test_decoded_positions_reads_every_layout_whoosh_writes() -> None:
    # One gap (APPEND), batches of up to 1,000 (MARK ... APPENDS, a last batch of one), and
    # gaps of one, two and four bytes: the same as unpickling each value.
    rng = random.Random(11)
    encode = Positions().encode
    for _ in range(25):
        lists = []
        for _ in range(rng.randint(1, 30)):
            count = rng.choice([1, 1, 2, 3, 40, 999, 1000, 1001, 2000, 2001])
            top = max(count, rng.choice([250, 70_000, 5_000_000]))
            lists.append(sorted(rng.sample(range(top), count)))
        values = [encode(positions) for positions in lists]
        assert _gaps_by_opcode(values) is not None  # read from the opcodes, not unpickled
        sizes, positions = decoded_positions(values)
        assert sizes.tolist() == [len(positions) for positions in lists]
        assert positions.tolist() == [p for positions in lists for p in positions]
    # Values of another layout are unpickled instead.
    other = [(2).to_bytes(4, "big") + pickle.dumps([3, 6], 3)]
    assert [array.tolist() for array in decoded_positions(other)] == [[2], [3, 9]]
