"""Crash safety: a server under load is killed with SIGKILL at random moments and restarted on the same store.

Several client threads post crossing and resting orders and cancel them (one by one, in lists, by market,
all) while the server is killed. After each restart: every order that got a 200 is there with at least the
status its answers promised (CANCELED if a cancel of it was acknowledged, MATCHED if it was matched at
once); every order refused with an error is absent; an order whose request got no answer either exists
with its reservation or not at all (checked by summing the reservations of every open order the store
lists against each wallet's reserved balance); collateral is conserved (deposits = collateral held + the
outstanding YES/NO pairs); and a new order is accepted.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench._loadgen import Wallet

from openclob.crypto import OrderV1Fields, order_id, order_v1_digest, verifying_contract
from tests.e2e.conftest import Server, fresh_postgres_database, start_server

UNIT = 1_000_000
WORKERS = 4
MIN_REQUESTS_BEFORE_KILL = 20
DEPOSIT_UNITS = 5_000 * UNIT
SPLIT_UNITS = 2_000 * UNIT
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _units(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * UNIT + int((frac + "000000")[:6])


def _signed_order(
    wallet: Wallet, token_id: str, side: str, price_units: int, size_units: int, salt: int
) -> tuple[str, bytes]:
    """A signed POST /order body for a GTC limit order, and the order id the server will give it."""
    collateral = size_units * price_units // UNIT
    maker, taker = (collateral, size_units) if side == "BUY" else (size_units, collateral)
    fields = OrderV1Fields(
        salt=salt, maker=wallet.address, signer=wallet.address, taker=ZERO_ADDRESS, token_id=int(token_id),
        maker_amount=maker, taker_amount=taker, expiration=0, nonce=0, fee_rate_bps=0,
        side=0 if side == "BUY" else 1, signature_type=0,
    )  # fmt: skip
    digest = order_v1_digest(fields, chain_id=137, verifying_contract=verifying_contract(137, 1, False))
    order = {
        "salt": salt, "maker": wallet.address, "signer": wallet.address, "taker": ZERO_ADDRESS,
        "tokenId": token_id, "makerAmount": str(maker), "takerAmount": str(taker), "expiration": "0",
        "nonce": "0", "feeRateBps": "0", "side": side, "signatureType": 0, "signature": wallet.sign(digest),
    }  # fmt: skip
    body = {"order": order, "owner": wallet.api_key, "orderType": "GTC", "postOnly": False}
    return order_id(digest), json.dumps(body, separators=(",", ":")).encode()


@dataclass
class Ledger:
    """What the clients were told, across all rounds."""

    owner_of: dict[str, Wallet] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    """order id -> the status POST /order answered: "live", or "matched" if anything matched at once."""
    refused: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)
    canceled: set[str] = field(default_factory=set)
    """Orders named in the `canceled` list of a 200 cancel answer."""
    checked: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    """One client thread: its wallet's orders and cancels, until the server stops answering."""

    def __init__(self, server: Server, wallet: Wallet, tokens: tuple[str, str], market: str, ledger: Ledger, seed: int):
        self.server, self.wallet, self.tokens, self.market, self.ledger = server, wallet, tokens, market, ledger
        self.rng = random.Random(seed)
        self.live: list[str] = []
        self.requests = 0
        self.failure: BaseException | None = None

    def _send(self, client: httpx.Client, method: str, path: str, body: bytes) -> httpx.Response:
        self.requests += 1
        headers = {**self.wallet.l2_headers(method, path, body), "Content-Type": "application/json"}
        return client.request(method, path, content=body, headers=headers)

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(base_url=self.server.url, timeout=10) as client:
            while not stop.is_set():
                try:
                    self._step(client)
                except httpx.HTTPError:
                    return  # the server is gone
                except BaseException as exc:  # an assertion: reported by the main thread
                    self.failure = exc
                    return

    def _step(self, client: httpx.Client) -> None:
        roll = self.rng.random()
        if roll < 0.6 or not self.live:
            self._post_order(client)
        elif roll < 0.8:
            self._cancel(client, "DELETE", "/order", {"orderID": self.rng.choice(self.live)})
        elif roll < 0.95:
            self._cancel(client, "DELETE", "/orders", self.rng.sample(self.live, min(len(self.live), 3)))
        elif roll < 0.98:
            self._cancel(client, "DELETE", "/cancel-market-orders", {"market": self.market, "asset_id": ""})
        else:
            self._cancel(client, "DELETE", "/cancel-all", None)

    def _post_order(self, client: httpx.Client) -> None:
        rng = self.rng
        token = self.tokens[0] if rng.random() < 0.8 else self.tokens[1]
        side = rng.choice(("BUY", "SELL"))
        cents = rng.randint(40, 60)  # around 0.50 on both tokens, so that many orders cross (some MINT/MERGE)
        size = rng.randint(5, 20) * UNIT
        salt = rng.getrandbits(48)
        order, body = _signed_order(self.wallet, token, side, cents * 10_000, size, salt)
        with self.ledger.lock:
            self.ledger.owner_of[order] = self.wallet
            self.ledger.unanswered.add(order)
        response = self._send(client, "POST", "/order", body)
        with self.ledger.lock:
            self.ledger.unanswered.discard(order)
            answer = response.json() if response.status_code == 200 else {}
            if answer.get("success"):
                self.ledger.acked[order] = answer["status"]
                if answer["status"] == "live":
                    self.live.append(order)
            else:
                self.ledger.refused.add(order)

    def _cancel(self, client: httpx.Client, method: str, path: str, payload: object) -> None:
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        response = self._send(client, method, path, body)
        assert response.status_code == 200, (path, response.status_code, response.text)
        canceled = response.json()["canceled"]
        with self.ledger.lock:
            self.ledger.canceled.update(canceled)
        gone = set(canceled) | set(response.json()["not_canceled"])
        self.live = [i for i in self.live if i not in gone]


