"""The store fixtures: every test runs on SQLite in a temporary directory and on PostgreSQL in a fresh schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from openclob.store.postgres import PostgresStore
from openclob.store.sql import SqlStore
from openclob.store.sqlite import SqliteStore
from tests.unit.store.scenario import TradingDay, trading_day, write_batch

POSTGRES_URL = os.environ.get("OPENCLOB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

StoreFactory = Callable[..., SqlStore[Any]]


def _postgres_admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is unreachable at {POSTGRES_URL} (set OPENCLOB_TEST_POSTGRES_URL): {exc}")


def _create_schema(admin: psycopg.Connection[tuple[object, ...]]) -> str:
    """A fresh schema, so that each test starts from an empty database."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema


def _drop_schema(admin: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Open a new store instance on the same fresh database at each call (`reader=True`: for reading only); all
    are closed afterwards."""
    opened: list[SqlStore[Any]] = []
    schema = ""
    if request.param == "sqlite":
        location: str = str(tmp_path / "store.db")
    else:
        admin = _postgres_admin()
        schema = _create_schema(admin)
        location = make_conninfo(POSTGRES_URL, options=f"-csearch_path={schema}")

    def factory(*, reader: bool = False) -> SqlStore[Any]:
        store: SqlStore[Any] = PostgresStore(location) if schema else SqliteStore(location)
        if reader:
            store.open_reader()
        else:
            store.open()
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()
    if schema:
        _drop_schema(admin, schema)


@pytest.fixture
def store(new_store: StoreFactory) -> SqlStore[Any]:
    return new_store()


@pytest.fixture
def day(store: SqlStore[Any]) -> TradingDay:
    """The standard story, written to the store batch by batch."""
    story = trading_day()
    for batch in story.batches:
        write_batch(store, batch)
    return story
