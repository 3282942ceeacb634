"""The exchange: one deterministic command processor over markets, books and the ledger.

`Exchange.apply(command)` checks a command, changes the state, and returns the caller's result with
the events it produced. A refused command changes nothing (time-driven expiries that fall due before it
still happen, and are reported). Same commands in the same order give the same state, which
`state_hash()` summarises: replay and recovery rest on that.

Settlement needs no rounding: every fill is a whole number of lots (0.01 share) at a price on a tick of
at least 0.0001, so its collateral value is a whole number of 1e-6 units. For a fill of s shares at
first-token price P, the first-token side is worth c = s*P and the second-token side s - c; a BUY pays
its side's value and gets s tokens, a SELL gives s tokens and gets its side's value. Two BUYs of the
two tokens pool exactly s collateral and mint s pairs (MINT); two SELLs burn s pairs (MERGE).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from openclob.core.amounts import LOT_UNITS, TICK_UNITS, UNIT, collateral_for
from openclob.core.book import Book
from openclob.core.commands import (
    AdvanceTime,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    Command,
    CreateMarket,
    Deposit,
    Heartbeat,
    Merge,
    PlaceOrder,
    ResolveMarket,
    SetTradingMode,
    Split,
    UpdateMarket,
    Withdraw,
)
from openclob.core.events import (
    BalanceChanged,
    BookLevelChanged,
    Event,
    MakerFill,
    MarketListed,
    MarketResolved,
    MarketUpdated,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    TickSizeChanged,
    Trade,
    TradingModeChanged,
)
from openclob.core.ledger import FEE_ACCOUNT, Ledger
from openclob.core.markets import DYNAMIC_TICK_BASE_UNITS, Market
from openclob.core.matching import MatchPlan, fee_units, plan_match, v2_fee_units, v2_fee_weight
from openclob.core.modes import CANCELED, DISABLED, LIVE, MATCHED, NORMAL, TradingMode
from openclob.core.orders import (
    ASK,
    BID,
    BUY,
    COLLATERAL,
    FAK,
    FOK,
    CancelReason,
    Order,
)
from openclob.core.rejects import Reject, Rejected, rejected
from openclob.core.results import Applied, Canceled, Done, OrderPlaced, Result
from openclob.core.state import state_digest
from openclob.core.validation import price_order

MAX_FEE_RATE_BPS = 1000
"""The CTF exchange's maximum fee rate."""
MAX_FEE_EXPONENT = 4
"""The largest V2 fee exponent a market may have (Polymarket uses 1)."""

BY_USER = CancelReason.USER
"""The reason of every user cancel, read as a global (see orders.BUY)."""
NOT_FOUND = "order not found"
_NO_MATCH = MatchPlan([], 0, False)
ALREADY_CLOSED = "already canceled or matched"


class InvariantViolation(Exception):
    """The exchange's state broke one of its own rules: a bug, never a user error."""


