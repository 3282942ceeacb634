"""Edge commands: changes to the edge's own data (keys, wallet links, market words, tiers, notifications, the
clock), as plain serializable values the sequencer orders and stores like any other command.

The edge builds a command with everything it needs (it derives key credentials itself); the sequencer checks it
against its `KeyTable` (edge_state.py), adds its rows to the batch and updates the table, and the result comes
back once the batch is durable. A command the sequencer refuses gets a `Refused` value, never an exception: the
API maps each `Refusal` to Polymarket's status and string (api/errors.py). Commands, results and refusals are
tagged msgspec Structs, so an edge in another process can send and receive them as they are.

`MoveClock` needs the exchange and its clock: the service applies it (service.py, `_move_clock`); every other
command is handled here, by `handle`.
"""

from __future__ import annotations

import enum
from typing import assert_never

import msgspec

from openclob.edge_state import KeyTable
from openclob.store.base import Batch
from openclob.store.records import (
    ApiKeyRecord,
    ClockRecord,
    MarketInfoRecord,
    RateLimitTierRecord,
    WalletLinkRecord,
)


class _EdgeCommand(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Base of every edge command: tagged with its class name."""


class CreateApiKey(_EdgeCommand, frozen=True, kw_only=True):
    """Create the full key of (address, nonce) with the credentials the edge derived; refused if it exists."""

    address: str
    nonce: int
    api_key: str
    secret: str
    passphrase: str


class DeleteApiKey(_EdgeCommand, frozen=True, kw_only=True):
    """Delete a key (the edge authenticated the request with it)."""

    api_key: str


class CreateReadonlyKey(_EdgeCommand, frozen=True, kw_only=True):
    """Create a read-only key (no secret) of `address`; refused if the key exists."""

    address: str
    api_key: str


class DeleteReadonlyKey(_EdgeCommand, frozen=True, kw_only=True):
    """Delete a read-only key of `address`; refused unless it is one."""

    address: str
    api_key: str


class RememberMarket(_EdgeCommand, frozen=True, kw_only=True):
    """Store a market's words; those of a market just `listed` are stamped with the batch's time."""

    info: MarketInfoRecord
    listed: bool = False


class LinkWallet(_EdgeCommand, frozen=True, kw_only=True):
    """Let a signer trade for a proxy, Safe or deposit wallet."""

    link: WalletLinkRecord


class SetRateLimitTier(_EdgeCommand, frozen=True, kw_only=True):
    """Set a signer address's trading rate-limit tier."""

    record: RateLimitTierRecord


class DeleteNotifications(_EdgeCommand, frozen=True, kw_only=True):
    """Delete some of an API key's notifications (an owner deletes only its own)."""

    owner: str
    ids: list[int]


class PruneNotifications(_EdgeCommand, frozen=True, kw_only=True):
    """Delete notifications created before `before_ms`: they are past retention."""

    before_ms: int


class StoreClock(_EdgeCommand, frozen=True, kw_only=True):
    """Store the exchange clock's state (as configured at start)."""

    record: ClockRecord


class MoveClock(_EdgeCommand, frozen=True, kw_only=True):
    """Move the exchange clock `advance_ms` forward, applying what falls due on the way, and/or freeze it."""

    advance_ms: int = 0
    freeze: bool | None = None
    """None keeps the clock running or frozen as it is."""


KeyCommand = CreateApiKey | CreateReadonlyKey
"""The commands that answer `KeyCreated`."""
PlainCommand = DeleteApiKey | RememberMarket | LinkWallet | SetRateLimitTier | DeleteNotifications
"""The commands that always answer None."""
InternalCommand = PruneNotifications | StoreClock
"""The commands only the service itself sends."""
TableCommand = KeyCommand | DeleteReadonlyKey | PlainCommand | InternalCommand
"""Every command `handle` applies."""
EdgeCommand = TableCommand | MoveClock


class Refusal(enum.Enum):
    """Why the sequencer refused an edge command, named after the rule that failed."""

    API_KEY_EXISTS = "api_key_exists"
    READONLY_KEY_NOT_FOUND = "readonly_key_not_found"
    CLOCK_PAST_END = "clock_past_end"


class Refused(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """An edge command that changed nothing, and why."""

    refusal: Refusal
    detail: str = ""


class KeyCreated(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The key stored; `first_key` when its address had no key before (the faucet then pays)."""

    record: ApiKeyRecord
    first_key: bool


class ClockMoved(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """The exchange clock after `MoveClock`."""

    now_ms: int
    frozen: bool


EdgeResult = KeyCreated | ClockMoved | Refused | None


def handle(command: TableCommand, keys: KeyTable, batch: Batch) -> KeyCreated | Refused | None:
    """Apply one edge command inside the sequencer: check it against `keys`, add its rows to `batch`, update
    `keys`; the batch's `written_at_ms` is the time stamped on what it creates."""
    match command:
        case CreateApiKey():
            return _create_api_key(command, keys, batch)
        case CreateReadonlyKey():
            return _create_readonly_key(command, keys, batch)
        case DeleteApiKey():
            _delete_key(command.api_key, keys, batch)
        case DeleteReadonlyKey():
            record = keys.api_keys.get(command.api_key)
            if record is None or not record.readonly or record.address != command.address:
                return Refused(refusal=Refusal.READONLY_KEY_NOT_FOUND)
            _delete_key(command.api_key, keys, batch)
        case RememberMarket():
            info = command.info
            if command.listed:
                info = msgspec.structs.replace(info, created_at_ms=batch.written_at_ms)
            batch.market_infos.append(info)
        case LinkWallet():
            batch.wallet_links.append(command.link)
        case SetRateLimitTier():
            batch.rate_limit_tiers.append(command.record)
        case DeleteNotifications():
            batch.deleted_notifications.append((command.owner, list(command.ids)))
        case PruneNotifications():
            batch.prune_notifications_before_ms = command.before_ms
        case StoreClock():
            batch.exchange_clock = command.record
        case _:
            assert_never(command)
    return None


def _create_api_key(command: CreateApiKey, keys: KeyTable, batch: Batch) -> KeyCreated | Refused:
    address = command.address
    if (address, command.nonce) in keys.keys_by_address_nonce or command.api_key in keys.api_keys:
        return Refused(refusal=Refusal.API_KEY_EXISTS)
    first_key = not any(r.address == address for r in keys.api_keys.values())
    record = ApiKeyRecord(
        api_key=command.api_key,
        address=address,
        nonce=command.nonce,
        secret=command.secret,
        passphrase=command.passphrase,
        readonly=False,
        created_at_ms=batch.written_at_ms,
    )
    _add_key(record, keys, batch)
    return KeyCreated(record=record, first_key=first_key)


def _create_readonly_key(command: CreateReadonlyKey, keys: KeyTable, batch: Batch) -> KeyCreated | Refused:
    if command.api_key in keys.api_keys:
        return Refused(refusal=Refusal.API_KEY_EXISTS)
    record = ApiKeyRecord(
        api_key=command.api_key,
        address=command.address,
        nonce=0,
        secret="",
        passphrase="",
        readonly=True,
        created_at_ms=batch.written_at_ms,
    )
    _add_key(record, keys, batch)
    return KeyCreated(record=record, first_key=False)


def _add_key(record: ApiKeyRecord, keys: KeyTable, batch: Batch) -> None:
    # The store upserts a batch's keys before it deletes: a key deleted earlier in this batch (a full key is
    # derived again from the same address and nonce) must not be deleted after its re-creation.
    if record.api_key in batch.deleted_api_keys:
        batch.deleted_api_keys = [k for k in batch.deleted_api_keys if k != record.api_key]
    batch.api_keys.append(record)
    keys.add_key(record)


def _delete_key(api_key: str, keys: KeyTable, batch: Batch) -> None:
    batch.deleted_api_keys.append(api_key)
    keys.remove_key(api_key)
