"""Cancels: by id, all, and by market and/or asset; only ever the caller's own orders."""

from __future__ import annotations

import pytest

from openclob.core import (
    COLLATERAL,
    UNIT,
    CancelAll,
    Canceled,
    CancelMarketOrders,
    CancelOrders,
    Exchange,
    OrderCanceled,
    Side,
)
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, OTHER_CONDITION, OTHER_YES, YES, limit_order, placed


def _canceled(exchange: Exchange, command: object) -> Canceled:
    result = exchange.apply(command).result  # type: ignore[arg-type]
    assert isinstance(result, Canceled)
    return result


def _spread_orders(exchange: Exchange) -> dict[str, str]:
    """Two users, each with an order on each token of two markets."""
    ids = {}
    for user in (ALICE, BOB):
        for token in (YES, NO, OTHER_YES):
            ids[f"{user.owner}/{token}"] = placed(
                exchange.apply(limit_order(user, token, Side.BUY, "0.30", "10"))
            ).order_id
    return ids


def test_cancel_by_id_releases_the_reservation_and_reports_others_ids_as_not_found(exchange: Exchange) -> None:
    mine = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")))
    theirs = placed(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.40", "10")))
    applied = exchange.apply(
        CancelOrders(now_ms=2, owner=ALICE.owner, order_ids=(mine.order_id, theirs.order_id, "0xnope"))
    )
    assert applied.result == Canceled(
        (mine.order_id,), {theirs.order_id: "order not found", "0xnope": "order not found"}
    )
    assert [e.order_id for e in applied.events if isinstance(e, OrderCanceled)] == [mine.order_id]
    assert exchange.balance(ALICE.address, COLLATERAL) == (800 * UNIT, 0)
    assert exchange.order(theirs.order_id) is not None


def test_cancelling_twice_reports_already_canceled(exchange: Exchange) -> None:
    mine = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")))
    _canceled(exchange, CancelOrders(now_ms=2, owner=ALICE.owner, order_ids=(mine.order_id,)))
    again = _canceled(exchange, CancelOrders(now_ms=3, owner=ALICE.owner, order_ids=(mine.order_id,)))
    assert again == Canceled((), {mine.order_id: "already canceled or matched"})


def test_cancel_all_touches_only_the_callers_orders(exchange: Exchange) -> None:
    ids = _spread_orders(exchange)
    result = _canceled(exchange, CancelAll(now_ms=2, owner=ALICE.owner))
    assert sorted(result.canceled) == sorted(v for k, v in ids.items() if k.startswith(ALICE.owner))
    assert len(exchange.open_orders(BOB.owner)) == 3
    assert exchange.open_orders(ALICE.owner) == []
    exchange.check_invariants()


@pytest.mark.parametrize(
    ("condition_id", "token_id", "expected"),
    [
        (CONDITION, None, [YES, NO]),
        (None, NO, [NO]),
        (CONDITION, YES, [YES]),
        (OTHER_CONDITION, None, [OTHER_YES]),
        (CONDITION, OTHER_YES, []),  # asset not in that market
        (None, None, []),  # neither: nothing
        ("0xunknown", None, []),
        (None, "999", []),
    ],
)
def test_cancel_market_orders_filters_by_market_and_asset_and_never_touches_others(
    exchange: Exchange, condition_id: str | None, token_id: str | None, expected: list[str]
) -> None:
    ids = _spread_orders(exchange)
    result = _canceled(
        exchange, CancelMarketOrders(now_ms=2, owner=ALICE.owner, condition_id=condition_id, token_id=token_id)
    )
    assert result.not_canceled == {}
    assert sorted(result.canceled) == sorted(ids[f"{ALICE.owner}/{t}"] for t in expected)
    assert len(exchange.open_orders(BOB.owner)) == 3
    exchange.check_invariants()
