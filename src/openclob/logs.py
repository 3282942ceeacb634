"""The server's log: one handler on stderr for every logger (openclob's, uvicorn's), as text or JSON lines.

`--log-format text` (the default) writes `time LEVEL logger: message key=value ...`; `--log-format json` one
JSON object a line with `timestamp` (UTC, ISO 8601, milliseconds), `level`, `event`, `logger`, `message` and the
line's fields (`route`, `status`, `latency_ms`, `address`, `order_id`, ...). A line's event is the name its
call gives (`extra={"event": "snapshot_not_used"}`: every openclob call names one), else its logger's name
(uvicorn's lines: `uvicorn.error`). The formatter is a few lines of our own over the
standard library's `logging` and `json`: no dependency to keep, and it is where the redaction sits.

Secrets are kept out of the log in three ways. No call logs a request's headers or body, an API key's secret or
passphrase, a private key or the admin token (the access log reads POLY_ADDRESS and nothing else). The
`websockets` library's DEBUG dumps of frames and handshake headers (through uvicorn's logger) are dropped: a
user-channel subscription carries its API secret and passphrase in a frame. And the server's own secrets (the
admin token, the master secret, the database password) are registered with `redact` at startup: any line that
would still contain one has it replaced by `***`, whatever logged it.

`--access-log` turns on one line a request (logger `openclob.access`, INFO), whatever `--log-level` says.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

LOG_FORMATS = ("text", "json")
ACCESS_LOGGER = "openclob.access"
STARTUP_LOGGER = "openclob.startup"
"""What text mode prints at startup, as a JSON line (INFO, whatever `--log-level` says)."""
REDACTED = "***"

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "event", "fields", "color_message"}
"""A LogRecord's own attributes (and uvicorn's coloured copy of the message): anything else on a record came from
`extra` and is one of its fields."""


class Redactor:
    """The secrets no log line may contain, and their removal from a line."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def add(self, secret: str | None) -> None:
        """Never let `secret` into a line (ignored when empty or too short to be a secret)."""
        if secret and len(secret) >= 6 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)  # a secret inside a longer one goes after it

    def __call__(self, line: str) -> str:
        for secret in self._secrets:
            if secret in line:
                line = line.replace(secret, REDACTED)
        return line


redact = Redactor()
"""The process's redactor: the formatters pass every line through it."""


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The record's fields: its `extra={"fields": {...}}` and any other `extra` keys."""
    found: dict[str, Any] = dict(getattr(record, "fields", None) or {})
    for key, value in record.__dict__.items():
        if key not in _STANDARD and not key.startswith("_"):
            found.setdefault(key, value)
    return found


WIRE_DUMPS = frozenset({"< %s", "> %s", "< %s: %s", "> %s: %s"})
"""The `websockets` library's DEBUG templates for a frame and a handshake header, read or written."""


def no_wire_dumps(record: logging.LogRecord) -> bool:
    """A handler filter: False for a dump of WebSocket frames or handshake headers (they may carry secrets)."""
    return not (record.levelno == logging.DEBUG and record.msg in WIRE_DUMPS)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: timestamp, level, event, logger, message, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "timestamp": _utc(record.created),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or record.name,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in fields_of(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return redact(json.dumps(line, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, then the fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as text (a traceback on the lines after it)."""
        text = super().format(record)
        fields = fields_of(record)
        if fields:
            head, newline, rest = text.partition("\n")
            text = head + "".join(f" {key}={value}" for key, value in fields.items()) + newline + rest
        return redact(text)


def _utc(created: float) -> str:
    seconds = int(created)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((created - seconds) * 1000):03d}Z"


def configure(log_format: str = "text", level: str = "warning", access_log: bool = False) -> None:
    """Send every logger's records to stderr in `log_format` from `level` up (uvicorn's loggers included: its
    own configuration is not used), and the access log's at INFO if `access_log`."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be text or json, not {log_format!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(no_wire_dumps)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger(STARTUP_LOGGER).setLevel(logging.INFO)
    access = logging.getLogger(ACCESS_LOGGER)
    access.setLevel(logging.INFO if access_log else logging.WARNING)
    access.disabled = not access_log
