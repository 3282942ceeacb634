"""The projection: a batch of real events becomes the parameter rows of each statement, without a database."""

from __future__ import annotations

import json

import msgspec

from openclob.core import UNIT, AdvanceTime, PlaceOrder, Side
from openclob.store import ApiKeyRecord, Batch, MakerLegRecord
from openclob.store.projection import BUILDER_OWNER_PREFIX, Rows, project_edge, project_entries
from openclob.store.records import ClockRecord
from openclob.store.schema import ORDER_COLUMNS, TRADE_COLUMNS
from tests.unit.store.scenario import (
    ALICE,
    BOB,
    CAROL,
    MARKET,
    NO,
    SETTLEMENT_DELAY_MS,
    YES,
    Scenario,
    User,
    trading_day,
)


def _orders(rows: Rows) -> dict[str, dict[str, object]]:
    return {row[0]: dict(zip(ORDER_COLUMNS, row, strict=True)) for row in rows.order_rows()}


def _payloads(rows: Rows, kind: int) -> list[tuple[object, object]]:
    return [(owner, json.loads(str(payload))) for owner, type_, payload, _ in rows.notifications if type_ == kind]


def test_an_order_placed_and_filled_in_one_batch_is_one_insert_with_its_fills() -> None:
    s = Scenario()
    s.setup()
    s.batch()
    ask = s.order(ALICE, YES, Side.SELL, "0.60", "10")
    bid = s.order(CAROL, YES, Side.BUY, "0.60", "10")
    rows = project_entries(s.batch())
    assert rows.fills == [] and rows.cancels == {}
    orders = _orders(rows)
    assert [(o["status"], o["matched_units"], o["trade_ids"]) for o in orders.values()] == [
        ("MATCHED", 10 * UNIT, bid.trade_ids[0]),
        ("MATCHED", 10 * UNIT, bid.trade_ids[0]),
    ]
    assert list(orders) == [ask.order_id, bid.order_id]


def test_rows_follow_the_order_of_the_events() -> None:
    day = trading_day()
    rows = project_entries(day.batches[1])
    assert len(rows.order_rows()) == 3 and len(rows.trades) == 1 and len(rows.trade_parties) == 2
    assert len(rows.price_points) == 2
    assert [(owner, kind) for owner, kind, _, _ in rows.notifications] == [(ALICE.owner, 2), (CAROL.owner, 2)]
    trade = dict(zip(TRADE_COLUMNS, rows.trades[0], strict=True))
    assert (trade["trade_id"], trade["status"]) == (day.ids["trade1"], "MATCHED")


def test_orders_from_earlier_batches_are_updated_without_any_lookup() -> None:
    day = trading_day()
    rows = project_entries(day.batches[2])
    (fill,) = rows.fills
    assert fill[:2] == (15 * UNIT, "MATCHED") and fill[3:] == (day.ids["trade2"],) * 2 + (day.ids["carol_bid"],)
    assert list(rows.cancels.values()) == [[day.ids["bob_no_bid"]]]
    assert [reason for reason, _ in rows.cancels] == ["user"]
    assert _payloads(rows, 1) == [
        (BOB.owner, {"order_id": day.ids["bob_no_bid"], "asset_id": NO, "market": MARKET, "reason": "user"})
    ]


def test_a_mint_lists_the_trade_for_both_parties_and_prices_both_tokens() -> None:
    day = trading_day()
    rows = project_entries(day.batches[2])
    (trade,) = rows.trades
    record = dict(zip(TRADE_COLUMNS, trade, strict=True))
    assert (record["kind"], record["transaction_hash"]) == ("MINT", day.batches[2].settlement_reference)
    assert [(p[0], p[4]) for p in rows.trade_parties] == [(BOB.owner, NO), (CAROL.owner, YES)]
    assert [(token, price) for token, _, price in rows.price_points] == [(NO, 400_000), (YES, 600_000)]


def test_resolution_notifies_each_owner_with_a_cancelled_order_once() -> None:
    day = trading_day()
    rows = project_entries(day.batches[4])
    payload = {"market": MARKET, "winning_asset_id": YES}
    assert _payloads(rows, 4) == [(ALICE.owner, payload), (BOB.owner, payload)]
    assert {reason for reason, _ in rows.cancels} == {"market_resolved"}


def test_the_edge_changes_become_rows_too() -> None:
    key = ApiKeyRecord(api_key="k", address="a", nonce=0, secret="s", passphrase="p", readonly=False, created_at_ms=1)
    batch = Batch(
        entries=trading_day().batches[1].entries,
        api_keys=[key],
        deleted_api_keys=["old"],
        deleted_notifications=[("o", [1, 2])],
        exchange_clock=ClockRecord(offset_ms=-5, frozen_at_ms=9),
        written_at_ms=7,
    )
    assert project_entries(batch).exchange_clock == []
    rows = project_edge(batch)
    assert not rows.new_orders and not rows.notifications
    assert rows.exchange_clock == [(1, -5, 9)]
    assert rows.api_keys == [("k", "a", 0, "s", "p", 0, 1)]
    assert rows.deleted_api_keys == [("old",)]
    assert rows.deleted_notifications == [("o", 1), ("o", 2)]


def test_orders_with_a_builder_code_list_their_trades_under_the_builder() -> None:
    s = Scenario()
    s.setup()
    s.batch()
    code = "0x" + "b1" * 32

    def v2_order(user: User, side: Side, order_id: str, builder_code: str) -> None:
        maker, taker = (6 * UNIT, 10 * UNIT) if side is Side.BUY else (10 * UNIT, 6 * UNIT)
        s.apply(
            PlaceOrder(
                now_ms=s.now_ms,
                order_id=order_id,
                owner=user.owner,
                maker=user.address,
                signer=user.address,
                token_id=YES,
                side=side,
                maker_amount=maker,
                taker_amount=taker,
                fee_rate_bps=None,
                builder_code=builder_code,
            )
        )

    v2_order(ALICE, Side.SELL, "0x" + "0a" * 32, code)
    v2_order(CAROL, Side.BUY, "0x" + "0c" * 32, "")
    rows = project_entries(s.batch())
    (trade,) = rows.trades
    legs = msgspec.msgpack.decode(trade[-1], type=list[MakerLegRecord])
    assert (trade[TRADE_COLUMNS.index("builder_code")], legs[0].builder_code) == ("", code)
    builder_rows = [p for p in rows.trade_parties if str(p[0]).startswith(BUILDER_OWNER_PREFIX)]
    assert [(r[0], r[4], r[5]) for r in builder_rows] == [(BUILDER_OWNER_PREFIX + code, YES, ALICE.address)]


def test_settlement_steps_update_their_trades_after_the_inserts_the_latest_step_once() -> None:
    s = Scenario()
    s.setup()
    s.batch()
    s.order(ALICE, YES, Side.SELL, "0.60", "10")
    bid = s.order(CAROL, YES, Side.BUY, "0.60", "10")
    s.apply(AdvanceTime(now_ms=s.now_ms + 2 * SETTLEMENT_DELAY_MS))  # MINED and CONFIRMED, in one batch
    rows = project_entries(s.batch())
    (trade_id,) = bid.trade_ids
    assert [row[0] for row in rows.trades] == [trade_id]
    assert list(rows.trade_statuses.values()) == [("CONFIRMED", s.now_ms - 1 + 2 * SETTLEMENT_DELAY_MS, trade_id)]
