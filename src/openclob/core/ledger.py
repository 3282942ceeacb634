"""Balances of collateral and outcome tokens per address, with reservations for open orders.

Each (address, asset) has one `Balance`: a free and a reserved amount. Accepting an order moves what it
may spend from free to reserved; fills take from reserved and credit the counterparties' free balances;
cancels and expiry move what is left back to free. Deposits and withdrawals are totalled so conservation
can be checked at any time: deposits - withdrawals = all collateral held (free + reserved, the fee
account included) + one unit per outstanding YES/NO pair.

Balances are found by address, then asset: two lookups by string (whose hashes are cached) cost less
than one by a freshly built (address, asset) tuple, which is hashed and compared item by item.

Every change puts the balance on the `touched` list, once (its `changed` flag says it is there), so the
exchange can report new balances once per command, in the order they first changed, without looking
them up again. A flag and a list cost less than a dict keyed by (address, asset), which would hash a key
on every change.
"""

from __future__ import annotations

from openclob.core.orders import COLLATERAL

FEE_ACCOUNT = "fees"
"""The ledger address that collects fees."""


class Balance:
    """What one address holds of one asset: free (spendable) and reserved (for open orders) amounts.

    Slotted, so the hot paths read and write its amounts on Python's fast path.
    """

    __slots__ = ("address", "asset", "changed", "free", "reserved")

    def __init__(self, address: str, asset: str, free: int) -> None:
        self.address = address
        self.asset = asset
        self.free = free
        self.reserved = 0
        self.changed = False
        """Whether it is on the ledger's `touched` list."""


class Ledger:
    """All balances. Amounts are integer 1e-6 units and never negative."""

    __slots__ = ("_balances", "deposited_units", "touched", "withdrawn_units")

    def __init__(self) -> None:
        self._balances: dict[str, dict[str, Balance]] = {}
        """Balances by address, then asset."""
        self.deposited_units = 0
        self.withdrawn_units = 0
        self.touched: list[Balance] = []
        """The balances changed since they were last reported, each once, first change first. Whoever
        reports them clears the list and every one's `changed` flag (see `take_changes`)."""

    def free(self, address: str, asset: str) -> int:
        """Free (spendable) amount."""
        balance = self._find(address, asset)
        return 0 if balance is None else balance.free

    def reserved(self, address: str, asset: str) -> int:
        """Amount held for open orders."""
        balance = self._find(address, asset)
        return 0 if balance is None else balance.reserved

    def entry(self, address: str, asset: str) -> tuple[int, int]:
        """(free, reserved)."""
        balance = self._find(address, asset)
        return (0, 0) if balance is None else (balance.free, balance.reserved)

    def credit(self, address: str, asset: str, amount: int) -> None:
        """Add to the free balance."""
        held = self._balances.get(address)
        if held is None:
            held = self._balances[address] = {}
        balance = held.get(asset)
        if balance is None:
            balance = held[asset] = Balance(address, asset, amount)
        else:
            balance.free += amount
        if not balance.changed:
            balance.changed = True
            self.touched.append(balance)

    def debit(self, address: str, asset: str, amount: int) -> bool:
        """Take from the free balance; refuse (False) if there is not enough."""
        balance = self._find(address, asset)
        if balance is None or amount > balance.free:
            return amount == 0
        balance.free -= amount
        if not balance.changed:
            balance.changed = True
            self.touched.append(balance)
        return True

    def reserve(self, address: str, asset: str, amount: int) -> bool:
        """Move `amount` from free to reserved; refuse (False) if not enough is free."""
        held = self._balances.get(address)
        balance = None if held is None else held.get(asset)  # (_find, inline: every order comes here)
        if balance is None or amount > balance.free:
            return amount == 0
        balance.free -= amount
        balance.reserved += amount
        if not balance.changed:
            balance.changed = True
            self.touched.append(balance)
        return True

    def release(self, address: str, asset: str, amount: int) -> None:
        """Move `amount` from reserved back to free."""
        balance = self._balances[address][asset]
        balance.reserved -= amount
        balance.free += amount
        if not balance.changed:
            balance.changed = True
            self.touched.append(balance)

    def consume(self, address: str, asset: str, amount: int) -> None:
        """Spend `amount` out of the reserved balance (a fill)."""
        balance = self._balances[address][asset]
        balance.reserved -= amount
        if not balance.changed:
            balance.changed = True
            self.touched.append(balance)

    def fill(self, address: str, spent_asset: str, spent_units: int, received_asset: str, received_units: int) -> None:
        """Settle one party's side of a fill: spend out of its reserved `spent_asset`, credit `received_asset`.

        One call does what `consume` then `credit` do (fills are the hottest ledger path)."""
        held, touched = self._balances[address], self.touched
        spent = held[spent_asset]
        spent.reserved -= spent_units
        if not spent.changed:
            spent.changed = True
            touched.append(spent)
        received = held.get(received_asset)
        if received is None:
            received = held[received_asset] = Balance(address, received_asset, received_units)
        else:
            received.free += received_units
        if not received.changed:
            received.changed = True
            touched.append(received)

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
        return sorted(a for a, b in self._each() if b.asset == asset and (b.free or b.reserved))

    def total(self, asset: str) -> int:
        """Everything held of `asset`, free and reserved, across all addresses."""
        return sum(b.free + b.reserved for _, b in self._each() if b.asset == asset)

    def zero(self, address: str, asset: str) -> int:
        """Remove an address's whole free balance of `asset` (nothing may be reserved); return it."""
        balance = self._find(address, asset)
        if balance is None:
            return 0
        amount, balance.free = balance.free, 0
        if not balance.changed:
            balance.changed = True
            self.touched.append(balance)
        return amount

    def take_changes(self) -> list[tuple[str, str, int, int]]:
        """Return (address, asset, free, reserved) of every balance changed since the last call, and forget them."""
        changes = []
        for balance in self.touched:
            balance.changed = False
            changes.append((balance.address, balance.asset, balance.free, balance.reserved))
        self.touched.clear()
        return changes

    def items(self) -> list[tuple[str, str, int, int]]:
        """Every (address, asset, free, reserved) with a non-zero amount, sorted."""
        return sorted((a, b.asset, b.free, b.reserved) for a, b in self._each() if b.free or b.reserved)

    def problems(self) -> list[str]:
        """Return every negative balance, and every balance out of step with the touched list (empty when sound)."""
        found = [
            f"negative balance {(a, b.asset)}: {[b.free, b.reserved]}"
            for a, b in self._each()
            if b.free < 0 or b.reserved < 0
        ]
        touched = {id(b) for b in self.touched}
        found += [
            f"balance {(a, b.asset)} changed flag {b.changed} but touched {id(b) in touched}"
            for a, b in self._each()
            if b.changed != (id(b) in touched)
        ]
        return found

    def _find(self, address: str, asset: str) -> Balance | None:
        held = self._balances.get(address)
        return None if held is None else held.get(asset)

    def _each(self) -> list[tuple[str, Balance]]:
        return [(address, b) for address, held in self._balances.items() for b in held.values()]
