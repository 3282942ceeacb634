"""/admin/simulations in process, on a frozen exchange clock moved by POST /admin/clock.

The clock never moves by itself here, so a simulation acts only when a test advances it, and POST /admin/clock
answers once every simulation has acted up to the new time: no test waits on wall time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from openclob.assembly import build_app
from openclob.config import Settings
from openclob.core import UNIT, CancelAll, PlaceOrder, Side
from openclob.core.orders import ASK, BID
from openclob.service import Service
from openclob.simulation.manager import Simulations
from tests.unit.api.conftest import (
    ALICE,
    CONDITION,
    NO,
    OTHER_CONDITION,
    OTHER_NO,
    OTHER_YES,
    START_MS,
    YES,
    Clock,
    Env,
    FakeStore,
)

pytestmark = pytest.mark.anyio
ADMIN = {"Authorization": "Bearer admin-token"}


@asynccontextmanager
async def frozen() -> AsyncIterator[Env]:
    """A started service with the YES/NO market, its exchange clock frozen at START_MS."""
    store, clock = FakeStore(), Clock()
    service = Service(store, Settings(clock_mode="frozen", start_time_ms=START_MS), clock=clock)
    app = build_app(service, master_secret=b"x" * 32, admin_token="admin-token")
    await service.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            env = Env(service, store, clock, client)
            await env.list_market(dynamic_tick=False)
            yield env
    finally:
        await app.state.simulations.close()
        await service.stop()


async def _start(env: Env, **body: Any) -> dict[str, Any]:
    response = await env.client.post("/admin/simulations", json={"condition_id": CONDITION} | body, headers=ADMIN)
    assert response.status_code == 200, response.text
    simulation: dict[str, Any] = response.json()
    return simulation


async def _advance(env: Env, steps: int, step_ms: int = 1_000) -> None:
    for _ in range(steps):
        response = await env.client.post("/admin/clock", json={"advance_ms": step_ms}, headers=ADMIN)
        assert response.status_code == 200, response.text


def _trades(env: Env) -> list[Any]:
    return list(env.store.trade_records)


async def test_a_simulated_market_has_depth_on_both_sides_and_trades() -> None:
    async with frozen() as env:
        simulation = await _start(env, seed=11)
        assert simulation["status"] == "running" and simulation["simulated"] is True
        assert {a["role"] for a in simulation["accounts"]} == {"maker", "taker", "informed"}
        await _advance(env, 10)
        book = env.service.exchange.book(CONDITION)
        assert len(book.depth(BID)) >= 3 and len(book.depth(ASK)) >= 3
        assert book.best_bid() < book.best_ask()  # type: ignore[operator]
        assert _trades(env)
        (listed,) = (await env.client.get("/admin/simulations", headers=ADMIN)).json()
        assert listed["id"] == simulation["id"] and listed["stepped_to_ms"] == START_MS + 10_000
        assert listed["commands"] > 0 and 0 < listed["current_fair_value"] < 1


async def test_simulated_orders_are_journalled_as_ordinary_commands_of_simulated_owners() -> None:
    async with frozen() as env:
        simulation = await _start(env, seed=3)
        await _advance(env, 5)
        owners = {a["owner"] for a in simulation["accounts"]}
        journalled = [e.command for b in env.store.batches for e in b.entries]
        places = [c for c in journalled if isinstance(c, PlaceOrder) and c.owner in owners]
        assert places and all(c.owner.startswith("sim-") for c in places)
        assert {c.maker for c in places} <= {a["address"] for a in simulation["accounts"]}


async def test_the_same_seed_and_clock_steps_give_the_same_trades() -> None:
    runs = []
    for seed in (21, 21, 22):
        async with frozen() as env:
            await _start(env, seed=seed)
            await _advance(env, 8, 700)
            await _advance(env, 2, 30_000)  # a long advance: the fair value walks, the traders act at the end
            runs.append(_trades(env))
    assert runs[0] and runs[0] == runs[1]
    assert runs[2] != runs[0]


async def test_several_simulations_on_one_server_interleave_the_same_way_each_run() -> None:
    runs = []
    for _ in range(2):
        async with frozen() as env:
            await env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), dynamic_tick=False)
            await _start(env, seed=1)
            await _start(env, condition_id=OTHER_CONDITION, seed=2)
            await _advance(env, 6, 500)
            runs.append(_trades(env))
    assert {t.condition_id for t in runs[0]} == {CONDITION, OTHER_CONDITION}
    assert runs[0] == runs[1]


async def test_a_bot_trades_against_the_simulated_makers() -> None:
    async with frozen() as env:
        await _start(env, seed=5, takers=0, informed=0)
        await _advance(env, 2)
        await env.fund(ALICE)
        best_ask = env.service.exchange.book(CONDITION).best_ask()
        assert best_ask is not None
        placed = await env.place(ALICE, YES, Side.BUY, f"{best_ask / UNIT:.2f}", "5")
        assert placed.taking_units == 5 * UNIT
        assert any(t.taker_order_id == placed.order_id for t in _trades(env))


async def test_stopping_a_simulation_cancels_its_orders_and_it_acts_no_more() -> None:
    async with frozen() as env:
        simulation = await _start(env, seed=8)
        await _advance(env, 3)
        owners = [a["owner"] for a in simulation["accounts"]]
        assert any(env.service.exchange.open_orders(o) for o in owners)
        response = await env.client.delete(f"/admin/simulations/{simulation['id']}", headers=ADMIN)
        assert response.status_code == 200 and response.json()["status"] == "stopped"
        assert not any(env.service.exchange.open_orders(o) for o in owners)
        book = env.service.exchange.book(CONDITION)
        assert book.best_bid() is None and book.best_ask() is None
        commands = response.json()["commands"]
        await _advance(env, 3)
        (listed,) = (await env.client.get("/admin/simulations", headers=ADMIN)).json()
        assert listed["status"] == "stopped" and listed["commands"] == commands
        missing = await env.client.delete("/admin/simulations/999", headers=ADMIN)
        assert missing.status_code == 404 and missing.json() == {"error": "simulation not found"}


async def test_resolving_the_market_ends_the_simulation_at_one_or_nothing() -> None:
    async with frozen() as env:
        simulation = await _start(env, seed=2)
        await _advance(env, 2)
        response = await env.client.post(
            f"/admin/markets/{CONDITION}/resolve", json={"winning_token_id": NO}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        await _advance(env, 1)
        (listed,) = (await env.client.get("/admin/simulations", headers=ADMIN)).json()
        assert listed["id"] == simulation["id"]
        assert listed["status"] == "resolved" and listed["current_fair_value"] == 0.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"condition_id": "0x" + "99" * 32}, "invalid condition_id: no market"),
        ({"condition_id": CONDITION, "seed": -1}, "at `$.seed`"),
        ({"condition_id": CONDITION, "makers": 51}, "at `$.makers`"),
        ({"condition_id": CONDITION, "takers": "3"}, "at `$.takers`"),
        ({"condition_id": CONDITION, "fair_value": {"start": 1.0}}, "invalid fair_value.start: 1.0"),
        ({"condition_id": CONDITION, "fair_value": {"volatility": -1}}, "invalid fair_value.volatility"),
        ({"condition_id": CONDITION, "fair_value": {"jump_rate": 1e9}}, "invalid fair_value.jump_rate"),
        ({"condition_id": CONDITION, "fair_value": {"spin": 1}}, "unknown field `spin` - at `$.fair_value`"),
        ({"condition_id": CONDITION, "taker_rate": 1000}, "invalid taker_rate"),
        ({"condition_id": CONDITION, "makers": 0, "takers": 0, "informed": 0}, "are all 0"),
        ({"seed": 1}, "missing required field `condition_id`"),
    ],
)
async def test_bad_requests_are_refused_naming_the_field_and_create_nothing(body: Any, message: str) -> None:
    async with frozen() as env:
        sequence = env.service.sequence
        response = await env.client.post("/admin/simulations", json=body, headers=ADMIN)
        assert response.status_code == 400, response.text
        assert message in response.json()["error"]
        assert (await env.client.get("/admin/simulations", headers=ADMIN)).json() == []
        assert env.service.sequence == sequence


async def test_a_restart_cancels_the_orders_simulations_left() -> None:
    async with frozen() as env:
        simulation = await _start(env, seed=4)
        await _advance(env, 2)
        owners = [a["owner"] for a in simulation["accounts"]]
        assert any(env.service.exchange.open_orders(o) for o in owners)
        left = Simulations(env.service)  # a restarted server's, which knows nothing of the simulation
        await left.cancel_leftovers()  # (what it runs before it serves)
        assert not any(env.service.exchange.open_orders(o) for o in owners)
        assert left.list() == []
        journalled = [e.command for b in env.store.batches for e in b.entries]
        assert {c.owner for c in journalled[-len(owners) :] if isinstance(c, CancelAll)} <= set(owners)
