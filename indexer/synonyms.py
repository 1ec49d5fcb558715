"""Synonyms: reading synonym files and finding the synonyms of a query's words.

The format is the one Solr and Elasticsearch use, so editors may already know it:

    # a comment; blank lines are ignored
    heart attack, myocardial infarction          terms that mean the same, in any direction
    tmj => temporomandibular joint               one way: a query for the left also finds the right

Terms are matched after analysis (lower case, stop words removed, Snowball stems), so
"heart attacks" matches the line for "heart attack", and a line's case does not matter.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from indexer.errors import MedsearchError
from indexer.schema import text_analyzer

logger = logging.getLogger("medsearch")

Terms = tuple[str, ...]
# The list that ships with medsearch; see the README for its sources.
BUILTIN_FILE = "synonyms.txt"
# A term with very many synonyms (a generic drug with dozens of brand names) adds at most this
# many, in the order the file lists them, so one word cannot swamp a query.
MAX_ALTERNATIVES = 12
_SURFACE_WORD = re.compile(r"\w+")


class SynonymFileError(MedsearchError):
    """A synonyms file that cannot be read at all."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"synonyms file {path} cannot be read: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class SynonymMatch:
    """Query tokens `start` to `end` (exclusive) and the analyzed terms that mean the same."""

    start: int
    end: int
    alternatives: tuple[Terms, ...]


@dataclass
class Synonyms:
    """Analyzed terms mapped to the terms a query for them should also find."""

    table: dict[Terms, list[Terms]] = field(default_factory=dict)
    longest: int = 0
    # Every word the synonym lines use, as written (lower case): names like "prozac" are real
    # words to the spelling checker even when no article contains them.
    words: set[str] = field(default_factory=set)

    def add(self, sources: Iterable[Terms], targets: Iterable[Terms]) -> None:
        """Make each of `sources` also find each of `targets` (other than itself)."""
        target_list = [t for t in targets if t]
        for source in sources:
            if not source:
                continue
            known = self.table.setdefault(source, [])
            for target in target_list:
                if target != source and target not in known:
                    known.append(target)
            self.longest = max(self.longest, len(source))

    def merge(self, other: Synonyms) -> None:
        """Add every rule of `other` to this table."""
        for source, targets in other.table.items():
            self.add([source], targets)
        self.words |= other.words

    def find(self, tokens: Sequence[str]) -> list[SynonymMatch]:
        """Longest non-overlapping runs of `tokens` that have synonyms, left to right."""
        matches: list[SynonymMatch] = []
        start = 0
        while start < len(tokens):
            for end in range(min(len(tokens), start + self.longest), start, -1):
                targets = self.table.get(tuple(tokens[start:end]))
                if targets:
                    matches.append(SynonymMatch(start, end, tuple(targets[:MAX_ALTERNATIVES])))
                    start = end
                    break
            else:
                start += 1
        return matches

    def __len__(self) -> int:
        return len(self.table)


def analyze_term(term: str, analyzer: Any) -> Terms:
    """The tokens a query for `term` would be analyzed to."""
    return tuple(token.text for token in analyzer(term))


def parse_synonyms(lines: Iterable[str], analyzer: Any, source: str = "synonyms") -> Synonyms:
    """Compile synonym lines; a line that cannot be used is logged and skipped."""
    synonyms = Synonyms()
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            logger.warning("%s:%d: more than one '=>'; line skipped", source, number)
            continue
        left, arrow, right = line.partition("=>")
        sources = [analyze_term(term, analyzer) for term in left.split(",") if term.strip()]
        if arrow:
            targets = [analyze_term(term, analyzer) for term in right.split(",") if term.strip()]
        else:
            targets = sources
        if len({t for t in sources + targets if t}) < 2:
            logger.warning("%s:%d: needs two different terms; line skipped", source, number)
            continue
        synonyms.add(sources, targets)
        synonyms.words.update(_SURFACE_WORD.findall(line.lower()))
    return synonyms


def read_synonyms_file(path: Path, analyzer: Any) -> Synonyms:
    """Compile one synonyms file; raises SynonymFileError if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SynonymFileError(path, reason) from None
    return parse_synonyms(text.splitlines(), analyzer, source=str(path))


@functools.cache
def builtin_synonyms() -> Synonyms:
    """The synonym list shipped with medsearch (drug names, abbreviations, lay terms).

    Compiled once per process with the schema's analyzer; callers must not change it.
    """
    text = resources.files("indexer").joinpath("data", BUILTIN_FILE).read_text(encoding="utf-8")
    return parse_synonyms(text.splitlines(), text_analyzer(), source=BUILTIN_FILE)
