"""Gamma API subset under /gamma (public): markets, events and tags, as Polymarket's Gamma API shapes them.

A bot sets its Gamma base URL to `http://HOST:PORT/gamma`. Markets and events come from the catalog
(gamma_catalog.py: stable ids and slugs; an operator's event with its markets, a market listed alone as its own
event). Shapes follow
Gamma's: camelCase keys, ids as strings, `outcomes`, `outcomePrices` and `clobTokenIds` as JSON-encoded
strings, prices and sizes as JSON numbers, `volume` and `liquidity` of a market as decimal strings and of
an event as numbers. Choices where Gamma's documentation is silent (docs/fidelity.md lists them):

- Keys openclob has no value for are left out, as Gamma leaves out empty ones: `endDate` when the operator
  gave none, `bestBid`/`bestAsk`/`spread` when that side of the book is empty, `lastTradePrice` before
  the first trade.
- `volume` is the collateral takers traded (CLOB only, so `volumeClob` is the same), and `volume24hr`,
  `volume1wk`, `volume1mo`, `volume1yr` the same over the last 1, 7, 30 and 365 days of the exchange clock;
  `liquidity` is the collateral value of every resting order (price x size on both sides, in the first
  token's terms).
- A market is `closed` (and not `acceptingOrders`) from its end date or its resolution, and `active` until
  resolved; an event is `closed` once all its markets are, `active` while one is not resolved. None is
  `archived`; no market has tags, so a `tag_id` filter matches nothing and /gamma/tags is empty.
- Lists are in id (listing) order unless `order` names fields (`ORDER_FIELDS`: id, slug, the volumes,
  liquidity, the dates), `ascending` defaulting to true; `limit` defaults to 500.
- An unknown id or slug is 404 `{"type": "not found error", "error": "id not found"}`; a list whose
  filters match nothing is `[]`; a malformed filter is 400 `{"type": "validation error", "error":
  "invalid <parameter>: ..."}`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import gamma_params as params
from openclob.api.errors import ApiError
from openclob.api.gamma_catalog import Catalog, GammaEvent, Listed, current, end_date_iso
from openclob.api.http import ok
from openclob.api.market_data import TOKEN_ID
from openclob.api.markets import CONDITION_ID, iso_time, neg_risk_request_id, token_price
from openclob.core import UNIT, BookSide
from openclob.service import Service
from openclob.wire import best_prices, decimal, last_trade_price, number, tick_number

GAMMA_ID = re.compile(r"^[0-9]{1,18}$")
MAX_LIMIT = 1000
DEFAULT_LIMIT = 500
DAY_MS = 86_400_000
VOLUME_WINDOWS = (
    ("volume24hr", DAY_MS),
    ("volume1wk", 7 * DAY_MS),
    ("volume1mo", 30 * DAY_MS),
    ("volume1yr", 365 * DAY_MS),
)
"""Gamma's windowed volumes: (key, span ending now)."""
VOLUME_FIELDS = {"volume": 0, "volumeNum": 0, **{name: i for i, (name, _) in enumerate(VOLUME_WINDOWS, start=1)}}
"""Orderable volume fields -> their place in a `Volumes` tuple."""
ORDER_FIELDS = ("id", "slug", *VOLUME_FIELDS, "liquidity", "liquidityNum", "startDate", "endDate", "createdAt")
NO_VOLUME = (0,) * (1 + len(VOLUME_WINDOWS))
Volumes = dict[str, tuple[int, ...]]
"""condition id -> (total, then each of VOLUME_WINDOWS), in collateral units."""
NOT_FOUND = "id not found"


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def catalog(request: Request) -> Catalog:
    """The app's catalog, rebuilt if the markets changed since it was built."""
    state = request.app.state
    found = current(_service(request), getattr(state, "gamma_catalog", None))
    state.gamma_catalog = found
    return found


def _not_found() -> ApiError:
    return ApiError(404, NOT_FOUND, type="not found error")


# ---------------------------------------------------------------------------- rendering


