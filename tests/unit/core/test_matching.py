"""Matching: one book for both tokens, the three match kinds, priority, prices, FOK/FAK, post-only, STP."""

from __future__ import annotations

from openclob.core import (
    COLLATERAL,
    UNIT,
    BookLevelChanged,
    BookSide,
    Exchange,
    OrderFilled,
    OrderStatus,
    OrderType,
    Reject,
    Side,
    Trade,
)
from tests.unit.core.conftest import ALICE, BOB, CAROL, CONDITION, NO, YES, limit_order, placed, raw_order, refused


def _trade(events: list[object]) -> Trade:
    trades = [e for e in events if isinstance(e, Trade)]
    assert len(trades) == 1
    return trades[0]


def _holdings(exchange: Exchange, address: str) -> tuple[int, int, int]:
    return tuple(sum(exchange.balance(address, asset)) for asset in (COLLATERAL, YES, NO))  # type: ignore[return-value]


def test_complementary_swap_moves_collateral_and_tokens_to_the_unit(exchange: Exchange) -> None:
    alice0, bob0 = _holdings(exchange, ALICE.address), _holdings(exchange, BOB.address)
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.60", "10")))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.60", "10"))
    assert placed(applied).status is OrderStatus.MATCHED
    trade = _trade(applied.events)
    assert trade.kind == "COMPLEMENTARY"
    assert (trade.size_units, trade.collateral_units) == (10 * UNIT, 6 * UNIT)
    assert _holdings(exchange, ALICE.address) == (alice0[0] + 6 * UNIT, alice0[1] - 10 * UNIT, alice0[2])
    assert _holdings(exchange, BOB.address) == (bob0[0] - 6 * UNIT, bob0[1] + 10 * UNIT, bob0[2])
    exchange.check_invariants()


def test_mint_matches_two_buys_of_both_tokens_when_prices_sum_to_at_least_one(exchange: Exchange) -> None:
    alice0, bob0 = _holdings(exchange, ALICE.address), _holdings(exchange, BOB.address)
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.55", "10")))
    applied = exchange.apply(limit_order(BOB, NO, Side.BUY, "0.50", "10"))
    result = placed(applied)
    trade = _trade(applied.events)
    assert trade.kind == "MINT"
    # the maker's price holds (0.55 for YES), the taker pays 0.45 a NO and keeps the surplus
    assert (result.making_units, result.taking_units) == (4_500_000, 10 * UNIT)
    assert trade.maker_fills[0].token_id == YES and trade.maker_fills[0].price_units == 550_000
    assert _holdings(exchange, ALICE.address) == (alice0[0] - 5_500_000, alice0[1] + 10 * UNIT, alice0[2])
    assert _holdings(exchange, BOB.address) == (bob0[0] - 4_500_000, bob0[1], bob0[2] + 10 * UNIT)
    exchange.check_invariants()


def test_buys_of_both_tokens_summing_below_one_do_not_cross(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.55", "10")))
    assert placed(exchange.apply(limit_order(BOB, NO, Side.BUY, "0.44", "10"))).status is OrderStatus.LIVE
    book = exchange.book(CONDITION)
    assert book.depth(BookSide.BID) == [(550_000, 10 * UNIT)]
    assert book.depth(BookSide.ASK) == [(560_000, 10 * UNIT)]


def test_merge_matches_two_sells_when_prices_sum_to_at_most_one(exchange: Exchange) -> None:
    alice0, bob0 = _holdings(exchange, ALICE.address), _holdings(exchange, BOB.address)
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.40", "10")))
    applied = exchange.apply(limit_order(BOB, NO, Side.SELL, "0.55", "10"))
    trade = _trade(applied.events)
    assert trade.kind == "MERGE"
    # ALICE gets her 0.40; BOB gets the rest of the merged unit, 0.60, above his 0.55 limit
    assert _holdings(exchange, ALICE.address) == (alice0[0] + 4 * UNIT, alice0[1] - 10 * UNIT, alice0[2])
    assert _holdings(exchange, BOB.address) == (bob0[0] + 6 * UNIT, bob0[1], bob0[2] - 10 * UNIT)
    exchange.check_invariants()


def test_price_time_priority_best_price_first_then_oldest(exchange: Exchange) -> None:
    first = placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.60", "10")))
    second = placed(exchange.apply(limit_order(CAROL, YES, Side.SELL, "0.60", "10")))
    better = placed(exchange.apply(limit_order(CAROL, NO, Side.BUY, "0.41", "10")))  # an ask at 0.59
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.60", "15"))
    trade = _trade(applied.events)
    assert [(f.order_id, f.matched_units) for f in trade.maker_fills] == [
        (better.order_id, 10 * UNIT),
        (first.order_id, 5 * UNIT),
    ]
    # sweeping two levels: one trade id, the taker pays each maker's price
    assert trade.collateral_units == 5_900_000 + 3_000_000
    assert exchange.order(first.order_id) is not None and exchange.order(second.order_id) is not None
    assert exchange.book(CONDITION).depth(BookSide.ASK) == [(600_000, 15 * UNIT)]


def test_partial_fill_keeps_the_maker_live_and_releases_the_takers_price_improvement(exchange: Exchange) -> None:
    maker = placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "20")))
    taker = placed(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.70", "30")))
    assert taker.status is OrderStatus.LIVE and taker.matched_units == 20 * UNIT
    assert exchange.order(maker.order_id) is None  # all 20 of the maker's shares were used
    taker_order = exchange.order(taker.order_id)
    assert taker_order is not None
    # 10 shares still open at 0.70 keep 7 reserved; the 20 filled at 0.50 cost 10, not 14
    assert exchange.balance(BOB.address, COLLATERAL) == (800 * UNIT - 10 * UNIT - 7 * UNIT, 7 * UNIT)
    exchange.check_invariants()


def test_taker_order_events_report_fills_for_maker_and_taker_and_the_new_level(exchange: Exchange) -> None:
    maker = placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "20")))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.50", "5"))
    fills = [e for e in applied.events if isinstance(e, OrderFilled)]
    assert [(f.order_id, f.fill_units, f.matched_units, f.status) for f in fills] == [
        (maker.order_id, 5 * UNIT, 5 * UNIT, OrderStatus.LIVE),
        (placed(applied).order_id, 5 * UNIT, 5 * UNIT, OrderStatus.MATCHED),
    ]
    levels = [e for e in applied.events if isinstance(e, BookLevelChanged)]
    assert [(lv.book_side, lv.price_units, lv.size_units) for lv in levels] == [(BookSide.ASK, 500_000, 15 * UNIT)]
    assert levels[0].for_token(1) == (NO, Side.BUY, 500_000)


