"""cli.py: `openclob admin rate-limit-tier` and `clock` call the admin API; `serve` flags reach the settings."""

from __future__ import annotations

import pytest

from openclob.cli import _admin_request, _parser

ADDRESS = "0x" + "ab" * 20


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
