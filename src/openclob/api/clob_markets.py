"""The V2 clients' market lookups (public): compact market details, and the market of a token.

py-clob-client-v2 and @polymarket/clob-client-v2 read tick size, neg risk and the V2 fee parameters from
GET /clob-markets/{condition_id} in one call, after finding the condition through GET
/markets-by-token/{token_id}. Keys follow the reference (3.3, `MarketDetails`): `nr` is present only when
true, `fd` only on a fee market; `r` (rewards) is null; openclob has no game start, delay, RFQ or
blockaid checks, so those are absent or false.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.errors import INVALID_TOKEN_ID, MARKET_NOT_FOUND, ApiError
from openclob.api.http import ok
from openclob.api.market_data import is_token_id
from openclob.api.markets import CONDITION_ID, iso_time
from openclob.core.markets import Market
from openclob.service import Service
from openclob.wire import number, tick_number

FEE_RATE_DENOMINATOR = 10_000
"""`fd.r` is the fee rate as a fraction: 1000 bps -> 0.1."""


def market_details(market: Market) -> dict[str, Any]:
    """The compact `MarketDetails` of a market."""
    details: dict[str, Any] = {
        "c": market.condition_id,
        "t": [
            {"t": token_id, "o": outcome} for token_id, outcome in zip(market.token_ids, market.outcomes, strict=True)
        ],
        "mts": tick_number(market.tick_units),
    }
    if market.neg_risk:
        details["nr"] = True
    if market.fee_rate_bps:
        # V2 fees are taker-only; V1 orders on the market sign `fee_rate_bps` (GET /fee-rate)
        details["fd"] = {"r": market.fee_rate_bps / FEE_RATE_DENOMINATOR, "e": market.fee_exponent, "to": True}
    details.update(
        {
            "mbf": 0,
            "tbf": market.fee_rate_bps,
            "r": None,
            "ao": market.accepting_orders and not market.resolved,
            "mos": number(market.min_size_units),
            "sd": 0,
            "cbos": False,
            "aot": iso_time(market.created_at_ms),
            "rfqe": False,
            "itode": False,
            "ibce": False,
        }
    )
    return details


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def get_clob_market(request: Request) -> Response:
    """GET /clob-markets/{condition_id}: compact `MarketDetails`."""
    service = _service(request)
    condition_id = request.path_params["condition_id"]
    if not CONDITION_ID.fullmatch(condition_id):
        raise ApiError(400, "Invalid market")
    market = service.exchange.markets.get(condition_id.lower())
    if market is None:
        raise ApiError(404, MARKET_NOT_FOUND)
    return ok(market_details(market))


async def get_market_by_token(request: Request) -> Response:
    """GET /markets-by-token/{token_id}: the token's condition and the market's two tokens."""
    service = _service(request)
    token_id = request.path_params["token_id"]
    if not is_token_id(token_id):
        raise ApiError(400, INVALID_TOKEN_ID)
    market = service.exchange.market_for_token(token_id)
    if market is None:
        raise ApiError(404, MARKET_NOT_FOUND)
    primary, secondary = market.token_ids
    return ok({"condition_id": market.condition_id, "primary_token_id": primary, "secondary_token_id": secondary})


ROUTES = [
    Route("/clob-markets/{condition_id}", get_clob_market, methods=["GET"]),
    Route("/markets-by-token/{token_id}", get_market_by_token, methods=["GET"]),
]
