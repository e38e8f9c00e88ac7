"""Security headers on every response; CORS and caching for public, read-only resources."""

from __future__ import annotations

from flask import Flask, Response


def install_security_headers(app: Flask) -> None:
    """Add the headers that every page and API response carries."""

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'",
        )
        return response


def public_resource(response: Response, max_age: int) -> Response:
    """Mark a response as public data: any origin may read it, caches may keep it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


#: Served images (SVG above all, which browsers would run as documents) may load nothing.
IMAGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def public_image(response: Response, max_age: int, *, immutable: bool = False) -> Response:
    """A public image: readable by any origin, cacheable, inert if opened as a document.
    ``immutable``: the bytes at this URL never change (archived documents)."""
    public_resource(response, max_age)
    if immutable:
        response.headers["Cache-Control"] += ", immutable"
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    return response
