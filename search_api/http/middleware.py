"""ASGI middleware for safety: security headers on every response, and URLs that are not UTF-8.

Both are plain ASGI callables rather than Starlette's BaseHTTPMiddleware, which copies each
response through an extra task and stream.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# API answers are data, never documents to render, frame or run scripts from.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Our own pages: scripts, styles, images and API calls from this origin only; nothing inline.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from a CDN and start them with an
# inline script; they show only the API schema, never user content.
DOCS_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    # Search URLs carry what a reader looked up; never hand them to another site.
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


def content_security_policy(path: str, content_type: bytes) -> bytes:
    """The CSP for a response: strict for pages, stricter for data, CDN-aware for the docs."""
    if path in DOCS_PATHS:
        return DOCS_POLICY.encode()
    if content_type.startswith(b"text/html"):
        return PAGE_POLICY.encode()
    return API_POLICY.encode()


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response; a header a route set itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                extra = [*COMMON_HEADERS]
                if b"content-security-policy" not in present:
                    # For browsers without CSP frame-ancestors; a route's own policy decides.
                    extra.append((b"x-frame-options", b"DENY"))
                    extra.append(
                        (b"content-security-policy", content_security_policy(path, content_type))
                    )
                if content_type.startswith(b"text/html"):
                    extra.append((b"cross-origin-opener-policy", b"same-origin"))
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def undecodable_part(scope: Scope) -> str | None:
    """'path' or 'query string' when that part of the URL is not UTF-8 once unescaped."""
    parts = (
        ("path", scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")),
        ("query string", scope.get("query_string", b"")),
    )
    for name, raw in parts:
        try:
            unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return name
    return None


class Utf8UrlMiddleware:
    """Refuses URLs whose percent-escapes are not UTF-8, which would otherwise arrive as U+FFFD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 400 for a URL that is not UTF-8; pass anything else on."""
        part = undecodable_part(scope) if scope["type"] == "http" else None
        if part is None:
            await self.app(scope, receive, send)
            return
        await send_error(
            send,
            400,
            f"The URL's {part} is not valid UTF-8 once percent-decoded; encode text as UTF-8, "
            "for example %C3%A9 for \u00e9.",
        )


async def send_error(
    send: Send, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """Send a whole JSON error response in the API's one shape, `{"detail": ...}`."""
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
