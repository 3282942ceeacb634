"""Public market listings (no auth): Market and SimplifiedMarket objects, paginated, and recent trades.

`market_json` and `simplified_market_json` render a core market with its words (question, description,
slug) in the reference's shapes; the admin API reuses them. Choices where the reference is silent:

- closed = closed at the end date or resolved, active = not resolved, archived = false, enable_order_book = true;
  accepting_orders false once closed.
- A neg-risk event's markets carry the event's `neg_risk_market_id`, and `neg_risk_request_id` is the keccak256
  of the market's question id (Polymarket's is an oracle request id, a bytes32 no client derives anything from).
- A token's `price` is the last trade price in that token's terms, else the book's midpoint, else 0.5;
  once resolved, 1 for the winner and 0 for the loser (as Polymarket shows resolved markets).
- Fields openclob has no notion of (fpmm, icon, image, rewards, tags) are present and empty,
  so typed clients find every key; `game_start_time`, and `end_date_iso` when unset, are null.
- Listings are in listing (creation) order; "sampling" markets are the ones accepting orders.
- /live-activity/events carries no user: its `user` object has every key, all empty strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import cursor
from openclob.api.errors import INVALID_CURSOR, INVALID_MARKET, MARKET_NOT_FOUND, ApiError
from openclob.api.http import ok, query
from openclob.core import UNIT
from openclob.core.markets import Market
from openclob.crypto import keccak256
from openclob.service import Service
from openclob.store.records import TradeRecord
from openclob.wire import best_prices, decimal, last_trade_price, midpoint, number, outcome_of, tick_number

CONDITION_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")
NO_PRICE = 0.5
"""A token's price before any trade or two-sided quote."""

_EMPTY_USER = {"address": "", "username": "", "profile_picture": "", "optimized_profile_picture": "", "pseudonym": ""}


