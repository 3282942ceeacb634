"""openclob in-process on a real store, driven through its app as the official clients drive it.

`Stack` runs a `Service` on a SQLite or PostgreSQL store behind the app, served through `httpx.ASGITransport`
(which runs no lifespan: the stack starts and stops the service itself), and can stop and start again on the
same database, recovering as `openclob serve` does. `Trader` is a wallet that signs what the clients sign: L1
ClobAuth and L2 HMAC headers, and V1 and V2 orders (eth-account over the project's own EIP-712 digests).

`order_body` signs whatever fields it can: a value no client could sign (a negative salt, a number past
uint256, a string that is not a number) gets a placeholder signature, which the edge must never reach.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from psycopg.conninfo import make_conninfo

from openclob.assembly import build_app
from openclob.config import Settings
from openclob.core import Command, CreateMarket, Rejected, Result
from openclob.crypto import (
    OrderV1Fields,
    OrderV2Fields,
    build_hmac_signature,
    clob_auth_digest,
    order_v1_digest,
    order_v2_digest,
    verifying_contract,
)
from openclob.edge_commands import RememberMarket
from openclob.service import Service
from openclob.store import SqliteStore, Store
from openclob.store.records import MarketInfoRecord
from tests.unit.store.conftest import POSTGRES_URL, _create_schema, _drop_schema, _postgres_admin

START_MS = 1_700_000_000_000
CHAIN_ID = 137
ZERO_ADDRESS = "0x" + "00" * 20
ZERO_BYTES32 = "0x" + "00" * 32
PLACEHOLDER_SIGNATURE = "0x" + "11" * 64 + "1b"
STORE_KINDS = ("sqlite", "postgres")
UINT256_LIMIT = 2**256
_salts = itertools.count(1)

StoreFactory = Callable[[], Store]
"""A new, unopened store on one database: each call opens another instance on the same data."""


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[StoreFactory]:
    """A fresh, empty database of `kind` ("sqlite" in `directory`, or "postgres" in a new schema)."""
    if kind == "sqlite":
        path = directory / "openclob.db"
        yield lambda: SqliteStore(path)
        return
    from openclob.store.postgres import PostgresStore

    admin = _postgres_admin()
    schema = _create_schema(admin)
    location = make_conninfo(POSTGRES_URL, options=f"-csearch_path={schema}")
    try:
        yield lambda: PostgresStore(location)
    finally:
        _drop_schema(admin, schema)


@dataclass
class Clock:
    """A settable clock in unix milliseconds."""

    now_ms: int = START_MS

    def __call__(self) -> int:
        return self.now_ms


@dataclass
class Trader:
    """A wallet and, once created, its API credentials."""

    private_key: str
    creds: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return str(Account.from_key(self.private_key).address).lower()

    @property
    def api_key(self) -> str:
        return self.creds["apiKey"]

    def sign(self, digest: bytes) -> str:
        """A 65-byte r ‖ s ‖ v signature of `digest` as 0x hex (v = 27 or 28, as the clients sign)."""
        return "0x" + bytes(Account.unsafe_sign_hash(digest, self.private_key).signature).hex()


@dataclass
class Stack:
    """A service on a real store behind the app; `restart` recovers it from the store."""

    new_store: StoreFactory
    settings: Settings = field(default_factory=Settings)
    clock: Clock = field(default_factory=Clock)
    service: Service = field(init=False)
    client: httpx.AsyncClient = field(init=False)
    market_infos: list[MarketInfoRecord] = field(default_factory=list)

    async def start(self) -> None:
        """Open the store, recover, and serve."""
        self.service = Service(self.new_store(), self.settings, clock=self.clock)
        app = build_app(self.service, master_secret=b"m" * 32, admin_token="admin-token")
        await self.service.start()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    async def stop(self) -> None:
        """Stop serving and close the store (a clean stop stores a snapshot)."""
        await self.client.aclose()
        await self.service.stop()

    async def restart(self) -> None:
        """Stop, then start again on the same database."""
        await self.stop()
        await self.start()

    async def submit(self, command: Command) -> Result:
        """Apply a core command (operator actions); fail if the core refuses it."""
        result = (await self.service.submit(command)).applied.result
        assert not isinstance(result, Rejected), result
        return result

    async def list_market(self, condition_id: str, token_ids: tuple[str, str], **settings: Any) -> None:
        """List a market in the core and its words at the edge, as POST /admin/markets does."""
        await self.submit(CreateMarket(now_ms=0, condition_id=condition_id, token_ids=token_ids, **settings))
        info = MarketInfoRecord(
            condition_id=condition_id,
            question="Will it hold?",
            description="",
            market_slug="will-it-hold",
            created_at_ms=self.clock.now_ms,
            end_date_iso="2030-01-01T00:00:00Z",
        )
        await self.service.submit_edge(RememberMarket(info=info))

    async def create_key(self, trader: Trader) -> None:
        """POST /auth/api-key with the trader's L1 headers; keep its credentials."""
        timestamp = str(self.clock.now_ms // 1000)
        digest = clob_auth_digest(address=trader.address, timestamp=timestamp, nonce=0, chain_id=CHAIN_ID)
        headers = {"POLY_ADDRESS": trader.address, "POLY_SIGNATURE": trader.sign(digest), "POLY_TIMESTAMP": timestamp}
        response = await self.client.post("/auth/api-key", headers=headers)
        assert response.status_code == 200, response.text
        trader.creds = response.json()

    async def call(self, trader: Trader, method: str, path: str, body: Any = None) -> httpx.Response:
        """An L2 request; `body` is sent as JSON, or as it is if it is bytes already."""
        content = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        timestamp = str(self.clock.now_ms // 1000)
        headers = {
            "POLY_ADDRESS": trader.address,
            "POLY_API_KEY": trader.api_key,
            "POLY_PASSPHRASE": trader.creds["passphrase"],
            "POLY_TIMESTAMP": timestamp,
            "POLY_SIGNATURE": build_hmac_signature(trader.creds["secret"], timestamp, method, path, content),
        }
        return await self.client.request(method, path, content=content, headers=headers)


def _signable(*values: object) -> bool:
    return all(isinstance(v, int) and 0 <= v < UINT256_LIMIT for v in values)


def _wire(value: int | str) -> str:
    return str(value) if isinstance(value, int) else value


def order_body(
    trader: Trader,
    *,
    token_id: int | str,
    side: str,
    maker_amount: int | str,
    taker_amount: int | str,
    version: int = 2,
    order_type: str = "GTC",
    expiration: int | str = 0,
    salt: int | str | None = None,
    signature_type: int = 0,
    timestamp: int | str = START_MS,
    nonce: int | str = 0,
    fee_rate_bps: int | str = 0,
    post_only: bool = False,
    neg_risk: bool = False,
) -> dict[str, Any]:
    """A POST /order body as the V1 (version 1) or V2 clients send it, signed if its fields can be signed.

    Integers are written as the clients write them (salt and signatureType as numbers, the rest as decimal
    strings); a string is written as it is.
    """
    salt = next(_salts) if salt is None else salt
    side_index = 0 if side == "BUY" else 1
    signature = PLACEHOLDER_SIGNATURE
    order: dict[str, Any] = {
        "salt": salt,
        "maker": trader.address,
        "signer": trader.address,
        "tokenId": _wire(token_id),
        "makerAmount": _wire(maker_amount),
        "takerAmount": _wire(taker_amount),
        "side": side,
        "expiration": _wire(expiration),
        "signatureType": signature_type,
    }
    signable = _signable(salt, token_id, maker_amount, taker_amount) and 0 <= signature_type < 256
    if version == 1:
        order |= {"taker": ZERO_ADDRESS, "nonce": _wire(nonce), "feeRateBps": _wire(fee_rate_bps)}
        if signable and _signable(expiration, nonce, fee_rate_bps):
            v1 = OrderV1Fields(
                salt=int(salt),
                maker=trader.address,
                signer=trader.address,
                taker=ZERO_ADDRESS,
                token_id=int(token_id),
                maker_amount=int(maker_amount),
                taker_amount=int(taker_amount),
                expiration=int(expiration),
                nonce=int(nonce),
                fee_rate_bps=int(fee_rate_bps),
                side=side_index,
                signature_type=signature_type,
            )
            contract = verifying_contract(CHAIN_ID, 1, neg_risk)
            signature = trader.sign(order_v1_digest(v1, chain_id=CHAIN_ID, verifying_contract=contract))
    else:
        order |= {"timestamp": _wire(timestamp), "metadata": ZERO_BYTES32, "builder": ZERO_BYTES32}
        if signable and _signable(timestamp):
            v2 = OrderV2Fields(
                salt=int(salt),
                maker=trader.address,
                signer=trader.address,
                token_id=int(token_id),
                maker_amount=int(maker_amount),
                taker_amount=int(taker_amount),
                side=side_index,
                signature_type=signature_type,
                timestamp=int(timestamp),
                metadata=ZERO_BYTES32,
                builder=ZERO_BYTES32,
            )
            contract = verifying_contract(CHAIN_ID, 2, neg_risk)
            signature = trader.sign(order_v2_digest(v2, chain_id=CHAIN_ID, verifying_contract=contract))
    order["signature"] = signature
    return {"order": order, "owner": trader.api_key, "orderType": order_type, "postOnly": post_only}
