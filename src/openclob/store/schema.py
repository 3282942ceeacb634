"""The schema, shared by SQLite and PostgreSQL: versioned migrations and the write statements.

Statements use `?` placeholders; a backend rewrites them if its driver wants another style. DDL names
three types that differ between the two (`{int}`, `{blob}`, `{serial_key}`). Keys are NOT NULL
explicitly: SQLite, unlike PostgreSQL, lets a TEXT primary key hold NULL. Every query of the store
is an index range scan: orders by (owner, position), with a partial index for the open ones; trade
listings through `trade_parties` by (owner, position); trades and orders by id; a market's trades by
(condition_id, position); price points by (token_id, at_ms); notifications by (owner, id); the Data API's
activity (trades, splits, merges, conversions, redemptions) by (address, sequence, item), and the public trade
tape by trades' position. `exchange_clock` holds one row, the exchange clock's offset or frozen time
(service.py). `events` and `event_markets` hold the listed events and which market is which outcome. `snapshots` keeps
the latest exchange snapshot (see store/base.py), recovery's starting point. `unprojected_batches` lists the
journalled batches whose query-table rows are not written yet (see `Store.write_projection`).
"""

from __future__ import annotations

from typing import NamedTuple

from openclob.store.records import (
    ActivityRecord,
    ApiKeyRecord,
    EventRecord,
    MarketInfoRecord,
    OrderRecord,
    RateLimitTierRecord,
    TradeRecord,
    WalletLinkRecord,
)

SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version {int} PRIMARY KEY)"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE journal (sequence {int} PRIMARY KEY, command {blob} NOT NULL)",
        """CREATE TABLE orders (
            order_id TEXT NOT NULL PRIMARY KEY, position {int} NOT NULL, owner TEXT NOT NULL, maker TEXT NOT NULL,
            signer TEXT NOT NULL, condition_id TEXT NOT NULL, token_id TEXT NOT NULL, side TEXT NOT NULL,
            order_type TEXT NOT NULL, price_units {int} NOT NULL, size_units {int} NOT NULL,
            matched_units {int} NOT NULL, status TEXT NOT NULL, fee_rate_bps {int} NOT NULL,
            expiration {int} NOT NULL, created_at_ms {int} NOT NULL, updated_at_ms {int} NOT NULL,
            trade_ids TEXT NOT NULL, cancel_reason TEXT)""",
        "CREATE INDEX orders_by_owner ON orders (owner, position)",
        "CREATE INDEX orders_open_by_owner ON orders (owner, position) WHERE status = 'LIVE'",
        """CREATE TABLE trades (
            trade_id TEXT NOT NULL PRIMARY KEY, position {int} NOT NULL, condition_id TEXT NOT NULL,
            taker_order_id TEXT NOT NULL, taker_owner TEXT NOT NULL, taker_maker TEXT NOT NULL,
            token_id TEXT NOT NULL, side TEXT NOT NULL, size_units {int} NOT NULL,
            collateral_units {int} NOT NULL, fee_units {int} NOT NULL, fee_rate_bps {int} NOT NULL,
            kind TEXT NOT NULL, status TEXT NOT NULL, matched_at_ms {int} NOT NULL, updated_at_ms {int} NOT NULL,
            transaction_hash TEXT NOT NULL, maker_legs {blob} NOT NULL)""",
        "CREATE INDEX trades_by_market ON trades (condition_id, position)",
        """CREATE TABLE trade_parties (
            owner TEXT NOT NULL, position {int} NOT NULL, trade_id TEXT NOT NULL, condition_id TEXT NOT NULL,
            token_id TEXT NOT NULL, maker_address TEXT NOT NULL, matched_at_ms {int} NOT NULL,
            PRIMARY KEY (owner, position, token_id, maker_address))""",
        """CREATE TABLE price_points (
            point_id {serial_key}, token_id TEXT NOT NULL, at_ms {int} NOT NULL, price_units {int} NOT NULL)""",
        "CREATE INDEX price_points_by_token ON price_points (token_id, at_ms, point_id)",
        """CREATE TABLE notifications (
            notification_id {serial_key}, owner TEXT NOT NULL, type {int} NOT NULL, payload TEXT NOT NULL,
            created_at_ms {int} NOT NULL)""",
        "CREATE INDEX notifications_by_owner ON notifications (owner, notification_id)",
        """CREATE TABLE api_keys (
            api_key TEXT NOT NULL PRIMARY KEY, address TEXT NOT NULL, nonce {int} NOT NULL, secret TEXT NOT NULL,
            passphrase TEXT NOT NULL, readonly {int} NOT NULL, created_at_ms {int} NOT NULL)""",
        """CREATE TABLE wallet_links (
            signer TEXT NOT NULL, funder TEXT NOT NULL, signature_type {int} NOT NULL, PRIMARY KEY (signer, funder))""",
        """CREATE TABLE market_infos (
            condition_id TEXT NOT NULL PRIMARY KEY, question TEXT NOT NULL, description TEXT NOT NULL,
            market_slug TEXT NOT NULL, created_at_ms {int} NOT NULL, end_date_iso TEXT NOT NULL,
            question_id TEXT NOT NULL)""",
    ),
    ("ALTER TABLE trades ADD COLUMN builder_code TEXT NOT NULL DEFAULT ''",),
    (
        """CREATE TABLE snapshots (
            sequence {int} NOT NULL PRIMARY KEY, format {int} NOT NULL, clock_ms {int} NOT NULL,
            state {blob} NOT NULL)""",
    ),
    (
        """CREATE TABLE unprojected_batches (
            last_sequence {int} NOT NULL PRIMARY KEY, first_sequence {int} NOT NULL)""",
    ),
    ("CREATE INDEX notifications_by_age ON notifications (created_at_ms)",),
    ("CREATE TABLE rate_limit_tiers (address TEXT NOT NULL PRIMARY KEY, tier TEXT NOT NULL)",),
    (
        """CREATE TABLE exchange_clock (
            id {int} NOT NULL PRIMARY KEY, offset_ms {int} NOT NULL, frozen_at_ms {int})""",
    ),
    # 8: an empty placeholder (no branch uses it; it keeps the numbering)
    (),
    # 9: events and which market is which outcome; an outcome's short name
    (
        """CREATE TABLE events (
            event_id TEXT NOT NULL PRIMARY KEY, position {int} NOT NULL, title TEXT NOT NULL, slug TEXT NOT NULL,
            description TEXT NOT NULL, neg_risk {int} NOT NULL, neg_risk_market_id TEXT NOT NULL,
            condition_ids TEXT NOT NULL, created_at_ms {int} NOT NULL)""",
        "CREATE INDEX events_by_slug ON events (slug)",
        """CREATE TABLE event_markets (
            condition_id TEXT NOT NULL PRIMARY KEY, event_id TEXT NOT NULL, outcome_index {int} NOT NULL)""",
        "ALTER TABLE market_infos ADD COLUMN group_item_title TEXT NOT NULL DEFAULT ''",
    ),
    # 10: an empty placeholder (another branch's, kept empty)
    (),
    # 11: the Data API's read model (activity by address) and the public trade tape (trades by position)
    (
        """CREATE TABLE activity (
            address TEXT NOT NULL, sequence {int} NOT NULL, item {int} NOT NULL, type TEXT NOT NULL,
            condition_id TEXT NOT NULL, token_id TEXT NOT NULL, side TEXT NOT NULL, size_units {int} NOT NULL,
            usdc_units {int} NOT NULL, price_units {int} NOT NULL, taker {int} NOT NULL, trade_id TEXT NOT NULL,
            transaction_hash TEXT NOT NULL, at_ms {int} NOT NULL, event_id TEXT NOT NULL, index_set TEXT NOT NULL,
            token_ids_in TEXT NOT NULL, token_ids_out TEXT NOT NULL, PRIMARY KEY (address, sequence, item))""",
        "CREATE INDEX trades_by_position ON trades (position)",
    ),
)
"""Migration N (from 1) is MIGRATIONS[N - 1]; append new ones, never edit an applied one."""

ORDER_COLUMNS = OrderRecord.__struct_fields__
TRADE_COLUMNS = TradeRecord.__struct_fields__


class Insert(NamedTuple):
    """A plain INSERT: a backend may load its rows another way (PostgreSQL: COPY)."""

    table: str
    columns: tuple[str, ...]
    sql: str


def _plain_insert(table: str, columns: tuple[str, ...]) -> Insert:
    return Insert(table, columns, _insert(table, columns))


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f"{_insert(table, columns)} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


