"""The sequencer: the one place where commands meet the core, the store and the feeds.

Requests from the edge become `Submission`s on one queue. A single task takes everything queued (up to a
batch limit), stamps each command with the time, applies it to the core, collects what must be stored,
and writes the batch's journal entries to the store in ONE transaction on a writer thread (group commit:
one fsync for the whole batch). Only when that write returns are the callers answered and the events
published, so nothing is acknowledged before it is durable. The batch's query-table rows (its projection)
are written next, or, while more submissions wait, in the next batch's own transaction; a read waits until
the projection has caught up with every command applied when it was asked, so a client always reads its own
acknowledged changes. Memory is read only when it holds nothing that is not durable (`durable`): from a
batch's apply until its write returns, reads of the exchange and the edge state wait, so no client is ever
shown a change that a failed write takes back. If a write
fails, every caller in the batch gets an error and the exchange is rebuilt from the store before anything
else is done, so memory is never ahead of the store; if the store cannot even be read, the service
refuses everything and the server stops.

Recovery starts from the latest snapshot of the exchange (core/snapshot.py) and replays only the journal
after it. The sequencer stores a snapshot every `snapshot_interval_commands` journal entries (encoded
between batches, written on the writer thread after the batch it follows), after a long replay, and on a
clean stop.

Changes to the edge's own data that need the same ordering and durability (API keys, wallet links, market
words, notifications, the clock) are typed edge commands (edge_commands.py): the sequencer checks them against
its own key table and adds their rows to the batch. The edge's read model (`edge`, edge_state.py) takes in
those rows once the batch is durable, before its callers are answered.

Time is the exchange clock's (exchange_clock.py). A clock task sends a time advance every second (expiries and
heartbeats fall due on it) and a timer sends one when the next trade settlement step is due (core/settlement.py).
Moving the clock (`move_clock`, POST /admin/clock) happens inside the sequencer: it applies a time advance at
each due time on the way, in order, so every expiry, lapsed heartbeat and settlement step gets its own time and
its events, then sets the clock, and answers once all of it is durable. At start the server's settlement flags
are journalled (`ConfigureSettlement`) when they differ from the exchange's, so replay never depends on flags.

The sequencer cannot die silently. Any exception while a batch is applied, journalled or projected fails that
batch's callers (500), is logged, and the exchange is rebuilt from the store, so memory always equals what is
durable; a snapshot that cannot be taken or stored is only logged. If the sequencer task ends for any other
reason, or the store cannot be read back, the service halts: it refuses everything, reports it (`status`), and
asks the process to stop. The queue is bounded: past `max_queued_commands`, submissions are refused at once
with `Overloaded` (503 with Retry-After) rather than waiting without bound; before recovery is done they are
refused with `Recovering` (425, as Polymarket's restarting engine answers).

With metrics on (`metrics`, metrics.py), the sequencer times each journal write, counts the store calls that
fail, and counts each durable batch (its size, the orders accepted and refused, trades, cancels) once its
callers are answered: one call a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import msgspec

from openclob.config import CLOCK_MODES, Settings
from openclob.core import (
    AdvanceTime,
    Applied,
    Command,
    ConfigureSettlement,
    Exchange,
    Heartbeat,
    PlaceOrder,
    ProceedsAvailableAt,
    Reject,
    Rejected,
)
from openclob.core.bounds import MAX_CLOCK_MS, MAX_SETTLEMENT_DELAY_MS
from openclob.core.snapshot import SNAPSHOT_FORMAT, SnapshotMismatch, decode_state, export_state, restore
from openclob.crypto import keccak256
from openclob.edge_commands import (
    ClockMoved,
    DeleteReadonlyKey,
    EdgeCommand,
    KeyCommand,
    KeyCreated,
    MoveClock,
    PlainCommand,
    PruneNotifications,
    Refusal,
    Refused,
    StoreClock,
    handle,
)
from openclob.edge_state import EdgeState, KeyTable
from openclob.exchange_clock import ExchangeClock, wall_clock_ms
from openclob.metrics import Metrics
from openclob.store.base import Batch, Journalled, SnapshotStore, Store, StoredSnapshot, StoreError
from openclob.store.records import ClockRecord

log = logging.getLogger("openclob.service")
KILLED_REJECTS = frozenset({Reject.FOK_NOT_FILLED, Reject.FAK_NO_MATCH})
"""Refusals the user channel reports as a CANCELLATION, as Polymarket reports a killed FOK."""
T = TypeVar("T")
INTERNAL_ERROR = "Internal server error"

Listener = Callable[[list[Journalled], Batch], None]
"""Called with each durable batch's entries, in order, on the event loop."""


class Receipt(msgspec.Struct, frozen=True):
    """A durable command's outcome and the settlement reference of the batch that stored it."""

    applied: Applied
    settlement_reference: str


