"""api/gamma.py and api/data_api.py in process: filters, lookups, errors and shapes (tests/schemas/)."""

from __future__ import annotations

import json

import pytest

from openclob.core import Side
from tests.discovery_schemas import check
from tests.unit.api.conftest import ALICE, BOB, CONDITION, NO, OTHER_CONDITION, OTHER_NO, OTHER_YES, YES, Env

pytestmark = pytest.mark.anyio


async def _two_markets(env: Env) -> None:
    await env.list_market()
    await env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), question="Will it snow?", slug="will-it-snow")
    await env.fund(ALICE)
    await env.fund(BOB)


async def _get(env: Env, path: str, schema: str, status: int = 200, **params: str) -> object:
    response = await env.client.get(path, params=params)
    assert response.status_code == status, response.text
    check(schema, response.json())
    return response.json()


async def test_markets_have_listing_ids_slugs_and_json_encoded_token_ids(env: Env) -> None:
    await _two_markets(env)
    markets = await _get(env, "/gamma/markets", "gamma_market")
    assert [(m["id"], m["slug"], m["conditionId"]) for m in markets] == [  # type: ignore[union-attr]
        ("1", "will-it-rain", CONDITION),
        ("2", "will-it-snow", OTHER_CONDITION),
    ]
    first = markets[0]  # type: ignore[index]
    assert json.loads(first["clobTokenIds"]) == [YES, NO] and json.loads(first["outcomes"]) == ["Yes", "No"]
    assert json.loads(first["outcomePrices"]) == ["0.5", "0.5"] and "bestBid" not in first
    assert first["events"][0]["slug"] == "will-it-rain" and first["endDate"] == "2030-01-01T00:00:00Z"


async def test_each_lookup_filter_finds_its_market_and_they_combine(env: Env) -> None:
    await _two_markets(env)

    async def ids(**params: str) -> list[str]:
        return [m["id"] for m in await _get(env, "/gamma/markets", "gamma_market", **params)]  # type: ignore[union-attr]

    assert await ids(id="2") == ["2"]
    assert await ids(id="1,2", slug="will-it-snow") == ["2"]
    assert await ids(slug="will-it-rain") == ["1"]
    assert await ids(condition_ids=OTHER_CONDITION.upper().replace("0X", "0x")) == ["2"]
    assert await ids(clob_token_ids=NO) == ["1"]
    assert await ids(id="99") == [] and await ids(tag_id="4") == []
    assert await ids(closed="true") == [] and await ids(active="true") == ["1", "2"]
    assert await ids(limit="1", offset="1") == ["2"]
    assert await ids(order="id", ascending="false") == ["2", "1"]


async def test_the_book_and_trades_show_in_best_prices_last_trade_and_volume(env: Env) -> None:
    await _two_markets(env)
    await env.place(ALICE, YES, Side.BUY, "0.40", "10")
    await env.place(BOB, YES, Side.SELL, "0.60", "10")
    await env.place(BOB, YES, Side.SELL, "0.40", "5")  # trades 5 at 0.40
    market = await _get(env, "/gamma/markets/1", "gamma_market")
    assert (market["bestBid"], market["bestAsk"], market["spread"]) == (0.4, 0.6, 0.2)  # type: ignore[index]
    assert market["lastTradePrice"] == 0.4 and market["volume"] == "2"  # type: ignore[index]
    assert (market["volume24hr"], market["volume1wk"], market["volumeClob"]) == (2.0, 2.0, 2.0)  # type: ignore[index]
    env.clock.now_ms += 2 * 86_400_000  # two days on: out of the day's window, still in the week's
    market = await _get(env, "/gamma/markets/1", "gamma_market")
    assert (market["volume24hr"], market["volume1wk"]) == (0.0, 2.0)  # type: ignore[index]
    events = await _get(env, "/gamma/events", "gamma_event", order="volume1wk", ascending="false")
    assert [(e["id"], e["volume1wk"]) for e in events] == [("1", 2.0), ("2", 0.0)]  # type: ignore[union-attr]
    by_volume = await _get(env, "/gamma/markets", "gamma_market", order="volume", ascending="false")
    assert [m["id"] for m in by_volume] == ["1", "2"]  # type: ignore[union-attr]


