"""RSS 2.0 and Atom feeds to articles: the full content where the feed has it, else the summary.

feedparser reads both formats and their dialects (`content:encoded`, Atom XHTML content, RFC 822
and ISO dates, `dc:creator`, feeds with a blank line before `<?xml`), from the file only: it is
handed bytes, so it fetches nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser

from indexer.errors import ImportSourceError
from indexer.importers.items import ImportedArticle, Skipped
from indexer.importers.markup import fragment_to_markdown, fragment_to_text, safe_url

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
SUMMARY_CHARACTERS = 300


def _date(entry: Any) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


def _authors(entry: Any, feed: Any) -> tuple[str, ...]:
    names = [a.get("name", "") for a in entry.get("authors", []) if isinstance(a, dict)]
    if not any(names) and entry.get("author"):
        names = [entry.get("author")]
    if not any(names):  # Atom lets the feed name the author of every entry
        names = [a.get("name", "") for a in feed.get("authors", []) if isinstance(a, dict)]
    seen: dict[str, None] = {}
    for name in names:
        # RSS writes `email (Name)`; feedparser keeps the name when it can.
        cleaned = " ".join(str(name or "").split())
        if cleaned:
            seen.setdefault(cleaned)
    return tuple(seen)


def _body(entry: Any) -> tuple[str, bool]:
    """The entry's fullest HTML (its content, else its summary) and whether it is full content."""
    contents = [c for c in entry.get("content", []) if c.get("value")]
    if contents:
        best = max(contents, key=lambda c: len(c.get("value", "")))
        value = str(best.get("value", ""))
        return value if best.get("type", "text/html") in _HTML_TYPES else _plain(value), True
    summary = entry.get("summary_detail") or {}
    value = str(entry.get("summary", ""))
    return value if summary.get("type", "text/html") in _HTML_TYPES else _plain(value), False


def _plain(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"<p>{part}</p>" for part in escaped.split("\n\n") if part.strip())


def _summary(entry: Any, full: bool) -> str:
    if not full or not entry.get("summary"):
        return ""
    text = fragment_to_text(str(entry.get("summary")))
    if len(text) > SUMMARY_CHARACTERS:
        text = text[: SUMMARY_CHARACTERS - 1].rsplit(" ", 1)[0] + "\u2026"
    return text


def import_feed(path: Path) -> Iterator[ImportedArticle | Skipped]:
    """The entries of a saved RSS or Atom feed as articles; entries without a title skipped."""
    data = path.read_bytes().lstrip()
    if not data.startswith(b"<"):
        # feedparser would take text that looks like an address for one, and fetch it.
        raise ImportSourceError(path, "is not an RSS or Atom feed (it does not start with `<`)")
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    feed = parsed.get("feed", {})
    if not parsed.get("version") and not parsed.get("entries"):
        problem = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise ImportSourceError(path, f"is not an RSS or Atom feed ({problem})")
    # Relative links in entries resolve against the feed's own address, when it gives one.
    self_links = [
        link.get("href", "") for link in feed.get("links", []) if link.get("rel") == "self"
    ]
    base = safe_url(self_links[0] if self_links else feed.get("link", ""))
    for number, entry in enumerate(parsed.get("entries", []), start=1):
        title = " ".join(fragment_to_text(str(entry.get("title", ""))).split())
        # FeedBurner replaces each link with a tracking redirect and keeps the real one aside.
        link = safe_url(entry.get("feedburner_origlink") or entry.get("link", ""), base)
        source = f"entry {number} {title!r}" if title else f"entry {number}"
        if not title:
            yield Skipped(source, "no title", "no title")
            continue
        html, full = _body(entry)
        tags = [str(tag.get("term", "")).strip() for tag in entry.get("tags", [])]
        yield ImportedArticle(
            key=link or str(entry.get("id", "")) or f"{path.name}#{number}",
            title=title,
            markdown=fragment_to_markdown(html, link or base),
            date=_date(entry),
            authors=_authors(entry, feed),
            tags=tuple(tag for tag in tags if tag),
            summary=_summary(entry, full),
            url=link if link.startswith("http") else "",
        )
