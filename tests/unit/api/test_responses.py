"""api/responses.py: every route's real 200 answer fits the response schema /openapi.json gives for it.

One walk drives every documented operation of the document once, in a session that has something to show
(two wallets with API keys, a market, a trade with a builder code, resting orders on both sides), and
validates each answer against the document's schema. Unknown keys are forbidden by the shapes, so a key
added to or dropped from a route without its shape fails here.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from openapi_schema_validator import OAS31Validator

from openclob.core import OrderAccepted
from openclob.crypto import OrderV2Fields, build_hmac_signature, clob_auth_digest, order_v2_digest, verifying_contract
from openclob.store.convert import order_record
from openclob.store.records import NotificationRecord, OrderRecord, PricePointRecord, TradeRecord
from tests.unit.api.conftest import Env, units

pytestmark = pytest.mark.anyio

KEY_A, KEY_B = "0x" + "11" * 32, "0x" + "22" * 32
BUILDER = "0x" + "b7" * 32
ZERO_BYTES32 = "0x" + "00" * 32
_salts = itertools.count(1)


@dataclass
class Wallet:
    """A wallet and, once created, its API credentials."""

    private_key: str
    creds: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return str(Account.from_key(self.private_key).address).lower()


@dataclass
class Walk:
    """Sends requests, validates each 200 against the document, and remembers the operations covered."""

    env: Env
    document: dict[str, Any]
    covered: set[tuple[str, str]] = field(default_factory=set)

    async def call(
        self,
        method: str,
        template: str,
        *,
        path: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        body: Any = None,
        l1: Wallet | None = None,
        l2: Wallet | None = None,
        admin: bool = False,
    ) -> Any:
        url = template.format(**(path or {}))
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if content else {}
        timestamp = str(self.env.clock.now_ms // 1000)
        if l1 is not None:
            digest = clob_auth_digest(address=l1.address, timestamp=timestamp, nonce=0, chain_id=137)
            signature = "0x" + Account.unsafe_sign_hash(digest, l1.private_key).signature.hex().removeprefix("0x")
            headers |= {"POLY_ADDRESS": l1.address, "POLY_SIGNATURE": signature, "POLY_TIMESTAMP": timestamp}
        if l2 is not None:
            headers |= {
                "POLY_ADDRESS": l2.address,
                "POLY_API_KEY": l2.creds["apiKey"],
                "POLY_PASSPHRASE": l2.creds["passphrase"],
                "POLY_TIMESTAMP": timestamp,
                "POLY_SIGNATURE": build_hmac_signature(l2.creds["secret"], timestamp, method, url, content),
            }
        if admin:
            headers["Authorization"] = "Bearer admin-token"
        response = await self.env.client.request(method, url, params=params, content=content, headers=headers)
        assert response.status_code == 200, (method, template, response.text)
        answer = response.json()
        responses = self.document["paths"][template][method.lower()]["responses"]
        schema = responses["200"]["content"]["application/json"]["schema"]
        OAS31Validator({**schema, "components": self.document["components"]}).validate(answer)
        self.covered.add((method.lower(), template))
        return answer


def signed_order(wallet: Wallet, token_id: str, side: str, price: str, size: str, builder: str = ZERO_BYTES32) -> Any:
    """A GTC V2 order body, signed for the exchange of chain 137."""
    shares = units(size)
    collateral = shares * units(price) // units("1")
    maker_amount, taker_amount = (collateral, shares) if side == "BUY" else (shares, collateral)
    fields = OrderV2Fields(
        salt=next(_salts),
        maker=wallet.address,
        signer=wallet.address,
        token_id=int(token_id),
        maker_amount=maker_amount,
        taker_amount=taker_amount,
        side=0 if side == "BUY" else 1,
        signature_type=0,
        timestamp=1_700_000_000_000,
        metadata=ZERO_BYTES32,
        builder=builder,
    )
    digest = order_v2_digest(fields, chain_id=137, verifying_contract=verifying_contract(137, 2, False))
    signature = "0x" + Account.unsafe_sign_hash(digest, wallet.private_key).signature.hex().removeprefix("0x")
    order = {
        "salt": fields.salt,
        "maker": wallet.address,
        "signer": wallet.address,
        "tokenId": token_id,
        "makerAmount": str(maker_amount),
        "takerAmount": str(taker_amount),
        "side": side,
        "signatureType": 0,
        "expiration": "0",
        "timestamp": str(fields.timestamp),
        "metadata": ZERO_BYTES32,
        "builder": builder,
        "signature": signature,
    }
    return {"order": order, "owner": wallet.creds["apiKey"], "orderType": "GTC"}


def serve_records_from_batches(env: Env) -> None:
    """Let the fake store answer order, trade and notification reads from what the service wrote to it."""

    def accepted() -> list[OrderRecord]:
        events = [event for batch in env.store.batches for entry in batch.entries for event in entry.events]
        return [order_record(event) for event in events if isinstance(event, OrderAccepted)]

    def orders(owner: str, **filters: Any) -> list[OrderRecord]:
        return [record for record in accepted() if record.owner == owner]

    def order(order_id: str) -> OrderRecord | None:
        return next((record for record in accepted() if record.order_id == order_id), None)

    def trades(owner: str, **filters: Any) -> list[TradeRecord]:
        return list(env.store.trade_records)

    def notifications(owner: str) -> list[NotificationRecord]:
        payload: dict[str, object] = {"order_id": "0x" + "01" * 32}
        return [
            NotificationRecord(notification_id=1, owner=owner, type=1, payload=payload, created_at_ms=env.clock.now_ms)
        ]

    env.store.orders = orders  # type: ignore[method-assign]
    env.store.order = order  # type: ignore[method-assign]
    env.store.trades = trades  # type: ignore[method-assign]
    env.store.notifications = notifications  # type: ignore[method-assign]


async def test_every_operation_answers_in_its_documented_shape(env: Env) -> None:
    env.clock.now_ms = 1_700_000_000_000
    walk = Walk(env, (await env.client.get("/openapi.json")).json())
    call = walk.call
    a, b = Wallet(KEY_A), Wallet(KEY_B)
    serve_records_from_batches(env)

    # public
    for template in ("/", "/ok", "/ready", "/time", "/version", "/openapi.json"):
        await call("GET", template)
    metrics = await env.client.get("/metrics")  # (Prometheus text, not JSON)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"] in walk.document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    walk.covered.add(("get", "/metrics"))

    # API keys (L1, then L2)
    a.creds = await call("POST", "/auth/api-key", l1=a)
    b.creds = await call("POST", "/auth/api-key", l1=b)
    assert await call("GET", "/auth/derive-api-key", l1=a) == a.creds
    await call("GET", "/auth/api-keys", l2=a)
    await call("GET", "/auth/ban-status/closed-only", l2=a)
    readonly = (await call("POST", "/auth/readonly-api-key", l2=a))["apiKey"]
    await call("GET", "/auth/readonly-api-keys", l2=a)
    params = {"address": a.address, "key": readonly}
    assert (await call("GET", "/auth/validate-readonly-api-key", params=params))["valid"] is True
    await call("DELETE", "/auth/readonly-api-key", body={"key": readonly}, l2=a)

    # admin: a market with a fee, both wallets funded, B holding tokens
    market = await call("POST", "/admin/markets", body={"question": "Will it rain?", "fee_rate_bps": 100}, admin=True)
    condition = {"condition_id": market["condition_id"]}
    yes, no = (token["token_id"] for token in market["tokens"])
    await call("PATCH", "/admin/markets/{condition_id}", path=condition, body={"accepting_orders": True}, admin=True)
    for wallet in (a, b):
        await call("POST", "/admin/balances", body={"address": wallet.address, "amount": "1000"}, admin=True)
    await call("GET", "/admin/balances", params={"address": a.address}, admin=True)
    conversion = {"address": b.address, "condition_id": market["condition_id"], "amount": "100"}
    await call("POST", "/admin/split", body=conversion, admin=True)
    await call("POST", "/admin/merge", body=conversion | {"amount": "10"}, admin=True)
    await call("PUT", "/admin/trading-mode", body={"mode": "normal"}, admin=True)
    await call("GET", "/admin/trading-mode", admin=True)
    wallet_link = {"signer": a.address, "funder": "0x" + "f0" * 20, "signature_type": 1}
    await call("POST", "/admin/wallets", body=wallet_link, admin=True)
    await call("GET", "/v1/user/rate-limit-tier", l2=b)
    address = {"address": a.address}
    await call("PUT", "/admin/rate-limit-tiers/{address}", path=address, body={"tier": "gold"}, admin=True)
    await call("GET", "/admin/rate-limit-tiers/{address}", path=address, admin=True)
    await call("POST", "/admin/clock", body={"advance_ms": 1_000}, admin=True)
    await call("GET", "/admin/clock", admin=True)
    assert (await call("GET", "/v1/user/rate-limit-tier", l2=a))["tier"] == "gold"
    fault = {"kind": "status", "status": 425, "path": "/nothing-here*", "count": 2, "body": {"error": "later"}}
    rule_id = {"id": str((await call("POST", "/admin/faults", body=fault, admin=True))["id"])}
    await call("POST", "/admin/faults", body={"kind": "ws_stall", "channel": "user", "duration_ms": 60_000}, admin=True)
    assert len(await call("GET", "/admin/faults", admin=True)) == 2
    await call("DELETE", "/admin/faults/{id}", path=rule_id, admin=True)
    assert len(await call("DELETE", "/admin/faults", admin=True)) == 1
    simulation = await call("POST", "/admin/simulations", body=condition | {"seed": 1}, admin=True)
    assert [s["id"] for s in await call("GET", "/admin/simulations", admin=True)] == [simulation["id"]]
    stopped = await call("DELETE", "/admin/simulations/{sim_id}", path={"sim_id": simulation["id"]}, admin=True)
    assert stopped["status"] == "stopped"

    # trading: A bids 20 at 0.5; B sells 10 into it (with a builder code) and offers 5 at 0.6
    bid = await call("POST", "/order", body=signed_order(a, yes, "BUY", "0.5", "20"), l2=a)
    sells = [signed_order(b, yes, "SELL", "0.5", "10", BUILDER), signed_order(b, yes, "SELL", "0.6", "5")]
    placed = await call("POST", "/orders", body=sells, l2=b)
    assert [p["success"] for p in placed] == [True, True] and placed[0]["tradeIDs"]
    env.store.price_points.append(PricePointRecord(token_id=yes, at_ms=env.clock.now_ms, price_units=500_000))

    # market data
    token, tokens = {"token_id": yes}, {"token_ids": f"{yes},{no}"}
    batch = [{"token_id": yes, "side": "BUY"}, {"token_id": no, "side": "SELL"}]
    for template in ("/book", "/midpoint", "/spread", "/last-trade-price", "/tick-size", "/neg-risk", "/fee-rate"):
        await call("GET", template, params=token)
    await call("GET", "/price", params=token | {"side": "BUY"})
    for template in ("/prices", "/midpoints", "/spreads", "/last-trades-prices"):
        await call("GET", template, params=tokens)
    for template in ("/books", "/prices", "/midpoints", "/spreads", "/last-trades-prices"):
        await call("POST", template, body=batch)
    for template in ("/tick-size/{token_id}", "/neg-risk/{token_id}", "/fee-rate/{token_id}"):
        await call("GET", template, path=token)
    history = await call("GET", "/prices-history", params={"market": yes, "interval": "1d", "fidelity": "60"})
    assert history["history"]

    # markets, V2 lookups, builders
    for template in ("/markets", "/simplified-markets", "/sampling-markets", "/sampling-simplified-markets"):
        assert (await call("GET", template))["data"]
    await call("GET", "/markets/{condition_id}", path=condition)
    for template in ("/markets/live-activity/{condition_id}", "/live-activity/events/{condition_id}"):
        assert await call("GET", template, path=condition)
    assert "fd" in await call("GET", "/clob-markets/{condition_id}", path=condition)
    await call("GET", "/markets-by-token/{token_id}", path=token)
    assert (await call("GET", "/builder/trades", params={"builder_code": BUILDER}))["data"]
    await call("GET", "/fees/builder-fees/{builder_code}", path={"builder_code": BUILDER})

    # Gamma and Data API subsets
    gamma_markets = await call("GET", "/gamma/markets")
    assert gamma_markets and "bestBid" in gamma_markets[0] and "lastTradePrice" in gamma_markets[0]
    await call("GET", "/gamma/markets/{id}", path={"id": gamma_markets[0]["id"]})
    await call("GET", "/gamma/markets/slug/{slug}", path={"slug": gamma_markets[0]["slug"]})
    events = await call("GET", "/gamma/events")
    await call("GET", "/gamma/events/{id}", path={"id": events[0]["id"]})
    await call("GET", "/gamma/events/slug/{slug}", path={"slug": events[0]["slug"]})
    await call("GET", "/gamma/tags")
    assert await call("GET", "/data-api/positions", params={"user": b.address})
    assert await call("GET", "/data-api/activity", params={"user": b.address})
    assert await call("GET", "/data-api/trades", params={"takerOnly": "false"})
    await call("GET", "/data-api/value", params={"user": b.address})

    # account
    order_id = {"order_id": bid["orderID"]}
    for template in ("/data/orders", "/orders", "/data/trades", "/trades"):
        assert (await call("GET", template, l2=a))["data"]
    await call("GET", "/data/pre-migration-orders", l2=a)
    for template in ("/data/order/{order_id}", "/order/{order_id}"):
        await call("GET", template, path=order_id, l2=a)
    await call("GET", "/balance-allowance", params={"asset_type": "COLLATERAL"}, l2=a)
    await call("GET", "/balance-allowance/update", params={"asset_type": "CONDITIONAL", "token_id": yes}, l2=b)
    assert await call("GET", "/notifications", l2=a)
    await call("DELETE", "/notifications", params={"ids": "1"}, l2=a)
    await call("POST", "/v1/heartbeats", body={"heartbeat_id": None}, l2=a)
    await call("POST", "/heartbeats", l2=b)
    await call("GET", "/order-scoring", params={"order_id": bid["orderID"]}, l2=a)
    await call("POST", "/orders-scoring", body=[bid["orderID"]], l2=a)

    # the operator's reads of an account, and the console (HTML and scripts, not JSON: no schema to check)
    assert await call("GET", "/admin/api-keys", params={"address": a.address}, admin=True)
    for template in ("/admin/orders", "/admin/trades"):
        assert (await call("GET", template, params={"address": a.address}, admin=True))["data"]
    for template, url in (("/console", "/console"), ("/console/{name}", "/console/app.js")):
        assert (await env.client.get(url)).status_code == 200
        walk.covered.add(("get", template))

    # cancels, resolution, and a key deleted
    assert (await call("DELETE", "/order", body={"orderID": bid["orderID"]}, l2=a))["canceled"] == [bid["orderID"]]
    await call("DELETE", "/orders", body=[placed[1]["orderID"]], l2=b)
    await call("DELETE", "/cancel-market-orders", body={"market": market["condition_id"]}, l2=a)
    await call("DELETE", "/cancel-all", l2=b)
    resolution = {"winning_token_id": yes}
    await call("POST", "/admin/markets/{condition_id}/resolve", path=condition, body=resolution, admin=True)
    await call("POST", "/redeem", body={"condition_id": market["condition_id"]}, l2=b)

    # events: a neg-risk event, conversions, a resolution and redemptions
    env.service.settings = replace(env.service.settings, user_conversions=True)
    event = await call(
        "POST", "/admin/events", body={"title": "Who?", "outcomes": ["X", "Y"], "neg_risk": True}, admin=True
    )
    assert len(await call("GET", "/admin/events", admin=True)) == 1
    await call("GET", "/admin/events/{event_id}", path={"event_id": event["id"]}, admin=True)
    for outcome in event["markets"]:
        split = {"address": b.address, "condition_id": outcome["condition_id"], "amount": "10"}
        await call("POST", "/admin/split", body=split, admin=True)
    convert = {"event_id": event["id"], "index_set": 3, "amount": "1"}
    await call("POST", "/admin/convert", body=convert | {"address": b.address}, admin=True)
    await call("POST", "/convert", body=convert, l2=b)
    first = event["markets"][0]
    resolution = {"winning_token_id": first["tokens"][0]["token_id"]}
    await call("POST", "/admin/markets/{condition_id}/resolve", path=first, body=resolution, admin=True)
    redemption = {"address": b.address, "condition_id": first["condition_id"]}
    assert (await call("POST", "/admin/redeem", body=redemption, admin=True))["payout"] == "10"
    await call("DELETE", "/auth/api-key", l2=b)

    # replays: a recording without a market line, of both tokens of a new market
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "recording.jsonl"
        book = {"event_type": "book", "market": "0x" + "3e" * 32, "bids": [{"price": "0.4", "size": "10"}], "asks": []}
        path.write_text("".join(json.dumps(book | {"asset_id": token}) + "\n" for token in ("31", "32")))
        replay_id = {"id": str((await call("POST", "/admin/replays", body={"path": str(path)}, admin=True))["id"])}
        await call("GET", "/admin/replays/{id}", path=replay_id, admin=True)
        await call("GET", "/admin/replays", admin=True)
        await call("DELETE", "/admin/replays/{id}", path=replay_id, admin=True)

    documented = {(method, path) for path, item in walk.document["paths"].items() for method in item}
    assert sorted(documented - walk.covered) == []
