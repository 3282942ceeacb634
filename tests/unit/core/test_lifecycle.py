"""core/lifecycle.py: events, neg-risk conversion, closing at end dates, resolution and redemption."""

from __future__ import annotations

from openclob.core import (
    COLLATERAL,
    UNIT,
    AdvanceTime,
    CancelReason,
    ConvertPositions,
    CreateEvent,
    CreateMarket,
    Deposit,
    Exchange,
    MarketClosed,
    OrderCanceled,
    PositionsConverted,
    PositionsRedeemed,
    Redeem,
    Redeemed,
    Reject,
    ResolveMarket,
    Side,
    Split,
    UpdateMarket,
)
from openclob.core.results import Converted
from openclob.core.snapshot import decode_state, export_state, restore
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, YES, limit_order, refused

EVENT = "7"
OUTCOMES = [("0x" + f"{i:02x}" * 32, (f"{i}01", f"{i}02")) for i in (0xE1, 0xE2, 0xE3)]


def _event(neg_risk: bool = True, end_ms: int | None = None) -> CreateEvent:
    return CreateEvent(
        now_ms=0,
        event_id=EVENT,
        title="Who wins?",
        slug="who-wins",
        neg_risk=neg_risk,
        neg_risk_market_id="0x" + "ab" * 31 + "00",
        markets=tuple(CreateMarket(now_ms=0, condition_id=c, token_ids=t, end_ms=end_ms) for c, t in OUTCOMES),
    )


def _funded_event(amount: int = 100 * UNIT) -> Exchange:
    exchange = Exchange()
    assert exchange.apply(_event()).events
    exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=3 * amount))
    for condition_id, _ in OUTCOMES:
        exchange.apply(Split(now_ms=0, address=ALICE.address, condition_id=condition_id, amount=amount))
    return exchange


def _yes(i: int) -> str:
    return OUTCOMES[i][1][0]


def _no(i: int) -> str:
    return OUTCOMES[i][1][1]


def test_an_event_lists_its_markets_with_its_id_and_neg_risk() -> None:
    exchange = Exchange()
    exchange.apply(_event())
    group = exchange.events[EVENT]
    assert group.condition_ids == tuple(c for c, _ in OUTCOMES)
    for condition_id, _ in OUTCOMES:
        market = exchange.markets[condition_id]
        assert (market.event_id, market.neg_risk) == (EVENT, True)
        assert exchange.event_of(market) is group


def test_an_event_with_a_bad_outcome_lists_nothing() -> None:
    exchange = Exchange()
    bad = _event()
    markets = (*bad.markets[:2], CreateMarket(now_ms=0, condition_id=OUTCOMES[2][0], token_ids=OUTCOMES[0][1]))
    reject = refused(exchange.apply(CreateEvent(**{**_fields(bad), "markets": markets})))
    assert reject.reject is Reject.INVALID_EVENT_DEFINITION
    assert reject.message == "invalid event: outcome 2: a token id is already listed"
    assert exchange.markets == {} and exchange.events == {}


def test_an_event_has_at_most_64_outcomes() -> None:
    markets = tuple(
        CreateMarket(now_ms=0, condition_id=f"0x{i:064x}", token_ids=(str(2 * i + 1), str(2 * i + 2)))
        for i in range(65)
    )
    exchange = Exchange()
    reject = refused(exchange.apply(CreateEvent(**{**_fields(_event()), "markets": markets})))
    assert reject.message == "invalid event: an event has 1 to 64 outcomes"
    assert exchange.apply(CreateEvent(**{**_fields(_event()), "markets": markets[:64]})).events
    convert = ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=2**64, amount=UNIT)
    assert refused(exchange.apply(convert)).reject is Reject.INVALID_INDEX_SET


def _fields(cmd: CreateEvent) -> dict[str, object]:
    return {name: getattr(cmd, name) for name in cmd.__struct_fields__}


def test_converting_two_of_three_no_positions_pays_one_unit_and_the_third_yes() -> None:
    exchange = _funded_event()
    applied = exchange.apply(
        ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b011, amount=10 * UNIT)
    )
    assert applied.result == Converted(collateral_units=10 * UNIT)
    assert exchange.balance(ALICE.address, _no(0)) == (90 * UNIT, 0)
    assert exchange.balance(ALICE.address, _no(1)) == (90 * UNIT, 0)
    assert exchange.balance(ALICE.address, _yes(2)) == (110 * UNIT, 0)
    assert exchange.balance(ALICE.address, COLLATERAL) == (10 * UNIT, 0)
    assert any(isinstance(e, PositionsConverted) for e in applied.events)
    assert exchange.events[EVENT].converted_units == 10 * UNIT
    exchange.check_invariants()


