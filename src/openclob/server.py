"""Running the app under uvicorn: a bounded HTTP parser, a listening socket of our own, a stop that always stops.

- Request lines and header blocks are bounded while they are parsed (httptools has no limit of its own): past
  `max_request_line_bytes` the answer is 414, past `max_header_bytes` 431, and the connection is closed.
- Load is shed before any ASGI work: with `max_inflight_requests` requests handed to the app and not yet
  answered, a new request is read and dropped, and answered 503 with Retry-After by the protocol itself (tens of
  microseconds, against hundreds for an order), so that an overloaded server still answers every request fast.
- WebSocket messages are bounded by `ws_max_message_bytes` (uvicorn's `ws_max_size`).
- The socket is bound before uvicorn starts, so an address in use is reported in one line by the caller.
- A stop (SIGTERM, SIGINT, or the service halting) gives the server `stop_timeout_ms` to answer the requests in
  hand and the service as long again for its queued batches, then cancels what is left; if the process is
  still alive three times that long after the stop began (a stuck store call, a blocked event loop), it exits
  at once with `FORCED_EXIT_CODE`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from types import FrameType
from typing import Any

import uvicorn
from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from openclob.api.errors import OVERLOADED
from openclob.config import Limits
from openclob.load import Load

log = logging.getLogger("openclob.server")

FORCED_EXIT_CODE = 70
"""The exit code of a forced exit (EX_SOFTWARE)."""

_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large", 503: b"Service Unavailable"}


class _HeadTooLarge(Exception):
    """Raised inside a parser callback to stop parsing a request whose head is over its bound."""


def _canned(status: int, message: str, retry_after_s: int | None = None, *, close: bool = False) -> bytes:
    """A whole HTTP/1.1 answer with a JSON error body, written straight to the transport."""
    body = json.dumps({"error": message}).encode()
    head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % (
        status,
        _REASONS[status],
        len(body),
    )
    if retry_after_s is not None:
        head += b"retry-after: %d\r\n" % retry_after_s
    if close:
        head += b"connection: close\r\n"
    return head + b"\r\n" + body


def bounded_http_protocol(limits: Limits, load: Load) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with the request head bounded and load shed, by `limits`; `load` counts the
    requests handed to the app and not yet answered."""
    max_url, max_headers = limits.max_request_line_bytes, limits.max_header_bytes
    max_inflight = limits.max_inflight_requests
    overloaded = _canned(503, OVERLOADED, limits.overload_retry_after_seconds)

    def answered(task: object) -> None:
        load.inflight -= 1

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        # No per-header or per-URL-piece callbacks of ours: they would cost every request a Python call a header.
        _in_head = False
        _read_in_head = 0
        _refusal: tuple[int, str] | None = None
        _shedding = False

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            # A head that does not end in one read is counted here, by the reads that end inside it (the read
            # that began it counts whole: a bound, not a tally); httptools holds a header back until the next one.
            if self._in_head and not self.transport.is_closing():
                self._read_in_head += len(data)
                if len(self.url) > max_url:
                    self._answer(414, f"the request line is longer than {max_url} bytes")
                elif self._read_in_head > max_headers:
                    self._answer(431, f"the request headers are longer than {max_headers} bytes")

        def on_message_begin(self) -> None:
            self._in_head, self._read_in_head = True, 0
            if load.inflight >= max_inflight and (self.cycle is None or self.cycle.response_complete):
                # Shed before any ASGI work: the request is parsed but kept nowhere, and answered at its end.
                self._shedding = True
                self.url, self.headers = b"", []
                return
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._in_head = False
            if len(self.url) > max_url:
                self._refuse(414, f"the request line is longer than {max_url} bytes")
            if sum(len(name) + len(value) + 4 for name, value in self.headers) > max_headers:
                self._refuse(431, f"the request headers are longer than {max_headers} bytes")
            if self._shedding and self.parser.should_upgrade():
                # a WebSocket handshake is not an HTTP request in hand: not shed (its scope is built late)
                url, headers = self.url, self.headers
                super().on_message_begin()
                self.url, self._shedding = url, False
                self.headers.extend(headers)
            if not self._shedding:
                super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._shedding:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self._shedding:
                super().on_message_complete()
                return
            self._shedding = False
            load.shed += 1
            self.transport.write(overloaded)  # the connection stays open for the client's next request

        def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
            # uvicorn's, plus the count (openclob never sets uvicorn's reset_contextvars)
            task = self.loop.create_task(cycle.run_asgi(app))
            task.add_done_callback(self.tasks.discard)
            task.add_done_callback(answered)
            self.tasks.add(task)
            load.inflight += 1

        def _refuse(self, status: int, message: str) -> None:
            """Stop the parser (from inside one of its callbacks): `send_400_response` answers."""
            self._refusal = (status, message)
            raise _HeadTooLarge(message)

        def send_400_response(self, msg: str) -> None:
            # uvicorn calls this for any parser error, ours included: answer ours with its own status
            refusal, self._refusal = self._refusal, None
            if refusal is None:
                super().send_400_response(msg)
            else:
                self._answer(*refusal)

        def _answer(self, status: int, message: str) -> None:
            self._in_head = self._shedding = False
            self.transport.write(_canned(status, message, close=True))
            self.transport.close()

    return BoundedHttpToolsProtocol


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) and listening; raises OSError (address in use, no such address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class Server(uvicorn.Server):
    """uvicorn's server whose stop always ends the process (see the module)."""

    def __init__(self, config: uvicorn.Config, limits: Limits) -> None:
        super().__init__(config)
        self._forced_exit_s = 3 * limits.stop_timeout_ms / 1000
        self._watchdog: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._arm_watchdog()

    def request_stop(self) -> None:
        """Stop the server as SIGTERM would (callable from the event loop)."""
        self.should_exit = True
        self._arm_watchdog()

    def _arm_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Timer(self._forced_exit_s, _forced_exit, args=(self._forced_exit_s,))
            self._watchdog.daemon = True
            self._watchdog.start()


def _forced_exit(after_s: float) -> None:
    log.critical("still running %.0f s after the stop began: exiting now", after_s, extra={"event": "forced_exit"})
    logging.shutdown()
    os._exit(FORCED_EXIT_CODE)


def uvicorn_config(app: Any, limits: Limits, load: Load, log_level: str) -> uvicorn.Config:
    """The uvicorn configuration openclob runs with (the socket is passed to `Server.run` by the caller)."""
    return uvicorn.Config(
        app,
        loop="uvloop",
        http=bounded_http_protocol(limits, load),
        ws_max_size=limits.ws_max_message_bytes,
        log_level=log_level,
        log_config=None,  # openclob's own (logs.py): every logger through one handler, text or JSON
        access_log=False,
        proxy_headers=False,  # nothing reads the client's address: skip the X-Forwarded-* middleware per request
        timeout_graceful_shutdown=max(1, limits.stop_timeout_ms // 1000),
    )
