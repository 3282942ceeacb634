"""Differential test: every generated command goes to the core exchange and to the naive model.

Three markets (tick 0.01 with the dynamic tick, tick 0.001, a 1% V1 fee market) and four users, the
last of whom signs for the first one's address. Orders come as py-clob-client builds them (limit:
2-decimal shares times an on-tick price; market BUY: 2-decimal collateral over a worst price, 4-decimal
shares), as valid orders near or against the book, and as raw amounts that reach every reject. The
settlement delay and the settlement lag are switched on and off along the way.

After each step the results must be equal, the books equal level by level, every balance and open
order equal, unsettled trades and held-back proceeds equal, and collateral and tokens conserved; the
core's own `check_invariants()` must pass. At the end of each run the recorded commands go through the
journal's JSON encoding and are replayed into a fresh exchange, which must reach the same `state_hash()`.

`OPENCLOB_HYPOTHESIS_EXAMPLES` (and `OPENCLOB_HYPOTHESIS_STEPS`) raise the run size for long local hunts.
"""

from __future__ import annotations

import os

import msgspec
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from openclob.core import (
    COLLATERAL,
    FEE_ACCOUNT,
    AdvanceTime,
    BookSide,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    Command,
    ConfigureSettlement,
    CreateMarket,
    Deposit,
    Exchange,
    Heartbeat,
    Merge,
    OrderPlaced,
    OrderType,
    PlaceOrder,
    ProceedsAvailableAt,
    Redeem,
    Rejected,
    ResolveMarket,
    Result,
    SetTradingMode,
    Side,
    Split,
    TradingMode,
    Withdraw,
)

from .model import ONE, Model, is_market_order

EXAMPLES = int(os.environ.get("OPENCLOB_HYPOTHESIS_EXAMPLES", "100"))
STEPS = int(os.environ.get("OPENCLOB_HYPOTHESIS_STEPS", "50"))

START_MS = 1_700_000_000_000
END_AFTER_MS = 1_800_000
"""The second market closes at its end date, this long after the start (some runs get there, most do not)."""
MARKETS = (
    # tick 0.01 with the dynamic tick, tick 0.001 with a 1-share minimum and an end date, and a V1 fee market.
    CreateMarket(now_ms=START_MS, condition_id="0x" + "a0" * 32, token_ids=("1001", "1002")),
    CreateMarket(
        now_ms=START_MS,
        condition_id="0x" + "b0" * 32,
        token_ids=("2001", "2002"),
        tick_units=1_000,
        min_size_units=ONE,
        end_ms=START_MS + END_AFTER_MS,
    ),
    CreateMarket(
        now_ms=START_MS,
        condition_id="0x" + "c0" * 32,
        token_ids=("3001", "3002"),
        fee_rate_bps=100,
        dynamic_tick=False,
    ),
)
UNKNOWN_CONDITION = "0x" + "ee" * 32
UNKNOWN_TOKEN = "9999"
# (owner api key, maker address); the last user signs for the first user's address.
USERS = (
    ("key-0", "0x" + "a1" * 20),
    ("key-1", "0x" + "b2" * 20),
    ("key-2", "0x" + "c3" * 20),
    ("key-3", "0x" + "a1" * 20),
)
PLACE_FIELDS = (
    "order_id",
    "owner",
    "maker",
    "signer",
    "token_id",
    "side",
    "maker_amount",
    "taker_amount",
    "expiration",
    "fee_rate_bps",
    "order_type",
    "post_only",
)
ADDRESSES = sorted({address for _, address in USERS})

