"""The reader-facing pages (search and article) and the embeddable widget script."""

from __future__ import annotations

import hashlib
import html
import urllib.parse
from pathlib import Path
from typing import Annotated

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI, Header
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from indexer.errors import ArticleNotFoundError, IndexCorruptError, IndexNotFoundError, QueryError
from indexer.settings import Settings
from search_api.http.dependencies import EngineDep, SettingsDep
from search_api.http.middleware import DOCS_POLICY

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


BRAND = '<a class="brand" href="/">medsearch</a>'
TITLE_SUFFIX = " \u2013 medsearch</title>"


def render_page(name: str, settings: Settings) -> str:
    """A reader page with the site's name (and logo) in place of medsearch's own."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    site = html.escape(settings.site_name)
    logo = ""
    if settings.site_logo_url is not None:
        source = html.escape(settings.site_logo_url, quote=True)
        logo = f'<img class="brand-logo" src="{source}" alt="">'
    text = text.replace(BRAND, f'<a class="brand" href="/">{logo}{site}</a>')
    return text.replace(TITLE_SUFFIX, f" \u2013 {site}</title>")


def page_headers(settings: Settings) -> dict[str, str]:
    """The pages' headers; an `https://` logo's host is added to the images they may load."""
    logo = settings.site_logo_url
    if logo is None or not logo.startswith("https://"):
        return PAGE_HEADERS
    origin = "https://" + urllib.parse.urlsplit(logo).netloc
    policy = PAGE_HEADERS["Content-Security-Policy"].replace(
        "img-src 'self' data:", f"img-src 'self' data: {origin}"
    )
    return {**PAGE_HEADERS, "Content-Security-Policy": policy}


@router.get("/")
def search_page(settings: SettingsDep) -> HTMLResponse:
    """The search page; the query lives in the URL (`/?q=botox&page=2`)."""
    return HTMLResponse(render_page("index.html", settings), headers=page_headers(settings))


@router.get("/read/{article_id:path}")
def article_page(article_id: str, engine: EngineDep, settings: SettingsDep) -> HTMLResponse:
    """The article page; its script fetches `/articles/{id}` and the related articles.

    A page for an article that does not exist says so with 404 (for crawlers and link
    checkers too); the script shows the reader the same "not found" text.
    """
    status = 200
    try:
        engine.article(article_id)
    except (ArticleNotFoundError, QueryError):
        status = 404
    except (IndexNotFoundError, IndexCorruptError):
        status = 503
    return HTMLResponse(
        render_page("read.html", settings), status_code=status, headers=page_headers(settings)
    )


@router.get("/docs")
def docs_page() -> FileResponse:
    """Swagger UI for the API, from files this server holds: no CDN, works offline."""
    headers = {**PAGE_HEADERS, "Content-Security-Policy": DOCS_POLICY}
    return FileResponse(STATIC_DIR / "docs.html", headers=headers)


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


admin_page_router = APIRouter(include_in_schema=False)


@admin_page_router.get("/admin/")
def admin_page() -> FileResponse:
    """The admin page; it asks for the admin token and keeps it in the tab's session storage."""
    return FileResponse(STATIC_DIR / "admin.html", headers=PAGE_HEADERS)


def add_pages(app: FastAPI) -> None:
    """Serve the pages, the widget and their static files from `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(
        "/docs-assets",
        StaticFiles(directory=str(swagger_ui_bundle.swagger_ui_path)),
        name="docs-assets",
    )
