"""Small HTTP helpers shared by the route modules: JSON in, JSON out, query parameters, wire integers.

Everything that comes off the wire is refused with the route's 400 rather than raising: a body that is not
the expected JSON (malformed, of the wrong shape, nested too deep, with an integer past msgspec's range),
and an integer that is not plain ASCII digits or lies beyond what the exchange and its stores hold
(`core.bounds`). `int()` is never given unchecked text: it takes other scripts' digits ("١٢"), signs,
spaces and underscores, and raises past 4,300 digits.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from openclob.api.errors import PAYLOAD_TOO_LARGE, ApiError
from openclob.core.bounds import MAX_TIME_MS
from openclob.json_limits import DECODE_ERRORS, too_deep

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


class JSONResponse(Response):
    """A JSON response encoded with msgspec (compact, no trailing newline)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(content)


def ok(content: Any) -> JSONResponse:
    """A 200 response: every success is exactly 200 (py-clob-client treats anything else as an error)."""
    return JSONResponse(content)


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw request body (also for DELETE), refused with 413 past `max_bytes` while it streams in.

    A declared Content-Length over the limit is refused before a byte of the body is read; a chunked body as
    soon as it passes the limit. The refusal closes the connection, so the rest is never read either.
    """
    declared = request.headers.get("content-length")
    if declared is not None and not (
        declared.isascii() and declared.isdigit() and len(declared) <= 19 and int(declared) <= max_bytes
    ):
        raise _too_large()  # (the HTTP parser refuses a malformed Content-Length before this)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large()
        chunks.append(chunk)
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    request._body = body  # what Starlette's request.body() would have kept
    return body


def _too_large() -> ApiError:
    return ApiError(413, PAYLOAD_TOO_LARGE, headers={"Connection": "close"})


def decode(body: bytes | msgspec.Raw, kind: type[T], message: str, *, explain: bool = False) -> T:
    """Decode JSON `body` as `kind`, or raise 400 with `message` (followed by msgspec's reason if `explain`)."""
    if too_deep(body if isinstance(body, bytes) else bytes(body)):
        raise ApiError(400, message)
    try:
        return msgspec.json.decode(body, type=kind)
    except DECODE_ERRORS as error:
        if explain and isinstance(error, msgspec.ValidationError):
            raise ApiError(400, f"{message}: {error}") from None
        raise ApiError(400, message) from None


def query(request: Request, name: str) -> str | None:
    """A query parameter, with empty meaning absent."""
    value = request.query_params.get(name)
    return value or None


def query_matching(request: Request, name: str, pattern: re.Pattern[str], message: str) -> str | None:
    """A query parameter that must match `pattern` whole (None if absent); 400 with `message` if it does not.

    Filters reach the stores' queries: a checked shape keeps out what PostgreSQL cannot compare (NUL).
    """
    text = query(request, name)
    if text is not None and not pattern.fullmatch(text):
        raise ApiError(400, message)
    return text


def parse_uint(text: str | None, max_value: int) -> int | None:
    """`text` as an integer of ASCII digits from 0 to `max_value`, else None (`int()` sees bounded text only)."""
    if text is None or not 0 < len(text) <= len(str(max_value)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= max_value else None


def query_seconds_ms(request: Request, name: str, message: str) -> int | None:
    """A query parameter in unix seconds, as milliseconds (None if absent); 400 with `message` if it is not one."""
    text = query(request, name)
    if text is None:
        return None
    seconds = parse_uint(text, MAX_TIME_MS // 1000)
    if seconds is None:
        raise ApiError(400, message)
    return seconds * 1000
