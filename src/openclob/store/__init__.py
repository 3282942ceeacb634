"""Durable storage: the command journal and the query tables (SQLite embedded, PostgreSQL for production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from openclob.store.sql import SqlStore
from openclob.store.sqlite import SqliteStore

DEFAULT_SQLITE_FILE = "openclob.db"
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def sqlite_path(url: str) -> Path:
    """The absolute path of the file a `sqlite:///...` URL names."""
    if not url.startswith(_SQLITE_PREFIX):
        raise ValueError(f"not a SQLite URL: {url!r}")
    return Path(url.removeprefix(_SQLITE_PREFIX)).absolute()


def open_store(url: str | None, data_dir: Path) -> Store:
    """Open (connect and migrate) the store that `url` names, and return it.

    `sqlite:///relative.db` is relative to the current directory, `sqlite:////abs/path.db` absolute;
    `postgresql://...` or `postgres://...` is a libpq URL; None or empty means `<data_dir>/openclob.db`.
    """
    store = store_at(url, data_dir)
    store.open()
    return store


def store_at(url: str | None, data_dir: Path) -> SqlStore[Any]:
    """The store that `url` names (as `open_store` reads it), not yet connected."""
    if is_postgres_url(url):
        from openclob.store.postgres import PostgresStore  # psycopg is only needed for PostgreSQL

        return PostgresStore(url or "")
    path = default_sqlite_path(data_dir) if not url else sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(path)


def is_postgres_url(url: str | None) -> bool:
    """Whether `url` names a PostgreSQL database (False for SQLite or None); ValueError if it names neither."""
    if not url or url.startswith(_SQLITE_PREFIX):
        return False
    if url.startswith(_POSTGRES_PREFIXES):
        return True
    raise ValueError("unsupported store URL: use sqlite:///<file> or postgresql://...")


def default_sqlite_path(data_dir: Path) -> Path:
    """Where the embedded store lives when no URL is given."""
    return data_dir / DEFAULT_SQLITE_FILE


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
    "default_sqlite_path",
    "is_postgres_url",
    "open_store",
    "sqlite_path",
]
