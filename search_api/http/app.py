"""The application factory: `create_app(settings)` returns the ASGI app; nothing runs at import."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.errors import (
    ArticleNotFoundError,
    IndexBusyError,
    IndexCorruptError,
    IndexNotFoundError,
    IndexOutdatedError,
    MedsearchError,
    NotAnArticleError,
    QueryError,
)
from indexer.settings import Settings
from search_api.engines import open_engine
from search_api.http.access_log import AccessLogMiddleware
from search_api.http.admin import router as admin_router
from search_api.http.cors import AllowListCORSMiddleware
from search_api.http.middleware import SecurityHeadersMiddleware, Utf8UrlMiddleware
from search_api.http.openapi import accurate_openapi
from search_api.http.pages import add_pages
from search_api.http.ratelimit import RateLimitMiddleware
from search_api.http.routes import router

logger = logging.getLogger("medsearch")

# Allocations (net of frees) between collections of the youngest generation; Python's default
# is 700. Older generations are collected after 10 younger collections each, as by default.
GC_YOUNG_THRESHOLD = 7_000
# Only the app decides which HTTP status each of the project's errors means.
STATUS_FOR_ERROR: dict[type[MedsearchError], int] = {
    QueryError: 400,
    ArticleNotFoundError: 404,
    IndexNotFoundError: 503,
    IndexCorruptError: 503,
    IndexBusyError: 409,
    IndexOutdatedError: 503,
    NotAnArticleError: 400,
}


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _medsearch_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MedsearchError)
    status = next((s for t, s in STATUS_FOR_ERROR.items() if isinstance(exc, t)), 500)
    if status == 500:
        logger.error("unmapped error on %s: %s", request.url.path, exc.message)
        return _error(500, "Internal error; it has been logged.")
    return _error(status, exc.message)


def _echo(value: str | int | float, limit: int = 40) -> str:
    # Echo enough of a bad value to recognise it; a 5,000-digit `page` need not come back whole.
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    messages = []
    for error in exc.errors():
        name = str(error["loc"][-1]) if error["loc"] else "request"
        got = error.get("input")
        shown = f" (got {_echo(got)})" if isinstance(got, str | int | float) else ""
        messages.append(f"Parameter '{name}': {error['msg']}{shown}.")
    return _error(400, " ".join(messages))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log only; clients never see internals.
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return _error(500, "Internal error; it has been logged.")


def create_app(settings: Settings) -> FastAPI:
    """Build the API for `settings`; the index is opened when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(app.state.engine.start)
        # A full pass of the garbage collector walks every object the process holds (modules,
        # term statistics, warmed postings) and stalls the search running meanwhile by tens of
        # milliseconds. What startup built is frozen out of those passes, and they come ten
        # times less often: a search allocates thousands of short-lived objects, which reference
        # counting frees anyway.
        thresholds = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
        yield
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        app.state.engine.close()

    app = FastAPI(
        title="medsearch",
        summary="Full-text search over medical articles.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = open_engine(settings)
    app.include_router(router)
    app.openapi = lambda: accurate_openapi(app)  # type: ignore[method-assign]
    if settings.admin_token is not None:
        # Without a token the admin routes do not exist at all: 404, and absent from /docs.
        app.include_router(admin_router)
    add_pages(app)
    app.add_exception_handler(MedsearchError, _medsearch_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    add_middleware(app, settings)
    return app


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """Wrap the app, outermost first: request log, security headers, CORS, rate limit, URL check.

    CORS sits outside the rate limit so that a widget on another site can read a 429.
    """
    # Starlette puts the middleware added last outermost, hence the reverse order here.
    app.add_middleware(Utf8UrlMiddleware)
    if settings.rate_limit_per_minute:
        app.add_middleware(
            RateLimitMiddleware,
            per_minute=settings.rate_limit_per_minute,
            burst=settings.rate_limit_burst,
        )
    app.add_middleware(AllowListCORSMiddleware, origins=settings.cors_origins)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware, log_queries=settings.log_queries)


def create_app_from_env() -> FastAPI:
    """App factory for uvicorn (`--factory`): settings from `MEDSEARCH_*` variables."""
    return create_app(Settings.from_env(os.environ))
