"""A market's book as the feeds have published it, and its wire rendering.

The feeds never read the exchange's live book: the sequencer may already have applied a batch that is
not durable yet. `BookView` is rebuilt from the published `BookLevelChanged` events instead (seeded from
the exchange at start, when nothing is in flight), so a snapshot sent on subscribe shows exactly the
durable state that the following `price_change` events continue from.

The view keeps the market's one book in first-token terms; the second token's book is its mirror
(bids at 1 - ask). Each level's JSON for both tokens is rendered once and cached until the level
changes, so a snapshot or a book hash costs a join and a sha1, not a walk through dicts.
"""

from __future__ import annotations

import bisect
import hashlib

from openclob.core import UNIT, BookSide
from openclob.core.markets import Market
from openclob.wire import decimal

NO_LAST_TRADE = "0.5"
"""`last_trade_price` of a market that has not traded (as GET /book shows it)."""


class BookView:
    """One market's published book (first-token terms) and the settings its snapshots carry."""

    __slots__ = (
        "_fragments",
        "_prices",
        "_sizes",
        "condition_id",
        "last_trade_units",
        "min_size_units",
        "neg_risk",
        "outcomes",
        "tick_units",
        "token_ids",
    )

    def __init__(self, market: Market, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        self.condition_id = market.condition_id
        self.token_ids = market.token_ids
        self.outcomes = market.outcomes
        self.tick_units = market.tick_units
        self.min_size_units = market.min_size_units
        self.neg_risk = market.neg_risk
        self.last_trade_units = market.last_trade_price_units
        self._sizes: dict[BookSide, dict[int, int]] = {BookSide.BID: dict(bids), BookSide.ASK: dict(asks)}
        self._prices: dict[BookSide, list[int]] = {side: sorted(self._sizes[side]) for side in BookSide}
        # (side, price) -> the level's JSON in the first token's book and in the second token's
        self._fragments: dict[tuple[BookSide, int], tuple[str, str]] = {}

    def refresh(self, market: Market) -> None:
        """Take the settings a snapshot shows (minimum size, neg risk) from the market."""
        self.min_size_units = market.min_size_units
        self.neg_risk = market.neg_risk

    # ---------------------------------------------------------------- changes

    def set_level(self, book_side: BookSide, price_units: int, size_units: int) -> None:
        """A level now holds `size_units` (0: gone)."""
        sizes, prices = self._sizes[book_side], self._prices[book_side]
        self._fragments.pop((book_side, price_units), None)
        if size_units:
            if price_units not in sizes:
                bisect.insort(prices, price_units)
            sizes[price_units] = size_units
        elif price_units in sizes:
            del sizes[price_units]
            del prices[bisect.bisect_left(prices, price_units)]

    # ---------------------------------------------------------------- reads

    def token_index(self, token_id: str) -> int:
        """0 for the first outcome token, 1 for the second."""
        return 0 if token_id == self.token_ids[0] else 1

    def best(self, token_index: int) -> tuple[int | None, int | None]:
        """(best bid, best ask) of one token, in its own terms."""
        bids, asks = self._prices[BookSide.BID], self._prices[BookSide.ASK]
        bid = bids[-1] if bids else None
        ask = asks[0] if asks else None
        if token_index == 0:
            return bid, ask
        return (None if ask is None else UNIT - ask), (None if bid is None else UNIT - bid)

    def depth(self, token_index: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(bids, asks) of one token as (price, size) in its own terms, each best first."""
        bid_sizes, ask_sizes = self._sizes[BookSide.BID], self._sizes[BookSide.ASK]
        bids = [(p, bid_sizes[p]) for p in reversed(self._prices[BookSide.BID])]
        asks = [(p, ask_sizes[p]) for p in self._prices[BookSide.ASK]]
        if token_index == 0:
            return bids, asks
        return [(UNIT - p, s) for p, s in asks], [(UNIT - p, s) for p, s in bids]

    def last_trade_price(self, token_index: int) -> str:
        """The last trade price in the token's own terms, as GET /book shows it."""
        last = self.last_trade_units
        if last is None:
            return NO_LAST_TRADE
        return decimal(last if token_index == 0 else UNIT - last)

    def levels_json(self, token_index: int) -> tuple[str, str]:
        """(bids, asks) JSON arrays of one token's book, best LAST (bids ascending, asks descending)."""
        bid_prices, ask_prices = self._prices[BookSide.BID], self._prices[BookSide.ASK]
        if token_index == 0:
            bids = [self._fragment(BookSide.BID, p)[0] for p in bid_prices]
            asks = [self._fragment(BookSide.ASK, p)[0] for p in reversed(ask_prices)]
        else:
            # the second token bids 1 - p against first-token asks: ascending in its terms is descending p
            bids = [self._fragment(BookSide.ASK, p)[1] for p in reversed(ask_prices)]
            asks = [self._fragment(BookSide.BID, p)[1] for p in bid_prices]
        return "[" + ",".join(bids) + "]", "[" + ",".join(asks) + "]"

    def summary_json(self, token_index: int, now_ms: int, book_hash: str = "") -> str:
        """GET /book's OrderBookSummary as compact JSON, in the key order its hash is computed over."""
        bids, asks = self.levels_json(token_index)
        return self._summary(token_index, now_ms, bids, asks, book_hash)

    def book_hash(self, token_index: int, now_ms: int) -> str:
        """The reference's book hash: sha1 of the summary's compact JSON with "hash" empty."""
        return _sha1(self.summary_json(token_index, now_ms))

    def book_event(self, token_index: int, now_ms: int) -> str:
        """A `book` event (full snapshot, levels best last) as JSON text."""
        bids, asks = self.levels_json(token_index)
        book_hash = _sha1(self._summary(token_index, now_ms, bids, asks, ""))
        return (
            f'{{"event_type":"book","market":"{self.condition_id}","asset_id":"{self.token_ids[token_index]}",'
            f'"timestamp":"{now_ms}","hash":"{book_hash}","bids":{bids},"asks":{asks},'
            f'"tick_size":"{decimal(self.tick_units)}","last_trade_price":"{self.last_trade_price(token_index)}"}}'
        )

    # ---------------------------------------------------------------- helpers

    def _summary(self, token_index: int, now_ms: int, bids: str, asks: str, book_hash: str) -> str:
        # Ids are hex and decimal digits and the amounts are decimal strings: nothing here needs escaping,
        # and the text is byte for byte what msgspec writes for GET /book's dict (a unit test holds it to that).
        return (
            f'{{"market":"{self.condition_id}","asset_id":"{self.token_ids[token_index]}","timestamp":"{now_ms}",'
            f'"hash":"{book_hash}","bids":{bids},"asks":{asks},"min_order_size":"{decimal(self.min_size_units)}",'
            f'"tick_size":"{decimal(self.tick_units)}","neg_risk":{"true" if self.neg_risk else "false"},'
            f'"last_trade_price":"{self.last_trade_price(token_index)}"}}'
        )

    def _fragment(self, book_side: BookSide, price_units: int) -> tuple[str, str]:
        key = (book_side, price_units)
        fragment = self._fragments.get(key)
        if fragment is None:
            size = decimal(self._sizes[book_side][price_units])
            fragment = (
                f'{{"price":"{decimal(price_units)}","size":"{size}"}}',
                f'{{"price":"{decimal(UNIT - price_units)}","size":"{size}"}}',
            )
            self._fragments[key] = fragment
        return fragment


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
