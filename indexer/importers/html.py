"""Saved web pages to articles: trafilatura finds the main content, we find the metadata.

The body is what trafilatura keeps of a page (no navigation, header, footer, share buttons or
comments), less what repeats across the pages of one import (a publisher's footer, a disclaimer),
reference lists, affiliations and citation blocks. Metadata comes from `citation_*`, Dublin
Core, Open Graph and JSON-LD in the page's head, `<time>`, and else from the visible text: the
first `<h1>`, a dateline, an author line under the title.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from indexer.importers.dates import find_date
from indexer.importers.items import ImportedArticle, Skipped
from indexer.importers.markup import clean_tree, drop_element, element_to_markdown, safe_url

PAGE_SUFFIXES: tuple[str, ...] = (".htm", ".html")
# A block of text found on at least this many pages of one import, and on at least this share
# of them, is the site's boilerplate (a footer, a disclaimer), not an article's text.
REPEAT_MIN_PAGES = 3
REPEAT_MIN_SHARE = 0.05
REPEAT_MIN_WORDS = 3
# Sections that are no part of an article's text: references and who the authors are.
_BACK_MATTER = re.compile(
    r"^(references?|referencias|r[ée]f[ée]rences|refer[êe]ncias|riferimenti|literatur(verzeichnis)?"
    r"|bibliograf[íi]a|bibliography|bibliographie|works cited|literature cited|sources|fuentes"
    r"|notes and references|citations|author information|about the authors?|authors?'? "
    r"affiliations?|affiliations?|afiliaci[óo]n(es)?|datos sobre (el|la|los|las) autor(a|es|as)?"
    r"|informaci[óo]n (sobre|de) (el|la|los|las)? ?autor(a|es|as)?|(sobre|acerca de) (el|la|los"
    r"|las) autor(a|es|as)|corresponding authors?|conflicts? of interest)\b",
    re.IGNORECASE,
)
_CITATION_BLOCK = re.compile(
    r"^(suggested citation|citaci[óo]n sugerida|how to cite|cite this( article)?|citation"
    r"( for this article)?|para citar|comment citer|author affiliations?|afiliaciones de)\b",
    re.IGNORECASE,
)
_CONTENTS = re.compile(
    r"^(table of contents|contents|[íi]ndice( de contenidos)?|sumario|sommaire|inhalt"
    r"(sverzeichnis)?|tabla de contenidos?|archives?|site ?map|mapa del sitio)$",
    re.IGNORECASE,
)
# Academic degrees and titles after a name: "Catherine A. Okoro, PhD, MS".
_DEGREE = re.compile(r"^(?!II|III|IV)(?:[A-Z][A-Za-z.-]*[A-Z][A-Za-z.-]*)$")
_BYLINE = re.compile(
    r"^(?:by|written by|posted by|author|authors|por|escrito por|par|von|di|de)\s*:?\s+(.+)$",
    re.IGNORECASE,
)
_BYLINE_END = re.compile(r"\s+[·•|—–]\s+|\s*,?\s+(?:on|el|le|am)\s+\d")
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|[a-z]{1,3}|[A-Z]\.)$")
_SPLIT_NAMES = re.compile(r"\s*;\s*|\s*,\s*(?:and|y|et|und|e)\s+|\s+(?:and|y|et|und|e|&)\s+")


@dataclass
class _Block:
    """One top-level block of a page's main content: its HTML element and its words."""

    element: etree._Element
    text: str
    heading: int = 0  # 1 to 6 for a heading, 0 otherwise


@dataclass
class _Page:
    source: Path
    url: str
    title: str
    date: dt.date | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    blocks: list[_Block] = field(default_factory=list)


def _words(text: str) -> str:
    return " ".join(text.split())


def _text_of(element: etree._Element) -> str:
    return _words("".join(element.itertext()))


# ---------------------------------------------------------------------------------------------
# Metadata from the page's head


def _metas(tree: etree._Element) -> dict[str, list[str]]:
    """Every `<meta name|property=... content=...>`, by lower-cased name, in page order."""
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        content = _words(meta.get("content") or "")
        if name and content:
            found.setdefault(name.strip(), []).append(content)
    return found


