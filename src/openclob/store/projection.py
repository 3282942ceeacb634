"""Turn a `Batch` into row changes for the query tables, in the order the batch's entries happened.

The projection is backend-independent: it returns plain change values, and each store maps every
kind of change to one statement. Orders accepted within the batch are updated in memory before they
are inserted, so a placed-and-filled or placed-and-cancelled order costs one insert, not three
statements. A cancel notification names the order's market and token, which `OrderCanceled` does
not carry: orders from earlier batches are looked up once per batch through `lookup`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import msgspec

from openclob.core import (
    UNIT,
    BookLevelChanged,
    CancelReason,
    Event,
    MarketResolved,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    Trade,
)
from openclob.store.base import Batch
from openclob.store.records import (
    ApiKeyRecord,
    MakerLegRecord,
    MarketInfoRecord,
    OrderRecord,
    PricePointRecord,
    TradeRecord,
    WalletLinkRecord,
)

NOTIFY_CANCELED, NOTIFY_FILLED, NOTIFY_RESOLVED = 1, 2, 4
MATCHED = "MATCHED"
BUILDER_OWNER_PREFIX = "builder:"
"""`trade_parties` rows whose owner is this prefix + a builder code list the trades of that builder's orders,
so `Store.trades(BUILDER_OWNER_PREFIX + code, ...)` serves GET /builder/trades with the same filters."""


class OrderFill(msgspec.Struct, frozen=True):
    """An order from an earlier batch matched more: new totals, and one more trade id."""

    order_id: str
    trade_id: str
    matched_units: int
    status: str
    updated_at_ms: int


class OrderCancel(msgspec.Struct, frozen=True):
    """An order from an earlier batch was cancelled."""

    order_id: str
    reason: str
    updated_at_ms: int


class TradeParty(msgspec.Struct, frozen=True):
    """An index row that lets `owner` list a trade; one per distinct (token, maker address) it traded."""

    owner: str
    position: int
    trade_id: str
    condition_id: str
    token_id: str
    maker_address: str
    matched_at_ms: int


class Notify(msgspec.Struct, frozen=True):
    """A new notification (the store gives it its id)."""

    owner: str
    type: int
    payload: dict[str, object]
    created_at_ms: int


class TradeStatus(msgspec.Struct, frozen=True):
    """Settlement progress of a trade."""

    trade_id: str
    status: str
    updated_at_ms: int


class ApiKeyDeletion(msgspec.Struct, frozen=True):
    """An API key was revoked."""

    api_key: str


class NotificationDeletion(msgspec.Struct, frozen=True):
    """`owner` dropped one of its notifications."""

    owner: str
    notification_id: int


Change = (
    OrderRecord
    | OrderFill
    | OrderCancel
    | TradeRecord
    | TradeParty
    | PricePointRecord
    | Notify
    | TradeStatus
    | ApiKeyRecord
    | ApiKeyDeletion
    | WalletLinkRecord
    | MarketInfoRecord
    | NotificationDeletion
)

OrderLookup = Callable[[Collection[str]], Mapping[str, tuple[str, str]]]
"""Given order ids, return (condition_id, token_id) of those the store already holds."""


def project(batch: Batch, lookup: OrderLookup) -> list[Change]:
    """Return the batch's row changes, in application order."""
    projector = _Projector()
    for entry in batch.entries:
        projector.entry(entry.events, entry.command.now_ms, batch.settlement_reference)
    projector.resolve_unknown_orders(lookup)
    changes = projector.changes
    at_ms = batch.written_at_ms
    changes += [TradeStatus(trade_id, status, at_ms) for trade_id, status in batch.trade_statuses]
    changes += batch.api_keys
    changes += [ApiKeyDeletion(api_key) for api_key in batch.deleted_api_keys]
    changes += batch.wallet_links
    changes += batch.market_infos
    changes += [NotificationDeletion(owner, i) for owner, ids in batch.deleted_notifications for i in ids]
    return changes