def liquidity_units(service: Service, listed: Listed) -> int:
    """The collateral value of every resting order of the market (first-token terms, both sides)."""
    book = service.exchange.book(listed.market.condition_id)
    return sum(
        price * level.size_units // UNIT
        for side in (BookSide.BID, BookSide.ASK)
        for price, level in book.levels_from_best(side)
    )


def _money(units: int) -> str:
    return decimal(units) if units else "0"


def _volume_numbers(volumes: tuple[int, ...], suffix: str = "") -> dict[str, float]:
    return {f"{name}{suffix}": float(_money(volumes[i])) for i, (name, _) in enumerate(VOLUME_WINDOWS, start=1)}


def market_json(service: Service, listed: Listed, volumes: tuple[int, ...], event: GammaEvent | None) -> dict[str, Any]:
    """A Gamma market (GET /gamma/markets/{id}); with its event's summary under `events` if given."""
    market, info = listed.market, listed.info
    group = service.exchange.event_of(market)
    first = market.token_ids[0]
    bid, ask = best_prices(service.exchange, market, first)
    last = last_trade_price(market, first)
    liquidity = liquidity_units(service, listed)
    created = iso_time(info.created_at_ms or market.created_at_ms)
    found: dict[str, Any] = {
        "id": str(listed.id),
        "question": info.question,
        "conditionId": market.condition_id,
        "slug": listed.slug,
        "resolutionSource": "",
        "startDate": created,
        "image": "",
        "icon": "",
        "description": info.description,
        "outcomes": json.dumps(list(market.outcomes)),
        "outcomePrices": json.dumps([str(token_price(service, market, t)) for t in market.token_ids]),
        "volume": _money(volumes[0]),
        "active": not market.resolved,
        "closed": market.closed,
        "marketMakerAddress": "",
        "createdAt": created,
        "updatedAt": created,
        "new": False,
        "featured": False,
        "archived": False,
        "restricted": False,
        "questionID": info.question_id,
        "enableOrderBook": True,
        "orderPriceMinTickSize": tick_number(market.tick_units),
        "orderMinSize": number(market.min_size_units),
        "volumeNum": float(_money(volumes[0])),
        **_volume_numbers(volumes),
        "liquidity": _money(liquidity),
        "liquidityNum": float(_money(liquidity)),
        "startDateIso": created[:10],
        "volumeClob": float(_money(volumes[0])),
        **_volume_numbers(volumes, "Clob"),
        "liquidityClob": float(_money(liquidity)),
        "clobTokenIds": json.dumps(list(market.token_ids)),
        "acceptingOrders": market.accepting_orders,
        "acceptingOrdersTimestamp": created,
        "negRisk": market.neg_risk,
        "negRiskMarketID": group.neg_risk_market_id if group is not None else "",
        "negRiskRequestID": neg_risk_request_id(info.question_id) if group is not None and group.neg_risk else "",
        "groupItemTitle": info.group_item_title,
        "ready": True,
        "funded": True,
        "cyom": False,
        "automaticallyActive": True,
        "clearBookOnStart": False,
        "manualActivation": False,
        "pendingDeployment": False,
        "deploying": False,
        "rfqEnabled": False,
        "feesEnabled": market.fee_rate_bps > 0,
    }
    end_date = end_date_iso(listed)
    if end_date:
        found["endDate"] = end_date
        found["endDateIso"] = end_date[:10]
    if bid is not None:
        found["bestBid"] = float(decimal(bid))
    if ask is not None:
        found["bestAsk"] = float(decimal(ask))
    if bid is not None and ask is not None:
        found["spread"] = float(decimal(ask - bid))
    if last is not None:
        found["lastTradePrice"] = float(decimal(last))
    if event is not None:
        found["events"] = [_event_fields(service, event, {}, summary=True)]
    return found


