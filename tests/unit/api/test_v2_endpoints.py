"""The V2 clients' endpoints: /version, /clob-markets, /markets-by-token and /fees/builder-fees."""

from __future__ import annotations

import pytest

from tests.unit.api.conftest import CONDITION, NO, OTHER_CONDITION, OTHER_NO, OTHER_YES, YES, Env

pytestmark = pytest.mark.anyio


async def test_version_is_the_preferred_order_version(env: Env) -> None:
    assert (await env.client.get("/version")).json() == {"version": 2}


async def test_clob_market_details_have_the_compact_keys(env: Env) -> None:
    await env.list_market()
    await env.list_market(OTHER_CONDITION, (OTHER_YES, OTHER_NO), neg_risk=True, fee_rate_bps=250, fee_exponent=2)
    plain = (await env.client.get(f"/clob-markets/{CONDITION}")).json()
    assert plain == {
        "c": CONDITION,
        "t": [{"t": YES, "o": "Yes"}, {"t": NO, "o": "No"}],
        "mts": 0.01,
        "mbf": 0,
        "tbf": 0,
        "r": None,
        "ao": True,
        "mos": 5,
        "sd": 0,
        "cbos": False,
        "aot": plain["aot"],
        "rfqe": False,
        "itode": False,
        "ibce": False,
    }
    fees = (await env.client.get(f"/clob-markets/{OTHER_CONDITION}")).json()
    assert (fees["nr"], fees["fd"], fees["tbf"]) == (True, {"r": 0.025, "e": 2, "to": True}, 250)
    unknown = await env.client.get("/clob-markets/0x" + "00" * 32)
    assert (unknown.status_code, unknown.json()) == (404, {"error": "market not found"})
    assert (await env.client.get("/clob-markets/nope")).status_code == 400


async def test_markets_by_token_names_the_condition_and_both_tokens(env: Env) -> None:
    await env.list_market()
    for token in (YES, NO):
        found = (await env.client.get(f"/markets-by-token/{token}")).json()
        assert found == {"condition_id": CONDITION, "primary_token_id": YES, "secondary_token_id": NO}
    assert (await env.client.get("/markets-by-token/404")).status_code == 404
    assert (await env.client.get("/markets-by-token/abc")).json() == {"error": "Invalid token id"}


async def test_builder_fees_are_zero_and_the_code_must_be_bytes32(env: Env) -> None:
    code = "0x" + "ab" * 32
    assert (await env.client.get(f"/fees/builder-fees/{code}")).json() == {
        "builder_code": code,
        "builder_maker_fee_rate_bps": 0,
        "builder_taker_fee_rate_bps": 0,
    }
    assert (await env.client.get("/fees/builder-fees/0x12")).status_code == 400
    assert (await env.client.get("/builder/trades")).json() == {"error": "Invalid builder code"}
