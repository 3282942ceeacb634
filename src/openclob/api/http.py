"""Small HTTP helpers shared by the route modules: JSON in, JSON out, query parameters."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from openclob.api.errors import PAYLOAD_TOO_LARGE, ApiError

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


def decode(body: bytes, kind: type[T], message: str) -> T:
    """Decode JSON `body` as `kind`, or raise 400 with `message`."""
    try:
        return msgspec.json.decode(body, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise ApiError(400, message) from None


def query(request: Request, name: str) -> str | None:
    """A query parameter, with empty meaning absent."""
    value = request.query_params.get(name)
    return value or None
