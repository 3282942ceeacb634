"""core/funds.py: the supply bound on deposits (the other rules of funds are covered in test_ledger.py)."""

from __future__ import annotations

from openclob.core import UNIT, CreateMarket, Deposit, Exchange, Merge, Reject, Split, Withdraw
from openclob.core.bounds import MAX_SUPPLY_UNITS
from tests.unit.core.conftest import ALICE, BOB, CONDITION, refused

SUPPLY_MESSAGE = (
    "invalid amount: the collateral ever deposited would pass 4611686018427.387904, the most this exchange can hold"
)


def test_deposits_up_to_the_supply_bound_are_accepted_and_one_unit_more_is_refused() -> None:
    exchange = Exchange()
    assert exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=MAX_SUPPLY_UNITS - 1)).events
    assert exchange.apply(Deposit(now_ms=0, address=BOB.address, amount=1)).events
    before = exchange.state_hash()
    reject = refused(exchange.apply(Deposit(now_ms=0, address=BOB.address, amount=1)))
    assert (reject.reject, reject.message) == (Reject.SUPPLY_LIMIT, SUPPLY_MESSAGE)
    assert exchange.state_hash() == before
    assert exchange.ledger.deposited_units == MAX_SUPPLY_UNITS


def test_one_huge_deposit_is_refused_whole() -> None:
    exchange = Exchange()
    for amount in (MAX_SUPPLY_UNITS + 1, 2**63, 2**200):
        assert refused(exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=amount))).message == (
            SUPPLY_MESSAGE
        )
    assert exchange.ledger.deposited_units == 0
    assert exchange.balance(ALICE.address, "COLLATERAL") == (0, 0)


def test_the_bound_counts_collateral_ever_deposited_so_a_withdrawal_frees_no_room(exchange: Exchange) -> None:
    room = MAX_SUPPLY_UNITS - exchange.ledger.deposited_units
    assert exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=room)).events
    assert exchange.apply(Withdraw(now_ms=0, address=ALICE.address, amount=500 * UNIT)).events
    reject = refused(exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=1)))
    assert reject.reject is Reject.SUPPLY_LIMIT


def test_splits_and_merges_of_the_whole_supply_stay_within_it() -> None:
    exchange = Exchange()
    exchange.apply(CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=("1", "2")))
    exchange.apply(Deposit(now_ms=0, address=ALICE.address, amount=MAX_SUPPLY_UNITS))
    assert exchange.apply(
        Split(now_ms=0, address=ALICE.address, condition_id=CONDITION, amount=MAX_SUPPLY_UNITS)
    ).events
    assert exchange.balance(ALICE.address, "1") == (MAX_SUPPLY_UNITS, 0)
    over = Split(now_ms=0, address=ALICE.address, condition_id=CONDITION, amount=1)
    assert refused(exchange.apply(over)).reject is Reject.NOT_ENOUGH_BALANCE
    assert exchange.apply(
        Merge(now_ms=0, address=ALICE.address, condition_id=CONDITION, amount=MAX_SUPPLY_UNITS)
    ).events
    assert exchange.balance(ALICE.address, "COLLATERAL") == (MAX_SUPPLY_UNITS, 0)
    exchange.check_invariants()
