"""The sequencer's end of the link: it serves the edges on a unix socket, in front of one `Service`.

Each edge that connects is sent a `Joined` (the exchange and the edge state, taken when memory holds only
what is durable), then every durable batch after it as `Durable`, in journal order: the Service calls this
link as a listener once per batch, the batch is encoded once and the same bytes go to every edge. Each
`Submit` an edge sends becomes one `Service.submit_many` in a task of its own, so the submissions of all the
edges share batches; its `Answered` goes back when it returns. The Service publishes a batch before the
callers it answered resume, so the `Durable` of a batch always precedes the `Answered` of its commands.

Writes to an edge are gathered for one turn of the event loop and written together. The sequencer never
waits for an edge: past `link_edge_buffer_max_bytes` of unsent frames, the edge is disconnected. Waiting
would stall the one writer of the exchange for every edge, and buffering without bound would let one stuck
edge take the sequencer's memory; a disconnected edge restarts from a fresh `Joined`. An edge that goes away
is forgotten; its submissions still run to the end in the Service (durable or not regardless), their
answers dropped. A frame that is too long or not a message closes only the connection it came on.

The edges see exactly the batches the Service hands its listeners; today that is every batch with journal
entries, market words or killed orders, so a batch of other edge rows alone (an API key, a wallet link, a
rate-limit tier, the clock) reaches a replica only through the `Joined` of an edge that connects later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable

import msgspec

from openclob.config import Limits
from openclob.core import Applied
from openclob.core.snapshot import export_state, known_orders
from openclob.faults import Active, Faults
from openclob.link.frames import EDGE_MESSAGES, FrameError, FrameReader, frame
from openclob.link.messages import (
    Answered,
    AnsweredEdge,
    Durable,
    FaultRules,
    FaultsFired,
    Joined,
    MetricsAsked,
    MetricsTold,
    Projected,
    Refusal,
    RefusalKind,
    SequencerMessage,
    Submit,
    SubmitEdge,
    Sync,
    Synced,
)
from openclob.metrics import Family
from openclob.service import INTERNAL_ERROR, Receipt, Service, ServiceUnavailable
from openclob.store.base import Batch, Journalled
from openclob.store.records import RateLimitTierRecord

log = logging.getLogger("openclob.link")


class _Edge:
    """One connected edge: its stream and the frames gathered for its next write."""

    def __init__(self, writer: asyncio.StreamWriter, max_buffer_bytes: int) -> None:
        self.writer = writer
        self.connected = True
        self._pending: list[bytes] = []
        self._max_buffer_bytes = max_buffer_bytes

    def send(self, data: bytes) -> None:
        """Queue a frame; all those queued in this turn of the event loop are written at its end, together."""
        if not self.connected:
            return
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(data)

    def allow(self, extra_bytes: int) -> None:
        """Let the buffer hold `extra_bytes` more before the edge counts as slow (the snapshot it starts from)."""
        self._max_buffer_bytes += extra_bytes

    def _flush(self) -> None:
        frames, self._pending = self._pending, []
        if not self.connected:
            return
        self.writer.writelines(frames)
        buffered = self.writer.transport.get_write_buffer_size()
        if buffered > self._max_buffer_bytes:
            log.warning(
                "an edge is %d bytes behind, more than %d: disconnecting it",
                buffered,
                self._max_buffer_bytes,
                extra={"event": "link_edge_too_slow"},
            )
            self.disconnect()

    def disconnect(self) -> None:
        """Drop the connection now, discarding what it has not sent."""
        self.connected = False
        self.writer.transport.abort()


class _Round:
    """One question to the edges connected when it was asked: their answers, until each answered or left."""

    def __init__(self, edges: set[_Edge]) -> None:
        self.waiting = set(edges)
        self.answers: list[list[Family] | None] = []
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settle()

    def answered(self, edge: _Edge, answer: list[Family] | None) -> None:
        """`edge` answered (once: a second answer is ignored)."""
        if edge in self.waiting:
            self.waiting.discard(edge)
            self.answers.append(answer)
            self._settle()

    def left(self, edge: _Edge) -> None:
        """`edge` went away: the round no longer waits for it."""
        self.waiting.discard(edge)
        self._settle()

    def _settle(self) -> None:
        if not self.waiting and not self.done.done():
            self.done.set_result(None)


class SequencerLink:
    """Serves the edges on the unix socket `path` for `service` (start it once the service has started)."""

    def __init__(self, service: Service, path: str, limits: Limits | None = None, faults: Faults | None = None) -> None:
        self.service = service
        self.faults = faults
        """The operator's fault rules, which the edges follow (None: no rules)."""
        self.path = path
        self.limits = limits or service.settings.limits
        self._edges: set[_Edge] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._rounds: dict[int, _Round] = {}
        """Questions to every edge waiting for their answers (`_ask`), by request id."""
        self._next_round = 1

    @property
    def edges(self) -> int:
        """How many edges are connected and following the batches."""
        return len(self._edges)

    async def start(self) -> None:
        """Listen on the socket (readable and writable by this user only) and follow the service's batches."""
        self._server = await asyncio.start_unix_server(self._serve, self.path)
        os.chmod(self.path, 0o600)  # the edge state it sends holds API secrets
        self.service.listeners.append(self._publish)
        self.service.on_projected.append(self._projected)
        if self.faults is not None:
            self.faults.on_change.append(self._fault_rules)

    async def stop(self) -> None:
        """Stop listening, disconnect every edge and cancel the submissions still waiting for an answer."""
        if self._publish in self.service.listeners:
            self.service.listeners.remove(self._publish)
        if self._projected in self.service.on_projected:
            self.service.on_projected.remove(self._projected)
        if self.faults is not None and self._fault_rules in self.faults.on_change:
            self.faults.on_change.remove(self._fault_rules)
        if self._server is not None:
            self._server.close()
        for edge in list(self._edges):
            edge.disconnect()
        self._edges.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def _publish(self, entries: list[Journalled], batch: Batch) -> None:
        """The service's listener: send a durable batch to every edge."""
        if not self._edges:
            return
        lean = [Journalled(sequence=e.sequence, command=e.command, events=[]) for e in entries]
        data = frame(Durable(msgspec.structs.replace(batch, entries=lean), [len(e.events) for e in entries]))
        for edge in self._edges:
            edge.send(data)

    def _projected(self, sequence: int) -> None:
        """The service's projection hook: tell every edge how far the query tables go."""
        if not self._edges:
            return
        data = frame(Projected(sequence))
        for edge in self._edges:
            edge.send(data)

    def _fault_rules(self, rules: list[Active]) -> None:
        """The fault rules' hook: every edge follows them."""
        data = frame(FaultRules(rules))
        for edge in self._edges:
            edge.send(data)

    async def fault_rules_followed(self, timeout_s: float = 2.0) -> None:
        """Return once every edge connected now has taken in the fault rules in force and reported how often the
        new ones fired on its sockets (counted into the rules), or after `timeout_s`."""
        if self.faults is not None:
            rules = self.faults.rules()
            await self._ask(lambda request_id: FaultRules(rules, request_id), "its fault rules", timeout_s)

    async def edge_metrics(self, timeout_s: float = 2.0) -> list[list[Family]]:
        """Every connected edge's metric families (those that answer within `timeout_s`)."""
        told = await self._ask(MetricsAsked, "its metrics", timeout_s)
        return [families for families in told if families is not None]

    async def _ask(
        self, question: Callable[[int], SequencerMessage], what: str, timeout_s: float
    ) -> list[list[Family] | None]:
        """Send every edge connected now the `question` of a new request id; return their answers, once each
        answered or left, or after `timeout_s` (`what` names what is late in the log)."""
        request_id = self._next_round
        self._next_round += 1
        asked = self._rounds[request_id] = _Round(self._edges)
        data = frame(question(request_id))
        for edge in asked.waiting:
            edge.send(data)
        try:
            await asyncio.wait_for(asked.done, timeout_s)
        except TimeoutError:
            log.warning("an edge did not send %s in time", what, extra={"event": "link_edge_late"})
        finally:
            del self._rounds[request_id]
        return asked.answers

    def _told(self, edge: _Edge, answer: MetricsTold) -> None:
        if (asked := self._rounds.get(answer.request_id)) is not None:
            asked.answered(edge, answer.families)

    def _fired(self, edge: _Edge, report: FaultsFired) -> None:
        """An edge's report of firings on its sockets: count them, and answer its round if it has one."""
        if self.faults is not None:
            for rule_id, times in report.fired.items():
                self.faults.count_firings(rule_id, times)
        if (asked := self._rounds.get(report.request_id)) is not None:
            asked.answered(edge, None)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        edge = _Edge(writer, self.limits.link_edge_buffer_max_bytes)
        frames = FrameReader(reader, EDGE_MESSAGES, self.limits.link_max_submit_bytes)
        try:
            await self._join(edge)
            while (message := await frames.read()) is not None:
                if isinstance(message, FaultsFired):
                    self._fired(edge, message)
                    continue
                if isinstance(message, MetricsTold):
                    self._told(edge, message)
                    continue
                if isinstance(message, Sync):
                    edge.send(frame(Synced(message.request_id)))  # after the batches already sent its way
                    continue
                if isinstance(message, Submit):
                    task = asyncio.create_task(self._answer(edge, message))
                else:
                    task = asyncio.create_task(self._answer_edge(edge, message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except FrameError as exc:
            log.warning("closing an edge that sent %s", exc, extra={"event": "link_bad_frame"})
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the edge went away
        except ServiceUnavailable:
            pass  # the service halted while the edge joined: there is nothing to follow
        except Exception:
            log.exception("serving an edge failed; disconnecting it", extra={"event": "link_edge_failed"})
        finally:
            self._edges.discard(edge)
            edge.disconnect()
            for asked in self._rounds.values():  # no round waits for an edge that left
                asked.left(edge)

    async def _join(self, edge: _Edge) -> None:
        """Send the edge where it starts, then every batch after it (nothing runs between the two)."""
        service = self.service
        await service.durable()
        edge_state = service.edge
        joined = Joined(
            sequence=service.sequence,
            state=export_state(service.exchange),
            known_orders=known_orders(service.exchange),
            clock=service.clock.record(),
            clock_ms=service.clock.last_ms,
            api_keys=list(edge_state.api_keys.values()),
            wallet_links=list(edge_state.wallet_links.values()),
            market_infos=list(edge_state.market_infos.values()),
            rate_limit_tiers=[
                RateLimitTierRecord(address=address, tier=tier) for address, tier in edge_state.rate_limit_tiers.items()
            ],
        )
        data = frame(joined)
        edge.allow(len(data))
        edge.send(data)
        if self.faults is not None:
            edge.send(frame(FaultRules(self.faults.rules())))
        self._edges.add(edge)

    async def _answer(self, edge: _Edge, submit: Submit) -> None:
        """Submit an edge's commands and send it their receipts, or why none was applied."""
        try:
            receipts = await self.service.submit_many(submit.commands)
            answer = Answered(submit.request_id, receipts=[_without_events(receipt) for receipt in receipts])
        except Exception as error:
            answer = Answered(submit.request_id, refusal=_refusal(error, "a submission from an edge failed"))
        edge.send(frame(answer))

    async def _answer_edge(self, edge: _Edge, submit: SubmitEdge) -> None:
        """Apply an edge's edge command and send it the result, or why it was not applied."""
        try:
            answer = AnsweredEdge(submit.request_id, result=await self.service.submit_edge_command(submit.command))
        except Exception as error:
            answer = AnsweredEdge(submit.request_id, refusal=_refusal(error, "an edge command from an edge failed"))
        edge.send(frame(answer))


def _without_events(receipt: Receipt) -> Receipt:
    """A receipt as an edge gets it: its events went to every edge with the batch (`Durable`)."""
    applied = receipt.applied
    return Receipt(Applied(applied.result, []), receipt.settlement_reference) if applied.events else receipt


def _refusal(error: Exception, failed: str) -> Refusal:
    """Why the service applied nothing, as the edge raises it again; an unexpected error is logged (`failed`) and
    refused as unavailable."""
    refusal = Refusal.of(error)
    if refusal is None:
        log.exception(failed, extra={"event": "link_submit_failed"}, exc_info=error)
        refusal = Refusal(RefusalKind.UNAVAILABLE, INTERNAL_ERROR)
    return refusal
