"""The web console at /console: a few static files, shipped in the package and served from memory.

Why this front end: the console is a no-build, vanilla ES-modules app (one module per page, one small module
for the API and the WebSocket, hand-written SVG charts). Every current browser loads ES modules as they are,
so there is no npm, no bundler and no vendored framework to keep up to date, nothing to build in CI, and the
whole console is a few hundred lines anyone can read. It talks only to this server's own public and admin API
and its /ws/market channel, so it needs no network access and no route of its own beyond these files.

The files are read once, when the app is built, from the package's `console` folder (package data). While
the service recovers they are served all the same (the gate in app.py lets /console through): they are
static, and the page then shows the API's 425 itself.
"""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.errors import ApiError

PREFIX = "/console"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    # The console loads nothing from elsewhere and runs no inline script.
    "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:",
}


def _load() -> dict[str, tuple[bytes, str]]:
    """Every file of the console by name, with its media type."""
    folder = resources.files("openclob") / "console"
    files: dict[str, tuple[bytes, str]] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and suffix in MEDIA_TYPES:
            files[entry.name] = (entry.read_bytes(), MEDIA_TYPES[suffix])
    return files


FILES = _load()


def is_console(path: str) -> bool:
    """Whether a request path is the console's."""
    return path == PREFIX or path.startswith(PREFIX + "/")


async def index(request: Request) -> Response:
    """GET /console: the console's page (its pages are routed in the browser, after `#`)."""
    content, media_type = FILES["index.html"]
    return Response(content, media_type=media_type, headers=HEADERS)


async def asset(request: Request) -> Response:
    """GET /console/{name}: one of the console's files (scripts, style sheet)."""
    found = FILES.get(request.path_params["name"])
    if found is None:
        raise ApiError(404, "not found")
    content, media_type = found
    return Response(content, media_type=media_type, headers=HEADERS)


ROUTES = [
    Route(PREFIX, index, methods=["GET"]),
    Route(PREFIX + "/{name}", asset, methods=["GET"]),
]
