"""Turn a `Batch` into the rows to write to the query tables: plain parameter tuples, one list per statement.

The projection is backend-independent; each list feeds one `executemany` (or, for cancels, a few
`UPDATE ... WHERE order_id IN (...)`). It builds tuples directly, with no object per change, because a
batch can hold tens of thousands of changes (a market cancel of 10,000 orders is 10,000 order updates and
10,000 notifications).

Orders accepted within the batch are updated in memory before they are inserted, so a placed-and-filled
or placed-and-cancelled order costs one insert, and the updates only touch orders of earlier batches.
Those updates are applied fills first, then cancels, grouped by (reason, time): the same end state as
in event order, because a cancel is an order's last change and fills of one order keep their order.
Every other list keeps the batch's order (notification and price point ids are given in insertion order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from openclob.core import (
    UNIT,
    BookLevelChanged,
    CancelReason,
    Command,
    CreateEvent,
    Event,
    EventListed,
    MarketResolved,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    PositionsConverted,
    PositionsMerged,
    PositionsRedeemed,
    PositionsSplit,
    Trade,
    TradeStatusChanged,
)
from openclob.store.base import Batch, Journalled
from openclob.store.convert import order_record, trade_record
from openclob.store.records import ApiKeyRecord, OrderRecord, TradeRecord

NOTIFY_CANCELED, NOTIFY_FILLED, NOTIFY_RESOLVED = 1, 2, 4
BUILDER_OWNER_PREFIX = "builder:"
"""`trade_parties` rows whose owner is this prefix + a builder code list the trades of that builder's orders,
so `Store.trades(BUILDER_OWNER_PREFIX + code, ...)` serves GET /builder/trades with the same filters."""

Row = tuple[object, ...]
_MAKER_LEGS = TradeRecord.__struct_fields__.index("maker_legs")


class _Canceled(msgspec.Struct, gc=False):
    """A cancel notification's payload (a Struct keeps the key order and encodes faster than a dict)."""

    order_id: str
    asset_id: str
    market: str
    reason: str


class _Filled(msgspec.Struct, gc=False):
    order_id: str
    trade_id: str
    fill_units: int
    matched_units: int


class _Resolved(msgspec.Struct, gc=False):
    market: str
    winning_asset_id: str


_encode = msgspec.msgpack.Encoder().encode
_encode_json = msgspec.json.Encoder().encode


class Rows:
    """A batch's rows, statement by statement (see schema.py for the statements and their columns)."""

    __slots__ = (
        "activity",
        "api_keys",
        "cancels",
        "deleted_api_keys",
        "deleted_notifications",
        "event_markets",
        "events",
        "exchange_clock",
        "fills",
        "market_infos",
        "new_orders",
        "notifications",
        "price_points",
        "rate_limit_tiers",
        "trade_parties",
        "trade_statuses",
        "trades",
        "wallet_links",
    )

    def __init__(self) -> None:
        self.new_orders: dict[str, OrderRecord] = {}
        self.fills: list[Row] = []
        """(matched_units, status, updated_at_ms, trade_id, trade_id, order_id): FILL_ORDER."""
        self.cancels: dict[tuple[str, int], list[str]] = {}
        """(reason, updated_at_ms) -> ids of orders of earlier batches."""
        self.trades: list[Row] = []
        self.trade_statuses: dict[str, Row] = {}
        """trade id -> (status, updated_at_ms, trade_id), its latest settlement step: UPDATE_TRADE_STATUS."""
        self.trade_parties: list[Row] = []
        self.price_points: list[Row] = []
        """(token_id, at_ms, price_units)."""
        self.notifications: list[Row] = []
        """(owner, type, payload JSON, created_at_ms)."""
        self.deleted_notifications: list[Row] = []
        self.api_keys: list[Row] = []
        self.deleted_api_keys: list[Row] = []
        self.wallet_links: list[Row] = []
        self.market_infos: list[Row] = []
        self.rate_limit_tiers: list[Row] = []
        self.exchange_clock: list[Row] = []
        self.events: list[Row] = []
        self.event_markets: list[Row] = []
        """(condition_id, event_id, outcome_index)."""
        self.activity: list[Row] = []
        """INSERT_ACTIVITY parameters: the Data API's rows, by address (see `ACTIVITY_SOURCES`)."""

    def order_rows(self) -> list[Row]:
        """INSERT_ORDER parameters of the orders accepted in this batch, in acceptance order."""
        return [_order_row(o) for o in self.new_orders.values()]


def _order_row(o: OrderRecord) -> Row:
    return (
        o.order_id, o.position, o.owner, o.maker, o.signer, o.condition_id, o.token_id, o.side, o.order_type,
        o.price_units, o.size_units, o.matched_units, o.status, o.fee_rate_bps, o.expiration, o.created_at_ms,
        o.updated_at_ms, ",".join(o.trade_ids), o.cancel_reason,
    )  # fmt: skip