async def test_events_are_one_per_market_with_the_markets_id_and_slug(env: Env) -> None:
    await _two_markets(env)
    events = await _get(env, "/gamma/events", "gamma_event")
    assert [(e["id"], e["slug"], len(e["markets"])) for e in events] == [  # type: ignore[union-attr]
        ("1", "will-it-rain", 1),
        ("2", "will-it-snow", 1),
    ]
    assert (await _get(env, "/gamma/events/2", "gamma_event"))["title"] == "Will it snow?"  # type: ignore[index]
    assert (await _get(env, "/gamma/events/slug/will-it-rain", "gamma_event"))["id"] == "1"  # type: ignore[index]
    assert await _get(env, "/gamma/events", "gamma_event", slug="nope") == []
    assert await _get(env, "/gamma/tags", "gamma_tag") == []


@pytest.mark.parametrize(
    "path",
    ["/gamma/markets/3", "/gamma/markets/slug/nope", "/gamma/events/3", "/gamma/events/slug/nope"],
)
async def test_unknown_ids_and_slugs_answer_404_in_gammas_error_shape(env: Env, path: str) -> None:
    await _two_markets(env)
    assert await _get(env, path, "gamma_error", 404) == {"type": "not found error", "error": "id not found"}


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/gamma/markets", {"limit": "x"}, "limit"),
        ("/gamma/markets", {"offset": "-1"}, "offset"),
        ("/gamma/markets", {"active": "maybe"}, "active"),
        ("/gamma/markets", {"closed": "1"}, "closed"),
        ("/gamma/markets", {"id": "abc"}, "id"),
        ("/gamma/markets", {"condition_ids": "0x12"}, "condition_ids"),
        ("/gamma/markets", {"clob_token_ids": "12a"}, "clob_token_ids"),
        ("/gamma/markets", {"order": "price"}, "order"),
        ("/gamma/markets", {"ascending": "yes"}, "ascending"),
        ("/gamma/events", {"tag_id": "x"}, "tag_id"),
        ("/gamma/markets/abc", {}, "id"),
    ],
)
async def test_malformed_gamma_filters_are_400_naming_the_parameter(
    env: Env, path: str, params: dict[str, str], name: str
) -> None:
    answer = await _get(env, path, "gamma_error", 400, **params)
    assert answer["error"].startswith(f"invalid {name}: ")  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/data-api/positions", {}, "user"),
        ("/data-api/positions", {"user": "0x12"}, "user"),
        ("/data-api/positions", {"user": "0x" + "a1" * 20, "sizeThreshold": "-1"}, "sizeThreshold"),
        ("/data-api/positions", {"user": "0x" + "a1" * 20, "sortBy": "SIZE"}, "sortBy"),
        ("/data-api/activity", {"user": "0x" + "a1" * 20, "type": "GIFT"}, "type"),
        ("/data-api/activity", {"user": "0x" + "a1" * 20, "limit": "501"}, "limit"),
        ("/data-api/trades", {"market": "abc"}, "market"),
        ("/data-api/trades", {"takerOnly": "no"}, "takerOnly"),
        ("/data-api/value", {}, "user"),
    ],
)
async def test_malformed_data_api_filters_are_400_naming_the_parameter(
    env: Env, path: str, params: dict[str, str], name: str
) -> None:
    answer = await _get(env, path, "data_error", 400, **params)
    assert answer["error"].startswith(f"invalid {name}: ")  # type: ignore[index]


async def test_an_unknown_address_has_no_positions_activity_or_value(env: Env) -> None:
    await _two_markets(env)
    stranger = "0x" + "ee" * 20
    assert await _get(env, "/data-api/positions", "data_position", user=stranger) == []
    assert await _get(env, "/data-api/activity", "data_activity", user=stranger) == []
    assert await _get(env, "/data-api/trades", "data_trade", user=stranger) == []
    assert await _get(env, "/data-api/value", "data_value", user=stranger) == [{"user": stranger, "value": 0.0}]


