"""Snippets: the memoized word-by-word path gives exactly what analyzing the whole text gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer

from indexer.analysis import wordwise
from search_api.snippets import make_snippet

WORDS = st.sampled_from(
    ["Migraine", "migraines", "the", "aura", "<b>", "&", "3.5", "U.S.", "café", "pain.", "x"]
)
SEPARATORS = st.sampled_from([" ", "  ", "\n\n", ", ", "-", "/", "\t", " … "])
TERMS = st.frozensets(st.sampled_from(["migrain", "aura", "pain", "caf\u00e9", "3.5", "u.s"]))


class _ChainOnly:
    """Hides the analyzer's type, so snippets take the general path through the whole chain."""

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer

    def __call__(self, text: str, **options: Any) -> Any:
        return self.analyzer(text, **options)


@settings(max_examples=300, deadline=None)
@given(
    lead=st.sampled_from(["", " ", "\n"]),
    pieces=st.lists(st.tuples(WORDS, SEPARATORS), max_size=60),
    terms=TERMS,
    words=st.integers(min_value=3, max_value=12),
)
def test_make_snippet_fast_path_equals_whole_text_analysis(
    lead: str, pieces: list[tuple[str, str]], terms: frozenset[str], words: int
) -> None:
    text = lead + "".join(word + separator for word, separator in pieces)
    fast = make_snippet(text, wordwise(StemmingAnalyzer()), terms, words)
    general = make_snippet(text, _ChainOnly(StemmingAnalyzer()), terms, words)
    assert fast == general


def test_make_snippet_picks_window_with_most_distinct_terms() -> None:
    text = "aura aura aura one two three four five six seven eight nine migraine aura pain end"
    snippet, matched = make_snippet(
        text, wordwise(StemmingAnalyzer()), frozenset({"aura", "migrain", "pain"}), 5
    )
    assert matched
    assert snippet == "\u2026nine <mark>migraine</mark> <mark>aura</mark> <mark>pain</mark> end"
