"""api/trading.py and api/orders.py on a real store: no order body, batch or cancel can stop the exchange.

Each bad input gets its documented 4xx with the exact message; then a good order is placed, the service
stops and starts again on the same database, and the state and the order read back the same. The inputs
that once bricked the store (an expiration past what SQLite or msgpack hold) run on both stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openclob.core import UNIT, Deposit, Split
from openclob.core.bounds import MAX_EXPIRATION_SECONDS, MAX_SUPPLY_UNITS, MAX_UNITS
from tests.stack import STORE_KINDS, Stack, Trader, fresh_database, order_body

pytestmark = pytest.mark.anyio

CONDITION = "0x" + "c1" * 32
YES, NO = 1111, 2222
PAYLOAD = "Invalid order payload"
SIGNATURE = "invalid signature"
EXPIRATION = "invalid expiration"
NOW_S = 1_700_000_000
LATER_S = NOW_S + 3_600


async def _started(kind: str, directory: Path) -> AsyncIterator[tuple[Stack, Trader]]:
    with fresh_database(kind, directory) as new_store:
        stack = Stack(new_store)
        await stack.start()
        try:
            await stack.list_market(CONDITION, (str(YES), str(NO)))
            trader = Trader("0x" + "a7" * 32)
            await stack.create_key(trader)
            await stack.submit(Deposit(now_ms=0, address=trader.address, amount=10_000 * UNIT))
            await stack.submit(Split(now_ms=0, address=trader.address, condition_id=CONDITION, amount=1_000 * UNIT))
            yield stack, trader
        finally:
            await stack.stop()


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[tuple[Stack, Trader]]:
    async for started in _started("sqlite", tmp_path):
        yield started


@pytest.fixture(params=STORE_KINDS)
async def each_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Stack, Trader]]:
    async for started in _started(request.param, tmp_path):
        yield started


def _bid(trader: Trader, version: int = 2, **fields: Any) -> dict[str, Any]:
    """A resting BUY of 10 YES at 0.40 (4 collateral for 10 shares)."""
    return order_body(
        trader, version=version, token_id=YES, side="BUY", maker_amount=4 * UNIT, taker_amount=10 * UNIT, **fields
    )


def _with(body: dict[str, Any], **order_fields: Any) -> dict[str, Any]:
    """`body` with some of its order's fields replaced as they are (after signing)."""
    return {**body, "order": {**body["order"], **order_fields}}


async def _refused(
    stack: Stack, trader: Trader, body: Any, message: str, method: str = "POST", path: str = "/order"
) -> None:
    response = await stack.call(trader, method, path, body)
    assert (response.status_code, response.json()) == (400, {"error": message})


async def _keeps_working(stack: Stack, trader: Trader) -> None:
    """A good order is accepted; after a restart on the same store the state and the order read back the same."""
    response = await stack.call(trader, "POST", "/order", _bid(trader))
    assert response.status_code == 200 and response.json()["success"], response.text
    order_id = response.json()["orderID"]
    shown = await stack.call(trader, "GET", f"/data/order/{order_id}")
    assert shown.status_code == 200
    state = stack.service.exchange.state_hash()
    await stack.restart()
    assert stack.service.exchange.state_hash() == state
    assert (await stack.call(trader, "GET", f"/data/order/{order_id}")).json() == shown.json()


