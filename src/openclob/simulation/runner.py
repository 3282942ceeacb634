"""One running simulation: its traders, its fair value, and the steps it takes on the exchange clock.

Time is cut into steps of `STEP_MS` of exchange time from the moment the simulation started. `step_to(now)`
takes every step up to `now` in order; in each step the fair value moves (model.py), then the informed
traders and the takers send their orders (the informed first), all decided on the same book, and then the
makers requote on the book those orders left (strategies.py). Every decision is a function of the seed, the
step and the exchange state the simulation reads, so with a frozen clock moved in the same steps the same seed
gives the same commands. A running clock is followed by a task that wakes every step of wall time and calls
`step_to` with the exchange's time; a frozen one only moves when the operator moves it, and
`Service.move_clock` then lets the simulations catch up before it answers (manager.py). A long advance only
walks the fair value through its early steps (one draw) and acts in the last `MAX_ACTING_STEPS`.

Simulated orders are submitted to the sequencer as ordinary `PlaceOrder` and `CancelOrders` commands, so they
are journalled, matched, stored and published like anyone's. They carry no signature: they are made inside
the server, which needs none to trust itself, as the operator's deposits need none. An EIP-712 signature
would cost ~50 us an order and prove nothing the journal does not. They are marked instead: their owner
is `sim-<id>-<role>-<n>` (never an API key, which is a UUID) and their order ids are hashes of the
simulation id and a counter. Their accounts are funded by the operator's mint (`Deposit` and `Split`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import msgspec

from openclob.core import COLLATERAL, UNIT, CancelOrders, Deposit, OrderType, PlaceOrder, Rejected, Side, Split
from openclob.core.commands import Command
from openclob.core.markets import Market
from openclob.crypto import keccak256
from openclob.service import Service
from openclob.simulation import model, strategies
from openclob.simulation.config import SimulationSpec
from openclob.simulation.strategies import Take, Terms

log = logging.getLogger("openclob.simulation")

STEP_MS = 250
"""Exchange time per step."""
MAX_ACTING_STEPS = 40
"""After a long clock advance, the traders act in this many steps at most (the fair value walks through all)."""
OWNER_PREFIX = "sim-"
"""Every simulated trader's owner starts with this; an API key (a UUID) never does."""
FUNDING_UNITS = {"maker": 10_000 * UNIT, "taker": 2_000 * UNIT, "informed": 5_000 * UNIT}
"""Collateral each kind of trader is minted at start (a fifth of it is split into both tokens), and again
whenever its free collateral runs short."""
INVENTORY_LIMIT_UNITS = 500 * UNIT
"""Net first-token shares at which a maker's quotes are skewed the most."""
INFORMED_SIZE_LOTS = 4
"""An informed trader's order size in minimum order sizes."""


class Trader(msgspec.Struct, kw_only=True):
    """A simulated account: its role, owner, address, own generator and (for a maker) its bias and spread."""

    role: str
    index: int
    owner: str
    address: str
    rng: random.Random
    bias_units: int = 0
    spread_ticks: int = 1

    def json(self) -> dict[str, Any]:
        """What the admin API shows of it."""
        return {"role": self.role, "owner": self.owner, "address": self.address, "simulated": True}


def trader(sim_id: str, seed: int, role: str, index: int) -> Trader:
    """A simulated trader: its address is a hash of the simulation id, its role and its number; its generator
    is seeded by the simulation's seed, its role and its number."""
    digest = keccak256(f"openclob-simulation:{sim_id}:{role}:{index}".encode())
    rng = random.Random(f"{seed}:{role}:{index}")
    return Trader(
        role=role,
        index=index,
        owner=f"{OWNER_PREFIX}{sim_id}-{role}-{index}",
        address="0x" + digest[-20:].hex(),
        rng=rng,
        bias_units=round(rng.gauss(0.0, 2_000)) if role == "maker" else 0,
        spread_ticks=1 + index if role == "maker" else 1,
    )


