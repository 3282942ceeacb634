"""`decode` turns every way a body can fail to decode into the route's 400; `parse_uint` takes ASCII digits only."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from openclob.api.errors import ApiError
from openclob.api.http import decode, parse_uint


class _Body(msgspec.Struct):
    name: str = ""
    count: int = 0


DEEP = 50_000


@pytest.mark.parametrize(
    "body",
    [
        b'{"other":' + b"[" * DEEP + b"]" * DEEP + b"}",  # skipped by walking it: RecursionError
        b'{"other":' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}",
        b'{"count": 1' + b"0" * 5_000 + b"}",  # past int()'s digit limit
        b'{"name": "\xff"}',  # not UTF-8
        b'{"name": "\\ud800"}',  # a lone surrogate
        b"",
        b"[" * DEEP,
    ],
)
def test_decode_of_a_hostile_body_raises_the_given_400(body: bytes) -> None:
    with pytest.raises(ApiError) as raised:
        decode(body, _Body, "Invalid payload")
    assert (raised.value.status, raised.value.message) == (400, "Invalid payload")


@pytest.mark.parametrize("kind", [Any, list[Any], dict[str, Any]])
def test_decode_as_any_of_a_body_nested_50000_deep_raises_400(kind: Any) -> None:
    for body in (b"[" * DEEP + b"]" * DEEP, b'{"a":' * DEEP + b"1" + b"}" * DEEP):
        with pytest.raises(ApiError):
            decode(body, kind, "Invalid payload")


def test_decode_with_explain_gives_msgspec_reason_for_a_value_of_the_wrong_type() -> None:
    with pytest.raises(ApiError) as raised:
        decode(b'{"count": "x"}', _Body, "invalid body", explain=True)
    assert raised.value.message == "invalid body: Expected `int`, got `str` - at `$.count`"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("09223372036854775807", None),  # longer than the bound's digits
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_0", None),
        ("", None),
        (None, None),
        ("1" * 5_000, None),
    ],
)
def test_parse_uint_takes_ascii_digits_up_to_the_bound(text: str | None, expected: int | None) -> None:
    assert parse_uint(text, 2**63 - 1) == expected


def test_decode_refuses_json_deeper_than_the_limit_whatever_the_recursion_limit() -> None:
    # py_ecc, imported by the test clients, raises the interpreter's limit to 100,000: msgspec alone would recurse
    # 50,000 levels on the C stack and crash this process
    with pytest.raises(ApiError):
        decode(b'{"name": "x", "other": ' + b"[" * 17 + b"]" * 17 + b"}", _Body, "Invalid payload")
    assert decode(b'{"name": "x", "other": ' + b"[" * 15 + b"]" * 15 + b"}", _Body, "Invalid payload").name == "x"
