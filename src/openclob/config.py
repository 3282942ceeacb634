"""Every setting and limit of a running server, in one place, passed in (never a hidden constant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openclob.crypto import POLYGON_CHAIN_ID


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Bounds on what one request or one batch may ask for."""

    max_body_bytes: int = 1_048_576
    max_orders_per_post: int = 15
    max_cancel_ids: int = 3_000
    max_batch_params: int = 500
    page_size: int = 100
    max_commands_per_batch: int = 1_000
    auth_clock_skew_seconds: int = 300
    heartbeat_timeout_ms: int = 15_000
    """10 s between heartbeats plus Polymarket's grace of up to 5 s."""
    market_trades_limit: int = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """How the server runs."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("openclob-data")
    db_url: str | None = None
    chain_id: int = POLYGON_CHAIN_ID
    admin_token: str | None = None
    faucet_units: int = 0
    """Collateral credited to an address when it first creates an API key (0: no faucet)."""
    demo: bool = False
    order_version: int = 1
    """The order version GET /version advertises."""
    settlement_delay_ms: int = 0
    """How long a trade stays MATCHED before it is MINED, and MINED before CONFIRMED."""
    time_advance_interval_ms: int = 1_000
    limits: Limits = field(default_factory=Limits)
