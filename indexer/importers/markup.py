"""HTML to Markdown for imported bodies: structure kept, active content dropped."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from markdownify import MarkdownConverter

# Elements whose content is never article text, or is active content.
DROPPED_ELEMENTS: tuple[str, ...] = (
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "applet", "form", "input", "button", "select", "textarea", "svg", "math", "canvas", "audio",
    "video", "head", "link", "meta", "base",
)  # fmt: skip
# Hosts of feed trackers, ad slots and share buttons that feeds and blogs put into post bodies.
TRACKER_HOSTS: tuple[str, ...] = (
    "feeds.feedburner.com", "feedads.g.doubleclick.net", "pixel.wp.com", "stats.wordpress.com",
    "feeds.wordpress.com", "res3.feedsportal.com", "da.feedsportal.com",
)  # fmt: skip
SAFE_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", ""})
_BLANK_RUNS = re.compile(r"\n{3,}")


# markdownify with our choices: ATX headings, `-` bullets, `<br>` as `\`, images kept everywhere.
_CONVERTER = MarkdownConverter(
    heading_style="ATX",
    bullets="-",
    newline_style="backslash",
    table_infer_header=True,
    keep_inline_images_in=["td", "th", "li", "a", "p", "div", "figure", "blockquote", "span"],
    escape_misc=False,
)


def safe_url(url: str | None, base_url: str = "") -> str:
    """`url` made absolute against `base_url`, or "" when its scheme is not http(s) or mailto."""
    url = (url or "").strip()
    if not url:
        return ""
    if base_url and not url.startswith("#"):
        url = urljoin(base_url, url)
    scheme = urlsplit(url).scheme.lower()
    return url if scheme in SAFE_SCHEMES else ""


def clean_tree(root: etree._Element, base_url: str = "") -> None:
    """Drop active elements and unsafe URLs in place; resolve relative URLs against `base_url`."""
    for element in list(root.iter(*DROPPED_ELEMENTS)):
        drop_element(element)
    for element in list(root.iter("a", "img")):
        url = element.get("href") or element.get("src") or ""
        tiny = element.get("width") == "1" or element.get("height") == "1"
        if tiny or urlsplit(url.strip()).netloc.lower() in TRACKER_HOSTS:
            drop_element(element)
    for element in root.iter(etree.Element):
        for name in list(element.attrib):
            if name.lower().startswith("on"):
                del element.attrib[name]
        for name in ("href", "src"):
            if name in element.attrib:
                url = safe_url(element.attrib[name], base_url)
                if url:
                    element.attrib[name] = url
                else:
                    del element.attrib[name]


def drop_element(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # Keep the tail text, which belongs to the parent, as lxml.html's drop_tree does.
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def element_to_markdown(root: etree._Element) -> str:
    """The Markdown of an element's content: headings, lists, tables, links, images, code."""
    markup = etree.tostring(root, encoding="unicode", method="html", with_tail=False)
    return tidy_markdown(str(_CONVERTER.convert(markup)))


def fragment_to_markdown(fragment: str, base_url: str = "") -> str:
    """The Markdown of an HTML fragment (a post's content), cleaned of active content."""
    if not fragment.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except etree.ParserError:
        return ""
    clean_tree(root, base_url)
    return element_to_markdown(root)


def fragment_to_text(fragment: str) -> str:
    """The plain words of an HTML fragment (an excerpt or summary), without any markup."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except etree.ParserError:
        return ""
    for element in list(root.iter(*DROPPED_ELEMENTS)):
        drop_element(element)
    return " ".join(str(root.text_content()).split())


def tidy_markdown(markdown: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, one final newline."""
    # A `<br>` (markdownify's `\\` at the end of a line) before a blank line breaks nothing.
    lines = [line.rstrip() for line in markdown.strip().splitlines()]
    lines = [
        line[:-1].rstrip()
        if line.endswith("\\") and (i + 1 == len(lines) or not lines[i + 1].strip())
        else line
        for i, line in enumerate(lines)
    ]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n" if lines else ""
