"""Records made from core events: the one place an accepted order or a trade becomes its stored shape.

The store's projection, the WebSocket user feed and test fakes all build records the same way, so what
/data/orders, /data/trades and the user channel show can never drift apart.
"""

from __future__ import annotations

from openclob.core import OrderAccepted, Trade
from openclob.core.orders import Order
from openclob.store.records import MakerLegRecord, OrderRecord, TradeRecord


def order_record(event: OrderAccepted) -> OrderRecord:
    """A just-accepted order: LIVE, nothing matched yet."""
    return OrderRecord(
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


def resting_order_record(order: Order) -> OrderRecord:
    """An order resting in the exchange now, as far as it has matched (trade ids are not kept in the core)."""
    return OrderRecord(
        order_id=order.order_id,
        position=order.sequence,
        owner=order.owner,
        maker=order.maker,
        signer=order.signer,
        condition_id=order.condition_id,
        token_id=order.token_id,
        side=order.side.value,
        order_type=order.order_type.value,
        price_units=order.price_units,
        size_units=order.size_units,
        matched_units=order.matched_units,
        status=order.status.value,
        fee_rate_bps=order.fee_rate_bps,
        expiration=order.expiration,
        created_at_ms=order.created_at_ms,
        updated_at_ms=order.created_at_ms,
    )


def trade_record(trade: Trade, settlement_reference: str) -> TradeRecord:
    """A just-matched trade (status MATCHED) with its maker legs, settled under `settlement_reference`."""
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
    return TradeRecord(
        trade_id=trade.trade_id,
        position=trade.sequence,
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
        status="MATCHED",
        matched_at_ms=trade.matched_at_ms,
        updated_at_ms=trade.matched_at_ms,
        transaction_hash=settlement_reference,
        builder_code=trade.builder_code,
        maker_legs=legs,
    )
