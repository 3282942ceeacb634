"""Trading rate-limit tiers: a signer reads its own (L2, as Polymarket); the operator sets any address's.

Polymarket assigns a tier from the maker wallet's 30-day volume; here the operator assigns it to the signer
address (the address of the API key), and it is kept like the other edge state (a store table, loaded at start).
An address without one is Standard. GET /v1/user/rate-limit-tier answers as Polymarket documents it:
`{"tier", "period", "tier_details", "next_tier_threshold"?}`; `usdc_volume` is left out (openclob does not
assign tiers from volume) and so is `next_tier_threshold` for a tier the operator set ("omitted for manually
assigned tiers"). Inferred: the keys of `tier_details` (the documentation names only "rate, burst and
negative-balance settings"), here the columns of its tier table. The tier answers even with rate limits off.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.admin import ADDRESS, _authorized
from openclob.api.auth import l2_key
from openclob.api.errors import ApiError
from openclob.api.http import decode, ok, read_body
from openclob.api.rate_limits import TIER_BY_NAME, TIERS, VOLUME_PERIOD_DAYS, Tier, tier_named
from openclob.edge_commands import SetRateLimitTier
from openclob.service import Service
from openclob.store.records import RateLimitTierRecord

UNKNOWN_TIER = "invalid tier {tier!r}: one of " + ", ".join(TIER_BY_NAME)


def tier_details(tier: Tier) -> dict[str, Any]:
    """A tier's rates (tokens a second), bursts and negative-balance rule."""
    return {
        "order_rate": tier.order_rate,
        "order_burst": tier.order_burst,
        "cancel_rate": tier.cancel_rate,
        "cancel_burst": tier.cancel_burst,
        "negative_balance": tier.negative_balance,
    }


async def get_rate_limit_tier(request: Request) -> Response:
    """GET /v1/user/rate-limit-tier: the trading rate-limit tier of the caller's signer."""
    service: Service = request.app.state.service
    key = l2_key(request, service, await read_body(request, service.settings.limits.max_body_bytes))
    assigned = service.edge.rate_limit_tiers.get(key.address)
    tier = tier_named(assigned)
    answer: dict[str, Any] = {"tier": tier.name, "period": VOLUME_PERIOD_DAYS, "tier_details": tier_details(tier)}
    if assigned is None:  # Standard by volume: the next tier is a volume away
        answer["next_tier_threshold"] = TIERS[1].volume_usdc
    return ok(answer)


def _address(request: Request) -> str:
    text: str = request.path_params["address"]
    if not ADDRESS.match(text):
        raise ApiError(400, f"invalid address: {text!r}")
    return text.lower()


class _TierChoice(msgspec.Struct, forbid_unknown_fields=True):
    tier: str


async def set_rate_limit_tier(request: Request) -> Response:
    """PUT /admin/rate-limit-tiers/{address}: set the trading rate-limit tier of a signer address (at once)."""
    service, body = await _authorized(request)
    address = _address(request)
    name = decode(body, _TierChoice, "invalid tier: expected {tier}").tier
    if name.lower() not in TIER_BY_NAME:
        raise ApiError(400, UNKNOWN_TIER.format(tier=name))
    record = RateLimitTierRecord(address=address, tier=name.lower())
    await service.submit_edge(SetRateLimitTier(record=record))
    return ok(msgspec.structs.asdict(record))


async def get_admin_rate_limit_tier(request: Request) -> Response:
    """GET /admin/rate-limit-tiers/{address}: the trading rate-limit tier of an address (Standard if none set)."""
    service, _ = await _authorized(request)
    address = _address(request)
    return ok({"address": address, "tier": tier_named(service.edge.rate_limit_tiers.get(address)).name})


ROUTES = [
    Route("/v1/user/rate-limit-tier", get_rate_limit_tier, methods=["GET"]),
    Route("/admin/rate-limit-tiers/{address}", set_rate_limit_tier, methods=["PUT"]),
    Route("/admin/rate-limit-tiers/{address}", get_admin_rate_limit_tier, methods=["GET"]),
]
