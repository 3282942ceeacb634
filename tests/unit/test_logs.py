"""logs.py: JSON and text lines with their fields, the server's own secrets redacted from any line, and the
access log on only when asked for."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from openclob import logs


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root logger's handler, writing to a buffer; logging put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger(logs.ACCESS_LOGGER).disabled = False


def _to(stream: io.StringIO) -> None:
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def test_a_json_line_has_timestamp_level_event_message_and_fields(captured: io.StringIO) -> None:
    logs.configure("json", "info")
    _to(captured)
    logging.getLogger("openclob.test").info(
        "placed %s", "an order", extra={"event": "order_placed", "fields": {"order_id": "0xabc", "status": 200}}
    )
    line = json.loads(captured.getvalue())
    assert line["timestamp"].endswith("Z") and line["timestamp"][10] == "T"
    assert (line["level"], line["event"], line["logger"]) == ("info", "order_placed", "openclob.test")
    assert (line["message"], line["order_id"], line["status"]) == ("placed an order", "0xabc", 200)


def test_a_line_without_an_event_is_named_after_its_logger_and_keeps_its_traceback(captured: io.StringIO) -> None:
    logs.configure("json", "warning")
    _to(captured)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("it failed")
    line = json.loads(captured.getvalue())
    assert line["event"] == "uvicorn.error" and line["level"] == "error"
    assert "ValueError: boom" in line["exception"]


def test_text_lines_append_the_fields(captured: io.StringIO) -> None:
    logs.configure("text", "info")
    _to(captured)
    logging.getLogger("openclob.test").warning("slow", extra={"event": "slow", "fields": {"route": "/order"}})
    assert captured.getvalue().rstrip().endswith("WARNING openclob.test: slow route=/order")


@pytest.mark.parametrize("log_format", logs.LOG_FORMATS)
def test_a_registered_secret_never_reaches_a_line_whatever_logged_it(captured: io.StringIO, log_format: str) -> None:
    logs.configure(log_format, "debug")
    _to(captured)
    logs.redact.add("the-admin-token-value")
    logging.getLogger("somewhere").error(
        "token %s in a message", "the-admin-token-value", extra={"x": "the-admin-token-value"}
    )
    try:
        raise RuntimeError("the-admin-token-value")
    except RuntimeError:
        logging.getLogger("somewhere").exception("and in a traceback")
    text = captured.getvalue()
    assert "the-admin-token-value" not in text and text.count(logs.REDACTED) >= 3


def test_the_access_log_is_on_only_when_asked_for_whatever_the_level(captured: io.StringIO) -> None:
    logs.configure("json", "warning", access_log=False)
    _to(captured)
    logging.getLogger(logs.ACCESS_LOGGER).info("GET /time 200", extra={"event": "request"})
    assert captured.getvalue() == ""
    logs.configure("json", "warning", access_log=True)
    _to(captured)
    logging.getLogger(logs.ACCESS_LOGGER).info("GET /time 200", extra={"event": "request"})
    logging.getLogger("openclob.other").info("not at warning")
    lines = captured.getvalue().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["request"]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="text or json"):
        logs.configure("xml")


@pytest.mark.parametrize("log_format", logs.LOG_FORMATS)
def test_websocket_frames_and_handshake_headers_are_never_dumped_even_at_debug(
    captured: io.StringIO, log_format: str
) -> None:
    logs.configure(log_format, "debug")
    _to(captured)
    uvicorn = logging.getLogger("uvicorn.error")
    uvicorn.debug("< %s", 'TEXT \'{"auth": {"secret": "frame-secret"}}\' [60 bytes]')
    uvicorn.debug("> %s", 'TEXT \'{"event_type": "trade"}\' [30 bytes]')
    uvicorn.debug("< %s: %s", "authorization", "Bearer header-secret")
    uvicorn.debug("%s - WebSocket %s", "127.0.0.1", "/ws/user")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1 and "WebSocket /ws/user" in lines[0]
