"""The build's segment writer: what Whoosh's own writer writes, without a stat per posting."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from indexer.articles import Article, iter_corpus
from indexer.schema import CONTENT_FIELD, article_to_document, build_schema
from indexer.writer import IndexWriter
from tests.conftest import TEST_CORPUS

SPELL_FIELD = "spell_content"


class _CountingStorage(FileStorage):  # type: ignore[misc]  # Whoosh is untyped
    """A real file storage that counts how often it is asked whether a file exists."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.exists_calls = 0

    def file_exists(self, name: str) -> bool:
        self.exists_calls += 1
        return bool(super().file_exists(name))


def _articles() -> list[Article]:
    return [item for item in iter_corpus(TEST_CORPUS) if isinstance(item, Article)]


def _many_articles() -> list[Article]:
    """400 seeded articles of a few shared words: long posting lists, lengths that vary."""
    rng = random.Random(5)
    words = ["aura", "botox", "caffeine", "diary", "fever", "gluten", "the", "hydration"]
    return [
        Article(
            id=f"a{number:03d}",
            title=" ".join(rng.choices(words, k=rng.randint(1, 4))),
            body=" ".join(rng.choices(words, k=rng.randint(1, 60))),
            summary=rng.choice(["", "fever diary"]),
            author=rng.choice(["", "Ada Finch"]),
        )
        for number in range(400)
    ]


def _write(
    folder: Path,
    writer_class: type[Any],
    limit_bytes: int = 0,
    articles: list[Article] | None = None,
) -> _CountingStorage:
    folder.mkdir()
    storage = _CountingStorage(str(folder))
    index = storage.create_index(build_schema())
    writer = writer_class(index, limitmb=16)
    if limit_bytes:
        writer.pool.limit = limit_bytes
    for article in _articles() if articles is None else articles:
        writer.add_document(**article_to_document(article))
    if limit_bytes:
        assert len(writer.pool.runs) > 1  # sorted runs on disk, merged at commit
    storage.exists_calls = 0
    writer.commit()
    return storage


def _contents(storage: FileStorage) -> dict[str, Any]:
    """Every field's terms with their postings and every document's stored fields and lengths."""
    index = storage.open_index()
    with index.reader() as reader:
        schema = index.schema
        postings: dict[str, list[Any]] = {}
        lengths: dict[str, list[int]] = {}
        for name in schema.names():
            if not schema[name].indexed:
                continue
            postings[name] = [
                (
                    text,
                    _postings(reader, name, text),
                )
                for text in reader.lexicon(name)
            ]
            lengths[name] = [reader.doc_field_length(n, name) for n in range(reader.doc_count())]
        stored = [reader.stored_fields(n) for n in range(reader.doc_count())]
    return {"postings": postings, "lengths": lengths, "stored": stored}


def _postings(reader: Any, field: str, text: bytes) -> list[tuple[Any, ...]]:
    matcher = reader.postings(field, text)
    found = []
    while matcher.is_active():
        # The block's length bounds come from the lengths the flush looked up per posting.
        lengths = (matcher.block_min_length(), matcher.block_max_length())
        found.append((matcher.id(), matcher.weight(), matcher.value(), lengths))
        matcher.next()
    return found


def test_index_writer_writes_what_whooshs_writer_writes(tmp_path: Path) -> None:
    ours = _contents(_write(tmp_path / "ours", IndexWriter))
    whooshs = _contents(_write(tmp_path / "whoosh", SegmentWriter))
    spelling = ours["postings"].pop(SPELL_FIELD)
    whooshs_spelling = whooshs["postings"].pop(SPELL_FIELD)
    assert ours == whooshs
    assert len(ours["stored"]) == len(_articles())
    assert ours["postings"][CONTENT_FIELD]
    # Spelling words: the same words, each once, weighted by the documents Whoosh counted.
    assert [text for text, _ in spelling] == [text for text, _ in whooshs_spelling]
    assert [(text, [p[:2] for p in postings]) for text, postings in spelling] == [
        (text, [(0, float(len(postings)))]) for text, postings in whooshs_spelling
    ]
    assert any(len(postings) > 1 for _, postings in whooshs_spelling)


def test_index_writer_writes_long_posting_lists_as_whoosh_does(tmp_path: Path) -> None:
    articles = _many_articles()
    ours = _contents(_write(tmp_path / "ours", IndexWriter, articles=articles))
    whooshs = _contents(_write(tmp_path / "whoosh", SegmentWriter, articles=articles))
    ours["postings"].pop(SPELL_FIELD)
    whooshs["postings"].pop(SPELL_FIELD)
    assert ours == whooshs
    # Several blocks of 128 postings per word, with lengths from 1 to 60 words.
    assert max(len(postings) for _, postings in ours["postings"][CONTENT_FIELD]) > 300


def test_index_writer_past_its_memory_limit_writes_the_same(tmp_path: Path) -> None:
    within = _contents(_write(tmp_path / "within", IndexWriter))
    spilled = _contents(_write(tmp_path / "spilled", IndexWriter, limit_bytes=20_000))
    assert spilled == within


def test_index_writer_spelling_frequency_counts_documents(tmp_path: Path) -> None:
    index = _write(tmp_path / "ours", IndexWriter).open_index()
    with index.reader() as reader:
        # Five of the seven articles say "headache".
        assert reader.frequency(SPELL_FIELD, "headache") == 5
        assert reader.frequency(SPELL_FIELD, "onabotulinumtoxina") == 1
        assert ("content", "headach") in reader


def test_index_writer_checks_each_column_file_once(tmp_path: Path) -> None:
    whooshs = _write(tmp_path / "whoosh", SegmentWriter)
    ours = _write(tmp_path / "ours", IndexWriter)
    indexed = [name for name in build_schema().names() if build_schema()[name].indexed]
    # Whoosh's writer asks once per posting of each field without lengths (ids, spelling words).
    assert whooshs.exists_calls > 100
    assert ours.exists_calls <= len(indexed)
