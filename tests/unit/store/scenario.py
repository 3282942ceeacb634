"""A real exchange driven by commands, its journal cut into store batches as the sequencer would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openclob.core import (
    UNIT,
    Applied,
    CancelOrders,
    Command,
    ConfigureSettlement,
    CreateMarket,
    Deposit,
    Exchange,
    OrderPlaced,
    OrderType,
    PlaceOrder,
    ResolveMarket,
    Side,
    Split,
)
from openclob.store import Batch, Journalled
from openclob.store.sql import SqlStore

MARKET, YES, NO = "0x" + "c1" * 32, "101", "102"
OTHER_MARKET, OTHER_YES, OTHER_NO = "0x" + "c2" * 32, "201", "202"


@dataclass(frozen=True)
class User:
    owner: str
    address: str


ALICE = User("key-alice", "0x" + "a1" * 20)
BOB = User("key-bob", "0x" + "b2" * 20)
CAROL = User("key-carol", "0x" + "c3" * 20)
DAVE = User("key-dave", "0x" + "d4" * 20)


def units(text: str) -> int:
    """ "0.55" -> 550_000, without floats."""
    whole, _, frac = text.partition(".")
    return int(whole) * UNIT + int((frac + "000000")[:6])


SETTLEMENT_DELAY_MS = 60_000


class Scenario:
    """Applies commands to a real `Exchange` and hands out what was applied since the last batch."""

    def __init__(self) -> None:
        self.exchange = Exchange()
        self.sequence = 0
        self.now_ms = 1_000
        self._pending: list[Journalled] = []
        self._order_count = 0

    def apply(self, command: Command) -> Applied:
        applied = self.exchange.apply(command)
        self.sequence += 1
        self._pending.append(Journalled(sequence=self.sequence, command=command, events=list(applied.events)))
        return applied

    def batch(self, **edge: object) -> Batch:
        """Everything applied since the last batch, plus the edge's own changes."""
        self.now_ms += 1
        entries, self._pending = self._pending, []
        fields: dict[str, object] = {"settlement_reference": f"0x{self.sequence:064x}", "written_at_ms": self.now_ms}
        fields.update(edge)
        return Batch(entries=entries, **fields)  # type: ignore[arg-type]

    def setup(self) -> None:
        """Two markets; ALICE, BOB, CAROL and DAVE funded with collateral and both tokens of each; trades stay
        MATCHED for `SETTLEMENT_DELAY_MS`."""
        self.apply(ConfigureSettlement(now_ms=0, delay_ms=SETTLEMENT_DELAY_MS))
        for condition_id, tokens in ((MARKET, (YES, NO)), (OTHER_MARKET, (OTHER_YES, OTHER_NO))):
            self.apply(CreateMarket(now_ms=0, condition_id=condition_id, token_ids=tokens, dynamic_tick=False))
        for user in (ALICE, BOB, CAROL, DAVE):
            self.apply(Deposit(now_ms=0, address=user.address, amount=10_000 * UNIT))
            for condition_id in (MARKET, OTHER_MARKET):
                self.apply(Split(now_ms=0, address=user.address, condition_id=condition_id, amount=1_000 * UNIT))

    def order(
        self, user: User, token: str, side: Side, price: str, size: str, order_type: OrderType = OrderType.GTC
    ) -> OrderPlaced:
        """Place a limit order (amounts as py-clob-client builds them); fail on a reject."""
        self.now_ms += 1
        self._order_count += 1
        shares = units(size)
        collateral = shares * units(price) // UNIT
        maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
        command = PlaceOrder(
            now_ms=self.now_ms,
            order_id=f"0x{self._order_count:064x}",
            owner=user.owner,
            maker=user.address,
            signer=user.address,
            token_id=token,
            side=side,
            maker_amount=maker,
            taker_amount=taker,
            order_type=order_type,
        )
        result = self.apply(command).result
        assert isinstance(result, OrderPlaced), result
        return result


@dataclass
class TradingDay:
    """The standard story, cut into batches; `ids` names its orders and trades."""

    scenario: Scenario
    batches: list[Batch]
    ids: dict[str, str]


def trading_day() -> TradingDay:
    """Resting orders on both tokens, a COMPLEMENTARY match, a MINT, a cancel, a FAK, then resolution.

    Batch 2: CAROL buys 10 YES at 0.60 from ALICE (trade 1) and rests 5 more at 0.60.
    Batch 3: BOB buys 5 NO at 0.40 against CAROL's resting YES bid (trade 2, MINT); BOB cancels his
    NO bid from batch 2; ALICE offers 5 YES at 0.55.
    Batch 4: CAROL's FAK buys those 5 YES at 0.55 (trade 3) and its other 3 are killed; more orders rest.
    Batch 5: the market resolves to YES, cancelling ALICE's and BOB's orders in it.
    """
    s = Scenario()
    s.setup()
    batches = [s.batch()]
    ids: dict[str, str] = {}
    ids["alice_ask"] = s.order(ALICE, YES, Side.SELL, "0.60", "10").order_id
    ids["bob_no_bid"] = s.order(BOB, NO, Side.BUY, "0.30", "10").order_id
    carol = s.order(CAROL, YES, Side.BUY, "0.60", "15")
    ids["carol_bid"], ids["trade1"] = carol.order_id, carol.trade_ids[0]
    batches.append(s.batch())
    mint = s.order(BOB, NO, Side.BUY, "0.40", "5")
    ids["bob_mint"], ids["trade2"] = mint.order_id, mint.trade_ids[0]
    s.apply(CancelOrders(now_ms=s.now_ms, owner=BOB.owner, order_ids=(ids["bob_no_bid"],)))
    ids["alice_ask2"] = s.order(ALICE, YES, Side.SELL, "0.55", "5").order_id
    batches.append(s.batch())
    fak = s.order(CAROL, YES, Side.BUY, "0.70", "8", OrderType.FAK)
    ids["carol_fak"], ids["trade3"] = fak.order_id, fak.trade_ids[0]
    ids["alice_other"] = s.order(ALICE, OTHER_YES, Side.BUY, "0.20", "5").order_id
    ids["alice_low_bid"] = s.order(ALICE, YES, Side.BUY, "0.10", "5").order_id
    ids["bob_high_ask"] = s.order(BOB, NO, Side.SELL, "0.95", "5").order_id
    batches.append(s.batch())
    s.apply(ResolveMarket(now_ms=s.now_ms, condition_id=MARKET, winning_token_id=YES))
    batches.append(s.batch())
    return TradingDay(s, batches, ids)


def write_batch(store: SqlStore[Any], batch: Batch) -> None:
    """Write a batch as the sequencer does: the journal and edge rows, then the projection."""
    store.write(batch)
    store.write_projection(batch)
