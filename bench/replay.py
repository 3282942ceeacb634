"""Replay at speed 0: how many recorded market-channel messages per second a replay applies.

Workload: a recording in Polymarket's current shapes, written to a temporary file: one market line, a `book`
snapshot of each token (50 levels a side, mirrored), then `--messages` messages, each a `price_change` with
the entries of both tokens for one level (a new size, or 0 to remove it), with a `last_trade_price` every
twentieth message. The replay runs through the real `Service` (sequencer, group commit, projection) on a
SQLite store in a temporary directory, as `POST /admin/replays` runs it; the time is from the start of the
replay (the file already read and checked, which `read_s` reports) until its last message is durable. The
exchange's book must then equal the recorded one, level by level. Each run uses a new store; the headline is
the median.

Two modes: as a replay at speed 0 runs (the net level changes of `MERGED_MESSAGES` consecutive messages in
one command), and one command per message (`--merged-messages 1`, as a replay at speed > 0 applies them).

    python bench/replay.py [--messages 100000] [--runs 5] [--merged-messages N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from openclob.assembly import build_app
from openclob.config import Settings
from openclob.core import BookSide
from openclob.replay.driver import MERGED_MESSAGES, RecordedBook, Replays
from openclob.replay.recording import read_recording
from openclob.service import Service
from openclob.store import SqliteStore

MARKET = "0x" + "be" * 32
YES, NO = "1001", "1002"
LEVELS = 50


def _price(cents: int) -> str:
    return f"0.{cents:02d}"


def write_recording(path: Path, messages: int, seed: int = 7) -> None:
    """Write the benchmark's recording (see the module docstring)."""
    draw = random.Random(seed)
    tokens = [{"token_id": YES, "outcome": "Yes"}, {"token_id": NO, "outcome": "No"}]
    lines = [{"type": "market", "condition_id": MARKET, "tokens": tokens, "tick_size": "0.01", "min_order_size": "5"}]
    bids = [{"price": _price(c), "size": f"{draw.randint(1, 500)}"} for c in range(1, LEVELS)]
    asks = [{"price": _price(c), "size": f"{draw.randint(1, 500)}"} for c in range(99, 99 - LEVELS, -1)]
    ts = 1_700_000_000_000
    book = {"event_type": "book", "market": MARKET, "timestamp": str(ts)}
    lines.append({"ts": ts, "msg": [{**book, "asset_id": YES, "bids": bids, "asks": asks}]})
    for number in range(messages):
        ts += draw.randint(0, 50)
        if number % 20 == 19:
            trade = {"event_type": "last_trade_price", "asset_id": YES, "market": MARKET, "price": "0.50"}
            lines.append({"ts": ts, "msg": {**trade, "side": "BUY", "size": "5", "timestamp": str(ts)}})
            continue
        is_bid = draw.random() < 0.5
        cents = draw.randint(1, LEVELS - 1) if is_bid else draw.randint(100 - LEVELS, 99)
        size = "0" if draw.random() < 0.2 else f"{draw.randint(1, 50_000) / 100:.2f}"
        side = "BUY" if is_bid else "SELL"
        mirror = "SELL" if is_bid else "BUY"
        entries = [
            {"asset_id": YES, "price": _price(cents), "side": side, "size": size, "hash": "h"},
            {"asset_id": NO, "price": _price(100 - cents), "side": mirror, "size": size, "hash": "h"},
        ]
        lines.append(
            {
                "ts": ts,
                "msg": {"event_type": "price_change", "market": MARKET, "timestamp": str(ts), "price_changes": entries},
            }
        )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


async def run_once(directory: Path, recording_path: Path, merged_messages: int) -> tuple[int, float, float]:
    """Replay the recording on a new store; return (messages, read seconds, replay seconds)."""
    service = Service(SqliteStore(directory / "openclob.db"), Settings())
    build_app(service, master_secret=b"b" * 32, admin_token="bench")
    await service.start()
    try:
        started = time.perf_counter()
        recording = await asyncio.to_thread(read_recording, recording_path)
        read_s = time.perf_counter() - started
        replays = Replays(service, merged_messages)
        started = time.perf_counter()
        replay = await replays.start(str(recording_path), 0.0, recording)
        assert replay.task is not None
        await replay.task
        replay_s = time.perf_counter() - started
        assert replay.state == "done", replay.error
        recorded = RecordedBook(MARKET, replay.account, (YES, NO))
        for message in recording.messages:
            recorded.add(message)
        book = service.exchange.book(MARKET)
        live = {(True, price): size for price, size in book.depth(BookSide.BID)}
        live.update({(False, price): size for price, size in book.depth(BookSide.ASK)})
        assert live == recorded.levels, "the replayed book differs from the recording"
        return replay.messages, read_s, replay_s
    finally:
        await service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--merged-messages", type=int, default=MERGED_MESSAGES)
    args = parser.parse_args()
    rates = []
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        recording_path = root / "recording.jsonl"
        write_recording(recording_path, args.messages)
        for run in range(args.runs):
            directory = root / f"run{run}"
            directory.mkdir()
            messages, read_s, replay_s = asyncio.run(run_once(directory, recording_path, args.merged_messages))
            rates.append(messages / replay_s)
            print(f"run {run + 1}: {messages} messages, read_s {read_s:.2f}, replay {replay_s:.2f} s, "
                  f"{messages / replay_s:,.0f} messages/s")  # fmt: skip
    median = statistics.median(rates)
    print(f"replay_messages_per_s: {median:,.0f} (median of {args.runs}, {args.merged_messages} message(s) a command)")


if __name__ == "__main__":
    main()
