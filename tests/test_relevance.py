"""Relevance features through the HTTP API: questions, synonyms, phrases and 'did you mean'."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.settings import Settings
from search_api.http.app import create_app
from tests.conftest import result_ids, search_body

RELEVANCE_EXTRAS = Path(__file__).parent / "corpus_relevance"


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """The tiny corpus plus two articles that questions and lay terms should find."""
    target = tmp_path / "corpus"
    shutil.copytree(Path(__file__).parent / "corpus", target)
    shutil.copytree(RELEVANCE_EXTRAS, target, dirs_exist_ok=True)
    return target


def test_search_question_finds_the_article_that_answers_it(client: TestClient) -> None:
    body = search_body(client, "does magnesium help prevent migraines?")
    assert result_ids(body)[0] == "magnesium-for-migraine"
    assert body["did_you_mean"] is None


def test_search_question_mark_does_not_become_a_wildcard(client: TestClient) -> None:
    # "migraine?" as a wildcard would need one more letter and match nothing.
    assert result_ids(search_body(client, "magnesium?")) == ["magnesium-for-migraine"]


def test_search_brand_name_finds_article_naming_the_generic(client: TestClient) -> None:
    body = search_body(client, "imitrex")
    assert result_ids(body) == ["cluster-headache-oxygen"]
    assert body["results"][0]["snippet"].count("<mark>Sumatriptan</mark>") == 1


def test_search_lay_term_finds_article_using_clinical_word(client: TestClient) -> None:
    assert result_ids(search_body(client, "high blood pressure")) == ["hypertension-basics"]
    assert result_ids(search_body(client, "HTN")) == ["hypertension-basics"]


def test_search_quoted_phrase_is_not_expanded(client: TestClient) -> None:
    body = search_body(client, '"high blood pressure"')
    assert (body["total"], body["did_you_mean"], body["corrected"]) == (0, None, False)
    assert search_body(client, '"imitrex"')["total"] == 0


def test_search_synonym_ranks_below_the_word_typed(client: TestClient) -> None:
    # The botox article names the drug OnabotulinumtoxinA; the tension-type article says Botox.
    assert result_ids(search_body(client, "onabotulinumtoxina")) == [
        "botox-for-chronic-migraine",
        "tension-type-headache",
    ]


def test_search_misspelled_query_searches_the_correction(client: TestClient) -> None:
    body = search_body(client, "migrane")
    assert (body["did_you_mean"], body["corrected"]) == ("migraine", True)
    assert result_ids(body)[0] == "migraine-basics"
    assert body["total"] == 3


def test_search_misspelled_word_gets_suggestion_beside_results(client: TestClient) -> None:
    body = search_body(client, "botox headach")
    assert (body["did_you_mean"], body["corrected"]) == ("botox headache", False)
    assert result_ids(body)[0] == "botox-for-chronic-migraine"


def test_search_no_suggestion_for_short_words_digits_or_inflections(client: TestClient) -> None:
    for q in ("heda", "migrane2", "attack", "what helps a cluster headache attack?"):
        assert search_body(client, q)["did_you_mean"] is None, q


def test_search_extra_synonyms_file_is_reread_without_restart(
    settings: Settings, tmp_path: Path
) -> None:
    extra = tmp_path / "synonyms.txt"
    extra.write_text("# ours\ngnashing => grinding\n", encoding="utf-8")
    with TestClient(create_app(settings.model_copy(update={"synonyms_file": extra}))) as client:
        assert result_ids(search_body(client, "gnashing")) == ["nested/deep/jaw-pain"]
        extra.write_text("# none today\n", encoding="utf-8")
        # Some file systems keep one-second modification times; make the change visible.
        os.utime(extra, ns=(0, 0))
        assert search_body(client, "gnashing")["total"] == 0
