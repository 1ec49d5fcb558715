"""The OpenAPI schema as the API really answers, for clients, docs and the fuzzing tests."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

# FastAPI documents every route with a 422 and its own error list; our validation errors are
# 400s in the one `{"detail": "..."}` shape, declared on each route instead.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def accurate_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema for `app` without the 422 responses the app never sends (cached)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                operation.get("responses", {}).pop("422", None)
        components = schema.get("components", {}).get("schemas", {})
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema
