"""The edge's read model: built from a durable batch's rows in the order the store writes them."""

from __future__ import annotations

from openclob.edge_state import EdgeState, KeyTable
from openclob.store.base import Batch
from openclob.store.records import ApiKeyRecord, MarketInfoRecord, RateLimitTierRecord, WalletLinkRecord

ALICE, BOB = "0x" + "a1" * 20, "0x" + "b2" * 20


def _key(api_key: str, nonce: int = 0, readonly: bool = False) -> ApiKeyRecord:
    return ApiKeyRecord(
        api_key=api_key,
        address=ALICE,
        nonce=nonce,
        secret="",
        passphrase="",
        readonly=readonly,
        created_at_ms=1,
    )


def test_apply_rows_adds_keys_then_deletes_as_the_store_does() -> None:
    edge = EdgeState()
    edge.add_key(_key("old", nonce=1))
    edge.apply_rows(Batch(api_keys=[_key("new"), _key("ro", readonly=True)], deleted_api_keys=["old", "new"]))
    assert edge.api_keys == {"ro": _key("ro", readonly=True)}
    assert edge.keys_by_address_nonce == {}


def test_apply_rows_takes_the_last_of_each_link_market_and_tier() -> None:
    edge = EdgeState()
    first = MarketInfoRecord(condition_id="0xc", question="a", description="", market_slug="a", created_at_ms=1)
    last = MarketInfoRecord(condition_id="0xc", question="b", description="", market_slug="b", created_at_ms=2)
    link = WalletLinkRecord(signer=ALICE, funder=BOB, signature_type=1)
    edge.apply_rows(
        Batch(
            market_infos=[first, last],
            wallet_links=[link],
            rate_limit_tiers=[RateLimitTierRecord(address=ALICE, tier="gold")],
        )
    )
    assert edge.market_infos == {"0xc": last}
    assert edge.wallet_links == {(ALICE, BOB): link}
    assert edge.rate_limit_tiers == {ALICE: "gold"}


def test_key_table_is_a_copy_of_the_keys_alone() -> None:
    edge = EdgeState()
    edge.add_key(_key("k"))
    table = edge.key_table()
    table.remove_key("k")
    assert type(table) is KeyTable and table == KeyTable()
    assert edge.api_keys == {"k": _key("k")} and edge.keys_by_address_nonce == {(ALICE, 0): _key("k")}