def test_fok_that_cannot_fill_whole_is_killed_and_changes_nothing(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "10")))
    before = exchange.state_hash()
    cmd = raw_order(BOB, YES, Side.BUY, 6_000_000, 12_000_000, order_type=OrderType.FOK)
    reject = refused(exchange.apply(cmd))
    assert reject.message == "order couldn't be fully filled. FOK orders are fully filled or killed."
    assert exchange.state_hash() == before


def test_fok_market_buy_fills_whole_at_better_prices_and_releases_the_rest(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "30")))
    # $10 at 0.51 as the client builds it: 10 / 0.51 = 19.6078 shares
    result = placed(exchange.apply(raw_order(BOB, YES, Side.BUY, 10_000_000, 19_607_800, order_type=OrderType.FOK)))
    assert result.status is OrderStatus.MATCHED
    assert result.taking_units == 19_600_000  # whole lots only
    assert result.making_units == 9_800_000
    assert exchange.balance(BOB.address, COLLATERAL) == (800 * UNIT - 9_800_000, 0)
    exchange.check_invariants()


def test_fak_fills_what_is_there_and_cancels_the_rest(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.45", "8")))
    applied = exchange.apply(raw_order(BOB, YES, Side.SELL, 20_000_000, 8_000_000, order_type=OrderType.FAK))
    result = placed(applied)
    assert (result.status, result.matched_units) == (OrderStatus.CANCELED, 8 * UNIT)
    assert result.wire_status == "matched"
    assert exchange.balance(BOB.address, YES) == (92 * UNIT, 0)
    assert exchange.book(CONDITION).depth(BookSide.BID) == []


def test_fak_with_nothing_to_match_is_refused(exchange: Exchange) -> None:
    reject = refused(exchange.apply(raw_order(BOB, YES, Side.SELL, 20_000_000, 8_000_000, order_type=OrderType.FAK)))
    assert reject.message == (
        "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
    )


def test_post_only_that_would_cross_is_refused_and_one_that_rests_is_accepted(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "10")))
    # SELL NO at 0.50 is a bid for YES at 0.50: it would cross the ask
    reject = refused(exchange.apply(limit_order(BOB, NO, Side.SELL, "0.50", "10", post_only=True)))
    assert reject.message == "invalid post-only order: order crosses book"
    rests = placed(exchange.apply(limit_order(BOB, NO, Side.SELL, "0.51", "10", post_only=True)))
    assert rests.status is OrderStatus.LIVE


def test_self_trade_is_skipped_and_the_resting_order_stays(exchange: Exchange) -> None:
    own = placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "10")))
    other = placed(exchange.apply(limit_order(BOB, YES, Side.SELL, "0.55", "10")))
    result = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.60", "15")))
    # matched BOB's 10 past her own ask; the 5 left would cross her own ask, so they are cancelled
    assert (result.matched_units, result.status) == (10 * UNIT, OrderStatus.CANCELED)
    assert exchange.order(own.order_id) is not None and exchange.order(other.order_id) is None
    exchange.check_invariants()


def test_an_order_that_would_only_cross_its_own_orders_is_refused(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "10")))
    cmd = limit_order(ALICE, YES, Side.BUY, "0.60", "10")
    assert refused(exchange.apply(cmd)).message == f"order {cmd.order_id} crosses the book"
    fok = raw_order(ALICE, YES, Side.BUY, 5_000_000, 10_000_000, order_type=OrderType.FOK)
    assert refused(exchange.apply(fok)).reject is Reject.FOK_NOT_FILLED


def test_mirror_book_second_token_orders_sit_in_first_token_terms(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, NO, Side.SELL, "0.30", "10")))  # a bid for YES at 0.70
    placed(exchange.apply(limit_order(ALICE, NO, Side.BUY, "0.20", "10")))  # an ask for YES at 0.80
    book = exchange.book(CONDITION)
    assert book.depth(BookSide.BID) == [(700_000, 10 * UNIT)]
    assert book.depth(BookSide.ASK) == [(800_000, 10 * UNIT)]
