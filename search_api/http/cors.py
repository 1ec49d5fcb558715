"""Cross-origin access for the search widget: Starlette's CORS handling with our error shape."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

# Browsers only read; the widget sends no credentials and no custom headers.
CORS_METHODS = ("GET", "HEAD")
PREFLIGHT_MAX_AGE_SECONDS = 600


class AllowListCORSMiddleware(CORSMiddleware):
    """Allow the configured origins to read the API; refused preflights answer `{"detail"}`."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=CORS_METHODS,
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        """Starlette's preflight answer, with a refusal rewritten as a JSON sentence."""
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        origin = request_headers["origin"]
        if not self.is_allowed_origin(origin):
            detail = (
                f"Pages from {origin} may not call this API; the site's operator can add the "
                "origin to MEDSEARCH_CORS_ORIGINS."
            )
        else:
            detail = (
                "Cross-origin requests may use GET or HEAD with no custom headers; got "
                f"{request_headers['access-control-request-method']} with headers "
                f"{request_headers.get('access-control-request-headers') or 'none'}."
            )
        kept = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "content-type")
        }
        return JSONResponse({"detail": detail}, status_code=response.status_code, headers=kept)
