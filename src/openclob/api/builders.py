"""Builder attribution (public): the trades of orders that carried a V2 builder code, and builder fee rates.

A V2 order's `builder` (bytes32) names the builder that brought it. The store lists every trade in which
such an order took part under that code (see `store.projection.BUILDER_OWNER_PREFIX`), with the same
filters and cursors as /data/trades. Each `BuilderTrade` is one attributed order's part of one trade: the
taker's side (`tradeType` TAKER) or one maker order's fill (MAKER). openclob charges no builder fees, so
`builderFee` is 0 and every builder's fee rates are 0; the platform fee is the V2 taker fee (`fee`, in
collateral; makers pay none). API keys are never shown: `owner` is empty.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import cursor
from openclob.api.account import trade_filters
from openclob.api.errors import INVALID_TRADE_PARAMS, ApiError
from openclob.api.http import ok, query
from openclob.core import UNIT
from openclob.core.markets import Market
from openclob.service import Service
from openclob.store.projection import BUILDER_OWNER_PREFIX
from openclob.store.records import TradeRecord
from openclob.wire import decimal, outcome_of

BUILDER_CODE = re.compile(r"^0x[0-9a-fA-F]{64}$")
ZERO_CODE = "0x" + "00" * 32
INVALID_BUILDER_CODE = "Invalid builder code"


def _builder_code(text: str | None) -> str:
    if text is None or not BUILDER_CODE.fullmatch(text) or text.lower() == ZERO_CODE:
        raise ApiError(400, INVALID_BUILDER_CODE)
    return text.lower()


def _iso(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def builder_trades(record: TradeRecord, market: Market, builder_code: str) -> list[dict[str, Any]]:
    """The parts of `record` whose order carried `builder_code`, as `BuilderTrade`s."""
    parts: list[tuple[str, str, str, str, int, int, int]] = []
    if record.builder_code == builder_code:
        price = record.collateral_units * UNIT // record.size_units if record.size_units else 0
        parts.append(
            ("TAKER", record.token_id, record.side, record.taker_maker, record.size_units, price, record.fee_units)
        )
    for leg in record.maker_legs:
        if leg.builder_code == builder_code:
            parts.append(
                ("MAKER", leg.token_id, leg.side, leg.maker, leg.matched_units, leg.price_units, leg.fee_units)
            )
    return [
        {
            "id": record.trade_id,
            "tradeType": trade_type,
            "takerOrderHash": record.taker_order_id,
            "builder": builder_code,
            "market": record.condition_id,
            "assetId": token_id,
            "side": side,
            "size": decimal(size),
            "sizeUsdc": decimal(size * price // UNIT),
            "price": decimal(price),
            "status": record.status,
            "outcome": outcome_of(market, token_id),
            "outcomeIndex": market.token_index(token_id),
            "owner": "",
            "maker": maker,
            "transactionHash": record.transaction_hash,
            "matchTime": str(record.matched_at_ms // 1000),
            "bucketIndex": 0,
            "fee": decimal(fee),
            "feeUsdc": decimal(fee),
            "builderFee": "0",
            "builderCode": builder_code,
            "err_msg": None,
            "createdAt": _iso(record.matched_at_ms),
            "updatedAt": _iso(record.updated_at_ms),
        }
        for trade_type, token_id, side, maker, size, price, fee in parts
    ]


async def get_builder_trades(request: Request) -> Response:
    """GET /builder/trades?builder_code=&id=&maker_address=&market=&asset_id=&before=&after=&next_cursor=."""
    service: Service = request.app.state.service
    code = _builder_code(query(request, "builder_code"))
    limit = service.settings.limits.page_size
    raw = query(request, "next_cursor")
    if raw == cursor.END:
        return ok(cursor.page([], [], limit))
    position = cursor.decode(raw)
    if position is None:
        raise ApiError(400, INVALID_TRADE_PARAMS)
    records = await service.read(
        functools.partial(
            service.store.trades,
            BUILDER_OWNER_PREFIX + code,
            after_position=position,
            limit=limit,
            **trade_filters(request),
        )
    )
    markets = service.exchange.markets
    data: list[object] = [t for r in records for t in builder_trades(r, markets[r.condition_id], code)]
    envelope = cursor.page(data, [r.position for r in records], limit)
    # a trade may hold several attributed parts: whether a page is the last depends on the trades read
    envelope["next_cursor"] = cursor.encode(records[-1].position) if len(records) == limit else cursor.END
    return ok(envelope)


async def get_builder_fees(request: Request) -> Response:
    """GET /fees/builder-fees/{builder_code}: a builder's fee rates in bps (openclob charges none)."""
    code = _builder_code(request.path_params["builder_code"])
    return ok({"builder_code": code, "builder_maker_fee_rate_bps": 0, "builder_taker_fee_rate_bps": 0})


ROUTES = [
    Route("/builder/trades", get_builder_trades, methods=["GET"]),
    Route("/fees/builder-fees/{builder_code}", get_builder_fees, methods=["GET"]),
]
