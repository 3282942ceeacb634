"""py-clob-client account calls: read-only keys, notifications, closed orders, key deletion."""

from __future__ import annotations

import httpx
import pytest
from py_clob_client.clob_types import DropNotificationParams, OrderArgs
from py_clob_client.exceptions import PolyApiException
from py_clob_client.order_builder.constants import BUY, SELL

from tests.e2e.clients import py_client
from tests.e2e.conftest import Server


def _market(server: Server) -> tuple[str, str, str]:
    market = server.create_market()
    yes, no = (t["token_id"] for t in market["tokens"])
    return market["condition_id"], yes, no


def test_readonly_key_reads_the_addresses_orders_and_trades_and_nothing_else(server: Server) -> None:
    condition_id, yes, _ = _market(server)
    alice, a = py_client(server)
    bob, b = py_client(server)
    server.deposit(a.address, "100")
    server.deposit(b.address, "100")
    server.split(b.address, condition_id, "10")
    resting = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY))
    bob.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=5, side=SELL))

    key = alice.create_readonly_api_key().api_key
    assert alice.get_readonly_api_keys() == [key]
    assert bob.get_readonly_api_keys() == []
    headers = {"POLY_READONLY_API_KEY": key, "POLY_ADDRESS": a.address}
    orders = httpx.get(server.url + "/data/orders", headers=headers).json()
    assert [o["id"] for o in orders["data"]] == [resting["orderID"]] and orders["next_cursor"] == "LTE="
    assert orders["data"][0]["size_matched"] == "5"
    trades = httpx.get(server.url + "/data/trades", headers=headers).json()["data"]
    assert [(t["trader_side"], t["size"]) for t in trades] == [("MAKER", "5")]

    wrong_address = {"POLY_READONLY_API_KEY": key, "POLY_ADDRESS": b.address}
    assert httpx.get(server.url + "/data/orders", headers=wrong_address).status_code == 401
    assert httpx.post(server.url + "/order", headers=headers, content=b"{}").status_code == 401
    valid = httpx.get(server.url + "/auth/validate-readonly-api-key", params={"address": a.address, "key": key})
    assert valid.json() == {"valid": True}

    with pytest.raises(PolyApiException) as caught:
        bob.delete_readonly_api_key(key)
    assert caught.value.status_code == 404
    assert alice.delete_readonly_api_key(key) is True
    assert httpx.get(server.url + "/data/orders", headers=headers).status_code == 401


def test_notifications_report_fills_and_cancels_and_can_be_dropped(server: Server) -> None:
    condition_id, yes, _ = _market(server)
    alice, a = py_client(server)
    bob, b = py_client(server)
    server.deposit(a.address, "100")
    server.deposit(b.address, "100")
    server.split(b.address, condition_id, "10")
    resting = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY))
    bob.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=5, side=SELL))
    alice.cancel(resting["orderID"])

    notes = alice.get_notifications()
    assert sorted(n["type"] for n in notes) == [1, 2]
    assert all(n["owner"] == alice.creds.api_key for n in notes)
    assert all(n["payload"]["order_id"] == resting["orderID"] for n in notes)
    assert [n["type"] for n in bob.get_notifications()] == [2]

    alice.drop_notifications(DropNotificationParams(ids=[str(notes[0]["id"])]))
    assert [n["id"] for n in alice.get_notifications()] == [notes[1]["id"]]
    bob.drop_notifications(DropNotificationParams(ids=[str(notes[1]["id"])]))  # not bob's: nothing happens
    assert [n["id"] for n in alice.get_notifications()] == [notes[1]["id"]]


def test_a_closed_order_is_still_readable_by_id_and_only_by_its_owner(server: Server) -> None:
    _, yes, _ = _market(server)
    alice, a = py_client(server)
    bob, _ = py_client(server)
    server.deposit(a.address, "100")
    placed = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
    alice.cancel(placed["orderID"])
    order = alice.get_order(placed["orderID"])
    assert (order["status"], order["original_size"], order["price"]) == ("CANCELED", "10", "0.3")
    with pytest.raises(PolyApiException) as caught:
        bob.get_order(placed["orderID"])
    assert caught.value.status_code == 404
    assert alice.get_orders() == []


def test_deleting_the_api_key_revokes_it(server: Server) -> None:
    client, _ = py_client(server)
    assert client.get_closed_only_mode() == {"closed_only": False}
    assert client.delete_api_key() == "OK"
    with pytest.raises(PolyApiException) as caught:
        client.get_orders()
    assert caught.value.status_code == 401
