"""api/portfolio.py: average cost and realized PnL folded from an address's activity."""

from __future__ import annotations

from openclob.api.portfolio import holdings
from openclob.core import UNIT
from openclob.store.records import ActivityRecord

MARKET, YES, NO = "0x" + "c1" * 32, "11", "22"
_sequence = iter(range(1, 1_000))


def _row(kind: str, size: int, usdc: int, token: str = "", side: str = "") -> ActivityRecord:
    return ActivityRecord(
        address="0x" + "a1" * 20, sequence=next(_sequence), item=0, type=kind, condition_id=MARKET, token_id=token,
        side=side, size_units=size, usdc_units=usdc, price_units=0, taker=True, trade_id="", transaction_hash="",
        at_ms=0,
    )  # fmt: skip


def _tokens(condition_id: str) -> tuple[str, ...] | None:
    return (YES, NO) if condition_id == MARKET else None


def test_buys_average_their_cost_and_a_sale_realizes_against_it() -> None:
    rows = [
        _row("TRADE", 10 * UNIT, 6 * UNIT, YES, "BUY"),  # 10 at 0.60
        _row("TRADE", 10 * UNIT, 8 * UNIT, YES, "BUY"),  # 10 at 0.80: 20 at 0.70
        _row("TRADE", 5 * UNIT, 4_500_000, YES, "SELL"),  # 5 at 0.90: realizes 5 x 0.20
    ]
    (yes,) = holdings(rows, _tokens).values()
    assert (yes.size_units, yes.cost_units, yes.bought_units) == (15 * UNIT, 10_500_000, 20 * UNIT)
    assert (yes.realized_units, yes.sold_cost_units) == (UNIT, 3_500_000)


def test_a_split_buys_both_tokens_at_half_and_a_merge_sells_them_back_at_no_gain() -> None:
    rows = [_row("SPLIT", 3, 3), _row("MERGE", 3, 3)]  # odd units: the first token's cost takes the odd one
    found = holdings(rows, _tokens)
    assert [(h.token_id, h.bought_units, h.realized_units, h.size_units) for h in found.values()] == [
        (YES, 3, 0, 0),
        (NO, 3, 0, 0),
    ]
    (yes, no) = holdings([_row("SPLIT", 3, 3)], _tokens).values()
    assert (yes.cost_units, no.cost_units) == (2, 1)


def test_selling_more_than_the_history_holds_costs_only_what_it_holds() -> None:
    rows = [_row("TRADE", 5 * UNIT, 2 * UNIT, NO, "BUY"), _row("TRADE", 8 * UNIT, 4 * UNIT, NO, "SELL")]
    (no,) = holdings(rows, _tokens).values()
    assert (no.size_units, no.cost_units, no.realized_units) == (0, 0, 2 * UNIT)


def test_a_split_in_a_market_no_longer_known_is_skipped() -> None:
    other = _row("SPLIT", UNIT, UNIT)
    other.condition_id = "0x" + "c2" * 32
    assert holdings([other], _tokens) == {}


def _moved(kind: str, size: int, usdc: int, ins: list[str], outs: tuple[str, ...] = ()) -> ActivityRecord:
    record = _row(kind, size, usdc)
    record.token_ids_in, record.token_ids_out = ins, list(outs)
    return record


def test_a_redemption_sells_the_winners_at_one_and_the_losers_at_nothing() -> None:
    rows = [
        _row("TRADE", 10 * UNIT, 6 * UNIT, YES, "BUY"),
        _row("TRADE", 4 * UNIT, 1_600_000, NO, "BUY"),
        _moved("REDEEM", 14 * UNIT, 10 * UNIT, [YES, NO]),  # 10 YES pay 10, 4 NO are burned
    ]
    yes, no = holdings(rows, _tokens).values()
    assert (yes.size_units, yes.cost_units, yes.realized_units) == (0, 0, 4 * UNIT)
    assert (no.size_units, no.cost_units, no.realized_units) == (0, 0, -1_600_000)


def test_a_conversion_carries_the_no_shares_cost_beyond_its_collateral_to_the_yes_shares() -> None:
    no_a, no_b, yes_c = "31", "32", "33"
    dear = [_row("TRADE", 10 * UNIT, 7 * UNIT, no, "BUY") for no in (no_a, no_b)]  # 20 NO cost 14
    found = holdings([*dear, _moved("CONVERSION", 10 * UNIT, 10 * UNIT, [no_a, no_b], (yes_c,))], _tokens)
    assert [(h.size_units, h.cost_units, h.realized_units) for h in found.values()] == [
        (0, 0, 0),
        (0, 0, 0),
        (10 * UNIT, 4 * UNIT, 0),  # 14 cost - 10 collateral
    ]
    cheap = [_row("TRADE", 10 * UNIT, 3 * UNIT, no, "BUY") for no in (no_a, no_b)]  # 20 NO cost 6
    found = holdings([*cheap, _moved("CONVERSION", 10 * UNIT, 10 * UNIT, [no_a, no_b], (yes_c,))], _tokens)
    assert [(h.cost_units, h.realized_units) for h in found.values()] == [(0, 4 * UNIT), (0, 0), (0, 0)]
    every = holdings([*dear, _moved("CONVERSION", 10 * UNIT, 10 * UNIT, [no_a, no_b])], _tokens)
    assert [h.realized_units for h in every.values()] == [-4 * UNIT, 0]  # no YES received: 10 for what cost 14
