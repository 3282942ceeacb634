"""The two WebSocket endpoints, /ws/market and /ws/user: the subscribe protocol and each socket's life.

A socket runs two tasks: a reader (subscribe and unsubscribe requests, the text keepalive `PING` ->
`PONG`, the idle timeout) and the hub's writer. Whichever ends first ends the socket; a close code and
reason are sent when the server ends it.

Choices where the reference is silent: a message that is not valid JSON of the expected shape (nested too
deep included), an unknown `type` or `operation`, or too many subscriptions closes the socket with 1008 and
the reason; a bug met while handling a message is logged and closes that socket alone with 1011;
bad user credentials close it with 1008 "Unauthorized: ..."; an idle socket is closed with 1000 "idle
timeout"; `asset_ids` is accepted as a spelling of `assets_ids`; unknown token ids are followed (they
start flowing once listed) but get no snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from openclob.json_limits import DECODE_ERRORS, MAX_JSON_DEPTH, too_deep
from openclob.ws.hub import Close, Hub, Subscriber, SubscriptionError

log = logging.getLogger("openclob.ws")

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
UNAUTHORIZED = "Unauthorized: invalid apiKey, secret or passphrase"
PING, PONG = "PING", "PONG"


class _Auth(msgspec.Struct):
    apiKey: str = ""  # the wire's spelling
    secret: str = ""
    passphrase: str = ""


class _Request(msgspec.Struct):
    type: str = ""
    operation: str = ""
    assets_ids: list[str] = msgspec.field(default_factory=list)
    asset_ids: list[str] = msgspec.field(default_factory=list)
    markets: list[str] = msgspec.field(default_factory=list)
    initial_dump: bool = True
    custom_feature_enabled: bool | None = None
    auth: _Auth | None = None


_decode = msgspec.json.Decoder(_Request).decode


class _Refused(Exception):
    """The client's message ends the socket: (code, reason)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.close = (code, reason)


Handler = Callable[[Hub, Subscriber, _Request], None]


def _market_request(hub: Hub, subscriber: Subscriber, request: _Request) -> None:
    assets = request.assets_ids or request.asset_ids
    operation = request.operation.lower()
    if operation in ("", "subscribe"):
        if not operation and request.type.lower() != "market":
            raise _Refused(CLOSE_POLICY, 'invalid message: expected {"type": "market", "assets_ids": [...]}')
        hub.subscribe_assets(subscriber, assets, request.initial_dump, request.custom_feature_enabled)
    elif operation == "unsubscribe":
        hub.unsubscribe_assets(subscriber, assets)
    else:
        raise _Refused(CLOSE_POLICY, f"invalid operation: {request.operation[:40]!r}")


def _user_request(hub: Hub, subscriber: Subscriber, request: _Request) -> None:
    operation = request.operation.lower()
    if subscriber.owner is None:
        if operation or request.type.lower() != "user" or request.auth is None:
            raise _Refused(CLOSE_POLICY, 'invalid message: expected {"type": "user", "auth": {...}, "markets": [...]}')
        auth = request.auth
        owner = hub.authenticate(auth.apiKey, auth.secret, auth.passphrase)
        if owner is None:
            raise _Refused(CLOSE_POLICY, UNAUTHORIZED)
        hub.subscribe_user(subscriber, owner, request.markets)
        hub.opened(subscriber)
    elif operation in ("", "subscribe"):
        hub.subscribe_user(subscriber, subscriber.owner, request.markets)
    elif operation == "unsubscribe":
        hub.unsubscribe_user(subscriber, request.markets)
    else:
        raise _Refused(CLOSE_POLICY, f"invalid operation: {request.operation[:40]!r}")


