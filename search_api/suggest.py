"""Autocomplete: completions of what a reader is typing, from index words and article titles.

The vocabulary (every unstemmed word with its document frequency, and every title's words) is
read once per index snapshot and kept in memory, so a suggestion is a few binary searches.
"""

from __future__ import annotations

import bisect
import heapq
import re
import unicodedata
from dataclasses import dataclass
from functools import partial
from typing import Any

from whoosh import query as wq

from indexer.errors import QueryError
from search_api.filters import require_fields
from search_api.live_index import LiveIndex
from search_api.snapshot_cache import SnapshotCache, index_key

MAX_SUGGEST_LENGTH = 100
# Words as the index's `words` field cuts them (Whoosh's default tokenizer pattern).
_TOKEN = re.compile(r"\w+(?:\.?\w+)*")
# Above every character, so `prefix + _LAST` bounds all words starting with `prefix`.
_LAST = "\U0010ffff"
# With words typed before the last one, this many top completions are checked against them.
_CANDIDATES_PER_SUGGESTION = 5


@dataclass(frozen=True)
class Vocabulary:
    """Sorted index words with their document frequencies, and titles indexed by their words."""

    words: list[str]
    frequencies: list[int]
    titles: list[str]
    title_words: list[str]
    title_ids: list[frozenset[int]]

    @classmethod
    def from_reader(cls, reader: Any) -> Vocabulary:
        """Read the vocabulary of one index snapshot."""
        words: list[str] = []
        frequencies: list[int] = []
        # Terms come in byte order, which for UTF-8 is code point order, as bisect needs.
        for term, info in reader.iter_field("words"):
            words.append(term.decode("utf-8"))
            frequencies.append(int(info.doc_frequency()))
        titles = sorted({fields.get("title", "") for _, fields in reader.iter_docs()} - {""})
        postings: dict[str, set[int]] = {}
        for number, title in enumerate(titles):
            for word in _tokens(title):
                postings.setdefault(word, set()).add(number)
        title_words = sorted(postings)
        return cls(
            words,
            frequencies,
            titles,
            title_words,
            [frozenset(postings[word]) for word in title_words],
        )

    def completions(self, prefix: str) -> range:
        """Positions in `words` of the words that start with `prefix`."""
        return range(
            bisect.bisect_left(self.words, prefix), bisect.bisect_left(self.words, prefix + _LAST)
        )

    def titles_with(self, words: list[str], prefix: str) -> set[int]:
        """Titles holding each of `words` and, unless `prefix` is empty, a word starting with it."""
        groups: list[set[int] | frozenset[int]] = []
        for word in words:
            position = bisect.bisect_left(self.title_words, word)
            if position == len(self.title_words) or self.title_words[position] != word:
                return set()
            groups.append(self.title_ids[position])
        if prefix:
            start = bisect.bisect_left(self.title_words, prefix)
            stop = bisect.bisect_left(self.title_words, prefix + _LAST)
            groups.append(set().union(*self.title_ids[start:stop]))
        if not groups:
            return set(range(len(self.titles)))
        groups.sort(key=len)
        return set(groups[0]).intersection(*groups[1:])


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def check_prefix(text: str) -> str:
    """The typed text with spacing normalised, or QueryError saying what to change."""
    if len(text) > MAX_SUGGEST_LENGTH:
        raise QueryError(
            f"The text to complete is {len(text):,} characters long; the limit is "
            f"{MAX_SUGGEST_LENGTH}. Send only what the reader has typed."
        )
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r":
            raise QueryError(
                f"The text to complete contains the control character U+{ord(char):04X}; remove it."
            )
    text = " ".join(text.split())
    if not text:
        raise QueryError(
            "The text to complete is empty; send the first letters of a word, such as q=mig."
        )
    return text


def _frequent_completions(vocabulary: Vocabulary, prefix: str, count: int) -> list[int]:
    """Positions of the `count` most frequent words starting with `prefix`; ties alphabetical."""
    frequencies = vocabulary.frequencies
    return heapq.nsmallest(
        count, vocabulary.completions(prefix), key=lambda i: (-frequencies[i], i)
    )


def _completions_after(
    searcher: Any, vocabulary: Vocabulary, earlier: list[str], prefix: str, limit: int
) -> list[str]:
    """Completions of the last word, each after the words typed before it."""
    lead = " ".join(earlier)
    # Stop words typed before are not in the index, so the field's analyzer drops them.
    context = [token.text for token in searcher.schema["words"].analyzer(lead)]
    if not context:
        best = _frequent_completions(vocabulary, prefix, limit)
        return [f"{lead} {vocabulary.words[i]}" for i in best]
    # Keep completions found in articles with all the earlier words, most such articles first.
    within = set(searcher.docs_for_query(wq.And([wq.Term("words", w) for w in context])))
    if not within:
        return []
    reader = searcher.reader()
    together: list[tuple[int, int]] = []
    for i in _frequent_completions(vocabulary, prefix, limit * _CANDIDATES_PER_SUGGESTION):
        postings = reader.postings("words", vocabulary.words[i]).all_ids()
        shared = sum(1 for docnum in postings if docnum in within)
        if shared:
            together.append((-shared, i))
    return [f"{lead} {vocabulary.words[i]}" for _, i in sorted(together)[:limit]]


def _title_completions(
    vocabulary: Vocabulary, typed: str, earlier: list[str], prefix: str, limit: int
) -> list[str]:
    found = vocabulary.titles_with(earlier, prefix)
    lowered = typed.lower()

    def rank(number: int) -> tuple[bool, int, str]:
        title = vocabulary.titles[number]
        # Titles that begin with what was typed first, then shorter titles.
        return (not title.lower().startswith(lowered), len(title), title)

    return [vocabulary.titles[n] for n in heapq.nsmallest(limit, found, key=rank)]


def suggest(live_index: LiveIndex, cache: SnapshotCache, text: str, limit: int) -> list[str]:
    """Up to `limit` completions of `text`: frequent words first, then titles, no repeats."""
    typed = check_prefix(text)
    tokens = _tokens(typed)
    if not tokens:
        return []
    generation, index = live_index.current()
    require_fields(index, "Autocomplete", "words")
    # Keyed by the index itself, so a single word is completed without opening a reader.
    vocabulary = cache.get(
        index_key(generation, index), "vocabulary", partial(_read_vocabulary, index)
    )
    if text[-1].isspace():
        # The last word is finished: only titles holding all the words can complete it.
        return _title_completions(vocabulary, typed, tokens, "", limit)
    earlier, prefix = tokens[:-1], tokens[-1]
    if earlier:
        with index.searcher() as searcher:
            words = _completions_after(searcher, vocabulary, earlier, prefix, limit)
    else:
        words = [vocabulary.words[i] for i in _frequent_completions(vocabulary, prefix, limit)]
    titles = _title_completions(vocabulary, typed, earlier, prefix, limit)
    # Half the list for words, then titles, then more words if titles ran short.
    half = (limit + 1) // 2
    merged: dict[str, str] = {}
    for suggestion in words[:half] + titles + words[half:]:
        merged.setdefault(suggestion.casefold(), suggestion)
    return list(merged.values())[:limit]


def _read_vocabulary(index: Any) -> Vocabulary:
    with index.reader() as reader:
        return Vocabulary.from_reader(reader)
