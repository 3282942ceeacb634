"""Public market data (no auth): books, prices, midpoints, spreads, last trades, market parameters, history.

Every token's view is rendered from its market's one book (first-token terms) by `wire`, so the two
tokens of a market always mirror each other. Where the reference is silent, we answer what a bot would
expect:

- A known token with one empty side: /price answers "0" for that side (the book exists but has no best
  price there). /midpoint and /spread need both sides and answer 404 `No orderbook exists for the
  requested token id`, because a midpoint of a one-sided book would be made up.
- Batch variants answer for the well-formed token ids they know and leave out unknown ones (and, for
  midpoints and spreads, one-sided books) instead of failing the whole batch; a malformed entry fails it
  with 400 `Invalid payload`. GET variants take `token_ids=a,b` (and `sides=BUY,SELL`).
- /last-trade-price answers 404 `No orderbook exists ...` for an unknown token, and the documented
  default `{"price": "0.5", "side": ""}` for a known token that has not traded.
- Sides are accepted in any case ("buy" too); responses always use "BUY"/"SELL".
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.errors import (
    HISTORY_EXCLUSIVE,
    HISTORY_FIDELITY,
    HISTORY_INTERVAL,
    HISTORY_MARKET,
    HISTORY_ORDER,
    HISTORY_RANGE_REQUIRED,
    HISTORY_TIMESTAMP,
    INVALID_PAYLOAD,
    INVALID_SIDE,
    INVALID_TOKEN_ID,
    MARKET_NOT_FOUND,
    NO_ORDERBOOK,
    PAYLOAD_LIMIT,
    ApiError,
)
from openclob.api.http import decode, ok, query, read_body
from openclob.core.markets import Market
from openclob.service import Service
from openclob.store.records import PricePointRecord, TradeRecord
from openclob.wire import best_prices, book_summary, decimal, last_trade_price, midpoint, tick_number

TOKEN_ID_MAX_DIGITS = 78
"""A token id is a decimal uint256."""
TOKEN_ID = re.compile(rf"^[0-9]{{1,{TOKEN_ID_MAX_DIGITS}}}$")
"""A token id: ASCII digits (`str.isdigit` also takes other scripts' digits, and "²")."""

SIDES = ("BUY", "SELL")
NO_TRADE = {"price": "0.5", "side": ""}
"""/last-trade-price for a token that has not traded, as Polymarket documents it."""

HISTORY_INTERVAL_SECONDS: dict[str, int | None] = {
    "max": None,
    "all": None,
    "1m": 30 * 86_400,
    "1w": 7 * 86_400,
    "1d": 86_400,
    "6h": 6 * 3_600,
    "1h": 3_600,
}
"""/prices-history intervals, ending now; "1m" is a month (30 days); None means from the beginning."""

# /prices-history filter errors (400): the reference gives only the status, not the words.


class _BookParams(msgspec.Struct):
    """One element of a batch body; py-clob-client's `BookParams` (side only for /prices)."""

    token_id: str
    side: str | None = None


# ---------------------------------------------------------------------------- helpers


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def is_token_id(text: str) -> bool:
    """Whether `text` is a token id: 1 to 78 ASCII digits."""
    return TOKEN_ID.fullmatch(text) is not None


def _token_param(request: Request) -> str:
    token_id = request.path_params.get("token_id") or query(request, "token_id")
    if token_id is None or not is_token_id(token_id):
        raise ApiError(400, INVALID_TOKEN_ID)
    return token_id


def _book_market(service: Service, token_id: str) -> Market:
    market = service.exchange.market_for_token(token_id)
    if market is None:
        raise ApiError(404, NO_ORDERBOOK)
    return market


def _parameter_market(service: Service, token_id: str) -> Market:
    market = service.exchange.market_for_token(token_id)
    if market is None:
        raise ApiError(404, MARKET_NOT_FOUND)
    return market


def _side(text: str | None) -> str:
    side = (text or "").upper()
    if side not in SIDES:
        raise ApiError(400, INVALID_SIDE)
    return side


def _price(service: Service, market: Market, token_id: str, side: str) -> str:
    """BUY -> the best bid, SELL -> the best ask (where a resting order would be best); "0" if that side is empty."""
    bid, ask = best_prices(service.exchange, market, token_id)
    best = bid if side == "BUY" else ask
    return "0" if best is None else decimal(best)


def _midpoint(service: Service, market: Market, token_id: str) -> str | None:
    bid, ask = best_prices(service.exchange, market, token_id)
    return None if bid is None or ask is None else midpoint(bid, ask)


def _spread(service: Service, market: Market, token_id: str) -> str | None:
    bid, ask = best_prices(service.exchange, market, token_id)
    return None if bid is None or ask is None else decimal(ask - bid)


async def _batch(request: Request) -> tuple[Service, list[_BookParams]]:
    """A POST batch body: a JSON array of {token_id[, side]}, at most `max_batch_params` long."""
    service = _service(request)
    limits = service.settings.limits
    body = await read_body(request, limits.max_body_bytes)
    params = decode(body, list[_BookParams], INVALID_PAYLOAD)
    if len(params) > limits.max_batch_params:
        raise ApiError(400, PAYLOAD_LIMIT)
    if not all(is_token_id(p.token_id) for p in params):
        raise ApiError(400, INVALID_PAYLOAD)
    return service, params


def _list_param(request: Request, name: str) -> list[str] | None:
    text = query(request, name)
    return None if text is None else [item.strip() for item in text.split(",")]


def _query_batch(request: Request) -> tuple[Service, list[_BookParams]]:
    """A GET batch: `token_ids=a,b` and optionally `sides=BUY,SELL` (same length)."""
    service = _service(request)
    token_ids = _list_param(request, "token_ids")
    if token_ids is None or not all(is_token_id(t) for t in token_ids):
        raise ApiError(400, INVALID_PAYLOAD)
    if len(token_ids) > service.settings.limits.max_batch_params:
        raise ApiError(400, PAYLOAD_LIMIT)
    sides = _list_param(request, "sides")
    if sides is not None and len(sides) != len(token_ids):
        raise ApiError(400, INVALID_PAYLOAD)
    return service, [_BookParams(token_id, None if sides is None else sides[i]) for i, token_id in enumerate(token_ids)]


def _known(service: Service, params: list[_BookParams]) -> list[tuple[_BookParams, Market]]:
    """The params whose token is listed, with its market, in request order."""
    found = []
    for param in params:
        market = service.exchange.market_for_token(param.token_id)
        if market is not None:
            found.append((param, market))
    return found


# ---------------------------------------------------------------------------- books


async def get_book(request: Request) -> Response:
    """GET /book?token_id=: the token's OrderBookSummary (levels best-last, with the reference's hash)."""
    service = _service(request)
    token_id = _token_param(request)
    market = _book_market(service, token_id)
    return ok(book_summary(service.exchange, market, token_id, service.now_ms()))


async def post_books(request: Request) -> Response:
    """POST /books: the OrderBookSummary of each known token, in request order."""
    service, params = await _batch(request)
    now_ms = service.now_ms()
    return ok([book_summary(service.exchange, m, p.token_id, now_ms) for p, m in _known(service, params)])


# ---------------------------------------------------------------------------- prices


async def get_price(request: Request) -> Response:
    """GET /price?token_id=&side=: {"price": "..."}; BUY is the best bid, SELL the best ask."""
    service = _service(request)
    token_id = _token_param(request)
    side = _side(query(request, "side"))
    market = _book_market(service, token_id)
    return ok({"price": _price(service, market, token_id, side)})


def _prices(service: Service, params: list[_BookParams], both_by_default: bool) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for param in params:
        wanted = list(SIDES) if both_by_default and param.side is None else [_side(param.side)]
        market = service.exchange.market_for_token(param.token_id)
        if market is None:
            continue
        prices = result.setdefault(param.token_id, {})
        for side in wanted:
            prices[side] = _price(service, market, param.token_id, side)
    return result


async def post_prices(request: Request) -> Response:
    """POST /prices [{token_id, side}]: {token_id: {side: price}}, only the requested sides."""
    service, params = await _batch(request)
    return ok(_prices(service, params, both_by_default=False))


async def get_prices(request: Request) -> Response:
    """GET /prices?token_ids=a,b&sides=BUY,SELL; without `sides`, both sides of each token."""
    service, params = _query_batch(request)
    return ok(_prices(service, params, both_by_default=True))


async def get_midpoint(request: Request) -> Response:
    """GET /midpoint?token_id=: {"mid": "..."} (key `mid`, as the clients read it); needs both sides."""
    service = _service(request)
    token_id = _token_param(request)
    mid = _midpoint(service, _book_market(service, token_id), token_id)
    if mid is None:
        raise ApiError(404, NO_ORDERBOOK)
    return ok({"mid": mid})


def _midpoints(service: Service, params: list[_BookParams]) -> dict[str, str]:
    result: dict[str, str] = {}
    for param, market in _known(service, params):
        mid = _midpoint(service, market, param.token_id)
        if mid is not None:
            result[param.token_id] = mid
    return result


async def post_midpoints(request: Request) -> Response:
    """POST /midpoints [{token_id}]: {token_id: mid} for tokens with both sides quoted."""
    service, params = await _batch(request)
    return ok(_midpoints(service, params))


async def get_midpoints(request: Request) -> Response:
    """GET /midpoints?token_ids=a,b."""
    service, params = _query_batch(request)
    return ok(_midpoints(service, params))


async def get_spread(request: Request) -> Response:
    """GET /spread?token_id=: {"spread": "..."} (best ask - best bid); needs both sides."""
    service = _service(request)
    token_id = _token_param(request)
    spread = _spread(service, _book_market(service, token_id), token_id)
    if spread is None:
        raise ApiError(404, NO_ORDERBOOK)
    return ok({"spread": spread})


def _spreads(service: Service, params: list[_BookParams]) -> dict[str, str]:
    result: dict[str, str] = {}
    for param, market in _known(service, params):
        spread = _spread(service, market, param.token_id)
        if spread is not None:
            result[param.token_id] = spread
    return result


async def post_spreads(request: Request) -> Response:
    """POST /spreads [{token_id}]: {token_id: spread} for tokens with both sides quoted."""
    service, params = await _batch(request)
    return ok(_spreads(service, params))


async def get_spreads(request: Request) -> Response:
    """GET /spreads?token_ids=a,b."""
    service, params = _query_batch(request)
    return ok(_spreads(service, params))


# ---------------------------------------------------------------------------- last trades


def _taker_side(trade: TradeRecord, token_id: str) -> str:
    """The taker's side of `trade` in `token_id`'s terms: buying one token is selling the other."""
    if trade.token_id == token_id:
        return trade.side
    return "SELL" if trade.side == "BUY" else "BUY"


async def _last_trades(service: Service, pairs: list[tuple[str, Market]]) -> list[dict[str, str]]:
    """{price, side} for each (token, market): the price from the core, the side from the store's newest trade."""
    traded = list(dict.fromkeys(m.condition_id for _, m in pairs if m.last_trade_price_units is not None))

    def newest(condition_ids: list[str]) -> dict[str, TradeRecord]:
        found: dict[str, TradeRecord] = {}
        for condition_id in condition_ids:
            trades = service.store.market_trades(condition_id, 1)
            if trades:
                found[condition_id] = trades[0]
        return found

    latest = await service.read(newest, traded) if traded else {}
    answers = []
    for token_id, market in pairs:
        price = last_trade_price(market, token_id)
        if price is None:
            answers.append(dict(NO_TRADE))
            continue
        trade = latest.get(market.condition_id)
        answers.append({"price": decimal(price), "side": "" if trade is None else _taker_side(trade, token_id)})
    return answers


async def get_last_trade_price(request: Request) -> Response:
    """GET /last-trade-price?token_id=: {"price", "side"}; {"price": "0.5", "side": ""} before any trade."""
    service = _service(request)
    token_id = _token_param(request)
    market = _book_market(service, token_id)
    return ok((await _last_trades(service, [(token_id, market)]))[0])


async def _last_trades_prices(service: Service, params: list[_BookParams]) -> list[dict[str, str]]:
    pairs = [(p.token_id, m) for p, m in _known(service, params)]
    answers = await _last_trades(service, pairs)
    return [{"token_id": token_id, **answer} for (token_id, _), answer in zip(pairs, answers, strict=True)]


async def post_last_trades_prices(request: Request) -> Response:
    """POST /last-trades-prices [{token_id}] (at most `max_batch_params`): [{token_id, price, side}]."""
    service, params = await _batch(request)
    return ok(await _last_trades_prices(service, params))


async def get_last_trades_prices(request: Request) -> Response:
    """GET /last-trades-prices?token_ids=a,b."""
    service, params = _query_batch(request)
    return ok(await _last_trades_prices(service, params))


# ---------------------------------------------------------------------------- market parameters


async def get_tick_size(request: Request) -> Response:
    """GET /tick-size?token_id= and /tick-size/{token_id}: {"minimum_tick_size": 0.01}, a JSON number."""
    service = _service(request)
    market = _parameter_market(service, _token_param(request))
    return ok({"minimum_tick_size": tick_number(market.tick_units)})


async def get_neg_risk(request: Request) -> Response:
    """GET /neg-risk?token_id= (and /neg-risk/{token_id}): {"neg_risk": bool}."""
    service = _service(request)
    market = _parameter_market(service, _token_param(request))
    return ok({"neg_risk": market.neg_risk})


async def get_fee_rate(request: Request) -> Response:
    """GET /fee-rate?token_id= and /fee-rate/{token_id}: {"base_fee": bps}, an integer."""
    service = _service(request)
    market = _parameter_market(service, _token_param(request))
    return ok({"base_fee": market.fee_rate_bps})


# ---------------------------------------------------------------------------- price history


def _seconds(request: Request, name: str) -> int | None:
    text = query(request, name)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise ApiError(400, HISTORY_TIMESTAMP)
    return int(text)


def history_window_ms(request: Request, now_ms: int) -> tuple[int, int]:
    """[start, end] in ms from `interval` (ending now) or `startTs`/`endTs` (unix seconds, inclusive).

    A lone `startTs` runs until now and a lone `endTs` from the beginning; giving both forms is refused.
    """
    start_s, end_s = _seconds(request, "startTs"), _seconds(request, "endTs")
    interval = query(request, "interval")
    if interval is not None:
        if start_s is not None or end_s is not None:
            raise ApiError(400, HISTORY_EXCLUSIVE)
        if interval not in HISTORY_INTERVAL_SECONDS:
            raise ApiError(400, HISTORY_INTERVAL)
        length_s = HISTORY_INTERVAL_SECONDS[interval]
        return (0 if length_s is None else max(0, now_ms - length_s * 1000)), now_ms
    if start_s is None and end_s is None:
        raise ApiError(400, HISTORY_RANGE_REQUIRED)
    start_ms = 0 if start_s is None else start_s * 1000
    end_ms = now_ms if end_s is None else end_s * 1000 + 999
    if start_ms > end_ms:
        raise ApiError(400, HISTORY_ORDER)
    return start_ms, end_ms


def _fidelity_minutes(request: Request) -> int:
    text = query(request, "fidelity")
    if text is None:
        return 1
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or int(text) < 1:
        raise ApiError(400, HISTORY_FIDELITY)
    return int(text)


def bucket_history(points: list[PricePointRecord], fidelity_minutes: int) -> list[dict[str, Any]]:
    """One point per `fidelity_minutes` bucket that has trades: the bucket's start (unix s) and its last price.

    Buckets are aligned to the unix epoch, so the same trades always give the same points.
    """
    bucket_ms = fidelity_minutes * 60_000
    last: dict[int, int] = {}
    for point in points:  # oldest first: the last write per bucket is its last price
        last[point.at_ms // bucket_ms] = point.price_units
    return [{"t": bucket * bucket_ms // 1000, "p": float(decimal(price))} for bucket, price in last.items()]


async def get_prices_history(request: Request) -> Response:
    """GET /prices-history?market=<token_id>&(interval=|startTs=&endTs=)&fidelity=<minutes>: {"history": [{t, p}]}."""
    service = _service(request)
    token_id = query(request, "market")
    if token_id is None or not is_token_id(token_id):
        raise ApiError(400, HISTORY_MARKET)
    start_ms, end_ms = history_window_ms(request, service.now_ms())
    fidelity = _fidelity_minutes(request)
    _parameter_market(service, token_id)
    points = await service.read(service.store.price_history, token_id, start_ms, end_ms)
    return ok({"history": bucket_history(points, fidelity)})


ROUTES = [
    Route("/book", get_book, methods=["GET"]),
    Route("/books", post_books, methods=["POST"]),
    Route("/price", get_price, methods=["GET"]),
    Route("/prices", get_prices, methods=["GET"]),
    Route("/prices", post_prices, methods=["POST"]),
    Route("/midpoint", get_midpoint, methods=["GET"]),
    Route("/midpoints", get_midpoints, methods=["GET"]),
    Route("/midpoints", post_midpoints, methods=["POST"]),
    Route("/spread", get_spread, methods=["GET"]),
    Route("/spreads", get_spreads, methods=["GET"]),
    Route("/spreads", post_spreads, methods=["POST"]),
    Route("/last-trade-price", get_last_trade_price, methods=["GET"]),
    Route("/last-trades-prices", get_last_trades_prices, methods=["GET"]),
    Route("/last-trades-prices", post_last_trades_prices, methods=["POST"]),
    Route("/tick-size", get_tick_size, methods=["GET"]),
    Route("/tick-size/{token_id}", get_tick_size, methods=["GET"]),
    Route("/neg-risk", get_neg_risk, methods=["GET"]),
    Route("/neg-risk/{token_id}", get_neg_risk, methods=["GET"]),
    Route("/fee-rate", get_fee_rate, methods=["GET"]),
    Route("/fee-rate/{token_id}", get_fee_rate, methods=["GET"]),
    Route("/prices-history", get_prices_history, methods=["GET"]),
]
