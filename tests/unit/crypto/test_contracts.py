from __future__ import annotations

from typing import Any

import pytest

from openclob.crypto import AMOY_CHAIN_ID, POLYGON_CHAIN_ID, accepted_verifying_contracts, verifying_contract


def test_verifying_contract_for_v1_vector_order_equals_client_domain(v1_order_case: dict[str, Any]) -> None:
    contract = verifying_contract(POLYGON_CHAIN_ID, 1, v1_order_case["inputs"]["neg_risk"])

    assert contract == v1_order_case["domain"]["verifyingContract"]


def test_verifying_contract_for_v2_vector_order_equals_client_domain(v2_order_case: dict[str, Any]) -> None:
    contract = verifying_contract(POLYGON_CHAIN_ID, 2, v2_order_case["inputs"]["neg_risk"])

    assert contract == v2_order_case["domain"]["verifyingContract"]


@pytest.mark.parametrize(
    ("chain_id", "version", "neg_risk", "expected"),
    [
        (POLYGON_CHAIN_ID, 1, False, "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E"),
        (POLYGON_CHAIN_ID, 1, True, "0xC5d563A36AE78145C45a50134d48A1215220f80a"),
        (POLYGON_CHAIN_ID, 2, False, "0xE111180000d2663C0091e4f400237545B87B996B"),
        (POLYGON_CHAIN_ID, 2, True, "0xe2222d279d744050d28e00520010520000310F59"),
        (AMOY_CHAIN_ID, 1, False, "0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40"),
        (AMOY_CHAIN_ID, 1, True, "0xC5d563A36AE78145C45a50134d48A1215220f80a"),
        (AMOY_CHAIN_ID, 2, False, "0xE111180000d2663C0091e4f400237545B87B996B"),
        (AMOY_CHAIN_ID, 2, True, "0xe2222d279d744050d28e00520010520000310F59"),
        (POLYGON_CHAIN_ID, 3, False, "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"),
        (POLYGON_CHAIN_ID, 3, True, "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"),
        (AMOY_CHAIN_ID, 3, False, "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D"),
    ],
)
def test_verifying_contract_for_chain_version_and_market_kind_equals_reference_table(
    chain_id: int, version: int, neg_risk: bool, expected: str
) -> None:
    assert verifying_contract(chain_id, version, neg_risk) == expected


def test_accepted_verifying_contracts_for_amoy_neg_risk_v1_includes_both_client_addresses() -> None:
    assert accepted_verifying_contracts(AMOY_CHAIN_ID, 1, True) == (
        "0xC5d563A36AE78145C45a50134d48A1215220f80a",
        "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
    )
    assert accepted_verifying_contracts(POLYGON_CHAIN_ID, 1, True) == ("0xC5d563A36AE78145C45a50134d48A1215220f80a",)


@pytest.mark.parametrize(("chain_id", "version"), [(1, 1), (POLYGON_CHAIN_ID, 4), (POLYGON_CHAIN_ID, 0)])
def test_verifying_contract_for_unknown_chain_or_version_raises_value_error(chain_id: int, version: int) -> None:
    with pytest.raises(ValueError):
        verifying_contract(chain_id, version, False)
