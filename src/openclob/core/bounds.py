"""The largest integers the exchange holds, so that everything it accepts can be journalled, stored and replayed.

Both stores keep integers in signed 64 bits (SQLite INTEGER, PostgreSQL BIGINT) and the journal and snapshots
encode them as msgpack, which stops at 64 bits too. The edge checks every integer that comes off the wire
against these bounds and refuses what lies outside with the field's Polymarket error (`invalid expiration`,
`Invalid order payload`, ...); the core refuses the rest (a deposit past the supply bound). Every bound leaves
a factor of two below 2**63, so that the sum of any two bounded values still fits.

Why the core needs to check only two things for every amount it keeps to stay within these bounds: an order's
amounts (at most MAX_UNITS each; validation compares the shares, once the price is known to lie below 1, which
makes the collateral smaller) and the collateral ever deposited (at most MAX_SUPPLY_UNITS):

- Conservation: deposited - withdrawn = collateral held by everyone (free and reserved, the fee account
  included) + one unit per outstanding pair of each market. Every term is non-negative, so each collateral
  balance, the fee account's included, and each market's outstanding pairs are at most the collateral ever
  deposited. `withdrawn_units` is at most `deposited_units`, as a withdrawal only pays out what is held.
- Tokens: the holdings of either token of a market add up to that market's outstanding pairs. A split or a
  MINT match makes a pair for one collateral unit and a merge or a MERGE match unmakes one for one unit; a
  COMPLEMENTARY fill only moves tokens between holders; a V1 fee taken in tokens goes to the fee account, which
  holds it; resolution pays each winning token one collateral unit and zeroes both tokens. So no token balance
  exceeds the deposits either.
- Fees: a V1 fee is a part of what the fill moves (tokens to a BUY, collateral to a SELL). A V2 taker fee is
  reserved with a BUY before it can be charged, and taken from a SELL's proceeds of the same trade. Neither
  creates value, so conservation covers them.
- Orders: an order's size and reservation follow from its amounts (at most MAX_UNITS); what it reserves must
  also be free in a balance. A fill is at most both orders' remaining sizes, a trade at most the taker's size,
  so matched amounts, trade sizes and their collateral values stay within MAX_UNITS.
- Times and counters: an accepted expiration is at most MAX_EXPIRATION_SECONDS, so its deadline is at most
  MAX_TIME_MS; a settlement due time is a match time plus at most twice MAX_SETTLEMENT_DELAY_MS; sequences and
  trade counts grow by one per command.
- Events, conversions and redemption (core/lifecycle.py): conservation counts what the markets lock, which for
  a resolved market is its winning supply and for a neg-risk event its open markets' NO supplies plus the
  amount converted V (each open market's YES supply is its NO supply + V). Every term is non-negative and
  their sum is at most the deposits, so each NO supply and V are, and a YES supply (NO + V) is at most the
  deposits too; a conversion pays out (k - 1) * amount from NO shares held, a redemption one unit per winning
  token held, both within what conservation allows.
- Settlement lag: proceeds waiting for their trade to be MINED are counted with the balances in every sum above
  (they are part of what the fill moved, only not yet spendable).

A book level's total size is a sum over many orders and is not bounded here: no store or snapshot keeps it
(snapshots keep the orders, the feeds write it as a decimal string).
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1
"""The largest integer both stores and msgpack hold."""

MAX_UNITS = 2**62
"""The largest amount in 1e-6 units anything may carry: an order's maker or taker amount, a deposit, a split, a
minimum order size, a balance (about 4.6 trillion whole units)."""

MAX_SUPPLY_UNITS = 2**62
"""The most collateral ever deposited into the exchange (lifetime, in 1e-6 units): it bounds every balance, every
token supply and every trade, and the ledger's own counters."""

MAX_TIME_MS = 2**62
"""The latest time, in unix milliseconds, that anything may name (about 146 million years)."""

MAX_CLOCK_MS = 253_402_300_799_999
"""The latest time the exchange clock may read (the last millisecond of the year 9999): the exchange's own
times are also written as dates (a market's `accepting_order_timestamp`, a builder trade's `timestamp`), and a
date cannot name a later year."""

MAX_EXPIRATION_SECONDS = MAX_TIME_MS // 1000
"""The latest order expiration, in unix seconds (the core turns it into milliseconds)."""

MAX_SETTLEMENT_DELAY_MS = 30 * 24 * 3_600_000
"""The longest settlement delay (30 days): a trade's CONFIRMED time, its match plus twice the delay, stays far
below 2**63 whatever its match time."""

MAX_ROW_ID = INT64_MAX
"""The largest id or position a query may name (notification ids, cursor positions)."""

MAX_UINT256 = 2**256 - 1
"""The largest value of a uint256 field of a signed order (salt, token id, V2 timestamp)."""
