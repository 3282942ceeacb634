"""The exchange clock under /admin/clock (openclob's own, for testing bots against time).

GET answers `{"now_ms", "frozen"}`. POST takes `{"advance_ms": N}` (forward only) and/or `{"freeze": bool}`
and answers the same shape once everything that fell due on the way (GTD expiries, lapsed heartbeats,
settlement steps) is applied and durable, in due order, with its events (service.py, `move_clock`), and the
simulations have acted up to the new time (simulation/manager.py).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.admin import _authorized
from openclob.api.errors import ApiError, from_refusal
from openclob.api.http import decode, ok
from openclob.core.bounds import MAX_CLOCK_MS
from openclob.edge_commands import Refused
from openclob.service import Service

CLOCK_CHANGE_EXPECTED = "invalid clock change: expected {advance_ms?, freeze?}"


class ClockChange(msgspec.Struct, forbid_unknown_fields=True):
    """The body of POST /admin/clock: at least one of the two."""

    advance_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_CLOCK_MS)] | None = None
    """How far to move the clock forward, in milliseconds."""
    freeze: bool | None = None
    """True stops the clock where it is (after the advance); false lets it run on from there."""


def _clock_json(service: Service) -> dict[str, object]:
    return {"now_ms": service.now_ms(), "frozen": service.clock.frozen}


async def get_clock(request: Request) -> Response:
    """GET /admin/clock: the exchange's time and whether it is frozen."""
    service, _ = await _authorized(request)
    return ok(_clock_json(service))


async def move_clock(request: Request) -> Response:
    """POST /admin/clock: move the exchange clock forward and/or freeze or unfreeze it."""
    service, body = await _authorized(request)
    change = decode(body, ClockChange, CLOCK_CHANGE_EXPECTED, explain=True)
    if change.advance_ms is None and change.freeze is None:
        raise ApiError(400, f"{CLOCK_CHANGE_EXPECTED} (got neither)")
    moved = await service.move_clock(change.advance_ms or 0, change.freeze)
    if isinstance(moved, Refused):
        raise from_refusal(moved)
    return ok({"now_ms": moved.now_ms, "frozen": moved.frozen})


ROUTES = [
    Route("/admin/clock", get_clock, methods=["GET"]),
    Route("/admin/clock", move_clock, methods=["POST"]),
]
