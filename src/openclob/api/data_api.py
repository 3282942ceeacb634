"""Data API subset under /data-api (public, like Polymarket's): positions, activity, the trade tape, value.

A bot sets its Data API base URL to `http://HOST:PORT/data-api`. `user` is the address that holds the
tokens: the order's maker (the funder: a proxy, Safe or deposit wallet when the API key's signer trades
for one, else the signer itself), as on Polymarket, where it is the proxy wallet. Reads come from the
activity table (store/projection.py, by address) and the exchange's balances; nothing goes through the
sequencer. Shapes follow Polymarket's: camelCase keys, amounts and prices as JSON numbers, times as unix
seconds. Choices where the documentation is loose (docs/fidelity.md lists them):

- `size` is what the address holds now (free + reserved + proceeds waiting for settlement); `avgPrice`,
  `realizedPnl` and `totalBought` come from its history by average cost (api/portfolio.py); `curPrice` is
  the token's price as /markets shows it (last trade, else midpoint, else 0.5; 1 or 0 once resolved).
- `sizeThreshold` defaults to 1 share, as Polymarket's; positions sort by `sortBy` (TOKENS by default,
  descending).
- Splits, merges and redemptions are in /activity with no asset, side or outcome and `outcomeIndex` 999; a
  neg-risk conversion too, with its event's `negRiskMarketID` as `conditionId` and its title and slug.
- A resolved market's tokens still held are `redeemable` (winning and losing alike) until redeemed.
- An unknown or empty address is `[]` (and `value` 0); a malformed one is 400 `{"error": "invalid user: ..."}`.
- /trades without `user` is every trade, newest first; `takerOnly` (default true) keeps the takers' rows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import gamma_params as params
from openclob.api.admin import ADDRESS
from openclob.api.gamma import catalog
from openclob.api.gamma_catalog import Catalog, GammaEvent, Listed, end_date_iso
from openclob.api.http import ok
from openclob.api.markets import CONDITION_ID
from openclob.api.portfolio import Holding, holdings
from openclob.core import UNIT
from openclob.core.bounds import MAX_TIME_MS
from openclob.core.markets import Market
from openclob.service import Service
from openclob.store.records import ActivityRecord, TradeRecord
from openclob.wire import best_prices, last_trade_price

MAX_HISTORY_ROWS = 10_000_000
"""The most activity rows a position fold reads (an address's whole history in practice)."""
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_TRADES_LIMIT = 10_000
MAX_OFFSET = 10_000
ACTIVITY_TYPES = ("TRADE", "SPLIT", "MERGE", "REDEEM", "REWARD", "CONVERSION")
"""Polymarket's activity types (openclob has no rewards, so no REWARD rows)."""
SORT_FIELDS = ("TOKENS", "CURRENT", "INITIAL", "CASHPNL", "PERCENTPNL", "TITLE", "RESOLVING", "PRICE", "AVGPRICE")
NO_OUTCOME_INDEX = 999
"""The outcomeIndex of an activity row that is not in one outcome (a split, merge, conversion or redemption)."""
THRESHOLD = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?$")
_NO_WORDS = {"title": "", "slug": "", "icon": "", "eventSlug": ""}
_EMPTY_PROFILE = {"name": "", "pseudonym": "", "bio": "", "profileImage": "", "profileImageOptimized": ""}


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _optional_user(request: Request) -> str | None:
    text = params.single(request, "user")
    if text is not None and not ADDRESS.fullmatch(text):
        raise params.invalid("user", "expected 0x and 40 hex digits", gamma=False)
    return None if text is None else text.lower()


def _user(request: Request) -> str:
    address = _optional_user(request)
    if address is None:
        raise params.invalid("user", "an address is required", gamma=False)
    return address


def _markets(request: Request) -> list[str]:
    return [c.lower() for c in params.values(request, "market", CONDITION_ID, gamma=False)]


def _ratio(numerator: int, denominator: int) -> float:
    """An exact ratio of integers as a JSON number, to the 1e-6 unit (Polymarket sends floats)."""
    return round(numerator / denominator, 6) if denominator else 0.0


def _units(units: int) -> float:
    return _ratio(units, UNIT)


def doubled_price_units(service: Service, market: Market, token_id: str) -> int:
    """Twice the token's current price in units (a midpoint may fall on half a unit): settled value, else last
    trade, else midpoint, else 0.5."""
    if market.resolved:
        return 2 * UNIT if token_id == market.winning_token_id else 0
    last = last_trade_price(market, token_id)
    if last is not None:
        return 2 * last
    bid, ask = best_prices(service.exchange, market, token_id)
    if bid is not None and ask is not None:
        return bid + ask
    return UNIT


def _held_units(service: Service, address: str, token_id: str) -> int:
    free, reserved = service.exchange.balance(address, token_id)
    return free + reserved + service.exchange.pending_of(address, token_id)


def _market_words(found: Catalog, market: Market) -> dict[str, Any]:
    listed: Listed | None = found.by_condition.get(market.condition_id)
    event = found.event_of.get(market.condition_id)
    return {
        "title": listed.info.question if listed else "",
        "slug": listed.slug if listed else "",
        "icon": "",
        "eventSlug": event.slug if event else "",
    }


def _event_words(event: GammaEvent) -> dict[str, Any]:
    return {"title": event.title, "slug": event.slug, "icon": "", "eventSlug": event.slug}


# ---------------------------------------------------------------------------- positions


def position_json(
    service: Service, found: Catalog, address: str, entry: Holding, market: Market, size_units: int
) -> dict[str, Any]:
    """One position as /positions shows it (see the module's notes for how each amount is made)."""
    index = market.token_index(entry.token_id)
    opposite = 1 - index
    price2 = doubled_price_units(service, market, entry.token_id)
    cost, held = entry.cost_units, entry.size_units or 1  # (no history of it: no cost)
    # initial = size * cost / held and current = size * price2 / 2, over UNIT^2: exact until the last division
    initial = size_units * cost * 2 * UNIT
    current = size_units * price2 * held
    scale = 2 * UNIT * UNIT * held
    listed = found.by_condition.get(market.condition_id)
    event = found.event_of.get(market.condition_id)
    return {
        "proxyWallet": address,
        "asset": entry.token_id,
        "conditionId": market.condition_id,
        "size": _units(size_units),
        "avgPrice": _ratio(cost, held),
        "initialValue": _ratio(initial, scale),
        "currentValue": _ratio(current, scale),
        "cashPnl": _ratio(current - initial, scale),
        "percentPnl": _ratio((current - initial) * 100, initial),
        "totalBought": _units(entry.bought_units),
        "realizedPnl": _units(entry.realized_units),
        "percentRealizedPnl": _ratio(entry.realized_units * 100, entry.sold_cost_units),
        "curPrice": _ratio(price2, 2 * UNIT),
        "redeemable": market.resolved and size_units > 0,  # (until redeemed: resolution pays nothing by itself)
        "mergeable": not market.resolved and _held_units(service, address, market.token_ids[opposite]) > 0,
        "title": listed.info.question if listed else "",
        "slug": listed.slug if listed else "",
        "icon": "",
        "eventSlug": event.slug if event else "",
        "eventId": str(event.id) if event else "",
        "outcome": market.outcomes[index],
        "outcomeIndex": index,
        "oppositeOutcome": market.outcomes[opposite],
        "oppositeAsset": market.token_ids[opposite],
        "endDate": (end_date_iso(listed) if listed else "")[:10] or (event.end_date_iso[:10] if event else ""),
        "negativeRisk": event.neg_risk if event else market.neg_risk,
    }


async def open_positions(service: Service, address: str) -> list[tuple[Holding, Market, int]]:
    """(history, market, size held now) of every token `address` holds, in the order they first appear in its
    history."""
    query = functools.partial(service.store.activity, address, limit=MAX_HISTORY_ROWS, oldest_first=True)
    records = await service.read(query)
    markets = service.exchange.markets

    def tokens_of(condition_id: str) -> tuple[str, ...] | None:
        market = markets.get(condition_id)
        return None if market is None else market.token_ids

    found = []
    for token_id, entry in holdings(records, tokens_of).items():
        market = service.exchange.market_for_token(token_id)
        size_units = _held_units(service, address, token_id)
        if market is not None and size_units > 0:
            found.append((entry, market, size_units))
    return found


_SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "TOKENS": lambda p: p["size"],
    "CURRENT": lambda p: p["currentValue"],
    "INITIAL": lambda p: p["initialValue"],
    "CASHPNL": lambda p: p["cashPnl"],
    "PERCENTPNL": lambda p: p["percentPnl"],
    "TITLE": lambda p: p["title"],
    "RESOLVING": lambda p: p["endDate"],
    "PRICE": lambda p: p["curPrice"],
    "AVGPRICE": lambda p: p["avgPrice"],
}


