from __future__ import annotations

import pytest

from openclob.core.amounts import decimals_of, floor_to_lot, format_ratio, format_units, tick_decimals


@pytest.mark.parametrize(
    ("units", "text"),
    [(3_600_000, "3.6"), (5_000_000, "5"), (555_000, "0.555"), (1, "0.000001"), (0, "0"), (-2_500_000, "-2.5")],
)
def test_format_units_writes_whole_units_without_trailing_zeros(units: int, text: str) -> None:
    assert format_units(units) == text


@pytest.mark.parametrize(
    ("units", "decimals"), [(15_000_000, 0), (9_999_600, 4), (12_820_000, 2), (233_100, 4), (7_564_420, 5), (1, 6)]
)
def test_decimals_of_counts_the_decimals_an_amount_needs(units: int, decimals: int) -> None:
    assert decimals_of(units) == decimals


@pytest.mark.parametrize(("tick", "decimals"), [(100_000, 1), (10_000, 2), (1_000, 3), (100, 4)])
def test_tick_decimals_matches_the_clients_rounding_config(tick: int, decimals: int) -> None:
    assert tick_decimals(tick) == decimals


def test_format_ratio_truncates_a_repeating_price_like_the_server_message() -> None:
    # 20 / 39.2156 collateral per share: a client-built market BUY (client-behaviour.md 6.2)
    assert format_ratio(20_000_000, 39_215_600) == "0.5100011220024684"
    assert format_ratio(3_600_000, 15_000_000) == "0.24"
    assert format_ratio(6, 3) == "2"


def test_floor_to_lot_keeps_whole_hundredths_of_a_share() -> None:
    assert floor_to_lot(39_215_600) == 39_210_000
    assert floor_to_lot(10_000) == 10_000
    assert floor_to_lot(9_999) == 0
