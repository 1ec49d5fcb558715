"""Snippets: a window of about N words around the best matches, HTML-escaped, words in <mark>."""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate, islice
from typing import Any, NamedTuple

from indexer.analysis import word_terms_for

_WORD = re.compile(r"\S+")
_RUN = re.compile(r"\s+|\S+")
ELLIPSIS = "\u2026"
# Only the start of a very long document is scanned for matches; it keeps a snippet cheap.
SCAN_CHARS = 50_000


class _Match(NamedTuple):
    start: int
    end: int
    term: str


def find_matches(text: str, analyzer: Any, terms: frozenset[str]) -> list[_Match]:
    """Character spans in `text` whose analyzed form is one of `terms`."""
    if not terms:
        return []
    mapper = word_terms_for(analyzer)
    if mapper is not None:
        return [_Match(*span) for span in mapper.spans(text, terms)]
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
    # Matches come in text order, so candidate windows move forward only: slide over them once.
    positions = [bisect.bisect_right(word_starts, m.start) - 1 for m in matches]
    lead = size // 5  # a few words of context before the first match read better than none
    last_start = len(word_starts) - size
    best_key: tuple[int, int, int] = (-1, -1, 0)
    best = (0, 0, 0)
    counts: Counter[str] = Counter()
    low = high = 0
    for position in positions:
        start = max(0, min(position - lead, last_start))
        while high < len(positions) and positions[high] < start + size:
            counts[matches[high].term] += 1
            high += 1
        while positions[low] < start:
            counts[matches[low].term] -= 1
            if not counts[matches[low].term]:
                del counts[matches[low].term]
            low += 1
        key = (len(counts), high - low, -start)
        if key > best_key:
            best_key, best = key, (start, low, high)
    start, low, high = best
    return start, matches[low:high]


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


def _word_starts(text: str) -> list[int]:
    """Where each whitespace-separated word of `text` starts, computed without a Python loop."""
    # Runs of space and of non-space alternate, so words are every other run.
    runs = _RUN.findall(text)
    offsets = list(accumulate(map(len, runs), initial=0))
    first = 0 if _WORD.match(text) else 1
    return offsets[first : len(runs) : 2]


def make_snippet(
    text: str, analyzer: Any, terms: frozenset[str], words: int, tag: str = "mark"
) -> tuple[str, bool]:
    """An HTML snippet of about `words` words of `text` and whether it contains a match."""
    scanned = text[:SCAN_CHARS]
    matches = find_matches(scanned, analyzer, terms)
    if matches:
        word_starts = _word_starts(scanned)
        start, marks = _best_window(word_starts, matches, words)
        word_count = len(word_starts)
    else:
        # Without matches the snippet opens the text: only its first words are needed.
        word_starts = [match.start() for match in islice(_WORD.finditer(scanned), words + 1)]
        start, marks = 0, []
        word_count = len(word_starts) if len(word_starts) <= words else words + 1
    if not word_starts:
        return "", False
    end = min(start + words, word_count)
    rendered = []
    for word_start in word_starts[start:end]:
        word = _WORD.match(scanned, word_start)
        assert word is not None  # word_starts are where _WORD matched
        word_end = word.end()
        inside = [m for m in marks if word_start <= m.start < word_end]
        rendered.append(_render_word(scanned, word_start, word_end, inside, tag))
    snippet = " ".join(rendered)
    if start > 0:
        snippet = ELLIPSIS + snippet
    if end < word_count or len(scanned) < len(text):
        snippet += ELLIPSIS
    return snippet, bool(marks)
