"""The market channel: core events of durable batches rendered as Polymarket's market events.

Each command's events become, in engine order: `last_trade_price` per maker fill of a trade, one
`price_change` per command and market with an entry per level touched for BOTH tokens (the second
token's book is the mirror of the first's), `tick_size_change`, and for sockets with custom features
`best_bid_ask` (when a token's best bid or ask moved), `market_resolved` and `new_market`. A market that
traded in the batch gets a `book` snapshot of both tokens after its batch's other events.

Choices where the reference is silent:
- price_change entries carry the token's best bid and ask and book hash after the whole command; an
  empty side shows best bid "0" / best ask "1", and the hash is GET /book's hash at the event's timestamp.
- last_trade_price is sent for both tokens (the complement at 1 - p with the opposite side), one per
  maker fill, so its last value always equals GET /last-trade-price.
- new_market waits for the market's words (question, slug), which are stored in a later batch.
- `id` of new_market and market_resolved is the condition id (openclob has no numeric market ids).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import NamedTuple

import msgspec

from openclob.core import (
    UNIT,
    BookLevelChanged,
    BookSide,
    Event,
    Exchange,
    MarketListed,
    MarketResolved,
    MarketUpdated,
    Side,
    TickSizeChanged,
    Trade,
)
from openclob.store.base import Journalled
from openclob.store.records import MarketInfoRecord
from openclob.wire import decimal
from openclob.ws.book import BookView

FIRST, SECOND, BOTH = 0, 1, 2
"""Which of a market's tokens a message is for: subscribers of that token (or of either) get it."""

EMPTY_BID, EMPTY_ASK = "0", "1"
"""best_bid / best_ask of an empty side."""

_encode = msgspec.json.Encoder().encode
_MARKET_EVENTS: frozenset[type] = frozenset({Trade, TickSizeChanged, MarketListed, MarketUpdated, MarketResolved})
"""The events besides book level changes that the market channel renders (the rest are skipped unread)."""


class MarketMessage(NamedTuple):
    """One rendered market-channel event and who may receive it."""

    condition_id: str
    scope: int
    """FIRST, SECOND or BOTH."""
    custom_only: bool
    """Only for sockets that enabled custom features."""
    text: str


class MarketOutput(NamedTuple):
    """A batch's market messages in engine order, and new_market announcements (for every custom socket)."""

    messages: list[MarketMessage]
    announcements: list[str]


