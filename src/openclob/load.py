"""What the HTTP server has in hand: the figure its overload check reads and GET /ready reports."""

from __future__ import annotations


class Load:
    """HTTP requests admitted to the app and not yet answered (counted by the server's protocol, see server.py)."""

    __slots__ = ("inflight", "shed")

    def __init__(self) -> None:
        self.inflight = 0
        self.shed = 0
        """Requests the protocol answered 503 itself since start (read by /metrics)."""
