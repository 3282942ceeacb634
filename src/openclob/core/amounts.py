"""Integer money: collateral, shares and prices are all counted in 1e-6 units.

The wire's decimal strings are converted at the edge; inside the core every amount is an `int`.
A price is the collateral paid for one whole share, so it lies strictly between 0 and `UNIT`.
"""

from __future__ import annotations

UNIT = 1_000_000
"""One whole collateral unit, one whole share, or a price of 1.0."""

LOT_UNITS = 10_000
"""Share granularity of every fill (0.01 share). With prices on a tick of at least 0.0001 (100 units),
a lot's collateral value is always a whole number of units, so settlement never rounds."""

TICK_UNITS = (100_000, 10_000, 1_000, 100)
"""The tick sizes Polymarket uses: 0.1, 0.01, 0.001 and 0.0001."""


def decimals_of(units: int) -> int:
    """Return how many decimals the amount `units` (1e-6 units) needs when written in whole units."""
    if units % UNIT == 0:
        return 0
    decimals = 6
    while units % 10 == 0:
        units //= 10
        decimals -= 1
    return decimals


def tick_decimals(tick_units: int) -> int:
    """Return the number of decimals of a tick size, e.g. 2 for 0.01."""
    return decimals_of(tick_units)


def format_units(units: int) -> str:
    """Write an amount in whole units without trailing zeros: 3_600_000 -> "3.6", 5_000_000 -> "5"."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), UNIT)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:06d}".rstrip("0")


def format_ratio(numerator: int, denominator: int, max_decimals: int = 16) -> str:
    """Write numerator/denominator as a decimal, truncated to `max_decimals`, without trailing zeros."""
    whole, rest = divmod(numerator, denominator)
    digits = []
    for _ in range(max_decimals):
        if rest == 0:
            break
        rest *= 10
        digit, rest = divmod(rest, denominator)
        digits.append(str(digit))
    text = "".join(digits).rstrip("0")
    return f"{whole}.{text}" if text else str(whole)


def floor_to_lot(units: int) -> int:
    """Round a share amount down to a whole number of lots."""
    return units - units % LOT_UNITS


def collateral_for(shares_units: int, price_units: int) -> int:
    """Return the collateral value of `shares_units` at `price_units` (exact for lot-sized fills)."""
    return shares_units * price_units // UNIT
