"""Any order the edge accepts survives the journal, the projection, a snapshot and recovery, on both stores.

Wire orders are generated with extreme and boundary integers in every field (V1 and V2, GTC, GTD, FOK and FAK,
amounts up to and past what openclob holds, signed as the clients sign them; a value no client can sign gets a
placeholder signature) and with strings that are not decimal numbers. Each example runs on a fresh database
where the supply is deposited to the last unit: a second trader rests a huge bid and ask for the generated
orders to meet. The orders are posted one by one or as one batch, and every answer must be a 200 or a 4xx.
Then the service stops (a clean stop stores a snapshot) and starts again on the same database: the state hash,
and every accepted order as GET /data/order shows it, must be what they were, and replaying the whole journal
into a new exchange must reach the same state.

Each example costs a database and a restart, so the count is modest; `OPENCLOB_ORDER_BOUNDS_EXAMPLES` raises
it for a longer hunt (per store).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from openclob.core import UNIT, Deposit, Exchange, Split
from openclob.core.bounds import INT64_MAX, MAX_EXPIRATION_SECONDS, MAX_SUPPLY_UNITS, MAX_UINT256, MAX_UNITS
from tests.stack import START_MS, STORE_KINDS, Stack, StoreFactory, Trader, fresh_database, order_body

EXAMPLES = int(os.environ.get("OPENCLOB_ORDER_BOUNDS_EXAMPLES", "12"))

CONDITION = "0x" + "c1" * 32
YES, NO = 1111, 2222
NOW_S = START_MS // 1000
HALF_SUPPLY = MAX_SUPPLY_UNITS // 2
MAKER_SHARES = 10**12 * UNIT
"""The size of the second trader's resting bid (at 0.40) and ask (at 0.60) on YES."""

_uint256 = st.integers(0, MAX_UINT256)
_not_a_number = st.sampled_from(["²", "١٢", "１２", "", "-0", "+1", "1e3", "0x10", " 1", "1\n", "9" * 5_000])


def _past(low: int, *more: int) -> st.SearchStrategy[Any]:
    """Integers from `low` to past uint256, the edge values among them, negatives and strings that are no number."""
    edges = [low, INT64_MAX, 2**63, 2**64 - 1, 2**64, MAX_UINT256, MAX_UINT256 + 1, -1, *more]
    return st.one_of(st.sampled_from(edges), st.integers(low, MAX_UINT256), _not_a_number)


