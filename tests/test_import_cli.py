"""`medsearch import`: one-line errors, exit codes, the summary; imported articles index as such."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from indexer.articles import load_article
from indexer.build import update_index
from indexer.importers.feed import import_feed
from indexer.importers.items import ImportedArticle
from indexer.importers.writer import article_markdown, slug_for, write_articles
from indexer.storage import open_current
from search_api.cli import main
from tests.test_import_feed import RSS
from tests.test_import_html import write_site
from tests.test_markdown import DOCSREF_SHAPED, RESIDUE


def test_cli_import_html_prints_changes_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(tmp_path)
    out = tmp_path / "corpus"
    assert main(["import", "html", str(site), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.err == (
        f"skipped {site}/pcd/issues/2023/2023_TOC.htm: a table of contents, not an article "
        "(heading 'Table of Contents')\n"
    )
    lines = printed.out.splitlines()
    assert lines[0] == f"added   {out}/living-with-cluster-headache.md"
    assert f"added   {out}/12-0001-es.md" in lines
    assert re.fullmatch(
        rf"imported {site} into {out}: added 7, updated 0, unchanged 0, skipped 1 "
        r"\(contents page 1\), in \d+\.\d\d s",
        lines[-1],
    )
    assert main(["import", "html", str(site), "--out", str(out)]) == 0
    assert "added 0, updated 0, unchanged 7, skipped 1" in capsys.readouterr().out


def test_cli_import_errors_are_one_line_with_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.xml"
    assert main(["import", "feed", str(missing), "--out", str(tmp_path / "c")]) == 1
    assert capsys.readouterr().err == f"error: {missing}: is not a file; give the saved XML file\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["import", "html", str(empty), "--out", str(tmp_path / "c")]) == 1
    assert capsys.readouterr().err == (
        f"error: nothing to import in {empty}: 0 item(s) skipped, no article found\n"
    )
    with pytest.raises(SystemExit) as usage:
        main(["import", "wordpress", str(missing)])  # no --out
    assert usage.value.code == 2
    capsys.readouterr()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS)
    assert main(["import", "feed", str(feed), "--out", str(a_file)]) == 2
    assert capsys.readouterr().err == f"error: --out {a_file} is not a folder\n"


def test_writer_never_overwrites_an_article_from_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "sleep.md").write_text("---\ntitle: Our own sleep article\n---\nHand-written.\n")
    item = ImportedArticle(key="https://a.example.org/sleep", title="Sleep", markdown="Text.",
                           url="https://a.example.org/sleep")  # fmt: skip
    report = write_articles([item], tmp_path)
    suffix = hashlib.sha1(item.key.encode()).hexdigest()[:8]  # noqa: S324
    assert report.added == [f"sleep-{suffix}.md"]
    assert (tmp_path / "sleep.md").read_text().startswith("---\ntitle: Our own sleep article")
    again = write_articles([item], tmp_path)
    assert again.unchanged == report.added


def test_writer_same_slug_twice_gets_hashes_and_stays_stable(tmp_path: Path) -> None:
    items = [
        ImportedArticle(
            key=f"https://{host}.example.org/about",
            title="About",
            markdown="x",
            url=f"https://{host}.example.org/about",
        )
        for host in ("a", "b")
    ]
    first = write_articles(items, tmp_path)
    assert len(first.added) == 2
    assert all(name.startswith("about-") for name in first.added)
    assert write_articles(reversed(items), tmp_path).unchanged == first.added[::-1]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(first.added)


def test_slug_for_prefers_slug_then_url_then_title() -> None:
    def slug(key: str = "", slug: str = "") -> str:
        return slug_for(ImportedArticle(key=key, title="A Title!", markdown="", slug=slug))

    assert slug(slug="mi-entrada", key="https://x.org/?p=1") == "mi-entrada"
    assert slug(key="https://x.org/2021/05/Living-With-Cluster/") == "living-with-cluster"
    assert slug(key="https://x.org/blog/post/index.html") == "post"
    assert slug(key="https://www.cdc.gov/pcd/issues/2013/11_0285_es.htm") == "11-0285-es"
    assert slug(key="https://x.org/?p=123") == "p-123"
    assert slug(key="pages/x") == "x"
    assert slug(key="") == "a-title"


def test_article_markdown_front_matter_reads_back(tmp_path: Path) -> None:
    item = ImportedArticle(
        key="https://x.org/a", title="Title: with colon", markdown="Body **bold**.",
        date=dt.date(2010, 12, 7), authors=("Ana Ortiz", "Ben Cho"), tags=("Sleep",),
        summary="Short.", url="https://x.org/a",
    )  # fmt: skip
    path = tmp_path / "a.md"
    path.write_text(article_markdown(item))
    article = load_article(path, tmp_path)
    assert (article.title, article.date, article.author) == (
        "Title: with colon",
        dt.date(2010, 12, 7),
        "Ana Ortiz, Ben Cho",
    )
    assert (article.tags, article.summary, article.url) == (("sleep",), "Short.", "https://x.org/a")
    assert article.body == "Body bold."


def test_index_stores_html_url_and_residue_free_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "im guide").mkdir(parents=True)
    front = "---\ntitle: Lipids\nauthors: Mara Quill, DO\ncategories: [Cardiology]\n"
    (corpus / "im guide" / "lipid therapy.md").write_text(
        front + "url: https://ref.example.org/lipids/\n---\n" + DOCSREF_SHAPED
    )
    update_index(corpus, tmp_path / "index")
    _, index = open_current(tmp_path / "index")
    with index.searcher() as searcher:
        (stored,) = list(searcher.documents())
    assert stored["id"] == "im-guide/lipid-therapy"
    assert stored["url"] == "https://ref.example.org/lipids/"
    assert "<ul>\n<li>Risk factors\n<ul>" in stored["html"]
    assert not RESIDUE.search(stored["body"])
    assert (stored["author"], stored["tags"]) == ("Mara Quill, DO", "cardiology")
    # A file whose name has spaces is deleted from the index under its id.
    (corpus / "im guide" / "lipid therapy.md").unlink()
    (corpus / "other.md").write_text("---\ntitle: Other\n---\nText.\n")
    update_index(corpus, tmp_path / "index")
    _, index = open_current(tmp_path / "index")
    with index.searcher() as searcher:
        assert [fields["id"] for fields in searcher.documents()] == ["other"]


def test_import_again_updates_only_the_changed_article(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS)
    out = tmp_path / "out"
    write_articles(import_feed(feed), out)
    before = (out / "summary-only.md").stat().st_mtime_ns
    feed.write_text(RSS.replace("High-flow oxygen stops many attacks.</p>", "Changed.</p>"))
    again = write_articles(import_feed(feed), out)
    assert (again.added, again.updated, again.unchanged) == (
        [],
        ["oxygen-for-cluster.md"],
        ["summary-only.md"],
    )
    assert (out / "summary-only.md").stat().st_mtime_ns == before
    assert "Changed." in (out / "oxygen-for-cluster.md").read_text()
