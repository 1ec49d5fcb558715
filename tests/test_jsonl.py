"""BEIR JSON Lines documents as articles, and building an index from already-loaded articles."""

from __future__ import annotations

from pathlib import Path

from indexer.articles import Article
from indexer.build import build_index_from_articles
from indexer.errors import ArticleError
from indexer.jsonl import iter_jsonl
from indexer.storage import open_current


def test_iter_jsonl_reads_documents_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        '{"_id": "MED-1", "title": "Coffee and sleep", "text": "Caffeine late in the day."}\n'
        "\n"
        '{"_id": "MED-2", "title": "", "text": "An abstract without a title."}\n'
        "not json\n"
        '{"title": "no id"}\n',
        encoding="utf-8",
    )
    items = list(iter_jsonl(path))
    articles = [item for item in items if isinstance(item, Article)]
    errors = [item for item in items if isinstance(item, ArticleError)]
    assert [(a.id, a.title, a.body) for a in articles] == [
        ("MED-1", "Coffee and sleep", "Caffeine late in the day."),
        ("MED-2", "MED-2", "An abstract without a title."),
    ]
    assert [(str(e.path), e.field) for e in errors] == [
        (f"{path}:4", "line"),
        (f"{path}:5", "_id"),
    ]


def test_build_index_from_articles_publishes_a_generation(tmp_path: Path) -> None:
    articles = [Article(id=f"doc-{n}", title=f"Title {n}", body="text") for n in range(3)]
    report = build_index_from_articles(articles, tmp_path / "index")
    assert (report.indexed, report.generation) == (3, "gen-000001")
    _, index = open_current(tmp_path / "index")
    assert index.doc_count() == 3
