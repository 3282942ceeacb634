"""The core stays deterministic: no I/O, no clock, no randomness."""

from __future__ import annotations

import ast
from pathlib import Path

import openclob.core

FORBIDDEN = {
    "asyncio",
    "sqlite3",
    "psycopg",
    "asyncpg",
    "time",
    "random",
    "uuid",
    "logging",
    "socket",
    "os",
    "datetime",
}


def test_core_imports_nothing_that_does_io_or_reads_the_clock() -> None:
    core = Path(openclob.core.__file__).parent
    offenders = []
    for path in sorted(core.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("openclob.") and ".core" not in n]
    assert offenders == []