def _threshold_units(request: Request) -> int:
    text = params.single(request, "sizeThreshold")
    if text is None:
        return UNIT
    if not THRESHOLD.fullmatch(text):
        raise params.invalid("sizeThreshold", "expected a non-negative decimal number", gamma=False)
    whole, _, fraction = text.partition(".")
    return int(whole) * UNIT + int((fraction + "000000")[:6])


def _seconds_ms(request: Request, name: str) -> int | None:
    """A time filter in unix seconds, as milliseconds (None if absent)."""
    if params.single(request, name) is None:
        return None
    return params.integer(request, name, maximum=MAX_TIME_MS // 1000, default=0, gamma=False) * 1000


def _page(request: Request, maximum: int = MAX_LIMIT) -> tuple[int, int]:
    limit = params.integer(request, "limit", maximum=maximum, default=DEFAULT_LIMIT, gamma=False)
    offset = params.integer(request, "offset", maximum=MAX_OFFSET, default=0, gamma=False)
    return limit, offset


async def get_positions(request: Request) -> Response:
    """GET /data-api/positions?user=: the address's open positions with average price and PnL."""
    service = _service(request)
    address = _user(request)
    markets = set(_markets(request))
    threshold = _threshold_units(request)
    redeemable = params.boolean(request, "redeemable", gamma=False)
    mergeable = params.boolean(request, "mergeable", gamma=False)
    limit, offset = _page(request)
    sort_by = params.choice(request, "sortBy", SORT_FIELDS, default="TOKENS", gamma=False)
    direction = params.choice(request, "sortDirection", ("ASC", "DESC"), default="DESC", gamma=False)
    words = catalog(request)
    held = [
        (entry, market, size)
        for entry, market, size in await open_positions(service, address)
        if size >= threshold and (not markets or market.condition_id in markets)
    ]
    # Sorted by size, the default, only the page is rendered; other orders and filters read rendered fields.
    if sort_by == "TOKENS" and redeemable is None and mergeable is None:
        held.sort(key=lambda h: h[2], reverse=direction == "DESC")
        return ok([position_json(service, words, address, *h) for h in held[offset : offset + limit]])
    found = [position_json(service, words, address, *h) for h in held]
    found = [
        p
        for p in found
        if (redeemable is None or p["redeemable"] == redeemable) and (mergeable is None or p["mergeable"] == mergeable)
    ]
    found.sort(key=_SORT_KEYS[sort_by], reverse=direction == "DESC")
    return ok(found[offset : offset + limit])


async def get_value(request: Request) -> Response:
    """GET /data-api/value?user=: [{"user", "value"}], the current value of the address's positions."""
    service = _service(request)
    address = _user(request)
    doubled = sum(
        size_units * doubled_price_units(service, market, entry.token_id)
        for entry, market, size_units in await open_positions(service, address)
    )
    return ok([{"user": address, "value": _ratio(doubled, 2 * UNIT * UNIT)}])


# ---------------------------------------------------------------------------- activity and trades


def activity_json(
    found: Catalog, market: Market | None, record: ActivityRecord, event: GammaEvent | None = None
) -> dict[str, Any]:
    """One activity row: a trade (in the address's own token, side and price), a split, a merge, a redemption,
    or a conversion (of `event`)."""
    traded = record.type == "TRADE" and market is not None and record.token_id in market.token_ids
    index = market.token_index(record.token_id) if traded and market is not None else NO_OUTCOME_INDEX
    if event is not None:
        words, condition_id = _event_words(event), event.neg_risk_market_id
    else:
        words = _market_words(found, market) if market is not None else _NO_WORDS
        condition_id = record.condition_id
    return {
        "proxyWallet": record.address,
        "timestamp": record.at_ms // 1000,
        "conditionId": condition_id,
        "type": record.type,
        "size": _units(record.size_units),
        "usdcSize": _units(record.usdc_units),
        "transactionHash": record.transaction_hash,
        "price": _units(record.price_units),
        "asset": record.token_id,
        "side": record.side,
        "outcomeIndex": index,
        **words,
        "outcome": market.outcomes[index] if market is not None and traded else "",
        **_EMPTY_PROFILE,
    }


async def get_activity(request: Request) -> Response:
    """GET /data-api/activity?user=: the address's trades, splits, merges, conversions and redemptions, newest
    first."""
    service = _service(request)
    address = _user(request)
    limit, offset = _page(request)
    types = [t.upper() for t in params.values(request, "type", None, gamma=False)]
    for kind in types:
        if kind not in ACTIVITY_TYPES:
            raise params.invalid("type", f"expected some of {', '.join(ACTIVITY_TYPES)}", gamma=False)
    direction = params.choice(request, "sortDirection", ("ASC", "DESC"), default="DESC", gamma=False)
    side = params.choice(request, "side", ("BUY", "SELL"), default="", gamma=False) or None
    start, end = _seconds_ms(request, "start"), _seconds_ms(request, "end")
    query = functools.partial(
        service.store.activity,
        address,
        limit=limit,
        offset=offset,
        types=types,
        condition_ids=_markets(request),
        oldest_first=direction == "ASC",
        side=side,
        start_ms=start,
        end_ms=end,
    )
    records = await service.read(query)
    found, markets = catalog(request), service.exchange.markets
    return ok([activity_json(found, markets.get(r.condition_id), r, _converted(service, found, r)) for r in records])


def _converted(service: Service, found: Catalog, record: ActivityRecord) -> GammaEvent | None:
    """The Gamma event of a conversion row (None for any other row)."""
    group = service.exchange.events.get(record.event_id) if record.type == "CONVERSION" else None
    return found.event_of.get(group.condition_ids[0]) if group is not None and group.condition_ids else None


def _trade_row(
    found: Catalog, market: Market | None, address: str, token_id: str, side: str, size: int, price: int, at_ms: int,
    reference: str,
) -> dict[str, Any]:  # fmt: skip
    index = market.token_index(token_id) if market is not None and token_id in market.token_ids else 0
    words = _market_words(found, market) if market is not None else _NO_WORDS
    return {
        "proxyWallet": address,
        "side": side,
        "asset": token_id,
        "conditionId": market.condition_id if market is not None else "",
        "size": _units(size),
        "price": _units(price),
        "timestamp": at_ms // 1000,
        **words,
        "outcome": market.outcomes[index] if market is not None else "",
        "outcomeIndex": index,
        **_EMPTY_PROFILE,
        "transactionHash": reference,
    }


def _tape_rows(
    found: Catalog, markets: dict[str, Market], trade: TradeRecord, taker_only: bool
) -> list[dict[str, Any]]:
    market = markets.get(trade.condition_id)
    price = trade.collateral_units * UNIT // trade.size_units if trade.size_units else 0
    rows = [
        _trade_row(found, market, trade.taker_maker, trade.token_id, trade.side, trade.size_units, price,
                   trade.matched_at_ms, trade.transaction_hash)
    ]  # fmt: skip
    if not taker_only:
        rows += [
            _trade_row(found, market, leg.maker, leg.token_id, leg.side, leg.matched_units, leg.price_units,
                       trade.matched_at_ms, trade.transaction_hash)
            for leg in trade.maker_legs
        ]  # fmt: skip
    return rows


async def get_trades(request: Request) -> Response:
    """GET /data-api/trades: the public trade tape, newest first; `user` and `market` narrow it."""
    service = _service(request)
    address = _optional_user(request)
    limit, offset = _page(request, MAX_TRADES_LIMIT)
    taker_only = bool(params.boolean(request, "takerOnly", gamma=False, default=True))
    condition_ids = _markets(request)
    found, markets = catalog(request), service.exchange.markets
    if address is not None:
        query = functools.partial(
            service.store.activity,
            address,
            limit=limit,
            offset=offset,
            types=("TRADE",),
            condition_ids=condition_ids,
            taker_only=taker_only,
        )
        records = await service.read(query)
        return ok(
            [
                _trade_row(found, markets.get(r.condition_id), r.address, r.token_id, r.side, r.size_units,
                           r.price_units, r.at_ms, r.transaction_hash)
                for r in records
            ]
        )  # fmt: skip
    tape = functools.partial(service.store.tape, limit=offset + limit, condition_ids=condition_ids)
    trades = await service.read(tape)
    rows = [row for trade in trades for row in _tape_rows(found, markets, trade, taker_only)]
    return ok(rows[offset : offset + limit])


ROUTES = [
    Route("/data-api/positions", get_positions, methods=["GET"]),
    Route("/data-api/activity", get_activity, methods=["GET"]),
    Route("/data-api/trades", get_trades, methods=["GET"]),
    Route("/data-api/value", get_value, methods=["GET"]),
]