INSERT_JOURNAL = "INSERT INTO journal (sequence, command) VALUES (?, ?)"
INSERT_ORDER = _plain_insert("orders", ORDER_COLUMNS)
FILL_ORDER = (
    "UPDATE orders SET matched_units = ?, status = ?, updated_at_ms = ?,"
    " trade_ids = CASE WHEN trade_ids = '' THEN ? ELSE trade_ids || ',' || ? END WHERE order_id = ?"
)
CANCEL_ORDER = "UPDATE orders SET status = 'CANCELED', cancel_reason = ?, updated_at_ms = ? WHERE order_id = ?"


def cancel_orders(count: int) -> str:
    """Cancel `count` orders with one reason and time: parameters (reason, updated_at_ms, *order_ids)."""
    return _CANCEL_ORDERS.get(count) or _CANCEL_ORDERS.setdefault(count, _cancel_orders(count))


def _cancel_orders(count: int) -> str:
    ids = ", ".join("?" * count)
    return f"UPDATE orders SET status = 'CANCELED', cancel_reason = ?, updated_at_ms = ? WHERE order_id IN ({ids})"


_CANCEL_ORDERS: dict[int, str] = {}
INSERT_TRADE = _plain_insert("trades", TRADE_COLUMNS)
INSERT_TRADE_PARTY = _plain_insert(
    "trade_parties", ("owner", "position", "trade_id", "condition_id", "token_id", "maker_address", "matched_at_ms")
)
INSERT_PRICE_POINT = _plain_insert("price_points", ("token_id", "at_ms", "price_units"))
INSERT_NOTIFICATION = _plain_insert("notifications", ("owner", "type", "payload", "created_at_ms"))
UPDATE_TRADE_STATUS = "UPDATE trades SET status = ?, updated_at_ms = ? WHERE trade_id = ?"
API_KEY_COLUMNS = ApiKeyRecord.__struct_fields__
UPSERT_API_KEY = _upsert("api_keys", API_KEY_COLUMNS, ("api_key",))
DELETE_API_KEY = "DELETE FROM api_keys WHERE api_key = ?"
WALLET_LINK_COLUMNS = WalletLinkRecord.__struct_fields__
UPSERT_WALLET_LINK = _upsert("wallet_links", WALLET_LINK_COLUMNS, ("signer", "funder"))
MARKET_INFO_COLUMNS = MarketInfoRecord.__struct_fields__
UPSERT_MARKET_INFO = _upsert("market_infos", MARKET_INFO_COLUMNS, ("condition_id",))
RATE_LIMIT_TIER_COLUMNS = RateLimitTierRecord.__struct_fields__
UPSERT_RATE_LIMIT_TIER = _upsert("rate_limit_tiers", RATE_LIMIT_TIER_COLUMNS, ("address",))
UPSERT_EXCHANGE_CLOCK = _upsert("exchange_clock", ("id", "offset_ms", "frozen_at_ms"), ("id",))
"""One row, id 1."""
DELETE_NOTIFICATION = "DELETE FROM notifications WHERE owner = ? AND notification_id = ?"
PRUNE_NOTIFICATIONS_ROWS = 10_000
"""At most this many expired notifications are deleted per prune, so that one write stays short."""
PRUNE_NOTIFICATIONS = (
    "DELETE FROM notifications WHERE notification_id IN"
    " (SELECT notification_id FROM notifications WHERE created_at_ms < ? ORDER BY created_at_ms LIMIT ?)"
)
EVENT_COLUMNS = EventRecord.__struct_fields__
INSERT_EVENT = _plain_insert("events", EVENT_COLUMNS)
INSERT_EVENT_MARKET = _plain_insert("event_markets", ("condition_id", "event_id", "outcome_index"))
INSERT_UNPROJECTED_BATCH = "INSERT INTO unprojected_batches (last_sequence, first_sequence) VALUES (?, ?)"
DELETE_UNPROJECTED_BATCH = "DELETE FROM unprojected_batches WHERE last_sequence = ?"
SELECT_UNPROJECTED_BATCHES = "SELECT first_sequence, last_sequence FROM unprojected_batches ORDER BY last_sequence"
ACTIVITY_COLUMNS = ActivityRecord.__struct_fields__
INSERT_ACTIVITY = _plain_insert("activity", ACTIVITY_COLUMNS)
UPSERT_SNAPSHOT = _upsert("snapshots", ("sequence", "format", "clock_ms", "state"), ("sequence",))
DELETE_OLDER_SNAPSHOTS = "DELETE FROM snapshots WHERE sequence < ?"
