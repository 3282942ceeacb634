"""The market and user WebSocket channels (/ws/market, /ws/user)."""

from __future__ import annotations

from openclob.ws.faults import SocketFaults
from openclob.ws.hub import Hub, Subscriber, SubscriptionError
from openclob.ws.routes import ROUTES

__all__ = ["ROUTES", "Hub", "SocketFaults", "Subscriber", "SubscriptionError"]