_LD_PAGE_TYPES = frozenset({"BlogPosting", "WebPage", "MedicalWebPage", "Report"})


def _json_ld(tree: etree._Element) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page that describe an article or a web page."""
    objects: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
                kind = item.get("@type")
                kinds = [
                    k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)
                ]
                if any("Article" in k or k in _LD_PAGE_TYPES for k in kinds):
                    objects.append(item)
    return objects


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _ld_names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _ld_names(item)]
    return []


def _first(*candidates: list[str] | str | None) -> str:
    for candidate in candidates:
        if isinstance(candidate, list):
            candidate = candidate[0] if candidate else None
        if candidate and candidate.strip():
            return _words(candidate)
    return ""


def _split_authors(text: str) -> list[str]:
    return [name for name in _SPLIT_NAMES.split(text) if name.strip()]


def clean_name(name: str) -> str:
    """A person's name without degrees: `Catherine A. Okoro, PhD, MS` gives `Catherine A. Okoro`."""
    parts = [part.strip() for part in _words(name).split(",")]
    while len(parts) > 1 and all(_DEGREE.match(word) for word in parts[-1].split()):
        parts.pop()
    return ", ".join(parts).strip(" .;:")


def _looks_like_names(text: str) -> list[str]:
    """The names of an author line (`Ana Ortiz, MD; Ben Cho, PhD`), or [] if it is no such line.

    `By Ana Ortiz and Ben Cho · May 4, 2021` gives the names before the separator.
    """
    text = _BYLINE_END.split(text, maxsplit=1)[0].strip()
    match = _BYLINE.match(text)
    text = match.group(1) if match else text
    if not text or len(text) > 400 or (text.endswith((".", "?", "!")) and ";" not in text):
        return []
    names = [clean_name(part) for part in _split_authors(text)]
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= 6 or not all(_NAME_WORD.match(word) for word in words):
            return []
        if sum(word[0].isupper() for word in words) < 2:
            return []
    return names


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        value = _words(value)
        if value and value.lower() not in {key.lower() for key in seen}:
            seen[value] = None
    return tuple(seen)


@dataclass
class _Metadata:
    title: str = ""
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    url: str = ""
    # Visible texts the metadata was read from, which are then no part of the body.
    used_texts: set[str] = field(default_factory=set)


def _visible_title(tree: etree._Element) -> tuple[str, etree._Element | None]:
    """The first `<h1>` with text: in `<article>` or `<main>` if the page has one."""
    for scope in ("//article//h1", "//main//h1", "//*[@role='main']//h1", "//h1"):
        for heading in tree.xpath(scope):
            text = _text_of(heading)
            if text:
                return text, heading
    return "", None


def _visible_byline(heading: etree._Element | None, tree: etree._Element) -> tuple[list[str], str]:
    """Author names from the first lines after the title, or from an element named byline."""
    for element in tree.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' author')"
        " or contains(@class, 'byline') or @rel='author' or @itemprop='author']"
    ):
        text = _text_of(element)
        names = _looks_like_names(text)
        if names:
            return names, text
    if heading is None:
        return [], ""
    seen = 0
    after = False
    for element in heading.getroottree().iter():
        if not after:
            after = element is heading
            continue
        if element.tag not in ("p", "h2", "h3", "h4", "h5", "h6", "div", "span", "address"):
            continue
        text = _text_of(element)
        if not text or len(text) > 400:
            continue
        seen += 1
        if seen > 6:
            break
        names = _looks_like_names(text)
        if names:
            return names, text
    return [], ""


def _visible_date(tree: etree._Element) -> tuple[dt.date | None, str]:
    """A date from a dateline-like element (`Volumen 10 — el 28 de marzo de 2013`)."""
    for element in tree.xpath(
        "//*[contains(@class, 'dateline') or contains(@class, 'date') or contains(@class,"
        " 'published') or contains(@class, 'posted') or contains(@class, 'byline')]"
    ):
        text = _text_of(element)
        if text and len(text) < 200:
            date = find_date(text)
            if date:
                return date, text
    return None, ""


