"""py-clob-client 0.34.x against a real `openclob serve`: the whole trading flow, to the unit."""

from __future__ import annotations

import time
from typing import Any

import httpx
from py_clob_client.clob_types import (
    AssetType,
    BalanceAllowanceParams,
    CreateOrderOptions,
    MarketOrderArgs,
    OpenOrderParams,
    OrderArgs,
    OrderType,
    PostOrdersArgs,
    TradeParams,
)
from py_clob_client.order_builder.constants import BUY, SELL

from tests.e2e.clients import py_client, refusal
from tests.e2e.conftest import Server, new_wallet


def _collateral(client: Any) -> int:
    params = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    return int(client.get_balance_allowance(params)["balance"])


def _tokens(client: Any, token_id: str) -> int:
    params = BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token_id)
    return int(client.get_balance_allowance(params)["balance"])


def _market(server: Server, **fields: Any) -> tuple[str, str, str]:
    market = server.create_market(**fields)
    yes, no = (t["token_id"] for t in market["tokens"])
    return market["condition_id"], yes, no


def test_api_keys_are_created_once_and_derived_identically(server: Server) -> None:
    client, wallet = py_client(server)
    first = client.creds
    again = client.create_or_derive_api_creds()
    assert (again.api_key, again.api_secret, again.api_passphrase) == (
        first.api_key,
        first.api_secret,
        first.api_passphrase,
    )
    assert refusal(client.create_api_key) == (400, {"error": "Could not create api key"})
    assert client.get_api_keys() == {"apiKeys": [first.api_key]}
    other, _ = py_client(server)
    assert other.creds.api_key != first.api_key
    fresh = new_wallet()
    from py_clob_client.client import ClobClient

    stranger = ClobClient(server.url, key=fresh.key, chain_id=137)
    assert refusal(stranger.derive_api_key) == (400, {"error": "Could not derive api key!"})
    assert wallet.address


def test_limit_orders_swap_mint_and_merge_move_balances_to_the_unit(server: Server) -> None:
    condition_id, yes, no = _market(server)
    alice, a = py_client(server)
    bob, b = py_client(server)
    for wallet in (a, b):
        server.deposit(wallet.address, "100")
        server.split(wallet.address, condition_id, "20")
    assert _collateral(alice) == 80_000_000 and _tokens(alice, yes) == 20_000_000

    # a plain swap: alice sells 10 YES at 0.60 to bob
    resting = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=SELL))
    assert resting["success"] is True and resting["status"] == "live"
    taken = bob.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=BUY))
    assert taken["status"] == "matched"
    assert (taken["makingAmount"], taken["takingAmount"]) == ("6", "10")
    assert len(taken["tradeIDs"]) == 1 and taken["transactionsHashes"][0].startswith("0x")
    assert (_collateral(alice), _tokens(alice, yes)) == (86_000_000, 10_000_000)
    assert (_collateral(bob), _tokens(bob, yes)) == (74_000_000, 30_000_000)

    # a MINT: alice buys YES at 0.55, bob buys NO at 0.50 -> fill at alice's 0.55, bob pays 0.45
    alice.create_and_post_order(OrderArgs(token_id=yes, price=0.55, size=10, side=BUY))
    mint = bob.create_and_post_order(OrderArgs(token_id=no, price=0.50, size=10, side=BUY))
    assert (mint["status"], mint["makingAmount"], mint["takingAmount"]) == ("matched", "4.5", "10")
    assert (_collateral(alice), _tokens(alice, yes)) == (80_500_000, 20_000_000)
    assert (_collateral(bob), _tokens(bob, no)) == (69_500_000, 30_000_000)

    # a MERGE: alice sells YES at 0.40, bob sells NO at 0.55 -> alice gets 0.40, bob gets 0.60
    alice.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=SELL))
    merge = bob.create_and_post_order(OrderArgs(token_id=no, price=0.55, size=10, side=SELL))
    assert (merge["status"], merge["makingAmount"], merge["takingAmount"]) == ("matched", "10", "6")
    assert (_collateral(alice), _tokens(alice, yes)) == (84_500_000, 10_000_000)
    assert (_collateral(bob), _tokens(bob, no)) == (75_500_000, 20_000_000)

    # the trade is visible to both sides under the same id, as TAKER and MAKER
    trade_id = merge["tradeIDs"][0]
    as_taker = bob.get_trades(TradeParams(id=trade_id))
    as_maker = alice.get_trades(TradeParams(id=trade_id))
    assert [t["trader_side"] for t in as_taker] == ["TAKER"] and [t["trader_side"] for t in as_maker] == ["MAKER"]
    leg = as_taker[0]["maker_orders"][0]
    assert (leg["asset_id"], leg["side"], leg["price"], leg["outcome"]) == (yes, "SELL", "0.4", "Yes")
    assert as_taker[0]["transaction_hash"].startswith("0x")
    assert len(alice.get_trades()) == 3 and len(bob.get_trades()) == 3


