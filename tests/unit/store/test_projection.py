"""The projection: a batch of real events becomes row changes, in order, without a database."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from openclob.core import UNIT, PlaceOrder, Side
from openclob.store import ApiKeyRecord, Batch, OrderRecord, PricePointRecord, TradeRecord
from openclob.store.projection import (
    BUILDER_OWNER_PREFIX,
    ApiKeyDeletion,
    NotificationDeletion,
    Notify,
    OrderCancel,
    OrderFill,
    TradeParty,
    TradeStatus,
    project,
)
from tests.unit.store.scenario import ALICE, BOB, CAROL, MARKET, NO, YES, Scenario, User, trading_day


def _no_lookup(order_ids: Collection[str]) -> Mapping[str, tuple[str, str]]:
    raise AssertionError(f"unexpected lookup of {order_ids}")


def test_an_order_placed_and_filled_in_one_batch_is_one_insert_with_its_fills() -> None:
    s = Scenario()
    s.setup()
    s.batch()
    ask = s.order(ALICE, YES, Side.SELL, "0.60", "10")
    bid = s.order(CAROL, YES, Side.BUY, "0.60", "10")
    changes = project(s.batch(), _no_lookup)
    assert not [c for c in changes if isinstance(c, OrderFill | OrderCancel)]
    orders = {c.order_id: c for c in changes if isinstance(c, OrderRecord)}
    assert [(o.status, o.matched_units, o.trade_ids) for o in orders.values()] == [
        ("MATCHED", 10 * UNIT, [bid.trade_ids[0]]),
        ("MATCHED", 10 * UNIT, [bid.trade_ids[0]]),
    ]
    assert list(orders) == [ask.order_id, bid.order_id]


def test_changes_follow_the_order_of_the_events() -> None:
    day = trading_day()
    kinds = [type(c).__name__ for c in project(day.batches[1], _no_lookup)]
    assert kinds == [
        "OrderRecord",
        "OrderRecord",
        "OrderRecord",
        "TradeRecord",
        "TradeParty",
        "TradeParty",
        "PricePointRecord",
        "PricePointRecord",
        "Notify",
        "Notify",
    ]


def test_orders_from_earlier_batches_are_updated_and_looked_up_once() -> None:
    day = trading_day()
    asked: list[set[str]] = []

    def lookup(order_ids: Collection[str]) -> Mapping[str, tuple[str, str]]:
        asked.append(set(order_ids))
        return {i: (MARKET, NO) for i in order_ids}

    changes = project(day.batches[2], lookup)
    assert asked == [{day.ids["bob_no_bid"]}]
    fill = next(c for c in changes if isinstance(c, OrderFill))
    assert (fill.order_id, fill.trade_id, fill.matched_units, fill.status) == (
        day.ids["carol_bid"],
        day.ids["trade2"],
        15 * UNIT,
        "MATCHED",
    )
    cancel = next(c for c in changes if isinstance(c, OrderCancel))
    assert (cancel.order_id, cancel.reason) == (day.ids["bob_no_bid"], "user")
    canceled = [c for c in changes if isinstance(c, Notify) and c.type == 1]
    assert [c.payload for c in canceled] == [
        {"order_id": day.ids["bob_no_bid"], "asset_id": NO, "market": MARKET, "reason": "user"}
    ]


def test_a_mint_lists_the_trade_for_both_parties_and_prices_both_tokens() -> None:
    day = trading_day()
    changes = project(day.batches[2], lambda ids: {})
    (trade,) = [c for c in changes if isinstance(c, TradeRecord)]
    assert (trade.kind, trade.transaction_hash) == ("MINT", day.batches[2].settlement_reference)
    parties = [(p.owner, p.token_id) for p in changes if isinstance(p, TradeParty)]
    assert parties == [(BOB.owner, NO), (CAROL.owner, YES)]
    points = [(p.token_id, p.price_units) for p in changes if isinstance(p, PricePointRecord)]
    assert points == [(NO, 400_000), (YES, 600_000)]


def test_resolution_notifies_each_owner_with_a_cancelled_order_once() -> None:
    day = trading_day()
    changes = project(day.batches[4], lambda ids: {})
    resolved = [(c.owner, c.payload) for c in changes if isinstance(c, Notify) and c.type == 4]
    payload = {"market": MARKET, "winning_asset_id": YES}
    assert resolved == [(ALICE.owner, payload), (BOB.owner, payload)]


def test_the_edge_changes_come_after_the_entries() -> None:
    key = ApiKeyRecord(api_key="k", address="a", nonce=0, secret="s", passphrase="p", readonly=False, created_at_ms=1)
    batch = Batch(
        entries=trading_day().batches[1].entries,
        api_keys=[key],
        deleted_api_keys=["old"],
        deleted_notifications=[("o", [1, 2])],
        trade_statuses=[("t", "MINED")],
        written_at_ms=7,
    )
    assert project(batch, _no_lookup)[-5:] == [
        TradeStatus("t", "MINED", 7),
        key,
        ApiKeyDeletion("old"),
        NotificationDeletion("o", 1),
        NotificationDeletion("o", 2),
    ]


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
    changes = project(s.batch(), _no_lookup)
    (trade,) = [c for c in changes if isinstance(c, TradeRecord)]
    assert (trade.builder_code, trade.maker_legs[0].builder_code) == ("", code)
    builder_rows = [c for c in changes if isinstance(c, TradeParty) and c.owner.startswith(BUILDER_OWNER_PREFIX)]
    assert [(r.owner, r.token_id, r.maker_address) for r in builder_rows] == [
        (BUILDER_OWNER_PREFIX + code, YES, ALICE.address)
    ]
