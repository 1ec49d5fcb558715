"""Autocomplete: completions of what a reader is typing, from article words and titles.

The vocabulary (every unstemmed word with the articles it occurs in, and every title's words) is
read from the stored articles once per index version and kept in memory, so a suggestion is a
few binary searches and set operations, with no index reader opened. Reading it costs about a
second per 3,000 articles on the first request after each rebuild; doing it in the index instead
(an unstemmed field) nearly doubled build times.
"""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from indexer.schema import WORD_PATTERN, vocabulary_words
from search_api.query.text import check_prefix
from search_api.whoosh_engine.live.live_index import LiveIndex
from search_api.whoosh_engine.live.snapshot_cache import SnapshotCache, index_key

# Above every character, so `prefix + _LAST` bounds all words starting with `prefix`.
_LAST = "\U0010ffff"
# With words typed before the last one, this many top completions are checked against them.
_CANDIDATES_PER_SUGGESTION = 5


def _tokens(text: str) -> list[str]:
    # All words, stop words included: titles are matched on what the reader typed.
    return [word.lower() for word in WORD_PATTERN.findall(text)]


def _sorted_index(postings: dict[str, list[int]]) -> tuple[list[str], list[array[int]]]:
    words = sorted(postings)
    return words, [array("I", postings[word]) for word in words]


@dataclass(frozen=True)
class Vocabulary:
    """Sorted article words with the articles holding each, and titles indexed by their words."""

    words: list[str]
    articles: list[array[int]]
    titles: list[str]
    title_words: list[str]
    title_ids: list[array[int]]

    @classmethod
    def from_articles(cls, articles: Iterable[dict[str, Any]]) -> Vocabulary:
        """Build the vocabulary from stored articles (title, summary and body)."""
        postings: dict[str, list[int]] = {}
        titles: set[str] = set()
        for number, fields in enumerate(articles):
            title = fields.get("title") or ""
            titles.add(title)
            text = "\n".join((title, fields.get("summary") or "", fields.get("body") or ""))
            for word in vocabulary_words(text):
                postings.setdefault(word, []).append(number)
        title_postings: dict[str, list[int]] = {}
        ordered_titles = sorted(titles - {""})
        for number, title in enumerate(ordered_titles):
            for word in dict.fromkeys(_tokens(title)):
                title_postings.setdefault(word, []).append(number)
        return cls(*_sorted_index(postings), ordered_titles, *_sorted_index(title_postings))

    def completions(self, prefix: str) -> range:
        """Positions in `words` of the words that start with `prefix`."""
        return range(
            bisect.bisect_left(self.words, prefix), bisect.bisect_left(self.words, prefix + _LAST)
        )

    def articles_with(self, words: list[str]) -> set[int]:
        """Articles holding every one of `words` (all articles when there are none)."""
        groups = [self._exact(self.words, self.articles, word) for word in words]
        return _intersection(groups)

    def titles_with(self, words: list[str], prefix: str) -> set[int]:
        """Titles holding each of `words` and, unless `prefix` is empty, a word starting with it."""
        groups: list[Collection[int]] = [
            self._exact(self.title_words, self.title_ids, word) for word in words
        ]
        if prefix:
            start = bisect.bisect_left(self.title_words, prefix)
            stop = bisect.bisect_left(self.title_words, prefix + _LAST)
            groups.append(set().union(*self.title_ids[start:stop]))
        if not groups:
            return set(range(len(self.titles)))
        return _intersection(groups)

    @staticmethod
    def _exact(keys: list[str], values: list[array[int]], word: str) -> array[int]:
        position = bisect.bisect_left(keys, word)
        if position < len(keys) and keys[position] == word:
            return values[position]
        return array("I")


def _intersection(groups: Sequence[Collection[int]]) -> set[int]:
    if not groups:
        return set()
    groups = sorted(groups, key=len)
    return set(groups[0]).intersection(*groups[1:])


def _frequent_completions(vocabulary: Vocabulary, prefix: str, count: int) -> list[int]:
    """Positions of the `count` most frequent words starting with `prefix`; ties alphabetical."""
    articles = vocabulary.articles
    return heapq.nsmallest(
        count, vocabulary.completions(prefix), key=lambda i: (-len(articles[i]), i)
    )


def _word_completions(
    vocabulary: Vocabulary, earlier: list[str], prefix: str, limit: int
) -> list[str]:
    """Completions of the last word, after the words typed before it."""
    lead = " ".join(earlier)
    # Stop words typed before are not in the vocabulary, so they are dropped here too.
    context = sorted(vocabulary_words(lead))
    if not context:
        best = _frequent_completions(vocabulary, prefix, limit)
        return [f"{lead} {vocabulary.words[i]}".lstrip() for i in best]
    # Keep completions found in articles with all the earlier words, most such articles first.
    within = vocabulary.articles_with(context)
    together: list[tuple[int, int]] = []
    for i in _frequent_completions(vocabulary, prefix, limit * _CANDIDATES_PER_SUGGESTION):
        shared = sum(1 for number in vocabulary.articles[i] if number in within)
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


def _read_vocabulary(index: Any) -> Vocabulary:
    with index.reader() as reader:
        return Vocabulary.from_articles(fields for _, fields in reader.iter_docs())


def suggest(live_index: LiveIndex, cache: SnapshotCache, text: str, limit: int) -> list[str]:
    """Up to `limit` completions of `text`: frequent words first, then titles, no repeats."""
    typed = check_prefix(text)
    tokens = _tokens(typed)
    if not tokens:
        return []
    generation, index = live_index.current()
    vocabulary = cache.get(
        index_key(generation, index), "vocabulary", partial(_read_vocabulary, index)
    )
    if text[-1].isspace():
        # The last word is finished: only titles holding all the words can complete it.
        return _title_completions(vocabulary, typed, tokens, "", limit)
    earlier, prefix = tokens[:-1], tokens[-1]
    words = _word_completions(vocabulary, earlier, prefix, limit)
    titles = _title_completions(vocabulary, typed, earlier, prefix, limit)
    # Half the list for words, then titles, then more words if titles ran short.
    half = (limit + 1) // 2
    merged: dict[str, str] = {}
    for suggestion in words[:half] + titles + words[half:]:
        merged.setdefault(suggestion.casefold(), suggestion)
    return list(merged.values())[:limit]
