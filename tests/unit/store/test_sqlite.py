"""SQLite specifics: durability settings and that every query reads through an index."""

from __future__ import annotations

from pathlib import Path

from openclob.store.sqlite import SqliteStore
from tests.unit.store.scenario import ALICE, MARKET, YES, trading_day, write_batch


def test_the_writer_uses_wal_with_full_sync(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.open()
    try:
        writer = store._writer
        assert writer is not None
        assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert writer.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    finally:
        store.close()


def test_every_query_is_an_index_search_never_a_table_scan(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.open()
    try:
        for batch in trading_day().batches:
            write_batch(store, batch)
        reader = store._reader
        assert reader is not None
        statements: list[str] = []
        reader.set_trace_callback(statements.append)
        store.order("0x1")
        store.orders(ALICE.owner, open_only=True, after_position=0, limit=5, token_id=YES, condition_id=MARKET)
        store.orders(ALICE.owner, open_only=False, after_position=0, limit=5)
        store.trades(ALICE.owner, after_position=0, limit=5, token_id=YES, maker_address="m", after_ms=0)
        store.trades(ALICE.owner, after_position=0, limit=5)
        store.market_trades(MARKET, 5)
        store.notifications(ALICE.owner)
        store.price_history(YES, 0, 10**12)
        list(store.journal())
        store.last_sequence()
        reader.set_trace_callback(None)
        plans = {sql: [row[3] for row in reader.execute(f"EXPLAIN QUERY PLAN {sql}")] for sql in statements}
    finally:
        store.close()
    assert len(plans) == 10
    for sql, plan in plans.items():
        scans = [step for step in plan if step.startswith("SCAN") and step != "SCAN p"]  # p: a LIMITed subquery
        assert not scans, (sql, plan)
        assert not any("TEMP B-TREE" in step and "ORDER BY" not in step for step in plan), (sql, plan)
