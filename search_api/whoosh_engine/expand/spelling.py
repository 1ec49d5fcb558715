"""Did you mean: corrections for query words the index does not know, from its own words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Set
from typing import Any

import numpy as np
from whoosh.support.levenshtein import distance

from indexer.schema import CONTENT_FIELD, STOP_WORDS

# PubMed's rule of thumb: short words and words with digits (drug codes, doses) are left alone.
MIN_WORD_LENGTH = 5
# Two edits turn short words into unrelated ones ("fennel" and "funnel" are one apart, "prozac"
# and "proc" two), so words shorter than this get at most one.
TWO_EDITS_FROM_LENGTH = 8
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
# Endings that make an inflected form of an English word ("attack" -> "attacks").
_INFLECTIONS = ("s", "es", "d", "ed", "ing")


def _most_frequent(reader: Any, spell_field: str, candidates: list[str]) -> str | None:
    if not candidates:
        return None
    # The spelling field counts a word's documents in its postings' weights (indexer/writer.py).
    best: str = max(candidates, key=lambda c: (reader.frequency(spell_field, c), c))
    return best


class WordList:
    """Indexed words (those of a field that start with one letter), ready to be searched by edits.

    Each word's length and letter counts are kept in arrays: a word whose length, or whose
    letters (counted as a bag, order aside), differ from the typed word's by more than the edits
    allowed cannot be that close, and most words are ruled out that way in one vector operation
    before the edit distance is computed, in Python, for the few left.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = list(words)
        self.lengths = np.fromiter(map(len, self.words), np.int64, len(self.words))
        # Letters are counted in _BAG_SIZE buckets by code point: two letters sharing a bucket
        # only make the difference smaller, so it still never exceeds the edit distance.
        codes = np.fromiter(
            (ord(letter) % _BAG_SIZE for word in self.words for letter in word),
            np.int64,
            int(self.lengths.sum()),
        )
        owners = np.repeat(np.arange(len(self.words)), self.lengths)
        self.bags = np.zeros((len(self.words), _BAG_SIZE), np.int16)
        np.add.at(self.bags, (owners, codes), 1)

    def within(self, word: str, most: int) -> list[str]:
        """The words at most `most` edits (Damerau-Levenshtein) from `word`."""
        near = np.flatnonzero(np.abs(self.lengths - len(word)) <= most)
        bag = np.zeros(_BAG_SIZE, np.int16)
        np.add.at(bag, [ord(letter) % _BAG_SIZE for letter in word], 1)
        difference = self.bags[near] - bag
        # Each edit adds, removes or changes one letter (a swap none): the bag distance, the
        # larger of the letters missing on either side, is at most the edit distance.
        missing = np.maximum(difference.clip(0).sum(axis=1), (-difference).clip(0).sum(axis=1))
        return [
            self.words[index]
            for index in near[missing <= most].tolist()
            if distance(self.words[index], word, limit=most) <= most
        ]


# Buckets of letter counts in WordList: more tell more words apart, at a little more memory.
_BAG_SIZE = 64
# The indexed words of a field that start with a prefix (one letter here).
Words = Callable[[str, str], WordList]


def _within(words: Words, spell_field: str, word: str, most: int) -> list[str]:
    # reader.terms_within(..., prefix=1), the first letter kept.
    return words(spell_field, word[:1]).within(word, most)


def correction(
    reader: Any, analyzer: Any, spell_field: str, word: str, words: Words | None = None
) -> str | None:
    """The indexed word `word` was probably meant to be, or None when it is fine as typed.

    `words` lists a field's words by prefix (remembered per index snapshot by the caller).
    """
    words = words or (lambda field, prefix: WordList(indexed_words(reader, field, prefix)))
    if (spell_field, word) in reader:
        return None
    stems = [token.text for token in analyzer(word)]
    if all((CONTENT_FIELD, stem) in reader for stem in stems):
        if stems != [word]:
            return None  # an inflection of indexed words: "headaches" when articles say "headache"
        # The stemmer left the word alone and no article has it as typed: either the base of
        # words the articles inflect ("attack" for "attacks"), or a cut-off typo ("headach" is
        # the stem of "headache", but nobody means it). Only the second has a close word with
        # the same stem that is not just an inflection.
        inflected = {word + ending for ending in _INFLECTIONS}
        return _most_frequent(
            reader,
            spell_field,
            [
                candidate
                for candidate in _within(words, spell_field, word, 1)
                if candidate not in inflected
                and [token.text for token in analyzer(candidate)] == [word]
            ],
        )
    for edits in (1, 2) if len(word) >= TWO_EDITS_FROM_LENGTH else (1,):
        # Misspellings rarely change the first letter; requiring it also keeps the search fast.
        candidates = _within(words, spell_field, word, edits)
        if candidates:
            return _most_frequent(reader, spell_field, candidates)
    return None


def indexed_words(reader: Any, field: str, prefix: str) -> Iterable[str]:
    """The words of `field` in the index that start with `prefix`."""
    from_bytes = reader.schema[field].from_bytes
    return (from_bytes(text) for text in reader.expand_prefix(field, prefix))


def suggest(
    searcher: Any, text: str, vocabulary: Set[str] = frozenset(), words: Words | None = None
) -> str | None:
    """`text` with each unknown word of 5+ letters replaced by the likeliest indexed word.

    Words in `vocabulary` (those of the synonym lists) count as known; `words` lists indexed
    words by prefix (see `correction`).
    """
    schema = searcher.schema
    field = schema[CONTENT_FIELD]
    spell_field = field.spelling_fieldname(CONTENT_FIELD)
    if spell_field not in schema:
        return None
    reader = searcher.reader()
    analyzer = field.analyzer
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        lower = word.lower()
        if len(lower) < MIN_WORD_LENGTH or any(char.isdigit() for char in lower):
            return word
        if lower in STOP_WORDS or lower in vocabulary:
            return word
        fixed = correction(reader, analyzer, spell_field, lower, words)
        if fixed is None:
            return word
        changed = True
        return fixed

    corrected = _WORD.sub(replace, text)
    return corrected if changed else None