class ServiceUnavailable(Exception):
    """The store failed, or the service halted; the request was not applied."""


class Overloaded(Exception):
    """The sequencer's queue is full; the request was not applied (503 with Retry-After)."""


class Recovering(Exception):
    """The service is still recovering its state from the store; the request was not applied (425)."""


class Status(enum.Enum):
    """Where the service is in its life; only READY applies submissions from the edge."""

    RECOVERING = "recovering"
    """Rebuilding the exchange from the store at start."""
    READY = "ready"
    HALTED = "halted"
    """Stopped for good on a failure it could not recover from (the store is unreadable, the sequencer died)."""
    STOPPING = "stopping"


def terminate_process() -> None:
    """Ask this process to shut down (as SIGTERM does): the server stops rather than serve a state it lost."""
    os.kill(os.getpid(), signal.SIGTERM)


@dataclass(slots=True)
class _Submission:
    command: Command | None
    edge_command: EdgeCommand | None
    future: asyncio.Future[Any]


class Service:
    """Owns the exchange, the store and the listeners; serializes every change."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], int] = wall_clock_ms) -> None:
        _check_time_settings(settings)
        self.store = store
        self.settings = settings
        self.exchange = Exchange()
        self.edge = EdgeState()
        """The edge's read model: what durable batches made of keys, wallet links, market words and tiers."""
        self._keys = KeyTable()
        """The keys as the sequencer has applied them, durable or not: what edge commands are checked against."""
        self.listeners: list[Listener] = []
        self.on_ready: list[Callable[[], Awaitable[None]]] = []
        """Run once after recovery, in order, as the service starts to serve."""
        self.on_projected: list[Callable[[int], None]] = []
        """Called with the sequence the query tables hold every journal entry up to, each time it moves on."""
        self.on_clock_moved: list[Callable[[], Awaitable[None]]] = []
        """Run, in order, after each `move_clock` and before it answers (simulations catch up on it)."""
        self.clock = ExchangeClock(clock)
        """The exchange's time; `clock` is the host's wall clock under it."""
        self._sequence = 0
        self._queue: asyncio.Queue[_Submission | None] = asyncio.Queue()
        """Submissions in order; None asks the sequencer to stop once what came before it is done."""
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openclob-writer")
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="openclob-reader")
        self._sequencer: asyncio.Task[None] | None = None
        self._clock_task: asyncio.Task[None] | None = None
        self._settlement_timer: asyncio.TimerHandle | None = None
        self._settlement_timer_ms = 0
        """When the armed settlement timer is due (exchange time)."""
        self.status = Status.RECOVERING
        self.failure: str | None = None
        """Why the service halted, in one line (None while it has not)."""
        self.on_fatal: Callable[[], None] = terminate_process
        """Called once when the service halts: the process stops rather than serve a state it lost."""
        self._stopped = False
        self._snapshot_sequence = 0
        """The journal sequence of the latest snapshot stored or asked for."""
        self._projected_sequence = 0
        """Every journal entry up to this one is in the query tables."""
        self._ahead_of_store = False
        """Memory holds a batch whose write has not returned (or failed, until memory is rebuilt)."""
        self._durable_waiters: list[asyncio.Future[None]] = []
        """Reads of memory waiting until it holds only what is durable (`durable`)."""
        self._deferred_projections: list[Batch] = []
        """Durable batches whose projection is to be written with the next batch's journal (`_sequence_batch`)."""
        self._projection_waiters: list[tuple[int, asyncio.Future[None]]] = []
        """Reads waiting for the projection to reach a sequence."""
        self.metrics: Metrics | None = None
        """Where batches, commits and store errors are counted (None: not counted; metrics.py)."""

    @property
    def ready(self) -> bool:
        """Whether the service applies submissions from the edge."""
        return self.status is Status.READY

    @property
    def _stop_timeout_s(self) -> float:
        return self.settings.limits.stop_timeout_ms / 1000

    @property
    def sequencer_running(self) -> bool:
        """Whether the sequencer task is alive."""
        return self._sequencer is not None and not self._sequencer.done()

    @property
    def queued_commands(self) -> int:
        """Submissions waiting for the sequencer."""
        return self._queue.qsize()

    @property
    def sequence(self) -> int:
        """The journal sequence of the last command applied."""
        return self._sequence

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Recover the state from the store, then start sequencing. Nothing is served before this returns.

        If the store cannot be read, the service halts (`failure` says why) and the error is raised.
        """
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer, self.store.open)
            await loop.run_in_executor(self._writer, self._recover)
        except Exception as error:
            self._halt(f"recovering the exchange from the store failed: {_one_line(error)}", stop_process=False)
            raise
        clock_change = self._configure_clock()
        self._sequencer = asyncio.create_task(self._run(), name="openclob-sequencer")
        self._sequencer.add_done_callback(self._sequencer_ended)
        self._clock_task = asyncio.create_task(self._advance_time(), name="openclob-clock")
        if clock_change is not None:
            await self._enqueue_internal(None, StoreClock(record=clock_change))
        await self._configure_settlement()
        await self._renew_heartbeats()
        if self.status is Status.RECOVERING:
            self.status = Status.READY
        self._arm_settlement_timer()
        for hook in self.on_ready:
            await hook()

    async def stop(self) -> None:
        """Finish the submissions already queued, stop sequencing and close the store (once).

        It never waits without bound: a sequencer still busy after `stop_timeout_ms` is cancelled, and its
        unanswered callers get `ServiceUnavailable`.
        """
        if self._stopped:
            return
        self._stopped = True
        halted = self.status is Status.HALTED
        if not halted:
            self.status = Status.STOPPING
        tasks = [task for task in (self._sequencer, self._clock_task) if task is not None]
        if self._clock_task is not None:
            self._clock_task.cancel()
        if self._settlement_timer is not None:
            self._settlement_timer.cancel()
        if self._sequencer is not None and not self._sequencer.done():
            self._queue.put_nowait(None)  # a batch is finished, projection included, before the sequencer stops
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._sequencer), self._stop_timeout_s)
            self._sequencer.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._fail_queued(ServiceUnavailable(INTERNAL_ERROR))
        self._fail_readers(ServiceUnavailable(INTERNAL_ERROR))
        if not halted:
            await self._on_writer_at_stop(self._snapshot_at_stop)
        await self._on_writer_at_stop(self.store.close)
        self._writer.shutdown(wait=False)
        self._readers.shutdown(wait=False)

    async def _on_writer_at_stop(self, work: Callable[[], None]) -> None:
        """Run `work` on the writer thread, waiting at most `stop_timeout_ms`: a store call stuck on that thread
        (a hung disk, an unanswering database) must not keep the process from stopping."""
        future = asyncio.get_running_loop().run_in_executor(self._writer, work)
        try:
            await asyncio.wait_for(future, self._stop_timeout_s)
        except TimeoutError:
            log.error(
                "the store did not answer within %.1f s while stopping; stopping without it",
                self._stop_timeout_s,
                extra={"event": "store_stuck_at_stop"},
            )

    def now_ms(self) -> int:
        """The exchange's time (the sequencer stamps it on every command), never going backwards."""
        return self.clock.now_ms()

    def wall_ms(self) -> int:
        """The host's wall time, whatever the exchange clock reads: for what must follow the real world."""
        return self.clock.wall_ms()

    async def move_clock(self, advance_ms: int = 0, freeze: bool | None = None) -> ClockMoved | Refused:
        """Move the exchange clock `advance_ms` forward and/or freeze or unfreeze it (`MoveClock`).

        Everything that falls due on the way is applied first, in due order, each at its own time; the answer
        comes once that and the clock's new state are durable, and the `on_clock_moved` hooks have run (so a
        simulation has acted up to the new time). Refused (`CLOCK_PAST_END`, nothing changed) past `MAX_CLOCK_MS`.
        """
        moved = await self.submit_edge(MoveClock(advance_ms=advance_ms, freeze=freeze))
        if isinstance(moved, ClockMoved):
            for hook in self.on_clock_moved:
                await hook()
        return moved

    # ---------------------------------------------------------------- submissions

    async def submit(self, command: Command) -> Receipt:
        """Apply `command` (its `now_ms` is replaced by the sequencer's time); return once durable."""
        self._admit(1)
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Submission(command, None, future))
        return await future

    async def submit_many(self, commands: list[Command]) -> list[Receipt]:
        """Apply several commands in this order (they may share a batch); return once all are durable.

        All or none are queued: a full queue refuses the whole list."""
        self._admit(len(commands))
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Receipt]] = []
        for command in commands:
            future: asyncio.Future[Receipt] = loop.create_future()
            self._queue.put_nowait(_Submission(command, None, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    @overload
    async def submit_edge(self, command: KeyCommand) -> KeyCreated | Refused: ...
    @overload
    async def submit_edge(self, command: DeleteReadonlyKey) -> Refused | None: ...
    @overload
    async def submit_edge(self, command: MoveClock) -> ClockMoved | Refused: ...
    @overload
    async def submit_edge(self, command: PlainCommand) -> None: ...
    async def submit_edge(self, command: EdgeCommand) -> KeyCreated | ClockMoved | Refused | None:
        """Apply an edge command in the sequencer (edge_commands.py); return its result once its rows are durable
        and the edge's read model holds them."""
        return await self.submit_edge_command(command)

    async def submit_edge_command(self, command: EdgeCommand) -> KeyCreated | ClockMoved | Refused | None:
        """`submit_edge` for a command of any kind (the link's sequencer end forwards them)."""
        self._admit(1)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Submission(None, command, future))
        result: KeyCreated | ClockMoved | Refused | None = await future
        return result

    def _admit(self, count: int) -> None:
        """Refuse a submission from the edge unless the service is ready and the queue has room for `count`."""
        status = self.status
        if status is not Status.READY:
            if status is Status.RECOVERING:
                raise Recovering("the exchange is recovering its state")
            raise ServiceUnavailable(INTERNAL_ERROR)
        if self._queue.qsize() + count > self.settings.limits.max_queued_commands:
            raise Overloaded("too many requests are waiting for the exchange")

    def _enqueue_internal(self, command: Command | None, edge_command: EdgeCommand | None) -> asyncio.Future[Any]:
        """Queue the service's own work (time, settlement, start-up heartbeats): never refused for load."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Submission(command, edge_command, future))
        return future

    @property
    def ahead_of_store(self) -> bool:
        """Whether memory holds a change that is not durable yet (read it only after `durable`)."""
        return self._ahead_of_store

    async def durable(self) -> None:
        """Return once the exchange and the edge state in memory hold only what is durable.

        Every read of them for a client goes through this first (api/app.py does it for every GET, `read` after
        its query), with no await between this and the read: nothing a failed write takes back is ever shown.
        A client answered for a change reads it (the change was durable before the answer).
        """
        while self._ahead_of_store:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._durable_waiters.append(waiter)
            await waiter

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """Run a blocking store query on a reader thread (never on the event loop), once the query tables hold
        every command applied so far; return once memory is durable too (`durable`), so that the caller may
        read the exchange beside the query's rows."""
        await self._projection_reaches(self._sequence)
        try:
            rows = await asyncio.get_running_loop().run_in_executor(self._readers, query, *args)
        except StoreError:
            if self.metrics is not None:
                self.metrics.store_failed("read")
            raise
        if self._ahead_of_store:
            await self.durable()
        return rows

    async def _projection_reaches(self, target: int) -> None:
        """Return once the query tables hold every journal entry up to `target`."""
        if self._projected_sequence < target:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._projection_waiters.append((target, waiter))
            await waiter

    def _caught_up(self, error: Exception | None = None) -> None:
        """Memory holds only what is durable again: let the reads waiting for that go (or fail them)."""
        self._ahead_of_store = False
        waiters, self._durable_waiters = self._durable_waiters, []
        for waiter in waiters:
            if not waiter.done():
                if error is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(error)

    def _projected(self, sequence: int) -> None:
        """The query tables now hold the journal up to `sequence`: let the reads waiting for it go."""
        self._projected_sequence = sequence
        self._tell_projected()
        waiting = []
        for target, waiter in self._projection_waiters:
            if target > sequence:
                waiting.append((target, waiter))
            elif not waiter.done():
                waiter.set_result(None)
        self._projection_waiters = waiting

    def _tell_projected(self) -> None:
        for hook in self.on_projected:
            try:
                hook(self._projected_sequence)
            except Exception:
                log.exception("a projection hook failed", extra={"event": "listener_failed"})

    def _release_readers(self) -> None:
        """After a rebuild, which projected everything stored: the commands some reads waited for are gone."""
        self._tell_projected()
        for _, waiter in self._projection_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._projection_waiters = []

    def _fail_readers(self, error: Exception) -> None:
        self._caught_up(error)
        for _, waiter in self._projection_waiters:
            if not waiter.done():
                waiter.set_exception(error)
        self._projection_waiters = []

    # ---------------------------------------------------------------- the loop

    async def _run(self) -> None:
        await self._sequence_until_stopped()
        try:
            await self._write_deferred_projections()
        except Exception:  # the batches are durable: the next start writes their projection
            log.exception("writing the last projection failed", extra={"event": "projection_failed"})

    async def _sequence_until_stopped(self) -> None:
        limit = self.settings.limits.max_commands_per_batch
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            submissions = [first]
            while len(submissions) < limit and not self._queue.empty():
                submission = self._queue.get_nowait()
                if submission is None:
                    stopping = True
                    break
                submissions.append(submission)
            if self.status is Status.HALTED:
                self._fail(submissions, ServiceUnavailable(INTERNAL_ERROR))
                continue
            try:
                await self._sequence_batch(submissions)
            except asyncio.CancelledError:
                self._fail(submissions, ServiceUnavailable(INTERNAL_ERROR))
                raise
            except Exception:
                # Whatever failed (applying, journalling, projecting), memory may be ahead of the store: the
                # callers not yet answered hear of the failure once memory is back in line with the store.
                log.exception(
                    "a batch of %d submissions failed; rebuilding the exchange from the store",
                    len(submissions),
                    extra={"event": "batch_failed"},
                )
                await self._rebuild()
                self._caught_up()  # (if it halted instead, the waiting reads were failed already)
                self._fail(submissions, ServiceUnavailable(INTERNAL_ERROR))

    async def _sequence_batch(self, submissions: list[_Submission]) -> None:
        """Apply, journal, answer, publish and project one batch (any exception: see `_run`).

        While more submissions wait, the batch's projection is not written alone: it rides on the next
        batch's journal transaction (one commit for both, see `Store.write`); when none waits, it is written
        at once, so a quiet exchange's query tables are never behind.
        """
        metrics = self.metrics
        self._ahead_of_store = True
        batch, outcomes = self._apply(submissions)
        projections = self._deferred_projections
        if batch.entries or _has_edge_rows(batch) or projections:
            started = time.perf_counter()
            self._deferred_projections = []
            await self._on_writer(functools.partial(self.store.write, batch, projections), "write")
            if metrics is not None:
                metrics.committed(time.perf_counter() - started)
        self.edge.apply_rows(batch)  # durable: the edge's read model takes it in before the callers are answered
        self._caught_up()
        if projections:
            self._projected(projections[-1].entries[-1].sequence)
        for submission, outcome in zip(submissions, outcomes, strict=True):
            _settle_future(submission.future, outcome)
        if metrics is not None:
            self._count(metrics, submissions, outcomes)
        if batch.entries or _has_edge_rows(batch) or batch.killed_orders:
            self._publish(batch)
        if batch.entries:
            self._deferred_projections = [batch]
            await asyncio.sleep(0)  # the answered handlers send their responses before the projection starts
            if self._queue.empty():
                await self._write_deferred_projections()
        self._arm_settlement_timer()  # (a trade matched, or the clock was moved or let run)
        if self._sequence - self._snapshot_sequence >= self.settings.limits.snapshot_interval_commands:
            await self._write_deferred_projections()  # a snapshot must not cover an unprojected batch
            self._snapshot_between_batches()

    async def _write_deferred_projections(self) -> None:
        """Write the projection of the durable batches whose projection waits for the next write.

        A failure here is the batches', though they are durable and answered: recovery writes the projection.
        """
        projections, self._deferred_projections = self._deferred_projections, []
        for batch in projections:
            await self._on_writer(functools.partial(self.store.write_projection, batch), "projection")
            self._projected(batch.entries[-1].sequence)

    async def _on_writer(self, write: Callable[[], None], operation: str) -> None:
        """Run a store write on the writer thread, counting its failure (which is raised on)."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._writer, write)
        except Exception:
            if self.metrics is not None:
                self.metrics.store_failed(operation)
            raise

    def _count(self, metrics: Metrics, submissions: list[_Submission], outcomes: list[Any]) -> None:
        """Count a durable batch's commands (a failure to count is logged, never the batch's)."""
        commands, applied = [], []
        for submission, outcome in zip(submissions, outcomes, strict=True):
            if submission.command is not None and isinstance(outcome, Receipt):
                commands.append(submission.command)
                applied.append(outcome.applied)
        try:
            metrics.applied(len(submissions), commands, applied)
        except Exception:
            log.exception("counting a batch for the metrics failed", extra={"event": "metrics_failed"})

    def _sequencer_ended(self, task: asyncio.Task[None]) -> None:
        """The sequencer task ended: expected only on stop; otherwise the service cannot go on."""
        if self._stopped or self.status is Status.HALTED:
            return
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.critical("the sequencer stopped", exc_info=error, extra={"event": "sequencer_stopped"})
        self._halt(f"the sequencer stopped: {_one_line(error) if error else 'it was cancelled'}")

    def _apply(self, submissions: list[_Submission]) -> tuple[Batch, list[Any]]:
        now = self.now_ms()
        batch = Batch(written_at_ms=now)
        outcomes: list[Any] = []
        for submission in submissions:
            if submission.command is not None:
                command = msgspec.structs.replace(submission.command, now_ms=now)
                applied = self.exchange.apply(command)
                self._journal(batch, command, applied)
                outcomes.append(applied)
            else:
                edge_command = submission.edge_command
                if isinstance(edge_command, MoveClock):
                    outcomes.append(self._move_clock(batch, edge_command))
                    now = self.now_ms()
                elif edge_command is not None:
                    outcomes.append(handle(edge_command, self._keys, batch))
        if batch.entries:
            batch.settlement_reference = settlement_reference(batch.entries[0].sequence, batch.entries[-1].sequence)
        receipts = [
            Receipt(outcome, batch.settlement_reference) if isinstance(outcome, Applied) else outcome
            for outcome in outcomes
        ]
        return batch, receipts

    def _journal(self, batch: Batch, command: Command, applied: Applied) -> None:
        # A refused command changes nothing, but expiries that fell due before it did: journal those as a
        # time advance so replay reproduces them at the same point.
        if isinstance(applied.result, Rejected) and applied.result.reject in KILLED_REJECTS:
            assert isinstance(command, PlaceOrder)
            batch.killed_orders.append(command)
        if isinstance(applied.result, Rejected) or isinstance(command, AdvanceTime):
            if not applied.events:
                return
            command = AdvanceTime(now_ms=command.now_ms)
        self._sequence += 1
        batch.entries.append(Journalled(sequence=self._sequence, command=command, events=applied.events))

    def _publish(self, batch: Batch) -> None:
        for listener in self.listeners:
            try:
                listener(batch.entries, batch)
            except Exception:
                log.exception("a listener failed", extra={"event": "listener_failed"})

    # ---------------------------------------------------------------- the exchange clock and settlement

    def _move_clock(self, batch: Batch, command: MoveClock) -> ClockMoved | Refused:
        """Inside the sequencer: step through every due time up to the new time, then set the clock there."""
        clock, exchange = self.clock, self.exchange
        now = clock.now_ms()
        target = now + command.advance_ms
        if target > MAX_CLOCK_MS:
            detail = f"the clock cannot pass {MAX_CLOCK_MS} ms, the end of the year 9999 (it reads {now})"
            return Refused(refusal=Refusal.CLOCK_PAST_END, detail=detail)
        due = exchange.next_due_ms()
        while due is not None and due <= target:
            step = AdvanceTime(now_ms=max(due, now))
            self._journal(batch, step, exchange.apply(step))
            due = exchange.next_due_ms()
        frozen = clock.frozen if command.freeze is None else command.freeze
        clock.set(target, frozen=frozen)
        batch.exchange_clock = clock.record()
        return ClockMoved(now_ms=target, frozen=frozen)

    def _configure_clock(self) -> ClockRecord | None:
        """Apply `clock_mode` and `start_time_ms` to the recovered clock; its new record if that changed it.

        The start time is taken unless the exchange already used a later time (time never goes back)."""
        clock, settings = self.clock, self.settings
        before = clock.record()
        start = settings.start_time_ms
        if start is not None and start < clock.last_ms:
            log.warning(
                "the exchange's time is already %d, past --start-time-ms %d: it goes on",
                clock.last_ms,
                start,
                extra={"event": "start_time_passed"},
            )
            start = None
        frozen = clock.frozen if settings.clock_mode is None else settings.clock_mode == "frozen"
        if start is not None or frozen != clock.frozen:
            clock.set(clock.now_ms() if start is None else start, frozen=frozen)
        after = clock.record()
        return None if after == before else after

    async def _configure_settlement(self) -> None:
        """Journal the server's settlement flags if the exchange settles otherwise (replay then needs no flags)."""
        settings = self.settings
        wanted = (settings.settlement_delay_ms, settings.proceeds_available_at == ProceedsAvailableAt.MINED.value)
        if self.exchange.settlement() != wanted:
            command = ConfigureSettlement(
                now_ms=0,
                delay_ms=settings.settlement_delay_ms,
                proceeds_available_at=ProceedsAvailableAt(settings.proceeds_available_at),
            )
            await self._enqueue_internal(command, None)

    def _arm_settlement_timer(self) -> None:
        """Make sure a time advance is sent when the next settlement step falls due (not while frozen)."""
        due = self.exchange.next_settlement_ms()
        timer = self._settlement_timer
        if due is None or self.clock.frozen or self.status is not Status.READY:
            return
        if timer is not None:
            if self._settlement_timer_ms <= due:
                return
            timer.cancel()
        self._settlement_timer_ms = due
        delay_s = max(0, due - self.now_ms()) / 1000
        self._settlement_timer = asyncio.get_running_loop().call_later(delay_s, self._settlement_due)

    def _settlement_due(self) -> None:
        self._settlement_timer = None
        if self.status is Status.READY:
            advance = self._enqueue_internal(AdvanceTime(now_ms=0), None)
            advance.add_done_callback(_ignore_failure)  # a failed batch is logged and recovered by the sequencer

    def _fail(self, submissions: list[_Submission], error: Exception) -> None:
        for submission in submissions:
            if not submission.future.done():
                submission.future.set_exception(error)

    # ---------------------------------------------------------------- recovery and time

    def _recover(self) -> None:
        """Rebuild the exchange and the edge state from the store (runs on the writer thread).

        Start from the latest usable snapshot, replay the journal after it, write the projection of any batch
        whose query-table rows a crash lost (replay gives its events again), and store a new snapshot if that
        replay was long, so that the next start is fast too.
        """
        store = self.store
        exchange, sequence = self._restore_snapshot()
        unprojected = store.unprojected_batches()
        if unprojected and sequence >= unprojected[0][0]:
            log.warning(
                "snapshot at journal entry %d is ahead of the query tables; replaying the journal",
                sequence,
                extra={"event": "snapshot_ahead"},
            )
            exchange, sequence, self._snapshot_sequence = Exchange(), 0, 0
        journal = store.journal_after(sequence) if isinstance(store, SnapshotStore) else store.journal()
        pending = iter(unprojected)
        batch_range = next(pending, None)
        entries: list[Journalled] = []
        replayed = 0
        for entry in journal:
            applied = exchange.apply(entry.command)
            sequence = entry.sequence
            self.clock.observe(entry.command.now_ms)
            replayed += 1
            if batch_range is not None and sequence >= batch_range[0]:
                entries.append(Journalled(sequence=sequence, command=entry.command, events=applied.events))
                if sequence == batch_range[1]:
                    store.write_projection(
                        Batch(entries=entries, settlement_reference=settlement_reference(*batch_range))
                    )
                    entries, batch_range = [], next(pending, None)
        edge = EdgeState.load(store)
        self.clock.restore(store.exchange_clock())
        self.exchange, self.edge, self._keys = exchange, edge, edge.key_table()
        self._sequence, self._projected_sequence = sequence, sequence
        if replayed >= self.settings.limits.snapshot_interval_commands:
            self._store_snapshot_now()

    def _restore_snapshot(self) -> tuple[Exchange, int]:
        """The exchange as of the latest usable snapshot and the sequence it covers; a new one and 0 if none."""
        self._snapshot_sequence = 0
        store = self.store
        if not isinstance(store, SnapshotStore):
            return Exchange(), 0
        stored = store.latest_snapshot()
        if stored is None:
            return Exchange(), 0
        try:
            if stored.format != SNAPSHOT_FORMAT:
                raise SnapshotMismatch(f"format {stored.format}, this openclob reads {SNAPSHOT_FORMAT}")
            state = decode_state(stored.state)
            exchange = restore(state, store.known_orders(state.order_sequence))
        except SnapshotMismatch as exc:
            log.warning(
                "snapshot at journal entry %d not used (%s); replaying the whole journal",
                stored.sequence,
                exc,
                extra={"event": "snapshot_not_used"},
            )
            return Exchange(), 0
        except StoreError:
            raise
        except Exception:  # a bug in restoring (a snapshot is only a shortcut): the full replay is still right
            log.exception(
                "restoring the snapshot at journal entry %d failed; replaying the whole journal",
                stored.sequence,
                extra={"event": "snapshot_restore_failed"},
            )
            return Exchange(), 0
        self.clock.observe(stored.clock_ms)
        self._snapshot_sequence = stored.sequence
        return exchange, stored.sequence

    def _take_snapshot(self) -> StoredSnapshot:
        """Encode the exchange as it is now: call it only while no command is being applied."""
        self._snapshot_sequence = self._sequence
        state = export_state(self.exchange)
        return StoredSnapshot(sequence=self._sequence, format=SNAPSHOT_FORMAT, clock_ms=self.clock.last_ms, state=state)

    def _write_snapshot(self, snapshot: StoredSnapshot) -> None:
        """Store a snapshot (writer thread). A failure only costs a longer replay at the next start."""
        if not isinstance(self.store, SnapshotStore):
            return
        try:
            if not self.store.write_snapshot(snapshot):
                log.warning(
                    "snapshot at journal entry %d not stored: the journal ends before it",
                    snapshot.sequence,
                    extra={"event": "snapshot_not_stored"},
                )
        except Exception:
            if self.metrics is not None:
                self.metrics.store_failed("snapshot")
            log.exception(
                "storing the snapshot at journal entry %d failed",
                snapshot.sequence,
                extra={"event": "snapshot_store_failed"},
            )

    def _store_snapshot_now(self) -> None:
        """Take and store a snapshot (writer thread, no command being applied); a failure is only logged."""
        try:
            snapshot = self._take_snapshot()
        except Exception:  # a snapshot is a shortcut for recovery; the journal alone is still complete
            log.exception(
                "taking a snapshot at journal entry %d failed", self._sequence, extra={"event": "snapshot_failed"}
            )
            return
        self._write_snapshot(snapshot)

    def _snapshot_between_batches(self) -> None:
        """Encode now, between two batches, and store it on the writer thread after the batch just written."""
        if not isinstance(self.store, SnapshotStore):
            return
        try:
            snapshot = self._take_snapshot()
        except Exception:
            log.exception(
                "taking a snapshot at journal entry %d failed", self._sequence, extra={"event": "snapshot_failed"}
            )
            return
        asyncio.get_running_loop().run_in_executor(self._writer, self._write_snapshot, snapshot)

    def _snapshot_at_stop(self) -> None:
        """On a clean stop (writer thread, sequencer stopped): store a snapshot if the journal grew since the last
        and every batch is projected (a snapshot must not cover a batch whose events recovery must project)."""
        store = self.store
        growing = isinstance(store, SnapshotStore) and self._sequence > self._snapshot_sequence
        try:
            if growing and not store.unprojected_batches():
                self._store_snapshot_now()
        except StoreError:
            log.exception("the snapshot at stop was not stored", extra={"event": "snapshot_store_failed"})

    async def _rebuild(self) -> None:
        """After a failed batch: rebuild from the store, retrying; if it stays unreadable, halt and stop."""
        loop = asyncio.get_running_loop()
        attempts = self.settings.limits.store_rebuild_attempts
        for attempt in range(1, attempts + 1):
            try:
                self._deferred_projections = []
                await loop.run_in_executor(self._writer, self._recover)  # it projects all and says so
                self._release_readers()
                return
            except Exception:
                log.exception(
                    "rebuilding the exchange from the store failed (attempt %d of %d)",
                    attempt,
                    attempts,
                    extra={"event": "rebuild_failed"},
                )
                if attempt < attempts:
                    await asyncio.sleep(0.2 * attempt)
        self._halt("the store cannot be read back after a failed batch")

    def _halt(self, reason: str, *, stop_process: bool = True) -> None:
        """Stop for good: refuse everything from now on, fail what waits, and ask the process to stop (once)."""
        if self.status is Status.HALTED:
            return
        log.critical(
            "halting: %s; refusing every request%s",
            reason,
            " and stopping" if stop_process else "",
            extra={"event": "halted"},
        )
        self.status = Status.HALTED
        self.failure = reason
        # Memory may hold a failed batch; until the process exits, serve an empty exchange rather than that.
        self.exchange, self.edge, self._keys = Exchange(), EdgeState(), KeyTable()
        self._fail_queued(ServiceUnavailable(INTERNAL_ERROR))
        self._fail_readers(ServiceUnavailable(INTERNAL_ERROR))
        if stop_process:
            self.on_fatal()

    def _fail_queued(self, error: Exception) -> None:
        """Fail every queued submission (a stop request stays queued for the sequencer)."""
        stopping = False
        while not self._queue.empty():
            submission = self._queue.get_nowait()
            if submission is None:
                stopping = True
            elif not submission.future.done():
                submission.future.set_exception(error)
        if stopping:
            self._queue.put_nowait(None)

    async def _renew_heartbeats(self) -> None:
        """Give every owner with heartbeats a fresh grace period from the restart."""
        timeout = self.settings.limits.heartbeat_timeout_ms
        for owner in self.exchange.heartbeat_owners():
            await self._enqueue_internal(Heartbeat(now_ms=0, owner=owner, timeout_ms=timeout), None)

    async def _advance_time(self) -> None:
        interval = self.settings.time_advance_interval_ms / 1000
        limits = self.settings.limits
        pruned_at_ms = self.now_ms()
        while True:
            await asyncio.sleep(interval)
            try:
                await self._enqueue_internal(AdvanceTime(now_ms=0), None)
                if self.now_ms() - pruned_at_ms >= limits.notification_prune_interval_ms:
                    pruned_at_ms = self.now_ms()
                    prune = PruneNotifications(before_ms=pruned_at_ms - limits.notification_retention_ms)
                    await self._enqueue_internal(None, prune)
            except ServiceUnavailable:
                log.warning("time advance failed; will retry", extra={"event": "time_advance_failed"})


