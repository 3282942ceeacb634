"""Frames on the link: a 4-byte big-endian length, then that many bytes of msgpack holding one message.

Messages are tagged with their class name (messages.py), so one decoder per direction reads any of them. A
frame longer than the reader allows, or bytes that do not decode to a message of that direction, are a
`FrameError`: the reader closes that connection and nothing else.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

import msgspec

from openclob.link.messages import EdgeMessage, SequencerMessage

HEADER_BYTES = 4
"""The length prefix of every frame."""

M = TypeVar("M")

_encoder = msgspec.msgpack.Encoder()
EDGE_MESSAGES: msgspec.msgpack.Decoder[EdgeMessage] = msgspec.msgpack.Decoder(EdgeMessage)
"""Decodes what an edge sends (the sequencer reads with it)."""
SEQUENCER_MESSAGES: msgspec.msgpack.Decoder[SequencerMessage] = msgspec.msgpack.Decoder(SequencerMessage)
"""Decodes what the sequencer sends (an edge reads with it)."""


class FrameError(Exception):
    """A frame too long, or not a message: the connection it came on is closed."""


def frame(message: EdgeMessage | SequencerMessage) -> bytes:
    """Encode one message as a frame (encode once, write the same bytes to every peer)."""
    payload = _encoder.encode(message)
    return len(payload).to_bytes(HEADER_BYTES, "big") + payload


class FrameReader(Generic[M]):
    """Reads the messages of one direction from a stream, each at most `max_bytes` long."""

    def __init__(self, reader: asyncio.StreamReader, decoder: msgspec.msgpack.Decoder[M], max_bytes: int) -> None:
        self._reader = reader
        self._decode = decoder.decode
        self._max_bytes = max_bytes

    async def read(self) -> M | None:
        """The next message; None at a clean end of the stream (between two frames).

        Raises `FrameError` for a frame too long or not a message, `asyncio.IncompleteReadError` for a stream
        that ends inside a frame, `ConnectionError` for a broken one."""
        try:
            header = await self._reader.readexactly(HEADER_BYTES)
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                return None
            raise
        length = int.from_bytes(header, "big")
        if length > self._max_bytes:
            raise FrameError(f"a frame of {length} bytes, more than the {self._max_bytes} allowed")
        payload = await self._reader.readexactly(length)
        try:
            message: M = self._decode(payload)
        except msgspec.DecodeError as exc:
            raise FrameError(f"a frame that is not a message: {exc}") from exc
        return message