_BAD = {
    "maker_amount": _past(MAX_UNITS + 1, 0),
    "taker_amount": _past(MAX_UNITS + 1, 0),
    "expiration": _past(MAX_EXPIRATION_SECONDS + 1, 2**62, NOW_S),
    "salt": st.sampled_from([-1, -(2**70), MAX_UINT256 + 1, "1"]),
    "timestamp": st.one_of(st.sampled_from([-1, MAX_UINT256 + 1]), _not_a_number),
    "signature_type": st.sampled_from([3, 4, 255, 256, -1]),
    "nonce": _past(1),
    "fee_rate_bps": _past(1, 1_000),
    "token_id": st.one_of(st.sampled_from([3333, 0, MAX_UINT256, MAX_UINT256 + 1, -1]), _not_a_number),
    "signature": st.sampled_from(["v-0-or-1", "high-s"]),
}
"""What a field may be corrupted to: past what openclob holds, unsignable, not a number, or merely refused."""
_V1_ONLY, _V2_ONLY = {"nonce", "fee_rate_bps"}, {"timestamp"}
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@st.composite
def _clean_amounts(draw: st.DrawFn, side: str, order_type: str) -> tuple[int, int]:
    """Amounts a client could send: a limit order on the 0.01 tick, or a market order's rounding, from the
    minimum size to MAX_UNITS; half of the prices cross the second trader's 0.40 bid or 0.60 ask."""
    crossing = st.integers(60, 99) if side == "BUY" else st.integers(1, 40)
    price = draw(st.one_of(crossing, st.integers(1, 99))) * 10_000
    lots = draw(
        st.one_of(
            st.integers(500, 5_000),
            st.integers(1, MAX_UNITS // 10_000),
            st.sampled_from([MAX_UNITS // 10_000, HALF_SUPPLY // 2 // 10_000, MAKER_SHARES // 10_000]),
        )
    )
    shares = lots * 10_000
    collateral = shares * price // UNIT
    if order_type in ("FOK", "FAK"):
        if side == "BUY":  # collateral of 2 decimals, shares of 4: the worst price the client computed
            collateral = max(collateral // 10_000, 1) * 10_000
            return collateral, collateral * UNIT // price // 100 * 100
        collateral = collateral // 100 * 100
    return (collateral, shares) if side == "BUY" else (shares, collateral)


def _resigned(body: dict[str, Any], how: str) -> dict[str, Any]:
    signature = bytes.fromhex(body["order"]["signature"][2:])
    if how == "v-0-or-1":
        signature = signature[:64] + bytes([signature[64] % 27])
    else:
        s = int.from_bytes(signature[32:64], "big")
        signature = signature[:32] + (_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    return {**body, "order": {**body["order"], "signature": "0x" + signature.hex()}}


@st.composite
def _order(draw: st.DrawFn, trader: Trader) -> dict[str, Any]:
    """A clean order as a client builds it, with its integers at their limits, and half the time 1-3 fields
    corrupted (each to something the edge must refuse or the core reject)."""
    version = draw(st.sampled_from([1, 2]))
    side = draw(st.sampled_from(["BUY", "SELL"]))
    order_type = draw(st.sampled_from(["GTC", "GTD", "FOK", "FAK"]))
    maker_amount, taker_amount = draw(_clean_amounts(side, order_type))
    fields: dict[str, Any] = {
        "token_id": draw(st.sampled_from([YES, NO])),
        "maker_amount": maker_amount,
        "taker_amount": taker_amount,
        "salt": draw(st.one_of(st.integers(0, 2**53), st.sampled_from([0, MAX_UINT256]), st.integers(0, MAX_UINT256))),
        "expiration": 0,
        "post_only": order_type in ("GTC", "GTD") and draw(st.booleans()),
    }
    if order_type == "GTD":
        latest = st.sampled_from([NOW_S + 61, MAX_EXPIRATION_SECONDS])
        fields["expiration"] = draw(st.one_of(latest, st.integers(NOW_S + 61, MAX_EXPIRATION_SECONDS)))
    if version == 2:
        fields["timestamp"] = draw(st.one_of(st.just(START_MS), st.sampled_from([0, MAX_UINT256]), _uint256))
    corruptible = sorted(set(_BAD) - (_V2_ONLY if version == 1 else _V1_ONLY))
    corrupt = draw(st.one_of(st.just([]), st.lists(st.sampled_from(corruptible), min_size=1, max_size=3, unique=True)))
    resign = None
    for name in corrupt:
        if name == "signature":
            resign = draw(_BAD[name])
        else:
            fields[name] = draw(_BAD[name])
    note(f"V{version} {side} {order_type} {fields} corrupted: {corrupt} {resign or ''}")
    body = order_body(trader, version=version, side=side, order_type=order_type, **fields)
    return body if resign is None else _resigned(body, resign)


async def _market_with_the_whole_supply(stack: Stack, trader: Trader, maker: Trader) -> None:
    await stack.list_market(CONDITION, (str(YES), str(NO)))
    for wallet in (trader, maker):
        await stack.create_key(wallet)
        await stack.submit(Deposit(now_ms=0, address=wallet.address, amount=HALF_SUPPLY))
        await stack.submit(Split(now_ms=0, address=wallet.address, condition_id=CONDITION, amount=HALF_SUPPLY // 2))
    for side, price in (("BUY", 400_000), ("SELL", 600_000)):
        collateral = MAKER_SHARES * price // UNIT
        amounts = (collateral, MAKER_SHARES) if side == "BUY" else (MAKER_SHARES, collateral)
        body = order_body(maker, token_id=YES, side=side, maker_amount=amounts[0], taker_amount=amounts[1])
        assert (await stack.call(maker, "POST", "/order", body)).status_code == 200


async def _accepted_ids(stack: Stack, trader: Trader, bodies: list[dict[str, Any]], batch: bool) -> list[str]:
    """Post the orders; every answer is a 200 or a 4xx. Return the ids of those accepted."""
    if batch:
        response = await stack.call(trader, "POST", "/orders", bodies)
        assert response.status_code == 200, response.text
        answers = response.json()
    else:
        answers = []
        for body in bodies:
            response = await stack.call(trader, "POST", "/order", body)
            assert response.status_code < 500, response.text
            answers.append(response.json() if response.status_code == 200 else {"success": False})
    return [answer["orderID"] for answer in answers if answer["success"]]


def _replayed(new_store: StoreFactory) -> Exchange:
    """A new exchange that has applied the whole journal."""
    store = new_store()
    store.open()
    try:
        exchange = Exchange()
        for entry in store.journal():
            exchange.apply(entry.command)
        return exchange
    finally:
        store.close()


async def _survives(kind: str, orders: st.DataObject, batch: bool) -> None:
    trader, maker = Trader("0x" + "a7" * 32), Trader("0x" + "b8" * 32)
    with tempfile.TemporaryDirectory() as directory, fresh_database(kind, Path(directory)) as new_store:
        stack = Stack(new_store)
        await stack.start()
        try:
            await _market_with_the_whole_supply(stack, trader, maker)
            bodies = orders.draw(st.lists(_order(trader), min_size=1, max_size=3))
            accepted = await _accepted_ids(stack, trader, bodies, batch)
            event(f"{len(accepted)} of {len(bodies)} accepted")
            shown = [(await stack.call(trader, "GET", f"/data/order/{i}")).json() for i in accepted]
            state = stack.service.exchange.state_hash()
            await stack.restart()
            assert stack.service.exchange.state_hash() == state
            stack.service.exchange.check_invariants()
            assert [(await stack.call(trader, "GET", f"/data/order/{i}")).json() for i in accepted] == shown
        finally:
            await stack.stop()
        assert _replayed(new_store).state_hash() == state


@pytest.mark.parametrize("kind", STORE_KINDS)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.data(), batch=st.booleans())
def test_every_order_the_edge_accepts_survives_a_snapshot_and_recovery(
    kind: str, orders: st.DataObject, batch: bool
) -> None:
    asyncio.run(_survives(kind, orders, batch))
