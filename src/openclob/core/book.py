"""The order book of one market, in first-token terms, with price-time priority.

Each side maps a price to a level: an insertion-ordered dict of orders (FIFO, O(1) removal) and the
level's total open shares. A sorted list of prices per side gives the best price; bisect keeps it
sorted. Levels with no orders are removed at once, so the best price is always a live one.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

from openclob.core.orders import ASK, BID, BookSide, Order


class Level:
    """The orders resting at one price, oldest first, and their total open shares.

    A slotted class, not a msgspec Struct: its size changes on every add, fill and cancel, and Python
    specialises writes to slots, while a Struct's attribute writes all go through msgspec's setattr.
    """

    __slots__ = ("orders", "size_units")

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.size_units = 0


class Book:
    """Bids and asks of one market. The book never holds a closed order."""

    __slots__ = ("_ask_prices", "_asks", "_bid_prices", "_bids", "condition_id")

    def __init__(self, condition_id: str) -> None:
        self.condition_id = condition_id
        self._bids: dict[int, Level] = {}
        self._asks: dict[int, Level] = {}
        self._bid_prices: list[int] = []
        self._ask_prices: list[int] = []

    def best_bid(self) -> int | None:
        """Highest bid price, or None."""
        return self._bid_prices[-1] if self._bid_prices else None

    def best_ask(self) -> int | None:
        """Lowest ask price, or None."""
        return self._ask_prices[0] if self._ask_prices else None

    def crossed_by(self, book_side: BookSide, limit_units: int) -> bool:
        """Whether a new order on `book_side` at this limit would cross the best opposite price (anyone's)."""
        if book_side is BID:
            asks = self._ask_prices
            return bool(asks) and asks[0] <= limit_units
        bids = self._bid_prices
        return bool(bids) and bids[-1] >= limit_units

    def add(self, order: Order) -> int:
        """Put `order` at the back of its level; return the level's new size."""
        # The side is chosen inline, not through _side(): add, remove and reduce run on every order.
        if order.book_side is BID:
            levels, prices = self._bids, self._bid_prices
        else:
            levels, prices = self._asks, self._ask_prices
        price = order.book_price_units
        level = levels.get(price)
        if level is None:
            level = levels[price] = Level()
            insort(prices, price)
        level.orders[order.order_id] = order
        size = level.size_units + order.size_units - order.matched_units
        level.size_units = size
        return size

    def remove(self, order: Order, open_units: int) -> int:
        """Take `order` (which had `open_units` open) off the book; return its level's new size."""
        if order.book_side is BID:
            levels, prices = self._bids, self._bid_prices
        else:
            levels, prices = self._asks, self._ask_prices
        price = order.book_price_units
        level = levels[price]
        orders = level.orders
        del orders[order.order_id]
        if not orders:
            del levels[price]
            del prices[bisect_left(prices, price)]
            return 0
        size = level.size_units - open_units
        level.size_units = size
        return size

    def reduce(self, order: Order, fill_units: int) -> int:
        """Record that a resting order matched `fill_units`; return its level's new size."""
        level = (self._bids if order.book_side is BID else self._asks)[order.book_price_units]
        size = level.size_units - fill_units
        level.size_units = size
        return size

    def side(self, book_side: BookSide) -> tuple[dict[int, Level], list[int]]:
        """Return a side's levels by price and its prices in ascending order. Read them; never change them."""
        if book_side is BID:
            return self._bids, self._bid_prices
        return self._asks, self._ask_prices

    def levels_from_best(self, book_side: BookSide) -> Iterator[tuple[int, Level]]:
        """Yield (price, level) from the best price outwards. Do not mutate the side while iterating."""
        levels, prices = self._side(book_side)
        ordered = reversed(prices) if book_side is BID else iter(prices)
        for price in ordered:
            yield price, levels[price]

    def depth(self, book_side: BookSide) -> list[tuple[int, int]]:
        """Return [(price, size)] of a side, best first."""
        return [(price, level.size_units) for price, level in self.levels_from_best(book_side)]

    def level_size(self, book_side: BookSide, price_units: int) -> int:
        """Return the open shares at one price (0 if no level)."""
        levels, _ = self._side(book_side)
        level = levels.get(price_units)
        return 0 if level is None else level.size_units

    def orders(self) -> Iterator[Order]:
        """Yield every resting order, bids then asks, each side best first and FIFO within a level."""
        for book_side in (BID, ASK):
            for _, level in self.levels_from_best(book_side):
                yield from level.orders.values()

    def problems(self) -> list[str]:
        """Return every broken internal rule (empty when the book is sound)."""
        found: list[str] = []
        for book_side in (BID, ASK):
            levels, prices = self._side(book_side)
            if prices != sorted(levels):
                found.append(f"{book_side.value} price index out of step with levels")
            for price, level in levels.items():
                if not level.orders:
                    found.append(f"empty {book_side.value} level at {price}")
                total = sum(order.remaining_units for order in level.orders.values())
                if total != level.size_units:
                    found.append(f"{book_side.value} level {price} size {level.size_units} != {total}")
                for order in level.orders.values():
                    if order.book_side is not book_side or order.book_price_units != price:
                        found.append(f"order {order.order_id} sits at the wrong place")
                    if order.remaining_units <= 0:
                        found.append(f"order {order.order_id} rests with nothing open")
        return found

    def _side(self, book_side: BookSide) -> tuple[dict[int, Level], list[int]]:
        if book_side is BID:
            return self._bids, self._bid_prices
        return self._asks, self._ask_prices
