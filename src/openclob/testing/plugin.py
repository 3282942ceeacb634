"""The pytest plugin: a session-wide `openclob serve` for a bot's tests (docs/testing.md).

pytest loads it in every session of anyone who installed openclob, so it costs nothing unless a test asks
for `openclob_server`: it imports the server's code only then, starts no process before, and resets the
server after a test only when the session server runs and the test used it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from openclob.testing.server import OpenClobServer

_SESSION_SERVER = pytest.StashKey["OpenClobServer"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--openclob-db URL` and the ini option `openclob_server_args`."""
    group = parser.getgroup("openclob", "openclob test server (openclob_server fixture)")
    group.addoption(
        "--openclob-db",
        metavar="URL",
        default=None,
        help="database of the session's openclob server, e.g. postgresql://user@host/db (default: SQLite in a "
        "temporary directory)",
    )
    parser.addini(
        "openclob_server_args",
        type="args",
        default=[],
        help="more `openclob serve` flags for the session's openclob server, e.g. --clock frozen",
    )


@pytest.fixture(scope="session")
def openclob_server_args(pytestconfig: pytest.Config) -> list[str]:
    """More `openclob serve` flags for the session server: the ini option `openclob_server_args`, unless a
    conftest.py overrides this fixture (session-scoped) to compute them."""
    return list(pytestconfig.getini("openclob_server_args"))


@pytest.fixture(scope="session")
def openclob_server(
    pytestconfig: pytest.Config, openclob_server_args: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenClobServer]:
    """A running `openclob serve` for the whole session (its data directory and log under pytest's basetemp),
    stopped at the end. After each test that used it, its fault rules are cleared and its clock runs again."""
    from openclob.testing.server import OpenClobServer

    db = pytestconfig.getoption("openclob_db")
    with OpenClobServer(data_dir=tmp_path_factory.mktemp("openclob"), db=db, args=openclob_server_args) as server:
        pytestconfig.stash[_SESSION_SERVER] = server
        try:
            yield server
        finally:
            del pytestconfig.stash[_SESSION_SERVER]


@pytest.fixture(autouse=True)
def _openclob_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the session server, undo what it left: no fault rule, the clock running."""
    yield
    server = request.config.stash.get(_SESSION_SERVER, None)
    if server is not None and "openclob_server" in request.fixturenames:
        server.reset()