async def test_positions_from_a_split_and_trades_by_average_cost(env: Env) -> None:
    await _two_markets(env)  # each funded with a split of 1,000: 1,000 YES and NO at 0.5
    await env.place(BOB, YES, Side.SELL, "0.80", "100")
    await env.place(ALICE, YES, Side.BUY, "0.80", "100")  # ALICE: 1,100 YES costing 500 + 80
    positions = await _get(env, "/data-api/positions", "data_position", user=ALICE.address)
    yes, no = positions  # type: ignore[misc]
    assert (yes["asset"], yes["size"], yes["avgPrice"], yes["totalBought"]) == (YES, 1100.0, 0.527273, 1100.0)
    assert (yes["curPrice"], yes["mergeable"], yes["outcome"]) == (0.8, True, "Yes")
    assert (no["asset"], no["size"], no["avgPrice"], no["curPrice"]) == (NO, 1000.0, 0.5, 0.2)
    bob = await _get(env, "/data-api/positions", "data_position", user=BOB.address, sortBy="AVGPRICE")
    assert [(p["asset"], p["size"], p["realizedPnl"]) for p in bob] == [  # type: ignore[union-attr]
        (YES, 900.0, 30.0),
        (NO, 1000.0, 0.0),
    ]
    assert await _get(env, "/data-api/positions", "data_position", user=BOB.address, market=OTHER_CONDITION) == []
    activity = await _get(env, "/data-api/activity", "data_activity", user=BOB.address)
    assert [(a["type"], a["side"], a["outcomeIndex"]) for a in activity] == [  # type: ignore[union-attr]
        ("TRADE", "SELL", 0),
        ("SPLIT", "", 999),
    ]
    splits = await _get(env, "/data-api/activity", "data_activity", user=BOB.address, type="SPLIT")
    assert [a["usdcSize"] for a in splits] == [1000.0]  # type: ignore[union-attr]
    sells = await _get(env, "/data-api/activity", "data_activity", user=BOB.address, side="SELL")
    assert [a["type"] for a in sells] == ["TRADE"]  # type: ignore[union-attr]
    now = str(env.clock.now_ms // 1000)
    assert await _get(env, "/data-api/activity", "data_activity", user=BOB.address, start=str(int(now) + 1)) == []
    assert len(await _get(env, "/data-api/activity", "data_activity", user=BOB.address, end=now)) == 2  # type: ignore[arg-type]
    tape = await _get(env, "/data-api/trades", "data_trade", takerOnly="false")
    assert [(t["proxyWallet"], t["side"]) for t in tape] == [  # type: ignore[union-attr]
        (ALICE.address, "BUY"),
        (BOB.address, "SELL"),
    ]


ODD_VALUES = ["", "0", "-1", "1" * 40, "x", "\x00", "é", "0x" + "f" * 64, "true,false", "%", " ", "1e3", "1.5"]
ROUTE_PARAMS = {
    "/gamma/markets": ["id", "slug", "condition_ids", "clob_token_ids", "active", "closed", "archived", "tag_id",
                       "limit", "offset", "order", "ascending"],
    "/gamma/events": ["id", "slug", "active", "closed", "archived", "tag_id", "limit", "offset", "order", "ascending"],
    "/gamma/tags": ["limit", "offset"],
    "/data-api/positions": ["market", "sizeThreshold", "redeemable", "mergeable", "sortBy", "sortDirection", "limit",
                            "offset"],
    "/data-api/activity": ["market", "type", "side", "start", "end", "sortDirection", "limit", "offset"],
    "/data-api/trades": ["user", "market", "takerOnly", "limit", "offset"],
    "/data-api/value": ["user"],
}  # fmt: skip


ANSWER_SCHEMAS = {
    "/gamma/markets": "gamma_market",
    "/gamma/events": "gamma_event",
    "/gamma/tags": "gamma_tag",
    "/data-api/positions": "data_position",
    "/data-api/activity": "data_activity",
    "/data-api/trades": "data_trade",
    "/data-api/value": "data_value",
}


def _schema_of(path: str, status: int) -> str:
    if status == 400:
        return "gamma_error" if path.startswith("/gamma") else "data_error"
    return ANSWER_SCHEMAS[path]


async def test_odd_values_of_every_parameter_answer_200_or_400_never_5xx(env: Env) -> None:
    await _two_markets(env)
    await env.place(ALICE, YES, Side.BUY, "0.40", "10")
    await env.place(BOB, YES, Side.SELL, "0.40", "10")
    for path, names in ROUTE_PARAMS.items():
        for name in names:
            for value in ODD_VALUES:
                params = {name: value, "user": ALICE.address} if name != "user" else {name: value}
                response = await env.client.get(path, params=params)
                assert response.status_code in (200, 400), (path, name, value, response.text)
                check(_schema_of(path, response.status_code), response.json())
    for path in ("/gamma/markets/{}", "/gamma/events/{}", "/gamma/markets/slug/{}", "/gamma/events/slug/{}"):
        for value in ["0", "1" * 30, "x", "é", "%00", "1"]:
            response = await env.client.get(path.format(value))
            assert response.status_code in (200, 400, 404), (path, value, response.text)
