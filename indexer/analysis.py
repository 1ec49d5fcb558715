"""Word-by-word analysis, memoized: the same tokens as a Whoosh analyzer chain, much faster.

Whoosh analyzes text through a chain of generators (tokenizer, lower case, stop words, stemmer),
paying several Python calls per word, for every word of every article at index time and again for
every hit's snippet. When the chain is a regex tokenizer followed only by filters that turn one
word into at most one word without moving it (lower case, stop words, stemming, character
folding), a word's term never depends on its neighbours. Each distinct word is then analyzed once
through the real filters and remembered, and text is analyzed with one regex scan and a dict
lookup per word. Tokens, positions and character offsets are exactly those of the chain; any
other analyzer, or call options the fast path does not cover, go through the chain as before.
"""

from __future__ import annotations

import pickle
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from itertools import accumulate
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
# A memo this big covers a large site's vocabulary; past it, new words are analyzed every time.
MAX_MEMO_WORDS = 500_000
_MISSING = object()
# Tokenizer patterns shaped as Whoosh's default `\w+(\.?\w+)*`, with any one character class.
_TOKEN_SHAPE = re.compile(r"(?P<char>\\w|\[[^\]]*\])\+\((?:\?:)?\\\.\?(?P=char)\+\)\*")
# Stemmers that only rewrite a word's ending (Snowball English, Porter2).
_PREFIX_KEEPING_STEMMERS = frozenset({"en", "english"})


