"""The exchange: one deterministic command processor over markets, books and the ledger.

`Exchange.apply(command)` checks a command, changes the state, and returns the caller's result with
the events it produced. A refused command changes nothing (time-driven expiries that fall due before it
still happen, and are reported). Same commands in the same order give the same state, which
`state_hash()` summarises: replay and recovery rest on that.

This module holds the dispatch and the hot path, placing and matching an order. The other commands live in one
stage each, which `Exchange` inherits: cancels.py, clock.py (time, expiries, heartbeats, end dates),
settlement.py (trade settlement and its lag), funds.py (deposits, withdrawals, splits, merges), admin.py (market
settings, trading mode, dynamic tick) and lifecycle.py (listing, events and neg-risk conversion, closing,
resolution, redemption); state.py holds the attributes they all share, the queries and the invariants.
Inheriting, not delegating, keeps a cancel or a place free of extra calls and lookups.

Settlement needs no rounding: every fill is a whole number of lots (0.01 share) at a price on a tick of
at least 0.0001, so its collateral value is a whole number of 1e-6 units. For a fill of s shares at
first-token price P, the first-token side is worth c = s*P and the second-token side s - c; a BUY pays
its side's value and gets s tokens, a SELL gives s tokens and gets its side's value. Two BUYs of the
two tokens pool exactly s collateral and mint s pairs (MINT); two SELLs burn s pairs (MERGE).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from openclob.core.amounts import UNIT
from openclob.core.book import Book
from openclob.core.clock import Clock
from openclob.core.commands import (
    AdvanceTime,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    Command,
    ConfigureSettlement,
    ConvertPositions,
    CreateEvent,
    CreateMarket,
    Deposit,
    Heartbeat,
    Merge,
    PlaceOrder,
    Redeem,
    ResolveMarket,
    SetLiquidity,
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
    OrderAccepted,
    OrderFilled,
    Trade,
)
from openclob.core.funds import Funds
from openclob.core.ledger import FEE_ACCOUNT, Ledger
from openclob.core.liquidity import Liquidity
from openclob.core.markets import Market
from openclob.core.matching import MatchPlan, fee_units, plan_match, v2_fee_units, v2_fee_weight
from openclob.core.modes import LIVE, MATCHED, NORMAL
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
from openclob.core.results import Applied, OrderPlaced, Result
from openclob.core.state import SettlementStep
from openclob.core.validation import price_order

_NO_MATCH = MatchPlan([], 0, False)
_NO_SETTLEMENTS: list[SettlementStep] = []
"""What `apply` hands `_expire_due` for settlements: none (it stays empty)."""


class Exchange(Clock, Funds, Liquidity):
    """Markets, books, the ledger and the trading mode, changed only through `apply`."""

    def __init__(self) -> None:
        super().__init__()
        self._handlers: dict[type, Callable[[Any], Result]] = {
            CreateMarket: self._create_market,
            UpdateMarket: self._update_market,
            ResolveMarket: self._resolve_market,
            CreateEvent: self._create_event,
            ConvertPositions: self._convert_positions,
            Redeem: self._redeem,
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
            ConfigureSettlement: self._configure_settlement,
            SetLiquidity: self._set_liquidity,
        }

    # ------------------------------------------------------------------ the one verb

    def apply(self, command: Command) -> Applied:
        """Apply one command; return the caller's result and the events, in order."""
        events: list[Event] = []
        self._events = events
        expiries, heartbeats, closings = self._expiries, self._heartbeat_queue, self._closings
        # now_ms is read only when something may fall due: this line sees every command type, so the
        # interpreter cannot specialise the read, and an unspecialised attribute read is slow. (Settlement
        # steps are not checked here: only a time advance takes them, with these, in time order; see clock.py.)
        if (expiries or heartbeats or closings) and type(command) is not AdvanceTime:
            now_ms = command.now_ms
            if (
                (expiries and expiries[0][0] <= now_ms)
                or (heartbeats and heartbeats[0][0] <= now_ms)
                or (closings and closings[0][0] <= now_ms)
            ):
                self._expire_due(now_ms, _NO_SETTLEMENTS)
                # The command is checked against the tick the expiries leave (an expired extreme quote may
                # end a fine tick), whether or not a time advance ran just before it.
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
        # the ledger's touched list holds each changed balance once, first change first (see ledger.py)
        touched_balances = self.ledger.touched
        if touched_balances:
            for balance in touched_balances:
                balance.changed = False
                # positional: address, asset, free_units, reserved_units
                events.append(BalanceChanged(balance.address, balance.asset, balance.free, balance.reserved))
            touched_balances.clear()
        return Applied(result, events)

    # ------------------------------------------------------------------ orders

    def _place(self, cmd: PlaceOrder, min_size_units: int | None = None) -> Result:
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
        priced = price_order(cmd, market, min_size_units)
        if type(priced) is Rejected:  # (isinstance on a Struct class runs its metaclass's instance check)
            return priced
        price_units, size_units, priced_reserve_units, expires_at_ms, is_market_order = priced
        order_id = cmd.order_id
        if order_id in self._owner_of:
            return rejected(Reject.DUPLICATED, order_id=order_id)
        first_token = token_id == market.token_ids[0]
        is_buy = cmd.side is BUY
        book_side = BID if is_buy == first_token else ASK
        book_price_units = price_units if first_token else UNIT - price_units
        asset = COLLATERAL if is_buy else token_id
        book = self._books[market.condition_id]
        crossing = book.crossed_by(book_side, book_price_units)
        # A V2 order (no signed fee rate) pays the market's V2 fee when it takes. A BUY reserves that fee
        # at its limit price on its whole size: fills at better prices never cost more, shares plus fee
        # included (see v2_fee_weight), so the reservation covers every fill. Resting releases it.
        v2_fee_rate = market.fee_rate_bps if cmd.fee_rate_bps is None else 0
        reserve_units = priced_reserve_units
        if v2_fee_rate and crossing and is_buy and not cmd.post_only:
            weight = v2_fee_weight(price_units, size_units, market.fee_exponent)
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
            size_units,
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
        plan = plan_match(book, order, priced_reserve_units if is_buy else 0) if planned else _NO_MATCH
        filled = plan.filled_units
        unfilled = filled < order.size_units
        order_type = cmd.order_type
        would_rest = unfilled and not is_market_order
        # The book's rejects rank after the balance check, but are worked out first (planning changes
        # nothing): then an order that passes them has its balance checked and reserved in one ledger call.
        if crossing or is_market_order:  # (the book refuses nothing else: most orders skip these checks)
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
            if order.reserved_units:  # what a BUY reserved beyond what it paid goes back to free
                self.ledger.release(cmd.maker, asset, order.reserved_units)
                order.reserved_units = 0
        elif would_rest and not plan.skipped_own:
            # rest the order (inline: a method call costs about as much as the lines below)
            condition_id = order.condition_id
            if is_buy:
                # A resting BUY keeps the value of what is left: partial fills at better prices, and a V2
                # taker fee reserved but not spent, go back to free.
                excess = order.reserved_units - (order.size_units - order.matched_units) * price_units // UNIT
                if excess:  # (the value of what is left is collateral_for(remaining, price), inline)
                    self.ledger.release(cmd.maker, COLLATERAL, excess)
                    order.reserved_units -= excess
            self._touched_levels[(condition_id, book_side is BID, book_price_units)] = book.add(order)
            if market.dynamic_tick:
                self._touched_markets[condition_id] = None
            self._open[order_id] = order
            owner = order.owner
            owner_markets = self._by_owner.get(owner)
            if owner_markets is None:
                owner_markets = self._by_owner[owner] = {}
            market_orders = owner_markets.get(condition_id)
            if market_orders is None:
                market_orders = owner_markets[condition_id] = {}
            market_orders[order_id] = None
            if expires_at_ms is not None:
                heapq.heappush(self._expiries, (expires_at_ms, order.sequence, order_id))
        else:
            reason = CancelReason.KILLED if is_market_order else CancelReason.SELF_TRADE
            self._close_unmatched(order, reason)
        return OrderPlaced(order_id, order.status, order.matched_units, making, taking, trade_ids)

    def _execute(
        self, taker: Order, plan: MatchPlan, market: Market, book: Book, now_ms: int, v2_fee_rate: int
    ) -> tuple[str, int, int]:
        """Settle every planned fill; return (trade id, what the taker gave, what it received net).

        Each party's side of a fill is worth its shares at its own token's price: a BUY spends that out
        of its reservation and gets the shares (less a V1 fee, in tokens); a SELL spends the shares and
        gets the value (less a V1 fee, in collateral). Maker then taker, fill by fill, inline: a method
        call per side costs about as much as the settlement itself. A V2 taker (`v2_fee_rate` > 0) pays
        its fee in collateral once for the whole trade, rounded up.
        """
        trade_count = self._trade_count + 1
        self._trade_count = trade_count
        if trade_count < _SHORT_TRADE_COUNT:  # the usual case: only the last group has digits
            trade_id = f"00000000-0000-0000-0000-{trade_count:012x}"
        else:
            trade_id = _trade_id(trade_count)
        condition_id = market.condition_id
        touched_levels = self._touched_levels
        ledger = self.ledger
        ledger_fill: Callable[[str, str, int, str, int], None] = ledger.fill
        delay_ms = self._settlement_delay_ms
        heapq.heappush(self._settlements, (now_ms + delay_ms, trade_count, trade_id, delay_ms, True))
        pending = None
        if self._proceeds_at_mined:  # what the fills deliver waits for the trade to be MINED (settlement.py)
            pending = self._pending_proceeds[trade_id] = {}
            ledger_fill = _lagged_fill(ledger, pending)
        legs: list[MakerFill] = []
        maker_updates: list[OrderFilled] = []
        taker_cash = taker_spent = taker_fee = v2_weight = 0
        taker_token, taker_address, taker_rate = taker.token_id, taker.maker, taker.fee_rate_bps
        taker_buys = taker.side is BUY
        taker_first = taker.token_index == 0
        # a leg on the other token pairs two BUYs (MINT) or two SELLs (MERGE)
        cross_kind = "MINT" if taker_buys else "MERGE"
        for maker, shares, price in plan.fills:
            # the maker's side
            own_price = price if maker.token_index == 0 else UNIT - price
            cash = shares * own_price // UNIT
            maker_side = maker.side
            maker_fee = fee_units(maker_side, maker.fee_rate_bps, own_price, shares) if maker.fee_rate_bps else 0
            if maker_side is BUY:
                ledger_fill(maker.maker, COLLATERAL, cash, maker.token_id, shares - maker_fee)
                maker.reserved_units -= cash
                if maker_fee:
                    ledger.credit(FEE_ACCOUNT, maker.token_id, maker_fee)
            else:
                ledger_fill(maker.maker, maker.token_id, shares, COLLATERAL, cash - maker_fee)
                maker.reserved_units -= shares
                if maker_fee:
                    ledger.credit(FEE_ACCOUNT, COLLATERAL, maker_fee)
            # the taker's side
            own_price = price if taker_first else UNIT - price
            cash = shares * own_price // UNIT
            taker_cash += cash
            fee = fee_units(taker.side, taker_rate, own_price, shares) if taker_rate else 0
            if taker_buys:
                ledger_fill(taker_address, COLLATERAL, cash, taker_token, shares - fee)
                taker_spent += cash
                if fee:
                    ledger.credit(FEE_ACCOUNT, taker_token, fee)
            else:
                ledger_fill(taker_address, taker_token, shares, COLLATERAL, cash - fee)
                taker_spent += shares
                if fee:
                    ledger.credit(FEE_ACCOUNT, COLLATERAL, fee)
            taker_fee += fee
            if v2_fee_rate:
                v2_weight += v2_fee_weight(own_price, shares, market.fee_exponent)
            matched = maker.matched_units + shares
            maker.matched_units = matched
            if matched == maker.size_units:
                maker.status = MATCHED
                level_size = book.remove(maker, shares)
                # off the open-order indexes (Cancels._unindex, inline)
                maker_id, maker_owner = maker.order_id, maker.owner
                del self._open[maker_id]
                del self._by_owner[maker_owner][condition_id][maker_id]
            else:
                level_size = book.reduce(maker, shares)
            touched_levels[(condition_id, maker.book_side is BID, price)] = level_size
            legs.append(
                MakerFill(  # positional, in the event's field order
                    maker.order_id,
                    maker.owner,
                    maker.maker,
                    maker.token_id,
                    maker_side,
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
        taker.reserved_units -= taker_spent  # once, not per fill: a Struct's attribute writes are slow
        if v2_fee_rate:
            taker_fee = self._charge_v2_fee(taker, v2_fee_units(v2_weight, v2_fee_rate, market.fee_exponent), pending)
        taker.matched_units += plan.filled_units
        if taker.matched_units == taker.size_units:
            taker.status = MATCHED
        market.last_trade_price_units = price  # the last fill's
        if market.dynamic_tick:
            self._touched_markets[condition_id] = None
        trade = Trade(  # positional, in the event's field order
            trade_id,
            trade_count,  # sequence
            condition_id,
            taker.order_id,
            taker.owner,
            taker_address,
            taker_token,
            taker.side,
            plan.filled_units,  # size_units
            taker_cash,  # collateral_units
            taker_fee,
            v2_fee_rate or taker_rate,
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
        if taker_buys:
            if v2_fee_rate:
                return trade_id, taker_cash + taker_fee, plan.filled_units
            return trade_id, taker_cash, plan.filled_units - taker_fee
        return trade_id, plan.filled_units, taker_cash - taker_fee

    def _charge_v2_fee(self, taker: Order, fee: int, pending: dict[tuple[str, str], int] | None) -> int:
        """Take a V2 taker's fee in collateral: a BUY's from its reservation, a SELL's from its proceeds (still
        `pending` with the settlement lag on)."""
        if fee:
            if taker.side is BUY:
                self.ledger.consume(taker.maker, COLLATERAL, fee)
                taker.reserved_units -= fee
            elif pending is not None:
                pending[(taker.maker, COLLATERAL)] -= fee
            else:
                self.ledger.debit(taker.maker, COLLATERAL, fee)
            self.ledger.credit(FEE_ACCOUNT, COLLATERAL, fee)
        return fee


def _lagged_fill(ledger: Ledger, pending: dict[tuple[str, str], int]) -> Callable[[str, str, int, str, int], None]:
    """`Ledger.fill` with the settlement lag on: spend out of the reservation at once, deliver into `pending`."""
    consume = ledger.consume

    def fill(address: str, spent_asset: str, spent_units: int, received_asset: str, received_units: int) -> None:
        consume(address, spent_asset, spent_units)
        key = (address, received_asset)
        pending[key] = pending.get(key, 0) + received_units

    return fill


def _trade_id(count: int) -> str:
    """A deterministic, UUID-shaped trade id (the usual, short case is inline in `_execute`)."""
    if count < _SHORT_TRADE_COUNT:
        return f"00000000-0000-0000-0000-{count:012x}"
    text = f"{count:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_SHORT_TRADE_COUNT = 1 << 48
"""Trade counts below this fit the id's last group (12 hex digits)."""
