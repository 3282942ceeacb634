"""Fixtures of the example bot's tests, built on openclob's `openclob_server` (pytest plugin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from py_clob_client.client import ClobClient

from openclob.testing import OpenClobServer


@pytest.fixture
def market(openclob_server: OpenClobServer) -> dict[str, Any]:
    """A fresh market for each test: `tokens[0]` is YES, `tokens[1]` NO."""
    return openclob_server.create_market("Will the example bot behave?")


@pytest.fixture
def connect(openclob_server: OpenClobServer) -> Callable[[], ClobClient]:
    """Makes a py-clob-client for a fresh wallet holding 100 collateral, with API credentials, as a bot does."""

    def connect() -> ClobClient:
        wallet = openclob_server.new_wallet(funds=100)
        client = ClobClient(openclob_server.url, key=wallet.private_key, chain_id=137)
        client.set_api_creds(client.create_or_derive_api_creds())
        return client

    return connect