class WordTerms:
    """Splits text as a regex tokenizer does and maps each word to its term, memoized."""

    def __init__(self, tokenizer: Any, filters: list[Any]) -> None:
        expression = tokenizer.expression
        self.finditer: Callable[[str], Iterator[Any]] = expression.finditer
        self._filters = filters
        self._lock = threading.Lock()
        self._memo: dict[str, str | None] = {}
        # The words seen so far that analyze to each term, for finding a query's words.
        self._words_of: defaultdict[str, set[str]] = defaultdict(set)
        # The tokenizer's pattern as one capturing group: re.split then cuts text into
        # gap, word, gap, word... in C. Back-references would be renumbered by the extra group.
        self._splitter: re.Pattern[str] | None = None
        if not re.search(r"\\[1-9]|\(\?P=", expression.pattern) and not expression.match(""):
            self._splitter = re.compile(f"({expression.pattern})", expression.flags)
        # With StopFilter(renumber=True), kept words are numbered on from the first kept one.
        self.renumber = any(isinstance(f, StopFilter) and f.renumber for f in filters)
        self._token_at = expression.match
        # Patterns shaped as Whoosh's default, `C+(\.?C+)*`, have one capturing group; the
        # same pattern without it lets re.findall list the words alone.
        shape = _TOKEN_SHAPE.fullmatch(expression.pattern)
        char = None if shape is None else shape.group("char")
        self._find_words: Callable[[str], list[str]] | None = None
        self._word_char: re.Pattern[str] | None = None
        if char is not None:
            words = re.compile(f"{char}+(?:\\.?{char}+)*", expression.flags)
            self._find_words = words.findall
            if _keeps_word_starts(filters):
                self._word_char = re.compile(char, expression.flags)

    def term(self, word: str) -> str | None:
        """The term the filters make of one word as the tokenizer cut it, or None if dropped."""
        found = self._memo.get(word, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        # Searchers in several threads share a memo (see WordwiseAnalyzer._setup), and the
        # filters (the stemmer's own cache among them) are not made for concurrent use.
        with self._lock:
            token = Token(positions=False, chars=True, removestops=True, mode="")
            token.text = word
            token.boost = 1.0
            token.stopped = False
            token.startchar, token.endchar = 0, len(word)
            stream: Any = iter((token,))
            for item in self._filters:
                stream = item(stream)
            texts = [t.text for t in stream]
            term = texts[0] if texts else None
            if len(self._memo) < MAX_MEMO_WORDS:
                if term is not None:
                    self._words_of[term].add(word)
                self._memo[word] = term
        return term

    def counts(self, text: str) -> Counter[str]:
        """How many times each term occurs in `text` (what the analyzer would index)."""
        counts: Counter[str] = Counter()
        for word, count in Counter(self._words(text)).items():
            term = self.term(word)
            if term is not None:
                counts[term] += count
        return counts

    def positions(self, text: str) -> dict[str, list[int]]:
        """Each term of `text` with its positions, numbered as `tokens(positions=True)` does."""
        numbered = enumerate(self._terms_of(self._words(text)))
        if self.renumber:
            # As in tokens(): kept words count on from the first kept one, stop words vanish.
            kept = [(index, term) for index, term in numbered if term is not None]
            numbered = enumerate((term for _, term in kept), start=kept[0][0] if kept else 0)
        found: defaultdict[str, list[int]] = defaultdict(list)
        for position, term in numbered:
            if term is not None:
                found[term].append(position)
        return found

    def _terms_of(self, words: list[str]) -> list[str | None]:
        """The term of each word, in order: the memo looked up in C once every word is in it."""
        memo = self._memo
        for word in set(words).difference(memo):
            self.term(word)
        try:
            return list(map(memo.__getitem__, words))
        except KeyError:  # past MAX_MEMO_WORDS some words are not remembered
            return [self.term(word) for word in words]

    def distinct_terms(self, text: str) -> set[str]:
        """The terms of `text`, each once."""
        terms = set(self._terms_of(list(set(self._words(text)))))
        terms.discard(None)
        return terms  # type: ignore[return-value]

    def _words(self, text: str) -> list[str]:
        if self._find_words is not None:
            return self._find_words(text)
        if self._splitter is not None:
            # A gap, then the word and the pattern's own groups (see _spans_by_split).
            return self._splitter.split(text)[1 :: self._splitter.groups + 1]
        return [match.group() for match in self.finditer(text)]

    def spans(self, text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
        """(start, end, term) of every word of `text` whose term is one of `terms`."""
        if not terms:
            return []
        if self._word_char is not None:
            by_prefix = self._spans_by_prefix(text, terms, self._word_char)
            if by_prefix is not None:
                return by_prefix
        if self._splitter is not None:
            return self._spans_by_split(text, terms, self._splitter)
        memo_get = self._memo.get
        found: list[tuple[int, int, str]] = []
        for match in self.finditer(text):
            word = match.group()
            term = memo_get(word, _MISSING)
            if term is _MISSING:
                term = self.term(word)
            if term in terms:
                found.append((match.start(), match.end(), term))
        return found

    def _spans_by_prefix(
        self, text: str, terms: frozenset[str], word_char: re.Pattern[str]
    ) -> list[tuple[int, int, str]] | None:
        # Only the words that start like one of the terms are analyzed, found by str.find in C:
        # a snippet looks at a few candidates instead of cutting its whole text into words. An
        # English stem keeps its word's beginning: the stemmer rewrites or removes endings and
        # changes at most the stem's last two letters ("happy" -> "happi", "dying" -> "die"),
        # so a word whose term is T starts with T less its last two letters, in any case.
        lowered = text.lower()
        if len(lowered) != len(text):
            return None  # a few letters lower-case to two ("İ"), which would shift offsets
        is_char = word_char.match
        term_of = self.term
        found: dict[int, tuple[int, int, str]] = {}
        for start in {term[: max(1, len(term) - 2)] for term in terms}:
            position = lowered.find(start)
            while position >= 0:
                # A word starts where neither a word character nor a word character and a dot
                # (which the tokenizer would have taken into the word before) come before it.
                inside = position > 0 and (
                    is_char(text, position - 1) is not None
                    or (
                        text[position - 1] == "."
                        and position > 1
                        and is_char(text, position - 2) is not None
                    )
                )
                word = None if inside else self._token_at(text, position)
                if word is not None and (term := term_of(word.group())) in terms:
                    found[position] = (position, word.end(), term)
                position = lowered.find(start, position + 1)
        return [found[position] for position in sorted(found)]

    def _spans_by_split(
        self, text: str, terms: frozenset[str], splitter: re.Pattern[str]
    ) -> list[tuple[int, int, str]]:
        # Python touches each distinct word at most once and each matching word once; cutting
        # the text, collecting distinct words and computing offsets all run in C.
        parts = splitter.split(text)
        stride = splitter.groups + 1  # a gap, then the word and the pattern's own groups
        words = parts[1::stride]
        distinct = set(words)
        wanted: set[str] = set()
        for term in terms:
            wanted |= self._words_of.get(term, set())
        wanted &= distinct
        for word in distinct.difference(self._memo):
            if self.term(word) in terms:
                wanted.add(word)
        if not wanted:
            return []
        pieces: list[str] = [""] * (2 * len(words) + 1)
        pieces[0::2] = parts[0::stride]
        pieces[1::2] = words
        offsets = list(accumulate(map(len, pieces), initial=0))
        term_of = self.term
        return [
            (offsets[2 * number + 1], offsets[2 * number + 2], term_of(word))  # type: ignore[misc]
            for number, word in enumerate(words)
            if word in wanted
        ]

    def tokens(
        self,
        value: str,
        positions: bool,
        chars: bool,
        start_pos: int,
        start_char: int,
        mode: str,
        options: dict[str, Any],
    ) -> Iterator[Any]:
        """The chain's token stream for `value`, one reused Token as Whoosh does."""
        token = Token(positions, chars, removestops=True, mode=mode, **options)
        memo_get = self._memo.get
        renumber = self.renumber
        position: int | None = None
        for index, match in enumerate(self.finditer(value)):
            word = match.group()
            term = memo_get(word, _MISSING)
            if term is _MISSING:
                term = self.term(word)
            if term is None:
                continue
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if positions:
                if renumber and position is not None:
                    position += 1
                else:
                    position = start_pos + index
                token.pos = position
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def _keeps_word_starts(filters: list[Any]) -> bool:
    # Whether every filter keeps a word's beginning (see WordTerms._spans_by_prefix).
    for item in filters:
        if type(item) is StemFilter:
            if item.lang not in _PREFIX_KEEPING_STEMMERS:
                return False
        elif type(item) not in (LowercaseFilter, StopFilter):
            return False  # CharsetFilter folds accents: "café" gives "cafe"
    return True


def _wordwise_parts(analyzer: Any) -> tuple[Any, list[Any]] | None:
    if not isinstance(analyzer, CompositeAnalyzer):
        return None
    tokenizer, *filters = analyzer.items
    if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
        return None
    if not all(type(item) in _WORDWISE_FILTERS for item in filters):
        return None
    return tokenizer, filters


class WordwiseAnalyzer(CompositeAnalyzer):  # type: ignore[misc]  # Whoosh is untyped
    """A word-by-word analyzer chain that analyzes each distinct word once (see module doc)."""

    def __init__(self, *composables: Any) -> None:
        super().__init__(*composables)
        self._setup()

    def _setup(self) -> None:
        parts = _wordwise_parts(CompositeAnalyzer(*self.items))
        if parts is None:
            raise ValueError(f"not a word-by-word analyzer chain: {self.items!r}")
        self.words = _shared_word_terms(*parts)
        # With no_morph=True (the unstemmed words Whoosh indexes for spelling) the chain skips
        # its morphological filters, the stemmer: the same words through the other filters.
        tokenizer, filters = parts
        self.unmorphed_words = _shared_word_terms(
            tokenizer, [item for item in filters if not getattr(item, "is_morph", False)]
        )

    def __getstate__(self) -> dict[str, Any]:
        # The index's table of contents pickles the schema: keep the chain, not the memo.
        return {"items": self.items}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.items = state["items"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.items == other.items

    __hash__ = None  # type: ignore[assignment]  # like every Whoosh analyzer

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **options: Any,
    ) -> Iterator[Any]:
        """Tokens of `value`, as the chain would give them."""
        if not tokenize or keeporiginal or not removestops:
            return super().__call__(  # type: ignore[no-any-return]
                value,
                positions=positions,
                chars=chars,
                keeporiginal=keeporiginal,
                removestops=removestops,
                start_pos=start_pos,
                start_char=start_char,
                tokenize=tokenize,
                mode=mode,
                no_morph=no_morph,
                **options,
            )
        words = self.unmorphed_words if no_morph else self.words
        return words.tokens(value, positions, chars, start_pos, start_char, mode, options)


def wordwise(analyzer: Any) -> Any:
    """`analyzer` as a memoizing WordwiseAnalyzer when it works word by word, else unchanged."""
    if isinstance(analyzer, WordwiseAnalyzer) or _wordwise_parts(analyzer) is None:
        return analyzer
    return WordwiseAnalyzer(*analyzer.items)


_shared_words: dict[bytes, WordTerms] = {}
_shared_lock = threading.Lock()


def _shared_word_terms(tokenizer: Any, filters: list[Any]) -> WordTerms:
    # Every searcher unpickles its own copy of the schema: chains that pickle the same
    # share one memo, so what one request analyzed, the next one's searcher knows.
    key = pickle.dumps((tokenizer, filters))
    with _shared_lock:
        words = _shared_words.get(key)
        if words is None:
            words = _shared_words[key] = WordTerms(tokenizer, filters)
    return words


_mappers: dict[int, tuple[Any, WordTerms | None]] = {}
_mappers_lock = threading.Lock()


def word_terms_for(analyzer: Any) -> WordTerms | None:
    """The memoizing word mapper for `analyzer`, or None when it does not work word by word."""
    if isinstance(analyzer, WordwiseAnalyzer):
        return analyzer.words
    entry = _mappers.get(id(analyzer))
    if entry is not None and entry[0] is analyzer:
        return entry[1]
    parts = _wordwise_parts(analyzer)
    mapper = WordTerms(*parts) if parts is not None else None
    with _mappers_lock:
        # Analyzers are unhashable and each opened index unpickles its own: keep only a few.
        if len(_mappers) > 32:
            _mappers.clear()
        _mappers[id(analyzer)] = (analyzer, mapper)
    return mapper
