"""testing/plugin.py: the pytest plugin as a bot developer meets it, pytest run in a subprocess so that the plugin
is loaded through its entry point (pytest11) as it is for anyone who installs openclob.

tests/example_bot/ is such a developer's project: a small bot and its tests, which use only the plugin's
fixtures, openclob.testing and py-clob-client.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE_BOT = Path(__file__).parent.parent / "example_bot"
TIMEOUT_SECONDS = 180
NO_SERVER_DB = "postgresql://nobody@127.0.0.1:1/nothing"
"""A database no server could open: a session given it passes only if it starts no server."""


def _pytest(project: Path, *args: str) -> tuple[int, str]:
    """Run pytest in `project` as its developer would; return the exit code and what it printed."""
    # (schemathesis, installed for this suite, is a plugin a bot's environment would not have; it takes
    # seconds to load)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:schemathesis", *args]
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    return done.returncode, done.stdout + done.stderr


def _project(directory: Path, **files: str) -> Path:
    directory.mkdir()
    (directory / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    for name, text in files.items():
        (directory / f"{name}.py").write_text(text)
    return directory


def test_the_example_bot_project_passes_on_one_session_server_with_the_flags_of_its_ini(tmp_path: Path) -> None:
    project = tmp_path / "example_bot"
    shutil.copytree(EXAMPLE_BOT, project, ignore=shutil.ignore_patterns("__pycache__"))
    code, out = _pytest(project, "--setup-show", "--basetemp", str(tmp_path / "basetemp"))
    assert code == 0, out
    assert "4 passed" in out
    assert out.count("SETUP    S openclob_server ") == 1, out  # (not openclob_server_args)
    (log,) = {path.resolve() for path in (tmp_path / "basetemp").glob("openclob*/openclob.log")}  # (and a link)
    assert "seed 7 " in log.read_text()  # openclob_server_args = ["--seed", "7"]


RESET = """
from openclob.testing import OpenClobServer


def test_1_leaves_a_rule_and_a_frozen_clock(openclob_server: OpenClobServer) -> None:
    openclob_server.faults.add(kind="delay", delay_ms=1)
    openclob_server.clock.freeze()


def test_2_finds_neither(openclob_server: OpenClobServer) -> None:
    assert openclob_server.faults.list() == [] and not openclob_server.clock.frozen()


def test_3_leaves_a_rule_through_a_fixture_it_asked_for_by_name(request) -> None:
    request.getfixturevalue("openclob_server").faults.add(kind="delay", delay_ms=1)


def test_4_finds_none(openclob_server: OpenClobServer) -> None:
    assert openclob_server.faults.list() == []
"""


def test_the_session_server_loses_the_rules_and_the_frozen_clock_a_test_left(tmp_path: Path) -> None:
    code, out = _pytest(_project(tmp_path / "project", test_reset=RESET))
    assert code == 0, out
    assert "4 passed" in out


def test_a_session_that_does_not_use_the_fixtures_starts_no_server(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", test_plain="def test_plain() -> None:\n    assert True\n")
    code, out = _pytest(project, "--setup-show", "--openclob-db", NO_SERVER_DB, "--basetemp", str(tmp_path / "base"))
    assert code == 0, out
    assert "1 passed" in out and "openclob_server" not in out
    assert not (tmp_path / "base").exists() or list((tmp_path / "base").glob("openclob*")) == []
