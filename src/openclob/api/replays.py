"""The admin routes of replays: start one from a recording on the server's disk, follow it, stop it.

POST answers once the recording is checked and its market listed (a bad recording gets a 400 naming the line
and the field, and nothing is created); the replay goes on in the background, and GET shows how far it is.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.admin import _authorized
from openclob.api.errors import ApiError
from openclob.api.http import decode, ok
from openclob.replay.driver import MAX_SPEED, Replay, ReplayRefused, Replays

NOT_FOUND = "replay not found"
MAX_PATH_CHARS = 4096


class NewReplay(msgspec.Struct, forbid_unknown_fields=True):
    """The body of POST /admin/replays."""

    path: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PATH_CHARS)]
    """A recording on the server's disk (relative to the server's working directory)."""
    speed: Annotated[float, msgspec.Meta(ge=0, le=MAX_SPEED)] = 0.0
    """1 is real time, 2 twice as fast; 0 as fast as possible."""


def _replays(request: Request) -> Replays:
    replays: Replays = request.app.state.replays
    return replays


def _replay(request: Request) -> Replay:
    text: str = request.path_params["id"]
    replay = _replays(request).replays.get(int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else None
    if replay is None:
        raise ApiError(404, NOT_FOUND)
    return replay


async def start_replay(request: Request) -> Response:
    """POST /admin/replays: check a recording, list its market, start replaying it."""
    _, body = await _authorized(request)
    spec = decode(body, NewReplay, "invalid replay: expected {path, speed?}", explain=True)
    if "\x00" in spec.path:
        raise ApiError(400, "invalid replay: path may not hold NUL characters")
    try:
        replay = await _replays(request).start(spec.path, spec.speed)
    except ReplayRefused as error:
        raise ApiError(400, f"invalid recording: {error}") from None
    return ok(msgspec.to_builtins(replay.view()))


async def list_replays(request: Request) -> Response:
    """GET /admin/replays: every replay, running or ended, oldest first."""
    await _authorized(request)
    return ok(msgspec.to_builtins([replay.view() for replay in _replays(request).replays.values()]))


async def get_replay(request: Request) -> Response:
    """GET /admin/replays/{id}: one replay's progress (`applied` of `messages`, `done`)."""
    await _authorized(request)
    return ok(msgspec.to_builtins(_replay(request).view()))


async def stop_replay(request: Request) -> Response:
    """DELETE /admin/replays/{id}: stop a replay and cancel the liquidity it rests."""
    await _authorized(request)
    replay = await _replays(request).stop(_replay(request).id)
    assert replay is not None
    return ok(msgspec.to_builtins(replay.view()))


ROUTES = [
    Route("/admin/replays", start_replay, methods=["POST"]),
    Route("/admin/replays", list_replays, methods=["GET"]),
    Route("/admin/replays/{id}", get_replay, methods=["GET"]),
    Route("/admin/replays/{id}", stop_replay, methods=["DELETE"]),
]
