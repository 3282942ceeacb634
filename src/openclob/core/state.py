"""A digest of the exchange's whole state, for replay and recovery checks.

Two exchanges that applied the same commands in the same order have the same digest; any difference
in markets, books (order priority included), balances, indexes or counters changes it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openclob.core.exchange import Exchange


def state_digest(exchange: Exchange) -> str:
    """Return a hex SHA-256 over a canonical rendering of the exchange's state."""
    digest = hashlib.sha256()

    def put(*parts: object) -> None:
        digest.update(repr(parts).encode())
        digest.update(b"\n")

    put("mode", exchange.mode.value)
    for condition_id in sorted(exchange.markets):
        market = exchange.markets[condition_id]
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
        )
        for order in exchange.book(condition_id).orders():
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
    for item in exchange.ledger.items():
        put("balance", *item)
    put("flows", exchange.ledger.deposited_units, exchange.ledger.withdrawn_units)
    for name, value in sorted(exchange.counters().items()):
        put("counter", name, value)
    return digest.hexdigest()
