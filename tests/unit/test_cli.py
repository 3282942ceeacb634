"""cli.py: `openclob admin rate-limit-tier`, `admin faults` and `clock` call the admin API; `serve` flags reach the
server and its settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclob.cli import _admin_request, _parser, fault_seed, main, redact_url

ADDRESS = "0x" + "ab" * 20


@pytest.fixture(autouse=True)
def _logging_put_back() -> Iterator[None]:
    """`serve` sets up the process's logging (logs.py): put pytest's back after each test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_rate_limit_tier_with_a_tier_sets_it_and_without_one_reads_it() -> None:
    set_tier = _parser().parse_args(["admin", "rate-limit-tier", ADDRESS, "gold"])
    assert _admin_request(set_tier) == ("PUT", f"/admin/rate-limit-tiers/{ADDRESS}", {"tier": "gold"})
    read = _parser().parse_args(["admin", "rate-limit-tier", ADDRESS])
    assert _admin_request(read) == ("GET", f"/admin/rate-limit-tiers/{ADDRESS}", None)


def test_serve_takes_rate_limits_off_by_default_or_polymarket() -> None:
    assert _parser().parse_args(["serve"]).rate_limits == "off"
    assert _parser().parse_args(["serve", "--rate-limits", "polymarket"]).rate_limits == "polymarket"
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--rate-limits", "cloudflare"])


def test_admin_faults_add_sends_the_given_flags_as_the_rule() -> None:
    flags = ["--kind", "status", "--status", "425", "--path", "/order", "--count", "1", "--probability", "0.5"]
    args = _parser().parse_args(["admin", "faults", "add", *flags, "--body", '{"error": "later"}', "--method", "POST"])
    rule = {"kind": "status", "method": "POST", "path": "/order", "count": 1, "probability": 0.5}
    assert _admin_request(args) == ("POST", "/admin/faults", rule | {"status": 425, "body": {"error": "later"}})
    stall = _parser().parse_args(
        ["admin", "faults", "add", "--kind", "ws_stall", "--channel", "user", "--duration-ms", "500"]
    )
    assert _admin_request(stall) == (
        "POST",
        "/admin/faults",
        {"kind": "ws_stall", "channel": "user", "duration_ms": 500},
    )
    delay = _parser().parse_args(["admin", "faults", "add", "--kind", "new_key_delay", "--delay-ms", "2000"])
    assert _admin_request(delay)[2] == {"kind": "new_key_delay", "delay_ms": 2000}


def test_admin_faults_list_remove_and_clear() -> None:
    assert _admin_request(_parser().parse_args(["admin", "faults", "list"])) == ("GET", "/admin/faults", None)
    assert _admin_request(_parser().parse_args(["admin", "faults", "remove", "3"])) == (
        "DELETE",
        "/admin/faults/3",
        None,
    )
    assert _admin_request(_parser().parse_args(["admin", "faults", "clear"])) == ("DELETE", "/admin/faults", None)


