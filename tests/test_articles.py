"""Loading articles: the fields they yield and the errors that name file and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indexer.articles import Article, article_id_for, corpus_files, iter_corpus, load_article
from indexer.errors import ArticleError
from tests.conftest import write_article


def _error_for(tmp_path: Path, text: str | bytes) -> ArticleError:
    path = write_article(tmp_path, "bad.md", text)
    with pytest.raises(ArticleError) as caught:
        load_article(path, tmp_path)
    return caught.value


def test_load_article_reads_front_matter_and_body(corpus_dir: Path) -> None:
    article = load_article(corpus_dir / "botox-for-chronic-migraine.md", corpus_dir)
    assert article.id == "botox-for-chronic-migraine"
    assert article.title == "Botox for chronic migraine"
    assert article.date == dt.date(2012, 3, 14)
    assert article.author == "Dr. Ada Finch"
    assert article.tags == ("botox", "chronic migraine")
    assert article.summary == "How injections every twelve weeks reduce headache days."
    assert article.body.startswith("OnabotulinumtoxinA is injected")
    assert len(article.content_hash) == 64


def test_load_article_id_is_nested_path_without_suffix(corpus_dir: Path) -> None:
    article = load_article(corpus_dir / "nested/deep/jaw-pain.md", corpus_dir)
    assert article.id == "nested/deep/jaw-pain"


def test_load_article_missing_title_names_field(tmp_path: Path) -> None:
    error = _error_for(tmp_path, "---\ndate: 2020-01-01\n---\nNo heading here.\n")
    assert error.path == tmp_path / "bad.md"
    assert error.field == "title"
    assert "add `title:`" in error.problem


def test_load_article_title_falls_back_to_first_heading(tmp_path: Path) -> None:
    path = write_article(tmp_path, "x.md", "Intro line\n\n# Changelog\n\nText.\n")
    assert load_article(path, tmp_path).title == "Changelog"


def test_load_article_unparseable_yaml_gives_line(tmp_path: Path) -> None:
    error = _error_for(tmp_path, "---\ntitle: [unclosed\ndate: 2020-01-01\n---\nBody\n")
    assert error.field == "front matter"
    assert error.problem.startswith("YAML cannot be parsed at line")


def test_load_article_non_date_names_date_field(tmp_path: Path) -> None:
    error = _error_for(tmp_path, "---\ntitle: T\ndate: last spring\n---\nBody\n")
    assert error.field == "date"
    assert error.problem == "'last spring' is not a date; write it as YYYY-MM-DD"


def test_load_article_impossible_date_is_reported(tmp_path: Path) -> None:
    error = _error_for(tmp_path, "---\ntitle: T\ndate: 2020-13-45\n---\nBody\n")
    assert (error.field, error.problem) == ("date", "2020-13-45 is not a day of the calendar")


def test_load_article_not_utf8_gives_offset(tmp_path: Path) -> None:
    error = _error_for(tmp_path, b"---\ntitle: Caf\xe9\n---\nBody\n")
    assert error.field == "encoding"
    assert error.problem == "not valid UTF-8 (byte 0xe9 at offset 14)"


def test_load_article_empty_file_is_reported(tmp_path: Path) -> None:
    error = _error_for(tmp_path, "  \n")
    assert (error.field, error.problem) == ("file", "the file is empty")


def test_load_article_tolerates_messy_front_matter(tmp_path: Path) -> None:
    text = (
        "---\ntitle: 2024\nauthors: [a, b]\ndate:\n  created: 2022-11-07T11:09:05+01:00\n"
        "tags: Cardiology, ACS\nlayout: post\npermalink: /x/\n---\nBody\n"
    )
    article = load_article(write_article(tmp_path, "messy.md", text), tmp_path)
    assert (article.title, article.author) == ("2024", "a, b")
    assert article.date == dt.date(2022, 11, 7)
    assert article.tags == ("cardiology", "acs")


def test_load_article_strips_markdown_markup(tmp_path: Path) -> None:
    text = "---\ntitle: T\n---\n## Heading\n\nSome **bold** [link](http://x.org) text.\n"
    article = load_article(write_article(tmp_path, "md.md", text), tmp_path)
    assert article.body == "Heading\n\nSome bold link text."


def test_load_article_keeps_paragraph_breaks_before_headings_and_lists(tmp_path: Path) -> None:
    text = "---\ntitle: T\n---\nIntro.\n\n## Who?\n\nText:\n\n- one\n- two\n\n> Quote\n"
    article = load_article(write_article(tmp_path, "md.md", text), tmp_path)
    assert article.body == "Intro.\n\nWho?\n\nText:\n\none\ntwo\n\nQuote"


def test_iter_corpus_yields_errors_beside_articles(tmp_path: Path) -> None:
    write_article(tmp_path, "good.md", "---\ntitle: Good\n---\nBody\n")
    write_article(tmp_path, "bad.md", "---\ndate: 2020-01-01\n---\n")
    write_article(tmp_path, ".hidden/skip.md", "---\ntitle: Hidden\n---\n")
    loaded = list(iter_corpus(tmp_path))
    assert [type(item) for item in loaded] == [ArticleError, Article]


def test_corpus_files_lists_as_sorting_paths_part_by_part(tmp_path: Path) -> None:
    names = ["a.md", "a/x.md", "a-b/x.md", "a/b/c.md", "B.md", "é.md", "z/.x.md", ".git/h.md"]
    for name in [*names, "notes.txt", "upper.MD"]:
        write_article(tmp_path, name, "---\ntitle: T\n---\n")
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "link.md").symlink_to(tmp_path / "a.md")
    expected = sorted(
        path
        for path in tmp_path.rglob("*.md")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(tmp_path).parts)
    )
    listed = corpus_files(tmp_path)
    assert listed == expected
    assert [article_id_for(path, tmp_path) for path in listed] == [
        path.relative_to(tmp_path).with_suffix("").as_posix() for path in listed
    ]
    assert "linked/x" not in [article_id_for(path, tmp_path) for path in listed]
    assert article_id_for(tmp_path / "a" / "b" / "c.md", tmp_path) == "a/b/c"


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("December 7, 2010", dt.date(2010, 12, 7)),
        ("7 Dec 2010", dt.date(2010, 12, 7)),
        ("2010-12-07T10:00:00Z", dt.date(2010, 12, 7)),
        ("'2010-12-07'", dt.date(2010, 12, 7)),
        ("2010/12/07", dt.date(2010, 12, 7)),
        ("Tue, 07 Dec 2010 10:00:00 +0000", dt.date(2010, 12, 7)),
    ],
)
def test_load_article_reads_unambiguous_dates(tmp_path: Path, written: str, day: dt.date) -> None:
    path = write_article(tmp_path, "d.md", f"---\ntitle: T\ndate: {written}\n---\nBody\n")
    assert load_article(path, tmp_path).date == day


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("2024-02-30", "2024-02-30 is not a day of the calendar"),
        (
            "03/04/2010",
            "03/04/2010 is ambiguous (day and month can be read either way); write it as "
            "YYYY-MM-DD",
        ),
        ("December 7", "December 7 lacks a year or a day; write it as YYYY-MM-DD"),
    ],
)
def test_load_article_refuses_impossible_and_ambiguous_dates(
    tmp_path: Path, written: str, problem: str
) -> None:
    error = _error_for(tmp_path, f"---\ntitle: T\ndate: {written}\n---\nBody\n")
    assert (error.field, error.problem) == ("date", problem)


def test_load_article_yaml_error_names_the_line_of_its_cause(tmp_path: Path) -> None:
    text = '---\ntitle: "Unclosed quote\nauthor: Ana\ntags: [a]\ndate: 2020-01-01\n---\nBody\n'
    error = _error_for(tmp_path, text)
    assert error.field == "front matter"
    assert error.problem.startswith("YAML cannot be parsed at line 2: scanning a quoted scalar")


def test_load_article_authors_as_string_or_list(tmp_path: Path) -> None:
    one = write_article(tmp_path, "one.md", "---\ntitle: T\nauthors: Mara Quill, MD\n---\nB\n")
    two = write_article(tmp_path, "two.md", "---\ntitle: T\nauthors:\n  - Ana\n  - Ben\n---\nB\n")
    assert load_article(one, tmp_path).author == "Mara Quill, MD"
    assert load_article(two, tmp_path).author == "Ana, Ben"


def test_load_article_categories_and_keywords_are_tags_without_tags(tmp_path: Path) -> None:
    text = "---\ntitle: T\ncategories:\n  - Cardiology\nkeywords: ACS, lipids\n---\nB\n"
    path = write_article(tmp_path, "c.md", text)
    assert load_article(path, tmp_path).tags == ("cardiology", "acs", "lipids")
    text = "---\ntitle: T\ntags: [own]\ncategories: [Cardiology]\n---\nB\n"
    assert load_article(write_article(tmp_path, "t.md", text), tmp_path).tags == ("own",)


def test_load_article_file_name_spaces_become_dashes_in_the_id(tmp_path: Path) -> None:
    path = write_article(tmp_path, "notes/heart failure  basics.md", "---\ntitle: T\n---\nB\n")
    assert load_article(path, tmp_path).id == "notes/heart-failure-basics"
    write_article(tmp_path, "notes/heart-failure-basics.md", "---\ntitle: T\n---\nB\n")
    error = _error_for_path(path, tmp_path)
    assert (error.field, error.problem) == (
        "file name",
        "heart-failure-basics.md has the same id; rename one",
    )


def test_load_article_url_and_summary(tmp_path: Path) -> None:
    text = "---\ntitle: T\nurl: https://clinic.example.org/a/\nsummary: Short.\n---\n![x](p.png)\n"
    article = load_article(write_article(tmp_path, "u.md", text), tmp_path)
    assert (article.url, article.summary) == ("https://clinic.example.org/a/", "Short.")
    assert 'src="https://clinic.example.org/a/p.png"' in article.html
    error = _error_for(tmp_path, "---\ntitle: T\nurl: clinic page\n---\nB\n")
    assert (error.field, error.problem) == (
        "url",
        "'clinic page' is not a web address; write https://...",
    )


def _error_for_path(path: Path, corpus: Path) -> ArticleError:
    with pytest.raises(ArticleError) as caught:
        load_article(path, corpus)
    return caught.value