def read_metadata(tree: etree._Element, url: str) -> _Metadata:
    """Title, date, authors, tags, summary and address of a page, most explicit source first."""
    metas = _metas(tree)
    ld = _json_ld(tree)
    ld_first = ld[0] if ld else {}
    found = _Metadata()
    visible_title, heading = _visible_title(tree)
    head_title = _first([_text_of(t) for t in tree.iter("title")])
    found.title = _first(
        metas.get("citation_title"),
        metas.get("dc.title"),
        ld_first.get("headline") if isinstance(ld_first.get("headline"), str) else None,
        visible_title,
        metas.get("og:title"),
        head_title,
    )
    if visible_title:
        found.used_texts.add(visible_title)

    authors = (
        metas.get("citation_author")
        or metas.get("dc.creator")
        or [name for item in ld for name in _ld_names(item.get("author"))]
        or [name for value in metas.get("author", []) for name in _split_authors(value)]
        or [a for a in metas.get("article:author", []) if not a.startswith("http")]
    )
    if not authors:
        authors, byline = _visible_byline(heading, tree)
        if byline:
            found.used_texts.add(byline)
    found.authors = _unique([clean_name(name) for name in authors])

    date_texts = [
        *metas.get("citation_publication_date", []),
        *metas.get("citation_date", []),
        *metas.get("citation_online_date", []),
        *metas.get("dc.date.issued", []),
        *metas.get("dc.date", []),
        *metas.get("article:published_time", []),
        *[str(item.get("datePublished")) for item in ld if item.get("datePublished")],
        *[str(t.get("datetime")) for t in tree.iter("time") if t.get("datetime")],
    ]
    for text in date_texts:
        found.date = find_date(text)
        if found.date:
            break
    if found.date is None:
        found.date, dateline = _visible_date(tree)
        if dateline:
            found.used_texts.add(dateline)

    keywords = metas.get("citation_keywords", []) + metas.get("keywords", [])
    keywords += metas.get("article:tag", []) + metas.get("dc.subject", [])
    found.tags = _unique([tag for text in keywords for tag in re.split(r"[;,]", text)])
    found.summary = _first(
        metas.get("description"),
        metas.get("og:description"),
        metas.get("dc.description"),
        ld_first.get("description") if isinstance(ld_first.get("description"), str) else None,
    )
    canonical = [link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"]
    found.url = (
        safe_url(_first(canonical, metas.get("og:url"), metas.get("citation_public_url")), url)
        or url
    )
    return found


# ---------------------------------------------------------------------------------------------
# Main content


_XML_TO_HTML: dict[str, str] = {
    "list": "ul", "item": "li", "row": "tr", "quote": "blockquote", "graphic": "img",
    "ref": "a", "lb": "br", "head": "h2", "cell": "td", "hi": "em", "del": "del",
}  # fmt: skip
_HI_TAGS: dict[str, str] = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub",
                            "#sup": "sup"}  # fmt: skip


def _to_html(element: etree._Element) -> None:
    """Rename trafilatura's XML elements (`head`, `list`, `ref`, ...) to HTML ones, in place."""
    for node in element.iter(etree.Element):
        tag = node.tag
        if tag == "head":
            rend = node.get("rend") or "h2"
            node.tag = rend if re.fullmatch(r"h[1-6]", rend) else "h2"
        elif tag == "list":
            node.tag = "ol" if node.get("rend") == "ol" else "ul"
        elif tag == "cell":
            node.tag = "th" if node.get("role") == "head" else "td"
        elif tag == "hi":
            node.tag = _HI_TAGS.get(node.get("rend") or "", "em")
        elif tag == "ref":
            node.tag = "a"
            if node.get("target"):
                node.set("href", node.get("target") or "")
        elif tag == "graphic":
            node.tag = "img"
        elif tag == "code":
            parent = node.getparent()
            block = parent is None or parent.tag in ("body", "doc") or "\n" in _text_of(node)
            node.tag = "pre" if block and (len(node) == 0 or node[0].tag != "code") else "code"
            if node.tag == "pre" and (len(node) == 0 or node[0].tag != "code"):
                inner = etree.SubElement(node, "code")
                inner.text, node.text = node.text, None
                for child in list(node):
                    if child is not inner:
                        inner.append(child)
        elif tag in _XML_TO_HTML:
            node.tag = _XML_TO_HTML[tag]
        for name in ("rend", "role", "target"):
            node.attrib.pop(name, None)


