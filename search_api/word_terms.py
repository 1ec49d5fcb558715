"""The indexed term of each word, memoized, for analyzers that work one word at a time.

Snippets need to know which words of a stored body analyze to a query's terms. Running the
analyzer over the whole body for every hit costs a generator chain and a stemmer call per word;
with a regex tokenizer followed only by one-word-in, at-most-one-word-out filters (lower case,
stop words, stemming), the term of a word never depends on its neighbours, so each distinct
word is analyzed once and remembered. Other analyzers get `None` and the caller falls back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from whoosh.analysis import (
    CharsetFilter,
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)

# Filters that turn one token into zero or one token without moving its characters.
_WORDWISE_FILTERS = (LowercaseFilter, StopFilter, StemFilter, CharsetFilter)
# A memo this big covers a large site's vocabulary; past it, words are analyzed every time.
MAX_WORDS = 500_000
_MISSING = object()


class WordTerms:
    """Splits text as the analyzer's tokenizer does and maps each word to its term, memoized."""

    def __init__(self, tokenizer: Any, filters: list[Any]) -> None:
        self.finditer: Callable[[str], Any] = tokenizer.expression.finditer
        self._filters = filters
        self._memo: dict[str, str | None] = {}

    def term(self, word: str) -> str | None:
        """The indexed term of one word as the tokenizer cut it, or None if it is dropped."""
        found = self._memo.get(word, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        token = Token(positions=False, chars=True, removestops=True, mode="")
        token.text = word
        token.boost = 1.0
        token.startchar, token.endchar = 0, len(word)
        stream: Any = iter((token,))
        for item in self._filters:
            stream = item(stream)
        texts = [t.text for t in stream]
        term = texts[0] if texts else None
        if len(self._memo) < MAX_WORDS:
            self._memo[word] = term
        return term

    def spans(self, text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
        """(start, end, term) of every word of `text` whose term is one of `terms`."""
        if not terms:
            return []
        memo_get = self._memo.get
        found: list[tuple[int, int, str]] = []
        for match in self.finditer(text):
            word = match.group()
            term = memo_get(word, _MISSING)
            if term is _MISSING:
                term = self.term(word)
            if term in terms:
                found.append((match.start(), match.end(), term))  # type: ignore[arg-type]
        return found


_cache: dict[int, tuple[Any, WordTerms | None]] = {}
_cache_lock = threading.Lock()


def word_terms_for(analyzer: Any) -> WordTerms | None:
    """The memoizing word mapper for `analyzer`, or None when it does not work word by word."""
    entry = _cache.get(id(analyzer))
    if entry is not None and entry[0] is analyzer:
        return entry[1]
    mapper = None
    if isinstance(analyzer, CompositeAnalyzer):
        tokenizer, *filters = analyzer.items
        if (
            type(tokenizer) is RegexTokenizer
            and not tokenizer.gaps
            and all(type(item) in _WORDWISE_FILTERS for item in filters)
        ):
            mapper = WordTerms(tokenizer, filters)
    with _cache_lock:
        # Analyzers are unhashable; each index generation unpickles its own, so keep a few.
        if len(_cache) > 32:
            _cache.clear()
        _cache[id(analyzer)] = (analyzer, mapper)
    return mapper
