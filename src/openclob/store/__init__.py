"""Durable storage: the command journal and the query tables (SQLite embedded, PostgreSQL for production)."""

from __future__ import annotations

from pathlib import Path

from openclob.store.base import Batch, Journalled, SnapshotStore, Store, StoredSnapshot, StoreError
from openclob.store.records import (
    ApiKeyRecord,
    MakerLegRecord,
    MarketInfoRecord,
    NotificationRecord,
    OrderRecord,
    PricePointRecord,
    RateLimitTierRecord,
    TradeRecord,
    WalletLinkRecord,
)
from openclob.store.sqlite import SqliteStore

DEFAULT_SQLITE_FILE = "openclob.db"
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def open_store(url: str | None, data_dir: Path) -> Store:
    """Open (connect and migrate) the store that `url` names, and return it.

    `sqlite:///relative.db` is relative to the current directory, `sqlite:////abs/path.db` absolute;
    `postgresql://...` or `postgres://...` is a libpq URL; None or empty means `<data_dir>/openclob.db`.
    """
    store: Store
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        store = SqliteStore(data_dir / DEFAULT_SQLITE_FILE)
    elif url.startswith(_SQLITE_PREFIX):
        store = SqliteStore(Path(url.removeprefix(_SQLITE_PREFIX)).absolute())
    elif url.startswith(_POSTGRES_PREFIXES):
        from openclob.store.postgres import PostgresStore  # psycopg is only needed for PostgreSQL

        store = PostgresStore(url)
    else:
        raise ValueError(f"unsupported store URL {url!r}: use sqlite:///<file> or postgresql://...")
    store.open()
    return store


__all__ = [
    "ApiKeyRecord",
    "Batch",
    "Journalled",
    "MakerLegRecord",
    "MarketInfoRecord",
    "NotificationRecord",
    "OrderRecord",
    "PricePointRecord",
    "RateLimitTierRecord",
    "SnapshotStore",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoredSnapshot",
    "TradeRecord",
    "WalletLinkRecord",
    "open_store",
]
