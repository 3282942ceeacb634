"""The read-only admin routes for an address (api/admin_reads.py), on both stores: API keys without their
secrets, open orders and trades as the address's own keys read them, and the usual refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openclob.core import UNIT, Deposit, Split
from tests.stack import STORE_KINDS, Stack, Trader, fresh_database, order_body

pytestmark = pytest.mark.anyio

CONDITION = "0x" + "c1" * 32
YES, NO = 1111, 2222
ADMIN = {"Authorization": "Bearer admin-token"}
STRANGER = "0x" + "5e" * 20


@pytest.fixture(params=STORE_KINDS)
async def traded(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Stack, Trader, Trader]]:
    """Alice rests two bids of 10 YES at 0.40; Bob sells her 5 YES: one trade, two open orders."""
    with fresh_database(request.param, tmp_path) as new_store:
        stack = Stack(new_store)
        await stack.start()
        try:
            await stack.list_market(CONDITION, (str(YES), str(NO)))
            alice, bob = Trader("0x" + "a7" * 32), Trader("0x" + "b8" * 32)
            for trader in (alice, bob):
                await stack.create_key(trader)
                await stack.submit(Deposit(now_ms=0, address=trader.address, amount=1_000 * UNIT))
                await stack.submit(Split(now_ms=0, address=trader.address, condition_id=CONDITION, amount=100 * UNIT))
            for _ in range(2):
                bid = order_body(alice, token_id=YES, side="BUY", maker_amount=4 * UNIT, taker_amount=10 * UNIT)
                assert (await stack.call(alice, "POST", "/order", bid)).json()["success"]
            ask = order_body(bob, token_id=YES, side="SELL", maker_amount=5 * UNIT, taker_amount=2 * UNIT)
            assert (await stack.call(bob, "POST", "/order", ask)).json()["success"]
            yield stack, alice, bob
        finally:
            await stack.stop()


async def test_api_keys_are_listed_for_every_address_or_one_without_secrets(
    traded: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, bob = traded
    every = (await stack.client.get("/admin/api-keys", headers=ADMIN)).json()
    assert {(k["address"], k["api_key"], k["readonly"]) for k in every} == {
        (alice.address, alice.api_key, False),
        (bob.address, bob.api_key, False),
    }
    assert all(set(k) == {"api_key", "address", "readonly", "created_at_ms"} for k in every)
    text = (await stack.client.get("/admin/api-keys", headers=ADMIN)).text
    assert alice.creds["secret"] not in text and alice.creds["passphrase"] not in text
    mixed_case = "0x" + alice.address[2:].upper()
    one = (await stack.client.get(f"/admin/api-keys?address={mixed_case}", headers=ADMIN)).json()
    assert [k["api_key"] for k in one] == [alice.api_key]


async def test_orders_and_trades_read_as_the_address_s_own_keys_read_them(traded: tuple[Stack, Trader, Trader]) -> None:
    stack, alice, bob = traded
    for trader in (alice, bob):
        for admin_path, own_path in (("/admin/orders", "/data/orders"), ("/admin/trades", "/data/trades")):
            seen = (await stack.client.get(f"{admin_path}?address={trader.address}", headers=ADMIN)).json()
            own = (await stack.call(trader, "GET", own_path)).json()
            assert seen == own
    orders = (await stack.client.get(f"/admin/orders?address={alice.address}", headers=ADMIN)).json()
    assert [(o["side"], o["price"], o["size_matched"]) for o in orders["data"]] == [
        ("BUY", "0.4", "5"),
        ("BUY", "0.4", "0"),
    ]
    trades = (await stack.client.get(f"/admin/trades?address={alice.address}", headers=ADMIN)).json()
    assert [(t["trader_side"], t["size"]) for t in trades["data"]] == [("MAKER", "5")]


async def test_an_address_without_keys_has_no_orders_or_trades(traded: tuple[Stack, Trader, Trader]) -> None:
    stack, _, _ = traded
    for path in ("/admin/orders", "/admin/trades"):
        page = (await stack.client.get(f"{path}?address={STRANGER}", headers=ADMIN)).json()
        assert (page["data"], page["next_cursor"]) == ([], "LTE=")


@pytest.mark.parametrize("path", ["/admin/api-keys", "/admin/orders", "/admin/trades"])
async def test_the_routes_need_the_admin_token_and_a_valid_address(
    traded: tuple[Stack, Trader, Trader], path: str
) -> None:
    stack, alice, _ = traded
    refused = await stack.client.get(f"{path}?address={alice.address}", headers={"Authorization": "Bearer nope"})
    assert (refused.status_code, refused.json()) == (401, {"error": "Unauthorized: missing or wrong admin token"})
    bad = await stack.client.get(f"{path}?address=0x12", headers=ADMIN)
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid address: '0x12'"})


@pytest.mark.parametrize("path", ["/admin/orders", "/admin/trades"])
async def test_a_bad_cursor_is_refused(traded: tuple[Stack, Trader, Trader], path: str) -> None:
    stack, alice, _ = traded
    response = await stack.client.get(f"{path}?address={alice.address}&next_cursor=%%%", headers=ADMIN)
    assert response.status_code == 400
