"""Average cost and realized PnL of an address's tokens, folded from its activity (oldest first).

The method is average cost, in integer 1e-6 units, per token:

- a BUY of s shares for u collateral adds s to the shares held and u to their cost;
- a SELL of s shares for u collateral takes s shares at the average cost (cost x s / held, rounded down),
  and realizes u minus that cost;
- a SPLIT of a is a BUY of a of each of the market's tokens at 0.5 (the first token's cost takes the odd
  unit), and a MERGE a SELL of a of each at 0.5: a split then a merge realizes nothing;
- a REDEEM is a SELL of the winning tokens at 1 (the payout) and of the losing ones at 0;
- a CONVERSION of a NO shares of each of k outcomes is a SELL of those NO shares and a BUY of a YES shares of
  each other outcome: the YES shares take over the NO shares' cost, less the collateral received (never below
  0, split evenly, the first taking the odd units), and the NO shares are sold for that carried cost plus the
  collateral, so a conversion realizes only collateral beyond the NO shares' cost (or, with no YES received,
  the collateral less that cost).

Fees are left out (avgPrice is the price paid, as Polymarket shows it). A sale of more than the history
holds (tokens that came from elsewhere) costs at most what is held. Rows come from `ACTIVITY_SOURCES` in
store/projection.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from openclob.core import UNIT
from openclob.store.records import ActivityRecord

HALF_UNITS = UNIT // 2


@dataclass(slots=True)
class Holding:
    """One token's history: shares held and their cost, shares bought, and what sales realized."""

    token_id: str
    size_units: int = 0
    cost_units: int = 0
    bought_units: int = 0
    realized_units: int = 0
    sold_cost_units: int = 0
    """The cost of the shares sold (the base of percentRealizedPnl)."""

    def buy(self, size_units: int, usdc_units: int) -> None:
        """Add `size_units` shares bought for `usdc_units`."""
        self.size_units += size_units
        self.cost_units += usdc_units
        self.bought_units += size_units

    def sell(self, size_units: int, usdc_units: int) -> None:
        """Take `size_units` shares sold for `usdc_units` out at the average cost, realizing the difference."""
        cost = self.cost_of(size_units)
        self.size_units = max(self.size_units - size_units, 0)
        self.cost_units -= cost
        self.sold_cost_units += cost
        self.realized_units += usdc_units - cost

    def cost_of(self, size_units: int) -> int:
        """The cost of `size_units` of the shares held, at the average cost (all of it for as many or more)."""
        if size_units >= self.size_units:
            return self.cost_units
        return self.cost_units * size_units // self.size_units


def _shares(total_units: int, count: int) -> list[int]:
    """`total_units` split evenly into `count` parts, the first taking the odd units."""
    part = total_units // count
    return [total_units - part * (count - 1)] + [part] * (count - 1)


def holdings(
    records: Iterable[ActivityRecord], tokens_of: Callable[[str], tuple[str, ...] | None]
) -> dict[str, Holding]:
    """Token id -> its holding, in the order tokens first appear; `records` oldest first.

    `tokens_of` gives a market's token ids by condition id (None for a market it does not know).
    """
    found: dict[str, Holding] = {}

    def holding(token_id: str) -> Holding:
        entry = found.get(token_id)
        if entry is None:
            entry = found[token_id] = Holding(token_id)
        return entry

    for record in records:
        kind = record.type
        if kind == "TRADE":
            entry = holding(record.token_id)
            if record.side == "BUY":
                entry.buy(record.size_units, record.usdc_units)
            else:
                entry.sell(record.size_units, record.usdc_units)
        elif kind == "SPLIT" or kind == "MERGE":
            tokens = tokens_of(record.condition_id) or ()
            half = record.size_units * HALF_UNITS // UNIT
            for index, token_id in enumerate(tokens):
                value = record.size_units - half if index == 0 else half
                if kind == "SPLIT":
                    holding(token_id).buy(record.size_units, value)
                else:
                    holding(token_id).sell(record.size_units, value)
        elif kind == "REDEEM":
            _redeem(holding, record)
        elif kind == "CONVERSION":
            _convert(holding, record)
    return found


def _redeem(holding: Callable[[str], Holding], record: ActivityRecord) -> None:
    winning, losing = record.token_ids_in
    won = record.usdc_units
    if won:
        holding(winning).sell(won, won)
    if record.size_units > won:
        holding(losing).sell(record.size_units - won, 0)


def _convert(holding: Callable[[str], Holding], record: ActivityRecord) -> None:
    given = [holding(token_id) for token_id in record.token_ids_in]
    costs = [entry.cost_of(record.size_units) for entry in given]
    received = record.token_ids_out
    carried = max(sum(costs) - record.usdc_units, 0) if received else 0
    realized = record.usdc_units + carried - sum(costs)
    for index, (entry, cost) in enumerate(zip(given, costs, strict=True)):
        entry.sell(record.size_units, cost + (realized if index == 0 else 0))
    if received:
        for token_id, cost in zip(received, _shares(carried, len(received)), strict=True):
            holding(token_id).buy(record.size_units, cost)
