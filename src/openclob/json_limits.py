"""What untrusted JSON may do to a decoder, shared by the HTTP routes and the WebSocket channels.

msgspec decodes at C speed but recurses on the C stack and reports some bad values with Python's own
exceptions; these limits and the exception tuple are checked and caught the same way at every edge.
"""

from __future__ import annotations

import re

import msgspec

DECODE_ERRORS = (msgspec.DecodeError, ValueError, OverflowError, RecursionError)
"""What decoding untrusted JSON may raise: msgspec's errors (ValidationError is a DecodeError), and ValueError
(UnicodeDecodeError among them), OverflowError and RecursionError from values and nesting msgspec hands on."""

MAX_JSON_DEPTH = 16
"""The deepest JSON anything may send (a batch of orders is 3 deep). msgspec recurses on the C stack and stops
only at the interpreter's recursion limit, which a library may raise (py_ecc sets 100,000): 50,000 levels
would then overflow the C stack and kill the process, so depth is checked before msgspec sees the text."""

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_ONE_KIND_OF_BRACKET = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def too_deep(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON `data` nests deeper than `max_depth` (brackets that never balance count as too deep).

    Cheap for ordinary bodies: fewer brackets than the limit cannot nest past it. Otherwise the strings are
    dropped, then, of the brackets alone (as one kind: a mismatch is msgspec's to refuse), the innermost pairs,
    one level per pass: at most `max_depth` passes, each a C-speed `bytes.replace`.
    """
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return False
    if b'"' in data:
        data = _JSON_STRING.sub(b"", data)
    brackets = data.translate(_ONE_KIND_OF_BRACKET, _NOT_BRACKETS)
    run = b"[" * (max_depth + 1)  # that many openers in a row nest too deep, whatever follows
    for _ in range(max_depth):
        if not brackets:
            return False
        if run in brackets:
            return True
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)
