"""api/events.py and the lifecycle routes: events, conversion, closing at end dates, resolution and redemption,
in process on SQLite and PostgreSQL, across a restart."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from py_clob_client.headers.headers import create_level_1_headers
from py_clob_client.signer import Signer

from openclob.assembly import build_app
from openclob.config import Settings
from openclob.service import Service
from openclob.store.records import ActivityRecord
from tests.discovery_schemas import check
from tests.unit.api.conftest import ADMIN, ADMIN_TOKEN, l2_headers
from tests.unit.store.conftest import StoreFactory

pytestmark = pytest.mark.anyio

END = "2030-01-01T00:00:00Z"
END_MS = 1_893_456_000_000


@dataclass
class Venue:
    new_store: StoreFactory
    settings: Settings
    service: Service
    client: httpx.AsyncClient
    signer: Signer
    creds: dict[str, str]

    @property
    def address(self) -> str:
        return self.signer.address().lower()

    async def admin(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.client.request(method, path, json=body, headers=ADMIN)
        assert response.status_code == status, response.text
        return response.json()

    async def user(self, path: str, body: Any, status: int = 200) -> Any:
        raw = json.dumps(body).encode()
        headers = {**l2_headers(self.creds, self.address, "POST", path, raw), "content-type": "application/json"}
        response = await self.client.post(path, content=raw, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    async def restart(self) -> None:
        await self.service.stop()
        self.service = Service(self.new_store(), self.settings)
        await self.service.start()
        await self.client.aclose()
        self.client = _client(self.service)

    def balance(self, asset: str) -> int:
        free, reserved = self.service.exchange.balance(self.address, asset)
        return free + reserved


def _client(service: Service) -> httpx.AsyncClient:
    app = build_app(service, master_secret=b"x" * 32, admin_token=ADMIN_TOKEN)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _venue(new_store: StoreFactory, settings: Settings) -> Venue:
    service = Service(new_store(), settings)
    await service.start()
    client = _client(service)
    signer = Signer("0x" + "5e" * 32, 137)
    response = await client.post("/auth/api-key", headers=create_level_1_headers(signer))
    assert response.status_code == 200, response.text
    return Venue(new_store, settings, service, client, signer, response.json())


@pytest.fixture
async def venue(new_store: StoreFactory) -> AsyncIterator[Venue]:
    """A frozen exchange clock before END, user conversions on; on SQLite and PostgreSQL."""
    settings = Settings(user_conversions=True, clock_mode="frozen", start_time_ms=END_MS - 60_000)
    harness = await _venue(new_store, settings)
    try:
        yield harness
    finally:
        await harness.client.aclose()
        await harness.service.stop()


async def _three_way(venue: Venue) -> dict[str, Any]:
    body = {
        "title": "Who wins?",
        "outcomes": ["Alice", "Bob", {"name": "Carol"}],
        "neg_risk": True,
        "end_date_iso": END,
    }
    event: dict[str, Any] = await venue.admin("POST", "/admin/events", body)
    await venue.admin("POST", "/admin/balances", {"address": venue.address, "amount": "300"})
    for market in event["markets"]:
        split = {"address": venue.address, "condition_id": market["condition_id"], "amount": "100"}
        await venue.admin("POST", "/admin/split", split)
    return event


async def _activity(venue: Venue) -> list[ActivityRecord]:
    """The address's Data API activity, oldest first."""
    query = functools.partial(venue.service.store.activity, venue.address, limit=100, oldest_first=True)
    return await venue.service.read(query)


def _tokens(event: dict[str, Any], i: int) -> tuple[str, str]:
    yes, no = event["markets"][i]["tokens"]
    return yes["token_id"], no["token_id"]


