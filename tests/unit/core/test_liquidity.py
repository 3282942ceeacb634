"""Liquidity accounts (SetLiquidity) driven by a recorded book: levels set, consumed, crossed and funded."""

from __future__ import annotations

import random

from openclob.core import COLLATERAL, UNIT, BookSide, Exchange, OrderStatus, SetLiquidity, Side, Trade
from openclob.replay.driver import RecordedBook
from openclob.replay.recording import BookMessage, LevelChanges
from tests.unit.core.conftest import ALICE, CONDITION, NO, YES, limit_order, new_exchange, placed, units

ACCOUNT = "0x" + "11" * 20


def _book(exchange: Exchange) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    book = exchange.book(CONDITION)
    return book.depth(BookSide.BID), book.depth(BookSide.ASK)


def _levels(*pairs: tuple[str, str]) -> tuple[tuple[int, int], ...]:
    return tuple((units(price), units(size)) for price, size in pairs)


def _apply(exchange: Exchange, recorded: RecordedBook, message: BookMessage | LevelChanges) -> None:
    recorded.add(message)
    for command in recorded.commands():
        exchange.apply(command)
    assert exchange.problems() == []


def test_a_recorded_snapshot_rests_at_the_recorded_levels_funded_by_deposits(exchange: Exchange) -> None:
    recorded = RecordedBook(CONDITION, ACCOUNT, (YES, NO))
    bids, asks = _levels(("0.48", "10"), ("0.49", "20")), _levels(("0.53", "5"), ("0.52", "7.5"))
    _apply(exchange, recorded, BookMessage(1, None, YES, bids, asks))
    assert _book(exchange) == (
        [(units("0.49"), 20 * UNIT), (units("0.48"), 10 * UNIT)],
        [(units("0.52"), units("7.5")), (units("0.53"), 5 * UNIT)],
    )
    # bids buy YES, asks buy NO: only collateral, exactly what they cost, all of it reserved
    free, reserved = exchange.balance(ACCOUNT, COLLATERAL)
    assert (free, reserved) == (0, units("14.6") + units("3.6") + units("2.35"))


def test_the_second_tokens_mirrored_messages_change_nothing_more(exchange: Exchange) -> None:
    recorded = RecordedBook(CONDITION, ACCOUNT, (YES, NO))
    _apply(exchange, recorded, BookMessage(1, None, YES, _levels(("0.40", "10")), _levels(("0.60", "10"))))
    before = exchange.state_hash()
    recorded.add(BookMessage(2, None, NO, _levels(("0.40", "10")), _levels(("0.60", "10"))))
    recorded.add(LevelChanges(3, None, ((NO, True, units("0.40"), 10 * UNIT),)))
    assert recorded.commands() == []
    assert exchange.state_hash() == before


def test_a_level_a_bot_consumed_stays_consumed_until_the_recording_changes_it(exchange: Exchange) -> None:
    recorded = RecordedBook(CONDITION, ACCOUNT, (YES, NO))
    _apply(exchange, recorded, BookMessage(1, None, YES, (), _levels(("0.52", "10"), ("0.55", "10"))))
    applied = exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.52", "6"))
    assert placed(applied).status is OrderStatus.MATCHED
    trade = next(e for e in applied.events if isinstance(e, Trade))
    assert trade.maker_fills[0].price_units == units("0.48")  # the ask at 0.52 is a BUY of NO at 0.48 (a MINT)
    assert trade.collateral_units == 6 * units("0.52")
    # another level changes, and the same level is recorded again at its old size: it stays consumed
    _apply(exchange, recorded, LevelChanges(2, None, ((YES, False, units("0.55"), 3 * UNIT),)))
    _apply(exchange, recorded, BookMessage(3, None, YES, (), _levels(("0.52", "10"), ("0.55", "3"))))
    assert _book(exchange)[1] == [(units("0.52"), 4 * UNIT), (units("0.55"), 3 * UNIT)]
    # the recording changes it: back to what it records
    _apply(exchange, recorded, LevelChanges(4, None, ((YES, False, units("0.52"), 12 * UNIT),)))
    assert _book(exchange)[1] == [(units("0.52"), 12 * UNIT), (units("0.55"), 3 * UNIT)]


def test_a_new_level_cancels_the_accounts_own_levels_it_would_cross(exchange: Exchange) -> None:
    recorded = RecordedBook(CONDITION, ACCOUNT, (YES, NO))
    _apply(exchange, recorded, BookMessage(1, None, YES, _levels(("0.50", "10")), _levels(("0.52", "10"))))
    _apply(exchange, recorded, LevelChanges(2, None, ((YES, True, units("0.53"), 5 * UNIT),)))
    assert _book(exchange) == ([(units("0.53"), 5 * UNIT), (units("0.50"), 10 * UNIT)], [])


def test_levels_below_the_minimum_rest_and_sizes_are_floored_to_whole_lots(exchange: Exchange) -> None:
    command = SetLiquidity(
        now_ms=1, address=ACCOUNT, condition_id=CONDITION, levels=((True, units("0.40"), units("0.5")),)
    )
    exchange.apply(command)
    assert _book(exchange)[0] == [(units("0.40"), units("0.5"))]
    recorded = RecordedBook(CONDITION, ACCOUNT, (YES, NO))
    _apply(exchange, recorded, BookMessage(1, None, YES, ((units("0.40"), units("1.234567")),), ()))
    assert _book(exchange)[0] == [(units("0.40"), units("1.23"))]


def test_merging_messages_into_one_command_gives_the_book_of_one_command_a_message() -> None:
    draw = random.Random(3)
    messages: list[BookMessage | LevelChanges] = [
        BookMessage(1, None, YES, _levels(("0.40", "10"), ("0.45", "5")), _levels(("0.55", "7"), ("0.60", "9")))
    ]
    for number in range(2, 200):
        is_bid = draw.random() < 0.5
        cents = draw.randint(30, 49) if is_bid else draw.randint(51, 70)
        size = 0 if draw.random() < 0.3 else draw.randint(1, 900) * 10_000
        token = draw.choice((YES, NO))
        price = cents * 10_000 if token == YES else UNIT - cents * 10_000
        messages.append(LevelChanges(number, None, ((token, is_bid == (token == YES), price, size),)))
    one_each, merged = new_exchange(), new_exchange()
    each_book, merged_book = RecordedBook(CONDITION, ACCOUNT, (YES, NO)), RecordedBook(CONDITION, ACCOUNT, (YES, NO))
    for message in messages:
        _apply(one_each, each_book, message)
        merged_book.add(message)
    for command in merged_book.commands():
        merged.apply(command)
    assert _book(merged) == _book(one_each)
    assert _book(merged)[0] and _book(merged)[1]
