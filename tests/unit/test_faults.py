"""faults.py: the rule model and its checks, matching in order, counting firings and the seeded draws."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from openclob.faults import Faults, InvalidRule, Rule, TooManyRules, check, faultable, load_rules

ALICE = "0x" + "a1" * 20
BOB = "0x" + "b2" * 20


def _rule(**fields: Any) -> Rule:
    return check(msgspec.json.decode(json.dumps(fields), type=Rule))


def _faults(*rules: Rule, seed: int = 1, max_rules: int = 100) -> Faults:
    faults = Faults(seed, max_rules)
    for rule in rules:
        faults.add(rule, now_ms=1_000)
    return faults


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "status"}, "status is required for kind status"),
        ({"kind": "delay"}, "delay_ms is required for kind delay"),
        ({"kind": "ws_stall", "channel": "market"}, "duration_ms is required for kind ws_stall"),
        ({"kind": "ws_disconnect"}, "channel is required for kind ws_disconnect"),
        ({"kind": "new_key_delay"}, "delay_ms is required for kind new_key_delay"),
        ({"kind": "drop", "status": 500}, "status does not apply to kind drop"),
        ({"kind": "status", "status": 500, "channel": "user"}, "channel does not apply to kind status"),
        ({"kind": "ws_disconnect", "channel": "user", "path": "/ws/user"}, "path does not apply to kind ws_disconnect"),
        ({"kind": "ws_disconnect", "channel": "market", "address": ALICE}, "address applies to the user channel"),
        ({"kind": "drop", "method": "FETCH"}, "method must be one of"),
        ({"kind": "drop", "path": "order"}, "path must start with /"),
        ({"kind": "drop", "path": "/or*der"}, "path must start with /"),
        ({"kind": "drop", "path": "/admin/faults"}, "path: /admin/*"),
        ({"kind": "drop", "path": "/ready"}, "path: /admin/*"),
        ({"kind": "drop", "path": "/admin*"}, "path: /admin/*"),
        ({"kind": "drop", "address": "0x12"}, "address must be 0x and 40 hex digits"),
    ],
)
def test_a_rule_that_does_not_hold_together_is_refused_naming_the_field(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidRule, match=named.replace("*", r"\*")):
        _rule(**fields)


@pytest.mark.parametrize(
    ("fields", "at"),
    [
        ({"kind": "status", "status": 200}, "$.status"),
        ({"kind": "explode"}, "$.kind"),
        ({"kind": "drop", "count": 0}, "$.count"),
        ({"kind": "drop", "probability": 1.5}, "$.probability"),
        ({"kind": "delay", "delay_ms": -1}, "$.delay_ms"),
        ({"kind": "drop", "colour": "red"}, "colour"),
    ],
)
def test_a_field_of_the_wrong_type_or_range_is_refused_by_the_model_naming_it(fields: dict[str, Any], at: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=at.replace("$", r"\$")):
        msgspec.json.decode(json.dumps(fields), type=Rule)


def test_a_checked_rule_has_its_method_upper_cased_and_its_address_lower_cased() -> None:
    rule = _rule(kind="drop", method="post", address=ALICE.upper().replace("0X", "0x"))
    assert (rule.method, rule.address) == ("POST", ALICE)


def test_admin_the_console_ready_the_document_and_metrics_are_never_faultable_and_the_health_checks_are() -> None:
    never = ("/admin/faults", "/admin", "/console", "/console/app.js", "/ready", "/openapi.json", "/metrics")
    assert not any(faultable(path) for path in never)
    assert all(faultable(path) for path in ("/", "/ok", "/order", "/administrators", "/consoles"))


def test_a_rule_matches_on_method_exact_or_prefix_path_and_address() -> None:
    faults = _faults(
        _rule(kind="status", status=425, method="POST", path="/order"),
        _rule(kind="status", status=429, path="/data/*"),
        _rule(kind="status", status=403, address=ALICE),
    )
    assert faults.http("POST", "/order", None).status == 425  # type: ignore[union-attr]
    assert faults.http("GET", "/order", None) is None
    assert faults.http("POST", "/orders", None) is None
    assert faults.http("GET", "/data/orders", BOB).status == 429  # type: ignore[union-attr]
    assert faults.http("GET", "/book", ALICE).status == 403  # type: ignore[union-attr]
    assert faults.http("GET", "/book", BOB) is None


def test_the_first_rule_that_matches_and_fires_decides() -> None:
    faults = _faults(_rule(kind="status", status=425, path="/order"), _rule(kind="status", status=500, path="/*"))
    assert faults.http("POST", "/order", None).status == 425  # type: ignore[union-attr]
    assert faults.http("GET", "/book", None).status == 500  # type: ignore[union-attr]


def test_a_rule_with_a_count_fires_that_many_times_then_removes_itself() -> None:
    faults = _faults(_rule(kind="drop", path="/order", count=2), _rule(kind="delay", delay_ms=5))
    first, second, third = (faults.http("POST", "/order", None) for _ in range(3))
    assert (first.kind, second.kind, third.kind) == ("drop", "drop", "delay")  # type: ignore[union-attr]
    assert [active.rule.kind for active in faults.rules()] == ["delay"]


def test_listing_shows_what_a_rule_has_left_and_how_often_it_fired() -> None:
    faults = _faults(_rule(kind="drop", path="/order", count=3), _rule(kind="drop", path="/x"))
    faults.http("POST", "/order", None)
    assert [active.view() for active in faults.rules()] == [
        {"id": 1, "kind": "drop", "path": "/order", "count": 3, "fired": 1, "left": 2},
        {"id": 2, "kind": "drop", "path": "/x", "fired": 0},
    ]


def test_a_probability_miss_does_not_use_up_the_count_and_lets_the_next_rule_try() -> None:
    faults = _faults(_rule(kind="drop", probability=0.5, count=1_000), _rule(kind="delay", delay_ms=1))
    kinds = [faults.http("GET", "/book", None).kind for _ in range(200)]  # type: ignore[union-attr]
    drops = kinds.count("drop")
    assert 0 < drops < 200 and kinds.count("delay") == 200 - drops
    assert faults.rules()[0].left == 1_000 - drops


def test_the_same_seed_repeats_the_draws_and_another_seed_does_not() -> None:
    def firings(seed: int) -> list[bool]:
        faults = _faults(_rule(kind="drop", probability=0.3), seed=seed)
        return [faults.http("GET", "/book", None) is not None for _ in range(64)]

    assert firings(42) == firings(42)
    assert firings(42) != firings(43)


def test_a_rule_of_probability_one_draws_nothing_so_it_does_not_shift_the_others() -> None:
    def firings(*extra: Rule) -> list[bool]:
        faults = _faults(*extra, _rule(kind="drop", path="/book", probability=0.3), seed=5)
        for _ in range(10):
            faults.http("GET", "/time", None)
        return [faults.http("GET", "/book", None) is not None for _ in range(64)]

    assert firings() == firings(_rule(kind="status", status=500, path="/time"))


def test_probability_zero_never_fires() -> None:
    faults = _faults(_rule(kind="drop", probability=0))
    assert all(faults.http("GET", "/book", None) is None for _ in range(100))


def test_removing_and_clearing_take_rules_out_of_force() -> None:
    faults = _faults(_rule(kind="drop", path="/a"), _rule(kind="drop", path="/b"), _rule(kind="drop", path="/c"))
    assert faults.remove(2) is not None and faults.remove(2) is None
    assert faults.http("GET", "/b", None) is None and faults.http("GET", "/a", None) is not None
    assert [active.id for active in faults.clear()] == [1, 3]
    assert faults.rules() == [] and faults.http_rules == ()


def test_rules_are_sorted_by_where_they_act_and_nothing_is_in_force_at_first() -> None:
    faults = _faults()
    assert faults.http_rules == faults.key_rules == faults.socket_rules == ()
    faults.add(_rule(kind="new_key_delay", delay_ms=10), now_ms=0)
    faults.add(_rule(kind="ws_disconnect", channel="user"), now_ms=0)
    assert (len(faults.http_rules), len(faults.key_rules), len(faults.socket_rules)) == (0, 1, 1)
    assert faults.http("GET", "/book", None) is None


def test_no_more_than_the_limit_of_rules_is_in_force() -> None:
    faults = _faults(_rule(kind="drop"), max_rules=1)
    with pytest.raises(TooManyRules, match="at most 1"):
        faults.add(_rule(kind="drop"), now_ms=0)
    assert len(faults.rules()) == 1


def test_new_key_delay_refuses_keys_created_since_it_was_added_until_they_are_old_enough() -> None:
    faults = _faults()
    faults.add(_rule(kind="new_key_delay", delay_ms=1_000), now_ms=5_000)
    assert faults.key_refused("GET", "/data/orders", ALICE, created_at_ms=4_999, now_ms=5_100) is None  # older key
    assert faults.key_refused("GET", "/data/orders", ALICE, created_at_ms=5_000, now_ms=5_999) is not None
    assert faults.key_refused("GET", "/data/orders", ALICE, created_at_ms=5_000, now_ms=6_000) is None
    assert faults.rules()[0].fired == 1


def test_new_key_delay_matches_like_any_rule() -> None:
    faults = _faults()
    faults.add(_rule(kind="new_key_delay", delay_ms=1_000, address=ALICE, path="/order"), now_ms=0)
    assert faults.key_refused("POST", "/order", BOB, created_at_ms=0, now_ms=1) is None
    assert faults.key_refused("GET", "/data/orders", ALICE, created_at_ms=0, now_ms=1) is None
    assert faults.key_refused("POST", "/order", ALICE, created_at_ms=0, now_ms=1) is not None


def test_a_socket_rule_matches_its_channel_and_the_user_channel_owner() -> None:
    faults = _faults(_rule(kind="ws_disconnect", channel="user", address=ALICE, count=1))
    assert faults.socket("market", None) is None
    assert faults.socket("user", BOB) is None
    found = faults.socket("user", ALICE)
    assert found is not None and found.fired == 1
    assert faults.socket("user", ALICE) is None  # its one firing is used


def test_a_rules_file_is_a_json_list_of_checked_rules() -> None:
    rules = load_rules(b'[{"kind": "status", "status": 425, "path": "/order", "count": 1}, {"kind": "drop"}]')
    assert [rule.kind for rule in rules] == ["status", "drop"]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"{}", "expected a JSON list of rules"),
        (b"[", "expected a JSON list of rules"),
        (b'[{"kind": "drop"}, {"kind": "status"}]', "rule 2: status is required for kind status"),
        (b'[{"kind": "drop", "count": -1}]', r"rule 1: Expected `int` >= 1 - at `\$.count`"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_rule_and_field(data: bytes, named: str) -> None:
    with pytest.raises(InvalidRule, match=named):
        load_rules(data)


def test_the_rules_hook_hears_every_change_and_a_follower_takes_the_same_rules() -> None:
    leader, follower = Faults(1, 10), Faults(2, 10)
    heard: list[list[int]] = []
    leader.on_change.append(lambda rules: heard.append([active.id for active in rules]))
    leader.on_change.append(follower.follow)
    first = leader.add(check(Rule(kind="status", status=503, count=1)), 0)
    second = leader.add(check(Rule(kind="ws_disconnect", channel="user")), 0)
    assert [a.id for a in follower.rules()] == [first.id, second.id]
    assert follower.http_rules and follower.socket_rules
    assert leader.http("GET", "/book", None) is not None  # its count used up: it removes itself
    leader.remove(second.id)
    assert heard == [[first.id], [first.id, second.id], [second.id], []] and follower.rules() == []


def test_firings_counted_elsewhere_use_up_a_count() -> None:
    faults = Faults(1, 10)
    active = faults.add(check(Rule(kind="ws_disconnect", channel="market", count=3)), 0)
    faults.count_firings(active.id, 2)
    assert (active.fired, active.left, faults.fired) == (2, 1, {"ws_disconnect": 2})
    faults.count_firings(active.id, 1)
    assert faults.rules() == [] and faults.fired == {"ws_disconnect": 3}
    faults.count_firings(active.id, 1)  # a rule gone: nothing more to count
    assert faults.fired == {"ws_disconnect": 3}
