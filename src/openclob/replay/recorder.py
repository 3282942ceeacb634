"""`openclob record`: write what a Polymarket-compatible market channel sends to a recording `--replay` takes.

It subscribes to the assets on the market channel (Polymarket's own or openclob's), keeps the socket alive
with the text `PING` the channel expects every 10 s, and writes each message as it came, wrapped as
`{"ts": <ms received, host wall clock>, "msg": <the message's own text>}`, one a line, flushed as it goes.
The first line describes the market: once a message names its condition id, `GET /markets/{condition_id}` on
the REST host (Polymarket's and openclob's both serve it) gives its tokens, tick size, minimum size and
neg-risk flag. Messages received before that are written after it, in order.

It stops after `--seconds`, on SIGINT or SIGTERM, or when the server closes the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

KEEPALIVE_S = 10.0
"""How often the text PING goes out (Polymarket drops idle market sockets)."""
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
REST_TIMEOUT_S = 10.0


class RecorderError(Exception):
    """Why recording cannot go on, in one line."""


def rest_url_for(ws_url: str) -> str:
    """The REST host a market channel's URL suggests: the same host and port, over http(s)."""
    parts = urllib.parse.urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return f"{scheme}://{parts.netloc}"


async def market_line(rest_url: str, condition_id: str) -> dict[str, Any]:
    """The recording's first line, from GET /markets/{condition_id} on the REST host."""
    url = f"{rest_url.rstrip('/')}/markets/{condition_id}"
    try:
        async with httpx.AsyncClient(timeout=REST_TIMEOUT_S) as client:
            response = await client.get(url)
    except httpx.HTTPError as error:
        raise RecorderError(f"cannot fetch the market from {url}: {error}") from None
    if response.status_code != 200:
        raise RecorderError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
    try:
        market = json.loads(response.text, parse_float=Decimal)
        tokens = [{"token_id": str(t["token_id"]), "outcome": str(t["outcome"])} for t in market["tokens"]]
        return {
            "type": "market",
            "condition_id": str(market["condition_id"]),
            "tokens": tokens,
            "tick_size": _decimal(market["minimum_tick_size"]),
            "min_order_size": _decimal(market["minimum_order_size"]),
            "neg_risk": bool(market.get("neg_risk", False)),
            "question": str(market.get("question", "")),
        }
    except (ValueError, KeyError, TypeError) as error:
        raise RecorderError(f"GET {url} did not answer a market ({type(error).__name__}: {error})") from None


def _decimal(value: Any) -> str:
    """A number of a JSON answer as a decimal string, by its text (no float)."""
    return format(Decimal(str(value)), "f")


class _Writer:
    """Holds messages back until the market line is written, then writes each as it comes."""

    def __init__(self, out: IO[str], rest_url: str) -> None:
        self.out, self.rest_url = out, rest_url
        self.held: list[str] = []
        self.header_written = False
        self.messages = 0

    async def message(self, received_ms: int, text: str) -> None:
        try:
            value = json.loads(text)
        except ValueError:
            return  # not JSON (a PONG): nothing to replay
        line = f'{{"ts": {received_ms}, "msg": {text}}}\n'
        self.messages += 1
        if self.header_written:
            self.out.write(line)
            self.out.flush()
            return
        self.held.append(line)
        condition_id = _condition_id(value)
        if condition_id is not None:
            header = await market_line(self.rest_url, condition_id)
            self.out.write(json.dumps(header) + "\n")
            self.flush_held()

    def flush_held(self) -> None:
        self.header_written = True
        self.out.writelines(self.held)
        self.held = []
        self.out.flush()


def _condition_id(value: Any) -> str | None:
    for event in value if isinstance(value, list) else [value]:
        if isinstance(event, dict) and isinstance(event.get("market"), str) and event["market"].startswith("0x"):
            return str(event["market"])
    return None


async def record(url: str, assets: list[str], rest_url: str, out: IO[str], seconds: float | None) -> int:
    """Record the market channel at `url` for `assets` into `out`; return how many messages were written."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if seconds is not None:
        loop.call_later(seconds, stop.set)
    writer = _Writer(out, rest_url)
    try:
        async with connect(url, max_size=MAX_MESSAGE_BYTES, open_timeout=REST_TIMEOUT_S) as socket:
            await socket.send(json.dumps({"assets_ids": assets, "type": "market"}))
            keepalive = asyncio.create_task(_keepalive(socket))
            stopped = asyncio.create_task(stop.wait())
            try:
                while not stop.is_set():
                    receive = asyncio.create_task(socket.recv())
                    await asyncio.wait({receive, stopped}, return_when=asyncio.FIRST_COMPLETED)
                    if not receive.done():
                        receive.cancel()
                        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                            await receive
                        break
                    try:
                        text = receive.result()
                    except ConnectionClosed:
                        break
                    if isinstance(text, str):
                        await writer.message(int(time.time() * 1000), text)
            finally:
                keepalive.cancel()
                stopped.cancel()
    except (OSError, TimeoutError) as error:
        raise RecorderError(f"recording from {url} failed: {error}") from None
    finally:
        if writer.held:  # no message named its market: write what came, without a market line
            writer.flush_held()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return writer.messages


async def _keepalive(socket: Any) -> None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            await socket.send("PING")


def record_main(url: str, assets_text: str, rest_url: str | None, out_path: Path, seconds: float | None) -> int:
    """Run `openclob record`; return the exit status."""
    assets = [asset.strip() for asset in assets_text.split(",") if asset.strip()]
    if not assets or not all(a.isascii() and a.isdigit() for a in assets):
        print(f"openclob: --assets takes decimal token ids, comma-separated (got {assets_text!r})", file=sys.stderr)
        return 2
    try:
        with out_path.open("w", encoding="utf-8") as out:
            count = asyncio.run(record(url, assets, rest_url or rest_url_for(url), out, seconds))
    except OSError as error:
        print(f"openclob: cannot write {out_path}: {error.strerror or error}", file=sys.stderr)
        return 1
    except RecorderError as error:
        print(f"openclob: {error}", file=sys.stderr)
        return 1
    print(f"recorded {count} messages to {out_path}", file=sys.stderr)
    return 0
