"""The exchange contracts the official clients sign orders for, per chain: the EIP-712 verifyingContract.

Unpatched clients hard-code these addresses per chainId, so a server that accepts their orders has to hash
under the same ones. A deployment with its own contracts passes its addresses to the digest functions instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

POLYGON_CHAIN_ID = 137
AMOY_CHAIN_ID = 80002


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeContracts:
    """The V1 and V2 exchange and neg-risk exchange addresses of one chain, and the V3 exchange (one for
    both market kinds, per @polymarket/clob-client-v2 1.1.0 and py-clob-client-v2 1.2.1), checksummed as
    published."""

    exchange_v1: str
    neg_risk_exchange_v1: str
    exchange_v2: str
    neg_risk_exchange_v2: str
    exchange_v3: str


EXCHANGE_CONTRACTS: Mapping[int, ExchangeContracts] = MappingProxyType(
    {
        POLYGON_CHAIN_ID: ExchangeContracts(
            exchange_v1="0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E",
            neg_risk_exchange_v1="0xC5d563A36AE78145C45a50134d48A1215220f80a",
            exchange_v2="0xE111180000d2663C0091e4f400237545B87B996B",
            neg_risk_exchange_v2="0xe2222d279d744050d28e00520010520000310F59",
            exchange_v3="0xe3333700cA9d93003F00f0F71f8515005F6c00Aa",
        ),
        AMOY_CHAIN_ID: ExchangeContracts(
            exchange_v1="0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40",
            # The TS clients (V1 and V2) use this address; py-clob-client 0.34.6 uses the one below instead.
            neg_risk_exchange_v1="0xC5d563A36AE78145C45a50134d48A1215220f80a",
            exchange_v2="0xE111180000d2663C0091e4f400237545B87B996B",
            neg_risk_exchange_v2="0xe2222d279d744050d28e00520010520000310F59",
            exchange_v3="0x9fE6e61422AdB6F610d8597F9684b16912D50C3D",
        ),
    }
)

# py-clob-client's Amoy neg-risk V1 exchange (equal to the neg-risk adapter's address): the clients disagree,
# and a server on Amoy may try both.
AMOY_NEG_RISK_EXCHANGE_V1_PY = "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296"


def verifying_contract(chain_id: int, version: int, neg_risk: bool) -> str:
    """Return the exchange address that orders of this version and market kind are signed for."""
    contracts = EXCHANGE_CONTRACTS.get(chain_id)
    if contracts is None:
        raise ValueError(f"no exchange contracts known for chain id {chain_id}")
    if version == 1:
        return contracts.neg_risk_exchange_v1 if neg_risk else contracts.exchange_v1
    if version == 2:
        return contracts.neg_risk_exchange_v2 if neg_risk else contracts.exchange_v2
    if version == 3:
        return contracts.exchange_v3
    raise ValueError(f"unsupported order version {version}")


def accepted_verifying_contracts(chain_id: int, version: int, neg_risk: bool) -> tuple[str, ...]:
    """Return every address some official client signs for, the one `verifying_contract` picks first."""
    primary = verifying_contract(chain_id, version, neg_risk)
    if chain_id == AMOY_CHAIN_ID and version == 1 and neg_risk:
        return (primary, AMOY_NEG_RISK_EXCHANGE_V1_PY)
    return (primary,)