def iso_time(at_ms: int) -> str:
    """Unix milliseconds as the ISO-8601 UTC second Polymarket writes ("2024-01-01T00:00:00Z")."""
    return datetime.fromtimestamp(at_ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_price(service: Service, market: Market, token_id: str) -> float:
    """A token's price as a JSON number: settled value, else last trade, else midpoint, else 0.5."""
    if market.resolved:
        return 1.0 if token_id == market.winning_token_id else 0.0
    last = last_trade_price(market, token_id)
    if last is not None:
        return float(decimal(last))
    bid, ask = best_prices(service.exchange, market, token_id)
    if bid is not None and ask is not None:
        return float(midpoint(bid, ask))
    return NO_PRICE


def _tokens(service: Service, market: Market) -> list[dict[str, Any]]:
    return [
        {
            "token_id": token_id,
            "outcome": outcome,
            "price": token_price(service, market, token_id),
            "winner": token_id == market.winning_token_id,
        }
        for token_id, outcome in zip(market.token_ids, market.outcomes, strict=True)
    ]


def _rewards() -> dict[str, Any]:
    return {"rates": None, "min_size": 0, "max_spread": 0}


def market_json(service: Service, market: Market) -> dict[str, Any]:
    """The reference's `Market` object for `market` (GET /markets/{condition_id}); numbers are JSON numbers."""
    info = service.edge.market_infos.get(market.condition_id)
    group = service.exchange.event_of(market)
    question_id = info.question_id if info else ""
    return {
        "enable_order_book": True,
        "active": not market.resolved,
        "closed": market.closed,
        "archived": False,
        "accepting_orders": market.accepting_orders,
        "accepting_order_timestamp": iso_time(market.created_at_ms),
        "minimum_order_size": number(market.min_size_units),
        "minimum_tick_size": tick_number(market.tick_units),
        "condition_id": market.condition_id,
        "question_id": question_id,
        "question": info.question if info else "",
        "description": info.description if info else "",
        "market_slug": info.market_slug if info else "",
        "end_date_iso": (info.end_date_iso or None) if info else None,
        "game_start_time": None,
        "seconds_delay": 0,
        "fpmm": "",
        "maker_base_fee": market.fee_rate_bps,
        "taker_base_fee": market.fee_rate_bps,
        "notifications_enabled": True,
        "neg_risk": market.neg_risk,
        "neg_risk_market_id": group.neg_risk_market_id if group is not None else "",
        "neg_risk_request_id": neg_risk_request_id(question_id) if group is not None and group.neg_risk else "",
        "icon": "",
        "image": "",
        "rewards": _rewards(),
        "is_50_50_outcome": False,
        "tokens": _tokens(service, market),
        "tags": [],
    }


def simplified_market_json(service: Service, market: Market) -> dict[str, Any]:
    """The reference's `SimplifiedMarket` object."""
    return {
        "condition_id": market.condition_id,
        "rewards": _rewards(),
        "tokens": _tokens(service, market),
        "active": not market.resolved,
        "closed": market.closed,
        "archived": False,
        "accepting_orders": market.accepting_orders,
    }


def neg_risk_request_id(question_id: str) -> str:
    """A neg-risk market's request id: keccak256 of its question id ("" without one)."""
    if not question_id:
        return ""
    return "0x" + keccak256(bytes.fromhex(question_id[2:])).hex()


def trade_event(service: Service, market: Market, trade: TradeRecord) -> dict[str, Any]:
    """A `MarketTradeEvent`: one trade as its taker saw it (token, side, average price), with no user."""
    info = service.edge.market_infos.get(market.condition_id)
    price = trade.collateral_units * UNIT // trade.size_units if trade.size_units else 0
    return {
        "event_type": "trade",
        "market": {
            "condition_id": market.condition_id,
            "asset_id": trade.token_id,
            "question": info.question if info else "",
            "icon": "",
            "slug": info.market_slug if info else "",
        },
        "user": dict(_EMPTY_USER),
        "side": trade.side,
        "size": decimal(trade.size_units),
        "fee_rate_bps": str(trade.fee_rate_bps),
        "price": decimal(price),
        "outcome": outcome_of(market, trade.token_id),
        "outcome_index": market.token_index(trade.token_id),
        "transaction_hash": trade.transaction_hash,
        "timestamp": str(trade.matched_at_ms // 1000),
    }


# ---------------------------------------------------------------------------- routes


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _market(service: Service, condition_id: str) -> Market:
    if not CONDITION_ID.fullmatch(condition_id):
        raise ApiError(400, INVALID_MARKET)
    market = service.exchange.markets.get(condition_id.lower())
    if market is None:
        raise ApiError(404, MARKET_NOT_FOUND)
    return market


def _page(
    request: Request,
    include: Callable[[Market], bool],
    render: Callable[[Service, Market], dict[str, Any]],
) -> Response:
    """One page of the markets `include` keeps, in listing order, after the position `next_cursor` names."""
    service = _service(request)
    limit = service.settings.limits.page_size
    raw = query(request, "next_cursor")
    if raw == cursor.END:
        return ok(cursor.page([], [], limit))
    position = cursor.decode(raw)
    if position is None:
        raise ApiError(400, INVALID_CURSOR)
    markets = [m for m in service.exchange.markets.values() if include(m)]
    chunk = markets[position : position + limit]
    data: list[object] = [render(service, m) for m in chunk]
    return ok(cursor.page(data, list(range(position + 1, position + 1 + len(chunk))), limit))


def _every(market: Market) -> bool:
    return True


def _sampling(market: Market) -> bool:
    return market.accepting_orders and not market.closed


async def get_markets(request: Request) -> Response:
    """GET /markets?next_cursor=: paginated `Market`s."""
    return _page(request, _every, market_json)


async def get_simplified_markets(request: Request) -> Response:
    """GET /simplified-markets?next_cursor=: paginated `SimplifiedMarket`s."""
    return _page(request, _every, simplified_market_json)


async def get_sampling_markets(request: Request) -> Response:
    """GET /sampling-markets?next_cursor=: paginated `Market`s that accept orders."""
    return _page(request, _sampling, market_json)


async def get_sampling_simplified_markets(request: Request) -> Response:
    """GET /sampling-simplified-markets?next_cursor=: paginated `SimplifiedMarket`s that accept orders."""
    return _page(request, _sampling, simplified_market_json)


async def get_market(request: Request) -> Response:
    """GET /markets/{condition_id}: one `Market`."""
    service = _service(request)
    return ok(market_json(service, _market(service, request.path_params["condition_id"])))


async def get_market_trade_events(request: Request) -> Response:
    """GET /live-activity/events/{condition_id} (V2 /markets/live-activity/...): recent trades, newest first."""
    service = _service(request)
    market = _market(service, request.path_params["condition_id"])
    limit = service.settings.limits.market_trades_limit
    trades = await service.read(service.store.market_trades, market.condition_id, limit)
    return ok([trade_event(service, market, trade) for trade in trades])


ROUTES = [
    Route("/markets", get_markets, methods=["GET"]),
    Route("/markets/{condition_id}", get_market, methods=["GET"]),
    Route("/markets/live-activity/{condition_id}", get_market_trade_events, methods=["GET"]),
    Route("/simplified-markets", get_simplified_markets, methods=["GET"]),
    Route("/sampling-markets", get_sampling_markets, methods=["GET"]),
    Route("/sampling-simplified-markets", get_sampling_simplified_markets, methods=["GET"]),
    Route("/live-activity/events/{condition_id}", get_market_trade_events, methods=["GET"]),
]