async def test_an_event_lists_one_neg_risk_market_per_outcome_as_the_clob_shows_them(venue: Venue) -> None:
    event = await _three_way(venue)
    assert (event["id"], event["title"], event["slug"], event["neg_risk"]) == ("1", "Who wins?", "who-wins", True)
    market_id = event["neg_risk_market_id"]
    assert market_id.startswith("0x") and len(market_id) == 66 and market_id.endswith("00")
    for index, market in enumerate(event["markets"]):
        assert market["outcome"] == ["Alice", "Bob", "Carol"][index]
        assert market["question"] == f"Who wins?: {market['outcome']}"
        assert (market["neg_risk"], market["neg_risk_market_id"]) == (True, market_id)
        assert market["question_id"] == market_id[:-2] + f"{index:02x}"
        assert market["neg_risk_request_id"].startswith("0x") and len(market["neg_risk_request_id"]) == 66
        assert (market["end_date_iso"], market["closed"], market["accepting_orders"]) == (END, False, True)
        clob = (await venue.client.get(f"/clob-markets/{market['condition_id']}")).json()
        assert clob["nr"] is True
    assert await venue.admin("GET", "/admin/events") == [event]
    assert (await venue.admin("GET", "/admin/events/2", status=404)) == {"error": "event not found"}
    stored = await venue.service.read(venue.service.store.event, "1")
    assert stored is not None and stored.condition_ids == [m["condition_id"] for m in event["markets"]]
    assert await venue.service.read(venue.service.store.event_of_market, event["markets"][2]["condition_id"]) == (
        "1",
        2,
    )


async def test_a_user_converts_no_positions_and_the_activity_records_it(venue: Venue) -> None:
    event = await _three_way(venue)
    answer = await venue.user("/convert", {"event_id": "1", "index_set": 3, "amount": "10"})
    assert (answer["collateral"], answer["index_set"]) == ("10", "3")
    assert venue.balance("COLLATERAL") == 10_000_000
    assert venue.balance(_tokens(event, 2)[0]) == 110_000_000
    assert venue.balance(_tokens(event, 0)[1]) == 90_000_000
    by_ids = {"neg_risk_market_id": event["neg_risk_market_id"], "condition_ids": [event["markets"][2]["condition_id"]]}
    await venue.admin("POST", "/admin/convert", {**by_ids, "address": venue.address, "amount": "1"})
    assert venue.balance(_tokens(event, 0)[0]) == 101_000_000
    activity = await _activity(venue)
    assert [a.type for a in activity] == ["SPLIT", "SPLIT", "SPLIT", "CONVERSION", "CONVERSION"]
    first = activity[3]
    assert (first.event_id, first.size_units, first.usdc_units, first.index_set) == ("1", 10**7, 10**7, 3)
    assert first.token_ids_in == [_tokens(event, 0)[1], _tokens(event, 1)[1]]
    assert first.token_ids_out == [_tokens(event, 2)[0]]


async def test_conversions_refused_without_the_operators_leave_or_with_bad_outcomes(venue: Venue) -> None:
    event = await _three_way(venue)
    bad = await venue.user("/convert", {"event_id": "1", "index_set": 8, "amount": "1"}, status=400)
    assert bad == {"error": "invalid index_set 8: a non-empty set of the event's 3 outcomes, bit i for outcome i"}
    missing = await venue.user("/convert", {"event_id": "1", "condition_ids": ["0x" + "00" * 32], "amount": "1"}, 400)
    assert missing["error"].startswith("invalid condition_ids:")
    assert await venue.user("/convert", {"event_id": "9", "index_set": 1, "amount": "1"}, status=404) == {
        "error": "event not found"
    }
    too_much = await venue.user("/convert", {"event_id": "1", "index_set": 1, "amount": "101"}, status=400)
    assert too_much == {"error": "not enough balance / allowance"}
    venue.settings = replace(venue.settings, user_conversions=False)
    await venue.restart()
    refused = await venue.user("/convert", {"event_id": "1", "index_set": 3, "amount": "1"}, status=403)
    assert refused == {"error": "conversions are not enabled on this exchange"}
    assert event["markets"]


