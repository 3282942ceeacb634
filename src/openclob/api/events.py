"""Events, neg-risk conversion and redemption: the operator's routes under /admin, and a user's own (L2).

POST /admin/events lists an event: one binary market (YES, NO) per outcome, all in one journalled command, so
either all are listed or none. A neg-risk event gets an adapter market id as Polymarket's do (32 bytes whose
last byte is zero), and outcome i the question id with last byte i (NegRiskIdLib); each market's
`neg_risk_request_id` is derived from its question id (see markets.py). Conversions name the outcomes either by
Polymarket's `index_set` (bit i = outcome i) or by `condition_ids`. Users convert their own positions through
POST /convert only where the operator allows it (`openclob serve --user-conversions`); anyone may redeem their
own tokens of a resolved market (POST /redeem), as anyone may call the CTF's redeemPositions.
"""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.admin import (
    MAX_ECHO_CHARS,
    NewMarket,
    _address,
    _authorized,
    _balance_json,
    list_market_command,
    parse_end_date,
    parse_units,
    remember_market,
    slug_of,
)
from openclob.api.auth import l2_key
from openclob.api.errors import ApiError, from_reject
from openclob.api.http import decode, ok, read_body
from openclob.api.markets import market_json
from openclob.core import COLLATERAL, ConvertPositions, CreateEvent, Redeem, Redeemed, Reject, Rejected
from openclob.core.amounts import format_units
from openclob.core.commands import Command
from openclob.core.lifecycle import MAX_EVENT_OUTCOMES
from openclob.core.markets import EventGroup
from openclob.core.results import Converted
from openclob.service import Service
from openclob.store.records import ApiKeyRecord

EVENT_ID_ATTEMPTS = 5
"""How often POST /admin/events takes the next free id when another listing took the one it chose."""


class NewOutcome(msgspec.Struct, forbid_unknown_fields=True):
    """One outcome of POST /admin/events: a binary market. Unset fields take the event's."""

    name: str
    """The outcome's short name (Gamma's groupItemTitle), e.g. "Alice"."""
    question: str | None = None
    """Default: "{title}: {name}"."""
    description: str | None = None
    market_slug: str | None = None
    end_date_iso: str | None = None
    condition_id: str | None = None
    token_ids: list[str] | None = None


class NewEvent(msgspec.Struct, forbid_unknown_fields=True):
    """The body of POST /admin/events. An outcome is a name or an object (`NewOutcome`)."""

    title: str
    outcomes: list[str | NewOutcome]
    neg_risk: bool = False
    slug: str | None = None
    description: str = ""
    end_date_iso: str = ""
    close_at_end: bool = True
    tick_size: str = "0.01"
    min_order_size: str = "5"
    fee_rate_bps: int = 0
    fee_exponent: int = 1
    dynamic_tick: bool = True


def event_json(service: Service, group: EventGroup) -> dict[str, Any]:
    """An event with its markets (each as GET /markets/{condition_id} shows it, plus its outcome name)."""
    markets = []
    for condition_id in group.condition_ids:
        info = service.edge.market_infos.get(condition_id)
        market = market_json(service, service.exchange.markets[condition_id])
        markets.append({"outcome": info.group_item_title if info else "", **market})
    return {
        "id": group.event_id,
        "title": group.title,
        "slug": group.slug,
        "description": group.description,
        "neg_risk": group.neg_risk,
        "neg_risk_market_id": group.neg_risk_market_id,
        "converted": format_units(group.converted_units),
        "closed": all(m["closed"] for m in markets),
        "markets": markets,
    }