def _event_fields(service: Service, event: GammaEvent, volumes: Volumes, *, summary: bool = False) -> dict[str, Any]:
    created = iso_time(event.created_at_ms)
    found: dict[str, Any] = {
        "id": str(event.id),
        "ticker": event.slug,
        "slug": event.slug,
        "title": event.title,
        "description": event.description,
        "startDate": created,
        "creationDate": created,
        "image": "",
        "icon": "",
        "active": event.active,
        "closed": event.closed,
        "archived": False,
        "new": False,
        "featured": False,
        "restricted": False,
        "createdAt": created,
        "updatedAt": created,
        "enableOrderBook": True,
        "negRisk": event.neg_risk,
        "enableNegRisk": event.neg_risk,
        "negRiskMarketID": event.neg_risk_market_id,
        "negRiskAugmented": False,
        "cyom": False,
        "showAllOutcomes": True,
        "showMarketTags": False,
        "commentCount": 0,
    }
    if not summary:
        totals = _event_volumes(event, volumes)
        liquidity = sum(liquidity_units(service, listed) for listed in event.markets)
        found["volume"] = float(_money(totals[0]))
        found.update(_volume_numbers(totals))
        found["liquidity"] = float(_money(liquidity))
        found["liquidityClob"] = float(_money(liquidity))
        found["openInterest"] = 0
    end_date = event.end_date_iso
    if end_date:
        found["endDate"] = end_date
    return found


def _event_volumes(event: GammaEvent, volumes: Volumes) -> tuple[int, ...]:
    each = [volumes.get(listed.market.condition_id, NO_VOLUME) for listed in event.markets]
    return tuple(sum(column) for column in zip(NO_VOLUME, *each, strict=True))


def event_json(service: Service, event: GammaEvent, volumes: Volumes) -> dict[str, Any]:
    """A Gamma event (GET /gamma/events/{id}) with its markets in full and its (empty) tags."""
    found = _event_fields(service, event, volumes)
    found["markets"] = [
        market_json(service, listed, volumes.get(listed.market.condition_id, NO_VOLUME), None)
        for listed in event.markets
    ]
    found["tags"] = []
    return found


async def _volumes(service: Service, condition_ids: list[str] | None) -> Volumes:
    if condition_ids is not None and not condition_ids:
        return {}
    now = service.now_ms()
    since = [now - span for _, span in VOLUME_WINDOWS]
    return await service.read(service.store.market_volumes, condition_ids, since)


def _orders_by_volume(fields: list[str]) -> bool:
    return any(field in VOLUME_FIELDS for field in fields)


# ---------------------------------------------------------------------------- filters and order


def _ids(request: Request) -> list[int]:
    return [int(text) for text in params.values(request, "id", GAMMA_ID, gamma=True)]


def _page_bounds(request: Request) -> tuple[int, int]:
    limit = params.integer(request, "limit", maximum=MAX_LIMIT, default=DEFAULT_LIMIT, gamma=True)
    offset = params.integer(request, "offset", maximum=params.MAX_OFFSET, default=0, gamma=True)
    return limit, offset


def _order(request: Request) -> tuple[list[str], bool]:
    fields = params.values(request, "order", None, gamma=True)
    for name in fields:
        if name not in ORDER_FIELDS:
            raise params.invalid("order", f"{name[:40]!r} is not one of {', '.join(ORDER_FIELDS)}", gamma=True)
    ascending = params.boolean(request, "ascending", gamma=True, default=True)
    return fields, bool(ascending)


def _state_filter(request: Request) -> Callable[[bool, bool], bool]:
    """A predicate over (active, closed) from the `active`, `closed` and `archived` filters."""
    active = params.boolean(request, "active", gamma=True)
    closed = params.boolean(request, "closed", gamma=True)
    archived = params.boolean(request, "archived", gamma=True)

    def keep(is_active: bool, is_closed: bool) -> bool:
        return (
            (active is None or active == is_active)
            and (closed is None or closed == is_closed)
            and (archived is None or archived is False)
        )

    return keep


def _tagged(request: Request) -> bool:
    """Whether a `tag_id` filter was given: no market has tags, so it matches nothing."""
    return bool(params.values(request, "tag_id", GAMMA_ID, gamma=True))


