"""The direct frame writer on the transports uvicorn really runs on."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import uvloop

from openclob.ws.routes import _direct_writer


class _UvicornLikeProtocol:
    """What `_direct_writer` reads from uvicorn's websockets protocol: transport, writable, close_sent."""

    def __init__(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.writable = asyncio.Event()
        self.writable.set()
        self.close_sent = False

    async def receive(self) -> dict[str, str]:
        return {"type": "websocket.receive"}


async def _direct_write_reaches_the_peer() -> tuple[bool, bool, bytes]:
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.put_nowait(await reader.readexactly(5))
        writer.close()

    server = await asyncio.start_server(peer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await asyncio.get_running_loop().create_connection(asyncio.Protocol, "127.0.0.1", port)
    try:
        protocol = _UvicornLikeProtocol(transport)
        write = _direct_writer(SimpleNamespace(_receive=protocol.receive))  # type: ignore[arg-type]
        if write is None:
            return False, False, b""
        sent = write(b"hello")
        data = await asyncio.wait_for(received.get(), 5)
        protocol.writable.clear()  # back-pressure: the frame must go through the queue instead
        refused = not write(b"later")
    finally:
        transport.close()
        server.close()
    return sent, refused, data


def test_uvloop_transports_get_frames_written_directly() -> None:
    loop = uvloop.new_event_loop()
    try:
        sent, refused, data = loop.run_until_complete(_direct_write_reaches_the_peer())
    finally:
        loop.close()
    assert sent and data == b"hello"
    assert refused
