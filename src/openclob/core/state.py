"""The exchange's state: what it holds, the queries that read it, its invariants and its digest.

`State` declares every attribute of an exchange; the stages that change them (cancels.py, clock.py,
funds.py, admin.py and exchange.py, which puts them together) subclass it and share those attributes
directly, so the hot paths pay no extra call or lookup for the split. Only `Exchange` is built.

Two exchanges that applied the same commands in the same order have the same digest: any difference
in markets, books (order priority included), balances, indexes or counters changes it.
"""

from __future__ import annotations

import hashlib

import msgspec

from openclob.core.amounts import collateral_for
from openclob.core.book import Book
from openclob.core.events import Event
from openclob.core.ledger import Ledger
from openclob.core.markets import EventGroup, Market
from openclob.core.modes import LIVE, TradeStatus, TradingMode
from openclob.core.orders import BUY, COLLATERAL, Order

SettlementStep = tuple[int, int, str, int, bool]
"""A trade's next settlement step: (due ms, trade sequence, trade id, its delay, whether the step is MINED, not
CONFIRMED). Only ints, a str and a bool: the garbage collector stops tracking such tuples, which a heap of
thousands of unsettled trades would otherwise cost it on every collection."""


class InvariantViolation(Exception):
    """The exchange's state broke one of its own rules: a bug, never a user error."""