class MarketFeed:
    """The published books of every market, and the renderer of market-channel events."""

    def __init__(self) -> None:
        self.views: dict[str, BookView] = {}
        self._unannounced: dict[str, int] = {}
        """Listed markets whose new_market waits for their words: condition id -> listing time."""

    def seed(self, exchange: Exchange) -> None:
        """Take every market's book from the exchange (at start, when no batch is in flight)."""
        self.views = {}
        for condition_id, market in exchange.markets.items():
            book = exchange.book(condition_id)
            self.views[condition_id] = BookView(market, book.depth(BookSide.BID), book.depth(BookSide.ASK))

    def view_of_token(self, token_id: str, exchange: Exchange) -> BookView | None:
        """The published book of the market that lists `token_id`."""
        market = exchange.market_for_token(token_id)
        return None if market is None else self.views.get(market.condition_id)

    def snapshot(self, view: BookView, token_id: str, now_ms: int) -> str:
        """A `book` event for one token of `view`, for a new subscriber."""
        return view.book_event(view.token_index(token_id), now_ms)

    def render(
        self,
        entries: list[Journalled],
        exchange: Exchange,
        infos: Mapping[str, MarketInfoRecord],
        watched: Container[str],
    ) -> MarketOutput:
        """Apply a durable batch to the published books; return the events of the `watched` markets.

        Every book is kept current, but only markets somebody follows are rendered: a price_change carries
        the book's hash, which costs a walk over the whole book, so unwatched markets must not pay for it.
        """
        output = MarketOutput([], [])
        self._announce(infos, output)
        traded: dict[str, int] = {}
        for entry in entries:
            now_ms = entry.command.now_ms
            pending: list[BookLevelChanged] = []
            for event in entry.events:
                if type(event) is BookLevelChanged:
                    pending.append(event)
                    continue
                if pending:
                    self._price_change(pending, now_ms, output, watched)
                    pending = []
                if type(event) in _MARKET_EVENTS:
                    self._event(event, now_ms, exchange, infos, output, traded)
            if pending:
                self._price_change(pending, now_ms, output, watched)
        output.messages[:] = [m for m in output.messages if m.condition_id in watched]
        for condition_id, now_ms in traded.items():
            if condition_id not in watched:
                continue
            view = self.views[condition_id]
            for index in (FIRST, SECOND):
                output.messages.append(MarketMessage(condition_id, index, False, view.book_event(index, now_ms)))
        return output

    # ---------------------------------------------------------------- events

    def _event(
        self,
        event: Event,
        now_ms: int,
        exchange: Exchange,
        infos: Mapping[str, MarketInfoRecord],
        output: MarketOutput,
        traded: dict[str, int],
    ) -> None:
        kind = type(event)
        if kind is Trade:
            assert isinstance(event, Trade)
            self._trade(event, now_ms, output)
            traded[event.condition_id] = now_ms
        elif kind is TickSizeChanged:
            assert isinstance(event, TickSizeChanged)
            self._tick(event, now_ms, output)
        elif kind is MarketListed:
            assert isinstance(event, MarketListed)
            market = exchange.markets[event.condition_id]
            self.views[event.condition_id] = BookView(market, [], [])
            self._unannounced[event.condition_id] = now_ms
            self._announce(infos, output)
        elif kind is MarketUpdated:
            assert isinstance(event, MarketUpdated)
            self.views[event.condition_id].refresh(exchange.markets[event.condition_id])
        elif kind is MarketResolved:
            assert isinstance(event, MarketResolved)
            self._resolved(event, now_ms, exchange, output)

    def _price_change(
        self, changes: list[BookLevelChanged], now_ms: int, output: MarketOutput, watched: Container[str]
    ) -> None:
        # One command's level changes, grouped by market (a command touches one market in practice).
        by_market: dict[str, list[BookLevelChanged]] = {}
        for change in changes:
            by_market.setdefault(change.condition_id, []).append(change)
        for condition_id, market_changes in by_market.items():
            view = self.views[condition_id]
            if condition_id not in watched:
                for change in market_changes:
                    view.set_level(change.book_side, change.price_units, change.size_units)
                continue
            before = (view.best(FIRST), view.best(SECOND))
            for change in market_changes:
                view.set_level(change.book_side, change.price_units, change.size_units)
            after = (view.best(FIRST), view.best(SECOND))
            tails = [_tail(view, index, after[index], now_ms) for index in (FIRST, SECOND)]
            entries: list[str] = []
            for change in market_changes:
                size = decimal(change.size_units)
                for index in (FIRST, SECOND):
                    token_id, side, price = change.for_token(index)
                    entries.append(
                        f'{{"asset_id":"{token_id}","price":"{decimal(price)}","size":"{size}",'
                        f'"side":"{side.value}",{tails[index]}}}'
                    )
            text = (
                f'{{"event_type":"price_change","market":"{condition_id}","timestamp":"{now_ms}",'
                f'"price_changes":[{",".join(entries)}]}}'
            )
            output.messages.append(MarketMessage(condition_id, BOTH, False, text))
            for index in (FIRST, SECOND):
                if before[index] != after[index]:
                    message = _best_bid_ask(view, index, after[index], now_ms)
                    output.messages.append(MarketMessage(condition_id, index, True, message))

    def _trade(self, trade: Trade, now_ms: int, output: MarketOutput) -> None:
        view = self.views[trade.condition_id]
        taker_index = view.token_index(trade.token_id)
        opposite = Side.SELL if trade.side is Side.BUY else Side.BUY
        for fill in trade.maker_fills:
            # the fill's price in first-token terms: the maker's own price, mirrored if it traded the other token
            first_price = fill.price_units if view.token_index(fill.token_id) == FIRST else UNIT - fill.price_units
            view.last_trade_units = first_price
            for index in (taker_index, 1 - taker_index):
                price = first_price if index == FIRST else UNIT - first_price
                side = trade.side if index == taker_index else opposite
                text = _encode(
                    {
                        "event_type": "last_trade_price",
                        "asset_id": view.token_ids[index],
                        "market": trade.condition_id,
                        "price": decimal(price),
                        "side": side.value,
                        "size": decimal(fill.matched_units),
                        "fee_rate_bps": str(trade.fee_rate_bps),
                        "timestamp": str(now_ms),
                    }
                ).decode()
                output.messages.append(MarketMessage(trade.condition_id, index, False, text))

    def _tick(self, event: TickSizeChanged, now_ms: int, output: MarketOutput) -> None:
        self.views[event.condition_id].tick_units = event.new_tick_units
        for index, token_id in enumerate(event.token_ids):
            text = _encode(
                {
                    "event_type": "tick_size_change",
                    "asset_id": token_id,
                    "market": event.condition_id,
                    "old_tick_size": decimal(event.old_tick_units),
                    "new_tick_size": decimal(event.new_tick_units),
                    "timestamp": str(now_ms),
                }
            ).decode()
            output.messages.append(MarketMessage(event.condition_id, index, False, text))

    def _resolved(self, event: MarketResolved, now_ms: int, exchange: Exchange, output: MarketOutput) -> None:
        market = exchange.markets[event.condition_id]
        text = _encode(
            {
                "event_type": "market_resolved",
                "id": event.condition_id,
                "market": event.condition_id,
                "assets_ids": list(market.token_ids),
                "winning_asset_id": event.winning_token_id,
                "winning_outcome": market.outcomes[market.token_index(event.winning_token_id)],
                "timestamp": str(now_ms),
                "tags": [],
            }
        ).decode()
        output.messages.append(MarketMessage(event.condition_id, BOTH, True, text))

    def _announce(self, infos: Mapping[str, MarketInfoRecord], output: MarketOutput) -> None:
        """Send new_market for listed markets whose words are now stored."""
        for condition_id in [c for c in self._unannounced if c in infos]:
            listed_ms = self._unannounced.pop(condition_id)
            view = self.views.get(condition_id)
            if view is not None:
                output.announcements.append(_new_market(view, infos[condition_id], listed_ms))

    def unannounced(self) -> list[str]:
        """Listed markets whose new_market still waits for their words."""
        return list(self._unannounced)