def project_entries(batch: Batch) -> Rows:
    """The query-table rows of the batch's journalled events, in the order they happened.

    They are derived from the journal alone (with the batch's settlement reference), so the store may write
    them after the batch is durable, and recovery can write them again (see `Store.write_projection`).
    """
    rows = Rows()
    settlement_reference = batch.settlement_reference
    for entry in batch.entries:
        _entry(rows, entry.events, entry.command.now_ms, settlement_reference)
        if type(entry.command) is CreateEvent:
            _events(rows, entry.events, entry.command.now_ms, entry.sequence)
        _activity(rows, entry, settlement_reference)
    return rows


def project_edge(batch: Batch) -> Rows:
    """The rows of the edge's own changes (keys, links, market words, tiers, deletions, the exchange clock)."""
    rows = Rows()
    rows.api_keys += [_api_key_row(key) for key in batch.api_keys]
    rows.deleted_api_keys += [(api_key,) for api_key in batch.deleted_api_keys]
    rows.wallet_links += [msgspec.structs.astuple(link) for link in batch.wallet_links]
    rows.market_infos += [msgspec.structs.astuple(info) for info in batch.market_infos]
    rows.rate_limit_tiers += [msgspec.structs.astuple(tier) for tier in batch.rate_limit_tiers]
    rows.deleted_notifications += [(owner, i) for owner, ids in batch.deleted_notifications for i in ids]
    clock = batch.exchange_clock
    if clock is not None:
        rows.exchange_clock.append((1, clock.offset_ms, clock.frozen_at_ms))
    return rows


def _api_key_row(record: ApiKeyRecord) -> Row:
    return (*msgspec.structs.astuple(record)[:5], int(record.readonly), record.created_at_ms)


def _entry(rows: Rows, events: list[Event], now_ms: int, settlement_reference: str) -> None:
    resolved_owners: dict[str, None] = {}
    new_orders = rows.new_orders
    notifications = rows.notifications
    for event in events:
        if type(event) is OrderCanceled:
            reason = event.reason.value
            record = new_orders.get(event.order_id)
            if record is None:
                rows.cancels.setdefault((reason, now_ms), []).append(event.order_id)
            else:
                record.status = "CANCELED"
                record.cancel_reason = reason
                record.updated_at_ms = now_ms
            payload = _Canceled(event.order_id, event.token_id, event.condition_id, reason)
            notifications.append((event.owner, NOTIFY_CANCELED, _encode_json(payload).decode(), now_ms))
            if event.reason is CancelReason.MARKET_RESOLVED:
                resolved_owners[event.owner] = None
        elif type(event) is OrderAccepted:
            new_orders[event.order_id] = order_record(event)
        elif type(event) is OrderFilled:
            _filled(rows, event, now_ms)
        elif type(event) is Trade:
            _traded(rows, event, settlement_reference, _complement(event, events))
        elif type(event) is TradeStatusChanged:  # (a later step of the same trade replaces an earlier one)
            rows.trade_statuses[event.trade_id] = (event.status.value, now_ms, event.trade_id)
        elif type(event) is MarketResolved:
            payload_json = _encode_json(_Resolved(event.condition_id, event.winning_token_id)).decode()
            notifications += [(owner, NOTIFY_RESOLVED, payload_json, now_ms) for owner in resolved_owners]


def _events(rows: Rows, events: list[Event], now_ms: int, sequence: int) -> None:
    """The rows of an event's listing (`CreateEvent`)."""
    for event in events:
        if type(event) is EventListed:
            ids = event.condition_ids
            rows.events.append(
                (event.event_id, sequence, event.title, event.slug, event.description, int(event.neg_risk),
                 event.neg_risk_market_id, ",".join(ids), now_ms)
            )  # fmt: skip
            rows.event_markets += [(c, event.event_id, i) for i, c in enumerate(ids)]


def _filled(rows: Rows, event: OrderFilled, now_ms: int) -> None:
    record = rows.new_orders.get(event.order_id)
    status = event.status.value
    if record is None:
        trade_id = event.trade_id
        rows.fills.append((event.matched_units, status, now_ms, trade_id, trade_id, event.order_id))
    else:
        record.matched_units = event.matched_units
        record.status = status
        record.updated_at_ms = now_ms
        record.trade_ids.append(event.trade_id)
    payload = _Filled(event.order_id, event.trade_id, event.fill_units, event.matched_units)
    rows.notifications.append((event.owner, NOTIFY_FILLED, _encode_json(payload).decode(), now_ms))