class State:
    """Markets, books, the ledger, the order indexes and the trading mode, with read-only queries."""

    def __init__(self) -> None:
        # core/snapshot.py exports and restores these by name: keep its EXCHANGE_ATTRIBUTES in step.
        self.markets: dict[str, Market] = {}
        self.events: dict[str, EventGroup] = {}
        """Events by id, in listing order."""
        self.ledger = Ledger()
        self.mode = TradingMode.NORMAL
        self._market_of_token: dict[str, Market] = {}
        self._books: dict[str, Book] = {}
        self._open: dict[str, Order] = {}
        self._owner_of: dict[str, str] = {}
        self._by_owner: dict[str, dict[str, dict[str, None]]] = {}
        """Open order ids by owner, then market (condition id), each market's in acceptance order."""
        self._expiries: list[tuple[int, int, str]] = []
        self._heartbeat_deadlines: dict[str, int] = {}
        self._heartbeat_queue: list[tuple[int, str]] = []
        self._closings: list[tuple[int, str]] = []
        """(end ms, condition id) of markets to close at their end dates, a heap (stale entries are dropped)."""
        self._order_sequence = 0
        self._trade_count = 0
        self._settlement_delay_ms = 0
        self._proceeds_at_mined = False
        """Whether a fill's proceeds wait for its trade to be MINED (ProceedsAvailableAt.MINED)."""
        self._settlements: list[SettlementStep] = []
        """Every unsettled trade's next step, a heap."""
        self._pending_proceeds: dict[str, dict[tuple[str, str], int]] = {}
        """Trade id -> (address, asset) -> what its fills delivered, spendable once it is MINED (lag on only)."""
        self._events: list[Event] = []
        """The events of the command being applied."""
        self._touched_levels: dict[tuple[str, bool, int], int] = {}
        """Book levels this command changed, keyed (condition, is bid, price), with their latest size.

        The side is a bool, not the BookSide enum, because hashing an enum runs Python code."""
        self._touched_markets: dict[str, None] = {}
        """Dynamic-tick markets whose book or last trade this command changed (the others need no check)."""

    # ------------------------------------------------------------------ queries

    def market_for_token(self, token_id: str) -> Market | None:
        """The market that lists `token_id`, if any."""
        return self._market_of_token.get(token_id)

    def event_of(self, market: Market) -> EventGroup | None:
        """The event `market` is an outcome of, if any."""
        return None if market.event_id is None else self.events[market.event_id]

    def redeemable(self, address: str, condition_id: str) -> tuple[int, int]:
        """(winning, losing) tokens `address` holds of a resolved market, what `Redeem` would pay and burn."""
        market = self.markets.get(condition_id)
        if market is None or market.winning_token_id is None:
            return 0, 0
        winning = sum(self.ledger.entry(address, market.winning_token_id))
        losing = sum(sum(self.ledger.entry(address, t)) for t in market.token_ids if t != market.winning_token_id)
        return winning, losing

    def book(self, condition_id: str) -> Book:
        """The market's one book (first-token terms). Read it; never change it."""
        return self._books[condition_id]

    def order(self, order_id: str) -> Order | None:
        """An open order by id (closed orders live in the store, not here)."""
        return self._open.get(order_id)

    def open_orders(self, owner: str) -> list[Order]:
        """`owner`'s open orders, oldest first."""
        open_orders = self._open
        return [open_orders[i] for i in self._open_ids(owner)]

    def _open_ids(self, owner: str) -> list[str]:
        """`owner`'s open order ids, in acceptance order (the order's sequence) across its markets."""
        markets = self._by_owner.get(owner)
        if not markets:
            return []
        if len(markets) == 1:
            return list(next(iter(markets.values())))
        open_orders = self._open
        return sorted((i for ids in markets.values() for i in ids), key=lambda i: open_orders[i].sequence)

    def balance(self, address: str, asset: str) -> tuple[int, int]:
        """(free, reserved) of `asset` held by `address`."""
        return self.ledger.entry(address, asset)

    def heartbeat_owners(self) -> list[str]:
        """Owners whose orders are cancelled if their heartbeats stop, in a stable order."""
        return sorted(self._heartbeat_deadlines)

    def heartbeat_deadline(self, owner: str) -> int | None:
        """When `owner`'s orders are cancelled unless a heartbeat arrives (ms), if heartbeats are on."""
        return self._heartbeat_deadlines.get(owner)

    def settlement(self) -> tuple[int, bool]:
        """(delay in ms, whether proceeds wait for MINED): how trades matched from now on settle."""
        return self._settlement_delay_ms, self._proceeds_at_mined

    def unsettled_trades(self) -> list[tuple[str, TradeStatus]]:
        """(trade id, current status) of every trade not yet CONFIRMED, in trade order."""
        entries = sorted(self._settlements, key=lambda entry: entry[1])
        return [
            (trade_id, TradeStatus.MATCHED if mining else TradeStatus.MINED) for _, _, trade_id, _, mining in entries
        ]

    def next_due_ms(self) -> int | None:
        """The earliest time at which an expiry, a heartbeat deadline, an end date or a settlement step falls due.

        Entries that no longer count (an order closed since, a superseded heartbeat) are included: at worst a
        time advance to it does nothing."""
        heaps = (self._expiries, self._heartbeat_queue, self._closings, self._settlements)
        heads = [heap[0][0] for heap in heaps if heap]
        return min(heads) if heads else None

    def next_settlement_ms(self) -> int | None:
        """When the next settlement step falls due, if any trade is unsettled."""
        return self._settlements[0][0] if self._settlements else None

    def pending(self) -> list[tuple[str, str, int]]:
        """(address, asset, amount) waiting for trades to be MINED, summed over trades, sorted."""
        totals: dict[tuple[str, str], int] = {}
        for credits in self._pending_proceeds.values():
            for key, amount in credits.items():
                totals[key] = totals.get(key, 0) + amount
        return sorted((address, asset, amount) for (address, asset), amount in totals.items() if amount)

    def pending_of(self, address: str, asset: str) -> int:
        """What `address` has of `asset` waiting for trades to be MINED."""
        return sum(credits.get((address, asset), 0) for credits in self._pending_proceeds.values())

    def counters(self) -> dict[str, object]:
        """Internal positions that shape future ids and deadlines (part of the state hash)."""
        return {
            "order_sequence": self._order_sequence,
            "trade_count": self._trade_count,
            "known_orders": len(self._owner_of),
            "expiries": sorted(self._expiries),
            "heartbeats": sorted(self._heartbeat_deadlines.items()),
            "settlement": self.settlement(),
            "settlements": sorted(self._settlements),
            "closings": sorted(self._closings),
            "pending": sorted(
                (trade_id, address, asset, amount)
                for trade_id, credits in self._pending_proceeds.items()
                for (address, asset), amount in credits.items()
            ),
        }

    def state_hash(self) -> str:
        """A digest of the whole state: equal states, equal hashes."""
        return state_digest(self)

    # ------------------------------------------------------------------ invariants

    def problems(self) -> list[str]:
        """Return every broken invariant of the books and the ledger (empty when sound)."""
        found: list[str] = list(self.ledger.problems())
        pending: dict[str, int] = {}
        for address, asset, amount in self.pending():
            pending[asset] = pending.get(asset, 0) + amount
            if amount < 0:
                found.append(f"negative pending proceeds {(address, asset)}: {amount}")
        unsettled = {trade_id for _, _, trade_id, _, _ in self._settlements}
        found += [f"pending proceeds of settled trade {t}" for t in self._pending_proceeds if t not in unsettled]
        reserved: dict[tuple[str, str], int] = {}
        for condition_id, book in self._books.items():
            found += [f"{condition_id}: {p}" for p in book.problems()]
            bid, ask = book.best_bid(), book.best_ask()
            if bid is not None and ask is not None and bid >= ask:
                found.append(f"{condition_id}: book crossed, bid {bid} >= ask {ask}")
            if self.markets[condition_id].closed and next(book.orders(), None) is not None:
                found.append(f"{condition_id}: closed with open orders")
        locked = self._locked_units(pending, found)
        for order in self._open.values():
            key = (order.maker, order.reserved_asset)
            reserved[key] = reserved.get(key, 0) + order.reserved_units
            want = order.remaining_units
            if order.side is BUY:
                want = collateral_for(order.remaining_units, order.price_units)
            if order.reserved_units != want:
                found.append(f"order {order.order_id} reserves {order.reserved_units}, needs {want}")
            if not 0 <= order.matched_units < order.size_units or order.status is not LIVE:
                found.append(f"open order {order.order_id} is {order.status} with {order.matched_units} matched")
        for address, asset, _, held in self.ledger.items():
            if held != reserved.get((address, asset), 0):
                found.append(f"{address} reserves {held} {asset}, orders need {reserved.get((address, asset))}")
        for (address, asset), amount in reserved.items():
            if amount and self.ledger.reserved(address, asset) != amount:
                found.append(f"{address} orders reserve {amount} {asset}, ledger has less")
        net = self.ledger.deposited_units - self.ledger.withdrawn_units
        held = self.ledger.total(COLLATERAL) + pending.get(COLLATERAL, 0)
        if net != held + locked:
            found.append(f"collateral not conserved: {net} != {held} + {locked}")
        return found

    def _locked_units(self, pending: dict[str, int], found: list[str]) -> int:
        """The collateral the markets lock (lifecycle.py), checking each open market's supplies on the way."""

        def supply(token_id: str) -> int:
            return self.ledger.total(token_id) + pending.get(token_id, 0)

        locked = 0
        for market in self.markets.values():
            if market.event_id is not None and self.events[market.event_id].neg_risk:
                continue
            if market.winning_token_id is not None:
                locked += supply(market.winning_token_id)
                continue
            first, second = (supply(t) for t in market.token_ids)
            if first != second:
                found.append(f"{market.condition_id}: supply {first} != {second}")
            locked += first
        for group in self.events.values():
            if not group.neg_risk:
                continue
            markets = [self.markets[c] for c in group.condition_ids]
            if any(m.winning_token_id is None for m in markets):
                locked += group.converted_units
            for market in markets:
                if market.winning_token_id is not None:
                    locked += supply(market.winning_token_id)
                    continue
                yes, no = (supply(t) for t in market.token_ids)
                if yes != no + group.converted_units:
                    found.append(f"{market.condition_id}: supply {yes} != {no} + {group.converted_units} converted")
                locked += no
        return locked

    def check_invariants(self) -> None:
        """Raise `InvariantViolation` if any invariant is broken."""
        found = self.problems()
        if found:
            raise InvariantViolation("; ".join(found))


