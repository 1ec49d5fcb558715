"""One Markdown parse: sanitised HTML for reading and plain text for indexing, from one stream."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

# What the reading page may contain: structure, emphasis, links, images, tables, code. No
# scripts, styles, forms, frames or event handlers; nh3 (Ammonia) drops everything else and
# keeps the text of unknown elements (`<center>`, `<label>`).
ALLOWED_TAGS: frozenset[str] = frozenset(
    """
    a abbr b blockquote br caption code dd del div dl dt em figcaption figure h1 h2 h3 h4 h5 h6
    hr i img ins kbd li mark ol p pre s section small span strong sub sup table tbody td tfoot
    th thead tr u ul
    """.split()  # noqa: SIM905 (a tag list reads better as prose)
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "span": {"class"},
    "div": {"class"},
    "p": {"class"},
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow"

# Kramdown and attribute-list syntax (`{:target="_blank"}`, `{ id="9.5.2" }`, `{ .lg .middle }`)
# that the attrs plugin did not consume, e.g. after a heading's text: never shown, never indexed.
_ATTR = r"""(?:[#.][\w.:-]+|[\w:-]+=(?:"[^"]*"|'[^']*'|[^\s}]+))"""
_ATTRIBUTE_LIST = re.compile(r"[ \t]*\{:?[ \t]*" + _ATTR + r"(?:[ \t]+" + _ATTR + r")*[ \t]*\}")

# LaTeX in `$...$` is shown and indexed as the text it stands for: `$\leq$` reads "≤".
_LATEX_SYMBOLS: dict[str, str] = {
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "lt": "<", "gt": ">",
    "approx": "≈", "sim": "~", "pm": "±", "mp": "∓", "times": "×", "div": "÷", "cdot": "·",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "uparrow": "↑", "downarrow": "↓",
    "Rightarrow": "⇒", "infty": "∞", "degree": "°", "circ": "°", "alpha": "α", "beta": "β",
    "gamma": "γ", "delta": "δ", "Delta": "Δ", "mu": "μ", "sigma": "σ", "kappa": "κ",
    "lambda": "λ", "theta": "θ", "pi": "π", "chi": "χ", "%": "%", "$": "$", "&": "&", "#": "#",
    "_": "_", "{": "{", "}": "}", ",": " ", ";": " ", "quad": " ", "qquad": " ",
}  # fmt: skip
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+|[%$&#_{},;])")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


@dataclass(frozen=True)
class Rendered:
    """An article body rendered once: `html` for reading, `text` for indexing and snippets."""

    html: str
    text: str


def latex_to_text(latex: str) -> str:
    """The plain text of a small LaTeX formula: symbols as Unicode, commands and braces dropped."""

    def symbol(match: re.Match[str]) -> str:
        return _LATEX_SYMBOLS.get(match.group(1), "")

    text = _LATEX_COMMAND.sub(symbol, latex)
    text = text.replace("{", "").replace("}", "").replace("^", "").replace("~", " ")
    return " ".join(text.split())


def _strip_attribute_lists(state: StateCore) -> None:
    """Core rule: remove attribute-list text the attrs plugin left in text tokens."""
    for token in state.tokens:
        if token.type != "inline" or not token.children or "{" not in token.content:
            continue
        for child in token.children:
            if child.type == "text" and "{" in child.content:
                child.content = _ATTRIBUTE_LIST.sub("", child.content)


def _render_math(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:  # a markdown-it renderer rule
    token = tokens[idx]
    text = escape(latex_to_text(token.content))
    if token.block:
        return f'<p class="math">{text}</p>\n'
    return f'<span class="math">{text}</span>'


def _render_image_text(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:  # a markdown-it renderer rule: an image without a usable address shows its alt text
    return f'<span class="image-alt">{escape(tokens[idx].content)}</span>'


@functools.cache
def _parser() -> MarkdownIt:
    """The one Markdown parser: CommonMark, raw HTML allowed (sanitised after), and plugins."""
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        # `{:target="_blank"}` and `{target="_blank"}` after links and images, `{...}` lines.
        .use(attrs_plugin)
        .use(attrs_block_plugin)
        # MkDocs `!!! note "Title"` boxes, common in clinicians' MkDocs sites.
        .use(admon_plugin)
        # Pandoc's rules: `$5 and $10` stays money, `$\leq$` is a formula.
        .use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_blank_lines=False)
    )
    md.core.ruler.push("strip_attribute_lists", _strip_attribute_lists)
    for rule in ("math_inline", "math_block", "math_inline_double", "math_block_label"):
        md.add_render_rule(rule, _render_math)
    md.add_render_rule("image_text", _render_image_text)
    return md


def _resolve_urls(tokens: list[Token], base_url: str) -> None:
    """Make relative link and image URLs absolute against `base_url`, or drop them without one.

    A relative URL means the article's original site; on our reading page it would point at
    nothing, so without a base an image is shown as its alt text and a link as its text.
    """
    for token in tokens:
        if token.children:
            _resolve_urls(token.children, base_url)
        attribute = "href" if token.type == "link_open" else "src" if token.type == "image" else ""
        if not attribute:
            continue
        url = str(token.attrGet(attribute) or "").strip()
        if not url or url.startswith("#") or urlsplit(url).scheme:
            continue
        if base_url:
            token.attrSet(attribute, urljoin(base_url, url))
        elif token.type == "image":
            token.type = "image_text"
            token.content = "".join(child.content for child in token.children or [])
        else:
            token.attrs.pop("href", None)


def _html_text(fragment: str) -> str:
    """The words of a raw HTML block or tag, without scripts, styles or tags."""
    if "<" not in fragment:
        return fragment
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises ParserError on markup it cannot read: index nothing of it
        return ""
    for element in root.xpath(".//script|.//style|.//template"):
        element.drop_tree()
    for element in root.iter("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
        element.tail = "\n" + (element.tail or "")
    return str(root.text_content())


_HIDDEN_INLINE = re.compile(r"<(/?)(script|style|template)\b", re.IGNORECASE)


def _inline_text(children: Sequence[Token], out: list[str]) -> None:
    hidden = False  # inside an inline <script> or <style>: its content is no text
    for child in children:
        kind = child.type
        if kind == "html_inline" and (tag := _HIDDEN_INLINE.match(child.content)):
            hidden = not tag.group(1)
            continue
        if hidden:
            continue
        if kind in ("text", "code_inline"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")  # the author's line breaks, as the API's `body` has always kept them
        elif kind in ("image", "image_text"):
            out.append(" ")
            _inline_text(child.children or [], out)
            out.append(" ")
        elif kind.startswith("math"):
            out.append(latex_to_text(child.content))
        elif kind == "html_inline":
            # Tags alone: the words between them are text tokens of their own.
            out.append("\n" if child.content.lower().startswith("<br") else "")


_BLOCK_ENDS: dict[str, str] = {
    # A nested list starts on a line of its own after its parent item's (hidden) paragraph.
    "bullet_list_open": "\n",
    "ordered_list_open": "\n",
    "paragraph_close": "\n\n",
    "heading_close": "\n\n",
    "list_item_close": "\n",
    "bullet_list_close": "\n\n",
    "ordered_list_close": "\n\n",
    "blockquote_close": "\n\n",
    "th_close": " ",
    "td_close": " ",
    "tr_close": "\n",
    "table_close": "\n\n",
    "hr": "\n\n",
    "footnote_close": "\n",
    "dt_close": "\n",
    "dd_close": "\n",
    "admonition_title_close": "\n",
    "admonition_close": "\n\n",
}


def _text(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        kind = token.type
        if kind == "inline":
            _inline_text(token.children or [], out)
        elif kind in ("fence", "code_block"):
            out.append(token.content + "\n\n")
        elif kind == "html_block":
            out.append(_html_text(token.content) + "\n\n")
        elif kind.startswith("math_block"):
            out.append(latex_to_text(token.content) + "\n\n")
        elif kind in _BLOCK_ENDS and not token.hidden:  # a tight list's paragraphs are hidden
            out.append(_BLOCK_ENDS[kind])
    text = "".join(out)
    text = "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def sanitize_html(html: str, base_url: str = "") -> str:
    """Keep only the allow-listed elements, attributes and URL schemes; links get rel=noopener.

    Relative URLs in raw HTML resolve against `base_url`, or are dropped without one.
    """

    def resolve(element: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src") or value.startswith("#") or urlsplit(value).scheme:
            return value
        return urljoin(base_url, value) if base_url else None

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=resolve,
    )


def render_markdown(markdown: str, base_url: str = "") -> Rendered:
    """Parse `markdown` once into sanitised reading HTML and the plain text that is indexed.

    Relative links and images resolve against `base_url` (the article's original address);
    without one, images become their alt text and links their text.
    """
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parse(markdown, env)
    _resolve_urls(tokens, base_url)
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(html=sanitize_html(html, base_url), text=_text(tokens))