def _sort_key(service: Service, field: str, volumes: Volumes) -> Callable[[Listed], Any]:
    if field in VOLUME_FIELDS:
        index = VOLUME_FIELDS[field]
        return lambda listed: volumes.get(listed.market.condition_id, NO_VOLUME)[index]
    keys: dict[str, Callable[[Listed], Any]] = {
        "id": lambda listed: listed.id,
        "slug": lambda listed: listed.slug,
        "liquidity": lambda listed: liquidity_units(service, listed),
        "liquidityNum": lambda listed: liquidity_units(service, listed),
        "startDate": lambda listed: listed.info.created_at_ms or listed.market.created_at_ms,
        "createdAt": lambda listed: listed.info.created_at_ms or listed.market.created_at_ms,
        "endDate": end_date_iso,
    }
    return keys[field]


def _ordered(
    service: Service, items: Iterable[Listed], fields: list[str], ascending: bool, volumes: Volumes
) -> Iterable[Listed]:
    if not fields or (fields == ["id"] and ascending):
        return items
    keys = [_sort_key(service, field, volumes) for field in fields]
    return sorted(items, key=lambda listed: tuple(key(listed) for key in keys), reverse=not ascending)


def _candidates(request: Request, found: Catalog) -> Iterable[Listed] | None:
    """The markets the lookup filters name (None: no lookup filter, every market)."""
    chosen: dict[int, Listed] | None = None
    lookups: list[list[Listed | None]] = []
    if ids := _ids(request):
        lookups.append([found.market(i) for i in ids])
    if slugs := params.values(request, "slug", None, gamma=True):
        lookups.append([found.by_slug.get(s) for s in slugs])
    if conditions := params.values(request, "condition_ids", CONDITION_ID, gamma=True):
        lookups.append([found.by_condition.get(c.lower()) for c in conditions])
    if tokens := params.values(request, "clob_token_ids", TOKEN_ID, gamma=True):
        lookups.append([found.by_token.get(t) for t in tokens])
    for lookup in lookups:
        named = {listed.id: listed for listed in lookup if listed is not None}
        chosen = named if chosen is None else {i: m for i, m in chosen.items() if i in named}
    return None if chosen is None else [chosen[i] for i in sorted(chosen)]


# ---------------------------------------------------------------------------- routes


async def get_markets(request: Request) -> Response:
    """GET /gamma/markets: Gamma markets, filtered (id, slug, condition_ids, clob_token_ids, active, closed,
    archived, tag_id), ordered (order, ascending) and paged (limit, offset)."""
    service, found = _service(request), catalog(request)
    limit, offset = _page_bounds(request)
    fields, ascending = _order(request)
    keep = _state_filter(request)
    tagged = _tagged(request)
    named = _candidates(request, found)
    if tagged:
        return ok([])
    items: Iterable[Listed] = found.markets if named is None else named
    items = (m for m in items if keep(not m.market.resolved, m.market.closed))
    volumes = await _volumes(service, None) if _orders_by_volume(fields) else {}
    page = list(itertools.islice(_ordered(service, items, fields, ascending, volumes), offset, offset + limit))
    if not _orders_by_volume(fields):
        volumes = await _volumes(service, [m.market.condition_id for m in page])
    return ok(
        [
            market_json(
                service, m, volumes.get(m.market.condition_id, NO_VOLUME), found.event_of.get(m.market.condition_id)
            )
            for m in page
        ]
    )


async def _one_market(request: Request, listed: Listed | None) -> Response:
    if listed is None:
        raise _not_found()
    service, found = _service(request), catalog(request)
    volumes = await _volumes(service, [listed.market.condition_id])
    event = found.event_of.get(listed.market.condition_id)
    return ok(market_json(service, listed, volumes.get(listed.market.condition_id, NO_VOLUME), event))


async def get_market(request: Request) -> Response:
    """GET /gamma/markets/{id}: one Gamma market by its id; 404 if none."""
    text = request.path_params["id"]
    if not GAMMA_ID.fullmatch(text):
        raise params.invalid("id", "expected an integer", gamma=True)
    return await _one_market(request, catalog(request).market(int(text)))


