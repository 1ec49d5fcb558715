"""The OpenAPI schema as the API really answers, for clients, docs and the fuzzing tests."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

# FastAPI documents every route with a 422 and its own error list; our validation errors are
# 400s in the one `{"detail": "..."}` shape, declared on each route instead.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_NULL = {"type": "null"}


def _without_null(schema: dict[str, Any]) -> None:
    # An optional query parameter is declared `anyOf: [X, null]`, but a URL cannot carry a null:
    # the parameter is absent or a string. Declaring X alone says what may really be sent.
    options = schema.get("anyOf")
    if isinstance(options, list) and _NULL in options and len(options) == 2:
        del schema["anyOf"]
        schema.update(next(option for option in options if option != _NULL))


def accurate_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema for `app`, without 422s the app never sends or nulls no URL can carry."""
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
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "query":
                        _without_null(parameter.get("schema", {}))
        components = schema.get("components", {}).get("schemas", {})
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema
