"""Official-client helpers for the end-to-end tests."""

from __future__ import annotations

from py_clob_client.client import ClobClient

from tests.e2e.conftest import Server, Wallet, new_wallet


def py_client(server: Server, wallet: Wallet | None = None) -> tuple[ClobClient, Wallet]:
    """A py-clob-client with L2 credentials (created on first use, derived after)."""
    wallet = wallet or new_wallet()
    client = ClobClient(server.url, key=wallet.key, chain_id=137)
    client.set_api_creds(client.create_or_derive_api_creds())
    return client, wallet
