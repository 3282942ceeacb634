"""Public market data and market listings: exact shapes, types, orderings and error strings."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from py_clob_client.utilities import generate_orderbook_summary_hash, parse_raw_orderbook_summary

from openclob.config import Limits
from openclob.core import ResolveMarket, Side, UpdateMarket
from openclob.store.records import PricePointRecord
from tests.unit.api.conftest import (
    ALICE,
    BOB,
    CONDITION,
    NO,
    OTHER_CONDITION,
    OTHER_NO,
    OTHER_YES,
    START_MS,
    YES,
    Env,
    running,
)

pytestmark = pytest.mark.anyio

BOOK_KEYS = [
    "market",
    "asset_id",
    "timestamp",
    "hash",
    "bids",
    "asks",
    "min_order_size",
    "tick_size",
    "neg_risk",
    "last_trade_price",
]
MARKET_KEYS = [
    "enable_order_book",
    "active",
    "closed",
    "archived",
    "accepting_orders",
    "accepting_order_timestamp",
    "minimum_order_size",
    "minimum_tick_size",
    "condition_id",
    "question_id",
    "question",
    "description",
    "market_slug",
    "end_date_iso",
    "game_start_time",
    "seconds_delay",
    "fpmm",
    "maker_base_fee",
    "taker_base_fee",
    "notifications_enabled",
    "neg_risk",
    "neg_risk_market_id",
    "neg_risk_request_id",
    "icon",
    "image",
    "rewards",
    "is_50_50_outcome",
    "tokens",
    "tags",
]
SIMPLIFIED_KEYS = ["condition_id", "rewards", "tokens", "active", "closed", "archived", "accepting_orders"]


async def get(env: Env, path: str, **params: Any) -> tuple[int, Any]:
    response = await env.client.get(path, params=params)
    return response.status_code, response.json()


async def post(env: Env, path: str, body: Any) -> tuple[int, Any]:
    response = await env.client.post(path, json=body)
    return response.status_code, response.json()


async def quote(env: Env) -> None:
    """YES bids 0.40 x 10 and 0.45 x 20 (ALICE), asks 0.55 x 30 and 0.60 x 40 (BOB)."""
    await env.place(ALICE, YES, Side.BUY, "0.40", "10")
    await env.place(ALICE, YES, Side.BUY, "0.45", "20")
    await env.place(BOB, YES, Side.SELL, "0.55", "30")
    await env.place(BOB, YES, Side.SELL, "0.60", "40")


def levels(side: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(level["price"], level["size"]) for level in side]


# ---------------------------------------------------------------------------- /book and /books


async def test_book_has_all_ten_keys_in_order_with_string_values(market_env: Env) -> None:
    await quote(market_env)
    status, book = await get(market_env, "/book", token_id=YES)
    assert status == 200
    assert list(book) == BOOK_KEYS
    assert book["market"] == CONDITION
    assert book["asset_id"] == YES
    assert book["timestamp"] == str(START_MS)
    assert book["min_order_size"] == "5"
    assert book["tick_size"] == "0.01"
    assert book["neg_risk"] is False
    assert book["last_trade_price"] == "0.5"
    assert all(isinstance(v, str) for level in book["bids"] + book["asks"] for v in level.values())


async def test_book_levels_are_best_last(market_env: Env) -> None:
    await quote(market_env)
    _, book = await get(market_env, "/book", token_id=YES)
    assert levels(book["bids"]) == [("0.4", "10"), ("0.45", "20")]
    assert levels(book["asks"]) == [("0.6", "40"), ("0.55", "30")]


async def test_book_of_second_token_mirrors_the_first(market_env: Env) -> None:
    await quote(market_env)
    await market_env.place(ALICE, NO, Side.BUY, "0.3", "7")  # an ask of YES at 0.70
    _, no_book = await get(market_env, "/book", token_id=NO)
    assert no_book["asset_id"] == NO
    # YES asks 0.55/0.60 are NO bids 0.45/0.40; YES bids 0.40/0.45 are NO asks 0.60/0.55.
    assert levels(no_book["bids"]) == [("0.3", "7"), ("0.4", "40"), ("0.45", "30")]
    assert levels(no_book["asks"]) == [("0.6", "10"), ("0.55", "20")]
    _, yes_book = await get(market_env, "/book", token_id=YES)
    assert levels(yes_book["asks"]) == [("0.7", "7"), ("0.6", "40"), ("0.55", "30")]


async def test_book_hash_is_the_one_py_clob_client_recomputes(market_env: Env) -> None:
    await quote(market_env)
    for token_id in (YES, NO):
        _, raw = await get(market_env, "/book", token_id=token_id)
        summary = parse_raw_orderbook_summary(raw)
        assert generate_orderbook_summary_hash(summary) == raw["hash"]
        payload = {**raw, "hash": ""}
        expected = hashlib.sha1(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
        assert raw["hash"] == expected


async def test_book_hash_changes_with_the_book(market_env: Env) -> None:
    _, before = await get(market_env, "/book", token_id=YES)
    await market_env.place(ALICE, YES, Side.BUY, "0.40", "10")
    _, after = await get(market_env, "/book", token_id=YES)
    assert before["hash"] != after["hash"]
    assert before["bids"] == [] and before["asks"] == []


async def test_book_shows_last_trade_price_in_each_tokens_terms(market_env: Env) -> None:
    await quote(market_env)
    await market_env.place(ALICE, YES, Side.BUY, "0.55", "5")
    _, yes_book = await get(market_env, "/book", token_id=YES)
    _, no_book = await get(market_env, "/book", token_id=NO)
    assert yes_book["last_trade_price"] == "0.55"
    assert no_book["last_trade_price"] == "0.45"


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({}, 400, "Invalid token id"),
        ({"token_id": ""}, 400, "Invalid token id"),
        ({"token_id": "abc"}, 400, "Invalid token id"),
        ({"token_id": "0x12"}, 400, "Invalid token id"),
        ({"token_id": "1" * 79}, 400, "Invalid token id"),
        ({"token_id": "999"}, 404, "No orderbook exists for the requested token id"),
    ],
)
async def test_book_errors(market_env: Env, params: dict[str, str], status: int, error: str) -> None:
    assert await get(market_env, "/book", **params) == (status, {"error": error})


async def test_books_returns_each_known_token_in_request_order(market_env: Env) -> None:
    await quote(market_env)
    status, books = await post(market_env, "/books", [{"token_id": NO}, {"token_id": "999"}, {"token_id": YES}])
    assert status == 200
    assert [b["asset_id"] for b in books] == [NO, YES]
    assert all(list(b) == BOOK_KEYS for b in books)
    _, single = await get(market_env, "/book", token_id=YES)
    assert books[1]["bids"] == single["bids"] and books[1]["hash"] == single["hash"]


async def test_books_accepts_an_optional_side_and_an_empty_list(market_env: Env) -> None:
    assert (await post(market_env, "/books", [{"token_id": YES, "side": "BUY"}]))[0] == 200
    assert await post(market_env, "/books", []) == (200, [])


@pytest.mark.parametrize(
    "body",
    [{"token_id": YES}, [{"token": YES}], [{"token_id": "abc"}], [{"token_id": 1111}], "x", None],
)
async def test_books_refuses_a_bad_payload(market_env: Env, body: Any) -> None:
    assert await post(market_env, "/books", body) == (400, {"error": "Invalid payload"})


async def test_books_refuses_an_empty_or_non_json_body(market_env: Env) -> None:
    for content in (b"", b"[{"):
        response = await market_env.client.post("/books", content=content)
        assert (response.status_code, response.json()) == (400, {"error": "Invalid payload"})


async def test_batches_are_limited_to_max_batch_params(market_env: Env) -> None:
    limit = market_env.service.settings.limits.max_batch_params
    assert limit == 500
    for path in ("/books", "/midpoints", "/spreads", "/last-trades-prices"):
        assert (await post(market_env, path, [{"token_id": YES}] * limit))[0] == 200
        assert await post(market_env, path, [{"token_id": YES}] * (limit + 1)) == (
            400,
            {"error": "Payload exceeds the limit"},
        )
    body = [{"token_id": YES, "side": "BUY"}] * (limit + 1)
    assert await post(market_env, "/prices", body) == (400, {"error": "Payload exceeds the limit"})
    ids = ",".join([YES] * (limit + 1))
    assert await get(market_env, "/midpoints", token_ids=ids) == (400, {"error": "Payload exceeds the limit"})


# ---------------------------------------------------------------------------- /price and /prices


async def test_price_buy_is_best_bid_and_sell_is_best_ask(market_env: Env) -> None:
    await quote(market_env)
    assert await get(market_env, "/price", token_id=YES, side="BUY") == (200, {"price": "0.45"})
    assert await get(market_env, "/price", token_id=YES, side="SELL") == (200, {"price": "0.55"})
    assert await get(market_env, "/price", token_id=NO, side="BUY") == (200, {"price": "0.45"})
    assert await get(market_env, "/price", token_id=NO, side="SELL") == (200, {"price": "0.55"})
    assert await get(market_env, "/price", token_id=YES, side="buy") == (200, {"price": "0.45"})


async def test_price_of_an_empty_side_is_zero(market_env: Env) -> None:
    assert await get(market_env, "/price", token_id=YES, side="BUY") == (200, {"price": "0"})
    await market_env.place(ALICE, YES, Side.BUY, "0.40", "10")
    assert await get(market_env, "/price", token_id=YES, side="BUY") == (200, {"price": "0.4"})
    assert await get(market_env, "/price", token_id=YES, side="SELL") == (200, {"price": "0"})
    assert await get(market_env, "/price", token_id=NO, side="SELL") == (200, {"price": "0.6"})


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"side": "BUY"}, 400, "Invalid token id"),
        ({"token_id": "x1", "side": "BUY"}, 400, "Invalid token id"),
        ({"token_id": YES}, 400, "Invalid side"),
        ({"token_id": YES, "side": "BID"}, 400, "Invalid side"),
        ({"token_id": "999", "side": "BUY"}, 404, "No orderbook exists for the requested token id"),
    ],
)
async def test_price_errors(market_env: Env, params: dict[str, str], status: int, error: str) -> None:
    assert await get(market_env, "/price", **params) == (status, {"error": error})


async def test_post_prices_answers_only_the_requested_sides(market_env: Env) -> None:
    await quote(market_env)
    body = [
        {"token_id": YES, "side": "BUY"},
        {"token_id": NO, "side": "SELL"},
        {"token_id": YES, "side": "SELL"},
        {"token_id": "999", "side": "BUY"},
    ]
    assert await post(market_env, "/prices", body) == (
        200,
        {YES: {"BUY": "0.45", "SELL": "0.55"}, NO: {"SELL": "0.55"}},
    )


async def test_get_prices_pairs_token_ids_with_sides(market_env: Env) -> None:
    await quote(market_env)
    status, prices = await get(market_env, "/prices", token_ids=f"{YES},{NO}", sides="BUY,SELL")
    assert (status, prices) == (200, {YES: {"BUY": "0.45"}, NO: {"SELL": "0.55"}})
    status, prices = await get(market_env, "/prices", token_ids=YES)
    assert (status, prices) == (200, {YES: {"BUY": "0.45", "SELL": "0.55"}})


async def test_prices_errors(market_env: Env) -> None:
    assert await post(market_env, "/prices", [{"token_id": YES}]) == (400, {"error": "Invalid side"})
    assert await post(market_env, "/prices", [{"token_id": YES, "side": "UP"}]) == (400, {"error": "Invalid side"})
    assert await post(market_env, "/prices", {"token_id": YES}) == (400, {"error": "Invalid payload"})
    assert await get(market_env, "/prices", token_ids=YES, sides="UP") == (400, {"error": "Invalid side"})
    assert await get(market_env, "/prices", token_ids=f"{YES},{NO}", sides="BUY") == (
        400,
        {"error": "Invalid payload"},
    )
    assert await get(market_env, "/prices") == (400, {"error": "Invalid payload"})
    assert await get(market_env, "/prices", token_ids=f"{YES},,{NO}") == (400, {"error": "Invalid payload"})


# ---------------------------------------------------------------------------- midpoints and spreads


async def test_midpoint_and_spread_of_both_tokens(market_env: Env) -> None:
    await quote(market_env)
    assert await get(market_env, "/midpoint", token_id=YES) == (200, {"mid": "0.5"})
    assert await get(market_env, "/midpoint", token_id=NO) == (200, {"mid": "0.5"})
    assert await get(market_env, "/spread", token_id=YES) == (200, {"spread": "0.1"})
    assert await get(market_env, "/spread", token_id=NO) == (200, {"spread": "0.1"})


async def test_midpoint_is_exact_and_mirrored(market_env: Env) -> None:
    await market_env.place(ALICE, YES, Side.BUY, "0.51", "10")
    await market_env.place(BOB, YES, Side.SELL, "0.52", "10")
    assert await get(market_env, "/midpoint", token_id=YES) == (200, {"mid": "0.515"})
    assert await get(market_env, "/midpoint", token_id=NO) == (200, {"mid": "0.485"})
    assert await get(market_env, "/spread", token_id=YES) == (200, {"spread": "0.01"})


async def test_midpoint_and_spread_need_both_sides(market_env: Env) -> None:
    await market_env.place(ALICE, YES, Side.BUY, "0.40", "10")
    no_book = {"error": "No orderbook exists for the requested token id"}
    for path in ("/midpoint", "/spread"):
        assert await get(market_env, path, token_id=YES) == (404, no_book)
        assert await get(market_env, path, token_id="999") == (404, no_book)
        assert await get(market_env, path, token_id="abc") == (400, {"error": "Invalid token id"})
        assert await get(market_env, path) == (400, {"error": "Invalid token id"})


async def test_midpoints_and_spreads_batches(market_env: Env) -> None:
    await quote(market_env)
    await market_env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), question="Other?", slug="other")
    body = [{"token_id": YES}, {"token_id": NO}, {"token_id": OTHER_YES}, {"token_id": "999"}]
    assert await post(market_env, "/midpoints", body) == (200, {YES: "0.5", NO: "0.5"})
    assert await post(market_env, "/spreads", body) == (200, {YES: "0.1", NO: "0.1"})
    ids = f"{YES},{OTHER_YES}"
    assert await get(market_env, "/midpoints", token_ids=ids) == (200, {YES: "0.5"})
    assert await get(market_env, "/spreads", token_ids=ids) == (200, {YES: "0.1"})
    assert await post(market_env, "/midpoints", [{"token_id": "a"}]) == (400, {"error": "Invalid payload"})
    assert await post(market_env, "/spreads", {}) == (400, {"error": "Invalid payload"})


# ---------------------------------------------------------------------------- last trades


async def test_last_trade_price_before_any_trade(market_env: Env) -> None:
    assert await get(market_env, "/last-trade-price", token_id=YES) == (200, {"price": "0.5", "side": ""})


async def test_last_trade_price_and_taker_side_in_each_tokens_terms(market_env: Env) -> None:
    await quote(market_env)
    await market_env.place(ALICE, YES, Side.BUY, "0.60", "35")  # takes 30 at 0.55, then 5 at 0.60
    assert await get(market_env, "/last-trade-price", token_id=YES) == (200, {"price": "0.6", "side": "BUY"})
    assert await get(market_env, "/last-trade-price", token_id=NO) == (200, {"price": "0.4", "side": "SELL"})
    await market_env.place(BOB, NO, Side.BUY, "0.55", "10")  # a NO buy hits the YES bid at 0.45
    assert await get(market_env, "/last-trade-price", token_id=NO) == (200, {"price": "0.55", "side": "BUY"})
    assert await get(market_env, "/last-trade-price", token_id=YES) == (200, {"price": "0.45", "side": "SELL"})


async def test_last_trade_price_errors(market_env: Env) -> None:
    assert await get(market_env, "/last-trade-price") == (400, {"error": "Invalid token id"})
    assert await get(market_env, "/last-trade-price", token_id="z") == (400, {"error": "Invalid token id"})
    assert await get(market_env, "/last-trade-price", token_id="999") == (
        404,
        {"error": "No orderbook exists for the requested token id"},
    )


async def test_last_trades_prices_lists_token_price_and_side(market_env: Env) -> None:
    await quote(market_env)
    await market_env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), question="Other?", slug="other")
    await market_env.place(ALICE, YES, Side.BUY, "0.55", "5")
    body = [{"token_id": YES}, {"token_id": NO}, {"token_id": OTHER_NO}, {"token_id": "999"}]
    expected = [
        {"token_id": YES, "price": "0.55", "side": "BUY"},
        {"token_id": NO, "price": "0.45", "side": "SELL"},
        {"token_id": OTHER_NO, "price": "0.5", "side": ""},
    ]
    assert await post(market_env, "/last-trades-prices", body) == (200, expected)
    ids = ",".join(item["token_id"] for item in body)
    assert await get(market_env, "/last-trades-prices", token_ids=ids) == (200, expected)
    assert await post(market_env, "/last-trades-prices", [{"token_id": ""}]) == (400, {"error": "Invalid payload"})


# ---------------------------------------------------------------------------- market parameters


async def test_tick_size_is_a_json_number(market_env: Env) -> None:
    for path, params in (("/tick-size", {"token_id": YES}), (f"/tick-size/{NO}", {})):
        response = await market_env.client.get(path, params=params)
        assert response.status_code == 200
        assert response.content == b'{"minimum_tick_size":0.01}'
    await market_env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), tick_units=1_000)
    assert await get(market_env, "/tick-size", token_id=OTHER_YES) == (200, {"minimum_tick_size": 0.001})


async def test_neg_risk_and_fee_rate(market_env: Env) -> None:
    await market_env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), neg_risk=True, fee_rate_bps=25)
    assert await get(market_env, "/neg-risk", token_id=YES) == (200, {"neg_risk": False})
    assert await get(market_env, "/neg-risk", token_id=OTHER_NO) == (200, {"neg_risk": True})
    assert await get(market_env, f"/neg-risk/{OTHER_YES}") == (200, {"neg_risk": True})
    response = await market_env.client.get("/fee-rate", params={"token_id": YES})
    assert response.content == b'{"base_fee":0}'
    assert await get(market_env, f"/fee-rate/{OTHER_YES}") == (200, {"base_fee": 25})


@pytest.mark.parametrize("path", ["/tick-size", "/neg-risk", "/fee-rate"])
async def test_market_parameter_errors(market_env: Env, path: str) -> None:
    assert await get(market_env, path) == (400, {"error": "Invalid token id"})
    assert await get(market_env, path, token_id="abc") == (400, {"error": "Invalid token id"})
    assert await get(market_env, f"{path}/abc") == (400, {"error": "Invalid token id"})
    assert await get(market_env, path, token_id="999") == (404, {"error": "market not found"})
    assert await get(market_env, f"{path}/999") == (404, {"error": "market not found"})


async def test_market_data_routes_are_public_and_tolerate_a_json_content_type(market_env: Env) -> None:
    response = await market_env.client.get(
        "/tick-size", params={"token_id": YES}, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200


# ---------------------------------------------------------------------------- /prices-history


def seed_history(env: Env) -> None:
    """YES prints at 00:00:10 0.50, 00:00:50 0.52, 00:01:30 0.55, 00:05:00 0.60 (minutes after START)."""
    base = START_MS - START_MS % 3_600_000  # an hour boundary, so buckets of any fidelity start here
    for offset_s, price in ((10, 500_000), (50, 520_000), (90, 550_000), (300, 600_000)):
        env.store.price_points.append(PricePointRecord(token_id=YES, at_ms=base + offset_s * 1000, price_units=price))
    env.store.price_points.append(PricePointRecord(token_id=NO, at_ms=base + 10_000, price_units=500_000))


def history_base_s() -> int:
    return (START_MS - START_MS % 3_600_000) // 1000


async def test_prices_history_buckets_by_fidelity_keeping_the_last_price(market_env: Env) -> None:
    seed_history(market_env)
    base = history_base_s()
    start, end = str(base), str(base + 3600)
    status, body = await get(market_env, "/prices-history", market=YES, startTs=start, endTs=end, fidelity="1")
    assert status == 200
    assert body == {"history": [{"t": base, "p": 0.52}, {"t": base + 60, "p": 0.55}, {"t": base + 300, "p": 0.6}]}
    assert all(isinstance(point["t"], int) and isinstance(point["p"], float) for point in body["history"])
    _, body = await get(market_env, "/prices-history", market=YES, startTs=start, endTs=end, fidelity="5")
    assert body == {"history": [{"t": base, "p": 0.55}, {"t": base + 300, "p": 0.6}]}
    _, body = await get(market_env, "/prices-history", market=YES, startTs=start, endTs=end, fidelity="60")
    assert body == {"history": [{"t": base, "p": 0.6}]}


async def test_prices_history_range_is_inclusive_seconds(market_env: Env) -> None:
    seed_history(market_env)
    base = history_base_s()
    _, body = await get(market_env, "/prices-history", market=YES, startTs=str(base + 50), endTs=str(base + 90))
    assert body == {"history": [{"t": base, "p": 0.52}, {"t": base + 60, "p": 0.55}]}
    _, body = await get(market_env, "/prices-history", market=YES, startTs=str(base + 301))
    assert body == {"history": []}


async def test_prices_history_interval_ends_now(market_env: Env) -> None:
    seed_history(market_env)
    base = history_base_s()
    market_env.clock.now_ms = (base + 3600 + 60) * 1000  # 61 minutes after the first print
    _, body = await get(market_env, "/prices-history", market=YES, interval="1h", fidelity="1")
    assert body == {"history": [{"t": base + 60, "p": 0.55}, {"t": base + 300, "p": 0.6}]}
    for interval in ("max", "all", "1d", "1w", "1m", "6h"):
        status, body = await get(market_env, "/prices-history", market=YES, interval=interval, fidelity="60")
        assert (status, body) == (200, {"history": [{"t": base, "p": 0.6}]}), interval


async def test_prices_history_of_a_token_without_trades_is_empty(market_env: Env) -> None:
    assert await get(market_env, "/prices-history", market=NO, interval="max") == (200, {"history": []})


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"interval": "max"}, "invalid filters: market must be a token id"),
        ({"market": "abc", "interval": "max"}, "invalid filters: market must be a token id"),
        ({"market": YES}, "invalid filters: interval or startTs and endTs is required"),
        ({"market": YES, "interval": "2h"}, "invalid filters: interval must be one of max, all, 1m, 1w, 1d, 6h, 1h"),
        (
            {"market": YES, "interval": "1d", "startTs": "1"},
            "invalid filters: give either interval or startTs/endTs, not both",
        ),
        ({"market": YES, "startTs": "-1", "endTs": "5"}, "invalid filters: startTs and endTs must be unix seconds"),
        ({"market": YES, "startTs": "1.5", "endTs": "5"}, "invalid filters: startTs and endTs must be unix seconds"),
        ({"market": YES, "startTs": "10", "endTs": "5"}, "invalid filters: startTs must not be after endTs"),
        (
            {"market": YES, "interval": "max", "fidelity": "0"},
            "invalid filters: fidelity must be a whole number of minutes, at least 1",
        ),
        (
            {"market": YES, "interval": "max", "fidelity": "1m"},
            "invalid filters: fidelity must be a whole number of minutes, at least 1",
        ),
    ],
)
async def test_prices_history_refuses_bad_filters(market_env: Env, params: dict[str, str], error: str) -> None:
    assert await get(market_env, "/prices-history", **params) == (400, {"error": error})


async def test_prices_history_of_an_unknown_token_is_not_found(market_env: Env) -> None:
    assert await get(market_env, "/prices-history", market="999", interval="max") == (
        404,
        {"error": "market not found"},
    )


# ---------------------------------------------------------------------------- markets


async def test_market_has_every_key_with_json_types(market_env: Env) -> None:
    status, market = await get(market_env, f"/markets/{CONDITION}")
    assert status == 200
    assert list(market) == MARKET_KEYS
    assert market["condition_id"] == CONDITION
    assert market["question"] == "Will it rain?"
    assert market["description"] == "Resolves Yes if Will it rain?"
    assert market["market_slug"] == "will-it-rain"
    assert market["end_date_iso"] == "2030-01-01T00:00:00Z"
    assert market["accepting_order_timestamp"] == "2023-11-14T22:13:20Z"
    assert (market["active"], market["closed"], market["archived"]) == (True, False, False)
    assert market["accepting_orders"] is True
    assert market["enable_order_book"] is True
    assert market["minimum_order_size"] == 5 and isinstance(market["minimum_order_size"], int)
    assert market["minimum_tick_size"] == 0.01 and isinstance(market["minimum_tick_size"], float)
    assert market["maker_base_fee"] == 0 and market["taker_base_fee"] == 0
    assert market["neg_risk"] is False
    assert market["rewards"] == {"rates": None, "min_size": 0, "max_spread": 0}
    assert market["tags"] == []
    assert market["tokens"] == [
        {"token_id": YES, "outcome": "Yes", "price": 0.5, "winner": False},
        {"token_id": NO, "outcome": "No", "price": 0.5, "winner": False},
    ]


async def test_market_token_prices_follow_midpoint_then_last_trade(market_env: Env) -> None:
    await market_env.place(ALICE, YES, Side.BUY, "0.51", "10")
    await market_env.place(BOB, YES, Side.SELL, "0.55", "10")
    _, market = await get(market_env, f"/markets/{CONDITION}")
    assert [t["price"] for t in market["tokens"]] == [0.53, 0.47]
    await market_env.place(ALICE, YES, Side.BUY, "0.55", "5")
    _, market = await get(market_env, f"/markets/{CONDITION}")
    assert [t["price"] for t in market["tokens"]] == [0.55, 0.45]


async def test_resolved_market_is_closed_with_a_winner(market_env: Env) -> None:
    await market_env.service.submit(ResolveMarket(now_ms=0, condition_id=CONDITION, winning_token_id=NO))
    _, market = await get(market_env, f"/markets/{CONDITION}")
    assert (market["active"], market["closed"], market["accepting_orders"]) == (False, True, False)
    assert [(t["winner"], t["price"]) for t in market["tokens"]] == [(False, 0.0), (True, 1.0)]


async def test_market_lookup_errors_and_case(market_env: Env) -> None:
    assert await get(market_env, "/markets/0x1234") == (400, {"error": "Invalid market"})
    assert await get(market_env, "/markets/" + "c1" * 33) == (400, {"error": "Invalid market"})
    assert await get(market_env, "/markets/0x" + "ab" * 32) == (404, {"error": "market not found"})
    status, market = await get(market_env, f"/markets/{CONDITION.upper().replace('0X', '0x')}")
    assert (status, market["condition_id"]) == (200, CONDITION)


async def test_markets_lists_every_market_in_one_page(market_env: Env) -> None:
    await market_env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), question="Other?", slug="other")
    status, page = await get(market_env, "/markets", next_cursor="MA==")
    assert status == 200
    assert list(page) == ["limit", "count", "next_cursor", "data"]
    assert (page["count"], page["next_cursor"]) == (2, "LTE=")
    assert [m["condition_id"] for m in page["data"]] == [CONDITION, OTHER_CONDITION]
    assert all(list(m) == MARKET_KEYS for m in page["data"])
    assert await get(market_env, "/markets") == (200, page)


async def test_market_pages_follow_the_cursor_to_the_end() -> None:
    async with running(Limits(page_size=2)) as env:
        conditions = ["0x" + f"{i:02x}" * 32 for i in range(1, 6)]
        for i, condition in enumerate(conditions):
            await env.list_market(condition, (str(100 + 2 * i), str(101 + 2 * i)))
        seen: list[str] = []
        cursor, pages = "MA==", 0
        while cursor != "LTE=":
            status, page = await get(env, "/simplified-markets", next_cursor=cursor)
            assert status == 200 and page["limit"] == 2
            seen += [m["condition_id"] for m in page["data"]]
            cursor, pages = page["next_cursor"], pages + 1
        assert seen == conditions
        assert pages == 3
        assert await get(env, "/markets", next_cursor="LTE=") == (
            200,
            {"limit": 2, "count": 0, "next_cursor": "LTE=", "data": []},
        )
        assert await get(env, "/markets", next_cursor="not a cursor") == (400, {"error": "Invalid next_cursor"})


async def test_simplified_and_sampling_markets(market_env: Env) -> None:
    await market_env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), question="Other?", slug="other")
    await market_env.service.submit(UpdateMarket(now_ms=0, condition_id=OTHER_CONDITION, accepting_orders=False))
    _, simplified = await get(market_env, "/simplified-markets")
    assert [list(m) for m in simplified["data"]] == [SIMPLIFIED_KEYS, SIMPLIFIED_KEYS]
    assert simplified["data"][1]["accepting_orders"] is False
    _, sampling = await get(market_env, "/sampling-markets")
    assert [m["condition_id"] for m in sampling["data"]] == [CONDITION]
    assert list(sampling["data"][0]) == MARKET_KEYS
    _, sampling = await get(market_env, "/sampling-simplified-markets")
    assert [m["condition_id"] for m in sampling["data"]] == [CONDITION]
    assert sampling["next_cursor"] == "LTE="


# ---------------------------------------------------------------------------- live activity


async def test_live_activity_lists_recent_trades_without_users(market_env: Env) -> None:
    await quote(market_env)
    await market_env.place(ALICE, YES, Side.BUY, "0.55", "10")
    await market_env.place(BOB, NO, Side.BUY, "0.55", "6")
    response = await market_env.client.get(f"/live-activity/events/{CONDITION}")
    assert response.status_code == 200
    events = response.json()
    assert [(e["market"]["asset_id"], e["side"], e["price"], e["size"]) for e in events] == [
        (NO, "BUY", "0.55", "6"),
        (YES, "BUY", "0.55", "10"),
    ]
    event = events[1]
    assert list(event) == [
        "event_type",
        "market",
        "user",
        "side",
        "size",
        "fee_rate_bps",
        "price",
        "outcome",
        "outcome_index",
        "transaction_hash",
        "timestamp",
    ]
    assert event["event_type"] == "trade"
    assert event["market"] == {
        "condition_id": CONDITION,
        "asset_id": YES,
        "question": "Will it rain?",
        "icon": "",
        "slug": "will-it-rain",
    }
    assert set(event["user"].values()) == {""}
    assert (event["outcome"], event["outcome_index"], events[0]["outcome_index"]) == ("Yes", 0, 1)
    assert event["timestamp"] == str(START_MS // 1000)
    assert event["fee_rate_bps"] == "0"
    assert event["transaction_hash"].startswith("0x")
    for user in (ALICE, BOB):
        assert user.owner not in response.text and user.address not in response.text
    v2 = await market_env.client.get(f"/markets/live-activity/{CONDITION}")
    assert v2.json() == events


async def test_live_activity_errors_and_empty_market(market_env: Env) -> None:
    assert await get(market_env, f"/live-activity/events/{CONDITION}") == (200, [])
    assert await get(market_env, "/live-activity/events/0xzz") == (400, {"error": "Invalid market"})
    assert await get(market_env, "/live-activity/events/0x" + "ab" * 32) == (404, {"error": "market not found"})


@pytest.mark.parametrize("path", ["/books", "/prices", "/midpoints", "/spreads", "/last-trades-prices"])
async def test_a_batch_nested_50000_deep_is_invalid_payload(env: Env, path: str) -> None:
    body = b'[{"token_id": "1", "extra": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]"
    response = await env.client.post(path, content=body)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid payload"})
