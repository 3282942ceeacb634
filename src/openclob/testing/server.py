"""A throwaway `openclob serve` for a bot's tests, with the operator's hands on it.

The server runs as a child process of the test's own interpreter (`sys.executable -m openclob.cli serve`), so
in the bot's environment, on a loopback port the OS picks (`--port 0`; a restart takes the same one again),
with a data directory of its own (temporary unless given) and an admin token made for it. Its output goes to
`openclob.log` in the data directory. It counts as started once it prints the URL it serves on (after
recovering its store) and `GET /ready` answers 200 (as `GET /ok` does, but never faulted); a server that exits
or does not get there in time raises `ServerStartError` with the tail of its log.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from openclob.testing.admin import AdminClient, Clock, Faults
from openclob.testing.wallet import Wallet, new_private_key

SERVING = re.compile(r"openclob serving on (http://[^\s\"]+)")
"""The line `openclob serve` prints once it serves (cli.py, `_announce`)."""
LOG_TAIL_LINES = 40
POLL_SECONDS = 0.02
DEFAULT_FUNDS = "1000"


class ServerStartError(RuntimeError):
    """`openclob serve` did not start; the message ends with the tail of its log."""


class OpenClobServer:
    """A running `openclob serve` for tests: a context manager (`with OpenClobServer() as server:`), or
    `start()` and `close()`.

    `data_dir`: kept if given, else a temporary directory removed by `close()`. `db`: a database URL
    (`--db`), default SQLite in the data directory. `args`: more `openclob serve` flags, e.g. `["--clock",
    "frozen", "--settlement-delay-ms", "5000"]` (the host, port, data directory, database and admin token
    are this object's). `port`: 0 (the default) lets the OS pick. `start_timeout` and `stop_timeout`: seconds.
    """

    def __init__(
        self,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        db: str | None = None,
        args: Sequence[str] = (),
        port: int = 0,
        start_timeout: float = 30.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.admin_token = secrets.token_urlsafe(32)
        self.db = db
        self.args = tuple(args)
        self.port = port
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._given_dir = None if data_dir is None else Path(data_dir)
        self._own_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: AdminClient | None = None
        self._started_frozen: bool | None = None
        """Whether the clock was frozen when it first started (what `reset` puts back)."""

    # ------------------------------------------------------------ where it is

    @property
    def data_dir(self) -> Path:
        """Its data directory (made at the first start when not given)."""
        directory = self._given_dir or self._own_dir
        if directory is None:
            raise RuntimeError("the server has not been started")
        return directory

    @property
    def log_path(self) -> Path:
        """Where its output goes."""
        return self.data_dir / "openclob.log"

    @property
    def url(self) -> str:
        """The REST host for the clients, e.g. `http://127.0.0.1:41234` (`ClobClient(url, ...)`)."""
        if not self.port:
            raise RuntimeError("the server has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket base: `{ws_url}/market` and `{ws_url}/user` are the two channels."""
        return "ws" + self.url.removeprefix("http") + "/ws"

    @property
    def running(self) -> bool:
        """Whether its process is alive."""
        return self._process is not None and self._process.poll() is None

    # ------------------------------------------------------------ its life

    def start(self) -> None:
        """Start the server and wait until it serves (no-op if it runs)."""
        if self.running:
            return
        if self._given_dir is None and self._own_dir is None:
            self._own_dir = Path(tempfile.mkdtemp(prefix="openclob-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "openclob.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--data-dir", str(self.data_dir), *(("--db", self.db) if self.db else ()), *self.args,
        ]  # fmt: skip
        env = {**os.environ, "OPENCLOB_ADMIN_TOKEN": self.admin_token}  # (not in argv, where `ps` shows it)
        with self.log_path.open("ab") as log:
            log_offset = log.tell()
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        try:
            self.port = self._wait_until_serving(self._process, log_offset)
        except BaseException:
            self.stop()
            raise
        self._admin = AdminClient(self.url, self.admin_token)
        if self._started_frozen is None:
            self._started_frozen = self.clock.frozen()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `stop_timeout`); its data directory stays."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop and start again on the same port and store, as after a crash or a deploy: what was durable is
        there again (while it recovers, requests get 425; `restart` returns once it serves)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its data directory if it made it."""
        self.stop()
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None

    def reset(self) -> None:
        """Undo what a test may have left: start the server if it was stopped, clear every fault rule, and
        let the clock run again (or freeze it again, if it started frozen). Time never goes back."""
        self.start()
        self.faults.clear()
        if self.clock.frozen() != self._started_frozen:
            if self._started_frozen:
                self.clock.freeze()
            else:
                self.clock.unfreeze()

    def __enter__(self) -> OpenClobServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------ the operator's hands

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin API (README: Operating it), e.g. `admin("POST", "/admin/split", {"address": ...,
        "condition_id": ..., "amount": "50"})`; raise AdminError with the status and message unless 200."""
        return self._client().request(method, path, body)

    @property
    def faults(self) -> Faults:
        """Fault rules: `add(**rule)`, `list()`, `remove(id)`, `clear()`."""
        return Faults(self._client())

    @property
    def clock(self) -> Clock:
        """The exchange clock: `now_ms()`, `frozen()`, `advance(ms)`, `freeze()`, `unfreeze()`."""
        return Clock(self._client())

    def create_market(self, question: str, **fields: Any) -> dict[str, Any]:
        """List a binary market (fields of POST /admin/markets: `tick_size="0.01"`, `min_order_size="5"`,
        `neg_risk`, `fee_rate_bps`, ...); return it as GET /markets/{condition_id} shows it, with its
        `condition_id` and `tokens` (`[0]` is YES)."""
        market: dict[str, Any] = self.admin("POST", "/admin/markets", {"question": question, **fields})
        return market

    def fund(self, address: str, amount: str | int | Decimal) -> dict[str, Any]:
        """Deposit `amount` collateral, in whole units (a decimal string with at most 6 decimals, such as
        "12.5", or an int; negative withdraws); return the address's collateral balance as the server
        answers it."""
        if isinstance(amount, bool) or not isinstance(amount, str | int | Decimal):
            raise TypeError(f"amount: a decimal string or an int of whole units, not {type(amount).__name__}")
        body = {"address": address, "asset": "COLLATERAL", "amount": str(amount)}
        balance: dict[str, Any] = self.admin("POST", "/admin/balances", body)
        return balance

    def new_wallet(self, funds: str | int | Decimal = DEFAULT_FUNDS) -> Wallet:
        """A fresh private key and its address, with `funds` collateral deposited (0: none)."""
        private_key, address = new_private_key()
        if not _is_zero(funds):
            self.fund(address, funds)
        return Wallet(private_key=private_key, address=address, funds=str(funds))

    # ------------------------------------------------------------ helpers

    def _client(self) -> AdminClient:
        if self._admin is None:
            raise RuntimeError("the server is not running")
        return self._admin

    def _wait_until_serving(self, process: subprocess.Popen[bytes], log_offset: int) -> int:
        """Wait for the line naming the URL, then for the server to answer 200; return the port."""
        deadline = time.monotonic() + self.start_timeout
        url = None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerStartError(f"openclob serve exited with {process.returncode}{self._log_tail()}")
            if url is None:
                with self.log_path.open("rb") as log:
                    log.seek(log_offset)
                    found = SERVING.search(log.read().decode(errors="replace"))
                url = None if found is None else found.group(1)
            if url is not None and _ready(url):
                return int(url.rsplit(":", 1)[1])
            time.sleep(POLL_SECONDS)
        raise ServerStartError(f"openclob serve did not start within {self.start_timeout} s{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        except OSError:
            lines = []
        return f"; the end of {self.log_path}:\n" + "\n".join(lines)


def _is_zero(amount: str | int | Decimal) -> bool:
    try:
        return Decimal(str(amount)) == 0
    except InvalidOperation:  # not a number: `fund` gets the server's message for it
        return False


def _ready(url: str) -> bool:
    """Whether GET /ready answers 200: as GET /ok does (425 while recovering), but never faulted, so that a
    `--faults` file cannot hold up the start."""
    try:
        return httpx.get(url + "/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
