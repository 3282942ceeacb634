"""Record a market channel with `openclob record` and replay it on another server; a bot trades against it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from py_clob_client.clob_types import OrderArgs
from py_clob_client.order_builder.constants import BUY, SELL

from openclob.replay.driver import RecordedBook, liquidity_account
from openclob.replay.recording import parse_recording
from tests.e2e.clients import py_client
from tests.e2e.conftest import Server, start_server

ADMIN = {"Authorization": "Bearer e2e-admin-token"}


def _book(server: Server, token_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    book = httpx.get(f"{server.url}/book", params={"token_id": token_id}, timeout=10).json()
    return [(b["price"], b["size"]) for b in book["bids"]], [(a["price"], a["size"]) for a in book["asks"]]


def _recorded_levels(path: Path, token_ids: tuple[str, str]) -> dict[tuple[bool, int], int] | None:
    """The book the recording at `path` holds so far (None while it cannot be read whole)."""
    try:
        recording = parse_recording(path.read_text().splitlines())
    except Exception:  # a line still being written, or no message yet
        return None
    book = RecordedBook(recording.condition_id, "0x" + "00" * 20, token_ids)
    for message in recording.messages:
        book.add(message)
    return book.levels


def _live_levels(server: Server, yes: str) -> dict[tuple[bool, int], int]:
    bids, asks = _book(server, yes)
    units = lambda text: round(float(text) * 1_000_000)  # noqa: E731 (only the test's comparison)
    levels = {(True, units(p)): units(s) for p, s in bids}
    levels.update({(False, units(p)): units(s) for p, s in asks})
    return levels


def _wait_done(server: Server, replay_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state: dict[str, Any] = server.admin("GET", f"/admin/replays/{replay_id}")
        if state["done"]:
            return state
        time.sleep(0.05)
    raise AssertionError(f"replay {replay_id} did not end: {state}")


def test_a_recording_of_one_server_replayed_on_another_reproduces_its_books(tmp_path: Path) -> None:
    first = start_server(tmp_path / "first")
    second = None
    recorder = None
    try:
        market = first.create_market("Will the recording hold?")
        condition_id = market["condition_id"]
        yes, no = (t["token_id"] for t in market["tokens"])
        alice, a = py_client(first)
        bob, b = py_client(first)
        for wallet in (a, b):
            first.deposit(wallet.address, "1000")
            first.split(wallet.address, condition_id, "200")
        for price, size in ((0.45, 10), (0.46, 12.5)):
            alice.create_and_post_order(OrderArgs(token_id=yes, price=price, size=size, side=BUY))
        asks = [bob.create_and_post_order(OrderArgs(token_id=yes, price=p, size=20, side=SELL)) for p in (0.55, 0.56)]

        out = tmp_path / "recording.jsonl"
        ws_url = first.url.replace("http://", "ws://") + "/ws/market"
        recorder = subprocess.Popen(
            [sys.executable, "-m", "openclob.cli", "record", "--url", ws_url, "--assets", f"{yes},{no}",
             "--out", str(out)],
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while _recorded_levels(out, (yes, no)) != _live_levels(first, yes):
            assert time.monotonic() < deadline, "the recorder did not catch the first book"
            time.sleep(0.05)

        # the book moves while it is recorded: a new bid, a cancel, a trade, an order of the second token
        alice.create_and_post_order(OrderArgs(token_id=yes, price=0.47, size=8, side=BUY))
        bob.cancel(asks[1]["orderID"])
        alice.create_and_post_order(OrderArgs(token_id=yes, price=0.55, size=5, side=BUY))
        bob.create_and_post_order(OrderArgs(token_id=no, price=0.40, size=9, side=BUY))  # an ask at 0.60
        bob.create_and_post_order(OrderArgs(token_id=yes, price=0.58, size=7, side=SELL))
        deadline = time.monotonic() + 30
        while _recorded_levels(out, (yes, no)) != _live_levels(first, yes):
            assert time.monotonic() < deadline, "the recorder did not catch every change"
            time.sleep(0.05)
        recorder.send_signal(signal.SIGTERM)
        _, err = recorder.communicate(timeout=30)
        assert recorder.returncode == 0, err.decode()
        header = json.loads(out.read_text().splitlines()[0])
        assert header == {
            "type": "market",
            "condition_id": condition_id,
            "tokens": [{"token_id": yes, "outcome": "Yes"}, {"token_id": no, "outcome": "No"}],
            "tick_size": "0.01",
            "min_order_size": "5",
            "neg_risk": False,
            "question": "Will the recording hold?",
        }

        second = start_server(tmp_path / "second")
        started = second.admin("POST", "/admin/replays", {"path": str(out), "speed": 0})
        assert started["account"] == liquidity_account(condition_id)
        assert _wait_done(second, started["id"])["state"] == "done"
        replayed = httpx.get(f"{second.url}/markets/{condition_id}", timeout=10).json()
        assert [t["token_id"] for t in replayed["tokens"]] == [yes, no]
        for token_id in (yes, no):
            assert _book(second, token_id) == _book(first, token_id)
        assert _book(second, yes) == (
            [("0.45", "10"), ("0.46", "12.5"), ("0.47", "8")],
            [("0.6", "9"), ("0.58", "7"), ("0.55", "15")],
        )
    finally:
        if recorder is not None and recorder.poll() is None:
            recorder.kill()
            recorder.wait()
        first.stop()
        if second is not None:
            second.stop()


def test_a_bots_buy_fills_at_the_recorded_asks_and_the_level_stays_consumed_until_the_recording_changes_it(
    tmp_path: Path,
) -> None:
    market = "0x" + "5e" * 32
    yes, no = "9001", "9002"
    tokens = [{"token_id": yes, "outcome": "Yes"}, {"token_id": no, "outcome": "No"}]
    header = {"type": "market", "condition_id": market, "tokens": tokens, "tick_size": "0.01", "min_order_size": "5"}
    book = {"event_type": "book", "asset_id": yes, "market": market, "timestamp": "1000",
            "bids": [{"price": "0.48", "size": "50"}], "asks": [{"price": "0.53", "size": "40"},
            {"price": "0.52", "size": "10"}]}  # fmt: skip

    def change(price: str, size: str) -> dict[str, Any]:
        entry = {"asset_id": yes, "price": price, "side": "SELL", "size": size}
        return {"event_type": "price_change", "market": market, "price_changes": [entry]}

    # at speed 1: the book at once, a change of another level, then the bought level changes 2 s later
    lines = [header, {"ts": 0, "msg": book}, {"ts": 0, "msg": change("0.54", "5")},
             {"ts": 2000, "msg": change("0.52", "30")}]  # fmt: skip
    path = tmp_path / "recording.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    server = start_server(tmp_path / "data", "--replay", str(path), "--replay-speed", "1")
    try:
        deadline = time.monotonic() + 30
        while server.admin("GET", "/admin/replays/1")["applied"] < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        bot, wallet = py_client(server)
        server.deposit(wallet.address, "100")
        response = bot.create_and_post_order(OrderArgs(token_id=yes, price=0.53, size=15, side=BUY))
        assert response["success"] and response["status"] == "matched"
        trades = bot.get_trades()
        assert [t["size"] for t in trades] == ["15"]
        prices = sorted((m["price"], m["matched_amount"]) for m in trades[0]["maker_orders"])
        assert prices == [("0.47", "5"), ("0.48", "10")]  # the recorded asks, as BUYs of No at 1 - price
        state = server.admin("GET", "/admin/replays/1")
        if state["applied"] < 3:  # (under heavy load the next message may already be in)
            assert _book(server, yes)[1] == [("0.54", "5"), ("0.53", "35")]
        assert _wait_done(server, 1)["state"] == "done"
        assert _book(server, yes)[1] == [("0.54", "5"), ("0.53", "35"), ("0.52", "30")]
    finally:
        server.stop()