def _unlink_in_page_anchors(body: etree._Element, url: str) -> None:
    """Links to a place in the page itself (`#table1`, "back to text") lose their address.

    The imported article keeps no element ids, so such a link would lead nowhere; trafilatura
    also turns `#table1` into the site's root with that fragment.
    """
    page = urlsplit(url)
    for link in body.iter("a"):
        target = urlsplit(link.get("href") or "")
        if (
            target.fragment
            and target.netloc in ("", page.netloc)
            and (target.path in ("", "/", page.path))
        ):
            link.attrib.pop("href", None)


def _image_key(src: str | None) -> str:
    """An image's address without its scheme: `http://` and `https://` copies are one icon."""
    parts = urlsplit(src or "")
    return f"{parts.netloc.lower()}{parts.path}"


def _image_sources(page: _Page) -> set[str]:
    return {
        _image_key(img.get("src"))
        for block in page.blocks
        for img in block.element.iter("img")
        if img.get("src")
    }


def _blocks(body: etree._Element) -> list[_Block]:
    blocks = []
    for element in body:
        heading = int(element.tag[1]) if re.fullmatch(r"h[1-6]", str(element.tag)) else 0
        text = _text_of(element)
        if text or element.tag in ("img", "table") or next(element.iter("img"), None) is not None:
            blocks.append(_Block(element, text, heading))
    return blocks


def _drop_back_matter(blocks: list[_Block]) -> list[_Block]:
    """Without reference lists, affiliations and citation blocks."""
    kept: list[_Block] = []
    skipping_below = 0  # inside a dropped section: the level of its heading
    for block in blocks:
        if block.heading and skipping_below and block.heading <= skipping_below:
            skipping_below = 0
        if skipping_below:
            continue
        if block.heading and _BACK_MATTER.match(block.text):
            skipping_below = block.heading
            continue
        if not block.heading and _CITATION_BLOCK.match(block.text):
            continue
        kept.append(block)
    return kept


def _drop_empty_sections(blocks: list[_Block]) -> list[_Block]:
    """Without headings that head nothing (`Navegar por este artículo` over a removed box)."""
    kept: list[_Block] = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.heading and (
            following is None or (following.heading and following.heading <= block.heading)
        ):
            continue
        kept.append(block)
    return kept


def _trim_head(blocks: list[_Block], meta: _Metadata) -> list[_Block]:
    """Without the title, the dateline, the author line and a kicker above the title."""
    title = _words(meta.title).lower()
    for index, block in enumerate(blocks[:4]):
        if block.heading and block.text.lower() == title:
            blocks = blocks[index + 1 :]  # what stood above the title: kicker, dateline
            break
    used = {_words(text).lower() for text in meta.used_texts}
    return [block for block in blocks if block.text.lower() not in used]


def _contents_reason(page: _Page, tree: etree._Element) -> str:
    """Why a page is a table of contents rather than an article, or ""."""
    headings = [_text_of(h) for h in tree.iter("h1", "h2")] + [page.title]
    for text in headings:
        cleaned = text.strip(" :")
        if _CONTENTS.match(cleaned):
            return f"a table of contents, not an article (heading {cleaned!r})"
    linked = sum(
        1
        for block in page.blocks
        if not block.heading
        and len(block.text) > 0
        and sum(len(_text_of(a)) for a in block.element.iter("a")) >= 0.5 * len(block.text)
    )
    paragraphs = sum(1 for block in page.blocks if not block.heading)
    if linked >= 20 and linked >= 0.5 * paragraphs:
        return f"a list of links, not an article ({linked} of {paragraphs} paragraphs are links)"
    return ""


