"""The one settings model for medsearch, read from `MEDSEARCH_*` environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "MEDSEARCH_"


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
        description="Processes a full build of a large corpus uses; 0 means one per core.",
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
    log_level: str = Field(
        default="info", description="uvicorn log level: critical, error, warning, info or debug."
    )

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
