"""Snippets: the memoized word-by-word path gives exactly what analyzing the whole text gives."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer

from indexer.analysis import wordwise
from indexer.schema import CONTENT_FIELD, build_schema, text_analyzer
from search_api.query.snippets import _word_bounds, make_snippet

WORDS = st.sampled_from(
    [
        *["Migraine", "migraines", "the", "aura", "<b>", "&", "3.5", "U.S.", "café", "pain.", "x"],
        # Words whose stems change their ending most, or whose lower case is longer.
        *["Dying", "skies", "possibility", "HAPPY", "pains*", "a.pain", "İstanbul", "STRASSE"],
    ]
)
SEPARATORS = st.sampled_from(
    [" ", "  ", "\n\n", ", ", "-", "/", "\t", " … ", ".", "\u00a0", "\u2003", "\u3000", "\x1c"]
)
TERMS = st.frozensets(
    st.sampled_from(
        ["migrain", "aura", "pain", "caf\u00e9", "3.5", "u.s", "die", "sky", "possibl", "happi"]
    )
)


class _ChainOnly:
    """Hides the analyzer's type, so snippets take the general path through the whole chain."""

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer

    def __call__(self, text: str, **options: Any) -> Any:
        return self.analyzer(text, **options)


# Whoosh's StemmingAnalyzer (Porter) takes the memoized path; the schema's prose analyzer
# (Snowball English) also looks only at words that start like a term.
ANALYZERS = [
    pytest.param(lambda: wordwise(StemmingAnalyzer()), StemmingAnalyzer, id="porter"),
    pytest.param(lambda: build_schema()[CONTENT_FIELD].analyzer, text_analyzer, id="schema"),
]


@pytest.mark.parametrize(("fast_analyzer", "chain"), ANALYZERS)
@settings(max_examples=300, deadline=None)
@given(
    lead=st.sampled_from(["", " ", "\n"]),
    pieces=st.lists(st.tuples(WORDS, SEPARATORS), max_size=60),
    terms=TERMS,
    words=st.integers(min_value=3, max_value=12),
)
def test_make_snippet_fast_path_equals_whole_text_analysis(
    fast_analyzer: Any,
    chain: Any,
    lead: str,
    pieces: list[tuple[str, str]],
    terms: frozenset[str],
    words: int,
) -> None:
    text = lead + "".join(word + separator for word, separator in pieces)
    fast = make_snippet(text, fast_analyzer(), terms, words)
    general = make_snippet(text, _ChainOnly(chain()), terms, words)
    assert fast == general


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_make_snippet_words_are_the_non_space_runs(text: str) -> None:
    starts, ends = _word_bounds(text)
    found = [(match.start(), match.end()) for match in re.finditer(r"\S+", text)]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == found


def test_make_snippet_picks_window_with_most_distinct_terms() -> None:
    text = "aura aura aura one two three four five six seven eight nine migraine aura pain end"
    snippet, matched = make_snippet(
        text, wordwise(StemmingAnalyzer()), frozenset({"aura", "migrain", "pain"}), 5
    )
    assert matched
    assert snippet == "\u2026nine <mark>migraine</mark> <mark>aura</mark> <mark>pain</mark> end"