def _traded(rows: Rows, trade: Trade, settlement_reference: str, complement: str | None) -> None:
    record = trade_record(trade, settlement_reference)
    legs = record.maker_legs
    rows.trades.append((*msgspec.structs.astuple(record)[:_MAKER_LEGS], _encode(legs)))
    position, at_ms = trade.sequence, trade.matched_at_ms
    parties = {(trade.taker_owner, trade.token_id, trade.taker_maker): None}
    parties.update({(leg.owner, leg.token_id, leg.maker): None for leg in legs})
    if trade.builder_code:
        parties[(BUILDER_OWNER_PREFIX + trade.builder_code, trade.token_id, trade.taker_maker)] = None
    parties.update(
        {(BUILDER_OWNER_PREFIX + leg.builder_code, leg.token_id, leg.maker): None for leg in legs if leg.builder_code}
    )
    rows.trade_parties += [
        (owner, position, trade.trade_id, trade.condition_id, token_id, maker, at_ms)
        for owner, token_id, maker in parties
    ]
    for leg in legs:
        price = leg.price_units if leg.token_id == trade.token_id else UNIT - leg.price_units
        rows.price_points.append((trade.token_id, at_ms, price))
        if complement is not None:
            rows.price_points.append((complement, at_ms, UNIT - price))


def _complement(trade: Trade, events: list[Event]) -> str | None:
    """The market's other token. `Trade` does not carry the pair; the legs or the book changes that follow do."""
    for fill in trade.maker_fills:
        if fill.token_id != trade.token_id:
            return fill.token_id
    for event in events:
        if isinstance(event, BookLevelChanged) and event.condition_id == trade.condition_id:
            first, second = event.token_ids
            return second if trade.token_id == first else first
    return None


# ---------------------------------------------------------------------------- the Data API's activity


_NO_POSITIONS = ("", "0", "", "")
"""The last four columns (event id, index set, tokens in, tokens out) of a row that converts nothing."""


def _trade_activity(trade: Trade, sequence: int, reference: str, _now_ms: int) -> list[Row]:
    """The taker's row, then one per maker leg, each in that party's own token, side and price."""
    price = trade.collateral_units * UNIT // trade.size_units if trade.size_units else 0
    rows: list[Row] = [
        (trade.taker_maker, sequence, 0, "TRADE", trade.condition_id, trade.token_id, trade.side.value,
         trade.size_units, trade.collateral_units, price, 1, trade.trade_id, reference, trade.matched_at_ms,
         *_NO_POSITIONS)
    ]  # fmt: skip
    for leg in trade.maker_fills:
        usdc = leg.matched_units * leg.price_units // UNIT
        rows.append(
            (leg.maker, sequence, 0, "TRADE", trade.condition_id, leg.token_id, leg.side.value, leg.matched_units,
             usdc, leg.price_units, 0, trade.trade_id, reference, trade.matched_at_ms, *_NO_POSITIONS)
        )  # fmt: skip
    return rows


def _split_activity(event: PositionsSplit | PositionsMerged, sequence: int, reference: str, now_ms: int) -> list[Row]:
    kind = "SPLIT" if type(event) is PositionsSplit else "MERGE"
    amount = event.amount_units
    return [(event.address, sequence, 0, kind, event.condition_id, "", "", amount, amount, 0, 0, "", reference,
             now_ms, *_NO_POSITIONS)]  # fmt: skip


def _conversion_activity(event: PositionsConverted, sequence: int, reference: str, now_ms: int) -> list[Row]:
    ins, outs = ",".join(event.no_token_ids), ",".join(event.yes_token_ids)
    return [(event.address, sequence, 0, "CONVERSION", "", "", "", event.amount_units, event.collateral_units, 0,
             0, "", reference, now_ms, event.event_id, str(event.index_set), ins, outs)]  # fmt: skip


def _redemption_activity(event: PositionsRedeemed, sequence: int, reference: str, now_ms: int) -> list[Row]:
    """One row: the winning token then the losing one given up (see ActivityRecord), for the payout."""
    size = event.winning_units + event.losing_units
    tokens = f"{event.winning_token_id},{event.losing_token_id}"
    return [(event.address, sequence, 0, "REDEEM", event.condition_id, "", "", size, event.payout_units, 0, 0, "",
             reference, now_ms, "", "0", tokens, "")]  # fmt: skip


ActivitySource = Callable[[Any, int, str, int], list[Row]]
ACTIVITY_SOURCES: dict[type[Command] | type[Event], ActivitySource] = {
    Trade: _trade_activity,
    PositionsSplit: _split_activity,
    PositionsMerged: _split_activity,
    PositionsConverted: _conversion_activity,
    PositionsRedeemed: _redemption_activity,
}
"""Where the Data API's activity comes from: a journalled command or an event type -> its rows (address,
sequence, item, type, condition, token, side, size, usdc, price, taker, trade id, reference, time, event id,
index set, tokens in, tokens out; item is renumbered), given the entry's sequence, the batch reference and the
command's time. Redemptions come from `Redeem` and, with --auto-redeem, from the resolution itself."""


def _activity(rows: Rows, entry: Journalled, reference: str) -> None:
    found: list[Row] = []
    now_ms = entry.command.now_ms
    source = ACTIVITY_SOURCES.get(type(entry.command))
    if source is not None:
        found += source(entry.command, entry.sequence, reference, now_ms)
    for event in entry.events:
        source = ACTIVITY_SOURCES.get(type(event))
        if source is not None:
            found += source(event, entry.sequence, reference, now_ms)
    rows.activity += [(row[0], row[1], item, *row[3:]) for item, row in enumerate(found)]
