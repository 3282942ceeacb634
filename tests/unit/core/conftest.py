"""Shared builders for core tests: a market, funded users and client-style orders."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from openclob.core import (
    UNIT,
    Applied,
    CreateMarket,
    Deposit,
    Exchange,
    OrderPlaced,
    OrderType,
    PlaceOrder,
    Rejected,
    Side,
    Split,
)

CONDITION = "0x" + "c1" * 32
YES, NO = "101", "102"
OTHER_CONDITION = "0x" + "c2" * 32
OTHER_YES, OTHER_NO = "201", "202"

_ids = itertools.count(1)


def units(text: str) -> int:
    """ "0.55" -> 550_000, without floats."""
    whole, _, frac = text.partition(".")
    return int(whole) * UNIT + int((frac + "000000")[:6])


@dataclass
class User:
    owner: str
    address: str


ALICE = User("key-alice", "0x" + "a1" * 20)
BOB = User("key-bob", "0x" + "b2" * 20)
CAROL = User("key-carol", "0x" + "c3" * 20)


def limit_order(
    user: User,
    token: str,
    side: Side,
    price: str,
    size: str,
    *,
    now_ms: int = 1_000_000,
    order_type: OrderType = OrderType.GTC,
    expiration: int = 0,
    post_only: bool = False,
    fee_rate_bps: int | None = 0,
    order_id: str | None = None,
) -> PlaceOrder:
    """A limit order with amounts as py-clob-client builds them (exact for on-tick prices)."""
    shares = units(size)
    collateral = shares * units(price) // UNIT
    maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
    return PlaceOrder(
        now_ms=now_ms,
        order_id=order_id or f"0x{next(_ids):064x}",
        owner=user.owner,
        maker=user.address,
        signer=user.address,
        token_id=token,
        side=side,
        maker_amount=maker,
        taker_amount=taker,
        expiration=expiration,
        fee_rate_bps=fee_rate_bps,
        order_type=order_type,
        post_only=post_only,
    )


def raw_order(user: User, token: str, side: Side, maker_amount: int, taker_amount: int, **kw: object) -> PlaceOrder:
    """An order with the given amounts, as signed."""
    fields: dict[str, object] = {
        "now_ms": 1_000_000,
        "order_id": f"0x{next(_ids):064x}",
        "owner": user.owner,
        "maker": user.address,
        "signer": user.address,
        "token_id": token,
        "side": side,
        "maker_amount": maker_amount,
        "taker_amount": taker_amount,
    }
    fields.update(kw)
    return PlaceOrder(**fields)  # type: ignore[arg-type]


def placed(applied: Applied) -> OrderPlaced:
    """The OrderPlaced result, failing the test with the reject message otherwise."""
    result = applied.result
    if isinstance(result, Rejected):
        pytest.fail(f"order rejected: {result.message}")
    assert isinstance(result, OrderPlaced)
    return result


def refused(applied: Applied) -> Rejected:
    """The Rejected result, failing the test if the command was accepted."""
    result = applied.result
    assert isinstance(result, Rejected), f"expected a reject, got {result}"
    return result


def new_exchange(**market: object) -> Exchange:
    """An exchange with one market (and a second, plain one) and three users holding collateral and tokens."""
    exchange = Exchange()
    fields: dict[str, object] = {"now_ms": 0, "condition_id": CONDITION, "token_ids": (YES, NO)}
    fields.update(market)
    assert exchange.apply(CreateMarket(**fields)).result.__class__.__name__ == "Done"  # type: ignore[arg-type]
    exchange.apply(CreateMarket(now_ms=0, condition_id=OTHER_CONDITION, token_ids=(OTHER_YES, OTHER_NO)))
    for user in (ALICE, BOB, CAROL):
        exchange.apply(Deposit(now_ms=0, address=user.address, amount=1_000 * UNIT))
        exchange.apply(Split(now_ms=0, address=user.address, condition_id=CONDITION, amount=100 * UNIT))
        exchange.apply(Split(now_ms=0, address=user.address, condition_id=OTHER_CONDITION, amount=100 * UNIT))
    return exchange


@pytest.fixture
def exchange() -> Exchange:
    return new_exchange()
