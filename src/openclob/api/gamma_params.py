"""Query parameters of the Gamma and Data API subsets: parsed, bounded, refused with a 400 naming them.

Gamma answers its errors as `{"type": ..., "error": ...}`; the Data API as `{"error": ...}`. A list filter
may be given repeated (`id=1&id=2`, as Gamma's clients send arrays) or comma-separated (`id=1,2`).
"""

from __future__ import annotations

import re

from starlette.requests import Request

from openclob.api.errors import ApiError
from openclob.api.http import parse_uint

MAX_LIST_VALUES = 500
"""The most values one list filter may hold."""
MAX_OFFSET = 1_000_000
BOOLEANS = {"true": True, "false": False}


def invalid(name: str, why: str, *, gamma: bool) -> ApiError:
    """A 400 naming the parameter, in Gamma's or the Data API's error shape."""
    message = f"invalid {name}: {why}"
    return ApiError(400, message, type="validation error") if gamma else ApiError(400, message)


def values(request: Request, name: str, pattern: re.Pattern[str] | None, *, gamma: bool) -> list[str]:
    """Every value of a list filter (repeated or comma-separated), each matching `pattern` whole."""
    found = [part.strip() for raw in request.query_params.getlist(name) for part in raw.split(",") if part.strip()]
    if len(found) > MAX_LIST_VALUES:
        raise invalid(name, f"at most {MAX_LIST_VALUES} values", gamma=gamma)
    if pattern is not None:
        for value in found:
            if not pattern.fullmatch(value):
                raise invalid(name, f"{value[:80]!r} is malformed", gamma=gamma)
    return found


def single(request: Request, name: str) -> str | None:
    """A parameter given once (the last if repeated), empty meaning absent."""
    found = request.query_params.getlist(name)
    return found[-1] if found and found[-1] != "" else None


def boolean(request: Request, name: str, *, gamma: bool, default: bool | None = None) -> bool | None:
    """`true` or `false` (any case), else 400."""
    text = single(request, name)
    if text is None:
        return default
    value = BOOLEANS.get(text.lower())
    if value is None:
        raise invalid(name, "expected true or false", gamma=gamma)
    return value


def integer(request: Request, name: str, *, maximum: int, default: int, gamma: bool) -> int:
    """A non-negative integer up to `maximum`, else 400."""
    text = single(request, name)
    if text is None:
        return default
    value = parse_uint(text, maximum)
    if value is None:
        raise invalid(name, f"expected an integer from 0 to {maximum}", gamma=gamma)
    return value


def choice(request: Request, name: str, allowed: tuple[str, ...], *, default: str, gamma: bool) -> str:
    """One of `allowed` (any case, answered as listed), else 400."""
    text = single(request, name)
    if text is None:
        return default
    for option in allowed:
        if option.lower() == text.lower():
            return option
    raise invalid(name, f"expected one of {', '.join(allowed)}", gamma=gamma)
