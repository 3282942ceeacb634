"""Average cost and realized PnL of an address's tokens, folded from its activity (oldest first).

The method is average cost, in integer 1e-6 units, per token:

- a BUY of s shares for u collateral adds s to the shares held and u to their cost;
- a SELL of s shares for u collateral takes s shares at the average cost (cost x s / held, rounded down),
  and realizes u minus that cost;
- a SPLIT of a is a BUY of a of each of the market's tokens at 0.5 (the first token's cost takes the odd
  unit), and a MERGE a SELL of a of each at 0.5: a split then a merge realizes nothing.

Fees are left out (avgPrice is the price paid, as Polymarket shows it). A sale of more than the history
holds (tokens that came from elsewhere) costs at most what is held. Redemptions and conversions join here
when the core has them (see `ACTIVITY_SOURCES` in store/projection.py): a redemption is a SELL at the
payout, a conversion a SELL of the NO shares given and a BUY of what was received.
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
    condition_id: str
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
        if size_units >= self.size_units:
            cost = self.cost_units
            self.size_units = 0
        else:
            cost = self.cost_units * size_units // self.size_units
            self.size_units -= size_units
        self.cost_units -= cost
        self.sold_cost_units += cost
        self.realized_units += usdc_units - cost


def holdings(
    records: Iterable[ActivityRecord], tokens_of: Callable[[str], tuple[str, ...] | None]
) -> dict[str, Holding]:
    """Token id -> its holding, in the order tokens first appear; `records` oldest first.

    `tokens_of` gives a market's token ids by condition id (None for a market it does not know).
    """
    found: dict[str, Holding] = {}

    def holding(token_id: str, condition_id: str) -> Holding:
        entry = found.get(token_id)
        if entry is None:
            entry = found[token_id] = Holding(token_id, condition_id)
        return entry

    for record in records:
        if record.type == "TRADE":
            entry = holding(record.token_id, record.condition_id)
            if record.side == "BUY":
                entry.buy(record.size_units, record.usdc_units)
            else:
                entry.sell(record.size_units, record.usdc_units)
        elif record.type in ("SPLIT", "MERGE"):
            tokens = tokens_of(record.condition_id) or ()
            half = record.size_units * HALF_UNITS // UNIT
            for index, token_id in enumerate(tokens):
                value = record.size_units - half if index == 0 else half
                entry = holding(token_id, record.condition_id)
                if record.type == "SPLIT":
                    entry.buy(record.size_units, value)
                else:
                    entry.sell(record.size_units, value)
    return found
