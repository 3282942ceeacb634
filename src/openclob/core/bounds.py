"""The largest integers the exchange holds, so that everything it accepts can be journalled, stored and replayed.

Both stores keep integers in signed 64 bits (SQLite INTEGER, PostgreSQL BIGINT) and the journal and snapshots
encode them as msgpack, which stops at 64 bits too. The edge checks every integer that comes off the wire
against these bounds and refuses what lies outside with the field's Polymarket error (`invalid expiration`,
`Invalid order payload`, ...); the core refuses the rest (a deposit past the supply bound). Every bound leaves
a factor of two below 2**63, so that the sum of any two bounded values still fits.
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

MAX_EXPIRATION_SECONDS = MAX_TIME_MS // 1000
"""The latest order expiration, in unix seconds (the core turns it into milliseconds)."""

MAX_ROW_ID = INT64_MAX
"""The largest id or position a query may name (notification ids, cursor positions)."""

MAX_UINT256 = 2**256 - 1
"""The largest value of a uint256 field of a signed order (salt, token id, V2 timestamp)."""
