"""A neg-risk event of three outcomes under random splits, merges, trades and conversions.

The check is written from the adapter's rule, not from the core's bookkeeping: exactly one outcome wins, so for
every outcome w the exchange must be able to pay everything held if w wins, and no more. Whatever w is, the
collateral held plus every YES share of w plus every NO share of the other outcomes (free, reserved by orders,
or held back by the settlement lag) must equal the collateral deposited, to the unit. Each conversion must pay
exactly (k - 1) * amount collateral and move exactly the shares the adapter moves. Then a random outcome wins:
exactly its YES (and the other outcomes' NO) is redeemable, each holder's redemption pays what that sum said
they held for that winner, once, and a second redemption pays nothing.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from openclob.core import (
    COLLATERAL,
    FEE_ACCOUNT,
    UNIT,
    AdvanceTime,
    ConfigureSettlement,
    ConvertPositions,
    CreateEvent,
    CreateMarket,
    Deposit,
    Exchange,
    Merge,
    OrderPlaced,
    PlaceOrder,
    ProceedsAvailableAt,
    Redeem,
    Redeemed,
    Rejected,
    ResolveMarket,
    Side,
    Split,
)
from openclob.core.results import Converted

EVENT = "1"
OUTCOMES = tuple(("0x" + f"{i:02x}" * 32, (str(1000 + 2 * i), str(1001 + 2 * i))) for i in range(3))
USERS = tuple("0x" + f"{i:02x}" * 20 for i in (0xA1, 0xB2, 0xC3))
DEPOSIT = 1_000 * UNIT
START_MS = 1_700_000_000_000


class NegRiskEvent(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.exchange = Exchange()
        self.now_ms = START_MS
        self.orders = 0
        self.deposited = 0

    def apply(self, command: object) -> object:
        return self.exchange.apply(command).result  # type: ignore[arg-type]

    def held(self, address: str, asset: str) -> int:
        free, reserved = self.exchange.balance(address, asset)
        return free + reserved + self.exchange.pending_of(address, asset)

    def addresses(self) -> list[str]:
        return [*USERS, FEE_ACCOUNT]

    def value_if(self, address: str, winner: int) -> int:
        """What `address` would hold in collateral once outcome `winner` won and everything was redeemed."""
        tokens = [yes if i == winner else no for i, (_, (yes, no)) in enumerate(OUTCOMES)]
        return self.held(address, COLLATERAL) + sum(self.held(address, token) for token in tokens)

    @initialize(lag=st.booleans())
    def list_and_fund(self, lag: bool) -> None:
        markets = tuple(CreateMarket(now_ms=0, condition_id=c, token_ids=t) for c, t in OUTCOMES)
        listing = CreateEvent(now_ms=self.now_ms, event_id=EVENT, title="t", slug="t", neg_risk=True, markets=markets)
        assert not isinstance(self.apply(listing), Rejected)
        if lag:
            proceeds = ProceedsAvailableAt.MINED
            self.apply(ConfigureSettlement(now_ms=self.now_ms, delay_ms=5_000, proceeds_available_at=proceeds))
        for address in USERS:
            self.apply(Deposit(now_ms=self.now_ms, address=address, amount=DEPOSIT))
            self.deposited += DEPOSIT
            for condition_id, _ in OUTCOMES:
                self.apply(Split(now_ms=self.now_ms, address=address, condition_id=condition_id, amount=100 * UNIT))

    @rule(user=st.integers(0, 2), outcome=st.integers(0, 2), amount=st.integers(1, 300), merge=st.booleans())
    def split_or_merge(self, user: int, outcome: int, amount: int, merge: bool) -> None:
        kind = Merge if merge else Split
        self.apply(
            kind(now_ms=self.now_ms, address=USERS[user], condition_id=OUTCOMES[outcome][0], amount=amount * UNIT)
        )

    @rule(
        user=st.integers(0, 2),
        outcome=st.integers(0, 2),
        token=st.integers(0, 1),
        side=st.sampled_from(Side),
        cents=st.integers(1, 99),
        shares=st.integers(5, 200),
    )
    def trade(self, user: int, outcome: int, token: int, side: Side, cents: int, shares: int) -> None:
        price, size = cents * 10_000, shares * UNIT
        collateral = size * price // UNIT
        maker, taker = (collateral, size) if side is Side.BUY else (size, collateral)
        self.orders += 1
        order = PlaceOrder(
            now_ms=self.now_ms,
            order_id=f"0x{self.orders:064x}",
            owner=f"key-{user}",
            maker=USERS[user],
            signer=USERS[user],
            token_id=OUTCOMES[outcome][1][token],
            side=side,
            maker_amount=maker,
            taker_amount=taker,
        )
        result = self.apply(order)
        assert isinstance(result, OrderPlaced | Rejected)

    @rule(user=st.integers(0, 2), index_set=st.integers(1, 7), amount=st.integers(1, 100))
    def convert(self, user: int, index_set: int, amount: int) -> None:
        address = USERS[user]
        before = {asset: self.exchange.balance(address, asset)[0] for asset in self._assets()}
        command = ConvertPositions(
            now_ms=self.now_ms, address=address, event_id=EVENT, index_set=index_set, amount=amount * UNIT
        )
        result = self.apply(command)
        if isinstance(result, Rejected):
            assert all(self.exchange.balance(address, a)[0] == before[a] for a in before)
            event("conversion refused")
            return
        event(f"converted {bin(index_set).count('1')} of 3")
        chosen = [index_set >> i & 1 for i in range(3)]
        assert result == Converted(collateral_units=(sum(chosen) - 1) * amount * UNIT)
        after = {asset: self.exchange.balance(address, asset)[0] for asset in self._assets()}
        assert after[COLLATERAL] - before[COLLATERAL] == (sum(chosen) - 1) * amount * UNIT
        for i, (_, (yes, no)) in enumerate(OUTCOMES):
            assert after[no] - before[no] == (-amount * UNIT if chosen[i] else 0)
            assert after[yes] - before[yes] == (0 if chosen[i] else amount * UNIT)

    @rule(delta_ms=st.sampled_from([1, 1_000, 5_000, 10_000]))
    def advance_time(self, delta_ms: int) -> None:
        self.now_ms += delta_ms
        self.apply(AdvanceTime(now_ms=self.now_ms))

    def _assets(self) -> list[str]:
        return [COLLATERAL, *(token for _, tokens in OUTCOMES for token in tokens)]

    @invariant()
    def every_winner_is_paid_exactly_by_what_is_deposited(self) -> None:
        for winner in range(3):
            assert sum(self.value_if(a, winner) for a in self.addresses()) == self.deposited
        self.exchange.check_invariants()

    def teardown(self) -> None:
        """Resolve a winner (seeded by the state), redeem everyone twice, and check the payouts."""
        winner = int(self.exchange.state_hash(), 16) % 3
        values = {address: self.value_if(address, winner) for address in self.addresses()}
        condition_id, (yes, _) = OUTCOMES[winner]
        self.now_ms += 20_000
        resolve = ResolveMarket(now_ms=self.now_ms, condition_id=condition_id, winning_token_id=yes, redeem_now=False)
        assert not isinstance(self.apply(resolve), Rejected)
        self.apply(AdvanceTime(now_ms=self.now_ms))  # (held-back proceeds land)
        for i, (other, (other_yes, other_no)) in enumerate(OUTCOMES):
            assert self.exchange.markets[other].winning_token_id == (other_yes if i == winner else other_no)
        for address in self.addresses():
            for market, _ in OUTCOMES:
                assert isinstance(
                    self.apply(Redeem(now_ms=self.now_ms, address=address, condition_id=market)), Redeemed
                )
                assert self.apply(Redeem(now_ms=self.now_ms, address=address, condition_id=market)) == Redeemed(0)
            assert self.exchange.balance(address, COLLATERAL) == (values[address], 0)
            assert all(self.held(address, token) == 0 for token in self._assets()[1:])
        self.exchange.check_invariants()


TestNegRiskEvent = NegRiskEvent.TestCase
TestNegRiskEvent.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