class SimulationRunner:
    """A simulation on one market; `step_to` moves it to an exchange time."""

    def __init__(self, service: Service, sim_id: str, spec: SimulationSpec, seed: int, started_ms: int) -> None:
        self.service = service
        self.id = sim_id
        self.spec = spec
        self.seed = seed
        self.condition_id = spec.condition_id
        self.started_ms = started_ms
        self.status = "running"
        self.steps = 0
        self.commands = 0
        """Commands submitted so far (orders, cancels, funding)."""
        self.log_odds = model.logit(spec.fair_value.start)
        self._fair_rng = random.Random(f"{seed}:fair_value")
        self._orders = 0
        self._lock = asyncio.Lock()
        roles = (("maker", spec.makers), ("taker", spec.takers), ("informed", spec.informed))
        self.traders = [trader(sim_id, seed, role, i) for role, count in roles for i in range(count)]

    @property
    def fair_value(self) -> float:
        """The hidden fair value of the first outcome (1 or 0 once the market resolved)."""
        market = self.service.exchange.markets.get(self.condition_id)
        if market is not None and market.winning_token_id is not None:
            return model.resolved_value(market.token_index(market.winning_token_id))
        return model.expit(self.log_odds)

    def json(self) -> dict[str, Any]:
        """What the admin API shows of it."""
        spec = self.spec
        return {
            "id": self.id,
            "condition_id": self.condition_id,
            "seed": self.seed,
            "status": self.status,
            "simulated": True,
            "fair_value": msgspec.structs.asdict(spec.fair_value),
            "current_fair_value": round(self.fair_value, 6),
            "makers": spec.makers,
            "takers": spec.takers,
            "informed": spec.informed,
            "levels": spec.levels,
            "taker_rate": spec.taker_rate,
            "informed_threshold": spec.informed_threshold,
            "started_at_ms": self.started_ms,
            "stepped_to_ms": self.started_ms + self.steps * STEP_MS,
            "steps": self.steps,
            "commands": self.commands,
            "accounts": [t.json() for t in self.traders],
        }

    # ---------------------------------------------------------------- funding and stopping

    async def fund(self) -> None:
        """Mint each trader's starting collateral and split a fifth of it into both tokens."""
        commands: list[Command] = []
        for t in self.traders:
            amount = FUNDING_UNITS[t.role]
            commands.append(Deposit(now_ms=0, address=t.address, amount=amount))
            commands.append(Split(now_ms=0, address=t.address, condition_id=self.condition_id, amount=amount // 5))
        await self._submit(commands)

    async def cancel_orders(self) -> None:
        """Cancel every open order of its traders (after it stopped)."""
        async with self._lock:
            commands: list[Command] = []
            for t in self.traders:
                ids = tuple(o.order_id for o in self.service.exchange.open_orders(t.owner))
                if ids:
                    commands.append(CancelOrders(now_ms=0, owner=t.owner, order_ids=ids))
            await self._submit(commands)

    # ---------------------------------------------------------------- stepping

    async def step_to(self, now_ms: int) -> None:
        """Take every step due by exchange time `now_ms`, in order (nothing if it stopped)."""
        async with self._lock:
            due = (now_ms - self.started_ms) // STEP_MS - self.steps
            if due <= 0 or self.status != "running":
                return
            params, dt_s = self.spec.fair_value, STEP_MS / 1000
            if due > MAX_ACTING_STEPS:
                skipped = due - MAX_ACTING_STEPS
                self.log_odds = model.walk(self.log_odds, params, self._fair_rng, dt_s, skipped)
                self.steps += skipped
                due = MAX_ACTING_STEPS
            for _ in range(due):
                if self.status != "running":
                    return
                self.log_odds = model.walk(self.log_odds, params, self._fair_rng, dt_s)
                self.steps += 1
                if not await self._act():
                    return

    async def _act(self) -> bool:
        """One step's trading; False once the market is gone or resolved (the simulation ends)."""
        market = self.service.exchange.markets.get(self.condition_id)
        if market is None or market.resolved:
            self.status = "resolved"
            return False
        if not market.accepting_orders:
            return True
        fair = model.to_units(self.fair_value)
        takes = [c for t in self._role("informed") for c in self._informed(t, market, fair)]
        takes += [c for t in self._role("taker") for c in self._taker(t, market)]
        await self._submit(takes)
        await self._submit([c for t in self._role("maker") for c in self._maker(t, market, fair)])
        return True

    def _role(self, role: str) -> list[Trader]:
        return [t for t in self.traders if t.role == role]

    def _terms(self, market: Market) -> Terms:
        return Terms(market.tick_units, market.min_size_units)

    def _best(self) -> tuple[int | None, int | None]:
        book = self.service.exchange.book(self.condition_id)
        return book.best_bid(), book.best_ask()

    def _informed(self, t: Trader, market: Market, fair: int) -> list[Command]:
        best_bid, best_ask = self._best()
        terms = self._terms(market)
        threshold = round(self.spec.informed_threshold * UNIT)
        size = terms.min_size_units * INFORMED_SIZE_LOTS
        take = strategies.informed_order(fair, best_bid, best_ask, threshold, size, terms)
        return [] if take is None else self._take(t, market, take)

    def _taker(self, t: Trader, market: Market) -> list[Command]:
        if t.rng.random() >= self.spec.taker_rate * STEP_MS / 1000:
            return []
        best_bid, best_ask = self._best()
        take = strategies.taker_order(t.rng, best_bid, best_ask, self._terms(market))
        return [] if take is None else self._take(t, market, take)

    def _take(self, t: Trader, market: Market, take: Take) -> list[Command]:
        token_id = market.token_ids[take.token_index]
        notional = take.price_units * take.size_units // UNIT
        if take.side is Side.BUY:
            amounts = (notional, take.size_units)
            funding = self._funding(t, market, notional, {})
        else:
            amounts = (take.size_units, notional)
            funding = self._funding(t, market, 0, {token_id: take.size_units})
        return [*funding, self._order(t, token_id, take.side, amounts, take.order_type)]

    def _maker(self, t: Trader, market: Market, fair: int) -> list[Command]:
        exchange = self.service.exchange
        yes, no = market.token_ids
        inventory = sum(exchange.balance(t.address, yes)) - sum(exchange.balance(t.address, no))
        wanted = strategies.maker_quotes(
            fair, t.bias_units, inventory, INVENTORY_LIMIT_UNITS, self._terms(market), t.spread_ticks, self.spec.levels
        )
        prices = {(q.side, q.price_units) for q in wanted}
        keep: set[tuple[Side, int]] = set()
        stale: list[str] = []
        for order in exchange.open_orders(t.owner):  # (a trader trades in one market only)
            key = (order.side, order.price_units)
            if key in prices and key not in keep:
                keep.add(key)
            else:
                stale.append(order.order_id)
        new = [q for q in wanted if (q.side, q.price_units) not in keep]
        commands: list[Command] = []
        if stale:
            commands.append(CancelOrders(now_ms=0, owner=t.owner, order_ids=tuple(stale)))
        if not new:
            return commands
        collateral = sum(q.price_units * q.size_units // UNIT for q in new if q.side is Side.BUY)
        shares = sum(q.size_units for q in new if q.side is Side.SELL)
        commands.extend(self._funding(t, market, collateral, {yes: shares}))
        for q in new:
            notional = q.price_units * q.size_units // UNIT
            amounts = (notional, q.size_units) if q.side is Side.BUY else (q.size_units, notional)
            commands.append(self._order(t, yes, q.side, amounts, OrderType.GTC, post_only=True))
        return commands

    def _funding(self, t: Trader, market: Market, collateral: int, tokens: dict[str, int]) -> list[Command]:
        """The operator's mint for what `t` is about to spend: collateral, and tokens split from collateral."""
        exchange = self.service.exchange
        split = max((need - exchange.balance(t.address, token)[0] for token, need in tokens.items()), default=0)
        split = strategies.round_size(split, UNIT) if split > 0 else 0
        free = exchange.balance(t.address, COLLATERAL)[0]
        commands: list[Command] = []
        if free < collateral + split or free < FUNDING_UNITS[t.role] // 10:
            amount = FUNDING_UNITS[t.role] + collateral + split
            commands.append(Deposit(now_ms=0, address=t.address, amount=amount))
        if split:
            commands.append(Split(now_ms=0, address=t.address, condition_id=market.condition_id, amount=split))
        return commands

    def _order(
        self,
        t: Trader,
        token_id: str,
        side: Side,
        amounts: tuple[int, int],
        kind: OrderType,
        *,
        post_only: bool = False,
    ) -> PlaceOrder:
        self._orders += 1
        market = self.service.exchange.markets[self.condition_id]
        return PlaceOrder(
            now_ms=0,
            order_id="0x" + keccak256(f"openclob-simulation:{self.id}:order:{self._orders}".encode()).hex(),
            owner=t.owner,
            maker=t.address,
            signer=t.address,
            token_id=token_id,
            side=side,
            maker_amount=amounts[0],
            taker_amount=amounts[1],
            fee_rate_bps=market.fee_rate_bps,
            order_type=kind,
            post_only=post_only,
        )

    async def _submit(self, commands: list[Command]) -> None:
        if not commands:
            return
        self.commands += len(commands)
        receipts = await self.service.submit_many(commands)
        for command, receipt in zip(commands, receipts, strict=True):
            result = receipt.applied.result
            if isinstance(result, Rejected) and not isinstance(command, PlaceOrder):
                log.warning("simulation %s: %s refused: %s", self.id, type(command).__name__, result.reject.name)
