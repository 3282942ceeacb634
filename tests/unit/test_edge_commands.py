"""Edge commands: each handler's checks, the rows it adds and its result; every command and result survives
msgpack, as it must to cross a socket."""

from __future__ import annotations

import msgspec
import pytest

from openclob.edge_commands import (
    ClockMoved,
    CreateApiKey,
    CreateReadonlyKey,
    DeleteApiKey,
    DeleteNotifications,
    DeleteReadonlyKey,
    EdgeCommand,
    EdgeResult,
    KeyCreated,
    LinkWallet,
    MoveClock,
    PruneNotifications,
    Refusal,
    Refused,
    RememberMarket,
    SetRateLimitTier,
    StoreClock,
    handle,
)
from openclob.edge_state import KeyTable
from openclob.store.base import Batch
from openclob.store.records import (
    ApiKeyRecord,
    ClockRecord,
    MarketInfoRecord,
    RateLimitTierRecord,
    WalletLinkRecord,
)

ALICE, BOB = "0x" + "a1" * 20, "0x" + "b2" * 20
NOW_MS = 1_700_000_000_000
INFO = MarketInfoRecord(condition_id="0x" + "c3" * 32, question="q?", description="d", market_slug="q", created_at_ms=5)
LINK = WalletLinkRecord(signer=ALICE, funder=BOB, signature_type=2)


def _create(address: str = ALICE, nonce: int = 0, api_key: str = "key-a0") -> CreateApiKey:
    return CreateApiKey(address=address, nonce=nonce, api_key=api_key, secret="secret", passphrase="pass")


def _batch() -> Batch:
    return Batch(written_at_ms=NOW_MS)


def test_create_api_key_stores_the_record_stamped_with_the_batch_time_and_says_it_is_the_first() -> None:
    keys, batch = KeyTable(), _batch()
    created = handle(_create(), keys, batch)
    record = ApiKeyRecord(
        api_key="key-a0",
        address=ALICE,
        nonce=0,
        secret="secret",
        passphrase="pass",
        readonly=False,
        created_at_ms=NOW_MS,
    )
    assert created == KeyCreated(record=record, first_key=True)
    assert batch.api_keys == [record]
    assert keys.api_keys == {"key-a0": record} and keys.keys_by_address_nonce == {(ALICE, 0): record}


def test_a_second_key_of_an_address_is_not_its_first() -> None:
    keys = KeyTable()
    handle(_create(), keys, _batch())
    created = handle(_create(nonce=1, api_key="key-a1"), keys, _batch())
    assert isinstance(created, KeyCreated) and not created.first_key


def test_creating_an_existing_key_is_refused_and_changes_nothing() -> None:
    keys = KeyTable()
    handle(_create(), keys, _batch())
    before = keys.key_table()
    batch = _batch()
    assert handle(_create(), keys, batch) == Refused(refusal=Refusal.API_KEY_EXISTS)
    assert handle(_create(nonce=7), keys, batch) == Refused(refusal=Refusal.API_KEY_EXISTS)  # same key, other nonce
    assert batch == _batch()
    assert keys == before


def test_two_creations_of_one_key_in_one_batch_the_second_is_refused() -> None:
    keys, batch = KeyTable(), _batch()
    assert isinstance(handle(_create(), keys, batch), KeyCreated)
    assert handle(_create(), keys, batch) == Refused(refusal=Refusal.API_KEY_EXISTS)
    assert len(batch.api_keys) == 1


def test_a_key_deleted_then_created_again_in_one_batch_is_not_deleted_by_the_store() -> None:
    keys = KeyTable()
    handle(_create(), keys, _batch())
    batch = _batch()
    handle(DeleteApiKey(api_key="key-a0"), keys, batch)
    assert batch.deleted_api_keys == ["key-a0"]
    created = handle(_create(), keys, batch)
    assert isinstance(created, KeyCreated)
    assert batch.deleted_api_keys == [] and batch.api_keys == [created.record]  # the store upserts, then deletes
    assert keys.api_keys == {"key-a0": created.record}


def test_delete_api_key_adds_the_deletion_and_forgets_the_key() -> None:
    keys = KeyTable()
    handle(_create(), keys, _batch())
    batch = _batch()
    assert handle(DeleteApiKey(api_key="key-a0"), keys, batch) is None
    assert batch.deleted_api_keys == ["key-a0"]
    assert keys == KeyTable()


