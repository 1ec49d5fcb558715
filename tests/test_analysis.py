"""The word-by-word analyzer: exactly the tokens of the Whoosh chain it stands in for."""

from __future__ import annotations

import pickle
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import NgramFilter, RegexTokenizer, StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import TEXT as TEXT_FIELD

from indexer.analysis import WordwiseAnalyzer, word_terms_for, wordwise
from indexer.schema import ProseText, build_schema

TEXT = (
    "Headaches, the HEADACHE and headaching: U.S. e.g. 3.5 mg/day isn't a café's naïve "
    "treatment; a an the of b2 x"
)
CALL_OPTIONS: list[dict[str, Any]] = [
    {},
    {"positions": True, "boosts": True, "mode": "index"},
    {"chars": True},
    {"positions": True, "chars": True, "start_pos": 5, "start_char": 7},
    {"removestops": False, "positions": True},
    {"no_morph": True},
    {"no_morph": True, "positions": True, "chars": True, "start_pos": 2},
    {"tokenize": False},
]
WORDS = st.sampled_from(
    ["the", "Migraine", "migraines", "a", "3.5", "U.S.", "café", "is", "running", "ran", "x"]
)
SEPARATORS = st.sampled_from([" ", "  ", "\n\n", ", ", ". ", "-", "'s ", "/", "\t"])


def _tokens(analyzer: Any, text: str, **options: Any) -> list[tuple[Any, ...]]:
    return [
        (t.text, getattr(t, "pos", None), getattr(t, "startchar", None), t.stopped, t.boost)
        for t in analyzer(text, **options)
    ]


def test_wordwise_gives_the_chain_tokens_for_every_call_option() -> None:
    chain = StemmingAnalyzer()
    fast = wordwise(StemmingAnalyzer())
    assert isinstance(fast, WordwiseAnalyzer)
    for options in CALL_OPTIONS:
        assert _tokens(fast, TEXT, **options) == _tokens(chain, TEXT, **options), options
    assert [t.text for t in fast("Headaches and headaching")] == ["headach", "headach"]


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.tuples(WORDS, SEPARATORS), max_size=30))
def test_wordwise_matches_chain_on_any_text(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + separator for word, separator in pieces)
    fast = wordwise(StandardAnalyzer())
    for options in CALL_OPTIONS[:4]:
        assert _tokens(fast, text, **options) == _tokens(StandardAnalyzer(), text, **options)


def test_wordwise_survives_the_index_pickle_without_its_memo() -> None:
    fast = wordwise(StemmingAnalyzer())
    list(fast(TEXT))
    copy = pickle.loads(pickle.dumps(fast))  # noqa: S301 - our own object, as Whoosh's TOC does
    assert copy == fast
    assert _tokens(copy, TEXT, positions=True) == _tokens(fast, TEXT, positions=True)


def test_wordwise_leaves_other_analyzers_alone() -> None:
    ngrams = RegexTokenizer() | NgramFilter(2, 3)
    assert wordwise(ngrams) is ngrams
    assert word_terms_for(ngrams) is None


def test_schema_prose_fields_use_the_wordwise_analyzer() -> None:
    schema = build_schema()
    assert isinstance(schema["content"].analyzer, WordwiseAnalyzer)
    assert word_terms_for(schema["content"].analyzer) is not None


def _postings(field: Any, text: str) -> list[tuple[bytes, int, float, bytes]]:
    return sorted(field.index(text))


@settings(max_examples=100, deadline=None)
@given(pieces=st.lists(st.tuples(WORDS, SEPARATORS), max_size=30))
def test_prose_text_indexes_what_text_indexes(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + separator for word, separator in pieces)
    schema = build_schema()
    fast = schema["content"]
    assert isinstance(fast, ProseText)
    plain = TEXT_FIELD(analyzer=fast.analyzer, spelling=True)
    assert _postings(fast, text) == _postings(plain, text)
    assert list(fast.spellable_words(text)) == list(plain.spellable_words(text))


def test_prose_text_indexes_what_text_indexes_on_prose() -> None:
    fast = build_schema()["content"]
    plain = TEXT_FIELD(analyzer=fast.analyzer, spelling=True)
    assert _postings(fast, TEXT) == _postings(plain, TEXT)
    assert [term for term, *_ in _postings(fast, TEXT)][:3] == [b"3.5", b"b2", "café".encode()]
    assert list(fast.spellable_words(TEXT)) == list(plain.spellable_words(TEXT))
