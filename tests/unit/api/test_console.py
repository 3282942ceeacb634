"""api/console.py: the web console's files, served from the package, past the recovery gate; and the rules the
console's code keeps (data reaches the page as text only, every module it imports ships, pyproject installs it)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from openclob.api import console
from openclob.api.app import OpenClobApp
from openclob.assembly import build_app
from openclob.config import Settings
from openclob.service import Service, Status
from tests.unit.api.conftest import FakeStore

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
FOLDER = ROOT / "src" / "openclob" / "console"
IMPORT = re.compile(r"""^import .* from "\./([a-z]+\.js)";$""", re.MULTILINE)


def _app(status: Status) -> OpenClobApp:
    app = build_app(Service(FakeStore(), Settings()), master_secret=b"x" * 32, admin_token="admin-token")
    app.service.status = status
    return app


async def _get(app: OpenClobApp, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await client.get(path)


async def test_the_page_loads_its_modules_from_the_console_s_own_paths() -> None:
    response = await _get(_app(Status.READY), "/console")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/console/app.js"></script>' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize("status", [Status.READY, Status.RECOVERING])
async def test_every_file_is_served_with_its_media_type_even_while_the_service_recovers(status: Status) -> None:
    app = _app(status)
    for path in sorted(FOLDER.iterdir()):
        response = await _get(app, f"/console/{path.name}")
        assert response.status_code == 200, path.name
        assert response.content == path.read_bytes()
        assert response.headers["content-type"] == console.MEDIA_TYPES[path.suffix]
    assert (await _get(app, "/markets")).status_code == (200 if status is Status.READY else 425)


@pytest.mark.parametrize("path", ["/console/missing.js", "/console/..%2Fapi%2Fconsole.py", "/console/a/b.js"])
async def test_anything_else_under_console_is_not_found(path: str) -> None:
    response = await _get(_app(Status.READY), path)
    assert (response.status_code, response.json()) == (404, {"error": "not found"})


def test_every_module_a_module_imports_ships_with_the_console() -> None:
    names = {path.name for path in FOLDER.iterdir()}
    for path in FOLDER.glob("*.js"):
        assert set(IMPORT.findall(path.read_text())) <= names, path.name


def test_data_reaches_the_page_as_text_only() -> None:
    for path in FOLDER.glob("*.js"):
        code = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, (path.name, sink)


def test_pyproject_installs_every_file_of_the_console_as_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["openclob"]
    for path in FOLDER.iterdir():
        assert any(fnmatch.fnmatch(f"console/{path.name}", pattern) for pattern in patterns), path.name
