"""Synonym files: the format editors write, and the runs of query terms that match."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.schema import text_analyzer
from indexer.synonyms import (
    SynonymFileError,
    SynonymMatch,
    builtin_synonyms,
    parse_synonyms,
    read_synonyms_file,
)

LINES = [
    "# comment line",
    "",
    "heart attack, myocardial infarction, MI   # trailing comment",
    "tmj => temporomandibular joint",
    "lonely",
    "a => b => c",
]


def test_parse_synonyms_equivalence_goes_every_way() -> None:
    synonyms = parse_synonyms(LINES, text_analyzer())
    assert synonyms.table[("heart", "attack")] == [("myocardi", "infarct"), ("mi",)]
    assert synonyms.table[("mi",)] == [("heart", "attack"), ("myocardi", "infarct")]


def test_parse_synonyms_arrow_goes_one_way_and_bad_lines_are_skipped() -> None:
    synonyms = parse_synonyms(LINES, text_analyzer())
    assert synonyms.table[("tmj",)] == [("temporomandibular", "joint")]
    assert ("temporomandibular", "joint") not in synonyms.table
    assert ("lone",) not in synonyms.table
    assert len(synonyms) == 4


def test_synonyms_find_longest_runs_after_stemming() -> None:
    synonyms = parse_synonyms(LINES, text_analyzer())
    terms = [token.text for token in text_analyzer()("Heart attacks and TMJ pain")]
    assert synonyms.find(terms) == [
        SynonymMatch(0, 2, (("myocardi", "infarct"), ("mi",))),
        SynonymMatch(2, 3, (("temporomandibular", "joint"),)),
    ]


def test_builtin_synonyms_hold_brands_abbreviations_and_lay_terms() -> None:
    synonyms = builtin_synonyms()
    assert ("onabotulinumtoxina",) in synonyms.table[("botox",)]
    assert ("erenumab",) in synonyms.table[("aimovig",)]
    assert ("sumatriptan",) in synonyms.table[("imitrex",)]
    assert ("calcitonin", "gene", "relat", "peptid") in synonyms.table[("cgrp",)]
    assert ("hypertens",) in synonyms.table[("high", "blood", "pressur")]
    # Ordinary English words are not expanded to drug names or abbreviations.
    assert ("relief",) not in synonyms.table


def test_read_synonyms_file_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SynonymFileError, match=r"synonyms file .*nope\.txt cannot be read"):
        read_synonyms_file(tmp_path / "nope.txt", text_analyzer())
