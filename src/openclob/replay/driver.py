"""Replays: keep a market's book equal to a recording as time passes, through a liquidity account.

`Replays.start` reads and checks the whole recording, lists its market (with the recorded condition and token
ids) unless the exchange has it already, and runs the replay as a task. The messages become commands: a
`SetLiquidity` that sets the account's size at every level they changed (core/liquidity.py), and an
`UpdateMarket` for a tick size change. They go through the sequencer and the journal like anyone's orders, so
books, trades, both feeds and recovery need nothing of their own.

What "changed" means: the replay keeps the recorded book (in first-token terms, sizes floored to whole lots)
and sends only the levels whose recorded size differs from the recording's previous one, so liquidity a bot
consumed stays consumed until the recording next changes that level. A `book` snapshot changes the levels it
adds, drops or resizes. The two tokens' messages mirror each other: a second token's bid at q is the book's
ask at 1 - q, and a mirrored update finds the level already at its size.

Pacing: at `speed` 0 the messages are applied as fast as the sequencer takes them: the net level changes of
`merged_messages` consecutive messages (20) share one command, since one command a message does not reach
20,000 messages/s (bench/README.md), and `CHUNK_COMMANDS` commands are queued at once, the next chunk while the
sequencer works on the one before. At speed s > 0 each message is its own command, and a message received `t`
ms after the first is applied `t / s` ms after the replay starts, on the host's monotonic clock. Replays live in
memory: a restart ends them, and the liquidity they rested stays in the book.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec

from openclob.api.admin import NewMarket, list_market
from openclob.core import LOT_UNITS, UNIT, CancelAll, Rejected, SetLiquidity, UpdateMarket
from openclob.core.amounts import format_units
from openclob.core.commands import Command
from openclob.crypto import keccak256
from openclob.replay.recording import (
    BookMessage,
    LevelChanges,
    MarketLine,
    Message,
    Recording,
    RecordingError,
    TickChange,
    read_recording,
)
from openclob.service import Overloaded, Service

log = logging.getLogger("openclob.replay")

CHUNK_COMMANDS = 500
"""Commands a replay at speed 0 queues at once (the sequencer's queue holds 10,000)."""
CHUNKS_IN_FLIGHT = 2
MERGED_MESSAGES = 20
"""At speed 0, the net level changes of this many consecutive messages go in one command (see the module)."""
MAX_REPLAYS = 64
"""Replays kept in memory, running or ended (the oldest ended one is forgotten first)."""
OVERLOAD_PAUSE_S = 0.05
MAX_SPEED = 1000.0

Level = tuple[bool, int]
"""(is_bid, price_units) of a level of a market's one book."""


def liquidity_account(condition_id: str) -> str:
    """The address of the liquidity account that replays of a market trade through."""
    return "0x" + keccak256(b"openclob replay liquidity " + condition_id.encode())[-20:].hex()


@dataclass(slots=True)
class Replay:
    """One replay and its progress."""

    id: int
    path: str
    speed: float
    condition_id: str
    account: str
    messages: int
    applied: int = 0
    state: Literal["running", "done", "stopped", "failed"] = "running"
    error: str | None = None
    started_at_ms: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def view(self) -> ReplayState:
        """The replay as the admin API shows it."""
        return ReplayState(
            id=self.id,
            path=self.path,
            speed=self.speed,
            condition_id=self.condition_id,
            account=self.account,
            messages=self.messages,
            applied=self.applied,
            progress=round(self.applied / self.messages, 6) if self.messages else 1.0,
            state=self.state,
            done=self.state != "running",
            error=self.error,
            started_at_ms=self.started_at_ms,
        )


class ReplayState(msgspec.Struct, kw_only=True):
    """A replay as GET /admin/replays/{id} shows it."""

    id: int
    path: str
    speed: float
    condition_id: str
    account: str
    """The liquidity account whose orders carry the recorded book (funded by deposits: the operator's mint)."""
    liquidity_account: bool = True
    """Marks `account` as a replay's liquidity account."""
    messages: int
    """Recorded messages (each event of an array counts; events the book ignores do not)."""
    applied: int
    """Messages applied and durable so far."""
    progress: float
    state: Literal["running", "done", "stopped", "failed"]
    done: bool
    """Whether the replay has ended (done, stopped or failed)."""
    error: str | None = None
    started_at_ms: int


class ReplayRefused(Exception):
    """A replay cannot start; nothing was created."""


class Replays:
    """The replays of one server."""

    def __init__(self, service: Service, merged_messages: int = MERGED_MESSAGES) -> None:
        self.service = service
        self.merged_messages = merged_messages
        """At speed 0, how many consecutive messages share one command (1: a command per message)."""
        self.replays: dict[int, Replay] = {}
        self._next_id = 1
        self._starting: set[str] = set()
        """Markets whose replay is being prepared (listed, cleared)."""

    async def start(self, path: str, speed: float = 0.0, recording: Recording | None = None) -> Replay:
        """Check the recording, list its market if needed, and start replaying it (`ReplayRefused` if not)."""
        if recording is None:
            try:
                recording = await asyncio.to_thread(read_recording, Path(path))
            except RecordingError as error:
                raise ReplayRefused(str(error)) from None
        market = recording.market or self._inferred_market(recording)
        condition_id = market.condition_id
        running = any(r.condition_id == condition_id and r.state == "running" for r in self.replays.values())
        if running or condition_id in self._starting:
            raise ReplayRefused(f"a replay of market {condition_id} is running: stop it first")
        self._starting.add(condition_id)
        try:
            replay = await self._prepare(path, speed, recording, market)
        finally:
            self._starting.discard(condition_id)
        token_ids = self.service.exchange.markets[condition_id].token_ids
        replay.task = asyncio.create_task(self._run(replay, recording, token_ids), name=f"openclob-replay-{replay.id}")
        return replay

    async def _prepare(self, path: str, speed: float, recording: Recording, market: MarketLine) -> Replay:
        """List the market if needed and clear what an earlier replay left; return the new replay, registered."""
        condition_id = market.condition_id
        listed = self.service.exchange.markets.get(condition_id)
        if listed is not None and set(listed.token_ids) != set(market.token_ids):
            raise ReplayRefused(f"market {condition_id} is listed with other token ids than the recording's")
        if listed is None:
            await self._list(market)
        account = liquidity_account(condition_id)
        await self.service.submit(CancelAll(now_ms=0, owner=account))  # what an earlier replay left resting
        replay = Replay(
            id=self._next_id,
            path=path,
            speed=speed,
            condition_id=condition_id,
            account=account,
            messages=len(recording.messages),
            started_at_ms=self.service.now_ms(),
        )
        self._next_id += 1
        self._forget_old()
        self.replays[replay.id] = replay
        return replay

    async def stop(self, replay_id: int) -> Replay | None:
        """Stop a replay and cancel its liquidity; None if there is no such replay."""
        replay = self.replays.get(replay_id)
        if replay is None:
            return None
        if replay.task is not None and not replay.task.done():
            replay.task.cancel()
            await asyncio.gather(replay.task, return_exceptions=True)
            replay.state = "stopped"
        await self.service.submit(CancelAll(now_ms=0, owner=replay.account))
        return replay

    async def close(self) -> None:
        """End every running replay (the server is stopping); their liquidity stays."""
        tasks = [r.task for r in self.replays.values() if r.task is not None and not r.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _inferred_market(self, recording: Recording) -> MarketLine:
        listed = self.service.exchange.markets.get(recording.condition_id)
        if listed is not None:
            return MarketLine(condition_id=listed.condition_id, token_ids=listed.token_ids)
        tokens = list(recording.asset_lines)
        if len(tokens) != 2:
            raise ReplayRefused(
                f"the recording has no market line and names {len(tokens)} token(s) of an unlisted market: "
                'add a first line {"type": "market", "condition_id", "tokens", ...}'
            )
        return MarketLine(
            condition_id=recording.condition_id,
            token_ids=(tokens[0], tokens[1]),
            tick_units=recording.first_tick_units or 10_000,
        )

    async def _list(self, market: MarketLine) -> None:
        spec = NewMarket(
            question=market.question or f"Replay of {market.condition_id}",
            outcomes=list(market.outcomes),
            tick_size=format_units(market.tick_units),
            min_order_size=format_units(market.min_size_units),
            neg_risk=market.neg_risk,
            condition_id=market.condition_id,
            token_ids=list(market.token_ids),
            dynamic_tick=False,
        )
        await list_market(self.service, spec)

    def _forget_old(self) -> None:
        ended = [r.id for r in self.replays.values() if r.state != "running"]
        while len(self.replays) >= MAX_REPLAYS and ended:
            del self.replays[ended.pop(0)]

    async def _run(self, replay: Replay, recording: Recording, token_ids: tuple[str, str]) -> None:
        try:
            await self._play(replay, recording, token_ids)
            replay.state = "done"
        except asyncio.CancelledError:
            replay.state = "stopped"
            raise
        except Exception as error:
            log.exception("replay %d failed", replay.id)
            replay.state, replay.error = "failed", str(error) or type(error).__name__

    async def _play(self, replay: Replay, recording: Recording, token_ids: tuple[str, str]) -> None:
        book = RecordedBook(replay.condition_id, replay.account, token_ids)
        loop = asyncio.get_running_loop()
        first_ts: int | None = None
        started = loop.time()
        # Chunks submitted and not yet durable, with how many messages each carries: at speed 0 the next chunk
        # is prepared and queued while the sequencer still works on the one before.
        in_flight: deque[tuple[asyncio.Task[None], int]] = deque()
        chunk: list[Command] = []
        pending = 0  # messages whose commands are in `chunk`

        async def settle(keep: int) -> None:
            while len(in_flight) > keep:
                task, messages = in_flight.popleft()
                await task
                replay.applied += messages

        try:
            for message in recording.messages:
                if replay.speed > 0 and message.ts_ms is not None:
                    if first_ts is None:
                        first_ts = message.ts_ms
                    delay = started + (message.ts_ms - first_ts) / 1000 / replay.speed - loop.time()
                    if delay > 0:
                        await settle(0)
                        await asyncio.sleep(delay)
                book.add(message)
                pending += 1
                if replay.speed > 0 or pending % self.merged_messages == 0:
                    chunk += book.commands()
                if len(chunk) >= CHUNK_COMMANDS or (replay.speed > 0 and chunk):
                    in_flight.append((asyncio.create_task(self._submit(chunk)), pending))
                    chunk, pending = [], 0
                    await settle(CHUNKS_IN_FLIGHT - 1)
            chunk += book.commands()
            in_flight.append((asyncio.create_task(self._submit(chunk)), pending))
            await settle(0)
        finally:
            for task, _ in in_flight:
                task.cancel()

    async def _submit(self, commands: list[Command]) -> None:
        while commands:
            try:
                receipts = await self.service.submit_many(commands)
            except Overloaded:
                await asyncio.sleep(OVERLOAD_PAUSE_S)
                continue
            for receipt in receipts:
                if isinstance(receipt.applied.result, Rejected):
                    log.warning("a replay command was refused: %s", receipt.applied.result.reject.value)
            return


class RecordedBook:
    """The recorded book of one market (first-token terms), turning messages into the commands they need.

    `add` takes a message; `commands` hands out what the messages added since the last call need: one
    `SetLiquidity` of their net level changes (removals first, so that the account's levels on their way out are
    gone before new ones rest), and an `UpdateMarket` for a tick size change, in order.
    """

    def __init__(self, condition_id: str, account: str, token_ids: tuple[str, str]) -> None:
        self.condition_id, self.account = condition_id, account
        self.first_token = token_ids[0]
        self.levels: dict[Level, int] = {}
        self._changed: dict[Level, int] = {}
        self._commands: list[Command] = []

    def add(self, message: Message) -> None:
        """Take one message into the recorded book."""
        levels, changed = self.levels, self._changed
        if isinstance(message, LevelChanges):
            first_token = self.first_token
            for asset_id, is_bid, price, size in message.changes:
                first = asset_id == first_token
                level = (is_bid == first, price if first else UNIT - price)
                size -= size % LOT_UNITS
                if levels.get(level, 0) != size:
                    changed[level] = size
                    if size:
                        levels[level] = size
                    else:
                        del levels[level]
        elif isinstance(message, BookMessage):
            first = message.asset_id == self.first_token
            snapshot: dict[Level, int] = {}
            for price, size in message.bids:
                snapshot[(first, price if first else UNIT - price)] = size - size % LOT_UNITS
            for price, size in message.asks:
                snapshot[(not first, price if first else UNIT - price)] = size - size % LOT_UNITS
            snapshot = {level: size for level, size in snapshot.items() if size}
            for level in levels:
                if level not in snapshot:
                    changed[level] = 0
            for level, size in snapshot.items():
                if levels.get(level) != size:
                    changed[level] = size
            self.levels = snapshot
        elif isinstance(message, TickChange):
            self._flush_levels()
            self._commands.append(UpdateMarket(now_ms=0, condition_id=self.condition_id, tick_units=message.tick_units))

    def commands(self) -> list[Command]:
        """The commands that bring the exchange to the messages added since the last call (none if nothing changed)."""
        self._flush_levels()
        commands, self._commands = self._commands, []
        return commands

    def _flush_levels(self) -> None:
        if not self._changed:
            return
        changes = sorted(self._changed.items(), key=lambda change: change[1] != 0)
        self._changed = {}
        self._commands.append(
            SetLiquidity(
                now_ms=0,
                address=self.account,
                condition_id=self.condition_id,
                levels=tuple((is_bid, price, size) for (is_bid, price), size in changes),
            )
        )
