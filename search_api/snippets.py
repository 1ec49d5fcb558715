"""Snippets: a window of about N words around the best matches, HTML-escaped, words in <mark>."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"\S+")
ELLIPSIS = "\u2026"
# Only the start of a very long document is scanned for matches; it keeps a snippet cheap.
SCAN_CHARS = 50_000


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    term: str


def find_matches(text: str, analyzer: Any, terms: frozenset[str]) -> list[_Match]:
    """Character spans in `text` whose analyzed form is one of `terms`."""
    if not terms:
        return []
    # Whoosh reuses one Token object for the whole stream, so copy what we need at once.
    return [
        _Match(token.startchar, token.endchar, token.text)
        for token in analyzer(text, chars=True)
        if token.text in terms
    ]


def _best_window(
    word_starts: list[int], matches: list[_Match], size: int
) -> tuple[int, list[_Match]]:
    """First word of the `size`-word window holding the most distinct terms, then most matches."""
    positions = [bisect.bisect_right(word_starts, m.start) - 1 for m in matches]
    lead = size // 5  # a few words of context before the first match read better than none
    best_key: tuple[int, int, int] = (-1, -1, 0)
    best_start = 0
    for position in positions:
        start = max(0, min(position - lead, len(word_starts) - size))
        inside = [m for m, p in zip(matches, positions, strict=True) if start <= p < start + size]
        key = (len({m.term for m in inside}), len(inside), -start)
        if key > best_key:
            best_key, best_start = key, start
    return best_start, [
        m for m, p in zip(matches, positions, strict=True) if best_start <= p < best_start + size
    ]


def _render_word(text: str, start: int, end: int, marks: Iterable[_Match], tag: str) -> str:
    pieces: list[str] = []
    cursor = start
    for mark in marks:
        if mark.start < cursor or mark.end > end:
            continue
        pieces.append(html.escape(text[cursor : mark.start], quote=False))
        pieces.append(f"<{tag}>{html.escape(text[mark.start : mark.end], quote=False)}</{tag}>")
        cursor = mark.end
    pieces.append(html.escape(text[cursor:end], quote=False))
    return "".join(pieces)


def make_snippet(
    text: str, analyzer: Any, terms: frozenset[str], words: int, tag: str = "mark"
) -> tuple[str, bool]:
    """An HTML snippet of about `words` words of `text` and whether it contains a match."""
    scanned = text[:SCAN_CHARS]
    spans = [(m.start(), m.end()) for m in _WORD.finditer(scanned)]
    if not spans:
        return "", False
    matches = find_matches(scanned, analyzer, terms)
    word_starts = [start for start, _ in spans]
    start, marks = _best_window(word_starts, matches, words) if matches else (0, [])
    end = min(start + words, len(spans))
    rendered = []
    for word_start, word_end in spans[start:end]:
        inside = [m for m in marks if word_start <= m.start < word_end]
        rendered.append(_render_word(scanned, word_start, word_end, inside, tag))
    snippet = " ".join(rendered)
    if start > 0:
        snippet = ELLIPSIS + snippet
    if end < len(spans) or len(scanned) < len(text):
        snippet += ELLIPSIS
    return snippet, bool(marks)
