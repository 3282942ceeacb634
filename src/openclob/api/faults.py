"""Fault rules at the HTTP edge: the admin routes that set them, and what the HTTP kinds do to a request.

The rules themselves (model, matching, counting, draws) are in openclob/faults.py. `act` runs in place of
the usual handling when a rule fires on a request (api/app.py):

- `status`: the status with its body (default: Polymarket's) and nothing else; the request is not processed.
- `delay`: the request is processed normally, `delay_ms` later.
- `drop`: the request is read, not processed, and the connection is closed without an answer.
- `timeout_after_apply`: the request is processed and its answer thrown away once it is ready, which is only
  after its effects are durable (an order is placed, and may have matched); then, `delay_ms` later when given,
  the connection is closed without an answer.

Closing a connection: ASGI has no way to abort one. Under uvicorn the `receive` callable is bound to the
request's cycle, whose transport is aborted, and the cycle is marked disconnected (as uvicorn marks it when the
peer goes), so that uvicorn does not answer 500 for the app. Under another server (httpx's ASGITransport in
the in-process tests) `ConnectionDropped` is raised instead: the client sees that exception.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openclob.api.admin import _authorized
from openclob.api.errors import INTERNAL, NOT_READY, TOO_MANY_REQUESTS, ApiError
from openclob.api.http import JSONResponse, decode, ok
from openclob.core.rejects import MESSAGES, Reject
from openclob.faults import SOCKET_KINDS, Active, Faults, InvalidRule, Rule, TooManyRules, check, faultable

NOT_FOUND = "fault rule not found"

TRADING_DISABLED = MESSAGES[Reject.TRADING_DISABLED]

BLOCK_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8">
</head>
<body>
<div id="cf-wrapper">
<h1>Sorry, you have been blocked</h1>
<h2>You are unable to access this site</h2>
<p>This website is using a security service to protect itself from online attacks. The action you just
performed triggered the security solution.</p>
<p>Cloudflare Ray ID: <strong>0penc10bfa017000</strong> &bull; Performance &amp; security by Cloudflare</p>
</div>
</body>
</html>
"""
"""What a bot gets from a WAF instead of JSON (openclob's own page, in the shape of Cloudflare's block page)."""


class ConnectionDropped(Exception):
    """A fault closes the connection, and the server gives the app no way to (see the module)."""


class FaultRuleState(Rule, kw_only=True):
    """A rule as GET /admin/faults lists it (the listing puts `id` first)."""

    id: int
    fired: int
    """Times it has fired."""
    left: int | None = None
    """Firings left, when it has a `count`."""


def status_response(rule: Rule, retry_after_seconds: int) -> Response:
    """A `status` rule's answer: its body, or Polymarket's for that status."""
    status = rule.status or 500
    headers = {"Retry-After": str(retry_after_seconds)} if status in (425, 429) else None
    if rule.body is not None:
        return JSONResponse(rule.body, status_code=status, headers=headers)
    if status == 403:
        return Response(BLOCK_PAGE, status_code=403, media_type="text/html")
    message = {425: NOT_READY, 429: TOO_MANY_REQUESTS, 500: INTERNAL, 503: TRADING_DISABLED}.get(status)
    if message is None:
        message = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def fired(faults: Faults, scope: Scope) -> Rule | None:
    """The HTTP rule that fires on this request, if any."""
    path: str = scope["path"]
    if not faultable(path):
        return None
    address = None
    for name, value in scope["headers"]:
        if name == b"poly_address":
            address = value.decode("latin-1").lower()
            break
    return faults.http(scope["method"], path, address)


async def act(rule: Rule, scope: Scope, receive: Receive, send: Send, serve: ASGIApp, retry_after: int) -> None:
    """Answer a request on which `rule` fired; `serve` handles a request as usual."""
    kind = rule.kind
    if kind == "status":
        await status_response(rule, retry_after)(scope, receive, send)
    elif kind == "delay":
        await asyncio.sleep((rule.delay_ms or 0) / 1000)
        await serve(scope, receive, send)
    elif kind == "drop":
        await _drain(receive)
        close_connection(receive)
    else:  # timeout_after_apply

        async def discard(message: Message) -> None:
            pass

        await serve(scope, receive, discard)
        if rule.delay_ms:
            await asyncio.sleep(rule.delay_ms / 1000)
        close_connection(receive)


async def _drain(receive: Receive) -> None:
    """Read the rest of the request, unkept: a connection closed while its client still sends is reset (the
    client then reads a reset rather than the end of the stream, depending on timing)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def close_connection(receive: Receive) -> None:
    """Close the request's connection at once, without an answer (see the module)."""
    cycle: Any = getattr(receive, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    if callable(getattr(transport, "abort", None)) and isinstance(getattr(cycle, "disconnected", None), bool):
        transport.abort()
        cycle.disconnected = True
        return
    raise ConnectionDropped("a fault rule closed the connection without an answer")


# ---------------------------------------------------------------- admin routes


def _faults(request: Request) -> Faults:
    faults: Faults = request.app.faults
    return faults


async def add_fault(request: Request) -> Response:
    """POST /admin/faults: put a rule in force (WebSocket rules act on the open sockets at once)."""
    service, body = await _authorized(request)
    rule = decode(body, Rule, "invalid fault rule", explain=True)
    try:
        active = _faults(request).add(check(rule), service.now_ms())
    except InvalidRule as error:
        raise ApiError(400, f"invalid fault rule: {error}") from None
    except TooManyRules as error:
        raise ApiError(400, str(error)) from None
    if rule.kind in SOCKET_KINDS:
        request.app.state.socket_faults.added(active)
        followed = getattr(request.app.state, "fault_rules_followed", None)
        if followed is not None:  # --workers N: the sockets are the edges'; they report what the rule did
            await followed()
    return ok(active.view())


async def list_faults(request: Request) -> Response:
    """GET /admin/faults: the rules in force, in the order they act, with what each has left."""
    await _authorized(request)
    return ok([active.view() for active in _faults(request).rules()])


async def remove_fault(request: Request) -> Response:
    """DELETE /admin/faults/{id}: take one rule out of force."""
    await _authorized(request)
    text: str = request.path_params["id"]
    removed = _faults(request).remove(int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else None
    if removed is None:
        raise ApiError(404, NOT_FOUND)
    _ended(request, [removed])
    return ok(removed.view())


async def clear_faults(request: Request) -> Response:
    """DELETE /admin/faults: take every rule out of force."""
    await _authorized(request)
    removed = _faults(request).clear()
    _ended(request, removed)
    return ok([active.view() for active in removed])


def _ended(request: Request, removed: list[Active]) -> None:
    for active in removed:
        if active.rule.kind in SOCKET_KINDS:
            request.app.state.socket_faults.removed(active)


ROUTES = [
    Route("/admin/faults", add_fault, methods=["POST"]),
    Route("/admin/faults", list_faults, methods=["GET"]),
    Route("/admin/faults", clear_faults, methods=["DELETE"]),
    Route("/admin/faults/{id}", remove_fault, methods=["DELETE"]),
]