async def create_event(request: Request) -> Response:
    """POST /admin/events: list an event and its markets; returns the event with them."""
    service, body = await _authorized(request)
    spec = decode(body, NewEvent, "invalid event: expected {title, outcomes, neg_risk?, ...}", explain=True)
    if not 1 <= len(spec.outcomes) <= MAX_EVENT_OUTCOMES:
        raise ApiError(400, f"invalid event: outcomes must list 1 to {MAX_EVENT_OUTCOMES} outcomes")
    if spec.neg_risk and len(spec.outcomes) < 2:
        raise ApiError(400, "invalid event: a neg-risk event has at least two outcomes")
    words = [spec.title, spec.slug or "", spec.description]
    if any("\x00" in text for text in words):
        raise ApiError(400, "invalid event: its words may not hold NUL characters")
    market_id = "0x" + secrets.token_hex(31) + "00" if spec.neg_risk else ""
    specs: list[NewMarket] = []
    for index, raw in enumerate(spec.outcomes):
        outcome = NewOutcome(name=raw) if isinstance(raw, str) else raw
        specs.append(
            NewMarket(
                question=outcome.question or f"{spec.title}: {outcome.name}",
                tick_size=spec.tick_size,
                min_order_size=spec.min_order_size,
                neg_risk=spec.neg_risk,
                fee_rate_bps=spec.fee_rate_bps,
                fee_exponent=spec.fee_exponent,
                condition_id=outcome.condition_id,
                token_ids=outcome.token_ids,
                description=spec.description if outcome.description is None else outcome.description,
                market_slug=outcome.market_slug,
                end_date_iso=spec.end_date_iso if outcome.end_date_iso is None else outcome.end_date_iso,
                dynamic_tick=spec.dynamic_tick,
                close_at_end=spec.close_at_end,
                group_item_title=outcome.name,
                question_id=market_id[:-2] + f"{index:02x}" if market_id else "",
            )
        )
    parse_end_date(spec.end_date_iso)
    built = [list_market_command(spec_i, f"outcome {i}: ") for i, spec_i in enumerate(specs)]
    for _ in range(EVENT_ID_ATTEMPTS):
        event_id = str(len(service.exchange.events) + 1)
        while event_id in service.exchange.events:
            event_id = str(int(event_id) + 1)
        listing = CreateEvent(
            now_ms=0,
            event_id=event_id,
            title=spec.title,
            slug=spec.slug or slug_of(spec.title),
            description=spec.description,
            neg_risk=spec.neg_risk,
            neg_risk_market_id=market_id,
            markets=tuple(command for command, _ in built),
        )
        result = (await service.submit(listing)).applied.result
        if not isinstance(result, Rejected):
            for _, info in built:
                await remember_market(service, info)
            return ok(event_json(service, service.exchange.events[event_id]))
        if result.reject is not Reject.EVENT_EXISTS:  # (another listing may have taken the id: take the next)
            raise from_reject(result)
    raise ApiError(503, "too many events are being listed at once, retry")


def _event(service: Service, event_id: str) -> EventGroup:
    group = service.exchange.events.get(event_id)
    if group is None:
        raise ApiError(404, "event not found")
    return group


async def get_events(request: Request) -> Response:
    """GET /admin/events: every event with its markets, in listing order."""
    service, _ = await _authorized(request)
    return ok([event_json(service, group) for group in service.exchange.events.values()])


async def get_event(request: Request) -> Response:
    """GET /admin/events/{event_id}: one event with its markets."""
    service, _ = await _authorized(request)
    return ok(event_json(service, _event(service, request.path_params["event_id"])))


class ConvertRequest(msgspec.Struct, forbid_unknown_fields=True):
    amount: str
    event_id: str | None = None
    neg_risk_market_id: str | None = None
    index_set: int | None = None
    condition_ids: list[str] | None = None
    address: str | None = None


def _conversion_command(service: Service, spec: ConvertRequest, address: str) -> ConvertPositions:
    if (spec.event_id is None) == (spec.neg_risk_market_id is None):
        raise ApiError(400, "invalid conversion: give event_id or neg_risk_market_id")
    if spec.event_id is not None:
        group = _event(service, spec.event_id)
    else:
        wanted = (spec.neg_risk_market_id or "").lower()
        found = [g for g in service.exchange.events.values() if g.neg_risk and g.neg_risk_market_id == wanted]
        if not found:
            raise ApiError(404, "event not found")
        group = found[0]
    if (spec.index_set is None) == (spec.condition_ids is None):
        raise ApiError(400, "invalid conversion: give index_set or condition_ids")
    if spec.condition_ids is not None:
        positions = {c: i for i, c in enumerate(group.condition_ids)}
        index_set = 0
        for condition_id in spec.condition_ids:
            index = positions.get(condition_id.lower())
            if index is None:
                raise ApiError(
                    400, f"invalid condition_ids: {condition_id[:MAX_ECHO_CHARS]!r} is not an outcome of the event"
                )
            index_set |= 1 << index
    else:
        index_set = spec.index_set or 0
        if index_set < 0 or index_set.bit_length() > MAX_EVENT_OUTCOMES:
            raise ApiError(400, f"invalid index_set {index_set}: bit i for outcome i of the event")
    return ConvertPositions(
        now_ms=0,
        address=address,
        event_id=group.event_id,
        index_set=index_set,
        amount=parse_units(spec.amount, "amount"),
    )


