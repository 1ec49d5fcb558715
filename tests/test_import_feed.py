"""Importing RSS 2.0 and Atom feeds saved as files: full content where the feed has it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indexer.errors import ImportSourceError
from indexer.importers.feed import import_feed
from indexer.importers.items import ImportedArticle, Skipped
from indexer.importers.writer import write_articles
from indexer.markdown import render_markdown

# RSS 2.0 as WordPress and FeedBurner write it: a blank line before `<?xml`, full HTML in
# content:encoded, dc:creator, tracking images. Made-up clinic, made-up posts.
RSS = """
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>Quill Clinic</title><link>https://quill-clinic.example.org/</link>
<item><title>Oxygen for cluster headache</title>
<link>http://feedproxy.example.org/~r/quill/~3/abc/</link>
<feedburner:origLink>https://quill-clinic.example.org/2021/05/oxygen-for-cluster/</feedburner:origLink>
<pubDate>Tue, 04 May 2021 09:00:00 +0000</pubDate><dc:creator>Mara Quill</dc:creator>
<category>Cluster headache</category><category>Oxygen</category>
<description><![CDATA[High-flow oxygen stops many attacks.]]></description>
<content:encoded><![CDATA[<p>High-flow oxygen stops many attacks.</p><ul><li>12 litres<ul>
<li>non-rebreather mask</li></ul></li></ul><p><img src="/img/mask.png" alt="Mask"/></p>
<script>alert('x')</script><a href="javascript:alert(1)">bad</a>
<img src="http://feeds.feedburner.com/~r/quill/~4/abc" height="1" width="1"/>]]></content:encoded>
</item>
<item><title>Summary only</title><link>https://quill-clinic.example.org/2021/04/summary-only/</link>
<author>nospam@example.org (Tobias Fenn)</author><pubDate>Fri, 02 Apr 2021 08:00:00 GMT</pubDate>
<description>Only a short summary here.</description></item>
<item><description>An item without a title.</description></item>
</channel></rss>
"""

# Atom with XHTML content, no per-entry author (the feed's applies) and root-relative links.
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Fenn notes</title>
<link rel="self" href="https://notes.example.org/blog/index.atom"/>
<author><name>Tobias Fenn</name></author><updated>2013-02-23T10:00:00Z</updated>
<entry><title>Sleep and migraine</title><link href="https://notes.example.org/blog/sleep"/>
<id>tag:notes.example.org,2013:sleep</id><updated>2013-02-20T10:00:00-05:00</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Regular sleep helps.
See <a href="/blog/diary">the diary</a>.</p><blockquote><p>Sleep is a trigger.</p></blockquote>
</div></content></entry>
</feed>
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_feed_rss_full_content_author_date_tags(tmp_path: Path) -> None:
    items = list(import_feed(write(tmp_path, "feed.xml", RSS)))
    post = items[0]
    assert isinstance(post, ImportedArticle)
    assert post.url == "https://quill-clinic.example.org/2021/05/oxygen-for-cluster/"
    assert (post.date, post.authors) == (dt.date(2021, 5, 4), ("Mara Quill",))
    assert post.tags == ("Cluster headache", "Oxygen")
    assert post.summary == "High-flow oxygen stops many attacks."
    assert post.markdown.startswith(
        "High-flow oxygen stops many attacks.\n\n- 12 litres\n  - non-rebreather mask\n\n"
        "![Mask](https://quill-clinic.example.org/img/mask.png)"
    )
    html = render_markdown(post.markdown, post.url).html.lower()
    for needle in ("<script", "alert(", "javascript:", "feedburner"):
        assert needle not in html, needle


def test_import_feed_summary_only_entry_and_untitled_entry(tmp_path: Path) -> None:
    items = list(import_feed(write(tmp_path, "feed.xml", RSS)))
    summary_only = items[1]
    assert isinstance(summary_only, ImportedArticle)
    assert summary_only.markdown == "Only a short summary here.\n"
    assert summary_only.summary == ""
    assert summary_only.authors == ("Tobias Fenn",)
    assert items[2] == Skipped("entry 3", "no title", "no title")


def test_import_feed_atom_xhtml_content_and_feed_author(tmp_path: Path) -> None:
    (entry,) = import_feed(write(tmp_path, "feed.atom", ATOM))
    assert isinstance(entry, ImportedArticle)
    assert (entry.title, entry.date, entry.authors) == (
        "Sleep and migraine",
        dt.date(2013, 2, 20),
        ("Tobias Fenn",),
    )
    assert "[the diary](https://notes.example.org/blog/diary)" in entry.markdown
    assert "> Sleep is a trigger." in entry.markdown


def test_import_feed_second_run_changes_nothing(tmp_path: Path) -> None:
    feed = write(tmp_path, "feed.xml", RSS)
    first = write_articles(import_feed(feed), tmp_path / "out")
    assert sorted(first.added) == ["oxygen-for-cluster.md", "summary-only.md"]
    second = write_articles(import_feed(feed), tmp_path / "out")
    assert (second.added, second.updated, len(second.unchanged)) == ([], [], 2)


def test_import_feed_refuses_what_is_no_feed(tmp_path: Path) -> None:
    with pytest.raises(ImportSourceError, match="does not start with"):
        list(import_feed(write(tmp_path, "url.xml", "https://example.org/feed")))
    with pytest.raises(ImportSourceError, match="is not an RSS or Atom feed"):
        list(import_feed(write(tmp_path, "page.xml", "<p>hello</p>")))
