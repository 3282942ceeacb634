"""Balances of collateral and outcome tokens per address, with reservations for open orders.

Each (address, asset) has a free and a reserved amount, kept together as a two-item list so that the
hot paths (reserve, fill, release) touch one dict entry. Accepting an order moves what it may spend
from free to reserved; fills take from reserved and credit the counterparties' free balances; cancels
and expiry move what is left back to free. Deposits and withdrawals are totalled so conservation can
be checked at any time: deposits - withdrawals = all collateral held (free + reserved, the fee account
included) + one unit per outstanding YES/NO pair.

Every change records the touched (address, asset) with its entry, so the exchange can report new
balances once per command without looking them up again.
"""

from __future__ import annotations

from openclob.core.orders import COLLATERAL

FEE_ACCOUNT = "fees"
"""The ledger address that collects fees."""

FREE, RESERVED = 0, 1
"""Positions in a balance entry."""


class Ledger:
    """All balances. Amounts are integer 1e-6 units and never negative."""

    __slots__ = ("_balances", "deposited_units", "touched", "withdrawn_units")

    def __init__(self) -> None:
        self._balances: dict[tuple[str, str], list[int]] = {}
        self.deposited_units = 0
        self.withdrawn_units = 0
        self.touched: dict[tuple[str, str], list[int]] = {}

    def free(self, address: str, asset: str) -> int:
        """Free (spendable) amount."""
        entry = self._balances.get((address, asset))
        return 0 if entry is None else entry[FREE]

    def reserved(self, address: str, asset: str) -> int:
        """Amount held for open orders."""
        entry = self._balances.get((address, asset))
        return 0 if entry is None else entry[RESERVED]

    def entry(self, address: str, asset: str) -> tuple[int, int]:
        """(free, reserved)."""
        entry = self._balances.get((address, asset))
        return (0, 0) if entry is None else (entry[FREE], entry[RESERVED])

    def credit(self, address: str, asset: str, amount: int) -> None:
        """Add to the free balance."""
        key = (address, asset)
        entry = self._balances.get(key)
        if entry is None:
            entry = self._balances[key] = [amount, 0]
        else:
            entry[FREE] += amount
        self.touched[key] = entry

    def debit(self, address: str, asset: str, amount: int) -> bool:
        """Take from the free balance; refuse (False) if there is not enough."""
        key = (address, asset)
        entry = self._balances.get(key)
        if entry is None or amount > entry[FREE]:
            return amount == 0
        entry[FREE] -= amount
        self.touched[key] = entry
        return True

    def reserve(self, address: str, asset: str, amount: int) -> bool:
        """Move `amount` from free to reserved; refuse (False) if not enough is free."""
        key = (address, asset)
        entry = self._balances.get(key)
        if entry is None or amount > entry[FREE]:
            return amount == 0
        entry[FREE] -= amount
        entry[RESERVED] += amount
        self.touched[key] = entry
        return True

    def release(self, address: str, asset: str, amount: int) -> None:
        """Move `amount` from reserved back to free."""
        key = (address, asset)
        entry = self._balances[key]
        entry[RESERVED] -= amount
        entry[FREE] += amount
        self.touched[key] = entry

    def consume(self, address: str, asset: str, amount: int) -> None:
        """Spend `amount` out of the reserved balance (a fill)."""
        key = (address, asset)
        entry = self._balances[key]
        entry[RESERVED] -= amount
        self.touched[key] = entry

    def fill(self, address: str, spent_asset: str, spent_units: int, received_asset: str, received_units: int) -> None:
        """Settle one party's side of a fill: spend out of its reserved `spent_asset`, credit `received_asset`.

        One call does what `consume` then `credit` do (fills are the hottest ledger path)."""
        balances, touched = self._balances, self.touched
        key = (address, spent_asset)
        spent = balances[key]
        spent[RESERVED] -= spent_units
        touched[key] = spent
        key = (address, received_asset)
        received = balances.get(key)
        if received is None:
            received = balances[key] = [received_units, 0]
        else:
            received[FREE] += received_units
        touched[key] = received

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
        return sorted(a for (a, s), entry in self._balances.items() if s == asset and any(entry))

    def total(self, asset: str) -> int:
        """Everything held of `asset`, free and reserved, across all addresses."""
        return sum(entry[FREE] + entry[RESERVED] for (_, s), entry in self._balances.items() if s == asset)

    def zero(self, address: str, asset: str) -> int:
        """Remove an address's whole free balance of `asset` (nothing may be reserved); return it."""
        key = (address, asset)
        entry = self._balances.get(key)
        if entry is None:
            return 0
        amount, entry[FREE] = entry[FREE], 0
        self.touched[key] = entry
        return amount

    def take_changes(self) -> list[tuple[str, str, int, int]]:
        """Return (address, asset, free, reserved) of every balance changed since the last call, and forget them."""
        changes = [(address, asset, entry[FREE], entry[RESERVED]) for (address, asset), entry in self.touched.items()]
        self.touched.clear()
        return changes

    def items(self) -> list[tuple[str, str, int, int]]:
        """Every (address, asset, free, reserved) with a non-zero amount, sorted."""
        return sorted((a, s, e[FREE], e[RESERVED]) for (a, s), e in self._balances.items() if any(e))

    def problems(self) -> list[str]:
        """Return every negative balance (empty when the ledger is sound)."""
        return [f"negative balance {key}: {entry}" for key, entry in self._balances.items() if min(entry) < 0]
