"""An edge's end of the link: submit commands to the sequencer and follow its durable batches.

`EdgeLink.connect` returns once the sequencer's `Joined` has arrived (`joined`: where the edge's read model
starts, see replica.py). From then on one task reads the frames in order: each `Durable` batch is handed to
every listener, then each `Answered` settles its submission, so a caller is answered only after every batch
before its answer (its own included) went through the listeners: an edge reads its own writes.

`submit` and `submit_many` behave as `Service`'s: the same receipts, the same exceptions (`Overloaded`,
`Recovering`, `ServiceUnavailable`). The frames a turn of the event loop sends go out in one write, and no
submission waits for another's answer. When the connection drops (or a listener raises: the read model can no
longer be trusted), every pending submission fails with `ServiceUnavailable`, later ones fail at once, and
`wait_closed` returns why; the edge's process should then stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from openclob.config import Limits
from openclob.core import Command
from openclob.edge_commands import ClockMoved, EdgeCommand, KeyCreated, Refused
from openclob.faults import Active
from openclob.link.frames import SEQUENCER_MESSAGES, FrameError, FrameReader, frame
from openclob.link.messages import (
    Answered,
    AnsweredEdge,
    Durable,
    EdgeMessage,
    FaultRules,
    FaultsFired,
    Joined,
    MetricsAsked,
    MetricsTold,
    Projected,
    SequencerMessage,
    Submit,
    SubmitEdge,
    Sync,
    Synced,
)
from openclob.metrics import Family
from openclob.service import INTERNAL_ERROR, Receipt, ServiceUnavailable

log = logging.getLogger("openclob.link")

BatchListener = Callable[[Durable], None]
"""Called with each durable batch, in journal order, before the answers that follow it."""


class EdgeLink:
    """A connection to the sequencer (make it with `connect`)."""

    def __init__(self, reader: FrameReader[SequencerMessage], writer: asyncio.StreamWriter, joined: Joined) -> None:
        self.joined = joined
        """Where the read model starts: the exchange's state as of `joined.sequence`, and the edge state."""
        self.listeners: list[BatchListener] = []
        """Add them right after `connect`, before the next await, so that they see every batch after `joined`."""
        self._frames = reader
        self._writer = writer
        self.follow_fault_rules: Callable[[list[Active]], dict[int, int]] | None = None
        """Takes the sequencer's fault rules, after `joined` and each time they change, and says how often each
        fired here as it did (ws/faults.py `SocketFaults.follow`)."""
        self.tell_metrics: Callable[[], list[Family]] | None = None
        """This edge's metric families, for the sequencer's GET /metrics (None: metrics off)."""
        self.projected: list[Callable[[int], None]] = []
        """Called with each `Projected` sequence: the query tables hold every journal entry up to it."""
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_sync: asyncio.Future[None] | None = None
        self._next_request_id = 1
        self._outgoing: list[bytes] = []
        self._closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._reading = asyncio.create_task(self._read(), name="openclob-edge-link")

    @classmethod
    async def connect(cls, path: str, limits: Limits | None = None) -> EdgeLink:
        """Connect to the sequencer at `path` and wait for its `Joined`.

        Raises `ServiceUnavailable` if it cannot be reached or does not start with a `Joined`."""
        max_bytes = (limits or Limits()).link_max_frame_bytes
        try:
            reader, writer = await asyncio.open_unix_connection(path)
        except OSError as exc:
            raise ServiceUnavailable(f"the sequencer at {path} cannot be reached: {exc}") from exc
        frames = FrameReader(reader, SEQUENCER_MESSAGES, max_bytes)
        try:
            first = await frames.read()
        except (FrameError, asyncio.IncompleteReadError, ConnectionError) as exc:
            writer.transport.abort()
            raise ServiceUnavailable(f"the sequencer at {path} did not answer: {exc}") from exc
        if not isinstance(first, Joined):
            writer.transport.abort()
            raise ServiceUnavailable(f"the sequencer at {path} did not start with its state")
        return cls(frames, writer, first)

    @property
    def connected(self) -> bool:
        """Whether the link is up (False for good once it dropped)."""
        return not self._closed.done()

    async def submit(self, command: Command) -> Receipt:
        """Apply `command` in the sequencer; return once durable (as `Service.submit`)."""
        return (await self.submit_many([command]))[0]

    async def submit_many(self, commands: list[Command]) -> list[Receipt]:
        """Apply several commands in this order; return once all are durable (as `Service.submit_many`)."""
        receipts: list[Receipt] = await self._answer_to(lambda request_id: Submit(request_id, commands))
        return receipts

    async def submit_edge(self, command: EdgeCommand) -> KeyCreated | ClockMoved | Refused | None:
        """Apply an edge command in the sequencer; return its result once durable (as `Service.submit_edge`)."""
        result: KeyCreated | ClockMoved | Refused | None = await self._answer_to(
            lambda request_id: SubmitEdge(request_id, command)
        )
        return result

    async def sync(self) -> None:
        """Return once this edge has taken in every batch the sequencer had published when this was called (one
        round trip; the calls of one turn of the event loop share it)."""
        if self._next_sync is None:
            self._next_sync = asyncio.ensure_future(self._answer_to(Sync))
            asyncio.get_running_loop().call_soon(self._sync_sent)
        await asyncio.shield(self._next_sync)

    async def _answer_to(self, request: Callable[[int], EdgeMessage]) -> Any:
        """Send `request` of a new request id and return the sequencer's answer to it (`_settle`)."""
        if self._closed.done():
            raise ServiceUnavailable(INTERNAL_ERROR)
        request_id = self._next_request_id
        self._next_request_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._send(frame(request(request_id)))
        try:
            return await future
        finally:
            self._pending.pop(request_id, None)

    def _sync_sent(self) -> None:
        self._next_sync = None  # a call from the next turn on needs a Sync of its own, sent after it

    async def wait_closed(self) -> str:
        """Wait until the link drops; return why."""
        return await asyncio.shield(self._closed)

    async def close(self) -> None:
        """Drop the link (pending submissions fail with `ServiceUnavailable`)."""
        self._lost("closed by the edge")
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reading

    def _send(self, data: bytes) -> None:
        if not self._outgoing:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outgoing.append(data)

    def _flush(self) -> None:
        frames, self._outgoing = self._outgoing, []
        if not self._closed.done():
            self._writer.writelines(frames)

    async def _read(self) -> None:
        reason = "the sequencer closed the link"
        try:
            while (message := await self._frames.read()) is not None:
                if isinstance(message, Durable):
                    for listener in self.listeners:
                        listener(message)
                elif isinstance(message, FaultRules):
                    fired = self.follow_fault_rules(message.rules) if self.follow_fault_rules else {}
                    if fired or message.request_id:
                        self._send(frame(FaultsFired(fired, message.request_id)))
                elif isinstance(message, MetricsAsked):
                    told = self.tell_metrics() if self.tell_metrics is not None else []
                    self._send(frame(MetricsTold(message.request_id, told)))
                elif isinstance(message, Projected):
                    for callback in self.projected:
                        callback(message.sequence)
                elif isinstance(message, Answered | AnsweredEdge | Synced):
                    self._settle(message)
                else:
                    raise FrameError(f"an unexpected {type(message).__name__}")
        except (FrameError, asyncio.IncompleteReadError, ConnectionError) as exc:
            reason = f"the link broke: {exc}"
        except Exception as exc:
            log.exception("following the sequencer's batches failed", extra={"event": "link_listener_failed"})
            reason = f"following the batches failed: {exc!r}"
        finally:
            self._lost(reason)

    def _settle(self, answer: Answered | AnsweredEdge | Synced) -> None:
        future = self._pending.get(answer.request_id)
        if future is None or future.done():
            return  # its caller was cancelled
        if isinstance(answer, Synced):
            future.set_result(None)
        elif answer.refusal is not None:
            future.set_exception(answer.refusal.error())
        else:
            future.set_result(answer.receipts if isinstance(answer, Answered) else answer.result)

    def _lost(self, reason: str) -> None:
        """The link is down for good: fail what waits, once."""
        if self._closed.done():
            return
        self._closed.set_result(reason)
        self._writer.transport.abort()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ServiceUnavailable(INTERNAL_ERROR))
        self._pending.clear()