def state_digest(state: State) -> str:
    """Return a hex SHA-256 over a canonical rendering of the exchange's state."""
    digest = hashlib.sha256()

    def put(*parts: object) -> None:
        digest.update(repr(parts).encode())
        digest.update(b"\n")

    put("mode", state.mode.value)
    for condition_id in sorted(state.markets):
        market = state.markets[condition_id]
        put(
            "market",
            condition_id,
            market.token_ids,
            market.outcomes,
            market.tick_units,
            market.listed_tick_units,
            market.min_size_units,
            market.neg_risk,
            market.fee_rate_bps,
            market.fee_exponent,
            market.dynamic_tick,
            market.accepting_orders,
            market.winning_token_id,
            market.last_trade_price_units,
            market.end_ms,
            market.close_at_end,
            market.closed,
            market.event_id,
        )
        for order in state.book(condition_id).orders():
            put(
                "order",
                order.order_id,
                order.owner,
                order.maker,
                order.token_id,
                order.side.value,
                order.order_type.value,
                order.price_units,
                order.size_units,
                order.matched_units,
                order.reserved_units,
                order.expiration,
                order.sequence,
            )
    for group in state.events.values():
        put("event", *msgspec.structs.astuple(group))
    for item in state.ledger.items():
        put("balance", *item)
    put("flows", state.ledger.deposited_units, state.ledger.withdrawn_units)
    for name, value in sorted(state.counters().items()):
        put("counter", name, value)
    return digest.hexdigest()
