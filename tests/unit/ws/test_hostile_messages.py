"""A hostile subscription message closes its own socket with 1008 and a reason; the hub serves the others on."""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest

from openclob.ws.routes import _market_request, _read, _user_request
from tests.unit.ws.conftest import Harness

pytestmark = pytest.mark.anyio

DEEP = 20_000
"""Deep enough to crash a decoder that recursed (50,000 would pass the message size limit)."""


class _Socket:
    """What `_read` uses of a WebSocket: the client's messages, then a disconnect; what was sent back."""

    def __init__(self, *texts: str) -> None:
        self.messages = deque({"type": "websocket.receive", "text": text} for text in texts)
        self.sent: list[str] = []

    async def receive(self) -> dict[str, Any]:
        return self.messages.popleft() if self.messages else {"type": "websocket.disconnect"}

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"type": "market", "x": ' + "[" * DEEP + "]" * DEEP + "}", "invalid message: nested deeper than 16"),
        (
            '{"type": "market", "x": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}",
            "invalid message: nested deeper than 16",
        ),
        ('{"type": "market", "initial_dump": 1' + "0" * 5_000 + "}", "invalid message: Number out of range"),
        ('{"type": "market", "assets_ids": [' + "1" * 5_000 + "]}", "invalid message: Number out of range"),
        ('{"type": "market", "assets_ids": ["\\ud800"]}', "invalid message: "),
    ],
)
async def test_a_hostile_market_message_closes_the_socket_with_1008(harness: Harness, text: str, reason: str) -> None:
    subscriber = harness.hub.connect()
    await _read(_Socket(text), harness.hub, subscriber, _market_request)  # type: ignore[arg-type]
    code, said = subscriber.stopped.result()  # type: ignore[misc]
    assert code == 1008 and said.startswith(reason), said
    harness.hub.disconnect(subscriber)

    other = harness.hub.connect()
    await _read(_Socket('{"type": "market", "assets_ids": ["1"]}', "PING"), harness.hub, other, _market_request)  # type: ignore[arg-type]
    assert other.assets == {"1": None} and other.stopped.result() is None


async def test_a_user_message_nested_20000_deep_closes_the_socket_with_1008(harness: Harness) -> None:
    text = '{"type": "user", "auth": {"apiKey": ' + "[" * DEEP + "]" * DEEP + "}}"
    subscriber = harness.hub.connect()
    await _read(_Socket(text), harness.hub, subscriber, _user_request)  # type: ignore[arg-type]
    assert subscriber.stopped.result() == (1008, "invalid message: nested deeper than 16")


async def test_an_unexpected_error_closes_only_that_socket_with_1011(harness: Harness) -> None:
    def broken(*_: Any) -> None:
        raise KeyError("a bug")

    subscriber = harness.hub.connect()
    await _read(_Socket('{"type": "market"}'), harness.hub, subscriber, broken)  # type: ignore[arg-type]
    assert subscriber.stopped.result() == (1011, "internal error")