# (field, value) that no client sends and openclob cannot hold, for either order version
_BAD_FIELDS = [
    ("makerAmount", "²"),  # str.isdigit() is true for it, int() refuses it
    ("makerAmount", "１２"),  # fullwidth digits: int() takes them, the wire never carries them
    ("takerAmount", "9" * 5_000),  # past int()'s 4,300-digit limit
    ("makerAmount", str(MAX_UNITS + 1)),
    ("takerAmount", str(2**64)),
    ("makerAmount", str(2**256)),
    ("makerAmount", "-1"),
    ("makerAmount", "+1"),
    ("makerAmount", " 4000000"),
    ("makerAmount", "4000000\n"),
    ("makerAmount", "4e6"),
    ("makerAmount", ""),
    ("makerAmount", 4_000_000),
    ("tokenId", str(2**256)),
    ("tokenId", "0" * 79 + "1"),
    ("tokenId", "٣"),
    ("expiration", "²"),
    ("expiration", "9" * 5_000),
    ("expiration", str(2**256)),
    ("expiration", "-1"),
    ("salt", -1),
    ("salt", 2**256),
    ("salt", "1"),
    ("signatureType", -1),
    ("signatureType", 4),
    ("signatureType", 256),
    ("maker", "0x1234"),
    ("signer", "0x" + "zz" * 20),
]
_BAD_V1_FIELDS = [
    ("nonce", "²"),
    ("nonce", str(2**256)),
    ("feeRateBps", str(2**63)),
    ("feeRateBps", "٣"),
    ("signatureType", 3),  # POLY_1271 is a V2 signature type
    ("taker", "0x00"),
]
_BAD_V2_FIELDS = [
    ("timestamp", "²"),
    ("timestamp", ""),
    ("timestamp", str(2**256)),
    ("timestamp", 2**256),
    ("timestamp", -1),
    ("builder", "0x" + "00" * 31),
]


def _cases(version: int, fields: list[tuple[str, Any]]) -> list[Any]:
    return [pytest.param(version, f, v, id=f"v{version}-{f}-{i}") for i, (f, v) in enumerate(fields)]


@pytest.mark.parametrize(
    ("version", "field", "value"),
    [
        *_cases(1, _BAD_FIELDS + _BAD_V1_FIELDS),
        *_cases(2, _BAD_FIELDS + _BAD_V2_FIELDS),
    ],
)
async def test_an_integer_openclob_cannot_hold_is_an_invalid_payload(
    sqlite: tuple[Stack, Trader], version: int, field: str, value: Any
) -> None:
    stack, trader = sqlite
    await _refused(stack, trader, _with(_bid(trader, version), **{field: value}), PAYLOAD)
    await _keeps_working(stack, trader)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("expiration", [MAX_EXPIRATION_SECONDS + 1, 2**64, 2**256 - 1])
async def test_a_signed_expiration_past_what_the_stores_hold_is_an_invalid_expiration(
    sqlite: tuple[Stack, Trader], version: int, expiration: int
) -> None:
    stack, trader = sqlite
    await _refused(stack, trader, _bid(trader, version, order_type="GTD", expiration=expiration), EXPIRATION)
    await _keeps_working(stack, trader)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("expiration", [2**62, 2**63])
async def test_the_expirations_that_once_bricked_the_store_are_refused_on_both_stores(
    each_store: tuple[Stack, Trader], version: int, expiration: int
) -> None:
    # 2**63 overflowed the projection, then every recovery; 2**62 (in milliseconds) overflowed the next snapshot
    stack, trader = each_store
    await _refused(stack, trader, _bid(trader, version, order_type="GTD", expiration=expiration), EXPIRATION)
    await _keeps_working(stack, trader)


