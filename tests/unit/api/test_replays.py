"""POST/GET/DELETE /admin/replays in-process: a recording in Polymarket's own format replays into the book."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from openclob.replay.driver import liquidity_account
from tests.unit.api.conftest import Env

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer admin-token"}
MARKET = "0x" + "ab" * 32
YES, NO = (
    "71321045679252212594626385532706912750332728571942532289631379312455583992563",
    "52114319501245915516055106046884209969926127482827954674443846427813813222426",
)


def polymarket_recording() -> list[Any]:
    """A recording in Polymarket's own shapes (reference section 7): snapshots of both tokens, price changes
    in the current and the legacy schema, a trade print, a tick size change, and events the book ignores."""
    return [
        {
            "type": "market",
            "condition_id": MARKET,
            "tokens": [{"token_id": YES, "outcome": "Yes"}, {"token_id": NO, "outcome": "No"}],
            "tick_size": "0.01",
            "min_order_size": "5",
            "neg_risk": False,
        },
        {
            "ts": 1000,
            "msg": [
                {
                    "event_type": "book",
                    "asset_id": YES,
                    "market": MARKET,
                    "timestamp": "999",
                    "hash": "a",
                    "bids": [{"price": "0.48", "size": "30"}, {"price": "0.49", "size": "20.5"}],
                    "asks": [{"price": "0.53", "size": "40"}, {"price": "0.52", "size": "25"}],
                    "tick_size": "0.01",
                    "last_trade_price": "0.50",
                },
                {
                    "event_type": "book",
                    "asset_id": NO,
                    "market": MARKET,
                    "timestamp": "999",
                    "hash": "b",
                    "bids": [{"price": "0.47", "size": "40"}, {"price": "0.48", "size": "25"}],
                    "asks": [{"price": "0.52", "size": "30"}, {"price": "0.51", "size": "20.5"}],
                    "tick_size": "0.01",
                    "last_trade_price": "0.50",
                },
            ],
        },
        {
            "ts": 1100,
            "msg": {
                "event_type": "price_change",
                "market": MARKET,
                "timestamp": "1100",
                "price_changes": [
                    {
                        "asset_id": YES,
                        "price": "0.50",
                        "side": "BUY",
                        "size": "10",
                        "hash": "c",
                        "best_bid": "0.50",
                        "best_ask": "0.52",
                    },
                    {
                        "asset_id": NO,
                        "price": "0.50",
                        "side": "SELL",
                        "size": "10",
                        "hash": "d",
                        "best_bid": "0.48",
                        "best_ask": "0.50",
                    },
                ],
            },
        },
        {
            "ts": 1200,
            "msg": {
                "event_type": "last_trade_price",
                "asset_id": YES,
                "market": MARKET,
                "price": "0.52",
                "side": "BUY",
                "size": "5",
                "fee_rate_bps": "0",
                "timestamp": "1200",
            },
        },
        {
            "ts": 1201,
            "msg": {
                "event_type": "price_change",
                "asset_id": YES,
                "market": MARKET,
                "hash": "e",
                "timestamp": "1201",
                "changes": [{"price": "0.52", "side": "SELL", "size": "20"}],
            },
        },
        {
            "ts": 1300,
            "msg": {
                "event_type": "best_bid_ask",
                "market": MARKET,
                "asset_id": YES,
                "best_bid": "0.50",
                "best_ask": "0.52",
                "spread": "0.02",
                "timestamp": "1300",
            },
        },
        {
            "ts": 1400,
            "msg": {
                "event_type": "tick_size_change",
                "asset_id": YES,
                "market": MARKET,
                "old_tick_size": "0.01",
                "new_tick_size": "0.001",
                "timestamp": "1400",
            },
        },
        {
            "ts": 1500,
            "msg": {
                "event_type": "price_change",
                "market": MARKET,
                "timestamp": "1500",
                "price_changes": [
                    {
                        "asset_id": YES,
                        "price": "0.515",
                        "side": "SELL",
                        "size": "7",
                        "hash": "f",
                        "best_bid": "0.50",
                        "best_ask": "0.515",
                    }
                ],
            },
        },
    ]


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


async def replay(env: Env, path: Path, speed: float = 0) -> dict[str, Any]:
    response = await env.client.post("/admin/replays", json={"path": str(path), "speed": speed}, headers=ADMIN)
    assert response.status_code == 200, response.text
    started: dict[str, Any] = response.json()
    while True:
        progress = (await env.client.get(f"/admin/replays/{started['id']}", headers=ADMIN)).json()
        if progress["done"]:
            return dict(progress)
        await asyncio.sleep(0.01)


async def test_a_polymarket_recording_replays_into_both_books_with_its_tick_change(env: Env, tmp_path: Path) -> None:
    progress = await replay(env, write(tmp_path / "poly.jsonl", polymarket_recording()))
    assert progress["state"] == "done"
    assert (progress["messages"], progress["applied"]) == (7, 7)  # best_bid_ask is skipped
    assert progress["account"] == liquidity_account(MARKET)
    market = (await env.client.get(f"/markets/{MARKET}")).json()
    assert [t["token_id"] for t in market["tokens"]] == [YES, NO]
    assert market["minimum_tick_size"] == 0.001
    book = (await env.client.get("/book", params={"token_id": YES})).json()
    assert book["bids"] == [
        {"price": "0.48", "size": "30"},
        {"price": "0.49", "size": "20.5"},
        {"price": "0.5", "size": "10"},
    ]
    assert book["asks"] == [
        {"price": "0.53", "size": "40"},
        {"price": "0.52", "size": "20"},
        {"price": "0.515", "size": "7"},
    ]
    mirror = (await env.client.get("/book", params={"token_id": NO})).json()
    assert mirror["asks"][-1] == {"price": "0.5", "size": "10"}
    assert mirror["bids"][-1] == {"price": "0.485", "size": "7"}


async def test_a_malformed_line_is_refused_naming_the_line_and_field_and_nothing_is_listed(
    env: Env, tmp_path: Path
) -> None:
    lines = polymarket_recording()
    lines[2]["msg"]["price_changes"][1]["size"] = "ten"
    path = write(tmp_path / "bad.jsonl", lines)
    response = await env.client.post("/admin/replays", json={"path": str(path)}, headers=ADMIN)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid recording: line 3: price_changes[1].size: expected a decimal string, got 'ten'"
    }
    assert (await env.client.get(f"/markets/{MARKET}")).status_code == 404
    assert (await env.client.get("/admin/replays", headers=ADMIN)).json() == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"path": "/nonexistent/rec.jsonl"}, "invalid recording: cannot read the recording /nonexistent/rec.jsonl"),
        ({"path": "x", "speed": -1}, "invalid replay: expected {path, speed?}: Expected `float` >= 0.0 - at `$.speed`"),
    ],
)
async def test_a_bad_request_gets_a_400_saying_why(env: Env, body: dict[str, Any], error: str) -> None:
    response = await env.client.post("/admin/replays", json=body, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


async def test_stopping_a_replay_cancels_its_liquidity_and_unknown_ids_are_404(env: Env, tmp_path: Path) -> None:
    progress = await replay(env, write(tmp_path / "poly.jsonl", polymarket_recording()))
    response = await env.client.delete(f"/admin/replays/{progress['id']}", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["state"] == "done"
    book = (await env.client.get("/book", params={"token_id": YES})).json()
    assert (book["bids"], book["asks"]) == ([], [])
    listed = (await env.client.get("/admin/replays", headers=ADMIN)).json()
    assert [r["id"] for r in listed] == [progress["id"]]
    assert (await env.client.get("/admin/replays/99", headers=ADMIN)).status_code == 404
    assert (await env.client.delete("/admin/replays/99", headers=ADMIN)).status_code == 404
    assert (await env.client.get("/admin/replays", headers={})).status_code == 401


async def test_a_second_replay_of_a_running_market_is_refused_until_the_first_is_stopped(
    env: Env, tmp_path: Path
) -> None:
    lines = polymarket_recording()
    lines.append({"ts": 600_000, "msg": lines[-1]["msg"]})  # ten minutes later, at speed 1
    path = write(tmp_path / "slow.jsonl", lines)
    first = await env.client.post("/admin/replays", json={"path": str(path), "speed": 1}, headers=ADMIN)
    assert first.json()["state"] == "running"
    again = await env.client.post("/admin/replays", json={"path": str(path)}, headers=ADMIN)
    assert again.status_code == 400
    assert again.json() == {"error": f"invalid recording: a replay of market {MARKET} is running: stop it first"}
    stopped = await env.client.delete(f"/admin/replays/{first.json()['id']}", headers=ADMIN)
    assert (stopped.json()["state"], stopped.json()["done"]) == ("stopped", True)
    assert stopped.json()["applied"] < stopped.json()["messages"]
    book = (await env.client.get("/book", params={"token_id": YES})).json()
    assert (book["bids"], book["asks"]) == ([], [])
    assert (await replay(env, path))["state"] == "done"
