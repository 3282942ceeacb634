"""py-clob-client-v2 (latest) against a real `openclob serve`, preferring order version 2 and then version 1.

The same scenario runs against both servers: the client reads GET /version and signs V2 orders (V2 struct,
domain "2", no fee field: takers pay the market's V2 fee in collateral) or V1 orders (V1 struct, the
market's fee rate signed: both sides pay the V1 fee, a BUY's in tokens). Every balance is checked to the
unit against fees worked out by hand in the comments, and no client call may take a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from py_clob_client.clob_types import OrderArgs
from py_clob_client.exceptions import PolyApiException as V1PolyApiException
from py_clob_client_v2 import (
    AssetType,
    BalanceAllowanceParams,
    BuilderTradeParams,
    MarketOrderArgsV2,
    OpenOrderParams,
    OrderArgsV2,
    OrderMarketCancelParams,
    OrderPayload,
    OrderType,
    PartialCreateOrderOptions,
    PostOrdersV2Args,
    TradeParams,
)
from py_clob_client_v2.exceptions import PolyApiException

from tests.e2e.clients import Timed, py_client, py_v2_client
from tests.e2e.conftest import Server, new_wallet, start_server

FEE_BPS = 1000
"""r = 0.1 on the fee market."""
BUILDER = "0x" + "b1" * 32
MAX_CALL_SECONDS = 1.0

# Balances after each step (collateral, YES, NO) in 1e-6 units, worked out by hand for each order version.
# V2: the taker pays shares * 0.1 * p * (1 - p) in collateral at its fill price, rounded up; makers pay nothing.
# V1: each side pays 0.1 * min(p, 1 - p) * shares, a BUY in tokens (/ p), a SELL in collateral, rounded down.
EXPECTED: dict[int, dict[str, dict[str, tuple[int, int, int]]]] = {
    2: {
        # A: SELL 10 YES @ 0.60 rests; B buys them: fee 10 * 0.1 * 0.6 * 0.4 = 0.24 on top of 6
        "swap": {"alice": (86_000_000, 10_000_000, 20_000_000), "bob": (73_760_000, 30_000_000, 20_000_000)},
        # MINT: A bids 0.55 YES; B buys NO at 0.50, fills at 0.45: fee 10 * 0.1 * 0.45 * 0.55 = 0.2475
        "mint": {"alice": (80_500_000, 20_000_000, 20_000_000), "bob": (69_012_500, 30_000_000, 30_000_000)},
        # MERGE: A asks 0.40 YES; B sells NO at 0.55, gets 0.60: fee 10 * 0.1 * 0.6 * 0.4 = 0.24
        "merge": {"alice": (84_500_000, 10_000_000, 20_000_000), "bob": (74_772_500, 30_000_000, 20_000_000)},
        # market BUY of $3.50 of YES at 0.70 = 5 shares: fee 5 * 0.1 * 0.7 * 0.3 = 0.105
        "market_buy": {"alice": (88_000_000, 5_000_000, 20_000_000), "bob": (71_167_500, 35_000_000, 20_000_000)},
        # market SELL of 5 NO into A's bid of 10 at 0.30 (5 of them stay, 1.5 reserved): fee 0.105
        "market_sell": {"alice": (86_500_000, 5_000_000, 25_000_000), "bob": (72_562_500, 35_000_000, 15_000_000)},
    },
    1: {
        # B (taker BUY 0.6): 0.1 * 0.4 * 10 / 0.6 = 0.666666 YES; A (maker SELL): 0.1 * 0.4 * 10 = 0.4
        "swap": {"alice": (85_600_000, 10_000_000, 20_000_000), "bob": (74_000_000, 29_333_334, 20_000_000)},
        # B (BUY NO at 0.45): 0.1 * 0.45 * 10 / 0.45 = 1 NO; A (maker BUY YES 0.55): 0.1 * 0.45 * 10 / 0.55
        "mint": {"alice": (80_100_000, 19_181_819, 20_000_000), "bob": (69_500_000, 29_333_334, 29_000_000)},
        # B (SELL NO at 0.60): 0.4; A (maker SELL YES 0.40): 0.4
        "merge": {"alice": (83_700_000, 9_181_819, 20_000_000), "bob": (75_100_000, 29_333_334, 19_000_000)},
        # B (BUY 5 at 0.70): 0.1 * 0.3 * 5 / 0.7 = 0.214285 YES; A (maker SELL): 0.15
        "market_buy": {"alice": (87_050_000, 4_181_819, 20_000_000), "bob": (71_600_000, 34_119_049, 19_000_000)},
        # B (SELL 5 NO at 0.30): 0.15; A (maker BUY NO 0.30): 0.1 * 0.3 * 5 / 0.3 = 0.5 NO
        "market_sell": {"alice": (85_550_000, 4_181_819, 24_500_000), "bob": (72_950_000, 34_119_049, 14_000_000)},
    },
}
TAKER_FEES = {2: ["0.24", "0.2475", "0.24", "0.105", "0.105"], 1: ["0.666666", "1", "0.4", "0.214285", "0.15"]}


@pytest.fixture(scope="module", params=[2, 1], ids=["prefers-v2", "prefers-v1"])
def preferred(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Server]]:
    version: int = request.param
    server = start_server(tmp_path_factory.mktemp(f"v{version}") / "data", "--order-version", str(version))
    try:
        yield version, server
    finally:
        server.stop()


def _balances(client: Timed, yes: str, no: str) -> tuple[int, int, int]:
    collateral = client.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))
    assert collateral["allowances"] and set(collateral["allowances"].values()) == {str(2**256 - 1)}
    params = [BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=t) for t in (yes, no)]
    tokens = [int(client.get_balance_allowance(p)["balance"]) for p in params]
    return int(collateral["balance"]), tokens[0], tokens[1]


def _error(call: Any) -> tuple[int, Any]:
    with pytest.raises((PolyApiException, V1PolyApiException)) as caught:
        call()
    return caught.value.status_code, caught.value.error_msg


def test_the_whole_flow_with_fees_to_the_unit(preferred: tuple[int, Server]) -> None:
    version, server = preferred
    market = server.create_market("v2 fee market", fee_rate_bps=FEE_BPS)
    plain = server.create_market("v2 plain market")
    cid, (yes, no) = market["condition_id"], (t["token_id"] for t in market["tokens"])
    plain_yes = plain["tokens"][0]["token_id"]
    alice, a = py_v2_client(server)
    bob, b = py_v2_client(server)
    for wallet in (a, b):
        server.deposit(wallet.address, "100")
        server.split(wallet.address, cid, "20")

    # keys, version, health and the V2 market lookups
    again = alice.create_or_derive_api_key()
    assert (again.api_key, again.api_secret, again.api_passphrase) == (
        alice.creds.api_key,
        alice.creds.api_secret,
        alice.creds.api_passphrase,
    )
    assert (alice.get_ok(), alice.get_version()) == ("OK", version)
    details = alice.get_clob_market_info(cid)
    assert (details["c"], details["mts"], details["fd"], "nr" in details) == (
        cid,
        0.01,
        {"r": 0.1, "e": 1, "to": True},
        False,
    )
    assert [t["t"] for t in details["t"]] == [yes, no]
    by_token = httpx.get(f"{server.url}/markets-by-token/{no}").json()
    assert by_token == {"condition_id": cid, "primary_token_id": yes, "secondary_token_id": no}
    expected = EXPECTED[version]

    def check(step: str) -> None:
        assert _balances(alice, yes, no) == expected[step]["alice"], step
        assert _balances(bob, yes, no) == expected[step]["bob"], step

    # a swap: limit orders on YES, bob's with a builder code
    resting = alice.create_and_post_order(OrderArgsV2(token_id=yes, price=0.60, size=10, side="SELL"))
    assert (resting["success"], resting["status"], resting["tradeIDs"]) == (True, "live", [])
    taken = bob.create_and_post_order(OrderArgsV2(token_id=yes, price=0.60, size=10, side="BUY", builder_code=BUILDER))
    assert taken["status"] == "matched" and len(taken["tradeIDs"]) == 1
    assert taken["transactionsHashes"][0].startswith("0x")
    assert (taken["makingAmount"], taken["takingAmount"]) == (("6.24", "10") if version == 2 else ("6", "9.333334"))
    check("swap")

    # a MINT (YES bid met by a NO buy) and a MERGE (YES ask met by a NO sell)
    alice.create_and_post_order(OrderArgsV2(token_id=yes, price=0.55, size=10, side="BUY"))
    mint = bob.create_and_post_order(OrderArgsV2(token_id=no, price=0.50, size=10, side="BUY"))
    assert mint["status"] == "matched"
    check("mint")
    alice.create_and_post_order(OrderArgsV2(token_id=yes, price=0.40, size=10, side="SELL"))
    merge = bob.create_and_post_order(OrderArgsV2(token_id=no, price=0.55, size=10, side="SELL"))
    assert (merge["makingAmount"], merge["takingAmount"]) == ("10", "5.76" if version == 2 else "5.6")
    check("merge")

    # market orders on both tokens: a FOK BUY of YES by amount, a FAK SELL of NO by shares
    alice.create_and_post_order(OrderArgsV2(token_id=yes, price=0.70, size=5, side="SELL"))
    bought = bob.create_and_post_market_order(
        MarketOrderArgsV2(token_id=yes, amount=3.5, side="BUY", order_type=OrderType.FOK), order_type=OrderType.FOK
    )
    assert bought["status"] == "matched"
    check("market_buy")
    alice.create_and_post_order(OrderArgsV2(token_id=no, price=0.30, size=10, side="BUY"))
    sold = bob.create_and_post_market_order(
        MarketOrderArgsV2(token_id=no, amount=5, side="SELL", order_type=OrderType.FAK), order_type=OrderType.FAK
    )
    assert sold["status"] == "matched"
    check("market_sell")

    # trades: both sides see them, with fees and a transaction hash; the builder sees its order's part
    trades = bob.get_trades(TradeParams(market=cid))
    assert [t["fee"] for t in trades] == TAKER_FEES[version]
    assert {t["trader_side"] for t in trades} == {"TAKER"} and all(t["transaction_hash"] for t in trades)
    assert [t["fee_rate_bps"] for t in trades] == [str(FEE_BPS)] * 5
    assert [t["trader_side"] for t in alice.get_trades(TradeParams(id=taken["tradeIDs"][0]))] == ["MAKER"]
    built = bob.get_builder_trades(BuilderTradeParams(builder_code=BUILDER))
    if version == 2:
        (part,) = built["trades"]
        assert (part["id"], part["tradeType"], part["fee"], part["size"], part["sizeUsdc"]) == (
            taken["tradeIDs"][0],
            "TAKER",
            "0.24",
            "10",
            "6",
        )
        assert built["next_cursor"] == "LTE="
    else:
        assert built["trades"] == []  # a V1 order carries no builder code
    events = bob.get_market_trades_events(cid)
    assert len(events) == 5 and events[0]["market"]["condition_id"] == cid
    assert bob.get_pre_migration_orders() == []

    # 105 more resting orders (POST /orders, 15 at a time) so that /data/orders needs two pages
    for batch in range(7):
        args = [
            PostOrdersV2Args(
                order=alice.create_order(OrderArgsV2(token_id=plain_yes, price=(1 + n % 5) / 100, size=5, side="BUY")),
                orderType=OrderType.GTC,
            )
            for n in range(batch * 15, batch * 15 + 15)
        ]
        assert all(r["success"] for r in alice.post_orders(args))
    open_orders = alice.get_open_orders()
    assert len(open_orders) == 106 and len({o["id"] for o in open_orders}) == 106
    assert len(alice.get_open_orders(only_first_page=True)) == 100
    assert len(alice.get_open_orders(OpenOrderParams(asset_id=no))) == 1

    # cancels: one, several, by asset, by market (cancel_market_orders), then everything
    ids = [o["id"] for o in open_orders if o["asset_id"] == plain_yes]
    assert alice.cancel_order(OrderPayload(orderID=ids[0])) == {"canceled": [ids[0]], "not_canceled": {}}
    assert alice.cancel_orders(ids[:3]) == {
        "canceled": ids[1:3],
        "not_canceled": {ids[0]: "already canceled or matched"},
    }
    by_asset = alice.cancel_market_orders(OrderMarketCancelParams(asset_id=no))
    assert len(by_asset["canceled"]) == 1
    by_market = alice.cancel_market_orders(OrderMarketCancelParams(market=plain["condition_id"]))
    assert len(by_market["canceled"]) == 102
    assert alice.get_open_orders() == []
    assert alice.cancel_all() == {"canceled": [], "not_canceled": {}}
    assert alice.slowest[0] < MAX_CALL_SECONDS and bob.slowest[0] < MAX_CALL_SECONDS, (alice.slowest, bob.slowest)


@pytest.fixture(scope="module")
def v2_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("v2only") / "data", "--order-versions", "2")
    try:
        yield server
    finally:
        server.stop()


def test_orders_of_a_version_not_accepted_get_order_version_mismatch(v2_only: Server, tmp_path: Path) -> None:
    market = v2_only.create_market("gates")
    yes = market["tokens"][0]["token_id"]
    v1, w1 = py_client(v2_only)
    v2_only.deposit(w1.address, "100")

    status, error = _error(lambda: v1.create_and_post_order(OrderArgs(token_id=yes, price=0.5, size=10, side="BUY")))
    assert status == 400 and "order_version_mismatch" in error["error"]

    v2, w2 = py_v2_client(v2_only)
    v2_only.deposit(w2.address, "100")
    v3_order = v2.create_order(
        OrderArgsV2(token_id=yes, price=0.5, size=10, side="BUY"), PartialCreateOrderOptions(version=3)
    )
    status, error = _error(lambda: v2.post_order(v3_order))
    assert status == 400 and "order_version_mismatch" in error["error"]
    assert v2.create_and_post_order(OrderArgsV2(token_id=yes, price=0.5, size=10, side="BUY"))["success"] is True

    # with version 3 enabled, the same V3 order is taken
    enabled = start_server(tmp_path / "v3", "--order-versions", "1,2,3", "--order-version", "3")
    try:
        enabled.create_market("v3", token_ids=[yes, str(int(yes) + 1)])
        client, wallet = py_v2_client(enabled, w2)
        enabled.deposit(wallet.address, "100")
        assert client.get_version() == 3
        placed = client.create_and_post_order(OrderArgsV2(token_id=yes, price=0.5, size=10, side="BUY"))
        assert placed["success"] is True and client.get_order(placed["orderID"])["status"] == "LIVE"
    finally:
        enabled.stop()


def test_a_deposit_wallet_signs_with_poly_1271(v2_only: Server) -> None:
    server = v2_only
    market = server.create_market("deposit wallet")
    yes = market["tokens"][0]["token_id"]
    owner = new_wallet()
    wallet = new_wallet().address  # stands for the deposit wallet contract
    server.admin("POST", "/admin/wallets", {"signer": owner.address, "funder": wallet, "signature_type": 3})
    server.deposit(wallet, "50")
    client, _ = py_v2_client(server, owner, signature_type=3, funder=wallet)
    placed = client.create_and_post_order(OrderArgsV2(token_id=yes, price=0.4, size=10, side="BUY"))
    assert placed["success"] is True and placed["status"] == "live"
    (listed,) = client.get_open_orders()
    assert listed["maker_address"] == wallet.lower()
    balance = client.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL, signature_type=3))
    assert balance["balance"] == "50000000"

    stranger, _ = py_v2_client(server, signature_type=3, funder=wallet)  # not the wallet's owner
    order = stranger.create_order(OrderArgsV2(token_id=yes, price=0.4, size=10, side="BUY"))
    status, error = _error(lambda: stranger.post_order(order))
    assert (status, error) == (400, {"error": "the order signer address has to be the address of the API KEY"})
