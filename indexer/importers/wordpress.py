"""WordPress exports (WXR, Tools > Export) to articles: published posts and pages.

Drafts, private, scheduled and password-protected posts, attachments, menu items and trashed
items are skipped and counted. Namespaces are matched by what they are (`wordpress.org/export`,
any version, http or https), since exports of different WordPress versions name them differently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from indexer.errors import ImportSourceError
from indexer.importers.dates import find_date
from indexer.importers.items import ImportedArticle, Skipped
from indexer.importers.markup import fragment_to_markdown, fragment_to_text, safe_url

ARTICLE_TYPES: frozenset[str] = frozenset({"post", "page"})
_SKIP_STATUS: dict[str, str] = {
    "draft": "a draft",
    "auto-draft": "a draft",
    "pending": "pending review",
    "private": "private",
    "future": "scheduled, not yet published",
    "trash": "in the trash",
    "inherit": "an attachment or revision",
}
# Shortcodes whose tags are dropped and whose content, if any, is kept: `[caption]<img> text
# [/caption]` keeps the image and its caption; `[gallery ids="1,2"]` leaves nothing.
_SHORTCODES = re.compile(
    r"\[/?(?:caption|wp_caption|gallery|audio|video|playlist|embed|youtube|vimeo|soundcloud"
    r"|code|sourcecode|source)\b[^\]]*\]"
)
_BLOCK_TAG = re.compile(
    r"<(?:p|div|h[1-6]|ul|ol|li|table|blockquote|pre|figure|hr|dl|section)\b", re.IGNORECASE
)
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _kind(element: etree._Element) -> tuple[str, str]:
    """(namespace kind, local name): ("wp", "status"), ("content", "encoded"), ("", "title")."""
    qname = etree.QName(element)
    uri = (qname.namespace or "").lower()
    if "wordpress.org/export" in uri:
        kind = "excerpt" if "excerpt" in uri else "wp"
    elif "purl.org/rss/1.0/modules/content" in uri:
        kind = "content"
    elif "purl.org/dc/elements" in uri:
        kind = "dc"
    else:
        kind = "" if not uri else "other"
    return kind, qname.localname


def _text(element: etree._Element | None) -> str:
    return (element.text or "") if element is not None else ""


def autop(text: str) -> str:
    """WordPress's paragraphs for classic-editor content: blank lines part paragraphs.

    Posts written in the classic editor are stored without `<p>`; WordPress adds them when it
    shows the post (`wpautop`). Content that has block markup of its own is left as it is.
    """
    if _BLOCK_TAG.search(text) or "<!-- wp:" in text:
        return text
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "\n".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs if part)


def _clean_name(name: str) -> str:
    # Exports carry logins padded with zero-width characters and stray `>` from broken markup.
    return " ".join(_ZERO_WIDTH.sub("", name).strip("<> \t\n").split())


def _authors(channel: etree._Element) -> dict[str, str]:
    """Each author's login mapped to the name the blog shows (display name, else first + last)."""
    names: dict[str, str] = {}
    for element in channel:
        if _kind(element) != ("wp", "author"):
            continue
        fields = {_kind(child)[1]: _text(child) for child in element}
        login = _clean_name(fields.get("author_login", ""))
        full = " ".join(
            part
            for part in (fields.get("author_first_name"), fields.get("author_last_name"))
            if part
        )
        display = _clean_name(fields.get("author_display_name", "") or full or login)
        if login:
            names[login] = display
    return names


def _item_date(fields: dict[str, str], pub_date: str) -> dt.date | None:
    for value in (fields.get("post_date_gmt", ""), fields.get("post_date", ""), pub_date):
        if value and not value.startswith("0000"):
            date = find_date(value)
            if date:
                return date
    return None


def _read_item(item: etree._Element, authors: dict[str, str]) -> ImportedArticle | Skipped:
    wp: dict[str, str] = {}
    plain: dict[str, str] = {}
    content = excerpt = creator = ""
    categories: list[str] = []
    for child in item:
        kind, name = _kind(child)
        if kind == "wp":
            wp[name] = _text(child)
        elif kind == "content" and name == "encoded":
            content = _text(child)
        elif kind == "excerpt" and name == "encoded":
            excerpt = _text(child)
        elif kind == "dc" and name == "creator":
            creator = _text(child)
        elif kind == "" and name == "category":
            if child.get("domain") in ("category", "post_tag") and _text(child).strip():
                categories.append(" ".join(_text(child).split()))
        elif kind == "":
            plain[name] = _text(child)
    title = " ".join(plain.get("title", "").split())
    post_id = wp.get("post_id", "?")
    source = f"item {post_id} {title!r}" if title else f"item {post_id}"
    post_type = wp.get("post_type", "post")
    status = wp.get("status", "publish")
    if post_type not in ARTICLE_TYPES:
        what = (
            "an attachment" if post_type == "attachment" else f"a {post_type}, not a post or page"
        )
        return Skipped(source, what, post_type)
    if status != "publish":
        return Skipped(source, _SKIP_STATUS.get(status, f"status {status!r}"), status)
    if wp.get("post_password"):
        return Skipped(source, "password-protected", "password-protected")
    if not title:
        return Skipped(source, "no title", "no title")
    url = safe_url(plain.get("link") or plain.get("guid") or "")
    body = _SHORTCODES.sub("", content)
    login = _clean_name(creator)
    return ImportedArticle(
        key=url or f"wordpress:{post_id}",
        title=title,
        markdown=fragment_to_markdown(autop(body), url),
        slug=wp.get("post_name", ""),
        date=_item_date(wp, plain.get("pubDate", "")),
        authors=(authors.get(login, login),) if login else (),
        tags=tuple(tag for tag in categories if tag.lower() != "uncategorized"),
        summary=fragment_to_text(excerpt),
        url=url if url.startswith("http") else "",
    )


def import_wordpress(path: Path) -> Iterator[ImportedArticle | Skipped]:
    """The published posts and pages of a WordPress export, and every other item skipped."""
    # No entities, no network, no DTDs: an export is data, and XML can be made to fetch things.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, recover=False
    )
    try:
        root = etree.fromstring(path.read_bytes().lstrip(), parser)
    except etree.XMLSyntaxError as error:
        raise ImportSourceError(path, f"is not well-formed XML ({error})") from None
    channel = next((child for child in root if _kind(child)[1] == "channel"), None)
    if channel is None or not any(
        "wordpress.org/export" in (uri or "") for uri in root.nsmap.values()
    ):
        raise ImportSourceError(path, "is not a WordPress export (no wp: namespace or channel)")
    authors = _authors(channel)
    for item in channel:
        if _kind(item) == ("", "item"):
            yield _read_item(item, authors)