def test_fok_and_fak_market_orders(server: Server) -> None:
    condition_id, yes, _ = _market(server)
    maker, m = py_client(server)
    taker, t = py_client(server)
    server.deposit(m.address, "100")
    server.split(m.address, condition_id, "50")
    server.deposit(t.address, "100")
    maker.create_and_post_order(OrderArgs(token_id=yes, price=0.50, size=20, side=SELL))

    too_big = taker.create_market_order(MarketOrderArgs(token_id=yes, amount=20, side=BUY, price=0.5))
    status, error = refusal(lambda: taker.post_order(too_big, OrderType.FOK))
    assert (status, error) == (400, {"error": "order couldn't be fully filled. FOK orders are fully filled or killed."})

    fok = taker.create_market_order(MarketOrderArgs(token_id=yes, amount=5, side=BUY))
    filled = taker.post_order(fok, OrderType.FOK)
    assert (filled["status"], filled["makingAmount"], filled["takingAmount"]) == ("matched", "5", "10")

    fak = taker.create_market_order(MarketOrderArgs(token_id=yes, amount=10, side=BUY, price=0.5))
    partly = taker.post_order(fak, OrderType.FAK)
    assert (partly["status"], partly["takingAmount"]) == ("matched", "10")
    assert _tokens(taker, yes) == 20_000_000
    assert _collateral(taker) == 90_000_000

    nothing = taker.create_market_order(MarketOrderArgs(token_id=yes, amount=5, side=BUY, price=0.5))
    status, error = refusal(lambda: taker.post_order(nothing, OrderType.FAK))
    assert status == 400 and "no orders found to match with FAK order" in error["error"]


def test_post_only_and_error_strings_for_tick_size_balance_and_duplicates(server: Server) -> None:
    condition_id, yes, no = _market(server)
    client, wallet = py_client(server)
    other, o = py_client(server)
    server.deposit(wallet.address, "10")
    server.deposit(o.address, "100")
    server.split(o.address, condition_id, "50")
    other.create_and_post_order(OrderArgs(token_id=yes, price=0.50, size=10, side=SELL))

    crossing = client.create_order(OrderArgs(token_id=yes, price=0.50, size=5, side=BUY))
    assert refusal(lambda: client.post_order(crossing, OrderType.GTC, post_only=True)) == (
        400,
        {"error": "invalid post-only order: order crosses book"},
    )
    resting = client.create_order(OrderArgs(token_id=yes, price=0.40, size=5, side=BUY))
    assert client.post_order(resting, OrderType.GTC, post_only=True)["status"] == "live"
    status, error = refusal(lambda: client.post_order(resting))
    (listed,) = client.get_orders()
    assert (status, error["error"]) == (400, f"order {listed['id']} is invalid. Duplicated.")

    poor = client.create_order(OrderArgs(token_id=no, price=0.50, size=100, side=BUY))
    assert refusal(lambda: client.post_order(poor)) == (400, {"error": "not enough balance / allowance"})

    small = client.create_order(OrderArgs(token_id=no, price=0.50, size=4, side=BUY))
    status, error = refusal(lambda: client.post_order(small))
    assert status == 400 and error["error"].endswith("is invalid. Size (4) lower than the minimum: 5")

    # an order signed with the client's own builder as if the tick were 0.001, on a 0.01 market
    off_tick = client.builder.create_order(
        OrderArgs(token_id=no, price=0.555, size=10, side=BUY), CreateOrderOptions(tick_size="0.001", neg_risk=False)
    )
    status, error = refusal(lambda: client.post_order(off_tick))
    assert status == 400 and error["error"].endswith("Price (0.555) breaks minimum tick size rule: 0.01")


def test_every_cancel_endpoint_and_cancel_market_orders_across_users_and_markets(server: Server) -> None:
    first, y1, n1 = _market(server, question="first")
    second, y2, _ = _market(server, question="second")
    alice, a = py_client(server)
    bob, b = py_client(server)
    for wallet in (a, b):
        server.deposit(wallet.address, "1000")
    ids: dict[str, list[str]] = {"alice": [], "bob": []}
    for name, client in (("alice", alice), ("bob", bob)):
        for token in (y1, n1, y2):
            for price in (0.10, 0.20):
                response = client.create_and_post_order(OrderArgs(token_id=token, price=price, size=10, side=BUY))
                ids[name].append(response["orderID"])

    one = alice.cancel(ids["alice"][0])
    assert one == {"canceled": [ids["alice"][0]], "not_canceled": {}}
    theirs = alice.cancel(ids["bob"][0])
    assert theirs == {"canceled": [], "not_canceled": {ids["bob"][0]: "order not found"}}
    several = alice.cancel_orders([ids["alice"][0], ids["alice"][1]])
    assert several == {"canceled": [ids["alice"][1]], "not_canceled": {ids["alice"][0]: "already canceled or matched"}}

    by_asset = alice.cancel_market_orders(asset_id=n1)
    assert sorted(by_asset["canceled"]) == sorted(ids["alice"][2:4]) and by_asset["not_canceled"] == {}
    nothing = alice.cancel_market_orders()
    assert nothing == {"canceled": [], "not_canceled": {}}
    mismatched = alice.cancel_market_orders(market=first, asset_id=y2)
    assert mismatched == {"canceled": [], "not_canceled": {}}
    by_market = alice.cancel_market_orders(market=second)
    assert sorted(by_market["canceled"]) == sorted(ids["alice"][4:6])
    assert alice.get_orders() == []
    assert len(bob.get_orders()) == 6

    everything = bob.cancel_all()
    assert sorted(everything["canceled"]) == sorted(ids["bob"])
    assert bob.get_orders() == []


