"""A deliberately naive reference model of the exchange, for the differential test.

Written from the core's documented rules, not from its code: every market's resting orders live in one
plain list that is filtered and sorted on each use, balances are a dict {(address, asset): [free,
reserved]}, unsettled trades a list scanned before every command, and nothing is indexed. It is slow and
obviously correct; `test_exchange_model.py` sends every command to it and to `openclob.core.Exchange` and
compares what comes back.

Only the core's value types are imported (commands, result classes, enums, names); none of its logic.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from openclob.core import (
    COLLATERAL,
    FEE_ACCOUNT,
    AdvanceTime,
    BookSide,
    CancelAll,
    Canceled,
    CancelMarketOrders,
    CancelOrders,
    Command,
    ConfigureSettlement,
    CreateMarket,
    Deposit,
    Done,
    Heartbeat,
    Merge,
    OrderPlaced,
    OrderStatus,
    OrderType,
    PlaceOrder,
    ProceedsAvailableAt,
    Redeem,
    Redeemed,
    Reject,
    Rejected,
    ResolveMarket,
    Result,
    SetTradingMode,
    Side,
    Split,
    TradeStatus,
    TradingMode,
    Withdraw,
)

ONE = 1_000_000  # one share, one collateral unit, a price of 1.0 (all amounts are 1e-6 units)
LOT = 10_000  # 0.01 share: every fill is whole lots
TICKS = (100_000, 10_000, 1_000, 100)
MAX_FEE_RATE_BPS = 1000
MAX_FEE_EXPONENT = 4
EXPIRY_MARGIN_S = 60
MAX_SETTLEMENT_DELAY_MS = 30 * 24 * 3_600_000


def is_market_order(order_type: OrderType) -> bool:
    """FOK and FAK orders never rest."""
    return order_type in (OrderType.FOK, OrderType.FAK)


def refuse(reject: Reject) -> Rejected:
    """A reject; the model leaves the message empty (the test compares the rule, not the wording)."""
    return Rejected(reject, "")


def decimals(amount: int) -> int:
    """How many decimals `amount` (in 1e-6 units) has when written in whole units."""
    for places in range(7):
        if amount % 10 ** (6 - places) == 0:
            return places
    raise AssertionError("unreachable")


def trade_id(count: int) -> str:
    """The count-th trade's id, shaped like a UUID."""
    return str(uuid.UUID(int=count))


def fee(side: Side, rate_bps: int, price: int, shares: int) -> int:
    """V1 fee, rounded down: BUY pays r*min(p,1-p)*s/p in tokens, SELL r*min(p,1-p)*s in collateral."""
    scaled = rate_bps * min(price, ONE - price) * shares
    if side is Side.BUY:
        return scaled // (10_000 * price)
    return scaled // (10_000 * ONE)


