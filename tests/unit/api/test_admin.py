"""The admin API refuses numbers and words the journal or the stores cannot hold, and the exchange writes on.

Each refusal is followed by `Stored.keeps_working` (a write, a restart on the same store, a write).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.api.conftest import ADMIN, STORED_CONDITION, Stored

pytestmark = pytest.mark.anyio

THIRTY_DIGITS = "1" * 30
PAST_INT_DIGITS = "1" * 5_000


async def _refused(stored: Stored, method: str, path: str, body: Any, message: str) -> None:
    response = await stored.client.request(method, path, json=body, headers=ADMIN)
    assert (response.status_code, response.json()) == (400, {"error": message})
    await stored.keeps_working()


def _amount_error(text: str) -> str:
    return f"invalid amount: {text!r} (a decimal string with at most 6 decimals)"


@pytest.mark.parametrize("amount", [THIRTY_DIGITS, "-" + THIRTY_DIGITS, PAST_INT_DIGITS, "²", "١٢"])
async def test_a_deposit_of_an_amount_past_the_bounds_is_refused(stored: Stored, amount: str) -> None:
    body = {"address": stored.address, "asset": "COLLATERAL", "amount": amount}
    await _refused(stored, "POST", "/admin/balances", body, _amount_error(amount[:40]))


@pytest.mark.parametrize("path", ["/admin/split", "/admin/merge"])
async def test_a_split_or_merge_of_thirty_digits_is_refused(stored: Stored, path: str) -> None:
    body = {"address": stored.address, "condition_id": STORED_CONDITION, "amount": THIRTY_DIGITS}
    await _refused(stored, "POST", path, body, _amount_error(THIRTY_DIGITS))


async def test_an_amount_just_past_max_units_is_refused_as_out_of_range(stored: Stored) -> None:
    body = {"address": stored.address, "asset": "COLLATERAL", "amount": "4611686018427.387905"}
    message = "invalid amount: '4611686018427.387905' (at most 4611686018427.387904 either way)"
    await _refused(stored, "POST", "/admin/balances", body, message)


async def test_a_market_with_a_thirty_digit_minimum_size_is_refused(stored: Stored) -> None:
    body = {"question": "Big?", "min_order_size": THIRTY_DIGITS}
    message = f"invalid min_order_size: {THIRTY_DIGITS!r} (a decimal string with at most 6 decimals)"
    await _refused(stored, "POST", "/admin/markets", body, message)


async def test_a_market_update_to_a_thirty_digit_minimum_size_is_refused(stored: Stored) -> None:
    message = f"invalid min_order_size: {THIRTY_DIGITS!r} (a decimal string with at most 6 decimals)"
    await _refused(stored, "PATCH", f"/admin/markets/{STORED_CONDITION}", {"min_order_size": THIRTY_DIGITS}, message)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("fee_rate_bps", 10**30, "Expected `int` <= 1000 - at `$.fee_rate_bps`"),
        ("fee_rate_bps", -1, "Expected `int` >= 0 - at `$.fee_rate_bps`"),
        ("fee_exponent", 10**30, "Expected `int` <= 4 - at `$.fee_exponent`"),
    ],
)
async def test_a_market_with_a_fee_out_of_range_is_refused(stored: Stored, field: str, value: int, reason: str) -> None:
    message = f"invalid market: expected {{question, outcomes?, tick_size?, ...}}: {reason}"
    await _refused(stored, "POST", "/admin/markets", {"question": "Fees?", field: value}, message)


async def test_a_market_with_a_fee_of_5000_digits_is_refused(stored: Stored) -> None:
    body = b'{"question": "Fees?", "fee_rate_bps": ' + PAST_INT_DIGITS.encode() + b"}"
    response = await stored.client.post("/admin/markets", content=body, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"].startswith("invalid market: expected {question, outcomes?, tick_size?, ...}")
    await stored.keeps_working()


@pytest.mark.parametrize("token_id", ["²", "١", str(2**256), "1" * 79, ""])
async def test_a_market_whose_token_id_is_not_a_uint256_is_refused(stored: Stored, token_id: str) -> None:
    body = {"question": "Ids?", "token_ids": ["77", token_id]}
    await _refused(
        stored, "POST", "/admin/markets", body, "invalid market: token_ids must be two decimal uint256 strings"
    )


@pytest.mark.parametrize("field", ["question", "description", "market_slug", "end_date_iso", "outcomes"])
async def test_a_market_whose_words_hold_nul_is_refused(stored: Stored, field: str) -> None:
    # PostgreSQL cannot store NUL in text: the market's words would have failed the sequencer's batch
    value: Any = ["Yes\x00", "No"] if field == "outcomes" else "a\x00b"
    body = {"question": "Words?", field: value}
    await _refused(stored, "POST", "/admin/markets", body, "invalid market: its words may not hold NUL characters")


async def test_a_condition_id_with_a_trailing_newline_is_refused(stored: Stored) -> None:
    body = {"question": "Newline?", "condition_id": "0x" + "ab" * 32 + "\n"}
    await _refused(stored, "POST", "/admin/markets", body, "invalid market: condition_id must be 0x and 64 hex digits")
