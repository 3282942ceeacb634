"""A tiny trading bot, of the kind whose tests use openclob's pytest plugin (its tests: test_bot.py).

It bids for one token and, once the bid fills (in part), cancels what is left of it. It survives what the
exchange does to real bots: a refusal worth retrying (425 while the engine restarts, 429, 5xx) is retried after
a pause, and a request that got no answer at all (a dropped connection, a timeout) is looked up among the open
orders before it is sent again, since the exchange may have placed the order all the same.
"""

from __future__ import annotations

import time

from py_clob_client.client import ClobClient
from py_clob_client.clob_types import OpenOrderParams, OrderArgs, OrderType
from py_clob_client.exceptions import PolyApiException
from py_clob_client.order_builder.constants import BUY

RETRYABLE = frozenset({425, 429, 500, 502, 503})
GTD_THRESHOLD_SECONDS = 60
"""Polymarket's security threshold: a GTD order meant to live N seconds carries `now + 60 + N`."""


class Bot:
    """Bids for `token_id` through `client` (a py-clob-client with API credentials)."""

    def __init__(self, client: ClobClient, token_id: str, *, attempts: int = 5, pause_seconds: float = 0.1) -> None:
        self.client = client
        self.token_id = token_id
        self.attempts = attempts
        self.pause_seconds = pause_seconds
        self.order_id: str | None = None
        self.filled = 0.0

    def bid(self, price: float, size: float, *, lifetime_seconds: int | None = None) -> str:
        """Place a bid, GTD for `lifetime_seconds` when given, else GTC; return its order id."""
        expiration, order_type = 0, OrderType.GTC
        if lifetime_seconds is not None:
            expiration = int(self.client.get_server_time()) + GTD_THRESHOLD_SECONDS + lifetime_seconds
            order_type = OrderType.GTD
        args = OrderArgs(token_id=self.token_id, price=price, size=size, side=BUY, expiration=expiration)
        order = self.client.create_order(args)  # signed once: every attempt sends the same order
        for attempt in range(1, self.attempts + 1):
            try:
                self.order_id = str(self.client.post_order(order, order_type)["orderID"])
                return self.order_id
            except PolyApiException as error:
                if error.status_code is None:  # no answer: the order may be on the book
                    placed = self._open_bid(price, size)
                    if placed is not None:
                        self.order_id = placed
                        return placed
                elif error.status_code not in RETRYABLE:
                    raise
                if attempt == self.attempts:
                    raise
            time.sleep(self.pause_seconds)
        raise AssertionError("unreachable")

    def poll(self) -> float:
        """React to fills: once the bid has filled, cancel what is left of it. Return the size filled so far."""
        if self.order_id is None:
            return self.filled
        order = self.client.get_order(self.order_id)
        matched = float(order["size_matched"])
        if matched > self.filled:
            self.filled = matched
            if matched < float(order["original_size"]):
                self.client.cancel(self.order_id)
            self.order_id = None
        return self.filled

    def _open_bid(self, price: float, size: float) -> str | None:
        """The id of an open bid of ours at that price and size, if there is one."""
        for order in self.client.get_orders(OpenOrderParams(asset_id=self.token_id)):
            same = float(order["price"]) == price and float(order["original_size"]) == size
            if order["side"] == BUY and same:
                return str(order["id"])
        return None
