"""An edge process's way to the routes only the sequencer's process can answer (`openclob serve --workers N`).

The admin API (simulations, replays, the clock, fault rules, operator reads of the store), the heartbeats
(whose chain of ids is one per API key, whichever edge a beat reaches) and the metrics (the sequencer's
process adds up every process's) act on state that lives in the sequencer's process. That process serves the
whole app on a private unix socket; an edge passes such a request through unchanged (method, path, query,
headers, body) and sends back the answer as it came.
"""

from __future__ import annotations

import httpx
from starlette.types import Receive, Scope, Send

from openclob.api.errors import INTERNAL, PAYLOAD_TOO_LARGE
from openclob.api.faults import close_connection
from openclob.api.http import JSONResponse

FORWARDED_PREFIXES = ("/admin/", "/heartbeats", "/v1/heartbeats", "/metrics")
"""The paths an edge forwards to the sequencer's process."""
_SEQUENCER = httpx.URL("http://openclob-sequencer")
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer"})
CLIENT_HEADER = b"x-openclob-client"
"""The address of the client an edge forwards for, as `host:port` (the sequencer's process's throttle and logs
see it as the request's client)."""
_SKIPPED = _HOP_BY_HOP | {b"host", CLIENT_HEADER}
_JSON = [(b"content-type", b"application/json")]
_TOO_LARGE = bytes(JSONResponse({"error": PAYLOAD_TOO_LARGE}).body)  # (the same bytes as the app's own answers)
_UNANSWERED = bytes(JSONResponse({"error": INTERNAL}).body)


def forwarded(path: str) -> bool:
    """Whether a request for `path` is answered by the sequencer's process."""
    return path.startswith(FORWARDED_PREFIXES)


class Forwarder:
    """Passes HTTP requests to the app served on the unix socket `path`."""

    def __init__(self, path: str, max_body_bytes: int) -> None:
        self._client = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=path), timeout=None)
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Forward one HTTP request as it came (its path and query as sent, not decoded) and send the answer (502
        if the sequencer's process does not answer)."""
        body = await self._body(receive)
        if body is None:
            await _answer(send, 413, _TOO_LARGE, [*_JSON, (b"connection", b"close")])  # as api/http.py refuses it
            return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _SKIPPED]
        client = scope.get("client")
        if client:
            headers.append((CLIENT_HEADER, f"{client[0]}:{client[1]}".encode()))
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope["query_string"]
        try:
            target = _SEQUENCER.copy_with(raw_path=raw_path + b"?" + query if query else raw_path)
            response = await self._client.request(scope["method"], target, headers=headers, content=body)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            close_connection(receive)  # it closed without an answer (a fault rule's drop): so does this edge
            return
        except (httpx.HTTPError, httpx.InvalidURL):
            await _answer(send, 502, _UNANSWERED, _JSON)
            return
        answer_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.multi_items()
            if k.encode("latin-1").lower() not in _HOP_BY_HOP
        ]
        await _answer(send, response.status_code, response.content, answer_headers)

    async def close(self) -> None:
        """Close the connections to the sequencer's process."""
        await self._client.aclose()

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole request body, or None past `max_body_bytes`."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body_bytes:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)


def with_forwarded_client(scope: Scope) -> Scope:
    """`scope` with the client an edge forwarded for as its client (for an app only edges reach)."""
    for name, value in scope["headers"]:
        if name == CLIENT_HEADER:
            host, _, port = value.decode("latin-1").rpartition(":")
            return {**scope, "client": (host, int(port) if port.isdigit() else 0)}
    return scope


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