@pytest.mark.parametrize("version", [1, 2])
async def test_the_largest_expiration_and_amounts_openclob_holds_survive_a_restart(
    each_store: tuple[Stack, Trader], version: int
) -> None:
    stack, trader = each_store
    # the whole supply is deposited (the fixture deposited 10,000 and split 1,000 of it), nearly all of it split
    await stack.submit(Deposit(now_ms=0, address=trader.address, amount=MAX_SUPPLY_UNITS - 10_000 * UNIT))
    shares = (MAX_SUPPLY_UNITS - 2_000 * UNIT) // UNIT * UNIT
    assert MAX_UNITS - shares < 2_001 * UNIT
    await stack.submit(Split(now_ms=0, address=trader.address, condition_id=CONDITION, amount=shares))
    sell = order_body(
        trader,
        version=version,
        token_id=YES,
        side="SELL",
        maker_amount=shares,
        taker_amount=shares // 2,
        order_type="GTD",
        expiration=MAX_EXPIRATION_SECONDS,
    )
    response = await stack.call(trader, "POST", "/order", sell)
    assert response.status_code == 200, response.text
    order_id = response.json()["orderID"]
    shown = (await stack.call(trader, "GET", f"/data/order/{order_id}")).json()
    assert (shown["original_size"], shown["expiration"]) == (str(shares // UNIT), str(MAX_EXPIRATION_SECONDS))
    await _keeps_working(stack, trader)
    assert (await stack.call(trader, "GET", f"/data/order/{order_id}")).json() == shown


@pytest.mark.parametrize("version", [1, 2])
async def test_zero_amounts_get_the_documented_amounts_error(sqlite: tuple[Stack, Trader], version: int) -> None:
    stack, trader = sqlite
    body = order_body(trader, version=version, token_id=YES, side="BUY", maker_amount=0, taker_amount=10 * UNIT)
    await _refused(stack, trader, body, "invalid amounts, the maker and taker amounts must be greater than 0")
    await _keeps_working(stack, trader)


# ------------------------------------------------------------------ signatures


def _resigned(body: dict[str, Any], change: Any) -> dict[str, Any]:
    signature = bytes.fromhex(body["order"]["signature"][2:])
    return _with(body, signature="0x" + change(signature).hex())


_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _high_s(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])


def _compact(signature: bytes) -> bytes:
    """The EIP-2098 64-byte form: the parity of v in the top bit of s."""
    return signature[:32] + ((signature[64] - 27) << 255 | int.from_bytes(signature[32:64], "big")).to_bytes(32, "big")


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda sig: sig[:64] + bytes([sig[64] - 27]), id="v-0-or-1"),
        pytest.param(_high_s, id="high-s"),
        pytest.param(_compact, id="compact-64-bytes"),
        pytest.param(lambda sig: sig + b"\x00", id="66-bytes"),
    ],
)
async def test_only_signatures_the_exchange_contracts_take_pass(
    sqlite: tuple[Stack, Trader], version: int, change: Any
) -> None:
    stack, trader = sqlite
    body = _bid(trader, version)
    await _refused(stack, trader, _resigned(body, change), SIGNATURE)
    response = await stack.call(trader, "POST", "/order", body)  # the very same order, signed as the clients sign
    assert response.status_code == 200 and response.json()["success"]


# ------------------------------------------------------------------ bodies that do not decode

_DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"x": ' + _DEEP + b', "order": {}}', id="nesting-too-deep"),
        pytest.param(b'{"owner": "\xff"}', id="invalid-utf8"),
        pytest.param(b'{"owner": "\\ud800"}', id="lone-surrogate"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'{"order": 1, "owner": "x"}', id="order-not-an-object"),
        pytest.param(b'{"order": {"salt": ' + b"9" * 5_000 + b"}}", id="salt-of-5000-digits"),
    ],
)
async def test_a_body_that_does_not_decode_is_an_invalid_payload(sqlite: tuple[Stack, Trader], body: bytes) -> None:
    stack, trader = sqlite
    await _refused(stack, trader, body, PAYLOAD)
    await _keeps_working(stack, trader)


# ------------------------------------------------------------------ batches


async def test_one_bad_entry_of_a_batch_fails_only_itself(each_store: tuple[Stack, Trader]) -> None:
    stack, trader = each_store
    good = [_bid(trader, 2), _bid(trader, 1), _bid(trader, 2)]
    batch = [
        good[0],
        _with(_bid(trader, 2), makerAmount="²"),
        good[1],
        _bid(trader, 1, order_type="GTD", expiration=2**63),
        {"order": {"salt": -1}},
        7,
        good[2],
        _resigned(_bid(trader, 2), lambda sig: sig[:64] + b"\x00"),
    ]
    response = await stack.call(trader, "POST", "/orders", batch)
    assert response.status_code == 200, response.text
    answers = response.json()
    assert [a["success"] for a in answers] == [True, False, True, False, False, False, True, False]
    assert [a["errorMsg"] for a in answers if not a["success"]] == [PAYLOAD, EXPIRATION, PAYLOAD, PAYLOAD, SIGNATURE]
    accepted = [a["orderID"] for a in answers if a["success"]]
    assert len(set(accepted)) == 3
    await _keeps_working(stack, trader)
    for order_id in accepted:
        assert (await stack.call(trader, "GET", f"/data/order/{order_id}")).json()["status"] == "LIVE"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" + _DEEP + b"]", id="nesting-too-deep"),
        pytest.param(b'{"order": {}}', id="not-an-array"),
        pytest.param(b"[\xff]", id="invalid-utf8"),
    ],
)
async def test_a_batch_that_does_not_decode_is_an_invalid_payload(sqlite: tuple[Stack, Trader], body: bytes) -> None:
    stack, trader = sqlite
    await _refused(stack, trader, body, PAYLOAD, "POST", "/orders")
    await _keeps_working(stack, trader)