def test_create_readonly_key_stores_a_key_without_secret() -> None:
    keys, batch = KeyTable(), _batch()
    created = handle(CreateReadonlyKey(address=ALICE, api_key="ro-1"), keys, batch)
    record = ApiKeyRecord(
        api_key="ro-1", address=ALICE, nonce=0, secret="", passphrase="", readonly=True, created_at_ms=NOW_MS
    )
    assert created == KeyCreated(record=record, first_key=False)
    assert batch.api_keys == [record]
    assert keys.api_keys == {"ro-1": record} and keys.keys_by_address_nonce == {}
    assert handle(CreateReadonlyKey(address=BOB, api_key="ro-1"), keys, _batch()) == Refused(
        refusal=Refusal.API_KEY_EXISTS
    )


@pytest.mark.parametrize(
    ("address", "api_key"),
    [(BOB, "ro-1"), (ALICE, "ro-none"), (ALICE, "key-a0")],
    ids=["another-address", "unknown-key", "a-full-key"],
)
def test_delete_readonly_key_is_refused_unless_it_is_a_readonly_key_of_the_address(address: str, api_key: str) -> None:
    keys = KeyTable()
    handle(_create(), keys, _batch())
    handle(CreateReadonlyKey(address=ALICE, api_key="ro-1"), keys, _batch())
    batch = _batch()
    refused = handle(DeleteReadonlyKey(address=address, api_key=api_key), keys, batch)
    assert refused == Refused(refusal=Refusal.READONLY_KEY_NOT_FOUND)
    assert batch.deleted_api_keys == [] and len(keys.api_keys) == 2


def test_delete_readonly_key_of_the_address_deletes_it() -> None:
    keys = KeyTable()
    handle(CreateReadonlyKey(address=ALICE, api_key="ro-1"), keys, _batch())
    batch = _batch()
    assert handle(DeleteReadonlyKey(address=ALICE, api_key="ro-1"), keys, batch) is None
    assert batch.deleted_api_keys == ["ro-1"] and keys.api_keys == {}


def test_remember_market_keeps_the_given_time_unless_just_listed() -> None:
    batch = _batch()
    assert handle(RememberMarket(info=INFO), KeyTable(), batch) is None
    assert handle(RememberMarket(info=INFO, listed=True), KeyTable(), batch) is None
    assert batch.market_infos == [INFO, msgspec.structs.replace(INFO, created_at_ms=NOW_MS)]


def test_the_other_commands_add_their_rows() -> None:
    keys, batch = KeyTable(), _batch()
    tier = RateLimitTierRecord(address=ALICE, tier="gold")
    clock = ClockRecord(offset_ms=0, frozen_at_ms=NOW_MS)
    for command in (
        LinkWallet(link=LINK),
        SetRateLimitTier(record=tier),
        DeleteNotifications(owner="key-a0", ids=[3, 4]),
        PruneNotifications(before_ms=NOW_MS - 10),
        StoreClock(record=clock),
    ):
        assert handle(command, keys, batch) is None
    assert batch.wallet_links == [LINK]
    assert batch.rate_limit_tiers == [tier]
    assert batch.deleted_notifications == [("key-a0", [3, 4])]
    assert batch.prune_notifications_before_ms == NOW_MS - 10
    assert batch.exchange_clock == clock
    assert batch.api_keys == [] and batch.deleted_api_keys == [] and keys == KeyTable()


EVERY_COMMAND: list[EdgeCommand] = [
    _create(),
    DeleteApiKey(api_key="key-a0"),
    CreateReadonlyKey(address=ALICE, api_key="ro-1"),
    DeleteReadonlyKey(address=ALICE, api_key="ro-1"),
    RememberMarket(info=INFO, listed=True),
    LinkWallet(link=LINK),
    SetRateLimitTier(record=RateLimitTierRecord(address=ALICE, tier="silver")),
    DeleteNotifications(owner="key-a0", ids=[1, 2]),
    PruneNotifications(before_ms=NOW_MS),
    StoreClock(record=ClockRecord(offset_ms=-5, frozen_at_ms=None)),
    MoveClock(advance_ms=60_000, freeze=True),
]


def test_every_edge_command_type_is_in_the_round_trip_list() -> None:
    assert {type(command) for command in EVERY_COMMAND} == set(EdgeCommand.__args__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda command: type(command).__name__)
def test_every_edge_command_round_trips_through_msgpack(command: EdgeCommand) -> None:
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(command), type=EdgeCommand) == command


@pytest.mark.parametrize(
    "result",
    [
        KeyCreated(
            record=ApiKeyRecord(
                api_key="k", address=ALICE, nonce=1, secret="s", passphrase="p", readonly=False, created_at_ms=9
            ),
            first_key=True,
        ),
        ClockMoved(now_ms=NOW_MS, frozen=False),
        Refused(refusal=Refusal.CLOCK_PAST_END, detail="too far"),
        None,
    ],
    ids=["key-created", "clock-moved", "refused", "none"],
)
def test_every_edge_result_round_trips_through_msgpack(result: EdgeResult) -> None:
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(result), type=EdgeResult) == result
