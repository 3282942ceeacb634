"""api/clock.py on a real store: moving and freezing the exchange clock, and the settlement lag.

The stack's wall clock is set by hand and never moves by itself, so nothing falls due unless a test moves
the exchange clock (POST /admin/clock) or the wall clock. Clients sign L2 headers with the wall clock, so each
test also shows that authentication ignores the exchange clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openclob.config import Limits, Settings
from openclob.core import UNIT, Deposit, Split
from openclob.core.bounds import MAX_CLOCK_MS
from openclob.crypto import build_hmac_signature
from openclob.store.records import TradeRecord
from tests.stack import START_MS, STORE_KINDS, Stack, Trader, fresh_database, order_body

pytestmark = pytest.mark.anyio

CONDITION = "0x" + "c7" * 32
YES, NO = 7771, 7772
ADMIN = {"Authorization": "Bearer admin-token"}
DELAY_MS = 5_000
HEARTBEAT_TIMEOUT_MS = Limits().heartbeat_timeout_ms
NOT_ENOUGH = {"error": "not enough balance / allowance"}
YEAR_MS = 365 * 86_400_000


async def _started(kind: str, directory: Path, settings: Settings) -> AsyncIterator[tuple[Stack, Trader, Trader]]:
    with fresh_database(kind, directory) as new_store:
        stack = Stack(new_store, settings=settings)
        await stack.start()
        try:
            await stack.list_market(CONDITION, (str(YES), str(NO)), dynamic_tick=False)
            alice, bob = Trader("0x" + "a7" * 32), Trader("0x" + "b8" * 32)
            for trader in (alice, bob):
                await stack.create_key(trader)
                await stack.submit(Deposit(now_ms=0, address=trader.address, amount=1_000 * UNIT))
                await stack.submit(Split(now_ms=0, address=trader.address, condition_id=CONDITION, amount=100 * UNIT))
            yield stack, alice, bob
        finally:
            await stack.stop()


@pytest.fixture
async def clocked(tmp_path: Path) -> AsyncIterator[tuple[Stack, Trader, Trader]]:
    """A stack whose trades settle `DELAY_MS` after they match."""
    async for started in _started("sqlite", tmp_path, Settings(settlement_delay_ms=DELAY_MS)):
        yield started


@pytest.fixture(params=STORE_KINDS)
async def lagged(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Stack, Trader, Trader]]:
    """A stack with the settlement lag: proceeds are spendable once the trade is MINED."""
    settings = Settings(settlement_delay_ms=DELAY_MS, proceeds_available_at="mined")
    async for started in _started(request.param, tmp_path, settings):
        yield started


async def _clock(stack: Stack, **change: Any) -> dict[str, Any]:
    response = await (
        stack.client.post("/admin/clock", json=change, headers=ADMIN)
        if change
        else stack.client.get("/admin/clock", headers=ADMIN)
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _ok(stack: Stack, trader: Trader, method: str, path: str, body: Any = None) -> Any:
    response = await stack.call(trader, method, path, body)
    assert response.status_code == 200, response.text
    return response.json()


def _order(trader: Trader, side: str, price_cents: int, shares: int, **fields: Any) -> dict[str, Any]:
    """A limit order for `shares` YES at `price_cents`."""
    collateral = shares * UNIT * price_cents // 100
    amounts = (collateral, shares * UNIT) if side == "BUY" else (shares * UNIT, collateral)
    return order_body(trader, token_id=YES, side=side, maker_amount=amounts[0], taker_amount=amounts[1], **fields)


async def _open_orders(stack: Stack, trader: Trader) -> list[str]:
    return [order["id"] for order in (await _ok(stack, trader, "GET", "/data/orders"))["data"]]


async def _trade(stack: Stack, trader: Trader) -> dict[str, Any]:
    (trade,) = (await _ok(stack, trader, "GET", "/data/trades"))["data"]
    assert isinstance(trade, dict)
    return trade


async def _stored_trades(stack: Stack, trader: Trader) -> list[TradeRecord]:
    store = stack.service.store
    trades: list[TradeRecord] = await stack.service.read(
        lambda: store.trades(trader.api_key, after_position=0, limit=9)
    )
    return trades


async def _match(stack: Stack, seller: Trader, buyer: Trader, shares: int = 10) -> str:
    """`seller` rests an ask of `shares` YES at 0.60, `buyer` takes it; the trade's id."""
    await _ok(stack, seller, "POST", "/order", _order(seller, "SELL", 60, shares))
    taken = await _ok(stack, buyer, "POST", "/order", _order(buyer, "BUY", 60, shares))
    assert taken["status"] == "matched", taken
    trade_id: str = (await _trade(stack, buyer))["id"]
    return trade_id


