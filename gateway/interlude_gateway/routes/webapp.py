"""The web app under ``/app/``: its pages carry no data (the app calls the API with the client's token).

Every page gets a strict Content-Security-Policy: only this origin's scripts, styles and API;
images and media also from ``blob:`` (media the app fetched with its token).
"""

from werkzeug.wrappers import Response

from ..routing import RouteTable
from ..web import HttpProblem
from ..webapp import WebBundle

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
IMMUTABLE = "public, max-age=31536000, immutable"

routes = RouteTable()


@routes.http("GET", "/app/")
def web_app(web: WebBundle) -> Response:
    """The web app's start page."""
    return _served(web, "")


@routes.http("GET", "/app/<path:path>")
def web_app_file(path: str, web: WebBundle) -> Response:
    """A file of the web app's bundle, or its page for a client-side route."""
    return _served(web, path)


def _served(web: WebBundle, path: str) -> Response:
    found = web.file(path)
    if found is None:
        raise HttpProblem(404, "not_found", "No such file of the web app (is it built? make install).")
    response = Response(found.content, content_type=found.content_type)
    response.headers["Cache-Control"] = IMMUTABLE if found.immutable else "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if found.content_type.startswith("text/html"):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
