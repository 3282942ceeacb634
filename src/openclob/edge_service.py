"""The service as an edge process of `openclob serve --workers N` sees it.

It has the `Service`'s interface, so the HTTP routes and the WebSocket channels run unchanged on top of it, but
it sequences nothing: commands and edge commands go to the sequencer process over the link (link/edge.py), and
what the edge reads is a replica (link/replica.py) of the exchange, the edge state and the clock, built only
from durable batches, plus the query tables read through the store opened for reading (`open_reader`). Every
read first syncs with the sequencer (one round trip, shared by the reads of one turn of the event loop): it
then shows every change any edge had answered when it began, and a read of the query tables also waits until
they hold it (`Projected`), so a client reads its own writes whichever edge it reaches next.

If the link drops (the sequencer stopped, or this edge fell too far behind) while the edge serves, its process
exits at once, without answering what it has in hand: those requests went to a sequencer that may or may not
have applied them, and a dropped connection says that (a 500 would say they failed). The sequencer's process
starts the edge again, and it joins from a fresh state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from openclob.config import Settings
from openclob.core import Command
from openclob.edge_commands import ClockMoved, EdgeCommand, KeyCreated, Refused
from openclob.faults import Active
from openclob.link.edge import EdgeLink
from openclob.link.messages import Durable
from openclob.link.replica import Replica
from openclob.metrics import families
from openclob.service import INTERNAL_ERROR, Receipt, Service, ServiceUnavailable, Status
from openclob.store.sql import SqlStore

log = logging.getLogger("openclob.edge")
T = TypeVar("T")
LINK_LOST_EXIT_CODE = 75
"""An edge's exit code when its link to the sequencer dropped (EX_TEMPFAIL: it is started again)."""
JOIN_RETRY_S = 0.05
"""How often an edge tries again to join a sequencer that is still recovering."""


class EdgeService(Service):
    """A `Service` whose sequencer is in another process, reached at the unix socket `link_path`."""

    def __init__(self, store: SqlStore[Any], settings: Settings, link_path: str) -> None:
        super().__init__(store, settings)
        self._reader_store = store
        self._link_path = link_path
        self._link: EdgeLink | None = None
        self._replica: Replica | None = None
        self._following: asyncio.Task[None] | None = None
        self.follow_fault_rules: Callable[[list[Active]], dict[int, int]] | None = None
        """Takes the sequencer's fault rules as they change; says how often new ones fired here (the edge's app
        sets it: ws/faults.py `SocketFaults.follow`)."""

    @property
    def sequencer_running(self) -> bool:
        """Whether the link to the sequencer is up."""
        return self._link is not None and self._link.connected

    @property
    def queued_commands(self) -> int:
        """Submissions waiting for the sequencer's answer (the sequencer's own queue is not visible here)."""
        return 0

    async def start(self) -> None:
        """Open the store for reading, join the sequencer, and serve from the state it sent."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._readers, self._reader_store.open_reader)
            link = await self._join()  # no await from here until the listeners are in place
        except Exception as error:
            self._halt(f"joining the sequencer failed: {error}", stop_process=False)
            raise
        replica = Replica(link.joined)
        link.listeners.append(self._follow)
        link.projected.append(self._projected)
        link.follow_fault_rules = self.follow_fault_rules
        if self.metrics is not None:
            registry = self.metrics.registry
            link.tell_metrics = lambda: families(registry)
        self._link, self._replica = link, replica
        self.exchange, self.edge, self.clock = replica.exchange, replica.edge, replica.clock
        self._sequence = self._projected_sequence = replica.sequence
        self._following = asyncio.create_task(self._watch(link), name="openclob-edge-link-watch")
        self.status = Status.READY
        for hook in self.on_ready:
            await hook()

    async def _join(self) -> EdgeLink:
        """Connect to the sequencer, waiting while it recovers (its link listens once it is ready)."""
        while True:
            try:
                return await EdgeLink.connect(self._link_path, self.settings.limits)
            except ServiceUnavailable:
                if not os.path.exists(self._link_path):
                    await asyncio.sleep(JOIN_RETRY_S)
                    continue
                raise

    async def stop(self) -> None:
        """Drop the link and close the store (once)."""
        if self._stopped:
            return
        self._stopped = True
        if self.status is not Status.HALTED:
            self.status = Status.STOPPING
        if self._following is not None:
            self._following.cancel()
        if self._link is not None:
            await self._link.close()
        self._fail_readers(ServiceUnavailable(INTERNAL_ERROR))
        with contextlib.suppress(Exception):
            await asyncio.get_running_loop().run_in_executor(self._readers, self._reader_store.close)
        self._writer.shutdown(wait=False)
        self._readers.shutdown(wait=False)

    async def submit(self, command: Command) -> Receipt:
        """Apply `command` in the sequencer; return once durable and in this edge's replica."""
        return (await self.submit_many([command]))[0]

    async def submit_many(self, commands: list[Command]) -> list[Receipt]:
        """Apply several commands in this order; return once all are durable and in this edge's replica."""
        return await self._over_link(self._ready_link().submit_many(commands))

    async def submit_edge_command(self, command: EdgeCommand) -> KeyCreated | ClockMoved | Refused | None:
        """Apply an edge command in the sequencer; return its result once durable and in this edge's replica."""
        return await self._over_link(self._ready_link().submit_edge(command))

    @property
    def ahead_of_store(self) -> bool:
        """Always: another edge may have answered a change this one has not taken in yet (see `durable`)."""
        return True

    async def durable(self) -> None:
        """Return once this edge has taken in every batch published when this was called: a read after it shows
        every change any edge answered before the read began (one round trip to the sequencer)."""
        if self._link is None:
            raise ServiceUnavailable(INTERNAL_ERROR)
        await self._over_link(self._link.sync())

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """Run a blocking store query once the query tables hold every batch published when this was called."""
        await self.durable()
        await self._projection_reaches(self._sequence)
        return await asyncio.get_running_loop().run_in_executor(self._readers, query, *args)

    async def move_clock(self, advance_ms: int = 0, freeze: bool | None = None) -> ClockMoved | Refused:
        """Not at an edge: the clock's admin route is answered by the sequencer's process."""
        raise ServiceUnavailable("the clock is moved by the sequencer's process")

    def _ready_link(self) -> EdgeLink:
        """The link, to submit on: refused unless the edge is serving."""
        if self.status is not Status.READY or self._link is None:
            raise ServiceUnavailable(INTERNAL_ERROR)
        return self._link

    async def _over_link(self, answer: Awaitable[T]) -> T:
        """`answer` from the sequencer; if the link dropped meanwhile, the process exits first (see above)."""
        try:
            return await answer
        except ServiceUnavailable:
            self._exit_if_lost()
            raise

    def _follow(self, durable: Durable) -> None:
        """The link's listener: a durable batch goes into the replica, then to this edge's feeds."""
        replica = self._replica
        assert replica is not None
        batch = replica.apply(durable)
        self._sequence = replica.sequence
        if batch.entries or batch.market_infos or batch.killed_orders:
            self._publish(batch)

    async def _watch(self, link: EdgeLink) -> None:
        await link.wait_closed()
        self._exit_if_lost()

    def _exit_if_lost(self) -> None:
        """If the link dropped while serving, exit now, before any request in hand is answered (see above)."""
        link = self._link
        if link is None or link.connected or self._stopped:
            return
        log.critical("the link to the sequencer dropped; exiting", extra={"event": "link_lost"})
        logging.shutdown()
        os._exit(LINK_LOST_EXIT_CODE)