def _event_balances(service: Service, event_id: str, address: str) -> list[dict[str, Any]]:
    group = service.exchange.events[event_id]
    tokens = [t for c in group.condition_ids for t in service.exchange.markets[c].token_ids]
    return [_balance_json(service, address, asset) for asset in (COLLATERAL, *tokens)]


async def _convert(service: Service, command: ConvertPositions) -> dict[str, Any]:
    result = (await service.submit(command)).applied.result
    if isinstance(result, Rejected):
        raise from_reject(result)
    assert isinstance(result, Converted)
    return {
        "event_id": command.event_id,
        "index_set": str(command.index_set),
        "amount": format_units(command.amount),
        "collateral": format_units(result.collateral_units),
        "balances": _event_balances(service, command.event_id, command.address),
    }


async def admin_convert(request: Request) -> Response:
    """POST /admin/convert: convert an address's NO positions of a neg-risk event (NegRiskAdapter)."""
    service, body = await _authorized(request)
    spec = decode(
        body, ConvertRequest, "invalid conversion: expected {address, event_id, index_set, amount}", explain=True
    )
    if spec.address is None:
        raise ApiError(400, "invalid conversion: address is required")
    return ok(await _convert(service, _conversion_command(service, spec, _address(spec.address))))


class RedeemRequest(msgspec.Struct, forbid_unknown_fields=True):
    condition_id: str
    address: str | None = None


async def _redeem(service: Service, address: str, condition_id: str) -> dict[str, Any]:
    condition_id = condition_id.lower()
    market = service.exchange.markets.get(condition_id)
    if market is None:
        raise ApiError(404, "market not found")
    command: Command = Redeem(now_ms=0, address=address, condition_id=condition_id)
    result = (await service.submit(command)).applied.result
    if isinstance(result, Rejected):
        raise from_reject(result)
    assert isinstance(result, Redeemed)
    return {
        "condition_id": condition_id,
        "address": address,
        "payout": format_units(result.payout_units),
        "balances": [_balance_json(service, address, asset) for asset in (COLLATERAL, *market.token_ids)],
    }


async def admin_redeem(request: Request) -> Response:
    """POST /admin/redeem: redeem an address's tokens of a resolved market."""
    service, body = await _authorized(request)
    spec = decode(body, RedeemRequest, "invalid redemption: expected {address, condition_id}", explain=True)
    if spec.address is None:
        raise ApiError(400, "invalid redemption: address is required")
    return ok(await _redeem(service, _address(spec.address), spec.condition_id))


async def _user(request: Request) -> tuple[Service, ApiKeyRecord, bytes]:
    service: Service = request.app.state.service
    body = await read_body(request, service.settings.limits.max_body_bytes)
    return service, l2_key(request, service, body), body


def _own_address(service: Service, key: ApiKeyRecord, address: str | None) -> str:
    """The key's address, or a wallet the operator linked to it (POST /admin/wallets)."""
    if address is None:
        return key.address
    wanted = _address(address)
    if wanted != key.address and (key.address, wanted) not in service.edge.wallet_links:
        raise ApiError(400, "the address has to be the API key's address or a wallet linked to it")
    return wanted


async def user_convert(request: Request) -> Response:
    """POST /convert (L2): convert the caller's own NO positions, where the operator allows it."""
    service, key, body = await _user(request)
    if not service.settings.user_conversions:
        raise ApiError(403, "conversions are not enabled on this exchange")
    spec = decode(body, ConvertRequest, "invalid conversion: expected {event_id, index_set, amount}", explain=True)
    address = _own_address(service, key, spec.address)
    return ok(await _convert(service, _conversion_command(service, spec, address)))


async def user_redeem(request: Request) -> Response:
    """POST /redeem (L2): redeem the caller's own tokens of a resolved market."""
    service, key, body = await _user(request)
    spec = decode(body, RedeemRequest, "invalid redemption: expected {condition_id}", explain=True)
    return ok(await _redeem(service, _own_address(service, key, spec.address), spec.condition_id))


ROUTES = [
    Route("/admin/events", create_event, methods=["POST"]),
    Route("/admin/events", get_events, methods=["GET"]),
    Route("/admin/events/{event_id}", get_event, methods=["GET"]),
    Route("/admin/convert", admin_convert, methods=["POST"]),
    Route("/admin/redeem", admin_redeem, methods=["POST"]),
    Route("/convert", user_convert, methods=["POST"]),
    Route("/redeem", user_redeem, methods=["POST"]),
]
