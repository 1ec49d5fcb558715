"""Snippets: a window of about N words around the best matches, HTML-escaped, words in <mark>."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.analysis import word_terms_for

_WORD = re.compile(r"\S+")
# The highest code point that is a space to `\s` (U+3000, the ideographic space).
_LAST_SPACE = 0x3000
Ints = npt.NDArray[np.intp]
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
    # Word-by-word analyzers: each distinct word analyzed once, the text cut in C.
    mapper = word_terms_for(analyzer)
    if mapper is not None:
        return [_Match(*span) for span in mapper.spans(text, terms)]
    # Whoosh reuses one Token object for the whole stream, so copy what we need at once.
    return [
        _Match(token.startchar, token.endchar, token.text)
        for token in analyzer(text, chars=True)
        if token.text in terms
    ]


def _word_bounds(text: str) -> tuple[Ints, Ints]:
    """Start and end offsets of the words of `text` (runs of non-space characters)."""
    # One vector pass over the characters instead of a string per word: the text's code
    # points, each looked up in a table of the characters `\s` matches.
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    table = _space_table()
    space = table[np.minimum(codes, len(table) - 1)]
    starts = ~space
    starts[1:] &= space[:-1]
    ends = ~space
    ends[:-1] &= space[1:]
    return np.flatnonzero(starts), np.flatnonzero(ends) + 1


@functools.cache
def _space_table() -> npt.NDArray[np.bool_]:
    # Every code point `\s` matches is below U+3001; the last entry stands for all above.
    table = np.zeros(_LAST_SPACE + 2, np.bool_)
    table[[code for code in range(_LAST_SPACE + 1) if chr(code).isspace()]] = True
    return table


def _windows(
    positions: list[int], matches: list[_Match], word_count: int, size: int, count: int
) -> list[tuple[int, list[_Match]]]:
    """Up to `count` non-overlapping `size`-word windows, best first, as (first word, matches).

    `positions` are the matches' word numbers. Each window is the one holding the most distinct
    terms not shown yet, then the most matches, then the earliest; later windows only look at
    matches that earlier ones left out.
    """
    remaining = list(zip(matches, positions, strict=True))
    last_start = max(0, word_count - size)
    lead = size // 5  # a few words of context before the first match read better than none
    chosen: list[tuple[int, list[_Match]]] = []
    while remaining and len(chosen) < count:
        best_key: tuple[int, int, int] | None = None
        best: tuple[int, list[_Match]] = (0, [])
        for _, position in remaining:
            start = _fit(max(0, min(position - lead, last_start)), position, size, chosen)
            if start is None:
                continue
            inside = [m for m, p in remaining if start <= p < start + size]
            key = (len({m.term for m in inside}), len(inside), -start)
            if best_key is None or key > best_key:
                best_key, best = key, (start, inside)
        if best_key is None:
            break
        chosen.append(best)
        remaining = [(m, p) for m, p in remaining if not best[0] <= p < best[0] + size]
    return chosen


def _fit(
    start: int, position: int, size: int, chosen: list[tuple[int, list[_Match]]]
) -> int | None:
    """Move a window starting at `start` off the chosen ones, keeping word `position` inside."""
    for other, _ in chosen:
        if other <= start < other + size:
            start = other + size
        elif start < other < start + size:
            start = other - size
    if start < 0 or not start <= position < start + size:
        return None
    if any(start < other + size and other < start + size for other, _ in chosen):
        return None
    return start


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
    text: str,
    analyzer: Any,
    terms: frozenset[str],
    words: int,
    tag: str = "mark",
    fragments: int = 1,
) -> tuple[str, bool]:
    """An HTML snippet of up to `fragments` passages of about `words` words of `text`.

    Passages are shown in text order, joined by an ellipsis; the second value says whether the
    snippet contains a match. Without matches the snippet is the opening `words` words.
    """
    scanned = text[:SCAN_CHARS]
    word_starts, word_ends = _word_bounds(scanned)
    word_count = len(word_starts)
    if not word_count:
        return "", False
    matches = find_matches(scanned, analyzer, terms)
    windows: list[tuple[int, list[_Match]]] = []
    if matches:
        found_at = np.fromiter((m.start for m in matches), np.int64, len(matches))
        positions = (np.searchsorted(word_starts, found_at, "right") - 1).tolist()
        windows = _windows(positions, matches, word_count, words, fragments)
    windows = sorted(windows, key=lambda window: window[0]) or [(0, [])]
    pieces: list[str] = []
    previous_end = 0
    for start, marks in windows:
        end = min(start + words, word_count)
        rendered = " ".join(
            _render_word(
                scanned,
                word_start,
                word_end,
                [m for m in marks if word_start <= m.start < word_end],
                tag,
            )
            for word_start, word_end in zip(
                word_starts[start:end].tolist(), word_ends[start:end].tolist(), strict=True
            )
        )
        if pieces:
            # Passages that touch read as one; a gap between them is shown as " … ".
            pieces.append(f" {ELLIPSIS} " if start > previous_end else " ")
        elif start > 0:
            pieces.append(ELLIPSIS)
        pieces.append(rendered)
        previous_end = end
    if previous_end < word_count or len(scanned) < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces), any(marks for _, marks in windows)


def highlight(text: str, analyzer: Any, terms: frozenset[str], tag: str = "mark") -> str:
    """The whole of a short `text` as HTML: escaped, words matching `terms` wrapped in `tag`."""
    return _render_word(text, 0, len(text), find_matches(text, analyzer, terms), tag)


def opening_words(text: str, words: int) -> str:
    """The first `words` words of `text` as plain text, with an ellipsis when it goes on."""
    found = _WORD.findall(text, 0, SCAN_CHARS)
    opening = " ".join(found[:words])
    return opening + ELLIPSIS if len(found) > words or len(text) > SCAN_CHARS else opening