class Exchange:
    """Markets, books, the ledger and the trading mode, changed only through `apply`."""

    def __init__(self) -> None:
        self.markets: dict[str, Market] = {}
        self.ledger = Ledger()
        self.mode = TradingMode.NORMAL
        self._market_of_token: dict[str, Market] = {}
        self._books: dict[str, Book] = {}
        self._open: dict[str, Order] = {}
        self._owner_of: dict[str, str] = {}
        self._by_owner: dict[str, dict[str, None]] = {}
        self._by_owner_market: dict[tuple[str, str], dict[str, None]] = {}
        self._expiries: list[tuple[int, int, str]] = []
        self._heartbeat_deadlines: dict[str, int] = {}
        self._heartbeat_queue: list[tuple[int, str]] = []
        self._order_sequence = 0
        self._trade_count = 0
        self._events: list[Event] = []
        self._touched_levels: dict[tuple[str, bool, int], int] = {}
        """Book levels this command changed, keyed (condition, is bid, price), with their latest size.

        The side is a bool, not the BookSide enum, because hashing an enum runs Python code."""
        self._touched_markets: dict[str, None] = {}
        """Dynamic-tick markets whose book or last trade this command changed (the others need no check)."""
        self._handlers: dict[type, Callable[[Any], Result]] = {
            CreateMarket: self._create_market,
            UpdateMarket: self._update_market,
            ResolveMarket: self._resolve_market,
            PlaceOrder: self._place,
            CancelOrders: self._cancel_orders,
            CancelAll: self._cancel_all,
            CancelMarketOrders: self._cancel_market_orders,
            AdvanceTime: self._advance_time,
            Heartbeat: self._heartbeat,
            Deposit: self._deposit,
            Withdraw: self._withdraw,
            Split: self._split,
            Merge: self._merge,
            SetTradingMode: self._set_trading_mode,
        }

    # ------------------------------------------------------------------ the one verb

    def apply(self, command: Command) -> Applied:
        """Apply one command; return the caller's result and the events, in order."""
        events: list[Event] = []
        self._events = events
        now_ms = command.now_ms
        if (self._expiries and self._expiries[0][0] <= now_ms) or (
            self._heartbeat_queue and self._heartbeat_queue[0][0] <= now_ms
        ):
            self._expire_due(now_ms)
            # The command is checked against the tick the expiries leave (an expired extreme quote may end
            # a fine tick), whether or not a time advance ran just before it.
            self._retick()
        result = self._handlers[type(command)](command)
        # Report the book levels and balances the command touched, with their new totals, and apply the
        # dynamic tick. Inline, not a helper: nearly every command gets here, and a method call costs
        # about as much as one of these loops.
        touched_levels = self._touched_levels
        if touched_levels:
            markets = self.markets
            for (condition_id, is_bid, price), size in touched_levels.items():
                # positional: condition_id, token_ids, book_side, price_units, size_units
                events.append(
                    BookLevelChanged(condition_id, markets[condition_id].token_ids, BID if is_bid else ASK, price, size)
                )
            touched_levels.clear()
        if self._touched_markets:
            self._retick()
        # the ledger's touched map holds each changed balance's live [free, reserved] entry
        touched_balances = self.ledger.touched
        if touched_balances:
            for (address, asset), (free, reserved) in touched_balances.items():
                events.append(BalanceChanged(address, asset, free, reserved))  # positional, in field order
            touched_balances.clear()
        return Applied(result, events)

    # ------------------------------------------------------------------ queries

    def market_for_token(self, token_id: str) -> Market | None:
        """The market that lists `token_id`, if any."""
        return self._market_of_token.get(token_id)

    def book(self, condition_id: str) -> Book:
        """The market's one book (first-token terms). Read it; never change it."""
        return self._books[condition_id]

    def order(self, order_id: str) -> Order | None:
        """An open order by id (closed orders live in the store, not here)."""
        return self._open.get(order_id)

    def open_orders(self, owner: str) -> list[Order]:
        """`owner`'s open orders, oldest first."""
        return [self._open[i] for i in self._by_owner.get(owner, {})]

    def balance(self, address: str, asset: str) -> tuple[int, int]:
        """(free, reserved) of `asset` held by `address`."""
        return self.ledger.entry(address, asset)

    def heartbeat_owners(self) -> list[str]:
        """Owners whose orders are cancelled if their heartbeats stop, in a stable order."""
        return sorted(self._heartbeat_deadlines)

    def heartbeat_deadline(self, owner: str) -> int | None:
        """When `owner`'s orders are cancelled unless a heartbeat arrives (ms), if heartbeats are on."""
        return self._heartbeat_deadlines.get(owner)

    def counters(self) -> dict[str, object]:
        """Internal positions that shape future ids and deadlines (part of the state hash)."""
        return {
            "order_sequence": self._order_sequence,
            "trade_count": self._trade_count,
            "known_orders": len(self._owner_of),
            "expiries": sorted(self._expiries),
            "heartbeats": sorted(self._heartbeat_deadlines.items()),
        }

    def state_hash(self) -> str:
        """A digest of the whole state: equal states, equal hashes."""
        return state_digest(self)

    def problems(self) -> list[str]:
        """Return every broken invariant of the books and the ledger (empty when sound)."""
        found: list[str] = list(self.ledger.problems())
        reserved: dict[tuple[str, str], int] = {}
        outstanding_pairs = 0
        for condition_id, book in self._books.items():
            market = self.markets[condition_id]
            found += [f"{condition_id}: {p}" for p in book.problems()]
            bid, ask = book.best_bid(), book.best_ask()
            if bid is not None and ask is not None and bid >= ask:
                found.append(f"{condition_id}: book crossed, bid {bid} >= ask {ask}")
            first, second = (self.ledger.total(t) for t in market.token_ids)
            if first != second:
                found.append(f"{condition_id}: supply {first} != {second}")
            outstanding_pairs += first
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
        held = self.ledger.total(COLLATERAL)
        if net != held + outstanding_pairs:
            found.append(f"collateral not conserved: {net} != {held} + {outstanding_pairs}")
        return found

    def check_invariants(self) -> None:
        """Raise `InvariantViolation` if any invariant is broken."""
        found = self.problems()
        if found:
            raise InvariantViolation("; ".join(found))

    # ------------------------------------------------------------------ markets

    def _create_market(self, cmd: CreateMarket) -> Result:
        if cmd.condition_id in self.markets:
            return rejected(Reject.MARKET_EXISTS, condition_id=cmd.condition_id)
        why = _market_definition_problem(cmd, self._market_of_token)
        if why is not None:
            return rejected(Reject.INVALID_MARKET_DEFINITION, why=why)
        market = Market(
            condition_id=cmd.condition_id,
            token_ids=cmd.token_ids,
            outcomes=cmd.outcomes,
            tick_units=cmd.tick_units,
            listed_tick_units=cmd.tick_units,
            min_size_units=cmd.min_size_units,
            neg_risk=cmd.neg_risk,
            fee_rate_bps=cmd.fee_rate_bps,
            dynamic_tick=cmd.dynamic_tick,
            accepting_orders=cmd.accepting_orders,
            created_at_ms=cmd.now_ms,
            fee_exponent=cmd.fee_exponent,
        )
        self.markets[cmd.condition_id] = market
        for token_id in cmd.token_ids:
            self._market_of_token[token_id] = market
        self._books[cmd.condition_id] = Book(cmd.condition_id)
        self._events.append(MarketListed(condition_id=cmd.condition_id, token_ids=cmd.token_ids))
        return Done()

    def _update_market(self, cmd: UpdateMarket) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if cmd.tick_units is not None and cmd.tick_units not in TICK_UNITS:
            return rejected(Reject.INVALID_TICK_SIZE, tick=cmd.tick_units / UNIT)
        if cmd.min_size_units is not None and (cmd.min_size_units <= 0 or cmd.min_size_units % LOT_UNITS):
            return rejected(Reject.INVALID_MARKET_DEFINITION, why="minimum order size must be whole lots of 0.01")
        if cmd.accepting_orders is not None:
            market.accepting_orders = cmd.accepting_orders
        if cmd.min_size_units is not None:
            market.min_size_units = cmd.min_size_units
        if cmd.tick_units is not None:
            market.listed_tick_units = cmd.tick_units
            self._set_tick(market, cmd.tick_units)
        self._events.append(MarketUpdated(condition_id=cmd.condition_id))
        return Done()

    def _resolve_market(self, cmd: ResolveMarket) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if market.resolved:
            return rejected(Reject.MARKET_RESOLVED, condition_id=cmd.condition_id)
        if cmd.winning_token_id not in market.token_ids:
            return rejected(Reject.INVALID_MARKET_DEFINITION, why="the winner must be one of the market's tokens")
        # oldest first: acceptance order, as the orders came to rest
        resting = sorted(self._books[cmd.condition_id].orders(), key=attrgetter("sequence"))
        self._cancel_each([order.order_id for order in resting], CancelReason.MARKET_RESOLVED)
        market.winning_token_id = cmd.winning_token_id
        market.accepting_orders = False
        for token_id in market.token_ids:
            for address in self.ledger.holders(token_id):
                amount = self.ledger.zero(address, token_id)
                if token_id == cmd.winning_token_id:
                    self.ledger.credit(address, COLLATERAL, amount)
        self._events.append(MarketResolved(condition_id=cmd.condition_id, winning_token_id=cmd.winning_token_id))
        return Done()

    # ------------------------------------------------------------------ orders

    def _place(self, cmd: PlaceOrder) -> Result:
        # The hot path of the exchange: reads go to locals, enum members to module constants, and the
        # order's two price frames are computed here once (see orders.book_side_of and to_book_price).
        if self.mode is not NORMAL:
            refused = self._mode_refuses_order(cmd.post_only)
            if refused is not None:
                return refused
        token_id = cmd.token_id
        market = self._market_of_token.get(token_id)
        if market is None or not market.accepting_orders or market.winning_token_id is not None:
            return rejected(Reject.MARKET_NOT_READY)
        priced = price_order(cmd, market)
        if isinstance(priced, Rejected):
            return priced
        order_id = cmd.order_id
        if order_id in self._owner_of:
            return rejected(Reject.DUPLICATED, order_id=order_id)
        first_token = token_id == market.token_ids[0]
        is_buy = cmd.side is BUY
        price_units = priced.price_units
        book_side = BID if is_buy == first_token else ASK
        book_price_units = price_units if first_token else UNIT - price_units
        asset = COLLATERAL if is_buy else token_id
        book = self._books[market.condition_id]
        crossing = book.crossed_by(book_side, book_price_units)
        # A V2 order (no signed fee rate) pays the market's V2 fee when it takes. A BUY reserves that fee
        # at its limit price on its whole size: fills at better prices never cost more, shares plus fee
        # included (see v2_fee_weight), so the reservation covers every fill. Resting releases it.
        v2_fee_rate = market.fee_rate_bps if cmd.fee_rate_bps is None else 0
        reserve_units = priced.reserve_units
        if v2_fee_rate and crossing and is_buy and not cmd.post_only:
            weight = v2_fee_weight(price_units, priced.size_units, market.fee_exponent)
            reserve_units += v2_fee_units(weight, v2_fee_rate, market.fee_exponent)
        # Positional on purpose, in Order's field order: msgspec builds a Struct from 16 or more keyword
        # arguments about six times slower (0.7 µs against 0.11 µs here).
        order = Order(
            order_id,
            cmd.owner,
            cmd.maker,
            cmd.signer,
            market.condition_id,
            token_id,
            0 if first_token else 1,  # token_index
            cmd.side,
            book_side,
            cmd.order_type,
            cmd.post_only,
            price_units,
            book_price_units,
            priced.size_units,
            cmd.maker_amount,
            cmd.taker_amount,
            0 if cmd.fee_rate_bps is None else cmd.fee_rate_bps,
            cmd.expiration,
            cmd.now_ms,  # created_at_ms
            self._order_sequence + 1,  # sequence
            0,  # matched_units
            reserve_units,  # reserved_units
            LIVE,  # status
            None,  # cancel_reason
            cmd.builder_code,
        )
        planned = crossing and not cmd.post_only
        plan = plan_match(book, order, priced.reserve_units if is_buy else 0) if planned else _NO_MATCH
        filled = plan.filled_units
        unfilled = filled < order.size_units
        order_type = cmd.order_type
        would_rest = unfilled and not priced.is_market_order
        # The book's rejects rank after the balance check, but are worked out first (planning changes
        # nothing): then an order that passes them has its balance checked and reserved in one ledger call.
        refused = None
        if cmd.post_only and crossing:
            refused = rejected(Reject.POST_ONLY_CROSSES)
        elif order_type is FOK and unfilled:
            refused = rejected(Reject.FOK_NOT_FILLED)
        elif order_type is FAK and filled == 0:
            refused = rejected(Reject.FAK_NO_MATCH)
        elif would_rest and plan.skipped_own and filled == 0:
            refused = rejected(Reject.CROSSES_OWN_ORDER, order_id=order_id)
        if refused is not None:
            if self.ledger.free(cmd.maker, asset) < reserve_units:
                return rejected(Reject.NOT_ENOUGH_BALANCE)
            return refused
        if not self.ledger.reserve(cmd.maker, asset, reserve_units):
            return rejected(Reject.NOT_ENOUGH_BALANCE)

        self._order_sequence = order.sequence
        self._owner_of[order_id] = order.owner
        self._events.append(
            OrderAccepted(  # positional, in the event's field order
                order_id,
                order.sequence,
                order.owner,
                order.maker,
                order.signer,
                order.condition_id,
                token_id,
                order.side,
                order_type,
                order.post_only,
                price_units,
                order.size_units,
                order.fee_rate_bps,
                order.expiration,
                order.created_at_ms,
            )
        )
        making = taking = 0
        trade_ids: tuple[str, ...] = ()
        if plan.fills:
            trade_id, making, taking = self._execute(order, plan, market, book, cmd.now_ms, v2_fee_rate)
            trade_ids = (trade_id,)
        if order.matched_units == order.size_units:
            self._release(order, order.reserved_units)
        elif would_rest and not plan.skipped_own:
            # rest the order (inline: a method call costs about as much as the lines below)
            condition_id = order.condition_id
            if is_buy:
                # A resting BUY keeps the value of what is left: partial fills at better prices, and a V2
                # taker fee reserved but not spent, go back to free.
                excess = order.reserved_units - (order.size_units - order.matched_units) * price_units // UNIT
                if excess:  # (the value of what is left is collateral_for(remaining, price), inline)
                    self._release(order, excess)
            self._touched_levels[(condition_id, book_side is BID, book_price_units)] = book.add(order)
            if market.dynamic_tick:
                self._touched_markets[condition_id] = None
            self._open[order_id] = order
            owner = order.owner
            owner_orders = self._by_owner.get(owner)
            if owner_orders is None:
                owner_orders = self._by_owner[owner] = {}
            owner_orders[order_id] = None
            key = (owner, condition_id)
            market_orders = self._by_owner_market.get(key)
            if market_orders is None:
                market_orders = self._by_owner_market[key] = {}
            market_orders[order_id] = None
            if priced.expires_at_ms is not None:
                heapq.heappush(self._expiries, (priced.expires_at_ms, order.sequence, order_id))
        else:
            reason = CancelReason.KILLED if priced.is_market_order else CancelReason.SELF_TRADE
            self._close_unmatched(order, reason)
        return OrderPlaced(order_id, order.status, order.matched_units, making, taking, trade_ids)

    def _execute(
        self, taker: Order, plan: MatchPlan, market: Market, book: Book, now_ms: int, v2_fee_rate: int
    ) -> tuple[str, int, int]:
        """Settle every planned fill; return (trade id, what the taker gave, what it received net).

        A V2 taker (`v2_fee_rate` > 0) pays its fee in collateral once for the whole trade, rounded up.
        """
        self._trade_count += 1
        trade_id = _trade_id(self._trade_count)
        condition_id = market.condition_id
        touched_levels = self._touched_levels
        settle = self._settle
        legs: list[MakerFill] = []
        maker_updates: list[OrderFilled] = []
        taker_cash = taker_fee = v2_weight = 0
        taker_token = taker.token_id
        # a leg on the other token pairs two BUYs (MINT) or two SELLs (MERGE)
        cross_kind = "MINT" if taker.side is BUY else "MERGE"
        for fill in plan.fills:
            maker, shares, price = fill.maker, fill.fill_units, fill.book_price_units
            _, maker_fee = settle(maker, shares, price)
            cash, fee = settle(taker, shares, price)
            taker_cash += cash
            taker_fee += fee
            if v2_fee_rate:
                own_price = price if taker.token_index == 0 else UNIT - price
                v2_weight += v2_fee_weight(own_price, shares, market.fee_exponent)
            matched = maker.matched_units + shares
            maker.matched_units = matched
            if matched == maker.size_units:
                maker.status = MATCHED
                level_size = book.remove(maker, shares)
                self._unindex(maker)
            else:
                level_size = book.reduce(maker, shares)
            touched_levels[(condition_id, maker.book_side is BID, price)] = level_size
            legs.append(
                MakerFill(  # positional, in the event's field order
                    maker.order_id,
                    maker.owner,
                    maker.maker,
                    maker.token_id,
                    maker.side,
                    maker.price_units,
                    shares,  # matched_units
                    maker_fee,
                    maker.fee_rate_bps,
                    "COMPLEMENTARY" if maker.token_id == taker_token else cross_kind,
                    maker.builder_code,
                )
            )
            maker_updates.append(
                # positional: order_id, owner, trade_id, fill_units, matched_units, status
                OrderFilled(maker.order_id, maker.owner, trade_id, shares, matched, maker.status)
            )
        if v2_fee_rate:
            taker_fee = self._charge_v2_fee(taker, v2_fee_units(v2_weight, v2_fee_rate, market.fee_exponent))
        taker.matched_units += plan.filled_units
        if taker.matched_units == taker.size_units:
            taker.status = MATCHED
        market.last_trade_price_units = plan.fills[-1].book_price_units
        if market.dynamic_tick:
            self._touched_markets[condition_id] = None
        trade = Trade(  # positional, in the event's field order
            trade_id,
            self._trade_count,  # sequence
            condition_id,
            taker.order_id,
            taker.owner,
            taker.maker,
            taker_token,
            taker.side,
            plan.filled_units,  # size_units
            taker_cash,  # collateral_units
            taker_fee,
            v2_fee_rate or taker.fee_rate_bps,
            legs[0].kind,
            tuple(legs),  # maker_fills
            now_ms,  # matched_at_ms
            taker.builder_code,
        )
        events = self._events
        events.append(trade)
        events.extend(maker_updates)
        # positional: order_id, owner, trade_id, fill_units, matched_units, status
        events.append(
            OrderFilled(taker.order_id, taker.owner, trade_id, plan.filled_units, taker.matched_units, taker.status)
        )
        if taker.side is BUY:
            if v2_fee_rate:
                return trade_id, taker_cash + taker_fee, plan.filled_units
            return trade_id, taker_cash, plan.filled_units - taker_fee
        return trade_id, plan.filled_units, taker_cash - taker_fee

    def _charge_v2_fee(self, taker: Order, fee: int) -> int:
        """Take a V2 taker's fee in collateral: a BUY's from its reservation, a SELL's from its proceeds."""
        if fee:
            if taker.side is BUY:
                self.ledger.consume(taker.maker, COLLATERAL, fee)
                taker.reserved_units -= fee
            else:
                self.ledger.debit(taker.maker, COLLATERAL, fee)
            self.ledger.credit(FEE_ACCOUNT, COLLATERAL, fee)
        return fee

    def _settle(self, order: Order, shares: int, book_price_units: int) -> tuple[int, int]:
        """Move one party's side of a fill; return (collateral value of its side, its fee)."""
        own_price = book_price_units if order.token_index == 0 else UNIT - book_price_units
        cash = shares * own_price // UNIT
        fee = fee_units(order.side, order.fee_rate_bps, own_price, shares) if order.fee_rate_bps else 0
        ledger = self.ledger
        if order.side is BUY:
            ledger.fill(order.maker, COLLATERAL, cash, order.token_id, shares - fee)
            order.reserved_units -= cash
            if fee:
                ledger.credit(FEE_ACCOUNT, order.token_id, fee)
        else:
            ledger.fill(order.maker, order.token_id, shares, COLLATERAL, cash - fee)
            order.reserved_units -= shares
            if fee:
                ledger.credit(FEE_ACCOUNT, COLLATERAL, fee)
        return cash, fee

    def _release(self, order: Order, amount: int) -> None:
        if amount:
            self.ledger.release(order.maker, COLLATERAL if order.side is BUY else order.token_id, amount)
            order.reserved_units -= amount

    def _unindex(self, order: Order) -> None:
        order_id, owner = order.order_id, order.owner
        del self._open[order_id]
        del self._by_owner[owner][order_id]
        del self._by_owner_market[(owner, order.condition_id)][order_id]

    def _close_unmatched(self, order: Order, reason: CancelReason) -> None:
        if order.reserved_units:
            self.ledger.release(order.maker, COLLATERAL if order.side is BUY else order.token_id, order.reserved_units)
            order.reserved_units = 0
        order.status = CANCELED
        order.cancel_reason = reason
        self._events.append(
            OrderCanceled(
                order_id=order.order_id,
                owner=order.owner,
                condition_id=order.condition_id,
                token_id=order.token_id,
                reason=reason,
                matched_units=order.matched_units,
            )
        )

    def _cancel_resting(self, order: Order, reason: CancelReason) -> None:
        # _unindex and _close_unmatched, inline: every cancel comes through here
        order_id, owner, condition_id = order.order_id, order.owner, order.condition_id
        level_size = self._books[condition_id].remove(order, order.size_units - order.matched_units)
        self._touched_levels[(condition_id, order.book_side is BID, order.book_price_units)] = level_size
        if self.markets[condition_id].dynamic_tick:
            self._touched_markets[condition_id] = None
        del self._open[order_id]
        del self._by_owner[owner][order_id]
        del self._by_owner_market[(owner, condition_id)][order_id]
        if order.reserved_units:
            self.ledger.release(order.maker, COLLATERAL if order.side is BUY else order.token_id, order.reserved_units)
            order.reserved_units = 0
        order.status = CANCELED
        order.cancel_reason = reason
        self._events.append(
            # positional: order_id, owner, condition_id, token_id, reason, matched_units
            OrderCanceled(order_id, owner, condition_id, order.token_id, reason, order.matched_units)
        )

    def _cancel_each(self, order_ids: Iterable[str], reason: CancelReason) -> list[str]:
        canceled = []
        open_orders = self._open
        for order_id in order_ids:
            self._cancel_resting(open_orders[order_id], reason)
            canceled.append(order_id)
        return canceled

    # ------------------------------------------------------------------ cancels

    def _cancel_orders(self, cmd: CancelOrders) -> Result:
        if self.mode is DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        owner, owner_of, open_orders = cmd.owner, self._owner_of, self._open
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        order_ids = cmd.order_ids
        # ids are deduplicated, first mention first (one id, the usual DELETE /order, needs no dict)
        for order_id in order_ids if len(order_ids) == 1 else dict.fromkeys(order_ids):
            if owner_of.get(order_id) != owner:
                not_canceled[order_id] = NOT_FOUND
                continue
            order = open_orders.get(order_id)
            if order is None:
                not_canceled[order_id] = ALREADY_CLOSED
            else:
                self._cancel_resting(order, BY_USER)
                canceled.append(order_id)
        return Canceled(tuple(canceled), not_canceled)

    def _cancel_all(self, cmd: CancelAll) -> Result:
        if self.mode is DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        ids = list(self._by_owner.get(cmd.owner, {}))
        return Canceled(tuple(self._cancel_each(ids, BY_USER)))

    def _cancel_market_orders(self, cmd: CancelMarketOrders) -> Result:
        if self.mode is DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        condition_id = cmd.condition_id
        if condition_id is None and cmd.token_id is not None:
            market = self._market_of_token.get(cmd.token_id)
            condition_id = None if market is None else market.condition_id
        if condition_id is None:
            return Canceled(())
        ids = list(self._by_owner_market.get((cmd.owner, condition_id), {}))
        if cmd.token_id is not None:
            ids = [i for i in ids if self._open[i].token_id == cmd.token_id]
        return Canceled(tuple(self._cancel_each(ids, BY_USER)))

    # ------------------------------------------------------------------ time

    def _advance_time(self, cmd: AdvanceTime) -> Result:
        return Done()  # the expiries due by cmd.now_ms already ran in apply()

    def _heartbeat(self, cmd: Heartbeat) -> Result:
        deadline = cmd.now_ms + cmd.timeout_ms
        self._heartbeat_deadlines[cmd.owner] = deadline
        heapq.heappush(self._heartbeat_queue, (deadline, cmd.owner))
        return Done()

    def _expire_due(self, now_ms: int) -> None:
        expiries = self._expiries
        while expiries and expiries[0][0] <= now_ms:
            _, _, order_id = heapq.heappop(expiries)
            if order_id in self._open:
                self._cancel_resting(self._open[order_id], CancelReason.EXPIRED)
        queue = self._heartbeat_queue
        while queue and queue[0][0] <= now_ms:
            deadline, owner = heapq.heappop(queue)
            if self._heartbeat_deadlines.get(owner) == deadline:
                del self._heartbeat_deadlines[owner]
                self._cancel_each(list(self._by_owner.get(owner, {})), CancelReason.HEARTBEAT)

    # ------------------------------------------------------------------ ledger

    def _deposit(self, cmd: Deposit) -> Result:
        if cmd.amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="a deposit must be positive")
        self.ledger.deposit(cmd.address, cmd.amount)
        return Done()

    def _withdraw(self, cmd: Withdraw) -> Result:
        if cmd.amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="a withdrawal must be positive")
        if not self.ledger.withdraw(cmd.address, cmd.amount):
            return rejected(Reject.NOT_ENOUGH_BALANCE)
        return Done()

    def _split(self, cmd: Split) -> Result:
        market = self._market_for_conversion(cmd.condition_id, cmd.amount)
        if isinstance(market, Rejected):
            return market
        if not self.ledger.debit(cmd.address, COLLATERAL, cmd.amount):
            return rejected(Reject.NOT_ENOUGH_BALANCE)
        for token_id in market.token_ids:
            self.ledger.credit(cmd.address, token_id, cmd.amount)
        return Done()

    def _merge(self, cmd: Merge) -> Result:
        market = self._market_for_conversion(cmd.condition_id, cmd.amount)
        if isinstance(market, Rejected):
            return market
        if any(self.ledger.free(cmd.address, t) < cmd.amount for t in market.token_ids):
            return rejected(Reject.NOT_ENOUGH_BALANCE)
        for token_id in market.token_ids:
            self.ledger.debit(cmd.address, token_id, cmd.amount)
        self.ledger.credit(cmd.address, COLLATERAL, cmd.amount)
        return Done()

    def _market_for_conversion(self, condition_id: str, amount: int) -> Market | Rejected:
        market = self.markets.get(condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if market.resolved:
            return rejected(Reject.MARKET_RESOLVED, condition_id=condition_id)
        if amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="the amount must be positive")
        return market

    # ------------------------------------------------------------------ modes and ticks

    def _set_trading_mode(self, cmd: SetTradingMode) -> Result:
        if cmd.mode is not self.mode:
            self._events.append(TradingModeChanged(old_mode=self.mode, new_mode=cmd.mode))
            self.mode = cmd.mode
        return Done()

    def _mode_refuses_order(self, post_only: bool) -> Rejected | None:
        mode = self.mode
        if mode is TradingMode.NORMAL:
            return None
        if mode is TradingMode.DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        if mode is TradingMode.CANCEL_ONLY:
            return rejected(Reject.TRADING_CANCEL_ONLY)
        return None if post_only else rejected(Reject.POST_ONLY_MODE)

    def _set_tick(self, market: Market, tick_units: int) -> None:
        if tick_units != market.tick_units:
            self._events.append(
                TickSizeChanged(
                    condition_id=market.condition_id,
                    token_ids=market.token_ids,
                    old_tick_units=market.tick_units,
                    new_tick_units=tick_units,
                )
            )
            market.tick_units = tick_units

    def _retick(self) -> None:
        """Apply the dynamic tick to the markets whose book or last trade changed."""
        for condition_id in self._touched_markets:
            market = self.markets[condition_id]
            if market.dynamic_tick and market.listed_tick_units == DYNAMIC_TICK_BASE_UNITS:
                book = self._books[condition_id]
                self._set_tick(market, market.wanted_tick(book.best_bid(), book.best_ask()))
        self._touched_markets.clear()


