"""Balances of collateral and outcome tokens per address, with reservations for open orders.

Each (address, asset) has a free and a reserved amount. Accepting an order moves what it may spend from
free to reserved; fills take from reserved and credit the counterparties' free balances; cancels and
expiry move what is left back to free. Totals are kept so conservation can be checked at any time:
deposits - withdrawals = all collateral held (free + reserved, the fee account included) + one unit per
outstanding YES/NO pair.

Every change records the touched (address, asset) so the exchange can report new balances once per
command.
"""

from __future__ import annotations

from openclob.core.orders import COLLATERAL

FEE_ACCOUNT = "fees"
"""The ledger address that collects fees."""


class Ledger:
    """All balances. Amounts are integer 1e-6 units and never negative."""

    __slots__ = ("_free", "_reserved", "deposited_units", "touched", "withdrawn_units")

    def __init__(self) -> None:
        self._free: dict[tuple[str, str], int] = {}
        self._reserved: dict[tuple[str, str], int] = {}
        self.deposited_units = 0
        self.withdrawn_units = 0
        self.touched: dict[tuple[str, str], None] = {}

    def free(self, address: str, asset: str) -> int:
        """Free (spendable) amount."""
        return self._free.get((address, asset), 0)

    def reserved(self, address: str, asset: str) -> int:
        """Amount held for open orders."""
        return self._reserved.get((address, asset), 0)

    def credit(self, address: str, asset: str, amount: int) -> None:
        """Add to the free balance."""
        key = (address, asset)
        self._free[key] = self._free.get(key, 0) + amount
        self.touched[key] = None

    def debit(self, address: str, asset: str, amount: int) -> bool:
        """Take from the free balance; refuse (False) if there is not enough."""
        key = (address, asset)
        free = self._free.get(key, 0)
        if amount > free:
            return False
        self._free[key] = free - amount
        self.touched[key] = None
        return True

    def reserve(self, address: str, asset: str, amount: int) -> bool:
        """Move `amount` from free to reserved; refuse (False) if not enough is free."""
        if not self.debit(address, asset, amount):
            return False
        key = (address, asset)
        self._reserved[key] = self._reserved.get(key, 0) + amount
        return True

    def release(self, address: str, asset: str, amount: int) -> None:
        """Move `amount` from reserved back to free."""
        self.consume(address, asset, amount)
        self.credit(address, asset, amount)

    def consume(self, address: str, asset: str, amount: int) -> None:
        """Spend `amount` out of the reserved balance (a fill)."""
        key = (address, asset)
        self._reserved[key] = self._reserved[key] - amount
        self.touched[key] = None

    def deposit(self, address: str, amount: int) -> None:
        """Credit collateral from outside the exchange."""
        self.credit(address, COLLATERAL, amount)
        self.deposited_units += amount

    def withdraw(self, address: str, amount: int) -> bool:
        """Pay free collateral out of the exchange; refuse (False) if not enough is free."""
        if not self.debit(address, COLLATERAL, amount):
            return False
        self.withdrawn_units += amount
        return True

    def holders(self, asset: str) -> list[str]:
        """Addresses with any free or reserved amount of `asset`, in a stable order."""
        found = {a for (a, s), v in self._free.items() if s == asset and v}
        found.update(a for (a, s), v in self._reserved.items() if s == asset and v)
        return sorted(found)

    def total(self, asset: str) -> int:
        """Everything held of `asset`, free and reserved, across all addresses."""
        free = sum(v for (_, s), v in self._free.items() if s == asset)
        return free + sum(v for (_, s), v in self._reserved.items() if s == asset)

    def zero(self, address: str, asset: str) -> int:
        """Remove an address's whole free balance of `asset` (nothing may be reserved); return it."""
        amount = self._free.pop((address, asset), 0)
        self.touched[(address, asset)] = None
        return amount

    def take_touched(self) -> list[tuple[str, str]]:
        """Return and forget the (address, asset) pairs changed since the last call."""
        touched = list(self.touched)
        self.touched.clear()
        return touched

    def items(self) -> list[tuple[str, str, int, int]]:
        """Every (address, asset, free, reserved) with a non-zero amount, sorted."""
        keys = {k for k, v in self._free.items() if v} | {k for k, v in self._reserved.items() if v}
        return [(a, s, self._free.get((a, s), 0), self._reserved.get((a, s), 0)) for a, s in sorted(keys)]

    def problems(self) -> list[str]:
        """Return every negative balance (empty when the ledger is sound)."""
        found = [f"negative free {k}: {v}" for k, v in self._free.items() if v < 0]
        found += [f"negative reserved {k}: {v}" for k, v in self._reserved.items() if v < 0]
        return found
