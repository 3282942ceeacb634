"""Exclusive locks: one server per data directory, per SQLite file and per PostgreSQL database schema.

Two servers on one store would both append to the journal; the second's writes then fail on the first's
sequence numbers and each rebuilds, over and over. So a server takes its locks before it opens the store and
holds them while it runs; a second server that finds one taken exits with one line naming the holder.

- A data directory and a SQLite file: an advisory `flock` on a lock file (`<dir>/openclob.lock`,
  `<file>.lock`) that holds who took it. The kernel drops the lock when the process dies, however it dies.
- PostgreSQL: a session advisory lock on a key derived from the database and schema, on a connection of its
  own whose `application_name` says who holds it; PostgreSQL drops it when that session ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import time
from pathlib import Path
from typing import Any, Protocol

LOCK_FILE = "openclob.lock"


class AlreadyLocked(Exception):
    """Another server holds the lock; the message names it."""


class LockFailed(Exception):
    """The lock could not be asked for (the database is unreachable, the URL is malformed)."""


class Lock(Protocol):
    def release(self) -> None:
        """Let the lock go."""


def holder_description(url: str) -> str:
    """Who this process is, as a lock shows it to another server: pid, host and the URL it serves."""
    return f"pid {os.getpid()} on {socket.gethostname()} serving {url}"


class FileLock:
    """An exclusive `flock` on a file, holding a description of its holder."""

    def __init__(self, path: Path, what: str, holder: str) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held_by = _read_holder(fd)
            os.close(fd)
            raise AlreadyLocked(f"{what} is in use by another openclob server ({held_by})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Unlock and close (the file stays: removing it would race with a server taking it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        text = os.pread(fd, 1024, 0).decode(errors="replace").strip()
        if text:
            return text
    return "holder unknown"


def lock_data_dir(data_dir: Path, holder: str) -> FileLock:
    """Lock a data directory (it must exist)."""
    return FileLock(data_dir / LOCK_FILE, f"the data directory {data_dir}", holder)


def lock_sqlite(database: Path, holder: str) -> FileLock:
    """Lock a SQLite database file (its directory must exist)."""
    return FileLock(database.with_name(database.name + ".lock"), f"the database {database}", holder)


class PostgresLock:
    """A session advisory lock on the store's database and schema, on a connection held for the purpose."""

    def __init__(self, url: str, holder: str) -> None:
        import psycopg

        try:
            self._conn: Any = psycopg.connect(url, autocommit=True, application_name=_application_name(holder))
        except psycopg.Error as error:
            raise LockFailed(str(error)) from None
        try:
            database, schema = self._one("SELECT current_database(), current_schema()")
            key = _advisory_key(f"openclob:{database}:{schema}")
            (taken,) = self._one("SELECT pg_try_advisory_lock(%s)", key)
            if not taken:
                held_by = self._holder(key)
                raise AlreadyLocked(
                    f"the PostgreSQL database {database} (schema {schema}) is in use by another openclob server"
                    f" ({held_by})"
                )
        except BaseException:
            self._conn.close()
            raise

    def _one(self, sql: str, *params: object) -> tuple[Any, ...]:
        row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
        if row is None:
            raise RuntimeError(f"no row from {sql!r}")
        return row

    def _holder(self, key: int) -> str:
        unsigned = key & 0xFFFF_FFFF_FFFF_FFFF  # pg_locks shows a bigint key as two oids: high and low 32 bits
        row = self._conn.execute(
            "SELECT a.application_name, a.client_addr::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid",
            (unsigned >> 32, unsigned & 0xFFFF_FFFF),
        ).fetchone()
        if row is None:
            return "holder unknown"
        name, address = row
        return f"{name}{f' from {address}' if address else ''}"

    def release(self) -> None:
        """End the lock's session."""
        self._conn.close()


def _advisory_key(text: str) -> int:
    """A signed 64-bit key (PostgreSQL's bigint) from a name."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def _application_name(holder: str) -> str:
    return ("openclob " + holder)[:63]  # PostgreSQL keeps 63 bytes of it