def _check_time_settings(settings: Settings) -> None:
    """Refuse settings the exchange clock or settlement cannot take (ValueError)."""
    if settings.clock_mode is not None and settings.clock_mode not in CLOCK_MODES:
        raise ValueError(f"clock_mode must be one of {', '.join(CLOCK_MODES)}, not {settings.clock_mode!r}")
    if settings.start_time_ms is not None and not 0 <= settings.start_time_ms <= MAX_CLOCK_MS:
        raise ValueError(f"start_time_ms must be between 0 and {MAX_CLOCK_MS}")
    if not 0 <= settings.settlement_delay_ms <= MAX_SETTLEMENT_DELAY_MS:
        raise ValueError(f"settlement_delay_ms must be between 0 and {MAX_SETTLEMENT_DELAY_MS}")
    if settings.proceeds_available_at not in {p.value for p in ProceedsAvailableAt}:
        raise ValueError(f"proceeds_available_at must be matched or mined, not {settings.proceeds_available_at!r}")


def _ignore_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def settlement_reference(first_sequence: int, last_sequence: int) -> str:
    """The `transaction_hash` of the trades of the batch that journalled these entries."""
    return "0x" + keccak256(f"openclob-batch:{first_sequence}:{last_sequence}".encode()).hex()


def _settle_future(future: asyncio.Future[Any], outcome: Any) -> None:
    if not future.done():
        future.set_result(outcome)


def _one_line(error: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0]}" if message else type(error).__name__


def _has_edge_rows(batch: Batch) -> bool:
    return bool(
        batch.api_keys
        or batch.deleted_api_keys
        or batch.wallet_links
        or batch.market_infos
        or batch.rate_limit_tiers
        or batch.deleted_notifications
        or batch.exchange_clock
        or batch.prune_notifications_before_ms
    )
