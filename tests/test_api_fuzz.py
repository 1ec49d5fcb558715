"""API fuzzing: schemathesis sends generated requests to every operation of our own OpenAPI schema.

Each response must be documented (status, content type, headers) and match its declared schema,
and nothing may answer 5xx. Input the schema calls invalid must be refused with a 4xx. Input the
schema calls valid may still get a 400: query syntax such as an unclosed quote cannot be said in
OpenAPI, so schemathesis's `positive_data_acceptance` check does not apply to a search API.

The cases are driven with Hypothesis directly rather than schemathesis's pytest plugin, whose
fixture loader does not work with pytest 9.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from indexer.settings import Settings
from search_api.http.app import create_app

# Per operation and mode; the whole file runs in well under a minute.
EXAMPLES = 50
ADMIN_TOKEN = "fuzz-admin-token-0123456789"  # noqa: S105 - a test token for a test app


def run_cases(operation: Any, mode: GenerationMode, examples: int) -> int:
    """Send up to `examples` generated requests to `operation`; return how many were sent."""
    sent = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        nonlocal sent
        sent += 1
        # Valid requests carry the admin token, so the admin routes are fuzzed past the 401
        # (reindexing the tiny corpus); invalid ones may lack it, as schemathesis decides.
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if mode.is_positive else None
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()
    return sent


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_fuzz_every_operation_answers_as_documented(
    settings: Settings, mode: GenerationMode
) -> None:
    with_admin = Settings(
        corpus_dir=settings.corpus_dir,
        index_dir=settings.index_dir,
        admin_token=SecretStr(ADMIN_TOKEN),
    )
    app = create_app(with_admin)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    sent: dict[str, int] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema itself must be valid
        operation = result.ok()
        try:
            sent[operation.label] = run_cases(operation, mode, EXAMPLES)
        except Unsatisfiable:
            # Nothing about the request can be invalid (GET /health takes no input).
            sent[operation.label] = 0
    print(f"{mode} cases sent: {sent}")
    assert sent["GET /search"] > 0
    assert sent["GET /articles/{article_id}"] > 0
    assert sent["POST /admin/reindex"] > 0