def _prices(best: tuple[int | None, int | None]) -> tuple[str, str]:
    bid, ask = best
    return (EMPTY_BID if bid is None else decimal(bid)), (EMPTY_ASK if ask is None else decimal(ask))


def _tail(view: BookView, index: int, best: tuple[int | None, int | None], now_ms: int) -> str:
    """The part of a price_change entry shared by every entry of one token: hash and best prices."""
    bid, ask = _prices(best)
    return f'"hash":"{view.book_hash(index, now_ms)}","best_bid":"{bid}","best_ask":"{ask}"'


def _best_bid_ask(view: BookView, index: int, best: tuple[int | None, int | None], now_ms: int) -> str:
    bid, ask = best
    bid_text, ask_text = _prices(best)
    spread = decimal((UNIT if ask is None else ask) - (0 if bid is None else bid))
    return _encode(
        {
            "event_type": "best_bid_ask",
            "market": view.condition_id,
            "asset_id": view.token_ids[index],
            "best_bid": bid_text,
            "best_ask": ask_text,
            "spread": spread,
            "timestamp": str(now_ms),
        }
    ).decode()


def _new_market(view: BookView, info: MarketInfoRecord, listed_ms: int) -> str:
    tokens = list(view.token_ids)
    return _encode(
        {
            "event_type": "new_market",
            "id": view.condition_id,
            "question": info.question,
            "market": view.condition_id,
            "slug": info.market_slug,
            "description": info.description,
            "assets_ids": tokens,
            "outcomes": list(view.outcomes),
            "event_message": {"id": "", "ticker": "", "slug": "", "title": "", "description": ""},
            "timestamp": str(listed_ms),
            "tags": [],
            "condition_id": view.condition_id,
            "active": True,
            "clob_token_ids": tokens,
            "order_price_min_tick_size": decimal(view.tick_units),
        }
    ).decode()
