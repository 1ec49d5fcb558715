"""The reader-facing pages (search and article) and the embeddable widget script."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
# The widget is one request for embedding sites: the shared helpers, then the widget itself.
WIDGET_PARTS = ("core.js", "widget.js")

# The pages load only their own files and talk only to this API; anything that slipped past
# text rendering still could not run, load or send anything.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def search_page() -> FileResponse:
    """The search page; the query lives in the URL (`/?q=botox&page=2`)."""
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


@router.get("/read/{article_id:path}")
def article_page(article_id: str) -> FileResponse:
    """The article page; its script fetches `/articles/{id}` and the related articles."""
    return FileResponse(STATIC_DIR / "read.html", headers=PAGE_HEADERS)


@router.get("/widget.js")
def widget_script(
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The drop-in search widget for other sites (see the README for the snippet)."""
    source = "\n".join((STATIC_DIR / part).read_text(encoding="utf-8") for part in WIDGET_PARTS)
    etag = '"' + hashlib.sha256(source.encode()).hexdigest()[:20] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(source, media_type="text/javascript; charset=utf-8", headers=headers)


def add_pages(app: FastAPI) -> None:
    """Serve the pages, the widget and their static files from `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