async def get_market_by_slug(request: Request) -> Response:
    """GET /gamma/markets/slug/{slug}: one Gamma market by its slug; 404 if none."""
    return await _one_market(request, catalog(request).by_slug.get(request.path_params["slug"]))


def _event_order_key(service: Service, fields: list[str], volumes: Volumes) -> Callable[[GammaEvent], Any]:
    def key(event: GammaEvent) -> tuple[Any, ...]:
        values: list[Any] = []
        for field in fields:
            if field == "id":
                values.append(event.id)
            elif field == "slug":
                values.append(event.slug)
            elif field in VOLUME_FIELDS:
                values.append(_event_volumes(event, volumes)[VOLUME_FIELDS[field]])
            elif field == "endDate":
                values.append(event.end_date_iso)
            elif field.startswith("liquidity"):
                values.append(sum(liquidity_units(service, listed) for listed in event.markets))
            else:
                values.append(event.created_at_ms)
        return tuple(values)

    return key


async def get_events(request: Request) -> Response:
    """GET /gamma/events: Gamma events with their markets, filtered (id, slug, active, closed, archived,
    tag_id), ordered (order, ascending) and paged (limit, offset)."""
    service, found = _service(request), catalog(request)
    limit, offset = _page_bounds(request)
    fields, ascending = _order(request)
    keep = _state_filter(request)
    tagged = _tagged(request)
    ids, slugs = _ids(request), params.values(request, "slug", None, gamma=True)
    if tagged:
        return ok([])
    events: Iterable[GammaEvent] = found.events
    if ids:
        events = [e for e in (found.event(i) for i in sorted(set(ids))) if e is not None]
    if slugs:
        events = [e for e in events if e.slug in set(slugs)]
    events = (e for e in events if keep(e.active, e.closed))
    volumes = await _volumes(service, None) if _orders_by_volume(fields) else {}
    if fields and not (fields == ["id"] and ascending):
        events = sorted(events, key=_event_order_key(service, fields, volumes), reverse=not ascending)
    page = list(itertools.islice(events, offset, offset + limit))
    if not _orders_by_volume(fields):
        volumes = await _volumes(service, [m.market.condition_id for e in page for m in e.markets])
    return ok([event_json(service, e, volumes) for e in page])


async def _one_event(request: Request, event: GammaEvent | None) -> Response:
    if event is None:
        raise _not_found()
    service = _service(request)
    volumes = await _volumes(service, [m.market.condition_id for m in event.markets])
    return ok(event_json(service, event, volumes))


async def get_event(request: Request) -> Response:
    """GET /gamma/events/{id}: one Gamma event by its id; 404 if none."""
    text = request.path_params["id"]
    if not GAMMA_ID.fullmatch(text):
        raise params.invalid("id", "expected an integer", gamma=True)
    return await _one_event(request, catalog(request).event(int(text)))


async def get_event_by_slug(request: Request) -> Response:
    """GET /gamma/events/slug/{slug}: one Gamma event by its slug; 404 if none."""
    return await _one_event(request, catalog(request).events_by_slug.get(request.path_params["slug"]))


async def get_tags(request: Request) -> Response:
    """GET /gamma/tags: Gamma tags; openclob's markets carry none, so the list is empty."""
    params.integer(request, "limit", maximum=MAX_LIMIT, default=DEFAULT_LIMIT, gamma=True)
    params.integer(request, "offset", maximum=params.MAX_OFFSET, default=0, gamma=True)
    return ok([])


ROUTES = [
    Route("/gamma/markets", get_markets, methods=["GET"]),
    Route("/gamma/markets/slug/{slug}", get_market_by_slug, methods=["GET"]),
    Route("/gamma/markets/{id}", get_market, methods=["GET"]),
    Route("/gamma/events", get_events, methods=["GET"]),
    Route("/gamma/events/slug/{slug}", get_event_by_slug, methods=["GET"]),
    Route("/gamma/events/{id}", get_event, methods=["GET"]),
    Route("/gamma/tags", get_tags, methods=["GET"]),
]
