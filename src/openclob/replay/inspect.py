"""`openclob inspect`: rebuild the exchange from a store's journal up to a sequence and print its state.

The whole journal is replayed from its start (snapshots are a shortcut to the latest state only), so any
earlier sequence can be reached: the state hash printed is the one the live server had once it had applied
that journal entry, and the books are what a bot saw then. It only reads the store.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from openclob.core import UNIT, BookSide, Exchange
from openclob.core.amounts import format_units
from openclob.store.base import Store


def rebuild(store: Store, at: int | None) -> tuple[Exchange, int]:
    """The exchange after the journal entries up to `at` (all when None), and the last sequence applied."""
    exchange, sequence = Exchange(), 0
    for entry in store.journal():
        if at is not None and entry.sequence > at:
            break
        exchange.apply(entry.command)
        sequence = entry.sequence
    return exchange, sequence


def describe(exchange: Exchange, sequence: int) -> Iterator[str]:
    """The lines `inspect` prints: the sequence, the state hash, and each market's two books, best first."""
    yield f"sequence: {sequence}"
    yield f"state_hash: {exchange.state_hash()}"
    for condition_id, market in exchange.markets.items():
        book = exchange.book(condition_id)
        bids, asks = book.depth(BookSide.BID), book.depth(BookSide.ASK)
        status = (
            "resolved" if market.winning_token_id else ("accepting orders" if market.accepting_orders else "paused")
        )
        yield (
            f"market {condition_id} (tick {format_units(market.tick_units)}, "
            f"min size {format_units(market.min_size_units)}, {status})"
        )
        mirrored_bids = [(UNIT - price, size) for price, size in asks]
        mirrored_asks = [(UNIT - price, size) for price, size in bids]
        for index, (token_bids, token_asks) in enumerate(((bids, asks), (mirrored_bids, mirrored_asks))):
            yield f"  token {market.token_ids[index]} ({market.outcomes[index]})"
            yield f"    bids: {_levels(token_bids)}"
            yield f"    asks: {_levels(token_asks)}"


def _levels(levels: list[tuple[int, int]]) -> str:
    return ", ".join(f"{format_units(size)} @ {format_units(price)}" for price, size in levels) or "-"


def inspect_main(db_url: str | None, data_dir: Path, at: int | None) -> int:
    """Run `openclob inspect`; return the exit status."""
    from openclob.cli import _one_line, redact_url
    from openclob.store import StoreError, open_store

    shown = redact_url(db_url) if db_url else str(data_dir / "openclob.db")
    if not db_url and not (data_dir / "openclob.db").exists():
        print(f"openclob: no database at {shown}", file=sys.stderr)
        return 1
    try:
        store = open_store(db_url, data_dir)
        try:
            last = store.last_sequence()
            if at is not None and at > last:
                print(f"openclob: the journal of {shown} ends at sequence {last}", file=sys.stderr)
                return 1
            exchange, sequence = rebuild(store, at)
        finally:
            store.close()
    except (StoreError, ValueError, OSError) as error:
        print(f"openclob: cannot read the database {shown}: {_one_line(error, db_url)}", file=sys.stderr)
        return 1
    for line in describe(exchange, sequence):
        print(line)
    return 0
