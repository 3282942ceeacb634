"""testing/server.py and testing/admin.py: `OpenClobServer`, a real `openclob serve` for bots' tests, used
without pytest's plugin, as a context manager or through start, stop, restart and close.

One server serves the module (each test leaves it reset); the tests of starting and stopping get their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openclob.testing import AdminError, OpenClobServer, ServerStartError
from tests.e2e.conftest import fresh_postgres_database

START_MS = 1_600_000_000_000


@pytest.fixture(scope="module")
def served() -> Iterator[OpenClobServer]:
    with OpenClobServer() as server:
        yield server


@pytest.fixture
def server(served: OpenClobServer) -> Iterator[OpenClobServer]:
    try:
        yield served
    finally:
        served.reset()


def _collateral(server: OpenClobServer, address: str) -> str:
    (balance,) = server.admin("GET", f"/admin/balances?address={address}")
    return str(balance["balance"])


def test_new_wallet_is_a_fresh_funded_key_and_fund_takes_whole_units(server: OpenClobServer) -> None:
    wallet = server.new_wallet()
    assert (wallet.funds, _collateral(server, wallet.address)) == ("1000", "1000")
    assert wallet.address != wallet.address.lower() and wallet.private_key != server.new_wallet().private_key
    assert server.fund(wallet.address, "12.5")["balance"] == "1012.5"
    assert server.fund(wallet.address, -12)["balance"] == "1000.5"
    empty = server.new_wallet(funds=0)
    assert server.admin("GET", f"/admin/balances?address={empty.address}") == []
    with pytest.raises(AdminError, match="invalid amount: 'lots'"):
        server.new_wallet(funds="lots")
    with pytest.raises(TypeError, match="decimal string or an int"):
        server.fund(wallet.address, 1.5)  # type: ignore[arg-type]


def test_an_admin_refusal_raises_admin_error_with_the_status_and_the_servers_message(server: OpenClobServer) -> None:
    with pytest.raises(AdminError) as malformed:
        server.faults.add(kind="status", path="/order")
    assert (malformed.value.status, malformed.value.message) == (
        400,
        "invalid fault rule: status is required for kind status",
    )
    with pytest.raises(AdminError) as gone:
        server.faults.remove(12345)
    assert (gone.value.status, gone.value.message) == (404, "fault rule not found")
    with pytest.raises(AdminError) as unknown:
        server.create_market("Which?", outcomes=["A", "B", "C"])
    assert unknown.value.status == 400 and "exactly two outcomes" in str(unknown.value)


def test_faults_add_answers_the_rule_with_its_id_and_remove_and_clear_take_rules_out(server: OpenClobServer) -> None:
    first = server.faults.add(kind="status", status=503, path="/book", count=2)
    rule = {"kind": "status", "path": "/book", "count": 2, "status": 503}
    assert first == {"id": first["id"], **rule, "fired": 0, "left": 2}
    second = server.faults.add(kind="delay", delay_ms=10)
    assert [rule["id"] for rule in server.faults.list()] == [first["id"], second["id"]]
    assert httpx.get(server.url + "/book?token_id=1").status_code == 503
    assert server.faults.remove(first["id"])["fired"] == 1
    assert [rule["kind"] for rule in server.faults.clear()] == ["delay"]
    assert server.faults.list() == []


def test_clock_freezes_advances_and_runs_again(server: OpenClobServer) -> None:
    frozen_at = server.clock.freeze()
    assert server.clock.frozen() and server.clock.now_ms() == frozen_at
    assert server.clock.advance(90_000) == frozen_at + 90_000
    assert httpx.get(server.url + "/time").json() == (frozen_at + 90_000) // 1000
    server.clock.unfreeze()
    assert not server.clock.frozen() and server.clock.now_ms() >= frozen_at + 90_000


def test_reset_starts_a_stopped_server_clears_its_rules_and_lets_its_clock_run(server: OpenClobServer) -> None:
    server.faults.add(kind="drop", path="/book")
    server.clock.freeze()
    server.reset()
    assert server.faults.list() == [] and not server.clock.frozen()
    server.stop()
    assert not server.running
    server.reset()
    assert server.running and httpx.get(server.url + "/ok").status_code == 200


def test_restart_keeps_the_url_the_admin_token_and_what_was_stored(server: OpenClobServer) -> None:
    condition_id = server.create_market("Will it survive a restart?")["condition_id"]
    url, token = server.url, server.admin_token
    server.restart()
    assert (server.url, server.admin_token) == (url, token)
    assert httpx.get(f"{url}/markets/{condition_id}").json()["question"] == "Will it survive a restart?"


def test_args_reach_the_server_and_reset_freezes_again_a_clock_that_started_frozen() -> None:
    with OpenClobServer(args=["--clock", "frozen", "--start-time-ms", str(START_MS)]) as server:
        data_dir = server.data_dir
        assert (server.clock.now_ms(), server.clock.frozen()) == (START_MS, True)
        server.clock.unfreeze()
        server.reset()
        assert server.clock.frozen()
        assert server.ws_url == server.url.replace("http://", "ws://") + "/ws"
    assert not data_dir.exists()  # made for it, removed with it


def test_db_puts_the_store_in_that_database_and_a_given_data_dir_is_kept(tmp_path: Path) -> None:
    with fresh_postgres_database() as url, OpenClobServer(data_dir=tmp_path / "data", db=url) as server:
        assert server.create_market("Where is it kept?")["question"] == "Where is it kept?"
        assert "database: postgresql://" in server.log_path.read_text()
    assert not (tmp_path / "data" / "openclob.db").exists() and (tmp_path / "data" / "openclob.log").exists()


def test_a_server_that_cannot_start_raises_with_the_tail_of_its_log(tmp_path: Path) -> None:
    server = OpenClobServer(data_dir=tmp_path, args=["--order-version", "3", "--order-versions", "1,2"])
    with pytest.raises(ServerStartError) as failed, server:
        pass
    assert "openclob serve exited with 1" in str(failed.value)
    assert "--order-version 3 must be one of --order-versions (1, 2)" in str(failed.value)
    assert not server.running