def test_converting_one_no_position_gives_the_other_yes_and_no_collateral() -> None:
    exchange = _funded_event()
    applied = exchange.apply(
        ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b100, amount=UNIT)
    )
    assert applied.result == Converted(collateral_units=0)
    assert exchange.balance(ALICE.address, _yes(0)) == (101 * UNIT, 0)
    assert exchange.balance(ALICE.address, _yes(1)) == (101 * UNIT, 0)
    exchange.check_invariants()


def test_no_shares_reserved_by_an_open_order_do_not_convert() -> None:
    exchange = _funded_event()
    assert exchange.apply(limit_order(ALICE, _no(0), Side.SELL, "0.60", "95")).events
    convert = ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b011, amount=10 * UNIT)
    assert refused(exchange.apply(convert)).reject is Reject.NOT_ENOUGH_BALANCE
    ok = ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b011, amount=5 * UNIT)
    assert exchange.apply(ok).result == Converted(collateral_units=5 * UNIT)
    exchange.check_invariants()


def test_conversion_refusals() -> None:
    exchange = _funded_event()

    def convert(event_id: str = EVENT, index_set: int = 0b011, amount: int = UNIT) -> str:
        cmd = ConvertPositions(now_ms=0, address=ALICE.address, event_id=event_id, index_set=index_set, amount=amount)
        return refused(exchange.apply(cmd)).message

    assert convert(event_id="8") == "event not found"
    assert convert(index_set=0) == (
        "invalid index_set 0: a non-empty set of the event's 3 outcomes, bit i for outcome i"
    )
    assert convert(index_set=0b1000).startswith("invalid index_set 8:")
    assert convert(amount=0) == "invalid amount: the amount must be positive"
    plain = Exchange()
    plain.apply(CreateEvent(**{**_fields(_event(neg_risk=False)), "event_id": "9"}))
    cmd = ConvertPositions(now_ms=0, address=ALICE.address, event_id="9", index_set=1, amount=UNIT)
    assert refused(plain.apply(cmd)).message == "event 9 is not neg-risk: its positions do not convert"


def test_a_yes_resolution_resolves_the_other_outcomes_no_and_only_its_yes_pays() -> None:
    exchange = _funded_event()
    exchange.apply(ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b011, amount=UNIT))
    winner = OUTCOMES[1][0]
    exchange.apply(ResolveMarket(now_ms=0, condition_id=winner, winning_token_id=_yes(1), redeem_now=False))
    assert [exchange.markets[c].winning_token_id for c, _ in OUTCOMES] == [_no(0), _yes(1), _no(2)]
    assert exchange.balance(ALICE.address, _yes(1)) == (100 * UNIT, 0)  # redeemable, not paid yet
    exchange.check_invariants()
    assert exchange.redeemable(ALICE.address, winner) == (100 * UNIT, 99 * UNIT)
    before = exchange.balance(ALICE.address, COLLATERAL)[0]
    applied = exchange.apply(Redeem(now_ms=0, address=ALICE.address, condition_id=winner))
    assert applied.result == Redeemed(payout_units=100 * UNIT)
    assert next(e for e in applied.events if isinstance(e, PositionsRedeemed)).losing_units == 99 * UNIT
    assert exchange.balance(ALICE.address, COLLATERAL)[0] == before + 100 * UNIT
    assert exchange.apply(Redeem(now_ms=0, address=ALICE.address, condition_id=winner)).result == Redeemed(0)
    exchange.check_invariants()
    cmd = ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b011, amount=UNIT)
    assert refused(exchange.apply(cmd)).reject is Reject.EVENT_RESOLVED


def test_the_last_open_outcome_of_a_neg_risk_event_cannot_lose() -> None:
    exchange = _funded_event()
    for i in (0, 1):
        exchange.apply(ResolveMarket(now_ms=0, condition_id=OUTCOMES[i][0], winning_token_id=_no(i), redeem_now=False))
    last = ResolveMarket(now_ms=0, condition_id=OUTCOMES[2][0], winning_token_id=_no(2), redeem_now=False)
    assert refused(exchange.apply(last)).reject is Reject.NEG_RISK_NEEDS_WINNER
    exchange.check_invariants()