# ---------------------------------------------------------------------------- the clock


async def test_the_clock_reads_wall_time_until_it_is_moved(clocked: tuple[Stack, Trader, Trader]) -> None:
    stack, _, _ = clocked
    assert await _clock(stack) == {"now_ms": START_MS, "frozen": False}
    assert await _clock(stack, advance_ms=YEAR_MS) == {"now_ms": START_MS + YEAR_MS, "frozen": False}
    stack.clock.now_ms += 1
    assert await _clock(stack) == {"now_ms": START_MS + YEAR_MS + 1, "frozen": False}
    assert (await stack.client.get("/time")).json() == (START_MS + YEAR_MS + 1) // 1000
    await stack.create_key(Trader("0x" + "c9" * 32))  # L1 headers signed with the wall clock, a year behind


async def test_a_gtd_order_expires_when_the_clock_passes_its_expiry_and_not_before(
    clocked: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, _ = clocked
    expiration_s = START_MS // 1000 + 3_600  # live until an hour less Polymarket's minute
    placed = await _ok(
        stack, alice, "POST", "/order", _order(alice, "BUY", 40, 10, order_type="GTD", expiration=expiration_s)
    )
    due_ms = (expiration_s - 60) * 1000
    await _clock(stack, advance_ms=due_ms - START_MS - 1)
    assert await _open_orders(stack, alice) == [placed["orderID"]]
    await _clock(stack, advance_ms=1)
    assert await _open_orders(stack, alice) == []
    book = (await stack.client.get("/book", params={"token_id": str(YES)})).json()
    assert book["bids"] == []
    expired = await stack.service.read(stack.service.store.order, placed["orderID"])
    assert expired is not None and (expired.status, expired.cancel_reason, expired.updated_at_ms) == (
        "CANCELED",
        "expired",
        due_ms,
    )


async def test_a_heartbeat_lapses_on_advance_and_cancels_its_owners_orders(
    clocked: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, bob = clocked
    await _ok(stack, alice, "POST", "/v1/heartbeats", {"heartbeat_id": None})
    await _ok(stack, alice, "POST", "/order", _order(alice, "BUY", 40, 10))
    kept = await _ok(stack, bob, "POST", "/order", _order(bob, "BUY", 41, 10))
    await _clock(stack, advance_ms=HEARTBEAT_TIMEOUT_MS - 1)
    assert len(await _open_orders(stack, alice)) == 1
    await _clock(stack, advance_ms=1)
    assert await _open_orders(stack, alice) == []
    assert await _open_orders(stack, bob) == [kept["orderID"]]
    (note,) = await _ok(stack, alice, "GET", "/notifications")
    assert note["type"] == 1  # cancelled


async def test_trades_reach_confirmed_as_the_clock_passes_their_settlement_times(
    clocked: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, bob = clocked
    trade_id = await _match(stack, alice, bob)
    await _clock(stack, advance_ms=DELAY_MS - 1)
    assert (await _trade(stack, bob))["status"] == "MATCHED"
    await _clock(stack, advance_ms=1)
    assert (await _trade(stack, bob))["status"] == "MINED"
    await _clock(stack, advance_ms=3 * DELAY_MS)
    trade = await _trade(stack, alice)
    assert (trade["id"], trade["status"]) == (trade_id, "CONFIRMED")
    stored = (await _stored_trades(stack, bob))[0]
    assert stored.updated_at_ms == stored.matched_at_ms + 2 * DELAY_MS  # its own due time, not the advance's end


async def test_one_advance_applies_what_falls_due_in_due_order_each_at_its_own_time(
    clocked: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, bob = clocked
    await _match(stack, alice, bob)
    expiration_s = START_MS // 1000 + 62  # due 2 s after START_MS: before the trade is MINED (5 s), CONFIRMED (10 s)
    placed = await _ok(
        stack, alice, "POST", "/order", _order(alice, "BUY", 40, 10, order_type="GTD", expiration=expiration_s)
    )
    await _clock(stack, advance_ms=YEAR_MS)
    expired = await stack.service.read(stack.service.store.order, placed["orderID"])
    (trade,) = await _stored_trades(stack, bob)
    assert expired is not None and expired.updated_at_ms == START_MS + 2_000
    assert (trade.status, trade.updated_at_ms) == ("CONFIRMED", START_MS + 2 * DELAY_MS)
    journal = await stack.service.read(lambda: list(stack.service.store.journal()))
    journal_times = [entry.command.now_ms for entry in journal]
    assert journal_times == sorted(journal_times)
    assert START_MS + 2_000 in journal_times and START_MS + DELAY_MS in journal_times


async def test_a_frozen_clock_does_not_move_while_wall_time_does_and_runs_on_from_there(
    clocked: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, _ = clocked
    assert await _clock(stack, freeze=True) == {"now_ms": START_MS, "frozen": True}
    stack.clock.now_ms += 60_000
    assert await _clock(stack) == {"now_ms": START_MS, "frozen": True}
    placed = await _ok(stack, alice, "POST", "/order", _order(alice, "BUY", 40, 10))
    record = await stack.service.read(stack.service.store.order, placed["orderID"])
    assert record is not None and record.created_at_ms == START_MS
    assert await _clock(stack, advance_ms=500, freeze=False) == {"now_ms": START_MS + 500, "frozen": False}
    stack.clock.now_ms += 7
    assert await _clock(stack) == {"now_ms": START_MS + 507, "frozen": False}


async def test_the_clock_survives_a_restart_moved_or_frozen(clocked: tuple[Stack, Trader, Trader]) -> None:
    stack, alice, _ = clocked
    await _clock(stack, advance_ms=YEAR_MS)
    await stack.restart()
    stack.clock.now_ms += 1_000  # the server was down a second: the exchange's time went on with the wall's
    assert await _clock(stack) == {"now_ms": START_MS + YEAR_MS + 1_000, "frozen": False}
    await _clock(stack, freeze=True)
    await stack.restart()
    stack.clock.now_ms += 1_000
    assert await _clock(stack) == {"now_ms": START_MS + YEAR_MS + 1_000, "frozen": True}
    assert await _open_orders(stack, alice) == []  # (authenticated with the wall clock, a year behind)


async def test_start_flags_set_the_mode_and_a_start_time_only_ahead(clocked: tuple[Stack, Trader, Trader]) -> None:
    stack, _, _ = clocked
    stack.settings = Settings(settlement_delay_ms=DELAY_MS, clock_mode="frozen", start_time_ms=START_MS + YEAR_MS)
    await stack.restart()
    assert await _clock(stack) == {"now_ms": START_MS + YEAR_MS, "frozen": True}
    stack.settings = Settings(settlement_delay_ms=DELAY_MS, clock_mode="wall", start_time_ms=START_MS)
    await stack.restart()
    assert await _clock(stack) == {"now_ms": START_MS + YEAR_MS, "frozen": False}


async def test_the_clock_may_reach_the_end_of_the_year_9999_and_stops_there(
    clocked: tuple[Stack, Trader, Trader],
) -> None:
    stack, _, _ = clocked
    assert await _clock(stack, advance_ms=MAX_CLOCK_MS - 1 - START_MS) == {"now_ms": MAX_CLOCK_MS - 1, "frozen": False}
    stack.clock.now_ms += 60_000
    assert await _clock(stack) == {"now_ms": MAX_CLOCK_MS, "frozen": False}
    listed = await stack.client.post("/admin/markets", json={"question": "The last one?"}, headers=ADMIN)
    assert listed.status_code == 200 and listed.json()["accepting_order_timestamp"] == "9999-12-31T23:59:59Z"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "invalid clock change: expected {advance_ms?, freeze?} (got neither)"),
        ({"advance_ms": -1}, "invalid clock change: expected {advance_ms?, freeze?}"),
        ({"advance_ms": "5"}, "invalid clock change: expected {advance_ms?, freeze?}"),
        ({"rewind_ms": 5}, "invalid clock change: expected {advance_ms?, freeze?}"),
        ({"advance_ms": MAX_CLOCK_MS}, f"invalid clock change: the clock cannot pass {MAX_CLOCK_MS} ms"),
    ],
)
async def test_a_bad_clock_change_is_refused_and_changes_nothing(
    clocked: tuple[Stack, Trader, Trader], body: dict[str, Any], message: str
) -> None:
    stack, _, _ = clocked
    response = await stack.client.post("/admin/clock", json=body, headers=ADMIN)
    assert response.status_code == 400 and response.json()["error"].startswith(message), response.text
    assert await _clock(stack) == {"now_ms": START_MS, "frozen": False}
    assert (await stack.client.post("/admin/clock", json={"freeze": True})).status_code == 401


# ---------------------------------------------------------------------------- the settlement lag


async def _balance(stack: Stack, trader: Trader, token_id: int | None = None) -> int:
    """GET /balance-allowance (the query is not signed: L2 covers the path only)."""
    params = {"asset_type": "COLLATERAL"} if token_id is None else {"asset_type": "CONDITIONAL", "token_id": token_id}
    response = await stack.client.get("/balance-allowance", params=params, headers=_l2(stack, trader))
    assert response.status_code == 200, response.text
    return int(response.json()["balance"])


def _l2(stack: Stack, trader: Trader) -> dict[str, str]:
    timestamp = str(stack.clock.now_ms // 1000)
    return {
        "POLY_ADDRESS": trader.address,
        "POLY_API_KEY": trader.api_key,
        "POLY_PASSPHRASE": trader.creds["passphrase"],
        "POLY_TIMESTAMP": timestamp,
        "POLY_SIGNATURE": build_hmac_signature(trader.creds["secret"], timestamp, "GET", "/balance-allowance", b""),
    }


async def test_with_the_lag_selling_what_was_just_bought_fails_until_the_trade_is_mined(
    lagged: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, bob = lagged
    await _match(stack, alice, bob)
    # BOB paid at once; his 10 YES are not his to spend yet, nor ALICE's 6 collateral hers
    assert (await _balance(stack, bob), await _balance(stack, bob, YES)) == (894 * UNIT, 100 * UNIT)
    assert await _balance(stack, alice) == 900 * UNIT
    held = (await stack.client.get("/admin/balances", params={"address": bob.address}, headers=ADMIN)).json()
    yes = next(row for row in held if row["asset"] == str(YES))
    assert (yes["balance"], yes["free"], yes["pending"]) == ("100", "100", "10")
    resell = await stack.call(bob, "POST", "/order", _order(bob, "SELL", 70, 110))
    assert (resell.status_code, resell.json()) == (400, NOT_ENOUGH)
    await _clock(stack, advance_ms=DELAY_MS - 1)
    assert (await stack.call(bob, "POST", "/order", _order(bob, "SELL", 70, 110))).json() == NOT_ENOUGH
    await _clock(stack, advance_ms=1)
    assert (await _balance(stack, bob, YES), await _balance(stack, alice)) == (110 * UNIT, 906 * UNIT)
    assert (await _ok(stack, bob, "POST", "/order", _order(bob, "SELL", 70, 110)))["success"] is True


async def test_with_the_lag_a_restart_before_the_trade_is_mined_loses_and_doubles_nothing(
    lagged: tuple[Stack, Trader, Trader],
) -> None:
    stack, alice, bob = lagged
    await _match(stack, alice, bob)
    await stack.restart()
    assert (await _balance(stack, bob), await _balance(stack, bob, YES)) == (894 * UNIT, 100 * UNIT)
    assert (await stack.call(bob, "POST", "/order", _order(bob, "SELL", 70, 110))).json() == NOT_ENOUGH
    await _clock(stack, advance_ms=DELAY_MS)
    await stack.restart()
    assert (await _balance(stack, bob, YES), await _balance(stack, alice)) == (110 * UNIT, 906 * UNIT)
    assert (await _balance(stack, bob), await _balance(stack, alice, YES)) == (894 * UNIT, 90 * UNIT)
    assert (await _trade(stack, bob))["status"] == "MINED"
    stack.service.exchange.check_invariants()