@dataclass
class Exchange:
    """The test's market and funded wallets, set up once before the first crash."""

    market: str
    tokens: tuple[str, str]
    wallets: list[Wallet]
    deposited_units: int


def _setup(server: Server) -> Exchange:
    market = server.create_market("Will it survive a crash?", dynamic_tick=False)
    tokens = (market["tokens"][0]["token_id"], market["tokens"][1]["token_id"])
    wallets = [Wallet(uuid.uuid4().int) for _ in range(WORKERS)]
    for wallet in wallets:
        wallet.create_api_key(server)  # type: ignore[arg-type]  # duck-typed: it needs only .url
        server.deposit(wallet.address, str(DEPOSIT_UNITS // UNIT))
        server.split(wallet.address, market["condition_id"], str(SPLIT_UNITS // UNIT))
    return Exchange(market["condition_id"], tokens, wallets, WORKERS * DEPOSIT_UNITS)


def _load_then_kill(server: Server, exchange: Exchange, ledger: Ledger, rng: random.Random) -> int:
    """Run the clients, SIGKILL the server at a random moment, wait for the clients; return requests sent."""
    stop = threading.Event()
    loads = [
        Load(server, wallet, exchange.tokens, exchange.market, ledger, rng.getrandbits(32))
        for wallet in exchange.wallets
    ]
    threads = [threading.Thread(target=load.run, args=(stop,)) for load in loads]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.3, 2.0))
    deadline = time.monotonic() + 30  # on a busy machine, wait for enough requests to be in flight
    while sum(load.requests for load in loads) <= MIN_REQUESTS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    server.process.kill()  # SIGKILL: no shutdown, no flush
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    for load in loads:
        if load.failure is not None:
            raise load.failure
    return sum(load.requests for load in loads)


def _get(client: httpx.Client, wallet: Wallet, path: str, params: dict[str, str] | None = None) -> httpx.Response:
    return client.get(path, params=params, headers=wallet.l2_headers("GET", path, b""))


def _open_orders(client: httpx.Client, wallet: Wallet) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    cursor = "MA=="
    while cursor != "LTE=":
        response = _get(client, wallet, "/data/orders", {"next_cursor": cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        orders += page["data"]
        cursor = page["next_cursor"]
    return orders


def _balances(server: Server, address: str) -> dict[str, tuple[int, int]]:
    rows = server.admin("GET", f"/admin/balances?address={address}")
    return {row["asset"]: (_units(row["free"]), _units(row["reserved"])) for row in rows}


def _verify(server: Server, exchange: Exchange, ledger: Ledger) -> None:
    """Everything the module docstring promises, after a restart."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        _verify_orders(client, ledger)
        _verify_balances(client, server, exchange, ledger)
        _verify_trading_goes_on(client, exchange)


def _verify_orders(client: httpx.Client, ledger: Ledger) -> None:
    # Orders of this round one by one; of the earlier rounds (already checked once), a sample.
    new = (set(ledger.acked) | ledger.refused | ledger.unanswered) - ledger.checked
    old = sorted(set(ledger.acked) & ledger.checked)
    for order in sorted(new) + random.Random(len(old)).sample(old, min(len(old), 50)):
        response = _get(client, ledger.owner_of[order], f"/data/order/{order}")
        if order in ledger.acked:
            assert response.status_code == 200, f"acknowledged order {order} lost: {response.text}"
            stored = response.json()
            if order in ledger.canceled:
                assert stored["status"] == "CANCELED", (order, stored)
            if ledger.acked[order] == "matched":  # it may have rested what was left, and been cancelled since
                assert _units(stored["size_matched"]) > 0 and stored["associate_trades"], (order, stored)
        elif order in ledger.refused:
            assert response.status_code == 404, f"refused order {order} was stored: {response.text}"
        else:
            assert response.status_code in (200, 404), response.text
    ledger.checked |= new
    ledger.unanswered.clear()


def _verify_balances(client: httpx.Client, server: Server, exchange: Exchange, ledger: Ledger) -> None:
    # Reservations: every open order the store lists holds exactly what the ledger reserves, and no more.
    yes, no = exchange.tokens
    collateral_held = yes_supply = no_supply = 0
    for wallet in exchange.wallets:
        reserved = {"COLLATERAL": 0, yes: 0, no: 0}
        for order in _open_orders(client, wallet):
            assert order["status"] == "LIVE"
            assert order["id"] not in ledger.canceled, f"cancelled order {order['id']} is open again"
            remaining = _units(order["original_size"]) - _units(order["size_matched"])
            if order["side"] == "BUY":
                reserved["COLLATERAL"] += remaining * _units(order["price"]) // UNIT
            else:
                reserved[order["asset_id"]] += remaining
        balances = _balances(server, wallet.address)
        for asset, amount in reserved.items():
            assert balances.get(asset, (0, 0))[1] == amount, (wallet.address, asset, balances, reserved)
        collateral_held += sum(balances.get("COLLATERAL", (0, 0)))
        yes_supply += sum(balances.get(yes, (0, 0)))
        no_supply += sum(balances.get(no, (0, 0)))
    assert yes_supply == no_supply
    assert collateral_held + yes_supply == exchange.deposited_units  # no fees: every order is fee-free


def _verify_trading_goes_on(client: httpx.Client, exchange: Exchange) -> None:
    wallet = exchange.wallets[0]
    order, body = _signed_order(wallet, exchange.tokens[0], "BUY", 10_000, 5 * UNIT, random.getrandbits(48))
    response = client.post("/order", content=body, headers=wallet.l2_headers("POST", "/order", body))
    assert response.status_code == 200 and response.json()["success"], response.text
    assert _get(client, wallet, f"/data/order/{order}").json()["status"] == "LIVE"


def _crash_rounds(data_dir: Path, rounds: int, seed: int, *extra: str) -> None:
    rng = random.Random(seed)
    ledger = Ledger()
    server = start_server(data_dir, *extra)
    try:
        exchange = _setup(server)
        for _ in range(rounds):
            requests = _load_then_kill(server, exchange, ledger, rng)
            assert requests > MIN_REQUESTS_BEFORE_KILL, f"only {requests} requests before the kill"
            server = start_server(data_dir, *extra)
            _verify(server, exchange, ledger)
        assert len(ledger.acked) > 50 and ledger.canceled
    finally:
        server.stop()


def test_sqlite_server_killed_under_load_keeps_every_acknowledged_change(tmp_path: Path) -> None:
    _crash_rounds(tmp_path / "data", rounds=5, seed=20260501)


def test_postgres_server_killed_under_load_keeps_every_acknowledged_change(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:  # skips when no PostgreSQL is reachable
        _crash_rounds(tmp_path / "data", 2, 20260502, "--db", url)
