"""The one settings model for medsearch, read from `MEDSEARCH_*` environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

ENV_PREFIX = "MEDSEARCH_"
# Shorter tokens can be guessed; 16 random characters are out of reach of any brute force.
MIN_ADMIN_TOKEN_LENGTH = 16
# uvicorn's levels, less `trace`: that one logs every request's query string, whatever
# MEDSEARCH_LOG_QUERIES says.
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


# Each build process (writer) buffers postings in memory up to about this many megabytes before
# sorting them into runs on disk, which made a 5,000-article share take 43 s instead of 33 s at
# 256 MB. 1 GB holds about 6 million postings, some 20,000 articles of 600 words.
DEFAULT_INDEX_MEMORY_MB = 1024


class Settings(BaseModel):
    """Every setting with its default; each maps to the variable `MEDSEARCH_<NAME>`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corpus_dir: Path = Field(
        default=Path("corpus"), description="Folder of Markdown articles to index."
    )
    index_dir: Path = Field(
        default=Path("index"), description="Folder that holds the index generations."
    )
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="Number of uvicorn worker processes.")
    index_processes: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Processes a full build of 400 or more articles uses; 0 means one per core.",
    )
    index_memory_mb: int = Field(
        default=DEFAULT_INDEX_MEMORY_MB,
        ge=64,
        le=65536,
        description="Megabytes of postings each build process holds in memory before it sorts "
        "them into runs on disk; lower it on a small machine (builds get slower).",
    )
    progress_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds between the progress lines a long index run writes to stderr "
        "when that is not a terminal (a terminal gets a bar).",
    )
    snippet_words: int = Field(
        default=30, ge=5, le=200, description="About how many words a result snippet holds."
    )
    default_per_page: int = Field(
        default=10, ge=1, le=100, description="Results per page when `per_page` is not given."
    )
    max_per_page: int = Field(
        default=100, ge=1, le=1000, description="Largest `per_page` a client may ask for."
    )
    max_query_length: int = Field(
        default=1000, ge=10, le=100_000, description="Longest query accepted, in characters."
    )
    max_result_window: int = Field(
        default=10_000,
        ge=10,
        description="Deepest result reachable by paging (`page` x `per_page`).",
    )
    query_time_limit_ms: int = Field(
        default=1000,
        ge=10,
        le=600_000,
        description="Time one search may spend matching; then it answers with the best results "
        "found so far, flagged `partial`.",
    )
    max_expansions: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="Most index words one wildcard, prefix or range word stands for (the most "
        "frequent are kept).",
    )
    rate_limit_per_minute: int = Field(
        default=0,
        ge=0,
        description="Searches one client address may make per minute, per worker process; "
        "0 turns rate limiting off.",
    )
    rate_limit_burst: int = Field(
        default=20,
        ge=1,
        description="Searches one client address may make in a quick burst before the "
        "per-minute rate applies.",
    )
    log_queries: bool = Field(
        default=False,
        description="Write query text and client addresses into the request log (off: health "
        "searches are personal data).",
    )
    searchers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Index searchers each worker keeps open; each holds its own view of the index.",
    )
    result_cache_size: int = Field(
        default=1000,
        ge=0,
        description="Search responses each worker keeps for repeated queries; 0 turns it off.",
    )
    recency_half_life_days: int = Field(
        default=0,
        ge=0,
        le=36_500,
        description="Recency boost for relevance ranking: age in days at which an article's "
        "boost halves; 0 turns the boost off.",
    )
    recency_weight: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the relevance score that fades with age when the recency boost "
        "is on; the rest never fades.",
    )
    synonyms_file: Path | None = Field(
        default=None,
        description="Extra synonyms file (same format as the built-in list), read at query time.",
    )
    builtin_synonyms: bool = Field(
        default=True,
        description="Use the built-in synonyms: drug brands, abbreviations, lay terms.",
    )
    feedback_terms: int = Field(
        default=20,
        ge=0,
        le=100,
        description="Related words taken from the best matches to widen plain queries; 0 is off.",
    )
    log_level: str = Field(
        default="info", description="uvicorn log level: critical, error, warning, info or debug."
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        # An unknown level would otherwise fail inside uvicorn's logging setup with a traceback.
        level = value.strip().lower()
        if level not in LOG_LEVELS:
            raise ValueError(
                f"{value!r} is not a log level; use {', '.join(LOG_LEVELS[:-1])} or "
                f"{LOG_LEVELS[-1]} (trace is refused: it logs every query string)"
            )
        return level

    cors_origins: tuple[str, ...] = Field(
        default=(),
        description="Origins whose pages may call the API from a browser (the search widget), "
        "comma-separated, such as `https://clinic.example.org`; `*` allows any origin.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # The environment holds one comma-separated string; code may pass a list or tuple.
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _normalize_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalize_origin(origin) for origin in origins))

    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for `/admin/*` (16+ characters); unset, the admin API is off.",
    )

    insights: Path | None = Field(
        default=None,
        description="SQLite file for search insights (most frequent and zero-result queries, "
        "shown to admins only once enough readers typed them); unset, off.",
    )
    insights_min_clients: int = Field(
        default=5,
        ge=2,
        description="Different clients that must type a query on one day before insights show it.",
    )
    site_name: str = Field(
        default="medsearch",
        min_length=1,
        max_length=80,
        description="Name shown in the reader pages' header and tab titles.",
    )
    site_logo_url: str | None = Field(
        default=None,
        description="Image shown before the site name in the reader pages' header: a path on "
        "this server or an `https://` address.",
    )

    @field_validator("site_logo_url")
    @classmethod
    def _logo_url(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("/") or value.startswith("https://")):
            raise ValueError("give a path on this server (/static/logo.svg) or an https:// address")
        return value or None

    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token `/metrics` asks for (16+ characters); unset, `/metrics` is "
        "open, for a port only the monitoring can reach.",
    )

    @field_validator("admin_token", "metrics_token", mode="before")
    @classmethod
    def _blank_token_is_unset(cls, value: object) -> object:
        # `MEDSEARCH_ADMIN_TOKEN=` in a compose file or unit means "no token", not "".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("admin_token", "metrics_token")
    @classmethod
    def _token_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                f"must be at least {MIN_ADMIN_TOKEN_LENGTH} characters; make one with: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        """Build settings from a mapping such as `os.environ`, using `MEDSEARCH_*` keys only."""
        values = {
            name: environ[ENV_PREFIX + name.upper()]
            for name in cls.model_fields
            if ENV_PREFIX + name.upper() in environ
        }
        return cls.model_validate(values)

    @classmethod
    def env_var(cls, name: str) -> str:
        """Name of the environment variable that sets field `name`."""
        return ENV_PREFIX + name.upper()

    def to_env(self) -> dict[str, str]:
        """These settings as `MEDSEARCH_*` variables that `from_env` reads back unchanged.

        A setting that is unset (None) has no variable.
        """
        return {
            self.env_var(name): env_value(value)
            for name, value in self.model_dump().items()
            if value is not None
        }


def env_value(value: object) -> str:
    """How a setting's value is written in its environment variable (lists comma-separated)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, tuple | list):
        return ",".join(str(item) for item in value)
    return str(value)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(origin: str) -> str:
    """`origin` as browsers send it in the `Origin` header, or ValueError saying how to write it."""
    if origin == "*":
        return origin
    parts = urlsplit(origin)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or port == -1
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(
            f"{origin!r} is not an origin; write scheme://host[:port] with no path, "
            "such as https://clinic.example.org, or * for any origin"
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    # Browsers leave the scheme's default port out of `Origin`, so an origin written with it
    # would never match.
    shown_port = "" if port is None or port == _DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{host}{shown_port}"
