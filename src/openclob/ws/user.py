"""The user channel: a durable batch's order and trade events, rendered for the API keys they belong to.

Order events follow the engine: PLACEMENT when an order is accepted, UPDATE on each fill (with the new
`size_matched` and status), CANCELLATION when the rest of it leaves the book. Trade events go to the
taker and to every maker owner (each sees the trade as /data/trades shows it to them), and again on
each settlement status change (MINED, CONFIRMED). Orders and trades are rendered with the same
functions as /data/orders and /data/trades, so the two always agree.

The feed remembers what the events do not carry: each open order (its price, size, trade ids) and each
trade until its status is final, a bounded number of them.

Choices where the reference is silent: `created_at` is the order's creation in seconds, as a string (the
value /data/orders gives); the rest of a FOK order killed after acceptance reports the captured
"CANCELED_order couldn't be fully filled. ..." status, any other cancellation plain "CANCELED".
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any, NamedTuple

import msgspec

from openclob.core import (
    UNIT,
    Exchange,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderType,
    PlaceOrder,
    Side,
    Trade,
    TradeStatusChanged,
)
from openclob.core.markets import Market
from openclob.store.base import Batch, Journalled
from openclob.store.convert import order_record, resting_order_record, trade_record
from openclob.store.records import OrderRecord, TradeRecord
from openclob.wire import open_order, trade

PLACEMENT, UPDATE, CANCELLATION = "PLACEMENT", "UPDATE", "CANCELLATION"
CANCELED = "CANCELED"
FOK_KILLED = "CANCELED_order couldn't be fully filled. FOK orders are fully filled or killed."
FINAL_TRADE_STATUSES = frozenset({"CONFIRMED", "FAILED"})

_encode = msgspec.json.Encoder().encode


class UserMessage(NamedTuple):
    """One rendered user-channel event for the API key `owner`, about market `condition_id`."""

    owner: str
    condition_id: str
    text: str


class UserFeed:
    """Open orders and unsettled trades, and the renderer of user-channel events."""

    def __init__(self, tracked_trades: int) -> None:
        self.orders: dict[str, OrderRecord] = {}
        self.trades: dict[str, TradeRecord] = {}
        self._watched: Container[str] = ()
        """Owners with a user-channel socket, for the render in progress."""
        self._tracked_trades = tracked_trades

    def seed(self, exchange: Exchange) -> list[str]:
        """Remember every open order (at start); return the ids of those already partly matched."""
        self.orders = {}
        for condition_id in exchange.markets:
            for order in exchange.book(condition_id).orders():
                self.orders[order.order_id] = resting_order_record(order)
        return [order_id for order_id, record in self.orders.items() if record.matched_units]

    def render(
        self, entries: list[Journalled], batch: Batch, exchange: Exchange, watched: Container[str]
    ) -> list[UserMessage]:
        """Apply a durable batch; return its user events, in engine order, for the `watched` owners.

        Every owner's orders and trades are tracked, so a later subscriber's updates are complete, but only
        owners with a socket pay for rendering.
        """
        self._watched = watched
        messages: list[UserMessage] = []
        markets = exchange.markets
        for entry in entries:
            now_ms = entry.command.now_ms
            for event in entry.events:
                kind = type(event)
                if kind is OrderAccepted:
                    assert isinstance(event, OrderAccepted)
                    record = order_record(event)
                    self.orders[event.order_id] = record
                    if record.owner in watched:
                        messages.append(_order_message(record, markets[record.condition_id], PLACEMENT, now_ms))
                elif kind is OrderFilled:
                    assert isinstance(event, OrderFilled)
                    self._filled(event, now_ms, markets, messages)
                elif kind is OrderCanceled:
                    assert isinstance(event, OrderCanceled)
                    self._canceled(event, now_ms, markets, messages)
                elif kind is Trade:
                    assert isinstance(event, Trade)
                    traded = trade_record(event, batch.settlement_reference)
                    self._track(traded)
                    self._trade_messages(traded, markets[traded.condition_id], now_ms, messages)
                elif kind is TradeStatusChanged:
                    assert isinstance(event, TradeStatusChanged)
                    self._settled(event, now_ms, markets, messages)
        for command in batch.killed_orders:
            self._killed(command, markets, exchange, messages)
        return messages

    # ---------------------------------------------------------------- events

    def _filled(self, event: OrderFilled, now_ms: int, markets: dict[str, Market], out: list[UserMessage]) -> None:
        record = self.orders.get(event.order_id)
        if record is None:
            return
        record.matched_units = event.matched_units
        record.status = event.status.value
        record.updated_at_ms = now_ms
        record.trade_ids.append(event.trade_id)
        if record.owner in self._watched:
            out.append(_order_message(record, markets[record.condition_id], UPDATE, now_ms))
        if record.matched_units >= record.size_units:
            del self.orders[event.order_id]

    def _canceled(self, event: OrderCanceled, now_ms: int, markets: dict[str, Market], out: list[UserMessage]) -> None:
        record = self.orders.pop(event.order_id, None)
        if record is not None and record.owner in self._watched:  # else the record is dropped as it is
            record.status = CANCELED
            record.updated_at_ms = now_ms
            out.append(_order_message(record, markets[record.condition_id], CANCELLATION, now_ms))

    def _settled(
        self, event: TradeStatusChanged, now_ms: int, markets: dict[str, Market], out: list[UserMessage]
    ) -> None:
        tracked = self.trades.get(event.trade_id)
        if tracked is None:
            return
        status = event.status.value
        tracked.status = status
        tracked.updated_at_ms = now_ms
        self._trade_messages(tracked, markets[tracked.condition_id], now_ms, out)
        if status in FINAL_TRADE_STATUSES:
            del self.trades[event.trade_id]

    def _killed(
        self, command: PlaceOrder, markets: dict[str, Market], exchange: Exchange, out: list[UserMessage]
    ) -> None:
        """A FOK or FAK refused for want of liquidity: Polymarket reports it as a CANCELLATION."""
        market = exchange.market_for_token(command.token_id)
        if market is None or command.owner not in self._watched:
            return
        buy = command.side is Side.BUY
        collateral, shares = (
            (command.maker_amount, command.taker_amount) if buy else (command.taker_amount, command.maker_amount)
        )
        record = OrderRecord(
            order_id=command.order_id,
            position=0,
            owner=command.owner,
            maker=command.maker,
            signer=command.signer,
            condition_id=market.condition_id,
            token_id=command.token_id,
            side=command.side.value,
            order_type=command.order_type.value,
            price_units=collateral * UNIT // shares if shares else 0,
            size_units=shares,
            matched_units=0,
            status=FOK_KILLED if command.order_type is OrderType.FOK else CANCELED,
            fee_rate_bps=command.fee_rate_bps or 0,
            expiration=command.expiration,
            created_at_ms=command.now_ms,
            updated_at_ms=command.now_ms,
        )
        out.append(_order_message(record, markets[market.condition_id], CANCELLATION, command.now_ms))

    def _track(self, record: TradeRecord) -> None:
        self.trades[record.trade_id] = record
        while len(self.trades) > self._tracked_trades:
            del self.trades[next(iter(self.trades))]

    def _trade_messages(self, record: TradeRecord, market: Market, now_ms: int, out: list[UserMessage]) -> None:
        viewers = dict.fromkeys([record.taker_owner, *(leg.owner for leg in record.maker_legs)])
        for viewer in viewers:
            if viewer not in self._watched:
                continue
            body: dict[str, Any] = {"event_type": "trade", "type": "TRADE"}
            body.update(trade(record, market, viewer))
            body["trade_owner"] = viewer
            body["timestamp"] = str(now_ms)
            out.append(UserMessage(viewer, record.condition_id, _encode(body).decode()))


def _order_message(record: OrderRecord, market: Market, kind: str, now_ms: int) -> UserMessage:
    body: dict[str, Any] = {"event_type": "order", "type": kind}
    body.update(open_order(record, market))
    body["created_at"] = str(record.created_at_ms // 1000)
    body["order_owner"] = record.owner
    body["timestamp"] = str(now_ms)
    return UserMessage(record.owner, record.condition_id, _encode(body).decode())