def test_redeeming_an_open_market_is_refused() -> None:
    exchange = _funded_event()
    reject = refused(exchange.apply(Redeem(now_ms=0, address=ALICE.address, condition_id=OUTCOMES[0][0])))
    assert reject.message == f"market {OUTCOMES[0][0]} is not resolved"


def test_a_market_closes_at_its_end_date_cancelling_its_orders_and_refusing_new_ones() -> None:
    exchange = Exchange()
    exchange.apply(CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=(YES, NO), end_ms=2_000_000))
    exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=100 * UNIT))
    assert exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")).events
    assert exchange.next_due_ms() == 2_000_000
    applied = exchange.apply(AdvanceTime(now_ms=2_000_000))
    canceled = [e for e in applied.events if isinstance(e, OrderCanceled)]
    assert [e.reason for e in canceled] == [CancelReason.MARKET_CLOSED]
    assert MarketClosed(condition_id=CONDITION) in applied.events
    market = exchange.markets[CONDITION]
    assert (market.closed, market.accepting_orders) == (True, False)
    assert exchange.balance(ALICE.address, COLLATERAL) == (100 * UNIT, 0)
    late = limit_order(ALICE, YES, Side.BUY, "0.40", "10", now_ms=2_000_001)
    assert refused(exchange.apply(late)).message == "the market is not yet ready to process new orders"
    reopen = UpdateMarket(now_ms=2_000_001, condition_id=CONDITION, accepting_orders=True)
    assert refused(exchange.apply(reopen)).message == "invalid market: the market is closed"
    exchange.check_invariants()


def test_an_order_after_the_end_date_closes_the_market_first_even_without_a_time_advance() -> None:
    exchange = Exchange()
    exchange.apply(CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=(YES, NO), end_ms=2_000_000))
    exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=100 * UNIT))
    late = limit_order(ALICE, YES, Side.BUY, "0.40", "10", now_ms=2_000_000)
    assert refused(exchange.apply(late)).reject is Reject.MARKET_NOT_READY
    assert exchange.markets[CONDITION].closed


def test_a_market_listed_to_stay_open_past_its_end_date_does_not_close() -> None:
    exchange = Exchange()
    exchange.apply(
        CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=(YES, NO), end_ms=2_000_000, close_at_end=False)
    )
    exchange.apply(AdvanceTime(now_ms=3_000_000))
    assert not exchange.markets[CONDITION].closed
    exchange.apply(UpdateMarket(now_ms=3_000_000, condition_id=CONDITION, end_ms=4_000_000, close_at_end=True))
    exchange.apply(AdvanceTime(now_ms=4_000_000))
    assert exchange.markets[CONDITION].closed


def test_redeem_now_pays_every_holder_at_resolution() -> None:
    exchange = Exchange()
    exchange.apply(CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=(YES, NO)))
    for user in (ALICE, BOB):
        exchange.apply(Deposit(now_ms=0, address=user.address, amount=10 * UNIT))
        exchange.apply(Split(now_ms=0, address=user.address, condition_id=CONDITION, amount=4 * UNIT))
    applied = exchange.apply(ResolveMarket(now_ms=0, condition_id=CONDITION, winning_token_id=YES))
    assert len([e for e in applied.events if isinstance(e, PositionsRedeemed)]) == 2
    assert exchange.balance(BOB.address, COLLATERAL) == (10 * UNIT, 0)
    assert exchange.balance(BOB.address, YES) == (0, 0)
    exchange.check_invariants()


def test_a_snapshot_keeps_events_closings_and_conversions() -> None:
    exchange = _funded_event()
    exchange.apply(ConvertPositions(now_ms=0, address=ALICE.address, event_id=EVENT, index_set=0b110, amount=UNIT))
    exchange.apply(CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=(YES, NO), end_ms=5_000))
    copy = restore(decode_state(export_state(exchange)), {})
    assert copy.state_hash() == exchange.state_hash()
    copy.apply(AdvanceTime(now_ms=5_000))
    assert copy.markets[CONDITION].closed
    copy.check_invariants()
