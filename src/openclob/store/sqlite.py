"""`SqliteStore`: the embedded default, on the standard library's sqlite3 in WAL mode.

The writer commits with `synchronous=FULL`, so a batch is on disk when `write` returns; a projection commits
with `synchronous=NORMAL` (see `SqlStore.write_projection`). The reader is a
second, read-only connection: under WAL it reads the last committed batch while a write is under way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from openclob.store.sql import Row, SqlStore

BUSY_TIMEOUT_MS = 10_000
"""How long a connection waits for a lock held by another process before failing."""


class SqliteStore(SqlStore[sqlite3.Connection]):
    """A store in one SQLite file."""

    types: ClassVar[dict[str, str]] = {
        "int": "INTEGER",
        "blob": "BLOB",
        "serial_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
    }
    driver_errors: ClassVar[tuple[type[Exception], ...]] = (sqlite3.Error,)

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._durable = True
        """The writer's synchronous setting: FULL (True) or NORMAL."""

    def _connect(self, *, reader: bool) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions, `_begin` and `_commit` say where they are
        if reader:
            target = f"{self.path.absolute().as_uri()}?mode=ro"
            conn = sqlite3.connect(target, uri=True, isolation_level=None, check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._durable = True
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    def _execute(self, conn: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return conn.execute(sql, params).fetchall()

    def _execute_many(self, conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[object]]) -> None:
        conn.executemany(sql, rows)

    def _begin(self, conn: sqlite3.Connection, durable: bool) -> None:
        # In WAL mode, NORMAL skips the commit's fsync but stays consistent; the next FULL commit syncs the WAL
        # with everything before it.
        if durable != self._durable:
            conn.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
            self._durable = durable
        conn.execute("BEGIN IMMEDIATE")

    def _commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def _close(self, conn: sqlite3.Connection) -> None:
        conn.close()
