"""The edge's own data: API keys, wallet links, market words and rate-limit tiers.

Two copies exist. The sequencer keeps a `KeyTable` it checks edge commands against (edge_commands.py) and
updates as it applies them, so two requests in one batch see each other. The edge reads an `EdgeState` (auth,
wallet links, market words), a read model built from the store at start and then from the rows of each
batch once that batch is durable (`apply_rows`): the edge never shows a change a failed write takes back,
and a caller answered after its batch is durable reads its own change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openclob.store.base import Batch, Store
from openclob.store.records import ApiKeyRecord, MarketInfoRecord, WalletLinkRecord


@dataclass(slots=True)
class KeyTable:
    """API keys by key, and full keys by (address, nonce)."""

    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    keys_by_address_nonce: dict[tuple[str, int], ApiKeyRecord] = field(default_factory=dict)

    def add_key(self, record: ApiKeyRecord) -> None:
        """Remember a key."""
        self.api_keys[record.api_key] = record
        if not record.readonly:
            self.keys_by_address_nonce[(record.address, record.nonce)] = record

    def remove_key(self, api_key: str) -> None:
        """Forget a key."""
        record = self.api_keys.pop(api_key, None)
        if record is not None and not record.readonly:
            self.keys_by_address_nonce.pop((record.address, record.nonce), None)

    def key_table(self) -> KeyTable:
        """A copy of the keys alone."""
        return KeyTable(dict(self.api_keys), dict(self.keys_by_address_nonce))


@dataclass(slots=True)
class EdgeState(KeyTable):
    """What the edge keeps in memory for fast auth and reads: loaded from the store, then fed durable batches."""

    wallet_links: dict[tuple[str, str], WalletLinkRecord] = field(default_factory=dict)
    """(signer, funder) -> link."""
    market_infos: dict[str, MarketInfoRecord] = field(default_factory=dict)
    rate_limit_tiers: dict[str, str] = field(default_factory=dict)
    """Signer address -> the trading rate-limit tier the operator set (api/rate_limits.py)."""

    @classmethod
    def load(cls, store: Store) -> EdgeState:
        """The edge's data as the store holds it (a blocking read)."""
        edge = cls()
        for record in store.api_keys():
            edge.add_key(record)
        for link in store.wallet_links():
            edge.wallet_links[(link.signer, link.funder)] = link
        for info in store.market_infos():
            edge.market_infos[info.condition_id] = info
        for tier in store.rate_limit_tiers():
            edge.rate_limit_tiers[tier.address] = tier.tier
        return edge

    def apply_rows(self, batch: Batch) -> None:
        """Take in a durable batch's edge rows, in the order the store writes them (keys upserted, then deleted)."""
        for record in batch.api_keys:
            self.add_key(record)
        for api_key in batch.deleted_api_keys:
            self.remove_key(api_key)
        for link in batch.wallet_links:
            self.wallet_links[(link.signer, link.funder)] = link
        for info in batch.market_infos:
            self.market_infos[info.condition_id] = info
        for tier in batch.rate_limit_tiers:
            self.rate_limit_tiers[tier.address] = tier.tier
