"""Did you mean: corrections for query words the index does not know, from its own words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Set
from typing import Any

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


# The indexed words of a field that start with a prefix (one letter here).
Words = Callable[[str, str], Iterable[str]]


def _within(words: Words, spell_field: str, word: str, most: int) -> list[str]:
    # reader.terms_within(..., prefix=1), without computing the edit distance of words whose
    # length alone puts them too far.
    return [
        candidate
        for candidate in words(spell_field, word[:1])
        if abs(len(candidate) - len(word)) <= most and distance(candidate, word, limit=most) <= most
    ]


def correction(
    reader: Any, analyzer: Any, spell_field: str, word: str, words: Words | None = None
) -> str | None:
    """The indexed word `word` was probably meant to be, or None when it is fine as typed.

    `words` lists a field's words by prefix (remembered per index snapshot by the caller).
    """
    words = words or (lambda field, prefix: indexed_words(reader, field, prefix))
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
