"""`openclob serve` and `openclob admin` as an operator meets them: one clear line for every startup error, one
server per data directory and database, and a stop that always stops."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.e2e.conftest import ADMIN_TOKEN, fresh_postgres_database, start_server

START_TIMEOUT_S = 30


def _openclob(*args: str, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openclob.cli", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_second_server_on_the_same_data_directory_exits_naming_the_first(tmp_path: Path) -> None:
    first = start_server(tmp_path / "data")
    try:
        result = _openclob("serve", "--data-dir", str(tmp_path / "data"), "--port", "0")
        assert result.returncode == 1
        line = _one_line(result)
        assert line.startswith(f"openclob: the data directory {tmp_path / 'data'} is in use by another openclob")
        assert f"pid {first.process.pid}" in line and first.url in line
        assert httpx.get(first.url + "/ok").status_code == 200  # the first is untouched
    finally:
        first.stop()
    restarted = start_server(tmp_path / "data")  # the lock went with the first
    restarted.stop()


def test_a_second_server_on_the_same_sqlite_file_exits_naming_the_first(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    first = start_server(tmp_path / "one", "--db", database)
    try:
        result = _openclob("serve", "--data-dir", str(tmp_path / "two"), "--db", database, "--port", "0")
        assert result.returncode == 1
        line = _one_line(result)
        assert f"the database {tmp_path / 'shared.db'} is in use by another openclob" in line
        assert f"pid {first.process.pid}" in line
    finally:
        first.stop()


def test_a_second_server_on_the_same_postgres_database_exits_naming_the_first(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        first = start_server(tmp_path / "one", "--db", url)
        try:
            result = _openclob("serve", "--data-dir", str(tmp_path / "two"), "--db", url, "--port", "0")
            assert result.returncode == 1
            line = _one_line(result)
            assert "the PostgreSQL database openclob_e2e_" in line and "is in use by another openclob" in line
            assert f"pid {first.process.pid}" in line and first.url in line
        finally:
            first.stop()


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://openclob:hunter2@127.0.0.1:{port}/nowhere"
    result = _openclob("serve", "--data-dir", str(tmp_path), "--db", url, "--port", "0")
    assert result.returncode == 1
    line = _one_line(result)
    assert line.startswith(f"openclob: cannot open the database postgresql://openclob:***@127.0.0.1:{port}/nowhere:")
    assert "hunter2" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--db", "mysql://localhost/db"), "openclob: cannot open the database mysql://localhost/db: unsupported"),
        (("--port", "70000"), "openclob serve: error: argument --port: a port is a number from 0 to 65535"),
        (("--stop-timeout", "-1"), "openclob serve: error: argument --stop-timeout: expected seconds"),
    ],
)
def test_bad_flags_are_one_line(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    result = _openclob("serve", "--data-dir", str(tmp_path), *args)
    assert result.returncode in (1, 2)
    assert _one_line(result).startswith(expected)


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _openclob("serve", "--data-dir", str(tmp_path), "--port", str(port))
    assert result.returncode == 1
    assert _one_line(result) == f"openclob: cannot listen on 127.0.0.1:{port}: Address already in use"


def test_a_data_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    result = _openclob("serve", "--data-dir", str(tmp_path / "file" / "data"), "--port", "0")
    assert result.returncode == 1
    assert _one_line(result).startswith(f"openclob: cannot use the data directory {tmp_path / 'file' / 'data'}:")


def test_admin_without_a_server_or_a_token_is_one_line(tmp_path: Path) -> None:
    no_token = _openclob("admin", "--data-dir", str(tmp_path), "balances", "0x" + "1" * 40)
    assert no_token.returncode == 1
    assert _one_line(no_token).startswith("openclob admin: no admin token: give --token or set $OPENCLOB_ADMIN_TOKEN")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = _openclob("admin", "--url", f"http://127.0.0.1:{port}", "--token", "t", "trading-mode")
    assert unreachable.returncode == 1
    assert _one_line(unreachable).startswith(f"openclob admin: cannot reach the server at http://127.0.0.1:{port}:")


def test_sigterm_stops_a_server_whose_store_hangs(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        server = start_server(tmp_path / "data", "--db", url, "--stop-timeout", "1")
        blocker = psycopg.connect(url)
        try:
            server.admin("POST", "/admin/balances", {"address": "0x" + "2" * 40, "amount": "1"})
            blocker.execute("LOCK TABLE journal IN ACCESS EXCLUSIVE MODE")  # every journal write now waits
            answers: list[int | str] = []

            def deposit() -> None:
                try:
                    response = httpx.post(
                        server.url + "/admin/balances",
                        json={"address": "0x" + "2" * 40, "asset": "COLLATERAL", "amount": "1"},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                        timeout=30,
                    )
                    answers.append(response.status_code)
                except httpx.HTTPError as error:
                    answers.append(type(error).__name__)

            waiting = threading.Thread(target=deposit)
            waiting.start()
            time.sleep(0.5)
            assert answers == []  # the write hangs
            began = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=20)
            assert time.monotonic() - began < 10  # 3 x --stop-timeout at most, with room for a slow machine
            waiting.join(timeout=5)
            assert answers and answers[0] != 200  # the hung deposit was never acknowledged
        finally:
            blocker.close()
            server.stop()


def test_the_database_password_is_never_printed(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        with_password = url.replace("://postgres@", "://postgres:hunter2@", 1)  # trust auth ignores it
        assert "hunter2" in with_password
        server = start_server(tmp_path / "data", "--db", with_password)
        server.stop()
    output = server.log_path.read_text()
    assert "database: " + with_password.replace("hunter2", "***") in output
    assert "hunter2" not in output