def test_admin_faults_add_refuses_a_body_that_is_not_json_and_an_unknown_kind() -> None:
    for flags in (["--kind", "status", "--body", "{oops"], ["--kind", "explode"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(["admin", "faults", "add", *flags])


def test_serve_takes_a_seed_and_a_rules_file() -> None:
    args = _parser().parse_args(["serve", "--seed", "42", "--faults", "rules.json"])
    assert (args.seed, args.faults) == (42, "rules.json")
    assert _parser().parse_args(["serve"]).seed is None
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--seed", "-1"])


def test_without_a_seed_the_fault_draws_get_a_random_one_that_seed_takes_back() -> None:
    assert fault_seed(42) == 42
    drawn = {fault_seed(None) for _ in range(4)}
    assert len(drawn) > 1
    for seed in drawn:
        assert _parser().parse_args(["serve", "--seed", str(seed)]).seed == seed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the fault rules"),
        ('[{"kind": "status"}]', "invalid fault rules in"),
        ("{", "expected a JSON list of rules"),
    ],
)
def test_a_bad_rules_file_stops_serve_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    rules = tmp_path / "rules.json"
    if content is not None:
        rules.write_text(content)
    assert main(["serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--faults", str(rules)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("openclob: ") and message in error and error.count("\n") == 1
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_admin_clock_reads_the_clock_or_moves_and_freezes_it() -> None:
    assert _admin_request(_parser().parse_args(["admin", "clock"])) == ("GET", "/admin/clock", None)
    moved = _parser().parse_args(["admin", "clock", "--advance-ms", "60000", "--freeze", "true"])
    assert _admin_request(moved) == ("POST", "/admin/clock", {"advance_ms": 60_000, "freeze": True})
    thawed = _parser().parse_args(["admin", "clock", "--freeze", "false"])
    assert _admin_request(thawed) == ("POST", "/admin/clock", {"freeze": False})
    with pytest.raises(SystemExit):
        _parser().parse_args(["admin", "clock", "--advance-ms", "-5"])


def test_serve_takes_the_clock_and_settlement_flags() -> None:
    defaults = _parser().parse_args(["serve"])
    assert (defaults.clock, defaults.start_time_ms, defaults.proceeds_available_at) == (None, None, "matched")
    args = ["serve", "--clock", "frozen", "--start-time-ms", "1700000000000", "--proceeds-available-at", "mined"]
    given = _parser().parse_args([*args, "--settlement-delay-ms", "5000"])
    assert (given.clock, given.start_time_ms, given.proceeds_available_at, given.settlement_delay_ms) == (
        "frozen",
        1_700_000_000_000,
        "mined",
        5_000,
    )
    for wrong in (["--clock", "fast"], ["--proceeds-available-at", "confirmed"], ["--settlement-delay-ms", "-1"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(["serve", *wrong])


def test_admin_events_conversions_and_redemptions_call_their_routes() -> None:
    def request(*argv: str) -> object:
        return _admin_request(_parser().parse_args(["admin", *argv]))

    listing = {"title": "Who?", "outcomes": ["A", "B", "C"], "neg_risk": True, "end_date_iso": "2030-01-01T00:00:00Z"}
    assert request("create-event", "Who?", "A", "B", "C", "--neg-risk", "--end-date", "2030-01-01T00:00:00Z") == (
        "POST",
        "/admin/events",
        listing,
    )
    assert request("events") == ("GET", "/admin/events", None)
    conversion = {"address": ADDRESS, "event_id": "1", "index_set": 3, "amount": "10"}
    assert request("convert", ADDRESS, "1", "3", "10") == ("POST", "/admin/convert", conversion)
    condition = "0x" + "cd" * 32
    redemption = {"address": ADDRESS, "condition_id": condition}
    assert request("redeem", ADDRESS, condition) == ("POST", "/admin/redeem", redemption)


def test_serve_takes_auto_redeem_and_user_conversions_off_by_default() -> None:
    defaults = _parser().parse_args(["serve"])
    assert (defaults.auto_redeem, defaults.user_conversions) == (False, False)
    given = _parser().parse_args(["serve", "--auto-redeem", "--user-conversions"])
    assert (given.auto_redeem, given.user_conversions) == (True, True)


def test_serve_with_a_bad_recording_stops_in_one_line_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "bad.jsonl"
    recording.write_text('{"event_type": "book", "asset_id": "1"}\n')
    args = ["serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--replay", str(recording)]
    assert main(args) == 1
    assert capsys.readouterr().err == f"openclob: cannot replay {recording}: line 1: bids: missing\n"


def test_replay_speed_record_and_inspect_flags_are_checked() -> None:
    assert _parser().parse_args(["serve", "--replay", "r.jsonl", "--replay-speed", "2.5"]).replay_speed == 2.5
    for bad in (["serve", "--replay-speed", "-1"], ["inspect", "--at", "x"], ["record", "--url", "ws://h"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(bad)
    record = _parser().parse_args(["record", "--url", "ws://h/ws/market", "--assets", "1,2", "--out", "f"])
    assert (record.rest_url, record.seconds) == (None, None)


def test_redact_url_blanks_passwords_and_keeps_urls_without_one_as_given() -> None:
    assert redact_url("postgresql://u:hunter2@h/db") == "postgresql://u:***@h/db"
    assert redact_url("postgresql://u@h/db?password=hunter2&x=1") == "postgresql://u@h/db?password=***&x=1"
    assert redact_url("sqlite:////tmp/openclob/s.db") == "sqlite:////tmp/openclob/s.db"
    assert redact_url("sqlite:///relative.db") == "sqlite:///relative.db"


def test_admin_simulate_sends_the_given_flags_and_lists_and_stops() -> None:
    condition = "0x" + "c1" * 32
    args = _parser().parse_args(
        ["admin", "simulate", condition, "--seed", "7", "--takers", "5", "--volatility", "0.3", "--jump-rate", "2"]
    )
    assert _admin_request(args) == (
        "POST",
        "/admin/simulations",
        {"condition_id": condition, "seed": 7, "takers": 5, "fair_value": {"volatility": 0.3, "jump_rate": 2.0}},
    )
    plain = _parser().parse_args(["admin", "simulate", condition])
    assert _admin_request(plain) == ("POST", "/admin/simulations", {"condition_id": condition})
    assert _admin_request(_parser().parse_args(["admin", "simulations"])) == ("GET", "/admin/simulations", None)
    stop = _parser().parse_args(["admin", "stop-simulation", "12"])
    assert _admin_request(stop) == ("DELETE", "/admin/simulations/12", None)


def test_serve_logs_as_text_without_access_lines_and_serves_metrics_by_default() -> None:
    args = _parser().parse_args(["serve"])
    assert (args.log_format, args.access_log, args.metrics, args.log_level) == ("text", False, "on", "warning")
    args = _parser().parse_args(["serve", "--log-format", "json", "--access-log", "--metrics", "off"])
    assert (args.log_format, args.access_log, args.metrics) == ("json", True, "off")
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--log-format", "xml"])
