"""The SQL stores (SQLite and PostgreSQL, one suite): journal, projection into the query tables, queries, failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from openclob.core import UNIT, AdvanceTime, Exchange, Side
from openclob.store import ApiKeyRecord, Batch, MarketInfoRecord, RateLimitTierRecord, StoreError, WalletLinkRecord
from openclob.store.postgres import PostgresStore
from openclob.store.records import ClockRecord, TradeRecord
from openclob.store.schema import MIGRATIONS
from openclob.store.sql import SqlStore
from tests.unit.store.conftest import StoreFactory
from tests.unit.store.scenario import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    MARKET,
    NO,
    OTHER_MARKET,
    OTHER_YES,
    SETTLEMENT_DELAY_MS,
    YES,
    Scenario,
    TradingDay,
    trading_day,
    write_batch,
)

Store = SqlStore[Any]


def _orders(store: Store, owner: str, **filters: Any) -> list[str]:
    kw: dict[str, Any] = {"open_only": False, "after_position": 0, "limit": 100, **filters}
    return [o.order_id for o in store.orders(owner, **kw)]


def _trades(store: Store, owner: str, **filters: Any) -> list[str]:
    kw: dict[str, Any] = {"after_position": 0, "limit": 100, **filters}
    return [t.trade_id for t in store.trades(owner, **kw)]


def _snapshot(store: Store) -> dict[str, object]:
    users = (ALICE, BOB, CAROL, DAVE)
    return {
        "last_sequence": store.last_sequence(),
        "journal": [(j.sequence, j.command) for j in store.journal()],
        "orders": [store.orders(u.owner, open_only=False, after_position=0, limit=100) for u in users],
        "trades": [store.trades(u.owner, after_position=0, limit=100) for u in users],
        "notifications": [store.notifications(u.owner) for u in users],
        "prices": [store.price_history(t, 0, 10**12) for t in (YES, NO)],
        "edge": (store.api_keys(), store.wallet_links(), store.market_infos(), store.rate_limit_tiers()),
    }


# ---------------------------------------------------------------------- journal


def test_replaying_the_journal_into_a_fresh_exchange_gives_the_same_state_hash(store: Store, day: TradingDay) -> None:
    replayed = Exchange()
    entries = list(store.journal())
    for entry in entries:
        replayed.apply(entry.command)
    assert [e.sequence for e in entries] == list(range(1, day.scenario.sequence + 1))
    assert store.last_sequence() == day.scenario.sequence
    assert replayed.state_hash() == day.scenario.exchange.state_hash()


def test_an_empty_store_has_an_empty_journal(store: Store) -> None:
    assert store.last_sequence() == 0
    assert list(store.journal()) == []


def test_the_journal_is_read_back_across_pages(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openclob.store.sql.JOURNAL_PAGE_ROWS", 4)
    scenario = Scenario()
    scenario.setup()  # 15 commands: three full pages and a partial one
    write_batch(store, scenario.batch())
    assert [e.sequence for e in store.journal()] == list(range(1, 16))


# ---------------------------------------------------------------------- orders


def test_orders_record_fills_cancels_and_their_trades(store: Store, day: TradingDay) -> None:
    ids = day.ids
    carol = store.order(ids["carol_bid"])
    assert carol is not None
    assert (carol.status, carol.matched_units, carol.trade_ids) == (
        "MATCHED",
        15 * UNIT,
        [ids["trade1"], ids["trade2"]],
    )
    assert (carol.position, carol.side, carol.token_id, carol.price_units) == (3, "BUY", YES, 600_000)
    ask2 = store.order(ids["alice_ask2"])
    assert ask2 is not None and (ask2.status, ask2.trade_ids) == ("MATCHED", [ids["trade3"]])
    canceled = store.order(ids["bob_no_bid"])
    assert canceled is not None
    assert (canceled.status, canceled.cancel_reason, canceled.matched_units) == ("CANCELED", "user", 0)
    assert canceled.updated_at_ms > canceled.created_at_ms
    fak = store.order(ids["carol_fak"])
    assert fak is not None
    assert (fak.status, fak.cancel_reason, fak.matched_units, fak.order_type) == ("CANCELED", "killed", 5 * UNIT, "FAK")
    resolved = store.order(ids["alice_low_bid"])
    assert resolved is not None and resolved.cancel_reason == "market_resolved"
    assert store.order("0xmissing") is None


def test_orders_listing_applies_every_filter(store: Store, day: TradingDay) -> None:
    ids = day.ids
    all_alice = [ids["alice_ask"], ids["alice_ask2"], ids["alice_other"], ids["alice_low_bid"]]
    assert _orders(store, ALICE.owner) == all_alice
    assert _orders(store, ALICE.owner, open_only=True) == [ids["alice_other"]]
    assert _orders(store, ALICE.owner, condition_id=OTHER_MARKET) == [ids["alice_other"]]
    assert _orders(store, ALICE.owner, token_id=YES) == [ids["alice_ask"], ids["alice_ask2"], ids["alice_low_bid"]]
    assert _orders(store, ALICE.owner, order_id=ids["alice_ask2"]) == [ids["alice_ask2"]]
    assert _orders(store, ALICE.owner, order_id=ids["bob_mint"]) == []
    assert _orders(store, ALICE.owner, after_position=5, limit=1) == [ids["alice_other"]]
    assert _orders(store, DAVE.owner) == []


def _page_through(fetch: Callable[[int], list[Any]], between_pages: Callable[[], None]) -> list[Any]:
    seen: list[Any] = []
    after = 0
    while page := fetch(after):
        seen += page
        after = page[-1].position
        between_pages()
    return seen


def test_paging_orders_by_position_has_no_duplicates_or_gaps_while_new_orders_arrive(store: Store) -> None:
    scenario = Scenario()
    scenario.setup()

    def more_orders() -> None:
        for cents in range(10, 14) if scenario.sequence < 60 else ():
            scenario.order(ALICE, YES, Side.BUY, f"0.{cents}", "5")
            scenario.order(BOB, NO, Side.BUY, f"0.{cents}", "5")
        write_batch(store, scenario.batch())

    more_orders()
    pages = _page_through(
        lambda after: store.orders(ALICE.owner, open_only=True, after_position=after, limit=3), more_orders
    )
    expected = store.orders(ALICE.owner, open_only=False, after_position=0, limit=1000)
    assert [o.order_id for o in pages] == [o.order_id for o in expected]
    assert len(pages) == len({o.order_id for o in pages}) > 20
    assert all(o.owner == ALICE.owner for o in pages)


# ---------------------------------------------------------------------- trades


def test_trades_list_the_takers_and_makers_trades_and_nobody_elses(store: Store, day: TradingDay) -> None:
    t1, t2, t3 = day.ids["trade1"], day.ids["trade2"], day.ids["trade3"]
    assert _trades(store, CAROL.owner) == [t1, t2, t3]  # taker, maker (MINT), taker
    assert _trades(store, ALICE.owner) == [t1, t3]  # maker only
    assert _trades(store, BOB.owner) == [t2]
    assert _trades(store, DAVE.owner) == []
    assert _trades(store, ALICE.owner, trade_id=t2) == []


def test_trade_filters_match_the_owners_own_side_of_each_trade(store: Store, day: TradingDay) -> None:
    t1, t2, t3 = day.ids["trade1"], day.ids["trade2"], day.ids["trade3"]
    assert _trades(store, CAROL.owner, token_id=YES) == [t1, t2, t3]  # her leg of the MINT is YES
    assert _trades(store, CAROL.owner, token_id=NO) == []
    assert _trades(store, BOB.owner, token_id=NO) == [t2]
    assert _trades(store, BOB.owner, token_id=YES) == []
    assert _trades(store, CAROL.owner, maker_address=CAROL.address) == [t1, t2, t3]
    assert _trades(store, CAROL.owner, maker_address=BOB.address) == []
    assert _trades(store, CAROL.owner, condition_id=MARKET) == [t1, t2, t3]
    assert _trades(store, CAROL.owner, condition_id=OTHER_MARKET) == []
    assert _trades(store, CAROL.owner, trade_id=t2) == [t2]
    middle = store.trades(CAROL.owner, after_position=0, limit=100, trade_id=t2)[0].matched_at_ms
    assert _trades(store, CAROL.owner, after_ms=middle) == [t2, t3]
    assert _trades(store, CAROL.owner, before_ms=middle) == [t1, t2]
    assert _trades(store, CAROL.owner, after_ms=middle, before_ms=middle) == [t2]
    assert _trades(store, CAROL.owner, after_position=1, limit=1) == [t2]


def test_a_trade_record_keeps_the_taker_side_and_every_maker_leg(store: Store, day: TradingDay) -> None:
    (mint,) = store.trades(BOB.owner, after_position=0, limit=10)
    assert (mint.trade_id, mint.position, mint.kind, mint.status) == (day.ids["trade2"], 2, "MINT", "MATCHED")
    assert (mint.taker_owner, mint.taker_maker, mint.token_id, mint.side) == (BOB.owner, BOB.address, NO, "BUY")
    assert (mint.size_units, mint.collateral_units) == (5 * UNIT, 2 * UNIT)
    assert mint.transaction_hash == day.batches[2].settlement_reference
    (leg,) = mint.maker_legs
    assert (leg.order_id, leg.owner, leg.maker) == (day.ids["carol_bid"], CAROL.owner, CAROL.address)
    assert (leg.token_id, leg.side, leg.price_units, leg.matched_units, leg.kind) == (
        YES,
        "BUY",
        600_000,
        5 * UNIT,
        "MINT",
    )


def test_market_trades_are_newest_first(store: Store, day: TradingDay) -> None:
    latest = store.market_trades(MARKET, 2)
    assert [t.trade_id for t in latest] == [day.ids["trade3"], day.ids["trade2"]]
    assert store.market_trades(OTHER_MARKET, 10) == []


def test_paging_trades_by_position_has_no_duplicates_or_gaps_while_new_trades_arrive(store: Store) -> None:
    scenario = Scenario()
    scenario.setup()

    def more_trades() -> None:
        for _ in range(3) if scenario.sequence < 100 else ():
            scenario.order(ALICE, YES, Side.SELL, "0.50", "5")  # BOB's trades, with ALICE as maker
            scenario.order(BOB, YES, Side.BUY, "0.50", "5")
            scenario.order(CAROL, NO, Side.SELL, "0.50", "5")  # DAVE's trades, not ALICE's
            scenario.order(DAVE, NO, Side.BUY, "0.50", "5")
        write_batch(store, scenario.batch())

    more_trades()
    pages = _page_through(lambda after: store.trades(ALICE.owner, after_position=after, limit=2), more_trades)
    everything = store.trades(ALICE.owner, after_position=0, limit=1000)
    assert [t.trade_id for t in pages] == [t.trade_id for t in everything]
    assert len(pages) == len({t.trade_id for t in pages}) > 20
    assert all(t.maker_legs[0].owner == ALICE.owner for t in pages)


def _trade(store: Store, owner: str, trade_id: str) -> TradeRecord:
    (trade,) = store.trades(owner, after_position=0, limit=1, trade_id=trade_id)
    return trade


def test_trade_statuses_move_with_settlement(store: Store, day: TradingDay) -> None:
    matched_at = _trade(store, CAROL.owner, day.ids["trade1"]).matched_at_ms
    day.scenario.apply(AdvanceTime(now_ms=matched_at + SETTLEMENT_DELAY_MS))
    write_batch(store, day.scenario.batch())
    mined = _trade(store, CAROL.owner, day.ids["trade1"])
    assert (mined.status, mined.updated_at_ms) == ("MINED", matched_at + SETTLEMENT_DELAY_MS)
    assert _trade(store, CAROL.owner, day.ids["trade2"]).status == "MATCHED"
    day.scenario.apply(AdvanceTime(now_ms=matched_at + 10 * SETTLEMENT_DELAY_MS))
    write_batch(store, day.scenario.batch())
    assert {_trade(store, CAROL.owner, day.ids[t]).status for t in ("trade1", "trade2", "trade3")} == {"CONFIRMED"}


# ---------------------------------------------------------------------- prices and notifications


def test_price_history_has_each_leg_in_both_tokens_terms(store: Store, day: TradingDay) -> None:
    yes = store.price_history(YES, 0, 10**12)
    no = store.price_history(NO, 0, 10**12)
    assert [p.price_units for p in yes] == [600_000, 600_000, 550_000]
    assert [p.price_units for p in no] == [400_000, 400_000, 450_000]
    assert [p.at_ms for p in yes] == [p.at_ms for p in no]
    middle = yes[1].at_ms
    assert [p.at_ms for p in store.price_history(YES, middle, middle)] == [middle]
    assert store.price_history(OTHER_YES, 0, 10**12) == []


def test_notifications_report_cancels_fills_and_resolution_in_order(store: Store, day: TradingDay) -> None:
    ids = day.ids
    assert [n.type for n in store.notifications(ALICE.owner)] == [2, 2, 1, 4]
    assert [n.type for n in store.notifications(BOB.owner)] == [2, 1, 1, 4]
    carol = store.notifications(CAROL.owner)
    assert [n.type for n in carol] == [2, 2, 2, 1]
    assert carol[1].payload == {
        "order_id": ids["carol_bid"],
        "trade_id": ids["trade2"],
        "fill_units": 5 * UNIT,
        "matched_units": 15 * UNIT,
    }
    assert carol[3].payload == {"order_id": ids["carol_fak"], "asset_id": YES, "market": MARKET, "reason": "killed"}
    bob = store.notifications(BOB.owner)
    # the cancelled order was placed in an earlier batch: its market and token come from the orders table
    assert bob[1].payload == {"order_id": ids["bob_no_bid"], "asset_id": NO, "market": MARKET, "reason": "user"}
    assert bob[3].payload == {"market": MARKET, "winning_asset_id": YES}
    assert all(n.owner == BOB.owner for n in bob)
    assert store.notifications(DAVE.owner) == []


def test_an_owner_deletes_only_its_own_notifications(store: Store, day: TradingDay) -> None:
    alice_ids = [n.notification_id for n in store.notifications(ALICE.owner)]
    write_batch(store, Batch(deleted_notifications=[(BOB.owner, alice_ids[:2])]))
    assert [n.notification_id for n in store.notifications(ALICE.owner)] == alice_ids
    write_batch(store, Batch(deleted_notifications=[(ALICE.owner, alice_ids[:2])]))
    assert [n.notification_id for n in store.notifications(ALICE.owner)] == alice_ids[2:]


def test_notifications_past_retention_are_pruned_oldest_first(store: Store, day: TradingDay) -> None:
    everyone = [ALICE, BOB, CAROL, DAVE]
    kept = {u.owner: store.notifications(u.owner) for u in everyone}
    times = sorted({n.created_at_ms for notes in kept.values() for n in notes})
    assert len(times) > 1
    cutoff = times[len(times) // 2]
    write_batch(store, Batch(prune_notifications_before_ms=cutoff))
    for user in everyone:
        assert store.notifications(user.owner) == [n for n in kept[user.owner] if n.created_at_ms >= cutoff]


# ---------------------------------------------------------------------- edge state


def _api_key(key: str, passphrase: str = "p", readonly: bool = False) -> ApiKeyRecord:
    return ApiKeyRecord(
        api_key=key,
        address=ALICE.address,
        nonce=0,
        secret="s",
        passphrase=passphrase,
        readonly=readonly,
        created_at_ms=5,
    )


def test_api_keys_wallet_links_and_market_infos_are_upserted_and_deleted(store: Store) -> None:
    info = MarketInfoRecord(condition_id=MARKET, question="Q?", description="d", market_slug="q", created_at_ms=1)
    link = WalletLinkRecord(signer=ALICE.address, funder=BOB.address, signature_type=1)
    store.write(
        Batch(api_keys=[_api_key("k1"), _api_key("k2", readonly=True)], wallet_links=[link], market_infos=[info])
    )
    assert store.api_keys() == [_api_key("k1"), _api_key("k2", readonly=True)]
    relinked = WalletLinkRecord(signer=ALICE.address, funder=BOB.address, signature_type=2)
    renamed = MarketInfoRecord(condition_id=MARKET, question="Q2?", description="d", market_slug="q", created_at_ms=1)
    store.write(
        Batch(
            api_keys=[_api_key("k1", passphrase="new")],
            deleted_api_keys=["k2"],
            wallet_links=[relinked],
            market_infos=[renamed],
        )
    )
    assert store.api_keys() == [_api_key("k1", passphrase="new")]
    assert store.wallet_links() == [relinked]
    assert store.market_infos() == [renamed]


def test_rate_limit_tiers_are_upserted_by_address(store: Store) -> None:
    store.write(
        Batch(
            rate_limit_tiers=[
                RateLimitTierRecord(address=BOB.address, tier="gold"),
                RateLimitTierRecord(address=ALICE.address, tier="silver"),
            ]
        )
    )
    store.write(Batch(rate_limit_tiers=[RateLimitTierRecord(address=BOB.address, tier="standard")]))
    assert store.rate_limit_tiers() == [
        RateLimitTierRecord(address=ALICE.address, tier="silver"),
        RateLimitTierRecord(address=BOB.address, tier="standard"),
    ]


def test_the_exchange_clock_is_one_row_that_each_change_replaces(store: Store) -> None:
    assert store.exchange_clock() is None
    store.write(Batch(exchange_clock=ClockRecord(offset_ms=86_400_000)))
    store.write(Batch(exchange_clock=ClockRecord(offset_ms=-3, frozen_at_ms=1_700_000_000_000)))
    assert store.exchange_clock() == ClockRecord(offset_ms=-3, frozen_at_ms=1_700_000_000_000)


# ---------------------------------------------------------------------- failures, reopening, migrations


def test_a_failed_write_raises_store_error_and_writes_nothing(store: Store, day: TradingDay) -> None:
    before = _snapshot(store)
    scenario = day.scenario
    placed = scenario.order(DAVE, OTHER_YES, Side.BUY, "0.30", "5")
    bad = _api_key("k")
    bad.api_key = None  # type: ignore[assignment]
    batch = scenario.batch(api_keys=[bad])
    with pytest.raises(StoreError):
        store.write(batch)
    assert _snapshot(store) == before
    assert store.order(placed.order_id) is None
    batch.api_keys = [_api_key("k")]
    write_batch(store, batch)  # the store is still usable, and the same batch now goes through
    assert store.last_sequence() == scenario.sequence
    assert _orders(store, DAVE.owner) == [placed.order_id]


def test_a_lost_connection_raises_store_error_and_leaves_the_journal_unchanged(store: Store, day: TradingDay) -> None:
    if isinstance(store, PostgresStore):
        pytest.skip("a closed PostgreSQL connection is reopened: see the next test")
    last = store.last_sequence()
    day.scenario.order(DAVE, OTHER_YES, Side.BUY, "0.30", "5")
    store._writer.close()  # type: ignore[union-attr]
    with pytest.raises(StoreError):
        store.write(day.scenario.batch())
    assert store.last_sequence() == last


def test_a_write_on_a_connection_the_server_dropped_fails_and_the_next_one_reconnects(
    store: Store, day: TradingDay
) -> None:
    if not isinstance(store, PostgresStore):
        pytest.skip("only a database server can drop the connection")
    assert store._writer is not None
    with psycopg.connect(store.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (store._writer.info.backend_pid,))
    last = store.last_sequence()
    placed = day.scenario.order(DAVE, OTHER_YES, Side.BUY, "0.30", "5")
    batch = day.scenario.batch()
    with pytest.raises(StoreError):
        store.write(batch)
    assert store.last_sequence() == last
    write_batch(store, batch)
    assert store.last_sequence() == day.scenario.sequence
    assert _orders(store, DAVE.owner) == [placed.order_id]


def test_a_closed_store_refuses_to_work(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError, match="not open"):
        store.last_sequence()
    with pytest.raises(StoreError, match="not open"):
        store.write(Batch())


def test_reopening_the_store_keeps_everything(new_store: StoreFactory) -> None:
    first = new_store()
    story = trading_day()
    for batch in story.batches:
        write_batch(first, batch)
    write_batch(first, Batch(api_keys=[_api_key("k1")]))
    before = _snapshot(first)
    first.close()
    assert _snapshot(new_store()) == before


def test_migrations_run_once_and_opening_again_is_harmless(new_store: StoreFactory) -> None:
    store = new_store()
    write_batch(store, Batch(api_keys=[_api_key("k1")]))
    store.open()
    again = new_store()
    assert again._read("SELECT version FROM schema_version") == [(v,) for v in range(1, len(MIGRATIONS) + 1)]
    assert again.api_keys() == [_api_key("k1")]


def test_a_schema_newer_than_the_code_is_refused(new_store: StoreFactory) -> None:
    store = new_store()

    def from_the_future(conn: Any) -> None:
        store._execute(conn, "INSERT INTO schema_version (version) VALUES (?)", (99,))

    store._transaction(store._writer, from_the_future)
    with pytest.raises(StoreError, match="newer"):
        new_store()