users = st.integers(0, len(USERS) - 1)
markets = st.integers(0, len(MARKETS) - 1)
tokens = st.integers(0, 1)
sides = st.sampled_from(Side)
# Prices in 0.001 steps, mostly near the middle so that orders cross, sometimes at the edges
# (where the dynamic tick switches).
prices = st.one_of(
    st.integers(490, 510), st.integers(440, 560), st.integers(1, 60), st.integers(940, 999), st.integers(1, 999)
)
# Sizes in lots of 0.01 share, often right at a market's minimum (1 or 5 shares).
lots = st.one_of(st.integers(95, 105), st.integers(495, 505), st.integers(1, 4000))
book_lots = st.integers(500, 2_500)
cents = st.one_of(st.integers(1, 600), st.integers(1, 5000))
# How the order's price is placed against the tick: on it, or off by 0.0001 or 0.005.
tick_offsets = st.sampled_from([0] * 8 + [100, 5_000])
# The signed V1 rate: the market's, none (a V2 order, which pays the market's V2 fee as a taker), or wrong.
fee_choices = st.sampled_from(["market"] * 8 + ["none", "wrong"])
# Seconds from now to the signed expiration; below 60 is refused, exactly 60 is already due.
expiration_offsets = st.sampled_from([None] * 8 + [-1, 59, 60, 61, 62, 90, 120, 600])
gtd_offsets = st.sampled_from([60, 61, 62, 90, 120, 600, 3_600])
raw_amounts = st.one_of(
    st.integers(-1, 2),
    st.integers(0, 60_000_000),
    st.integers(0, 6_000).map(lambda n: n * 10_000),
    st.integers(0, 600_000).map(lambda n: n * 100),
)
limit_types = st.sampled_from([OrderType.GTC, OrderType.GTC, OrderType.GTD])
taker_types = st.sampled_from([OrderType.GTC, OrderType.GTC, OrderType.GTD, OrderType.FOK, OrderType.FAK])


def same_result(core: Result, model: Result) -> bool:
    """Results agree: the same rule for a reject (the model leaves messages empty), else equal values."""
    if isinstance(core, Rejected) and isinstance(model, Rejected):
        return core.reject is model.reject
    return core == model


def _describe(result: Result) -> str:
    """A short label for `--hypothesis-show-statistics`, to see what the runs reach."""
    if isinstance(result, Rejected):
        return f"rejected {result.reject.value}"
    if isinstance(result, OrderPlaced):
        return f"placed {result.status.value} {'with' if result.trade_ids else 'without'} a trade"
    return type(result).__name__


class ExchangeVersusModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.exchange = Exchange()
        self.model = Model()
        self.journal: list[Command] = []
        self.now_ms = START_MS
        self.order_count = 0
        self.sent_orders: list[PlaceOrder] = []
        self.mode_commands_left: int | None = None

    # ------------------------------------------------------------------ helpers

    def send(self, command: Command) -> Result:
        """Apply `command` to both sides and require the same result."""
        if self.mode_commands_left is not None and not isinstance(command, SetTradingMode):
            if self.mode_commands_left == 0:
                note("trading mode back to normal")
                self.mode_commands_left = None
                self.apply_both(SetTradingMode(now_ms=self.now_ms, mode=TradingMode.NORMAL))
            else:
                self.mode_commands_left -= 1
        return self.apply_both(command)

    def apply_both(self, command: Command) -> Result:
        self.journal.append(command)
        core = self.exchange.apply(command).result
        model = self.model.apply(command)
        assert same_result(core, model), f"{command}\n core: {core}\nmodel: {model}"
        event(_describe(core))
        return core

    def market_tick(self, market: int) -> int:
        return self.exchange.markets[MARKETS[market].condition_id].tick_units

    def token(self, market: int, token: int) -> str:
        return MARKETS[market].token_ids[token] if token < 2 else UNKNOWN_TOKEN

    def fee_rate(self, market: int, choice: str) -> int | None:
        fee_rate = MARKETS[market].fee_rate_bps
        return {"market": fee_rate, "none": None, "wrong": 100 - fee_rate}[choice]

    def expiration(self, offset: int | None) -> int:
        return 0 if offset is None else self.now_ms // 1000 + offset

    def price_units(self, market: int, price: int, offset: int) -> int:
        """A price of `price` thousandths on the market's current tick, moved off it by `offset`."""
        tick = self.market_tick(market)
        return max(0, min(ONE, (price * 1_000 + tick // 2) // tick * tick + offset))

    def place(
        self,
        user: int,
        market: int,
        token: int,
        side: Side,
        order_type: OrderType,
        price_units: int,
        size_lots: int,
        **fields: object,
    ) -> None:
        """Place an order with amounts built the way py-clob-client builds them (section 6.2).

        Limit: shares with 2 decimals, collateral = shares * price. Market BUY: collateral with 2
        decimals (`size_lots` read as cents), shares = collateral / price rounded down to 4 decimals.
        Market SELL: shares with 2 decimals, collateral = shares * price.
        """
        amount = size_lots * 10_000
        price_units = max(1, price_units)
        if side is Side.BUY and is_market_order(order_type):
            maker, taker = amount, amount * ONE // price_units // 100 * 100
        elif side is Side.BUY:
            maker, taker = amount * price_units // ONE, amount
        else:
            maker, taker = amount, amount * price_units // ONE
        self.place_raw_amounts(user, market, token, side, maker, taker, order_type=order_type, **fields)

    def place_raw_amounts(
        self, user: int, market: int, token: int, side: Side, maker: int, taker: int, **fields: object
    ) -> None:
        self.order_count += 1
        owner, address = USERS[user]
        command = PlaceOrder(
            now_ms=self.now_ms,
            order_id=f"0x{self.order_count:064x}",
            owner=owner,
            maker=address,
            signer=address,
            token_id=self.token(market, token),
            side=side,
            maker_amount=maker,
            taker_amount=taker,
            **fields,  # type: ignore[arg-type]
        )
        self.sent_orders.append(command)
        result = self.send(command)
        if isinstance(result, OrderPlaced):
            size = taker if side is Side.BUY else maker
            assert 0 <= result.matched_units <= size

    # ------------------------------------------------------------------ setup

    @initialize()
    def list_markets_and_fund_users(self) -> None:
        for command in MARKETS:
            self.send(command)
        for address in ADDRESSES:
            self.send(Deposit(now_ms=self.now_ms, address=address, amount=200 * ONE))
            for spec in MARKETS:
                self.send(Split(now_ms=self.now_ms, address=address, condition_id=spec.condition_id, amount=40 * ONE))
        # Seed every book with both sides, from three makers, so that takers find liquidity from the start.
        seed = (
            (0, 0, Side.BUY, 480_000),
            (1, 0, Side.SELL, 520_000),
            (2, 1, Side.BUY, 470_000),
            (0, 1, Side.SELL, 490_000),
        )
        for market in range(len(MARKETS)):
            for user, token, side, price in seed:
                fee_rate = self.fee_rate(market, "market")
                self.place(user, market, token, side, OrderType.GTC, price, 1_000, fee_rate_bps=fee_rate)

    # ------------------------------------------------------------------ orders

    @rule(
        user=users,
        market=markets,
        token=tokens,
        side=sides,
        order_type=limit_types,
        price=prices,
        size_lots=lots,
        offset=tick_offsets,
        post_only=st.sampled_from([False, False, True]),
        expiration=expiration_offsets,
        gtd_expiration=gtd_offsets,
        fee=fee_choices,
    )
    def place_limit(
        self,
        user: int,
        market: int,
        token: int,
        side: Side,
        order_type: OrderType,
        price: int,
        size_lots: int,
        offset: int,
        post_only: bool,
        expiration: int | None,
        gtd_expiration: int,
        fee: str,
    ) -> None:
        """A GTC/GTD limit order (a GTC may carry an expiration too), post-only at times."""
        if order_type is OrderType.GTD and expiration is None:
            expiration = gtd_expiration
        self.place(
            user,
            market,
            token,
            side,
            order_type,
            self.price_units(market, price, offset),
            size_lots,
            post_only=post_only,
            expiration=self.expiration(expiration),
            fee_rate_bps=self.fee_rate(market, fee),
        )

    @rule(
        user=users,
        market=markets,
        token=tokens,
        side=sides,
        order_type=limit_types,
        center=st.sampled_from([500_000] * 4 + [30_000, 970_000]),
        ticks_away=st.integers(-2, 6),
        size_lots=book_lots,
        gtd_expiration=gtd_offsets,
        v2=st.booleans(),
    )
    def provide_liquidity(
        self,
        user: int,
        market: int,
        token: int,
        side: Side,
        order_type: OrderType,
        center: int,
        ticks_away: int,
        size_lots: int,
        gtd_expiration: int,
        v2: bool,
    ) -> None:
        """A valid limit order (V1 or V2) `ticks_away` ticks on the passive side of `center` (negative: across it).

        A center of 0.03 or 0.97 takes what it crosses and may rest at an extreme price, where the
        dynamic tick switches to 0.001.
        """
        step = self.market_tick(market) * ticks_away
        price_units = center - step if side is Side.BUY else center + step
        expiration = self.expiration(gtd_expiration if order_type is OrderType.GTD else None)
        fee_rate = self.fee_rate(market, "none" if v2 else "market")
        self.place(
            user, market, token, side, order_type, price_units, size_lots, expiration=expiration, fee_rate_bps=fee_rate
        )

    @precondition(lambda self: self.model.resting)
    @rule(
        pick=st.integers(0, 10_000),
        user=users,
        token=tokens,
        order_type=taker_types,
        through_ticks=st.integers(-1, 4),
        size_lots=book_lots,
        gtd_expiration=gtd_offsets,
        v2=st.booleans(),
    )
    def take_liquidity(
        self,
        pick: int,
        user: int,
        token: int,
        order_type: OrderType,
        through_ticks: int,
        size_lots: int,
        gtd_expiration: int,
        v2: bool,
    ) -> None:
        """A valid order (V1 or V2) against a resting one's side at its best price, `through_ticks` further in."""
        resting = self.model.resting[pick % len(self.model.resting)]
        market = next(i for i, m in enumerate(MARKETS) if m.condition_id == resting.condition_id)
        # To take from the asks, buy the first token or sell the second; from the bids, the reverse.
        takes_asks = resting.book_side is BookSide.ASK
        side = Side.BUY if takes_asks == (token == 0) else Side.SELL
        best = self.model.depth(resting.condition_id, resting.book_side)[0][0]
        own_best = best if token == 0 else ONE - best
        step = self.market_tick(market) * through_ticks
        price_units = own_best + step if side is Side.BUY else own_best - step
        expiration = self.expiration(gtd_expiration if order_type is OrderType.GTD else None)
        if is_market_order(order_type) and side is Side.BUY:
            size_lots = size_lots * price_units // ONE  # the collateral to spend, in cents
        fee_rate = self.fee_rate(market, "none" if v2 else "market")
        self.place(
            user, market, token, side, order_type, price_units, size_lots, expiration=expiration, fee_rate_bps=fee_rate
        )

    @rule(
        user=users,
        market=markets,
        token=tokens,
        side=sides,
        order_type=st.sampled_from([OrderType.FOK, OrderType.FAK]),
        price=prices,
        amount_cents=cents,
        offset=tick_offsets,
        post_only=st.sampled_from([False] * 5 + [True]),
        expiration=st.sampled_from([None] * 5 + [0, 61]),
        fee=fee_choices,
        five_share_decimals=st.sampled_from([False] * 3 + [True]),
    )
    def place_market(
        self,
        user: int,
        market: int,
        token: int,
        side: Side,
        order_type: OrderType,
        price: int,
        amount_cents: int,
        offset: int,
        post_only: bool,
        expiration: int | None,
        fee: str,
        five_share_decimals: bool,
    ) -> None:
        """A FOK/FAK market order with a worst price; sometimes with 5-decimal shares (py-clob-client, tick 0.001)."""
        price_units = max(1, self.price_units(market, price, offset))
        fields: dict[str, object] = {
            "order_type": order_type,
            "post_only": post_only,
            "expiration": self.expiration(expiration),
            "fee_rate_bps": self.fee_rate(market, fee),
        }
        if side is Side.BUY and five_share_decimals:
            collateral = amount_cents * 10_000
            shares = collateral * ONE // price_units // 10 * 10
            self.place_raw_amounts(user, market, token, side, collateral, shares, **fields)
        else:
            self.place(
                user,
                market,
                token,
                side,
                order_type,
                price_units,
                amount_cents,
                **{k: v for k, v in fields.items() if k != "order_type"},
            )

    @rule(
        user=users,
        market=markets,
        token=st.sampled_from([0, 1, 0, 1, 2]),
        side=sides,
        maker=raw_amounts,
        taker=raw_amounts,
        order_type=st.sampled_from(OrderType),
        post_only=st.booleans(),
        expiration=expiration_offsets,
        fee=fee_choices,
    )
    def place_raw(
        self,
        user: int,
        market: int,
        token: int,
        side: Side,
        maker: int,
        taker: int,
        order_type: OrderType,
        post_only: bool,
        expiration: int | None,
        fee: str,
    ) -> None:
        """Any amounts at all (token 2 is an unknown token), to reach the rejects."""
        self.place_raw_amounts(
            user,
            market,
            token,
            side,
            maker,
            taker,
            order_type=order_type,
            post_only=post_only,
            expiration=self.expiration(expiration),
            fee_rate_bps=self.fee_rate(market, fee),
        )

    @precondition(lambda self: self.sent_orders)
    @rule(pick=st.integers(0, 10_000), same_time=st.booleans())
    def resend_order(self, pick: int, same_time: bool) -> None:
        """The same signed order again: same id and amounts, now or (if still possible) at its first time."""
        command = self.sent_orders[pick % len(self.sent_orders)]
        if same_time and command.now_ms != self.now_ms:
            return
        self.send(PlaceOrder(**{name: getattr(command, name) for name in PLACE_FIELDS}, now_ms=self.now_ms))

    # ------------------------------------------------------------------ cancels

    @rule(
        user=users,
        kind=st.sampled_from(["ids", "ids", "all", "market"]),
        picks=st.lists(st.integers(-1, 10_000), max_size=4),
        market=st.sampled_from([None, -1, 0, 1, 2]),
        token=st.sampled_from([None, -1, (0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]),
    )
    def cancel(
        self, user: int, kind: str, picks: list[int], market: int | None, token: tuple[int, int] | int | None
    ) -> None:
        """Cancel sent orders by id (anyone's; -1 is an unknown id), all, or by market and/or asset."""
        owner = USERS[user][0]
        if kind == "ids":
            ids = []
            for pick in picks:
                if pick < 0 or not self.sent_orders:
                    ids.append("0x" + "ff" * 32)
                else:
                    ids.append(self.sent_orders[pick % len(self.sent_orders)].order_id)
            self.send(CancelOrders(now_ms=self.now_ms, owner=owner, order_ids=tuple(ids)))
        elif kind == "all":
            self.send(CancelAll(now_ms=self.now_ms, owner=owner))
        else:
            # Every None combination, and unknown markets and tokens.
            condition_id = None
            if market is not None:
                condition_id = UNKNOWN_CONDITION if market < 0 else MARKETS[market].condition_id
            token_id = None
            if isinstance(token, tuple):
                token_id = self.token(*token)
            elif token is not None:
                token_id = UNKNOWN_TOKEN
            self.send(CancelMarketOrders(now_ms=self.now_ms, owner=owner, condition_id=condition_id, token_id=token_id))

    # ------------------------------------------------------------------ time, money, modes

    @rule(
        delta_ms=st.one_of(
            st.sampled_from([0, 1, 999, 1_000, 30_000, 59_000, 60_000, 61_000, 3_600_000]), st.integers(0, 200_000)
        ),
        command=st.booleans(),
    )
    def advance_time(self, delta_ms: int, command: bool) -> None:
        """Let time pass, with an AdvanceTime command or silently until the next command."""
        self.now_ms += delta_ms
        if command:
            self.send(AdvanceTime(now_ms=self.now_ms))

    @rule(
        user=users,
        kind=st.sampled_from(["deposit", "withdraw", "split", "merge"]),
        market=st.sampled_from([-1, 0, 1, 2]),
        amount=st.one_of(st.integers(-1, 1), st.integers(1, 300).map(lambda n: n * ONE), st.integers(1, 300_000_000)),
    )
    def move_money(self, user: int, kind: str, market: int, amount: int) -> None:
        """Deposit or withdraw collateral, or split collateral into pairs or merge them back (market -1 is unknown)."""
        address, now_ms = USERS[user][1], self.now_ms
        condition_id = UNKNOWN_CONDITION if market < 0 else MARKETS[market].condition_id
        command: Command
        if kind == "deposit":
            command = Deposit(now_ms=now_ms, address=address, amount=amount)
        elif kind == "withdraw":
            command = Withdraw(now_ms=now_ms, address=address, amount=amount)
        elif kind == "split":
            command = Split(now_ms=now_ms, address=address, condition_id=condition_id, amount=amount)
        else:
            command = Merge(now_ms=now_ms, address=address, condition_id=condition_id, amount=amount)
        self.send(command)

    @rule(user=users, timeout_ms=st.sampled_from([0, 1, 1_000, 10_000, 60_000, 600_000]))
    def heartbeat(self, user: int, timeout_ms: int) -> None:
        """Arm (or re-arm) the owner's dead man's switch: miss the deadline and its orders are cancelled."""
        self.send(Heartbeat(now_ms=self.now_ms, owner=USERS[user][0], timeout_ms=timeout_ms))

    @rule(
        delay_ms=st.sampled_from([0, 0, 1, 1_000, 60_000, -1]),
        proceeds=st.sampled_from([ProceedsAvailableAt.MATCHED, ProceedsAvailableAt.MINED]),
    )
    def configure_settlement(self, delay_ms: int, proceeds: ProceedsAvailableAt) -> None:
        """Change the settlement delay and whether proceeds wait for MINED (a negative delay is refused)."""
        self.send(ConfigureSettlement(now_ms=self.now_ms, delay_ms=delay_ms, proceeds_available_at=proceeds))

    @rule(mode=st.sampled_from(TradingMode), commands=st.integers(0, 4))
    def set_trading_mode(self, mode: TradingMode, commands: int) -> None:
        """Switch mode; a mode other than NORMAL lasts `commands` more commands, then NORMAL returns."""
        self.send(SetTradingMode(now_ms=self.now_ms, mode=mode))
        self.mode_commands_left = None if mode is TradingMode.NORMAL else commands

    @rule(market=markets, winner=tokens, go=st.sampled_from([False] * 39 + [True]), redeem_now=st.booleans())
    def resolve_market(self, market: int, winner: int, go: bool, redeem_now: bool) -> None:
        """Rarely, so that most runs keep all three markets trading; paying at once or leaving it to `Redeem`."""
        if go:
            condition_id, token_id = MARKETS[market].condition_id, self.token(market, winner)
            self.send(
                ResolveMarket(
                    now_ms=self.now_ms, condition_id=condition_id, winning_token_id=token_id, redeem_now=redeem_now
                )
            )

    @rule(user=users, market=st.sampled_from([-1, 0, 1, 2]))
    def redeem(self, user: int, market: int) -> None:
        """Redeem an address's tokens of a market (refused unless resolved; market -1 is unknown)."""
        condition_id = UNKNOWN_CONDITION if market < 0 else MARKETS[market].condition_id
        self.send(Redeem(now_ms=self.now_ms, address=USERS[user][1], condition_id=condition_id))

    # ------------------------------------------------------------------ invariants

    @invariant()
    def books_match_level_by_level(self) -> None:
        for market in MARKETS:
            book = self.exchange.book(market.condition_id)
            for book_side in (BookSide.BID, BookSide.ASK):
                core, model = book.depth(book_side), self.model.depth(market.condition_id, book_side)
                assert core == model, f"{market.condition_id} {book_side.value}\n core: {core}\nmodel: {model}"
            bids, asks = book.depth(BookSide.BID), book.depth(BookSide.ASK)
            assert not (bids and asks and bids[0][0] >= asks[0][0]), f"book crossed: {bids[:1]} {asks[:1]}"
            for order in book.orders():
                assert 0 <= order.matched_units < order.size_units, order

    @invariant()
    def ticks_match(self) -> None:
        for market in MARKETS:
            model_market = self.model.market(market.condition_id)
            assert model_market is not None
            core = self.exchange.markets[market.condition_id].tick_units
            assert core == model_market.tick, f"{market.condition_id} tick: core {core}, model {model_market.tick}"

    @invariant()
    def open_orders_match(self) -> None:
        for owner, _ in USERS:
            core = [
                (o.order_id, o.matched_units, o.size_units, o.reserved_units) for o in self.exchange.open_orders(owner)
            ]
            model = [(o.order_id, o.matched, o.size, o.reserved) for o in self.model.open_orders(owner)]
            assert core == model, f"{owner}\n core: {core}\nmodel: {model}"

    @invariant()
    def heartbeats_match(self) -> None:
        core = {owner: self.exchange.heartbeat_deadline(owner) for owner, _ in USERS}
        model = {owner: self.model.heartbeat_deadlines.get(owner) for owner, _ in USERS}
        assert core == model, f"\n core: {core}\nmodel: {model}"

    @invariant()
    def balances_match(self) -> None:
        ledger = self.exchange.ledger
        core = {(address, asset): (free, held) for address, asset, free, held in ledger.items()}
        model = self.model.nonzero_balances()
        differ = {
            key: (core.get(key), model.get(key))
            for key in core.keys() | model.keys()
            if core.get(key) != model.get(key)
        }
        assert not differ, f"(address, asset): (core, model) {differ}"
        assert all(free >= 0 and held >= 0 for free, held in core.values()), core
        flows = (ledger.deposited_units, ledger.withdrawn_units)
        assert flows == (self.model.deposited, self.model.withdrawn), flows

    @invariant()
    def settlement_matches(self) -> None:
        core = [(trade_id, status) for trade_id, status in self.exchange.unsettled_trades()]
        model = [(trade.trade_id, trade.status) for trade in self.model.unsettled]
        assert core == model, f"unsettled trades\n core: {core}\nmodel: {model}"
        core_pending = {(address, asset): amount for address, asset, amount in self.exchange.pending()}
        assert core_pending == self.model.pending(), f"pending\n core: {core_pending}\nmodel: {self.model.pending()}"

    @invariant()
    def collateral_and_tokens_are_conserved(self) -> None:
        ledger = self.exchange.ledger
        pending: dict[str, int] = {}
        for _, asset, amount in self.exchange.pending():
            pending[asset] = pending.get(asset, 0) + amount
        outstanding_pairs = 0
        for market in MARKETS:
            first, second = (ledger.total(token) + pending.get(token, 0) for token in market.token_ids)
            winner = self.exchange.markets[market.condition_id].winning_token_id
            if winner is None:
                assert first == second, f"{market.condition_id} supply {first} != {second}"
                outstanding_pairs += first
            else:  # what is left to redeem: one unit per winning token
                outstanding_pairs += ledger.total(winner) + pending.get(winner, 0)
        net = ledger.deposited_units - ledger.withdrawn_units
        held = ledger.total(COLLATERAL) + pending.get(COLLATERAL, 0)
        assert net == held + outstanding_pairs, f"collateral: {net} != {held} + {outstanding_pairs} pairs"
        assert ledger.free(FEE_ACCOUNT, COLLATERAL) >= 0

    @invariant()
    def markets_close_and_resolve_alike(self) -> None:
        for spec in MARKETS:
            core, model = self.exchange.markets[spec.condition_id], self.model.market(spec.condition_id)
            assert model is not None
            assert (core.closed, core.accepting_orders, core.winning_token_id) == (
                model.closed,
                model.accepting,
                model.winner,
            )

    @invariant()
    def core_invariants_hold(self) -> None:
        self.exchange.check_invariants()

    def teardown(self) -> None:
        # Deterministic replay, through the journal's JSON encoding: the same commands in the same
        # order give the same state.
        journal = msgspec.json.decode(msgspec.json.encode(self.journal), type=list[Command])
        assert journal == self.journal
        replayed = Exchange()
        for command in journal:
            replayed.apply(command)
        assert replayed.state_hash() == self.exchange.state_hash()


ExchangeVersusModel.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
TestExchangeVersusModel = ExchangeVersusModel.TestCase
