"""Settings: read from a mapping of MEDSEARCH_* variables, and documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from indexer.settings import Settings

README = Path(__file__).parent.parent / "README.md"


def test_settings_from_env_reads_prefixed_variables() -> None:
    settings = Settings.from_env(
        {"MEDSEARCH_INDEX_DIR": "/srv/ix", "MEDSEARCH_PORT": "9000", "PORT": "1", "HOME": "/root"}
    )
    assert settings.index_dir == Path("/srv/ix")
    assert settings.port == 9000
    assert settings.corpus_dir == Path("corpus")


def test_settings_from_env_rejects_bad_values() -> None:
    with pytest.raises(ValidationError):
        Settings.from_env({"MEDSEARCH_SNIPPET_WORDS": "0"})


def test_settings_every_field_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_settings_readme_table_lists_every_setting_with_its_default() -> None:
    rows = re.findall(r"^\| `(MEDSEARCH_[A-Z_]+)` \| `([^`]*)` \|", README.read_text(), re.M)
    documented = dict(rows)
    expected = {
        Settings.env_var(name): str(field.default) for name, field in Settings.model_fields.items()
    }
    assert documented == expected