def test_trading_modes_cancel_only_and_disabled(server: Server) -> None:
    condition_id, yes, _ = _market(server)
    client, wallet = py_client(server)
    server.deposit(wallet.address, "100")
    live = client.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
    server.admin("PUT", "/admin/trading-mode", {"mode": "cancel-only"})
    refused = client.create_order(OrderArgs(token_id=yes, price=0.31, size=10, side=BUY))
    assert refusal(lambda: client.post_order(refused)) == (
        503,
        {"error": "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."},
    )
    assert client.cancel(live["orderID"])["canceled"] == [live["orderID"]]
    server.admin("PUT", "/admin/trading-mode", {"mode": "disabled"})
    message = {"error": "Trading is currently disabled. Check polymarket.com for updates"}
    assert refusal(lambda: client.post_order(refused)) == (503, message)
    assert refusal(client.cancel_all) == (503, message)
    assert client.get_order_book(yes).market == condition_id  # reads still work
    server.admin("PUT", "/admin/trading-mode", {"mode": "normal"})
    assert client.post_order(refused)["status"] == "live"


def test_pagination_over_150_orders_ends_with_the_end_cursor(server: Server) -> None:
    _, yes, _ = _market(server)
    client, wallet = py_client(server)
    server.deposit(wallet.address, "10000")
    orders = [
        client.create_order(OrderArgs(token_id=yes, price=0.01 * (1 + i % 40), size=5, side=BUY)) for i in range(150)
    ]
    for start in range(0, 150, 15):
        batch = [PostOrdersArgs(order=o, orderType=OrderType.GTC) for o in orders[start : start + 15]]
        assert all(r["success"] for r in client.post_orders(batch))
    listed = client.get_orders()
    assert len(listed) == 150 and len({o["id"] for o in listed}) == 150
    assert {o["status"] for o in listed} == {"LIVE"} and listed[0]["original_size"] == "5"
    only_first = client.get_orders(OpenOrderParams(id=listed[0]["id"]))
    assert [o["id"] for o in only_first] == [listed[0]["id"]]
    assert client.get_order(listed[0]["id"])["id"] == listed[0]["id"]


def test_heartbeats_chain_and_a_missed_beat_cancels_the_users_orders(tmp_path: Any) -> None:
    from tests.e2e.conftest import start_server

    server = start_server(tmp_path / "hb")
    try:
        _, yes, _ = _market(server)
        client, wallet = py_client(server)
        server.deposit(wallet.address, "100")
        client.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
        first = client.post_heartbeat(None)["heartbeat_id"]
        second = client.post_heartbeat(first)["heartbeat_id"]
        status, error = refusal(lambda: client.post_heartbeat("not-the-current-id"))
        assert status == 400 and error["error"] == "Invalid Heartbeat ID" and error["heartbeat_id"] == second
        assert len(client.get_orders()) == 1
        deadline = time.monotonic() + 25
        while client.get_orders() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.get_orders() == []
    finally:
        server.stop()


def test_a_wrong_hmac_or_passphrase_is_401(server: Server) -> None:
    client, _ = py_client(server)
    client.creds.api_secret = "A" * 43 + "="
    assert refusal(client.get_orders) == (401, {"error": "Unauthorized/Invalid api key"})
    response = httpx.get(server.url + "/data/orders", headers={"POLY_API_KEY": "nope"})
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized/Invalid api key"})


def test_after_a_restart_the_heartbeat_chain_goes_on_and_orders_get_a_fresh_grace_period(tmp_path: Any) -> None:
    from tests.e2e.conftest import start_server

    server = start_server(tmp_path / "hb-restart")
    port = int(server.url.rsplit(":", 1)[1])
    try:
        _, yes, _ = _market(server)
        client, wallet = py_client(server)
        server.deposit(wallet.address, "100")
        placed = client.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
        beat = client.post_heartbeat(None)["heartbeat_id"]
        server.stop()
        server = start_server(tmp_path / "hb-restart", port=port)
        assert [o["id"] for o in client.get_orders()] == [placed["orderID"]]
        following = client.post_heartbeat(beat)["heartbeat_id"]
        assert following != beat
        status, _ = refusal(lambda: client.post_heartbeat(beat))  # the chain moved on: the old id is stale now
        assert status == 400
    finally:
        server.stop()
