"""Discovery as bots do it, against a real `openclob serve`: Gamma to find a market, py-clob-client to trade
it, the Data API to read the position back (also after a restart). Every Gamma and Data API answer is
checked against the JSON Schemas in tests/schemas/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import OrderArgs
from py_clob_client.order_builder.constants import BUY, SELL

from tests.discovery_schemas import check
from tests.e2e.clients import py_client
from tests.e2e.conftest import Server, fresh_postgres_database, new_wallet, start_server


@pytest.fixture(params=["sqlite", "postgres"])
def restartable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, tuple[str, ...]]]:
    """A fresh server on each store, with the arguments that start it again on the same data."""
    with ExitStack() as stack:
        extra: tuple[str, ...] = ()
        if request.param == "postgres":
            extra = ("--db", stack.enter_context(fresh_postgres_database()))
        running = start_server(tmp_path / "data", *extra)
        stack.callback(lambda: running.stop())
        yield running, extra


def _get(server: Server, path: str, schema: str, **params: Any) -> Any:
    response = httpx.get(server.url + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.text)
    answer = response.json()
    check(schema, answer)
    return answer


def test_a_bot_finds_a_market_on_gamma_trades_it_and_reads_its_position_from_the_data_api(
    restartable: tuple[Server, tuple[str, ...]],
) -> None:
    server, extra = restartable
    server.create_market("Will it snow in Lisbon?", end_date_iso="2030-01-01T00:00:00Z")
    server.create_market("Will the bot find this market?", end_date_iso="2031-06-30T12:00:00Z")

    # discovery: the event by its title, its market's tokens and outcomes from the JSON-encoded strings
    events = _get(server, "/gamma/events", "gamma_event", closed="false", limit=10)
    event = next(e for e in events if e["title"] == "Will the bot find this market?")
    market = event["markets"][0]
    yes, no = json.loads(market["clobTokenIds"])
    assert json.loads(market["outcomes"]) == ["Yes", "No"]
    assert market["acceptingOrders"] is True and market["orderPriceMinTickSize"] == 0.01
    assert _get(server, f"/gamma/markets/slug/{market['slug']}", "gamma_market")["conditionId"] == market["conditionId"]

    # the buyer trades for a proxy wallet (signature type 1) its signer is linked to: the proxy holds the position
    signer, proxy = new_wallet(), new_wallet().address.lower()
    server.admin("POST", "/admin/wallets", {"signer": signer.address, "funder": proxy, "signature_type": 1})
    buyer = ClobClient(server.url, key=signer.key, chain_id=137, signature_type=1, funder=proxy)
    buyer.set_api_creds(buyer.create_or_derive_api_creds())
    seller, s = py_client(server)
    server.deposit(proxy, "100")
    server.deposit(s.address, "100")
    server.split(s.address, market["conditionId"], "20")

    seller.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=SELL))
    assert buyer.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=BUY))["success"]
    seller.create_and_post_order(OrderArgs(token_id=yes, price=0.70, size=5, side=BUY))
    assert buyer.create_and_post_order(OrderArgs(token_id=yes, price=0.70, size=5, side=SELL))["success"]

    # 10 bought at 0.60, 5 sold at 0.70: 5 held at 0.60, 0.50 realized, marked at the last trade (0.70)
    expected = {
        "proxyWallet": proxy,
        "asset": yes,
        "conditionId": market["conditionId"],
        "size": 5.0,
        "avgPrice": 0.6,
        "initialValue": 3.0,
        "currentValue": 3.5,
        "cashPnl": 0.5,
        "percentPnl": 16.666667,
        "totalBought": 10.0,
        "realizedPnl": 0.5,
        "curPrice": 0.7,
        "outcome": "Yes",
        "outcomeIndex": 0,
        "oppositeAsset": no,
        "title": "Will the bot find this market?",
        "slug": market["slug"],
        "endDate": "2031-06-30",
        "redeemable": False,
        "mergeable": False,
    }

    def read_back() -> None:
        (position,) = _get(server, "/data-api/positions", "data_position", user=proxy)
        assert {key: position[key] for key in expected} == expected
        assert _get(server, "/data-api/positions", "data_position", user=signer.address) == []
        assert _get(server, "/data-api/value", "data_value", user=proxy) == [{"user": proxy, "value": 3.5}]
        activity = _get(server, "/data-api/activity", "data_activity", user=proxy)
        assert [(a["type"], a["side"], a["size"], a["price"]) for a in activity] == [
            ("TRADE", "SELL", 5.0, 0.7),
            ("TRADE", "BUY", 10.0, 0.6),
        ]
        seller_activity = _get(server, "/data-api/activity", "data_activity", user=s.address.lower())
        assert [a["type"] for a in seller_activity] == ["TRADE", "TRADE", "SPLIT"]
        tape = _get(server, "/data-api/trades", "data_trade", market=market["conditionId"])
        assert [(t["proxyWallet"], t["side"], t["size"], t["price"]) for t in tape] == [
            (proxy, "SELL", 5.0, 0.7),
            (proxy, "BUY", 10.0, 0.6),
        ]
        found = _get(server, f"/gamma/markets/{market['id']}", "gamma_market")
        assert found["lastTradePrice"] == 0.7 and found["volume"] == "9.5"
        assert json.loads(found["outcomePrices"]) == ["0.7", "0.3"]

    read_back()
    server.stop()
    restarted = start_server(server.data_dir, *extra, port=int(server.url.rsplit(":", 1)[1]))
    try:
        server.process = restarted.process
        read_back()
        again = _get(server, "/gamma/events", "gamma_event", slug=event["slug"])
        assert [e["id"] for e in again] == [event["id"]]
    finally:
        restarted.stop()
