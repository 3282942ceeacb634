"""The example bot's own tests: the bot against the session's openclob server, meeting another trader, a
restarting engine, a lost answer and the passing of time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import Bot
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import AssetType, BalanceAllowanceParams, OpenOrderParams, OrderArgs
from py_clob_client.order_builder.constants import BUY

from openclob.testing import OpenClobServer


def _open_ids(client: ClobClient, token_id: str) -> list[str]:
    return [order["id"] for order in client.get_orders(OpenOrderParams(asset_id=token_id))]


def test_the_bot_cancels_the_rest_of_its_bid_once_another_wallet_fills_part_of_it(
    market: dict[str, Any], connect: Callable[[], ClobClient]
) -> None:
    yes, no = (token["token_id"] for token in market["tokens"])
    bot = Bot(connect(), yes)
    bot.bid(0.40, 10)
    other = connect()
    # a NO bid at 0.60 meets the YES bid at 0.40: together they pay 1, and the exchange mints the pair
    other.create_and_post_order(OrderArgs(token_id=no, price=0.60, size=6, side=BUY))
    assert bot.poll() == 6
    assert _open_ids(bot.client, yes) == []
    held = bot.client.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=yes))
    assert held["balance"] == "6000000"


def test_the_bot_retries_through_a_restarting_engine_and_places_its_bid_once(
    openclob_server: OpenClobServer, market: dict[str, Any], connect: Callable[[], ClobClient]
) -> None:
    yes = market["tokens"][0]["token_id"]
    bot = Bot(connect(), yes)
    openclob_server.faults.add(kind="status", status=425, method="POST", path="/order", count=2)
    order_id = bot.bid(0.40, 10)
    assert openclob_server.faults.list() == []  # both 425s were answered
    assert _open_ids(bot.client, yes) == [order_id]


def test_the_bot_finds_the_bid_whose_answer_was_lost_instead_of_placing_it_twice(
    openclob_server: OpenClobServer, market: dict[str, Any], connect: Callable[[], ClobClient]
) -> None:
    yes = market["tokens"][0]["token_id"]
    bot = Bot(connect(), yes)
    openclob_server.faults.add(kind="timeout_after_apply", method="POST", path="/order", count=1)
    order_id = bot.bid(0.40, 10)
    assert openclob_server.faults.list() == []  # the answer was dropped
    assert _open_ids(bot.client, yes) == [order_id]


def test_a_gtd_bid_expires_when_the_exchange_clock_passes_its_lifetime(
    openclob_server: OpenClobServer, market: dict[str, Any], connect: Callable[[], ClobClient]
) -> None:
    yes = market["tokens"][0]["token_id"]
    bot = Bot(connect(), yes)
    openclob_server.clock.freeze()  # runs again after the test
    order_id = bot.bid(0.40, 10, lifetime_seconds=30)
    openclob_server.clock.advance(29_000)
    assert _open_ids(bot.client, yes) == [order_id]
    openclob_server.clock.advance(1_000)
    assert _open_ids(bot.client, yes) == []
