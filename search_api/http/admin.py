"""Admin routes: start a reindex and see how the index is doing, behind a bearer token.

The app mounts them only when `MEDSEARCH_ADMIN_TOKEN` is set; without it they answer 404.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from indexer.errors import QueryError
from indexer.status import BuildRecord
from search_api.http.dependencies import EngineDep, SettingsDep
from search_api.models import AdminStatusResponse, ErrorResponse

_bearer = HTTPBearer(
    auto_error=False,
    description="The admin token, `MEDSEARCH_ADMIN_TOKEN`, as `Authorization: Bearer TOKEN`.",
)
_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}
# Articles one reindex request may name; more is a job for a scan of the corpus.
MAX_GIVEN_ARTICLES = 1000


def _same_token(given: str, expected: str) -> bool:
    # Digests first, so the comparison takes the same time whatever the given token's length.
    return hmac.compare_digest(
        hashlib.sha256(given.encode("utf-8")).digest(),
        hashlib.sha256(expected.encode("utf-8")).digest(),
    )


def require_admin(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through only with the admin token; 401 otherwise."""
    if settings.admin_token is None:
        raise HTTPException(404, "Not Found")
    if credentials is None:
        raise HTTPException(
            401, "Send the admin token as `Authorization: Bearer TOKEN`.", _UNAUTHORIZED
        )
    if not _same_token(credentials.credentials, settings.admin_token.get_secret_value()):
        raise HTTPException(401, "The admin token is not valid.", _UNAUTHORIZED)


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "The admin token is missing or wrong."},
}


@router.get("/status", responses=ADMIN_ERRORS)
def admin_status(engine: EngineDep) -> AdminStatusResponse:
    """Show the generation served, its document count, the update running now if any, and
    the last update's time, result, counts and errors (files skipped and why it failed)."""
    return engine.admin_status()


@router.post(
    "/reindex",
    status_code=202,
    responses={
        **ADMIN_ERRORS,
        400: {
            "model": ErrorResponse,
            "description": "A given article is not a `.md` file inside the corpus folder, or "
            "articles were given with `full=true`.",
        },
        409: {"model": ErrorResponse, "description": "An update is already running."},
    },
)
def admin_reindex(
    engine: EngineDep,
    response: Response,
    full: Annotated[
        bool, Query(description="Rebuild from scratch instead of updating what changed.")
    ] = False,
    article: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_GIVEN_ARTICLES,
            description="Update only these articles instead of scanning the corpus for changes: "
            "paths of `.md` files relative to the corpus folder, new, edited or deleted "
            f"(repeat the parameter, at most {MAX_GIVEN_ARTICLES}).",
        ),
    ] = None,
) -> BuildRecord:
    """Start updating the index from the corpus folder and answer 202 once it is running.

    The update runs in the background in its own process; poll `GET /admin/status` until
    `running` is null, then read `last_build`. Searches go on meanwhile and switch to the new
    generation when it is published. 409 if an update started by anyone is already running;
    400 if a given article is not a `.md` file inside the corpus folder.
    """
    if article and full:
        raise QueryError("a full rebuild looks at the whole corpus; give no article with full=true")
    record = engine.start_update(full=full, articles=[Path(path) for path in article or []])
    response.headers["Location"] = "/admin/status"
    return record
