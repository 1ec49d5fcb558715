"""Settings: read from a mapping of MEDSEARCH_* variables, and documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from indexer.settings import Settings, env_value

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


def test_settings_log_level_is_lower_cased() -> None:
    assert Settings.from_env({"MEDSEARCH_LOG_LEVEL": " WARNING "}).log_level == "warning"


def test_settings_every_field_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_settings_readme_table_lists_every_setting_with_its_default() -> None:
    rows = re.findall(r"^\| `(MEDSEARCH_[A-Z_]+)` \| `([^`]*)` \|", README.read_text(), re.M)
    documented = dict(rows)
    expected = {
        Settings.env_var(name): env_value(field.default) or "(none)"
        for name, field in Settings.model_fields.items()
    }
    assert documented == expected


def test_settings_cors_origins_split_and_normalized() -> None:
    settings = Settings.from_env(
        {"MEDSEARCH_CORS_ORIGINS": " https://Clinic.example.org/ ,http://localhost:8080,,"}
    )
    assert settings.cors_origins == ("https://clinic.example.org", "http://localhost:8080")
    assert Settings.from_env({}).cors_origins == ()


def test_settings_cors_origins_drop_default_ports() -> None:
    settings = Settings(cors_origins=("https://a.example:443", "http://b.example:80", "*"))
    assert settings.cors_origins == ("https://a.example", "http://b.example", "*")


@pytest.mark.parametrize(
    "origin", ["clinic.example.org", "https://a.example/blog", "ftp://a.example", "https://a:99999"]
)
def test_settings_cors_origins_reject_what_is_not_an_origin(origin: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin; write scheme://host"):
        Settings.from_env({"MEDSEARCH_CORS_ORIGINS": origin})


def test_settings_to_env_round_trips() -> None:
    settings = Settings(port=9001, cors_origins=("https://a.example", "https://b.example"))
    env = settings.to_env()
    assert env["MEDSEARCH_CORS_ORIGINS"] == "https://a.example,https://b.example"
    assert "MEDSEARCH_ADMIN_TOKEN" not in env
    assert Settings.from_env(env) == settings
    secret = Settings.model_validate({"admin_token": "s" * 20})
    assert Settings.from_env(secret.to_env()) == secret