def _trade_id(count: int) -> str:
    """A deterministic, UUID-shaped trade id."""
    if count < _SHORT_TRADE_COUNT:  # the usual case: only the last group has digits, one format does it
        return f"00000000-0000-0000-0000-{count:012x}"
    text = f"{count:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_SHORT_TRADE_COUNT = 1 << 48
"""Trade counts below this fit the id's last group (12 hex digits)."""


def _market_definition_problem(cmd: CreateMarket, listed_tokens: dict[str, Market]) -> str | None:
    first, second = cmd.token_ids
    if first == second:
        return "the two token ids must differ"
    if first in listed_tokens or second in listed_tokens:
        return "a token id is already listed"
    if cmd.tick_units not in TICK_UNITS:
        return "tick size must be one of 0.1, 0.01, 0.001, 0.0001"
    if cmd.min_size_units <= 0 or cmd.min_size_units % LOT_UNITS:
        return "minimum order size must be whole lots of 0.01"
    if not 0 <= cmd.fee_rate_bps <= MAX_FEE_RATE_BPS:
        return f"fee rate must be between 0 and {MAX_FEE_RATE_BPS} bps"
    if not 1 <= cmd.fee_exponent <= MAX_FEE_EXPONENT:
        return f"fee exponent must be between 1 and {MAX_FEE_EXPONENT}"
    return None
