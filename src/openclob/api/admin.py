"""The operator's admin API under /admin (openclob's own; Polymarket has none).

Every call needs `Authorization: Bearer <token>`. Amounts are decimal strings in whole collateral units
("1000" is 1,000 collateral); every success is 200 with a JSON body. Every number is checked here against what
the journal and the stores hold (`core.bounds`), and text that goes to the stores may not hold NUL, which
PostgreSQL cannot store: a command the store could not write would fail its whole batch.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.errors import ApiError, from_reject
from openclob.api.http import decode, ok, read_body
from openclob.api.market_data import is_token_id
from openclob.api.markets import iso_time, market_json
from openclob.core import (
    COLLATERAL,
    CreateMarket,
    Deposit,
    Merge,
    Rejected,
    ResolveMarket,
    SetTradingMode,
    Split,
    TradingMode,
    UpdateMarket,
    Withdraw,
)
from openclob.core.admin import MAX_FEE_EXPONENT, MAX_FEE_RATE_BPS
from openclob.core.amounts import UNIT, format_units
from openclob.core.bounds import MAX_CLOCK_MS, MAX_UINT256, MAX_UNITS
from openclob.core.commands import Command
from openclob.crypto import keccak256
from openclob.edge_commands import LinkWallet, RememberMarket
from openclob.service import Service
from openclob.store.records import MarketInfoRecord, WalletLinkRecord

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
CONDITION_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")
AMOUNT = re.compile(rf"-?[0-9]{{1,{len(str(MAX_UNITS // UNIT))}}}(\.[0-9]{{1,6}})?")
r"""A decimal string of ASCII digits (`\d` also takes other scripts' digits), short enough for `int()`."""
MAX_ECHO_CHARS = 40
"""How much of a refused value an error message repeats."""


def parse_units(text: str, what: str) -> int:
    """A decimal string in whole units ("12.5") as 1e-6 units, without floats; at most `MAX_UNITS` either way."""
    if not AMOUNT.fullmatch(text):
        raise ApiError(400, f"invalid {what}: {text[:MAX_ECHO_CHARS]!r} (a decimal string with at most 6 decimals)")
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    units = int(whole) * UNIT + int((frac + "000000")[:6])
    if units > MAX_UNITS:
        raise ApiError(400, f"invalid {what}: {text!r} (at most {format_units(MAX_UNITS)} either way)")
    return -units if negative else units


async def _authorized(request: Request) -> tuple[Service, bytes]:
    service: Service = request.app.state.service
    token: str = request.app.state.admin_token
    presented = request.headers.get("authorization", "")
    if not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
        raise ApiError(401, "Unauthorized: missing or wrong admin token")
    return service, await read_body(request, service.settings.limits.max_body_bytes)


async def _apply(service: Service, command: Command) -> None:
    result = (await service.submit(command)).applied.result
    if isinstance(result, Rejected):
        raise from_reject(result)


class NewMarket(msgspec.Struct, forbid_unknown_fields=True):
    """The body of POST /admin/markets."""

    question: str
    outcomes: list[str] = msgspec.field(default_factory=lambda: ["Yes", "No"])
    tick_size: str = "0.01"
    min_order_size: str = "5"
    neg_risk: bool = False
    fee_rate_bps: Annotated[int, msgspec.Meta(ge=0, le=MAX_FEE_RATE_BPS)] = 0
    """V1 orders sign it (GET /fee-rate); V2 takers pay shares * bps / 10_000 * (p * (1 - p)) ** fee_exponent."""
    fee_exponent: Annotated[int, msgspec.Meta(ge=1, le=MAX_FEE_EXPONENT)] = 1
    condition_id: str | None = None
    token_ids: list[str] | None = None
    description: str = ""
    market_slug: str | None = None
    end_date_iso: str = ""
    """When the market closes (ISO-8601, e.g. "2026-12-31T00:00:00Z"), on the exchange clock; "" for never."""
    close_at_end: bool = True
    """False: the market stays open past its end date until resolved (or changed)."""
    dynamic_tick: bool = True
    question_id: str = ""
    group_item_title: str = ""
    """The outcome's short name in its event (Gamma's groupItemTitle)."""


def parse_end_date(text: str) -> int | None:
    """An ISO-8601 end date as unix ms ("" is none); a date without a zone is UTC."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400, f"invalid end_date_iso: {text[:MAX_ECHO_CHARS]!r} (ISO-8601, e.g. 2026-12-31T00:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    at_ms = int(moment.timestamp() * 1000)
    if not 0 <= at_ms <= MAX_CLOCK_MS:
        raise ApiError(400, f"invalid end_date_iso: {text[:MAX_ECHO_CHARS]!r} (between 1970 and 9999)")
    return at_ms


def _token_id(condition_id: str, index: int) -> str:
    return str(int.from_bytes(keccak256(bytes.fromhex(condition_id[2:]) + bytes([index])), "big"))


def slug_of(question: str) -> str:
    """A URL slug made of a question's words."""
    return re.sub(r"[^a-z0-9]+", "-", question.lower()).strip("-")[:80] or "market"


async def create_market(request: Request) -> Response:
    """POST /admin/markets: list a market; returns it in the shape of GET /markets/{condition_id}."""
    service, body = await _authorized(request)
    spec = decode(body, NewMarket, "invalid market: expected {question, outcomes?, tick_size?, ...}", explain=True)
    condition_id = await list_market(service, spec)
    return ok(market_json(service, service.exchange.markets[condition_id]))


async def list_market(service: Service, spec: NewMarket) -> str:
    """Create a market and its words; return its condition id."""
    command, info = list_market_command(spec)
    await _apply(service, command)
    await remember_market(service, info)
    return command.condition_id


def list_market_command(spec: NewMarket, where: str = "") -> tuple[CreateMarket, MarketInfoRecord]:
    """Check a market's definition; return the command that lists it and its words (`where` prefixes errors)."""
    condition_id = (spec.condition_id or "0x" + secrets.token_hex(32)).lower()
    if not CONDITION_ID.fullmatch(condition_id):
        raise ApiError(400, f"invalid market: {where}condition_id must be 0x and 64 hex digits")
    if len(spec.outcomes) != 2:
        raise ApiError(400, f"invalid market: {where}a binary market has exactly two outcomes")
    token_ids = spec.token_ids or [_token_id(condition_id, 0), _token_id(condition_id, 1)]
    if len(token_ids) != 2 or not all(is_token_id(t) and int(t) <= MAX_UINT256 for t in token_ids):
        raise ApiError(400, f"invalid market: {where}token_ids must be two decimal uint256 strings")
    words = [spec.question, spec.description, spec.market_slug or "", spec.end_date_iso, *spec.outcomes]
    if any("\x00" in text for text in [*words, spec.question_id, spec.group_item_title]):
        raise ApiError(400, f"invalid market: {where}its words may not hold NUL characters")
    end_ms = parse_end_date(spec.end_date_iso)
    command = CreateMarket(
        now_ms=0,
        condition_id=condition_id,
        token_ids=(str(int(token_ids[0])), str(int(token_ids[1]))),
        outcomes=(spec.outcomes[0], spec.outcomes[1]),
        tick_units=parse_units(spec.tick_size, "tick_size"),
        min_size_units=parse_units(spec.min_order_size, "min_order_size"),
        neg_risk=spec.neg_risk,
        fee_rate_bps=spec.fee_rate_bps,
        fee_exponent=spec.fee_exponent,
        dynamic_tick=spec.dynamic_tick,
        end_ms=end_ms,
        close_at_end=spec.close_at_end,
    )
    info = MarketInfoRecord(
        condition_id=condition_id,
        question=spec.question,
        description=spec.description,
        market_slug=spec.market_slug or slug_of(spec.question),
        created_at_ms=0,
        end_date_iso="" if end_ms is None else iso_time(end_ms),
        question_id=spec.question_id,
        group_item_title=spec.group_item_title,
    )
    return command, info


async def remember_market(service: Service, info: MarketInfoRecord, *, listed: bool = True) -> None:
    """Store a market's words; those of a market just `listed` are stamped with the time they are stored."""
    await service.submit_edge(RememberMarket(info=info, listed=listed))


class _MarketChange(msgspec.Struct, forbid_unknown_fields=True):
    accepting_orders: bool | None = None
    tick_size: str | None = None
    min_order_size: str | None = None
    end_date_iso: str | None = None
    close_at_end: bool | None = None


def _market(service: Service, condition_id: str) -> None:
    if condition_id not in service.exchange.markets:
        raise ApiError(404, "market not found")


async def update_market(request: Request) -> Response:
    """PATCH /admin/markets/{condition_id}: pause or resume orders, change tick or minimum size."""
    service, body = await _authorized(request)
    condition_id = request.path_params["condition_id"].lower()
    _market(service, condition_id)
    change = decode(
        body,
        _MarketChange,
        "invalid market change: expected {accepting_orders?, tick_size?, min_order_size?, end_date_iso?,"
        " close_at_end?}",
        explain=True,
    )
    await _apply(
        service,
        UpdateMarket(
            now_ms=0,
            condition_id=condition_id,
            accepting_orders=change.accepting_orders,
            tick_units=None if change.tick_size is None else parse_units(change.tick_size, "tick_size"),
            min_size_units=None
            if change.min_order_size is None
            else parse_units(change.min_order_size, "min_order_size"),
            end_ms=None if not change.end_date_iso else parse_end_date(change.end_date_iso),
            close_at_end=change.close_at_end,
        ),
    )
    info = service.edge.market_infos.get(condition_id)
    end_ms = service.exchange.markets[condition_id].end_ms
    if change.end_date_iso and info is not None and end_ms is not None:
        changed = msgspec.structs.replace(info, end_date_iso=iso_time(end_ms))
        await remember_market(service, changed, listed=False)
    return ok(market_json(service, service.exchange.markets[condition_id]))


class _Resolution(msgspec.Struct, forbid_unknown_fields=True):
    winning_token_id: str


async def resolve_market(request: Request) -> Response:
    """POST /admin/markets/{condition_id}/resolve: cancel its orders; its winning token becomes redeemable (paid at
    once with --auto-redeem). In a neg-risk event a YES winner resolves the event's other outcomes NO."""
    service, body = await _authorized(request)
    condition_id = request.path_params["condition_id"].lower()
    _market(service, condition_id)
    winner = decode(body, _Resolution, "invalid resolution: expected {winning_token_id}", explain=True).winning_token_id
    redeem_now = service.settings.auto_redeem
    command = ResolveMarket(now_ms=0, condition_id=condition_id, winning_token_id=winner, redeem_now=redeem_now)
    await _apply(service, command)
    return ok(market_json(service, service.exchange.markets[condition_id]))


class _BalanceChange(msgspec.Struct, forbid_unknown_fields=True):
    address: str
    amount: str
    asset: str = COLLATERAL


def _address(text: str) -> str:
    if not ADDRESS.fullmatch(text):
        raise ApiError(400, f"invalid address: {text[:MAX_ECHO_CHARS]!r}")
    return text.lower()


def _balance_json(service: Service, address: str, asset: str) -> dict[str, Any]:
    free, reserved = service.exchange.balance(address, asset)
    return {
        "address": address,
        "asset": asset,
        "balance": format_units(free + reserved),
        "free": format_units(free),
        "reserved": format_units(reserved),
        "pending": format_units(service.exchange.pending_of(address, asset)),
    }


async def change_balance(request: Request) -> Response:
    """POST /admin/balances: deposit collateral; a negative amount withdraws what is free."""
    service, body = await _authorized(request)
    change = decode(body, _BalanceChange, "invalid balance change: expected {address, asset, amount}", explain=True)
    address = _address(change.address)
    if change.asset != COLLATERAL:
        raise ApiError(400, "invalid asset: only COLLATERAL can be deposited; use /admin/split for tokens")
    amount = parse_units(change.amount, "amount")
    if amount == 0:
        raise ApiError(400, "invalid amount: must not be 0")
    command: Command = (
        Deposit(now_ms=0, address=address, amount=amount)
        if amount > 0
        else Withdraw(now_ms=0, address=address, amount=-amount)
    )
    await _apply(service, command)
    return ok(_balance_json(service, address, COLLATERAL))


async def get_balances(request: Request) -> Response:
    """GET /admin/balances?address=: every asset the address holds."""
    service, _ = await _authorized(request)
    address = _address(request.query_params.get("address", ""))
    held = [asset for holder, asset, _, _ in service.exchange.ledger.items() if holder == address]
    pending = [asset for holder, asset, _ in service.exchange.pending() if holder == address]
    return ok([_balance_json(service, address, asset) for asset in sorted({*held, *pending})])


class _Conversion(msgspec.Struct, forbid_unknown_fields=True):
    address: str
    condition_id: str
    amount: str


async def _convert(request: Request, kind: type[Split] | type[Merge]) -> Response:
    service, body = await _authorized(request)
    spec = decode(body, _Conversion, "invalid request: expected {address, condition_id, amount}", explain=True)
    address, condition_id = _address(spec.address), spec.condition_id.lower()
    _market(service, condition_id)
    await _apply(
        service, kind(now_ms=0, address=address, condition_id=condition_id, amount=parse_units(spec.amount, "amount"))
    )
    market = service.exchange.markets[condition_id]
    return ok([_balance_json(service, address, asset) for asset in (COLLATERAL, *market.token_ids)])


async def split(request: Request) -> Response:
    """POST /admin/split: free collateral into equal amounts of both outcome tokens."""
    return await _convert(request, Split)


async def merge(request: Request) -> Response:
    """POST /admin/merge: pairs of outcome tokens back into collateral."""
    return await _convert(request, Merge)


class _Mode(msgspec.Struct, forbid_unknown_fields=True):
    mode: str


async def set_trading_mode(request: Request) -> Response:
    """PUT /admin/trading-mode: normal, cancel-only, disabled or post-only."""
    service, body = await _authorized(request)
    name = decode(body, _Mode, "invalid mode: expected {mode}", explain=True).mode
    try:
        mode = TradingMode(name)
    except ValueError:
        raise ApiError(
            400, f"invalid mode {name[:MAX_ECHO_CHARS]!r}: one of normal, cancel-only, disabled, post-only"
        ) from None
    await _apply(service, SetTradingMode(now_ms=0, mode=mode))
    return ok({"mode": service.exchange.mode.value})


async def get_trading_mode(request: Request) -> Response:
    """GET /admin/trading-mode."""
    service, _ = await _authorized(request)
    return ok({"mode": service.exchange.mode.value})


class _Wallet(msgspec.Struct, forbid_unknown_fields=True):
    signer: str
    funder: str
    signature_type: int


async def link_wallet(request: Request) -> Response:
    """POST /admin/wallets: let `signer` trade for the proxy, Safe or deposit wallet `funder`."""
    service, body = await _authorized(request)
    spec = decode(body, _Wallet, "invalid wallet: expected {signer, funder, signature_type}", explain=True)
    if spec.signature_type not in (1, 2, 3):
        raise ApiError(400, "invalid signature_type: 1 (proxy), 2 (Safe) or 3 (deposit wallet)")
    link = WalletLinkRecord(
        signer=_address(spec.signer), funder=_address(spec.funder), signature_type=spec.signature_type
    )
    await service.submit_edge(LinkWallet(link=link))
    return ok(msgspec.structs.asdict(link))


ROUTES = [
    Route("/admin/markets", create_market, methods=["POST"]),
    Route("/admin/markets/{condition_id}", update_market, methods=["PATCH"]),
    Route("/admin/markets/{condition_id}/resolve", resolve_market, methods=["POST"]),
    Route("/admin/balances", change_balance, methods=["POST"]),
    Route("/admin/balances", get_balances, methods=["GET"]),
    Route("/admin/split", split, methods=["POST"]),
    Route("/admin/merge", merge, methods=["POST"]),
    Route("/admin/trading-mode", set_trading_mode, methods=["PUT"]),
    Route("/admin/trading-mode", get_trading_mode, methods=["GET"]),
    Route("/admin/wallets", link_wallet, methods=["POST"]),
]