async def _read(websocket: WebSocket, hub: Hub, subscriber: Subscriber, handle: Handler) -> None:
    limits = hub.limits
    idle_seconds = limits.ws_idle_timeout_ms / 1000
    while True:
        try:
            async with asyncio.timeout(idle_seconds):
                message = await websocket.receive()
        except TimeoutError:
            subscriber.stop((CLOSE_NORMAL, f"idle timeout: nothing received for {limits.ws_idle_timeout_ms} ms"))
            return
        if message["type"] == "websocket.disconnect":
            subscriber.stop(None)
            return
        text = message.get("text")
        if text is None:
            data = message.get("bytes") or b""
            text = data.decode("utf-8", errors="replace")
        if len(text) > limits.ws_max_message_bytes:
            subscriber.stop((CLOSE_TOO_BIG, f"message too big: at most {limits.ws_max_message_bytes} bytes"))
            return
        if text.strip().upper() == PING:
            await websocket.send_text(PONG)
            continue
        data = text.encode()
        if too_deep(data):
            subscriber.stop((CLOSE_POLICY, f"invalid message: nested deeper than {MAX_JSON_DEPTH}"))
            return
        try:
            handle(hub, subscriber, _decode(data))
        except DECODE_ERRORS as error:
            subscriber.stop((CLOSE_POLICY, f"invalid message: {str(error)[:80]}"))
            return
        except SubscriptionError as error:
            subscriber.stop((CLOSE_POLICY, str(error)[:120]))
            return
        except _Refused as refused:
            subscriber.stop(refused.close)
            return
        except Exception:
            log.exception("unexpected error on a %s message", handle.__name__, extra={"event": "ws_message_failed"})
            subscriber.stop((CLOSE_INTERNAL, "internal error"))
            return


def _direct_writer(websocket: WebSocket) -> Callable[[bytes], bool] | None:
    """A way to write a ready-made frame straight to the connection, when the server is uvicorn's.

    ASGI makes every socket frame (and compress) each message itself; fanning one event out to a thousand
    sockets that way costs tens of microseconds per socket. uvicorn's websockets protocol object is the
    `receive` callable's owner: when it has the expected shape, frames shared by many sockets are written
    to its transport directly, and only while the transport is not applying back-pressure and the close
    handshake has not begun. Otherwise (another server, a paused transport) the queue and ASGI are used.
    """
    protocol: Any = getattr(websocket._receive, "__self__", None)
    transport: Any = getattr(protocol, "transport", None)
    writable = getattr(protocol, "writable", None)
    # uvloop's transports are not subclasses of asyncio's: check the methods used, not the class.
    if not callable(getattr(transport, "write", None)) or not callable(getattr(transport, "is_closing", None)):
        return None
    if not isinstance(writable, asyncio.Event):
        return None
    if not isinstance(getattr(protocol, "close_sent", None), bool):
        return None

    def write(frame: bytes) -> bool:
        if protocol.close_sent or not writable.is_set() or transport.is_closing():
            return False
        transport.write(frame)
        return True

    return write


def _aborter(websocket: WebSocket) -> Callable[[], None] | None:
    """A way to close the connection at once, without a close frame (a fault rule's), when the server is
    uvicorn's: its websockets protocol object (the `receive` callable's owner) has the transport to abort."""
    protocol: Any = getattr(websocket._receive, "__self__", None)
    transport: Any = getattr(protocol, "transport", None)
    abort = getattr(transport, "abort", None)
    return abort if callable(abort) else None


async def _serve(websocket: WebSocket, channel: str, handle: Handler) -> None:
    hub: Hub = websocket.app.state.hub
    await websocket.accept()
    subscriber = hub.connect(channel)
    subscriber.direct = _direct_writer(websocket)
    subscriber.abort = _aborter(websocket)
    if channel == "market":
        hub.opened(subscriber)
    writer = asyncio.create_task(subscriber.write(websocket.send_text))
    reader = asyncio.create_task(_read(websocket, hub, subscriber, handle))
    for task in (writer, reader):
        task.add_done_callback(lambda _: subscriber.stop(None))
    close: Close = await subscriber.stopped
    hub.disconnect(subscriber)
    for task in (writer, reader):
        task.cancel()
    await asyncio.gather(writer, reader, return_exceptions=True)
    if close is not None:
        # A peer that stopped reading may never take the close frame: bound the wait, then let it go.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(hub.limits.ws_close_timeout_ms / 1000):
                await websocket.close(*close)


async def market_socket(websocket: WebSocket) -> None:
    """/ws/market: public book, price and trade events of the tokens a client follows."""
    await _serve(websocket, "market", _market_request)


async def user_socket(websocket: WebSocket) -> None:
    """/ws/user: the authenticated user's own order and trade events."""
    await _serve(websocket, "user", _user_request)


ROUTES = [
    WebSocketRoute("/ws/market", market_socket),
    WebSocketRoute("/ws/user", user_socket),
]
