"""cli.py: `openclob admin rate-limit-tier` calls the admin API, and `serve --rate-limits` reaches the settings."""

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
