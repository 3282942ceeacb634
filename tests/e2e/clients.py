"""Official-client helpers for the end-to-end tests."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import AssetType, BalanceAllowanceParams
from py_clob_client.exceptions import PolyApiException
from py_clob_client_v2 import ClobClient as ClobClientV2

from tests.e2e.conftest import Server, Wallet, new_wallet


def py_client(server: Server, wallet: Wallet | None = None) -> tuple[ClobClient, Wallet]:
    """A py-clob-client with L2 credentials (created on first use, derived after)."""
    wallet = wallet or new_wallet()
    client = ClobClient(server.url, key=wallet.key, chain_id=137)
    client.set_api_creds(client.create_or_derive_api_creds())
    return client, wallet


def balance(client: ClobClient, token_id: str | None = None) -> int:
    """`client`'s collateral balance, or of `token_id`, in units."""
    if token_id is None:
        params = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    else:
        params = BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token_id)
    return int(client.get_balance_allowance(params)["balance"])


def refusal(call: Any) -> tuple[int, Any]:
    """The status and error message of the PolyApiException that py-clob-client raises for `call()`."""
    with pytest.raises(PolyApiException) as caught:
        call()
    return caught.value.status_code, caught.value.error_msg


def py_v2_client(server: Server, wallet: Wallet | None = None, **options: Any) -> tuple[Timed, Wallet]:
    """A py-clob-client-v2 with L2 credentials, every call timed (see `Timed`)."""
    wallet = wallet or new_wallet()
    client = ClobClientV2(server.url, 137, key=wallet.key, **options)
    client.set_api_creds(client.create_or_derive_api_key())
    return Timed(client), wallet


class Timed:
    """A client whose every method call is timed: `slowest` is the longest (seconds, method name)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.slowest: tuple[float, str] = (0.0, "")

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute):
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                if elapsed > self.slowest[0]:
                    self.slowest = (elapsed, name)

        return timed


def run_node_script(script: Path, args: list[str], timeout_seconds: float, server: Server) -> dict[str, Any]:
    """Run a Node client script against `server` and return the JSON it prints; fail the test, with what the
    script and the server's log said, if it hangs, prints no JSON or reports that it could not run."""
    command = ["node", str(script), *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_seconds, check=False)
    except subprocess.TimeoutExpired as hung:  # e.g. a paginated list that never reaches "LTE="
        pytest.fail(f"{script.name} ran over {timeout_seconds} s:\n{hung.stdout!r}\n{hung.stderr!r}")
    try:
        out: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{script.name} printed no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    if not out["ok"] or done.returncode != 0:
        log = server.log_path.read_text()[-4000:]
        pytest.fail(f"{script.name} could not run (exit {done.returncode}):\n{out['fatal']}\n{done.stderr}\n{log}")
    return out
