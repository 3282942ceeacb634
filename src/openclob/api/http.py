"""Small HTTP helpers shared by the route modules: JSON in, JSON out, query parameters."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from openclob.api.errors import ApiError

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
    """The raw request body (also for DELETE), refused past `max_bytes`."""
    body = await request.body()
    if len(body) > max_bytes:
        raise ApiError(413, "Payload too large")
    return body


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
