"""The HTTP edge (api/) and the WebSocket channels (ws/) never import each other; assembly.py joins them. The
edge commands and the edge's read model sit below both and below the sequencer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import openclob


def _imports(package: Path) -> list[tuple[str, str]]:
    """(file, module) for every absolute import in `package` (a directory or one module), including those
    inside functions."""
    found = []
    for path in sorted(package.rglob("*.py")) if package.is_dir() else [package]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path.name, node.module))
    return found


@pytest.mark.parametrize(("layer", "other"), [("api", "ws"), ("ws", "api")])
def test_a_layer_of_the_edge_does_not_import_the_other(layer: str, other: str) -> None:
    root = Path(openclob.__file__).parent
    offenders = [
        f"{layer}/{name}: {module}"
        for name, module in _imports(root / layer)
        if module == f"openclob.{other}" or module.startswith(f"openclob.{other}.")
    ]
    assert offenders == []


@pytest.mark.parametrize("module", ["edge_commands.py", "edge_state.py"])
def test_edge_commands_and_the_edge_state_import_neither_the_edge_nor_the_sequencer(module: str) -> None:
    root = Path(openclob.__file__).parent
    above = ("openclob.api", "openclob.ws", "openclob.service", "openclob.assembly")
    offenders = [
        imported for _, imported in _imports(root / module) if any(imported.startswith(name) for name in above)
    ]
    assert offenders == []
