"""Did-you-mean's word search: the words within a few edits, exactly, found faster."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import distance

from search_api.whoosh_engine.expand.spelling import WordList

# Few letters, so words often lie a few edits apart; code points 64 apart share a bucket.
LETTERS = st.sampled_from([*"abcdeé\u00c1\u0121", "a\u0301"])
WORDS = st.lists(LETTERS, min_size=1, max_size=9).map("".join)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, max_size=40, unique=True), typed=WORDS, most=st.sampled_from([1, 2]))
def test_word_list_within_equals_every_word_checked(
    words: list[str], typed: str, most: int
) -> None:
    expected = [word for word in words if distance(word, typed, limit=most) <= most]
    assert WordList(words).within(typed, most) == expected


def test_word_list_within_finds_swaps_drops_and_doubles() -> None:
    words = WordList(["chromosome", "chromosomes", "chromium", "cholesterol", "chromosomal"])
    assert words.within("chomosome", 1) == ["chromosome"]
    assert words.within("chromsoome", 2) == ["chromosome", "chromosomes"]
    assert WordList([]).within("anything", 2) == []