async def test_end_date_closes_then_resolution_makes_yes_redeemable_once_across_a_restart(venue: Venue) -> None:
    event = await _three_way(venue)
    await venue.admin("POST", "/admin/clock", {"advance_ms": 60_000})
    markets = [await venue.admin("GET", "/admin/events/1")][0]["markets"]
    assert [(m["closed"], m["accepting_orders"], m["active"]) for m in markets] == [(True, False, True)] * 3
    winner = event["markets"][1]
    resolve = {"winning_token_id": _tokens(event, 1)[0]}
    await venue.admin("POST", f"/admin/markets/{winner['condition_id']}/resolve", resolve)
    assert venue.balance(_tokens(event, 1)[0]) == 100_000_000  # redeemable, not paid
    await venue.restart()
    paid = await venue.user("/redeem", {"condition_id": winner["condition_id"]})
    assert paid["payout"] == "100"
    assert venue.balance("COLLATERAL") == 100_000_000
    again = await venue.user("/redeem", {"condition_id": winner["condition_id"]})
    assert again["payout"] == "0"
    loser = event["markets"][0]["condition_id"]
    other = await venue.admin("POST", "/admin/redeem", {"address": venue.address, "condition_id": loser})
    assert other["payout"] == "100"  # the NO of a losing outcome wins
    assert venue.balance("COLLATERAL") == 200_000_000
    activity = await _activity(venue)
    assert [(a.type, a.usdc_units) for a in activity[3:]] == [("REDEEM", 10**8), ("REDEEM", 10**8)]
    venue.service.exchange.check_invariants()


async def test_a_redemption_of_an_open_market_is_refused(venue: Venue) -> None:
    event = await _three_way(venue)
    condition_id = event["markets"][0]["condition_id"]
    refused = await venue.user("/redeem", {"condition_id": condition_id}, status=400)
    assert refused == {"error": f"market {condition_id} is not resolved"}


async def test_a_market_listed_with_a_bad_end_date_is_refused(venue: Venue) -> None:
    answer = await venue.admin("POST", "/admin/markets", {"question": "Q?", "end_date_iso": "soon"}, status=400)
    assert answer == {"error": "invalid end_date_iso: 'soon' (ISO-8601, e.g. 2026-12-31T00:00:00Z)"}


async def test_an_event_with_a_bad_outcome_is_refused_whole_and_names_the_outcome(venue: Venue) -> None:
    taken = {"name": "B", "token_ids": ["11", "12"]}
    again = {"name": "C", "token_ids": ["12", "13"]}
    body = {"title": "Who?", "outcomes": ["A", taken, again], "neg_risk": True}
    answer = await venue.admin("POST", "/admin/events", body, status=400)
    assert answer == {"error": "invalid event: outcome 2: a token id is already listed"}
    lonely = await venue.admin("POST", "/admin/events", {"title": "Who?", "outcomes": ["A"], "neg_risk": True}, 400)
    assert lonely == {"error": "invalid event: a neg-risk event has at least two outcomes"}
    late = {"title": "Who?", "outcomes": ["A", {"name": "B", "end_date_iso": "later"}]}
    assert (await venue.admin("POST", "/admin/events", late, status=400))["error"].startswith("invalid end_date_iso")
    assert await venue.admin("GET", "/admin/events") == []
    assert venue.service.exchange.markets == {}


async def test_an_end_date_is_shown_as_polymarket_writes_it_and_moves_with_a_patch(venue: Venue) -> None:
    market = await venue.admin(
        "POST", "/admin/markets", {"question": "Q?", "end_date_iso": "2030-01-01T01:00:00+01:00"}
    )
    assert market["end_date_iso"] == END
    path = f"/admin/markets/{market['condition_id']}"
    moved = await venue.admin("PATCH", path, {"end_date_iso": "2031-01-01"})
    assert (moved["end_date_iso"], moved["closed"]) == ("2031-01-01T00:00:00Z", False)
    await venue.admin("POST", "/admin/clock", {"advance_ms": 60_000})
    assert not venue.service.exchange.markets[market["condition_id"]].closed
    await venue.admin("PATCH", path, {"end_date_iso": END})
    assert (await venue.admin("GET", "/admin/events")) == []
    assert venue.service.exchange.markets[market["condition_id"]].closed  # END is already past
    refused = await venue.admin("PATCH", path, {"accepting_orders": True}, status=400)
    assert refused == {"error": "invalid market: the market is closed"}


async def test_a_user_redeems_and_converts_only_its_own_positions(venue: Venue) -> None:
    event = await _three_way(venue)
    other = "0x" + "0d" * 20
    await venue.admin("POST", "/admin/balances", {"address": other, "amount": "10"})
    condition_id = event["markets"][0]["condition_id"]
    await venue.admin("POST", "/admin/split", {"address": other, "condition_id": condition_id, "amount": "10"})
    mine_only = {"error": "the address has to be the API key's address or a wallet linked to it"}
    assert await venue.user("/redeem", {"condition_id": condition_id, "address": other}, status=400) == mine_only
    body = {"event_id": "1", "index_set": 1, "amount": "1", "address": other}
    assert await venue.user("/convert", body, status=400) == mine_only
    assert venue.service.exchange.balance(other, event["markets"][0]["tokens"][1]["token_id"]) == (10_000_000, 0)
    unknown = await venue.user("/redeem", {"condition_id": "0x" + "99" * 32}, status=404)
    assert unknown == {"error": "market not found"}


async def _public(venue: Venue, path: str, schema: str, **params: str) -> Any:
    response = await venue.client.get(path, params=params)
    assert response.status_code == 200, response.text
    answer = response.json()
    check(schema, answer)
    return answer


async def test_a_neg_risk_event_is_one_gamma_event_with_a_market_per_outcome_through_its_life(venue: Venue) -> None:
    await venue.admin("POST", "/admin/markets", {"question": "Alone?", "market_slug": "alone"})
    event = await _three_way(venue)
    events = await _public(venue, "/gamma/events", "gamma_event")
    assert [(e["id"], e["slug"], len(e["markets"])) for e in events] == [("1", "alone", 1), ("2", "who-wins", 3)]
    gamma = events[1]
    assert (gamma["title"], gamma["negRisk"], gamma["negRiskMarketID"]) == (
        "Who wins?",
        True,
        event["neg_risk_market_id"],
    )
    assert [m["conditionId"] for m in gamma["markets"]] == [m["condition_id"] for m in event["markets"]]
    assert [m["groupItemTitle"] for m in gamma["markets"]] == ["Alice", "Bob", "Carol"]
    assert {m["negRiskMarketID"] for m in gamma["markets"]} == {event["neg_risk_market_id"]}
    assert [json.loads(m["clobTokenIds"]) for m in gamma["markets"]] == [list(_tokens(event, i)) for i in range(3)]
    assert (events[0]["negRiskMarketID"], events[0]["markets"][0]["groupItemTitle"]) == ("", "")
    assert await _public(venue, "/gamma/events/2", "gamma_event") == gamma
    assert await _public(venue, "/gamma/events/slug/who-wins", "gamma_event") == gamma
    bob = await _public(venue, "/gamma/markets/3", "gamma_market")
    assert (bob["events"][0]["id"], bob["endDate"]) == ("2", END)
    states = [(m["active"], m["closed"], m["acceptingOrders"]) for m in gamma["markets"]]
    assert (gamma["active"], gamma["closed"], states) == (True, False, [(True, False, True)] * 3)

    await venue.admin("POST", "/admin/clock", {"advance_ms": 60_000})  # past the end date: closed, still active
    closed = await _public(venue, "/gamma/events/2", "gamma_event")
    states = [(m["active"], m["closed"], m["acceptingOrders"]) for m in closed["markets"]]
    assert (closed["active"], closed["closed"], states) == (True, True, [(True, True, False)] * 3)
    assert [e["id"] for e in await _public(venue, "/gamma/events", "gamma_event", closed="false")] == ["1"]
    assert len(await _public(venue, "/gamma/markets", "gamma_market", closed="true", active="true")) == 3
    resolve = {"winning_token_id": _tokens(event, 1)[0]}
    await venue.admin("POST", f"/admin/markets/{event['markets'][1]['condition_id']}/resolve", resolve)
    resolved = await _public(venue, "/gamma/events/2", "gamma_event")
    assert (resolved["active"], resolved["closed"]) == (False, True)
    assert await _public(venue, "/gamma/markets", "gamma_market", active="true", closed="true") == []