class _Projector:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.new_orders: dict[str, OrderRecord] = {}
        # cancel payloads still missing the market and token of an order from an earlier batch
        self.unknown: list[tuple[str, dict[str, object]]] = []

    def entry(self, events: list[Event], now_ms: int, settlement_reference: str) -> None:
        resolved_owners: dict[str, None] = {}
        for event in events:
            if isinstance(event, OrderAccepted):
                self.accepted(event)
            elif isinstance(event, OrderFilled):
                self.filled(event, now_ms)
            elif isinstance(event, OrderCanceled):
                self.canceled(event, now_ms)
                if event.reason is CancelReason.MARKET_RESOLVED:
                    resolved_owners[event.owner] = None
            elif isinstance(event, Trade):
                self.traded(event, settlement_reference, _complement(event, events))
            elif isinstance(event, MarketResolved):
                payload: dict[str, object] = {"market": event.condition_id, "winning_asset_id": event.winning_token_id}
                for owner in resolved_owners:
                    self.changes.append(Notify(owner, NOTIFY_RESOLVED, dict(payload), now_ms))

    def accepted(self, event: OrderAccepted) -> None:
        record = OrderRecord(
            order_id=event.order_id,
            position=event.sequence,
            owner=event.owner,
            maker=event.maker,
            signer=event.signer,
            condition_id=event.condition_id,
            token_id=event.token_id,
            side=event.side.value,
            order_type=event.order_type.value,
            price_units=event.price_units,
            size_units=event.size_units,
            matched_units=0,
            status="LIVE",
            fee_rate_bps=event.fee_rate_bps,
            expiration=event.expiration,
            created_at_ms=event.created_at_ms,
            updated_at_ms=event.created_at_ms,
        )
        self.new_orders[event.order_id] = record
        self.changes.append(record)

    def filled(self, event: OrderFilled, now_ms: int) -> None:
        record = self.new_orders.get(event.order_id)
        if record is None:
            self.changes.append(
                OrderFill(event.order_id, event.trade_id, event.matched_units, event.status.value, now_ms)
            )
        else:
            record.matched_units = event.matched_units
            record.status = event.status.value
            record.updated_at_ms = now_ms
            record.trade_ids.append(event.trade_id)
        payload: dict[str, object] = {
            "order_id": event.order_id,
            "trade_id": event.trade_id,
            "fill_units": event.fill_units,
            "matched_units": event.matched_units,
        }
        self.changes.append(Notify(event.owner, NOTIFY_FILLED, payload, now_ms))

    def canceled(self, event: OrderCanceled, now_ms: int) -> None:
        reason = event.reason.value
        payload: dict[str, object] = {"order_id": event.order_id, "asset_id": "", "market": "", "reason": reason}
        record = self.new_orders.get(event.order_id)
        if record is None:
            self.changes.append(OrderCancel(event.order_id, reason, now_ms))
            self.unknown.append((event.order_id, payload))
        else:
            record.status = "CANCELED"
            record.cancel_reason = reason
            record.updated_at_ms = now_ms
            payload.update(asset_id=record.token_id, market=record.condition_id)
        self.changes.append(Notify(event.owner, NOTIFY_CANCELED, payload, now_ms))

    def traded(self, trade: Trade, settlement_reference: str, complement: str | None) -> None:
        legs = [
            MakerLegRecord(
                order_id=fill.order_id,
                owner=fill.owner,
                maker=fill.maker,
                token_id=fill.token_id,
                side=fill.side.value,
                price_units=fill.price_units,
                matched_units=fill.matched_units,
                fee_units=fill.fee_units,
                fee_rate_bps=fill.fee_rate_bps,
                kind=fill.kind,
                builder_code=fill.builder_code,
            )
            for fill in trade.maker_fills
        ]
        position, at_ms = trade.sequence, trade.matched_at_ms
        self.changes.append(
            TradeRecord(
                trade_id=trade.trade_id,
                position=position,
                condition_id=trade.condition_id,
                taker_order_id=trade.taker_order_id,
                taker_owner=trade.taker_owner,
                taker_maker=trade.taker_maker,
                token_id=trade.token_id,
                side=trade.side.value,
                size_units=trade.size_units,
                collateral_units=trade.collateral_units,
                fee_units=trade.fee_units,
                fee_rate_bps=trade.fee_rate_bps,
                kind=trade.kind,
                status=MATCHED,
                matched_at_ms=at_ms,
                updated_at_ms=at_ms,
                transaction_hash=settlement_reference,
                builder_code=trade.builder_code,
                maker_legs=legs,
            )
        )
        parties = {(trade.taker_owner, trade.token_id, trade.taker_maker): None}
        parties.update({(leg.owner, leg.token_id, leg.maker): None for leg in legs})
        if trade.builder_code:
            parties[(BUILDER_OWNER_PREFIX + trade.builder_code, trade.token_id, trade.taker_maker)] = None
        parties.update(
            {
                (BUILDER_OWNER_PREFIX + leg.builder_code, leg.token_id, leg.maker): None
                for leg in legs
                if leg.builder_code
            }
        )
        self.changes += [
            TradeParty(owner, position, trade.trade_id, trade.condition_id, token_id, maker, at_ms)
            for owner, token_id, maker in parties
        ]
        for leg in legs:
            price = leg.price_units if leg.token_id == trade.token_id else UNIT - leg.price_units
            self.changes.append(PricePointRecord(token_id=trade.token_id, at_ms=at_ms, price_units=price))
            if complement is not None:
                self.changes.append(PricePointRecord(token_id=complement, at_ms=at_ms, price_units=UNIT - price))

    def resolve_unknown_orders(self, lookup: OrderLookup) -> None:
        if not self.unknown:
            return
        found = lookup({order_id for order_id, _ in self.unknown})
        for order_id, payload in self.unknown:
            if order_id in found:
                payload["market"], payload["asset_id"] = found[order_id]


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