# ------------------------------------------------------------------ cancels

ORDER_ID = "0x" + "ab" * 32


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/order", {"orderID": "x"}, "Invalid orderID"),
        ("/order", {"orderID": ORDER_ID + "\n"}, "Invalid orderID"),
        ("/order", {"orderID": ORDER_ID[:-1] + "²"}, "Invalid orderID"),
        ("/order", {"orderID": "0x" + "ab" * 50_000}, "Invalid orderID"),
        ("/order", {"orderID": 5}, PAYLOAD),
        ("/order", {"orderID": [ORDER_ID]}, PAYLOAD),
        ("/order", b'{"orderID": "' + ORDER_ID.encode() + b'", "x": ' + _DEEP + b"}", PAYLOAD),
        ("/order", b"\xff", PAYLOAD),
        ("/orders", [ORDER_ID, "²"], "Invalid orderID"),
        ("/orders", [ORDER_ID + "\n"], "Invalid orderID"),
        ("/orders", {"orderID": ORDER_ID}, PAYLOAD),
        ("/orders", [ORDER_ID, 5], PAYLOAD),
        ("/orders", b"[" + _DEEP + b"]", PAYLOAD),  # (a list of strings: refused at its first element)
        ("/orders", [ORDER_ID] * 3_001, "Too many orders in payload, max allowed: 3000"),
        ("/cancel-market-orders", {"market": "x" * 100_000}, PAYLOAD),
        ("/cancel-market-orders", {"market": "0x" + "zz" * 32}, PAYLOAD),
        ("/cancel-market-orders", {"market": CONDITION + "\n"}, PAYLOAD),
        ("/cancel-market-orders", {"market": 1}, PAYLOAD),
        ("/cancel-market-orders", {"asset_id": "²"}, PAYLOAD),
        ("/cancel-market-orders", {"asset_id": "-1"}, PAYLOAD),
        ("/cancel-market-orders", {"asset_id": str(2**256)}, PAYLOAD),
        ("/cancel-market-orders", {"asset_id": "9" * 5_000}, PAYLOAD),
        ("/cancel-market-orders", {"asset_id": YES}, PAYLOAD),
        ("/cancel-market-orders", b'{"x": ' + _DEEP + b"}", PAYLOAD),
    ],
)
async def test_a_bad_cancel_is_refused_and_changes_nothing(
    sqlite: tuple[Stack, Trader], path: str, body: Any, message: str
) -> None:
    stack, trader = sqlite
    resting = (await stack.call(trader, "POST", "/order", _bid(trader))).json()["orderID"]
    state = stack.service.exchange.state_hash()
    await _refused(stack, trader, body, message, "DELETE", path)
    assert stack.service.exchange.state_hash() == state
    await _keeps_working(stack, trader)
    assert (await stack.call(trader, "GET", f"/data/order/{resting}")).json()["status"] == "LIVE"


@pytest.mark.parametrize(
    "params",
    [
        {"market": CONDITION.upper().replace("0X", "0x")},
        {"asset_id": "000" + str(YES)},
        {"market": CONDITION, "asset_id": str(YES)},
    ],
)
async def test_market_cancels_name_markets_and_assets_in_any_case_and_leading_zeros(
    sqlite: tuple[Stack, Trader], params: dict[str, str]
) -> None:
    stack, trader = sqlite
    yes = (await stack.call(trader, "POST", "/order", _bid(trader))).json()["orderID"]
    response = await stack.call(trader, "DELETE", "/cancel-market-orders", params)
    assert response.status_code == 200 and response.json()["canceled"] == [yes]


async def test_cancel_all_ignores_its_body(sqlite: tuple[Stack, Trader]) -> None:
    stack, trader = sqlite
    resting = (await stack.call(trader, "POST", "/order", _bid(trader))).json()["orderID"]
    response = await stack.call(trader, "DELETE", "/cancel-all", b"\xff" + _DEEP)
    assert response.status_code == 200 and response.json()["canceled"] == [resting]
    await _keeps_working(stack, trader)