async def test_a_conversion_and_a_redemption_show_in_data_api_activity_and_positions(venue: Venue) -> None:
    event = await _three_way(venue)
    user = {"user": venue.address}
    positions = await _public(venue, "/data-api/positions", "data_position", **user)
    assert len(positions) == 6 and not any(p["redeemable"] for p in positions)
    assert {(p["eventId"], p["eventSlug"], p["negativeRisk"], p["endDate"]) for p in positions} == {
        ("1", "who-wins", True, END[:10])
    }
    await venue.user("/convert", {"event_id": "1", "index_set": 3, "amount": "10"})  # Alice's and Bob's NO

    (conversion,) = await _public(venue, "/data-api/activity", "data_activity", type="CONVERSION", **user)
    assert (conversion["conditionId"], conversion["size"], conversion["usdcSize"]) == (
        event["neg_risk_market_id"],
        10.0,
        10.0,
    )
    assert (conversion["title"], conversion["eventSlug"], conversion["outcomeIndex"]) == ("Who wins?", "who-wins", 999)
    held = {p["asset"]: p for p in await _public(venue, "/data-api/positions", "data_position", **user)}
    assert (held[_tokens(event, 0)[1]]["size"], held[_tokens(event, 1)[1]]["size"]) == (90.0, 90.0)
    carol_yes = held[_tokens(event, 2)[0]]
    # the NO shares' cost (10 x 0.5 each) is all paid back by the 10 collateral: the 10 YES come at no cost
    assert (carol_yes["size"], carol_yes["avgPrice"], carol_yes["realizedPnl"]) == (110.0, round(50 / 110, 6), 0.0)

    await venue.admin("POST", "/admin/clock", {"advance_ms": 60_000})
    bob = event["markets"][1]["condition_id"]
    await venue.admin("POST", f"/admin/markets/{bob}/resolve", {"winning_token_id": _tokens(event, 1)[0]})
    positions = await _public(venue, "/data-api/positions", "data_position", **user)
    assert len(positions) == 6 and all(p["redeemable"] and not p["mergeable"] for p in positions)
    assert await _public(venue, "/data-api/positions", "data_position", redeemable="false", **user) == []

    await venue.user("/redeem", {"condition_id": bob})  # 100 YES pay 100, 90 NO are burned
    (redemption,) = await _public(venue, "/data-api/activity", "data_activity", type="REDEEM", **user)
    assert (redemption["conditionId"], redemption["size"], redemption["usdcSize"]) == (bob, 190.0, 100.0)
    assert (redemption["asset"], redemption["outcomeIndex"], redemption["title"]) == ("", 999, "Who wins?: Bob")
    newest = await _public(venue, "/data-api/activity", "data_activity", limit="2", **user)
    assert [a["type"] for a in newest] == ["REDEEM", "CONVERSION"]
    left = await _public(venue, "/data-api/positions", "data_position", **user)
    assert bob not in {p["conditionId"] for p in left}
    assert len(left) == 4 and all(p["redeemable"] for p in left)
    value = await _public(venue, "/data-api/value", "data_value", **user)
    assert value == [{"user": venue.address, "value": 90.0 + 100.0}]  # Alice's NO (10 converted) and Carol's NO win
