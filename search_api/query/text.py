"""Checking what readers type (queries, text to complete), with messages a person can act on."""

from __future__ import annotations

import re
import unicodedata

from indexer.errors import QueryError

MAX_SUGGEST_LENGTH = 100
_WHITESPACE_CONTROLS = "\t\n\r"


def check_query_text(text: str, max_length: int) -> str:
    """Return the query with surrounding space removed, or raise QueryError saying what to fix."""
    if len(text) > max_length:
        raise QueryError(
            f"The query is {len(text):,} characters long; the limit is {max_length:,}. "
            "Shorten it to the words that matter."
        )
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in _WHITESPACE_CONTROLS:
            raise QueryError(
                f"The query contains the control character U+{ord(char):04X}; remove it."
            )
    text = " ".join(text.split())
    if not text:
        raise QueryError("The query is empty; type a word to search for, such as q=migraine.")
    if text.count('"') % 2:
        raise QueryError(
            'The query has an unclosed quote ("); close the phrase with a second quote '
            "or remove the quote."
        )
    depth = 0
    for char in _outside_quotes(text):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise QueryError("The query has a ')' without a matching '('; remove it or add a '('.")
    if depth > 0:
        raise QueryError("The query has a '(' that is never closed; add a ')' or remove the '('.")
    return text


def _outside_quotes(text: str) -> str:
    return "".join(part for i, part in enumerate(text.split('"')) if i % 2 == 0)


# A question mark that ends a word ends a question: "does magnesium help?" must not become the
# one-letter wildcard "help?", which matches "helps" but never "help". Inside a word ("migr?ne")
# it stays a wildcard.
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=$|[\s)\"',.;:!])")


def without_question_marks(text: str) -> str:
    """`text` with the question marks that end words removed."""
    return _QUESTION_MARK.sub("", text)


def require_words(text: str) -> None:
    """Raise QueryError when `text` has no letter or digit at all."""
    if not any(char.isalnum() for char in text):
        raise QueryError(
            "The query has no words to search for, only punctuation or operators; add a word."
        )


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
