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
    max_queued_commands: int = 10_000
    """Submissions waiting for the sequencer before new ones are refused with 503 and Retry-After (about two
    seconds of work at full speed: a client's wait stays well under its timeout)."""
    max_inflight_requests: int = 512
    """HTTP requests handed to the app and not yet answered, past which new ones are answered 503 with Retry-After
    by the HTTP protocol itself, before any work is spent on them (WebSocket connections are not counted): it
    bounds how long an admitted request waits for the CPU under overload."""
    overload_retry_after_seconds: int = 1
    """The Retry-After of a 503 for load or a 425 while recovering."""
    max_request_line_bytes: int = 8_192
    """The longest request line (method, path and query) HTTP accepts; longer gets 414."""
    max_header_bytes: int = 65_536
    """The most bytes of header lines one HTTP request may carry; more gets 431."""
    snapshot_interval_commands: int = 50_000
    """Journal entries between two snapshots of the exchange (recovery replays at most about this many)."""
    stop_timeout_ms: int = 10_000
    """How long a stop waits for requests in hand, then for the sequencer's queued batches, then for the store to
    close, each; the process exits regardless three times this long after the stop began."""
    store_rebuild_attempts: int = 5
    """After a failed write, tries to rebuild the exchange from the store before the server stops."""
    auth_clock_skew_seconds: int = 300
    heartbeat_timeout_ms: int = 15_000
    """10 s between heartbeats plus Polymarket's grace of up to 5 s."""
    market_trades_limit: int = 100
    notification_retention_ms: int = 48 * 3_600_000
    """How long GET /notifications shows a notification (Polymarket: 48 hours)."""
    notification_prune_interval_ms: int = 600_000
    """How often notifications older than the retention window are deleted from the store."""
    ws_queue_max_events: int = 10_000
    """Events waiting for one WebSocket before it is closed as too slow (its client reconnects and resyncs)."""
    ws_queue_max_bytes: int = 16_777_216
    """Bytes of events waiting for one WebSocket before it is closed as too slow."""
    ws_frame_max_events: int = 1_000
    """Events merged into one frame when a socket's writer has fallen behind."""
    ws_frame_max_bytes: int = 262_144
    """Bytes merged into one frame (clients cap messages: the Python websockets package at 1 MiB)."""
    ws_flush_interval_ms: int = 10
    """Market events of the batches within this interval go out together: one frame per socket, not per batch
    (a write per socket per batch would cost more than the batch). 0 sends each batch at once."""
    ws_idle_timeout_ms: int = 300_000
    """A WebSocket that sends nothing (not even PING) for this long is closed."""
    ws_close_timeout_ms: int = 1_000
    """How long closing a WebSocket may wait for its peer to take the close frame."""
    ws_max_subscriptions: int = 1_000
    """Assets (market channel) or markets (user channel) one WebSocket may follow."""
    ws_max_message_bytes: int = 131_072
    """The largest message a client may send on a WebSocket."""
    ws_tracked_trades: int = 100_000
    """Trades remembered for their status changes (MINED, CONFIRMED) on the user channel."""
    max_fault_rules: int = 1_000
    """Fault rules in force at once (the operator's, for tests: openclob/faults.py)."""
    throttle_max_delay_ms: int = 10_000
    """With rate limits on: the longest a request over a per-IP limit is held back; past it, a 429."""
    throttle_max_waiting_per_ip: int = 1_000
    """With rate limits on: requests of one IP held back at once; more get a 429 at once."""
    link_max_submit_bytes: int = 16_777_216
    """The largest frame the sequencer reads from an edge over the link (link/); a larger one closes that edge."""
    link_max_frame_bytes: int = 1_073_741_824
    """The largest frame an edge reads from the sequencer: a durable batch, or the exchange's snapshot an edge
    starts from (about 200 bytes an open order, 100 an order ever accepted)."""
    link_edge_buffer_max_bytes: int = 67_108_864
    """Bytes of frames waiting to be sent to one edge (the snapshot it started from aside) past which that edge
    is disconnected as too slow: the sequencer never waits for an edge."""


CLOCK_MODES = ("wall", "frozen")
"""The exchange clock's modes at start (`openclob serve --clock`)."""


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
    order_version: int = 2
    """The order version GET /version advertises (the clients sign that version); one of `order_versions`."""
    order_versions: tuple[int, ...] = (1, 2)
    """The order versions accepted: 1 (V1 struct, domain "1"), 2 (V2 struct, domain "2"), 3 (V2 struct, domain
    "3", the V3 exchange). An order of another version gets a 400 containing `order_version_mismatch`."""
    settlement_delay_ms: int = 0
    """How long a trade stays MATCHED before it is MINED, and MINED before CONFIRMED."""
    proceeds_available_at: str = "matched"
    """"matched": what a fill delivers is spendable at once; "mined": once its trade is MINED (core/settlement.py)."""
    clock_mode: str | None = None
    """The exchange clock at start: "wall" (running), "frozen", or None (as the exchange last had it)."""
    start_time_ms: int | None = None
    """Where the exchange clock starts, if the exchange is not past it already (None: where it is)."""
    time_advance_interval_ms: int = 1_000
    rate_limits: str = "off"
    """"off", or "polymarket": per-signer order and cancel token buckets and per-IP throttling, as Polymarket
    (api/rate_limits.py, api/throttle.py)."""
    auto_redeem: bool = False
    """Resolution pays every winning token at once (the behaviour before redemption), instead of making it
    redeemable through POST /admin/redeem or POST /redeem."""
    user_conversions: bool = False
    """Whether an API key may convert its own neg-risk positions (POST /convert); the operator always may."""
    workers: int = 1
    """Edge processes in front of the sequencer (`--workers`); 1: everything in one process."""
    limits: Limits = field(default_factory=Limits)
