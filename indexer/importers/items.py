"""What an importer yields: an article to write, or an item it skipped and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportedArticle:
    """One article taken from a page, an export or a feed, with its body as Markdown."""

    key: str  # what identifies it at its source: its URL, or its file or slug without one
    title: str
    markdown: str
    slug: str = ""  # the source's own short name (a WordPress slug), if it has one
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    url: str = ""


@dataclass(frozen=True)
class Skipped:
    """An item of the source that is no article to import (a draft, a contents page, ...)."""

    source: str  # the file, or the item's title or id within the export or feed
    reason: str
    kind: str = ""  # a short name to count skips by: "draft", "contents page", ...
