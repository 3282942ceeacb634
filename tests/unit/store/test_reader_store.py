"""A store opened for reading only (`open_reader`), as an edge process beside the sequencer opens it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from openclob.store import Batch, StoreError
from openclob.store.sql import SqlStore
from openclob.store.sqlite import SqliteStore
from tests.unit.store.conftest import StoreFactory
from tests.unit.store.scenario import ALICE, CAROL, TradingDay, trading_day, write_batch


def _everything(store: SqlStore[Any], owner: str) -> tuple[object, ...]:
    return (
        store.orders(owner, open_only=False, after_position=0, limit=100),
        store.trades(owner, after_position=0, limit=100),
        store.last_sequence(),
    )


def test_a_reader_reads_what_the_writer_wrote_and_what_it_writes_next(new_store: StoreFactory) -> None:
    writer = new_store()
    reader = new_store(reader=True)
    story: TradingDay = trading_day()
    first, *rest = story.batches
    write_batch(writer, first)
    assert _everything(reader, ALICE.owner) == _everything(writer, ALICE.owner)
    for batch in rest:
        write_batch(writer, batch)
    for owner in (ALICE.owner, CAROL.owner):
        assert _everything(reader, owner) == _everything(writer, owner)
    assert reader.trades(CAROL.owner, after_position=0, limit=100) != []


def test_a_reader_cannot_write(new_store: StoreFactory) -> None:
    new_store()
    reader = new_store(reader=True)
    with pytest.raises(StoreError):
        reader.write(Batch())


def test_a_reader_refuses_a_store_without_the_schema(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "empty.db").close()
    (tmp_path / "empty.db").touch()
    with pytest.raises(StoreError, match="cannot open the store for reading"):
        SqliteStore(tmp_path / "empty.db").open_reader()
    with pytest.raises(StoreError, match="cannot open the store for reading"):
        SqliteStore(tmp_path / "missing.db").open_reader()


def test_a_reader_refuses_a_store_of_another_schema_version(tmp_path: Path) -> None:
    writer = SqliteStore(tmp_path / "s.db")
    writer.open()
    writer.close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (999)")
    with pytest.raises(StoreError, match="schema version is 999"):
        SqliteStore(tmp_path / "s.db").open_reader()