def page_url(path: Path, folder: Path, base_url: str) -> str:
    """Where a saved page came from: `--base-url` joined with its path, or a `wget` host folder.

    `wget --mirror https://clinic.example.org/` saves `clinic.example.org/blog/x.html`; its
    first folder is the host.
    """
    relative = path.relative_to(folder).as_posix()
    if base_url:
        return urljoin(base_url.rstrip("/") + "/", relative)
    host = relative.split("/", 1)[0]
    if "." in host and "/" in relative and re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", host):
        return f"https://{relative}"
    return ""


def _read_page(path: Path, folder: Path, base_url: str) -> _Page | Skipped:
    raw = path.read_bytes()
    url = page_url(path, folder, base_url)
    tree = trafilatura.utils.load_html(raw)
    if tree is None:
        return Skipped(str(path), "not an HTML page trafilatura can read", "unreadable")
    meta = read_metadata(tree, url)
    document = trafilatura.bare_extraction(
        raw,
        url=meta.url or None,
        include_comments=False,
        include_tables=True,
        include_images=True,
        include_links=True,
        include_formatting=True,
        with_metadata=False,
        as_dict=False,
    )
    body = getattr(document, "body", None)
    page = _Page(path, meta.url, meta.title, meta.date, meta.authors, meta.tags, meta.summary)
    if body is None or not len(body):
        reason = _contents_reason(page, tree)
        return Skipped(str(path), reason or "no main text found", "contents page" if reason else
                       "no text")  # fmt: skip
    _to_html(body)  # first: trafilatura's `<head>` is a heading, HTML's is dropped
    _unlink_in_page_anchors(body, meta.url)
    clean_tree(body, meta.url)
    blocks = _drop_back_matter(_blocks(body))
    page.blocks = _drop_empty_sections(_trim_head(blocks, meta))
    if not page.title and getattr(document, "title", None):
        page.title = _words(str(getattr(document, "title", "")))
    reason = _contents_reason(page, tree)
    if reason:
        return Skipped(str(path), reason, "contents page")
    if not page.title:
        return Skipped(str(path), "no title (no citation_title, <h1> or <title>)", "no title")
    return page


def _boilerplate(pages: list[_Page]) -> set[str]:
    """Texts of blocks repeated on many pages of this import: the site's, not an article's."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update(
            {block.text for block in page.blocks if len(block.text.split()) >= REPEAT_MIN_WORDS}
        )
        # Images found on many pages are icons and logos ("back to text" arrows).
        counts.update({f"\1{src}" for src in _image_sources(page)})
    least = max(REPEAT_MIN_PAGES, REPEAT_MIN_SHARE * len(pages))
    return {text for text, count in counts.items() if count >= least}


def page_files(folder: Path) -> list[Path]:
    """Every `.htm` and `.html` file below `folder`, in path order, hidden folders left out."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in PAGE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def import_html(folder: Path, base_url: str = "") -> Iterator[ImportedArticle | Skipped]:
    """The articles of the saved pages below `folder`, and the pages skipped with a reason."""
    pages: list[_Page] = []
    for path in page_files(folder):
        try:
            read = _read_page(path, folder, base_url)
        except (OSError, ValueError, etree.LxmlError) as error:
            read = Skipped(str(path), f"cannot be read ({error})", "unreadable")
        if isinstance(read, Skipped):
            yield read
        else:
            pages.append(read)
    repeated = _boilerplate(pages)
    for page in pages:
        blocks = _drop_empty_sections([b for b in page.blocks if b.text not in repeated])
        if not blocks:
            yield Skipped(str(page.source), "no main text besides the site's own", "no text")
            continue
        root = lxml_html.Element("div")
        for block in blocks:
            for img in list(block.element.iter("img")):
                if f"\1{_image_key(img.get('src'))}" in repeated:
                    drop_element(img)
            block.element.tail = None
            root.append(block.element)
        yield ImportedArticle(
            key=page.url or page.source.relative_to(folder).as_posix(),
            title=page.title,
            markdown=element_to_markdown(root),
            date=page.date,
            authors=page.authors,
            tags=page.tags,
            summary=page.summary,
            url=page.url,
        )
