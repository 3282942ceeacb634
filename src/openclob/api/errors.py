"""Every error the API answers with: Polymarket's exact strings and status codes, in one place.

Route code raises `ApiError`; one handler in the app turns it into `{"error": "..."}` with its status.
Core rejects map to statuses through `REJECT_STATUS`; their messages come from the core. Refused edge commands
map through `REFUSAL_ERRORS`.
"""

from __future__ import annotations

from typing import Any

from openclob.core import Reject, Rejected
from openclob.edge_commands import Refusal, Refused


class ApiError(Exception):
    """An error response: HTTP status, the client-facing message, optional extra body fields and headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return {"error": self.message, **self.extra}


# Global
UNAUTHORIZED = "Unauthorized/Invalid api key"
INVALID_L1_HEADERS = "Invalid L1 Request headers"
INTERNAL = "Internal server error"
PAYLOAD_TOO_LARGE = "Payload too large"
TOO_MANY_REQUESTS = "Too Many Requests"
NOT_FOUND = "not found"
NOT_READY = "Too Early: the exchange is restarting, retry shortly"
"""425 while the exchange recovers its state at start (Polymarket answers 425 while its engine restarts)."""
OVERLOADED = "Service Unavailable: too many requests in flight, retry shortly"
"""503 with Retry-After when the server is past its queue or in-flight bound."""

# Orders and cancels
INVALID_ORDER_PAYLOAD = "Invalid order payload"
OWNER_MISMATCH = "the order owner has to be the owner of the API KEY"
SIGNER_MISMATCH = "the order signer address has to be the address of the API KEY"
INVALID_SIGNATURE = "invalid signature"
INVALID_NONCE = "invalid nonce"
MAKER_NOT_ALLOWED = "maker address not allowed, please use the deposit wallet flow"
ORDER_VERSION_MISMATCH = (
    "order_version_mismatch: order version {version} is not accepted; this server accepts versions {accepted}"
)
"""The V2 clients look for `order_version_mismatch` in the error, re-read GET /version and sign again."""
INVALID_ORDER_ID = "Invalid orderID"
TOO_MANY_ORDERS = "Too many orders in payload: {count}, max allowed: {limit}"
TOO_MANY_CANCELS = "Too many orders in payload, max allowed: {limit}"

# Queries
INVALID_ORDER_PARAMS = "invalid order params payload"
INVALID_TRADE_PARAMS = "Invalid trade params payload"
INVALID_ASSET_TYPE = "Invalid asset type"
INVALID_SIGNATURE_TYPE = "Invalid signature_type"
INVALID_HEARTBEAT_ID = "Invalid Heartbeat ID"
INVALID_NOTIFICATION_IDS = "Invalid notification ids"
"""openclob's own words: the reference gives no error for DELETE /notifications."""

# Market data
INVALID_TOKEN_ID = "Invalid token id"
NO_ORDERBOOK = "No orderbook exists for the requested token id"
INVALID_SIDE = "Invalid side"
INVALID_PAYLOAD = "Invalid payload"
PAYLOAD_LIMIT = "Payload exceeds the limit"
INVALID_MARKET = "Invalid market"
INVALID_CURSOR = "Invalid next_cursor"
HISTORY_MARKET = "invalid filters: market must be a token id"
HISTORY_TIMESTAMP = "invalid filters: startTs and endTs must be unix seconds"
HISTORY_ORDER = "invalid filters: startTs must not be after endTs"
HISTORY_INTERVAL = "invalid filters: interval must be one of max, all, 1m, 1w, 1d, 6h, 1h"
HISTORY_EXCLUSIVE = "invalid filters: give either interval or startTs/endTs, not both"
HISTORY_RANGE_REQUIRED = "invalid filters: interval or startTs and endTs is required"
HISTORY_FIDELITY = "invalid filters: fidelity must be a whole number of minutes, at least 1"
MARKET_NOT_FOUND = "market not found"

# API keys
COULD_NOT_CREATE_KEY = "Could not create api key"
COULD_NOT_DERIVE_KEY = "Could not derive api key!"
COULD_NOT_RETRIEVE_KEYS = "Could not retrieve API keys"
COULD_NOT_DELETE_KEY = "Could not delete API key"
READONLY_KEY_NOT_FOUND = "readonly api key not found"


REJECT_STATUS: dict[Reject, int] = {reject: 400 for reject in Reject}
REJECT_STATUS.update(
    {
        Reject.TRADING_DISABLED: 503,
        Reject.TRADING_CANCEL_ONLY: 503,
        Reject.POST_ONLY_MODE: 503,
        Reject.MARKET_NOT_FOUND: 404,
        Reject.EVENT_NOT_FOUND: 404,
    }
)


def from_reject(rejected: Rejected) -> ApiError:
    """The API error for a core reject."""
    if rejected.reject is Reject.POST_ONLY_MODE:
        return ApiError(503, rejected.message, code="post_only_mode", retry_after_seconds=0)
    return ApiError(REJECT_STATUS[rejected.reject], rejected.message)


REFUSAL_ERRORS: dict[Refusal, tuple[int, str]] = {
    Refusal.API_KEY_EXISTS: (400, COULD_NOT_CREATE_KEY),
    Refusal.READONLY_KEY_NOT_FOUND: (404, READONLY_KEY_NOT_FOUND),
    Refusal.CLOCK_PAST_END: (400, "invalid clock change: {detail}"),
}
"""Each refusal's status and message (`{detail}` is the refusal's own detail)."""


def from_refusal(refused: Refused) -> ApiError:
    """The API error for a refused edge command."""
    status, message = REFUSAL_ERRORS[refused.refusal]
    return ApiError(status, message.format(detail=refused.detail))