def v2_fee(rate_bps: int, exponent: int, fills: list[tuple[int, int]]) -> int:
    """V2 taker fee in collateral for [(shares, own price)]: r * sum(s * (p*(1-p))**e), rounded up once."""
    scaled = rate_bps * sum(shares * (price * (ONE - price)) ** exponent for shares, price in fills)
    return -(-scaled // (10_000 * ONE ** (2 * exponent)))


@dataclass
class ModelMarket:
    condition_id: str
    token_ids: tuple[str, str]
    tick: int
    listed_tick: int
    min_size: int
    fee_rate_bps: int
    fee_exponent: int
    dynamic_tick: bool
    accepting: bool = True
    winner: str | None = None
    last_trade: int | None = None  # first-token price
    end_ms: int | None = None  # closes then: its orders cancelled, no new ones
    closed: bool = False


@dataclass
class ModelOrder:
    order_id: str
    owner: str
    maker: str
    condition_id: str
    token_id: str
    token_index: int
    side: Side
    price: int  # in the order's own token
    size: int
    fee_rate_bps: int  # the signed V1 rate; 0 for a V2 order
    v2_fee_rate_bps: int  # what a V2 order pays when it takes: the market's rate; 0 for a V1 order
    arrival: int
    expires_at_ms: int | None
    matched: int = 0

    @property
    def remaining(self) -> int:
        return self.size - self.matched

    @property
    def book_side(self) -> BookSide:
        # BUY first / SELL second add to the bid for the first token; the other two to the ask.
        buys_first = (self.side is Side.BUY) == (self.token_index == 0)
        return BookSide.BID if buys_first else BookSide.ASK

    @property
    def book_price(self) -> int:
        return self.price if self.token_index == 0 else ONE - self.price

    @property
    def reserved_asset(self) -> str:
        return COLLATERAL if self.side is Side.BUY else self.token_id

    @property
    def reserved(self) -> int:
        """What a resting order holds: its remaining shares' cost (BUY) or the shares (SELL)."""
        return self.remaining * self.price // ONE if self.side is Side.BUY else self.remaining


@dataclass
class ModelTrade:
    """A trade not yet CONFIRMED, and what its fills delivered that waits for MINED (settlement lag only)."""

    trade_id: str
    matched_at_ms: int
    delay_ms: int
    status: TradeStatus = TradeStatus.MATCHED
    pending: dict[tuple[str, str], int] | None = None


class Model:
    """The whole exchange as lists and dicts."""

    def __init__(self) -> None:
        self.markets: list[ModelMarket] = []
        self.resting: list[ModelOrder] = []
        self.owner_of: dict[str, str] = {}  # every order id ever accepted -> its owner
        self.balances: dict[tuple[str, str], list[int]] = {}
        self.deposited = 0
        self.withdrawn = 0
        self.mode = TradingMode.NORMAL
        self.arrivals = 0
        self.trades = 0
        self.heartbeat_deadlines: dict[str, int] = {}  # owner -> when its orders go unless it beats again
        self.settlement_delay_ms = 0
        self.proceeds_at_mined = False
        self.unsettled: list[ModelTrade] = []  # in trade order

    # ------------------------------------------------------------------ the one verb

    def apply(self, cmd: Command) -> Result:
        """Expire what is due (orders, missed heartbeats), run the command, then let dynamic ticks follow the books."""
        for order in list(self.resting):
            if order.expires_at_ms is not None and order.expires_at_ms <= cmd.now_ms:
                self._cancel(order)
        for owner, deadline in list(self.heartbeat_deadlines.items()):
            if deadline <= cmd.now_ms:
                del self.heartbeat_deadlines[owner]
                for order in self.open_orders(owner):
                    self._cancel(order)
        for market in self.markets:
            if market.end_ms is not None and market.end_ms <= cmd.now_ms and not market.closed:
                self._close(market)
        # Settlement, on time advances only: MINED a delay after the match (releasing what the lag held back),
        # CONFIRMED a delay later.
        for trade in list(self.unsettled) if isinstance(cmd, AdvanceTime) else []:
            if trade.status is TradeStatus.MATCHED and trade.matched_at_ms + trade.delay_ms <= cmd.now_ms:
                trade.status = TradeStatus.MINED
                for (address, asset), amount in (trade.pending or {}).items():
                    self._entry(address, asset)[0] += amount
                trade.pending = None
            if trade.status is TradeStatus.MINED and trade.matched_at_ms + 2 * trade.delay_ms <= cmd.now_ms:
                self.unsettled.remove(trade)
        # The dynamic tick follows the books after the expiries and again after the command: an order is
        # checked against the tick its command's expiries leave.
        for market in self.markets:
            self._retick(market)
        result = self._run(cmd)
        for market in self.markets:
            self._retick(market)
        return result

    def _run(self, cmd: Command) -> Result:
        if isinstance(cmd, CreateMarket):
            return self._create_market(cmd)
        if isinstance(cmd, ResolveMarket):
            return self._resolve(cmd)
        if isinstance(cmd, Redeem):
            return self._redeem(cmd)
        if isinstance(cmd, PlaceOrder):
            return self._place(cmd)
        if isinstance(cmd, CancelOrders | CancelAll | CancelMarketOrders):
            if self.mode is TradingMode.DISABLED:
                return refuse(Reject.TRADING_DISABLED)
            return self._cancels(cmd)
        if isinstance(cmd, AdvanceTime):
            return Done()
        if isinstance(cmd, Heartbeat):
            self.heartbeat_deadlines[cmd.owner] = cmd.now_ms + cmd.timeout_ms
            return Done()
        if isinstance(cmd, Deposit):
            if cmd.amount <= 0:
                return refuse(Reject.INVALID_AMOUNT)
            self._entry(cmd.address, COLLATERAL)[0] += cmd.amount
            self.deposited += cmd.amount
            return Done()
        if isinstance(cmd, Withdraw):
            if cmd.amount <= 0:
                return refuse(Reject.INVALID_AMOUNT)
            if self.free(cmd.address, COLLATERAL) < cmd.amount:
                return refuse(Reject.NOT_ENOUGH_BALANCE)
            self._entry(cmd.address, COLLATERAL)[0] -= cmd.amount
            self.withdrawn += cmd.amount
            return Done()
        if isinstance(cmd, Split | Merge):
            return self._convert(cmd)
        if isinstance(cmd, SetTradingMode):
            self.mode = cmd.mode
            return Done()
        if isinstance(cmd, ConfigureSettlement):
            if not 0 <= cmd.delay_ms <= MAX_SETTLEMENT_DELAY_MS:
                return refuse(Reject.INVALID_SETTLEMENT)
            self.settlement_delay_ms = cmd.delay_ms
            self.proceeds_at_mined = cmd.proceeds_available_at is ProceedsAvailableAt.MINED
            return Done()
        raise NotImplementedError(type(cmd).__name__)

    # ------------------------------------------------------------------ queries

    def market(self, condition_id: str) -> ModelMarket | None:
        for market in self.markets:
            if market.condition_id == condition_id:
                return market
        return None

    def market_of_token(self, token_id: str) -> ModelMarket | None:
        for market in self.markets:
            if token_id in market.token_ids:
                return market
        return None

    def free(self, address: str, asset: str) -> int:
        return self.balances.get((address, asset), [0, 0])[0]

    def nonzero_balances(self) -> dict[tuple[str, str], tuple[int, int]]:
        return {key: (free, held) for key, (free, held) in self.balances.items() if free or held}

    def pending(self) -> dict[tuple[str, str], int]:
        """What the settlement lag holds back, summed over trades, non-zero only."""
        totals: dict[tuple[str, str], int] = {}
        for trade in self.unsettled:
            for key, amount in (trade.pending or {}).items():
                totals[key] = totals.get(key, 0) + amount
        return {key: amount for key, amount in totals.items() if amount}

    def depth(self, condition_id: str, book_side: BookSide) -> list[tuple[int, int]]:
        """[(price, open shares)] of one side of a book, best price first."""
        sizes: dict[int, int] = {}
        for order in self.resting:
            if order.condition_id == condition_id and order.book_side is book_side:
                sizes[order.book_price] = sizes.get(order.book_price, 0) + order.remaining
        return sorted(sizes.items(), reverse=book_side is BookSide.BID)

    def open_orders(self, owner: str) -> list[ModelOrder]:
        return sorted((o for o in self.resting if o.owner == owner), key=lambda o: o.arrival)

    # ------------------------------------------------------------------ balances

    def _entry(self, address: str, asset: str) -> list[int]:
        return self.balances.setdefault((address, asset), [0, 0])

    def _release(self, address: str, asset: str, amount: int) -> None:
        entry = self._entry(address, asset)
        entry[1] -= amount
        entry[0] += amount

    # ------------------------------------------------------------------ markets

    def _create_market(self, cmd: CreateMarket) -> Result:
        if self.market(cmd.condition_id) is not None:
            return refuse(Reject.MARKET_EXISTS)
        first, second = cmd.token_ids
        if (
            first == second
            or self.market_of_token(first) is not None
            or self.market_of_token(second) is not None
            or cmd.tick_units not in TICKS
            or cmd.min_size_units <= 0
            or cmd.min_size_units % LOT
            or not 0 <= cmd.fee_rate_bps <= MAX_FEE_RATE_BPS
            or not 0 <= cmd.fee_exponent <= MAX_FEE_EXPONENT
        ):
            return refuse(Reject.INVALID_MARKET_DEFINITION)
        self.markets.append(
            ModelMarket(
                condition_id=cmd.condition_id,
                token_ids=cmd.token_ids,
                tick=cmd.tick_units,
                listed_tick=cmd.tick_units,
                min_size=cmd.min_size_units,
                fee_rate_bps=cmd.fee_rate_bps,
                fee_exponent=cmd.fee_exponent,
                dynamic_tick=cmd.dynamic_tick,
                accepting=cmd.accepting_orders,
                end_ms=cmd.end_ms if cmd.close_at_end else None,
            )
        )
        if cmd.end_ms is not None and cmd.close_at_end and cmd.end_ms <= cmd.now_ms:
            self._close(self.markets[-1])
        return Done()

    def _close(self, market: ModelMarket) -> None:
        for order in list(self.resting):
            if order.condition_id == market.condition_id:
                self._cancel(order)
        market.closed = True
        market.accepting = False

    def _resolve(self, cmd: ResolveMarket) -> Result:
        market = self.market(cmd.condition_id)
        if market is None:
            return refuse(Reject.MARKET_NOT_FOUND)
        if market.winner is not None:
            return refuse(Reject.MARKET_RESOLVED)
        if cmd.winning_token_id not in market.token_ids:
            return refuse(Reject.INVALID_MARKET_DEFINITION)
        for order in list(self.resting):
            if order.condition_id == market.condition_id:
                self._cancel(order)
        market.winner = cmd.winning_token_id
        market.accepting = False
        market.closed = True
        if not cmd.redeem_now:  # the winning tokens wait for `Redeem`
            return Done()
        for (address, asset), entry in list(self.balances.items()):
            if asset in market.token_ids:
                amount, entry[0] = entry[0], 0
                if asset == market.winner:
                    self._entry(address, COLLATERAL)[0] += amount
        for trade in self.unsettled:  # held-back tokens are paid out like held ones, when their trade is MINED
            for (address, asset), amount in list((trade.pending or {}).items()):
                if asset in market.token_ids and trade.pending is not None:
                    del trade.pending[(address, asset)]
                    if asset == market.winner:
                        key = (address, COLLATERAL)
                        trade.pending[key] = trade.pending.get(key, 0) + amount
        return Done()

    def _redeem(self, cmd: Redeem) -> Result:
        """A resolved market's tokens of one address: each winning token pays one unit, the losers nothing."""
        market = self.market(cmd.condition_id)
        if market is None:
            return refuse(Reject.MARKET_NOT_FOUND)
        if market.winner is None:
            return refuse(Reject.MARKET_NOT_RESOLVED)
        payout = self.free(cmd.address, market.winner)
        for token_id in market.token_ids:
            self._entry(cmd.address, token_id)[0] = 0
        self._entry(cmd.address, COLLATERAL)[0] += payout
        return Redeemed(payout)

    def _retick(self, market: ModelMarket) -> None:
        """Dynamic tick: a 0.01 market trades at 0.001 while its book or last trade is outside [0.04, 0.96]."""
        if not market.dynamic_tick or market.listed_tick != 10_000:
            return
        bids = self.depth(market.condition_id, BookSide.BID)
        asks = self.depth(market.condition_id, BookSide.ASK)
        extreme = (
            (bids and bids[0][0] > 960_000)
            or (asks and asks[0][0] < 40_000)
            or (market.last_trade is not None and not 40_000 <= market.last_trade <= 960_000)
        )
        market.tick = 1_000 if extreme else 10_000

    def _convert(self, cmd: Split | Merge) -> Result:
        market = self.market(cmd.condition_id)
        if market is None:
            return refuse(Reject.MARKET_NOT_FOUND)
        if market.winner is not None:
            return refuse(Reject.MARKET_RESOLVED)
        if cmd.amount <= 0:
            return refuse(Reject.INVALID_AMOUNT)
        if isinstance(cmd, Split):
            spend, get = [COLLATERAL], list(market.token_ids)
        else:
            spend, get = list(market.token_ids), [COLLATERAL]
        if any(self.free(cmd.address, asset) < cmd.amount for asset in spend):
            return refuse(Reject.NOT_ENOUGH_BALANCE)
        for asset in spend:
            self._entry(cmd.address, asset)[0] -= cmd.amount
        for asset in get:
            self._entry(cmd.address, asset)[0] += cmd.amount
        return Done()

    # ------------------------------------------------------------------ cancels

    def _cancel(self, order: ModelOrder) -> None:
        self.resting.remove(order)
        self._release(order.maker, order.reserved_asset, order.reserved)

    def _cancels(self, cmd: CancelOrders | CancelAll | CancelMarketOrders) -> Result:
        if isinstance(cmd, CancelOrders):
            canceled: list[str] = []
            not_canceled: dict[str, str] = {}
            for order_id in cmd.order_ids:
                if order_id in canceled or order_id in not_canceled:
                    continue
                order = next((o for o in self.resting if o.order_id == order_id), None)
                if self.owner_of.get(order_id) != cmd.owner:
                    not_canceled[order_id] = "order not found"
                elif order is None:
                    not_canceled[order_id] = "already canceled or matched"
                else:
                    self._cancel(order)
                    canceled.append(order_id)
            return Canceled(tuple(canceled), not_canceled)
        doomed = self.open_orders(cmd.owner)
        if isinstance(cmd, CancelMarketOrders):
            condition_id = cmd.condition_id
            if condition_id is None and cmd.token_id is not None:
                market = self.market_of_token(cmd.token_id)
                condition_id = None if market is None else market.condition_id
            if condition_id is None:
                doomed = []
            doomed = [o for o in doomed if o.condition_id == condition_id]
            if cmd.token_id is not None:
                doomed = [o for o in doomed if o.token_id == cmd.token_id]
        for order in doomed:
            self._cancel(order)
        return Canceled(tuple(o.order_id for o in doomed))

    # ------------------------------------------------------------------ orders

    def _place(self, cmd: PlaceOrder) -> Result:
        checked = self._check(cmd)
        if isinstance(checked, Rejected):
            return checked
        market, order = checked
        limit_order = not is_market_order(cmd.order_type)

        # A V2 BUY that will take also reserves its fee, priced at its limit on its whole size.
        crossing = self._crossing(order)
        reserve = cmd.maker_amount
        if order.v2_fee_rate_bps and crossing and order.side is Side.BUY and not cmd.post_only:
            reserve += v2_fee(order.v2_fee_rate_bps, market.fee_exponent, [(order.size, order.price)])
        if self.free(cmd.maker, order.reserved_asset) < reserve:
            return refuse(Reject.NOT_ENOUGH_BALANCE)
        if cmd.post_only and crossing:
            return refuse(Reject.POST_ONLY_CROSSES)

        # Walk the crossing orders best first, skipping the taker's own; a BUY stops when its
        # collateral cannot pay for another lot.
        fills: list[tuple[ModelOrder, int]] = []
        remaining = order.size
        budget = cmd.maker_amount
        skipped_own = False
        for maker in crossing:
            if remaining == 0:
                break
            if maker.maker == order.maker:
                skipped_own = True
                continue
            shares = min(remaining, maker.remaining)
            if order.side is Side.BUY:
                price = self._own_price(order, maker.book_price)
                affordable = budget * ONE // price // LOT * LOT
                shares = min(shares, affordable)
                if shares == 0:
                    break
                budget -= shares * price // ONE
            fills.append((maker, shares))
            remaining -= shares

        if cmd.order_type is OrderType.FOK and remaining:
            return refuse(Reject.FOK_NOT_FILLED)
        if cmd.order_type is OrderType.FAK and not fills:
            return refuse(Reject.FAK_NO_MATCH)
        would_rest = remaining > 0 and limit_order
        if would_rest and skipped_own and not fills:
            return refuse(Reject.CROSSES_OWN_ORDER)

        # Accepted: reserve what the order may spend, then settle each fill.
        self.arrivals += 1
        order.arrival = self.arrivals
        self.owner_of[order.order_id] = order.owner
        entry = self._entry(order.maker, order.reserved_asset)
        entry[0] -= reserve
        entry[1] += reserve
        held = reserve
        gave = got = 0
        trade_ids: tuple[str, ...] = ()
        if fills:
            self.trades += 1
            trade_ids = (trade_id(self.trades),)
            trade = ModelTrade(trade_ids[0], cmd.now_ms, self.settlement_delay_ms)
            trade.pending = {} if self.proceeds_at_mined else None
            self.unsettled.append(trade)
            for maker, shares in fills:
                book_price = maker.book_price
                self._settle(maker, shares, book_price, trade.pending)
                cash, taker_fee = self._settle(order, shares, book_price, trade.pending)
                held -= cash if order.side is Side.BUY else shares
                if order.side is Side.BUY:
                    gave, got = gave + cash, got + shares - taker_fee
                else:
                    gave, got = gave + shares, got + cash - taker_fee
                maker.matched += shares
                order.matched += shares
                if maker.remaining == 0:
                    self.resting.remove(maker)
                market.last_trade = book_price
            if order.v2_fee_rate_bps:
                # A V2 taker pays once for the whole trade, in collateral: a BUY out of its reservation,
                # a SELL out of its proceeds.
                own_prices = [(shares, self._own_price(order, maker.book_price)) for maker, shares in fills]
                charged = v2_fee(order.v2_fee_rate_bps, market.fee_exponent, own_prices)
                if order.side is Side.BUY:
                    self._entry(order.maker, COLLATERAL)[1] -= charged
                    held -= charged
                    gave += charged
                elif trade.pending is not None:
                    trade.pending[(order.maker, COLLATERAL)] -= charged
                    got -= charged
                else:
                    self._entry(order.maker, COLLATERAL)[0] -= charged
                    got -= charged
                self._entry(FEE_ACCOUNT, COLLATERAL)[0] += charged

        if order.remaining == 0:
            self._release(order.maker, order.reserved_asset, held)
            status = OrderStatus.MATCHED
        elif would_rest and not skipped_own:
            self._release(order.maker, order.reserved_asset, held - order.reserved)
            self.resting.append(order)
            status = OrderStatus.LIVE
        else:
            self._release(order.maker, order.reserved_asset, held)
            status = OrderStatus.CANCELED
        return OrderPlaced(order.order_id, status, order.matched, gave, got, trade_ids)

    def _check(self, cmd: PlaceOrder) -> tuple[ModelMarket, ModelOrder] | Rejected:
        """Every check before the balance, in the documented order; derive the order's price and size."""
        if self.mode is TradingMode.DISABLED:
            return refuse(Reject.TRADING_DISABLED)
        if self.mode is TradingMode.CANCEL_ONLY:
            return refuse(Reject.TRADING_CANCEL_ONLY)
        if self.mode is TradingMode.POST_ONLY and not cmd.post_only:
            return refuse(Reject.POST_ONLY_MODE)
        market = self.market_of_token(cmd.token_id)
        if market is None or not market.accepting or market.winner is not None:
            return refuse(Reject.MARKET_NOT_READY)
        if cmd.fee_rate_bps is not None and cmd.fee_rate_bps != market.fee_rate_bps:
            return refuse(Reject.FEE_RATE_MISMATCH)
        market_order = is_market_order(cmd.order_type)
        if cmd.post_only and market_order:
            return refuse(Reject.POST_ONLY_TYPE)
        expires_at_ms = None
        if cmd.expiration == 0:
            if cmd.order_type is OrderType.GTD:
                return refuse(Reject.INVALID_EXPIRATION)
        elif (cmd.expiration - EXPIRY_MARGIN_S) * 1000 <= cmd.now_ms:
            return refuse(Reject.INVALID_EXPIRATION)
        else:
            expires_at_ms = (cmd.expiration - EXPIRY_MARGIN_S) * 1000
        if cmd.maker_amount <= 0 or cmd.taker_amount <= 0:
            return refuse(Reject.INVALID_AMOUNTS)

        buy = cmd.side is Side.BUY
        collateral, shares = (cmd.maker_amount, cmd.taker_amount) if buy else (cmd.taker_amount, cmd.maker_amount)
        tick = market.tick
        money_places = decimals(tick) + 2
        if market_order:
            if buy:
                bad = decimals(collateral) > 2 or decimals(shares) > 4
                reject = Reject.MARKET_BUY_AMOUNTS_PRECISION
            else:
                bad = decimals(shares) > 2 or decimals(collateral) > max(4, money_places)
                reject = Reject.MARKET_SELL_AMOUNTS_PRECISION
        else:
            bad = decimals(shares) > 2 or decimals(collateral) > money_places
            reject = Reject.BUY_AMOUNTS_PRECISION if buy else Reject.SELL_AMOUNTS_PRECISION
        if bad:
            return refuse(reject)

        if market_order:
            # The worst acceptable price, rounded in the order's favour; a BUY trades whole lots only.
            if buy:
                price = collateral * ONE // shares
                size = shares - shares % LOT
            else:
                price = -(-collateral * ONE // shares)
                size = shares
            if not tick <= price <= ONE - tick:
                return refuse(Reject.PRICE_NOT_ON_TICK)
            if size <= 0:
                return refuse(Reject.SIZE_BELOW_MINIMUM)
        else:
            if collateral * ONE % shares:
                return refuse(Reject.PRICE_NOT_ON_TICK)
            price = collateral * ONE // shares
            if price % tick or not tick <= price <= ONE - tick:
                return refuse(Reject.PRICE_NOT_ON_TICK)
            size = shares
            if size < market.min_size:
                return refuse(Reject.SIZE_BELOW_MINIMUM)
        if cmd.order_id in self.owner_of:
            return refuse(Reject.DUPLICATED)
        order = ModelOrder(
            order_id=cmd.order_id,
            owner=cmd.owner,
            maker=cmd.maker,
            condition_id=market.condition_id,
            token_id=cmd.token_id,
            token_index=market.token_ids.index(cmd.token_id),
            side=cmd.side,
            price=price,
            size=size,
            fee_rate_bps=0 if cmd.fee_rate_bps is None else cmd.fee_rate_bps,
            v2_fee_rate_bps=market.fee_rate_bps if cmd.fee_rate_bps is None else 0,
            arrival=0,
            expires_at_ms=expires_at_ms,
        )
        return market, order

    def _crossing(self, taker: ModelOrder) -> list[ModelOrder]:
        """Resting orders (anyone's) on the other side of the taker's book that its limit reaches, best first."""
        if taker.book_side is BookSide.BID:
            found = [o for o in self._book(taker) if o.book_side is BookSide.ASK and o.book_price <= taker.book_price]
            return sorted(found, key=lambda o: (o.book_price, o.arrival))
        found = [o for o in self._book(taker) if o.book_side is BookSide.BID and o.book_price >= taker.book_price]
        return sorted(found, key=lambda o: (-o.book_price, o.arrival))

    def _book(self, order: ModelOrder) -> list[ModelOrder]:
        return [o for o in self.resting if o.condition_id == order.condition_id]

    @staticmethod
    def _own_price(order: ModelOrder, book_price: int) -> int:
        return book_price if order.token_index == 0 else ONE - book_price

    def _settle(
        self, order: ModelOrder, shares: int, book_price: int, pending: dict[tuple[str, str], int] | None
    ) -> tuple[int, int]:
        """Move one side of a fill of `shares` at a first-token price; return (its collateral value, its fee).

        What the side receives goes to its free balance, or to `pending` with the settlement lag on."""
        price = self._own_price(order, book_price)
        cash = shares * price // ONE
        paid = fee(order.side, order.fee_rate_bps, price, shares)
        if order.side is Side.BUY:
            self._entry(order.maker, COLLATERAL)[1] -= cash
            self._deliver(order.maker, order.token_id, shares - paid, pending)
            self._entry(FEE_ACCOUNT, order.token_id)[0] += paid
        else:
            self._entry(order.maker, order.token_id)[1] -= shares
            self._deliver(order.maker, COLLATERAL, cash - paid, pending)
            self._entry(FEE_ACCOUNT, COLLATERAL)[0] += paid
        return cash, paid

    def _deliver(self, address: str, asset: str, amount: int, pending: dict[tuple[str, str], int] | None) -> None:
        if pending is None:
            self._entry(address, asset)[0] += amount
        else:
            pending[(address, asset)] = pending.get((address, asset), 0) + amount
