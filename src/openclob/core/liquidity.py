"""Liquidity accounts: the orders a replay rests so that a market's book follows a recording.

A replay (openclob/replay) turns each recorded message into one `SetLiquidity` command: the account's
resting size at each level the message changed is set to the recorded size, by cancelling the account's
orders at that level and placing one new BUY there. The orders are ordinary orders of an ordinary account:
they match, fill, settle and show in the book and both feeds like anyone's, so a bot that takes one consumes
it, and it stays consumed until the recording changes that level again. Only BUYs are placed (an ask is a BUY
of the second token), so the account needs collateral only; its shortfall is deposited as it goes.

Order ids derive from the exchange's order sequence: 0x, sixteen "e"s, then the sequence in 48 hex digits (the
shape of an EIP-712 digest; a signed order's digest starts that way with odds of 2^-64).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from openclob.core.amounts import UNIT
from openclob.core.book import Level
from openclob.core.bounds import MAX_SUPPLY_UNITS
from openclob.core.cancels import Cancels
from openclob.core.commands import PlaceOrder, SetLiquidity
from openclob.core.orders import ASK, BID, BUY, COLLATERAL, CancelReason
from openclob.core.rejects import Reject, rejected
from openclob.core.results import Done, Result

LIQUIDITY_ID_PREFIX = "e" * 16
MIN_LIQUIDITY_SIZE_UNITS = 1
"""The minimum a liquidity order is held to in place of the market's: recorded levels may be any size."""


class Liquidity(Cancels):
    """The `SetLiquidity` command."""

    def _place(self, cmd: PlaceOrder, min_size_units: int | None = None) -> Result:
        raise NotImplementedError  # the hot path, Exchange._place (exchange.py)

    def _set_liquidity(self, cmd: SetLiquidity) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        book = self._books[cmd.condition_id]
        address, ledger = cmd.address, self.ledger
        for is_bid, price_units, size_units in cmd.levels:
            levels, _ = book.side(BID if is_bid else ASK)
            self._cancel_own(levels, [price_units], address)
            if size_units <= 0 or not 0 < price_units < UNIT:
                continue
            # The account's own levels that the new one would cross are stale: the recording has moved past them.
            opposite, prices = book.side(ASK if is_bid else BID)
            if is_bid:
                crossed = prices[: bisect_right(prices, price_units)]
            else:
                crossed = prices[bisect_left(prices, price_units) :]
            if crossed:
                self._cancel_own(opposite, crossed, address)
            own_price_units = price_units if is_bid else UNIT - price_units
            cost_units = size_units * own_price_units // UNIT
            shortfall = cost_units - ledger.free(address, COLLATERAL)
            if shortfall > 0:
                if ledger.deposited_units + shortfall > MAX_SUPPLY_UNITS:
                    continue
                ledger.deposit(address, shortfall)
            order = PlaceOrder(
                now_ms=cmd.now_ms,
                order_id=f"0x{LIQUIDITY_ID_PREFIX}{self._order_sequence + 1:048x}",
                owner=address,
                maker=address,
                signer=address,
                token_id=market.token_ids[0 if is_bid else 1],
                side=BUY,
                maker_amount=cost_units,
                taker_amount=size_units,
                fee_rate_bps=market.fee_rate_bps,
            )
            self._place(order, MIN_LIQUIDITY_SIZE_UNITS)
        return Done()

    def _cancel_own(self, levels: dict[int, Level], prices: list[int], address: str) -> None:
        """Cancel `address`'s orders at these prices of one side."""
        for price_units in prices:
            level = levels.get(price_units)
            if level is not None:
                for order in [o for o in level.orders.values() if o.owner == address]:
                    self._cancel_resting(order, CancelReason.USER)
