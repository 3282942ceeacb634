"""JSON Schemas of the Gamma and Data API answers (tests/schemas/), written from Polymarket's documented examples.

`check(name, answer)` validates an answer against `tests/schemas/<name>.json`; a list answer is checked
item by item. The schemas require the keys Polymarket's documentation and clients show, with their types
and encodings (ids as strings, `outcomes` and `clobTokenIds` as JSON-encoded strings, amounts as numbers),
and allow more keys, as Polymarket adds keys over time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "schemas"
_registry = Registry().with_resources(
    (path.name, Resource.from_contents(json.loads(path.read_text()))) for path in SCHEMAS.glob("*.json")
)


def check(name: str, answer: Any) -> None:
    """Fail unless `answer` (or every item of it, if a list) fits schema `name`."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    validator = Draft202012Validator(schema, registry=_registry)
    for item in answer if isinstance(answer, list) else [answer]:
        validator.validate(item)
