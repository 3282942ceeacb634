"""The WebSocket hub: who follows what, and the fan-out of each durable batch to their queues.

The hub is one of the sequencer's listeners: it is called on the event loop after each batch is
durable, renders the batch's market and user events once, and appends the shared text to the queue of
every socket that follows them. It never awaits, so no socket can slow the sequencer or another socket.

Market events are sent every `ws_flush_interval_ms` rather than per batch (at 1,000 orders/s a write
per socket per batch would cost more than the batches). Sockets that follow the same tokens of a market
with the same options form a group; each flush renders one frame per group, encodes it once, and writes
those bytes straight to every idle socket of the group (see `routes._direct_writer`).

A socket that is not idle (its transport applies back-pressure, or older events still wait) gets the
events in its bounded queue instead; its writer task drains the queue, merging whatever piled up into one
JSON array frame. A socket whose queue passes the limit is closed: its client reconnects and gets a fresh
snapshot, which is cheaper and more correct than buffering without bound.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from openclob.config import Limits
from openclob.service import Service
from openclob.store.base import Batch, Journalled
from openclob.ws.market import BOTH, MarketFeed, MarketMessage
from openclob.ws.user import UserFeed, UserMessage

log = logging.getLogger("openclob.ws")

CLOSE_TOO_SLOW = 1013
"""Close code for a socket that fell too far behind ("try again later": reconnect and resync)."""

Close = tuple[int, str] | None
"""How a socket ends: a close code and reason to send, or None when the peer is gone already."""


class SubscriptionError(Exception):
    """A subscribe request the hub refuses (the socket is closed with this reason)."""


class Subscriber:
    """One WebSocket: what it follows and its bounded queue of outgoing events."""

    __slots__ = (
        "_frame_max_bytes",
        "_frame_max_events",
        "_items",
        "_max_bytes",
        "_max_events",
        "_queued",
        "_queued_bytes",
        "_sending",
        "_waiter",
        "abort",
        "assets",
        "channel",
        "custom",
        "direct",
        "excluded_markets",
        "markets",
        "owner",
        "stalls",
        "stopped",
    )

    def __init__(self, limits: Limits, channel: str = "market") -> None:
        self._max_events = limits.ws_queue_max_events
        self._max_bytes = limits.ws_queue_max_bytes
        self._frame_max_events = limits.ws_frame_max_events
        self._frame_max_bytes = limits.ws_frame_max_bytes
        # (event count, comma-joined JSON objects, whether to send as an array even when alone)
        self._items: deque[tuple[int, str, bool]] = deque()
        self._queued = 0
        self._queued_bytes = 0
        self._waiter: asyncio.Future[None] | None = None
        self._sending = False
        self.direct: Callable[[bytes], bool] | None = None
        """Writes a ready-made frame to the connection now, if it can take it without buffering (else False)."""
        self.abort: Callable[[], None] | None = None
        """Closes the connection at once, without a close frame (None: the server offers no way)."""
        self.channel = channel
        """"market" or "user"."""
        self.stalls = 0
        """Fault rules stalling this socket now (ws/faults.py): while any does, events are dropped, not sent."""
        self.stopped: asyncio.Future[Close] = asyncio.get_running_loop().create_future()
        """Set once, when the socket must end."""
        self.assets: dict[str, None] = {}
        """Market channel: followed token ids."""
        self.custom = False
        """Market channel: custom features (best_bid_ask, new_market, market_resolved) enabled."""
        self.owner: str | None = None
        """User channel: the authenticated API key."""
        self.markets: set[str] | None = None
        """User channel: followed condition ids, None for all of the user's markets."""
        self.excluded_markets: set[str] = set()
        """User channel, following all markets: those unsubscribed since."""

    @property
    def queued(self) -> int:
        """Events waiting to be written."""
        return self._queued

    def push(self, count: int, text: str, as_array: bool = False) -> None:
        """Queue `count` events (`text`: JSON objects joined by commas); close the socket if it overflows."""
        if self.stopped.done() or self.stalls:
            return
        self._queued += count
        self._queued_bytes += len(text)
        if self._queued > self._max_events or self._queued_bytes > self._max_bytes:
            self._items.clear()
            self._queued = self._queued_bytes = 0
            self.stop((CLOSE_TOO_SLOW, "too slow: too many events queued; reconnect for a fresh snapshot"))
            return
        self._items.append((count, text, as_array))
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def deliver(self, count: int, text: str, frame: Callable[[], bytes]) -> None:
        """Send `count` events now as the shared encoded `frame` when the socket is idle, else queue `text`."""
        if self.stalls:
            return
        direct = self.direct
        if direct is not None and not self._items and not self._sending and not self.stopped.done() and direct(frame()):
            return
        self.push(count, text)

    def stall(self) -> None:
        """Drop events, those waiting included, until as many `unstall` calls (the connection stays open)."""
        self.stalls += 1
        self._items.clear()
        self._queued = self._queued_bytes = 0

    def unstall(self) -> None:
        """End one stall."""
        self.stalls = max(0, self.stalls - 1)

    def stop(self, close: Close) -> None:
        """End the socket (the first reason wins)."""
        if not self.stopped.done():
            self.stopped.set_result(close)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.cancel()

    def follows_market(self, condition_id: str) -> bool:
        """User channel: whether events of this market go to this socket."""
        if self.markets is None:
            return condition_id not in self.excluded_markets
        return condition_id in self.markets

    def next_frame(self) -> str | None:
        """Take what is queued, up to the frame limits, as one frame: an event alone or a JSON array."""
        items = self._items
        if not items:
            return None
        parts: list[str] = []
        count = size = 0
        as_array = False
        while items and count < self._frame_max_events and size < self._frame_max_bytes:
            n, text, array = items.popleft()
            parts.append(text)
            count += n
            size += len(text)
            as_array = as_array or array
        self._queued -= count
        self._queued_bytes -= size
        if count == 1 and not as_array:
            return parts[0]
        return "[" + ",".join(parts) + "]"

    async def write(self, send: Callable[[str], Awaitable[None]]) -> None:
        """Write queued events until the socket stops; whatever piled up goes out merged."""
        loop = asyncio.get_running_loop()
        while not self.stopped.done():
            frame = self.next_frame()
            if frame is None:
                self._waiter = loop.create_future()
                await self._waiter
            else:
                self._sending = True
                try:
                    await send(frame)
                finally:
                    self._sending = False


class Hub:
    """Subscriptions of both channels and the listener that feeds them."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.limits = service.settings.limits
        self.market_feed = MarketFeed()
        self.user_feed = UserFeed(self.limits.ws_tracked_trades)
        self._asset_subscribers: dict[str, dict[Subscriber, None]] = {}
        self._custom_subscribers: dict[Subscriber, None] = {}
        self._user_subscribers: dict[str, dict[Subscriber, None]] = {}
        # condition id -> {(token mask, custom): sockets}; rebuilt after a subscription on the market changes
        self._groups: dict[str, dict[tuple[int, bool], list[Subscriber]]] = {}
        self._pending: dict[str, list[MarketMessage]] = {}
        self._pending_announcements: list[str] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self.sockets: dict[Subscriber, None] = {}
        """Every open socket, oldest first."""
        self.on_open: Callable[[Subscriber], None] | None = None
        """Called when a socket is ready for the fault rules: a market socket at once, a user socket once
        authenticated (ws/faults.py)."""
        self.deliveries = 0
        """Events queued to sockets since start (a delivery is one event to one socket)."""
        self.slow_closed: dict[str, int] = {}
        """Sockets closed as too slow since start, by channel (read by /metrics)."""

    def attach(self) -> None:
        """Follow the service: seed on start, then take every durable batch."""
        self.service.on_ready.append(self.start)
        self.service.listeners.append(self.publish)

    def detach(self) -> None:
        """Stop following the service (the sequencer's process of `--workers N`: its edges serve the sockets)."""
        if self.start in self.service.on_ready:
            self.service.on_ready.remove(self.start)
        if self.publish in self.service.listeners:
            self.service.listeners.remove(self.publish)

    async def start(self) -> None:
        """Seed the published books and open orders from the recovered exchange."""
        service = self.service
        self.market_feed.seed(service.exchange)
        for order_id in self.user_feed.seed(service.exchange):
            record = await service.read(service.store.order, order_id)
            if record is not None and order_id in self.user_feed.orders:
                self.user_feed.orders[order_id].trade_ids = list(record.trade_ids)

    # ---------------------------------------------------------------- sockets

    def connect(self, channel: str = "market") -> Subscriber:
        """A new socket of `channel` with nothing followed yet."""
        subscriber = Subscriber(self.limits, channel)
        self.sockets[subscriber] = None
        return subscriber

    def opened(self, subscriber: Subscriber) -> None:
        """The socket is ready for the fault rules (see `on_open`)."""
        if self.on_open is not None:
            self.on_open(subscriber)

    def disconnect(self, subscriber: Subscriber) -> None:
        """Forget a socket and everything it followed."""
        stopped = subscriber.stopped
        if stopped.done() and (close := stopped.result()) is not None and close[0] == CLOSE_TOO_SLOW:
            self.slow_closed[subscriber.channel] = self.slow_closed.get(subscriber.channel, 0) + 1
        subscriber.stop(None)
        self.sockets.pop(subscriber, None)
        self.unsubscribe_assets(subscriber, list(subscriber.assets))
        self._custom_subscribers.pop(subscriber, None)
        if subscriber.owner is not None:
            owned = self._user_subscribers.get(subscriber.owner)
            if owned is not None:
                owned.pop(subscriber, None)
                if not owned:
                    del self._user_subscribers[subscriber.owner]

    def subscribe_assets(
        self, subscriber: Subscriber, asset_ids: list[str], initial_dump: bool, custom: bool | None
    ) -> None:
        """Follow tokens (market channel); queue a `book` snapshot of each known one if `initial_dump`."""
        self.flush()  # events rendered before this snapshot go out first, to those who followed then
        new = [a for a in dict.fromkeys(asset_ids) if a not in subscriber.assets]
        if len(subscriber.assets) + len(new) > self.limits.ws_max_subscriptions:
            raise SubscriptionError(f"too many assets: at most {self.limits.ws_max_subscriptions} per connection")
        if custom is not None and custom != subscriber.custom:
            subscriber.custom = custom
            if custom:
                self._custom_subscribers[subscriber] = None
            else:
                self._custom_subscribers.pop(subscriber, None)
            self._invalidate(subscriber.assets)
        for asset_id in new:
            subscriber.assets[asset_id] = None
            self._asset_subscribers.setdefault(asset_id, {})[subscriber] = None
        self._invalidate(new)
        if initial_dump:
            exchange, feed = self.service.exchange, self.market_feed
            now_ms = self.service.now_ms()
            snapshots = []
            for asset_id in dict.fromkeys(asset_ids):
                view = feed.view_of_token(asset_id, exchange)
                if view is not None:
                    snapshots.append(feed.snapshot(view, asset_id, now_ms))
            for snapshot in snapshots:
                subscriber.push(1, snapshot, as_array=True)

    def unsubscribe_assets(self, subscriber: Subscriber, asset_ids: list[str]) -> None:
        """Stop following tokens (market channel)."""
        self.flush()
        gone = [a for a in dict.fromkeys(asset_ids) if a in subscriber.assets]
        for asset_id in gone:
            del subscriber.assets[asset_id]
            followers = self._asset_subscribers.get(asset_id)
            if followers is not None:
                followers.pop(subscriber, None)
                if not followers:
                    del self._asset_subscribers[asset_id]
        self._invalidate(gone)

    def authenticate(self, api_key: str, secret: str, passphrase: str) -> str | None:
        """The API key if these raw credentials are a full (not read-only) key's, else None."""
        record = self.service.edge.api_keys.get(api_key)
        if record is None or record.readonly:
            return None
        secret_ok = hmac.compare_digest(secret.encode(), record.secret.encode())
        passphrase_ok = hmac.compare_digest(passphrase.encode(), record.passphrase.encode())
        return record.api_key if secret_ok and passphrase_ok else None

    def subscribe_user(self, subscriber: Subscriber, owner: str, markets: list[str]) -> None:
        """Follow `owner`'s orders and trades in `markets` (all of them when empty)."""
        wanted = {m.lower() for m in markets}
        if subscriber.owner is None:
            subscriber.owner = owner
            self._user_subscribers.setdefault(owner, {})[subscriber] = None
            subscriber.markets = set()
        if not wanted:
            subscriber.markets = None
            subscriber.excluded_markets.clear()
        elif subscriber.markets is None:
            subscriber.excluded_markets -= wanted
        else:
            if len(subscriber.markets | wanted) > self.limits.ws_max_subscriptions:
                raise SubscriptionError(f"too many markets: at most {self.limits.ws_max_subscriptions} per connection")
            subscriber.markets |= wanted

    def unsubscribe_user(self, subscriber: Subscriber, markets: list[str]) -> None:
        """Stop following some markets on the user channel."""
        unwanted = {m.lower() for m in markets}
        if subscriber.markets is None:
            if len(subscriber.excluded_markets | unwanted) > self.limits.ws_max_subscriptions:
                raise SubscriptionError(f"too many markets: at most {self.limits.ws_max_subscriptions} per connection")
            subscriber.excluded_markets |= unwanted
        else:
            subscriber.markets -= unwanted

    # ---------------------------------------------------------------- fan-out

    def publish(self, entries: list[Journalled], batch: Batch) -> None:
        """The listener: render a durable batch once; market events go out at the next flush."""
        service = self.service
        output = self.market_feed.render(entries, service.exchange, service.edge.market_infos, self._watched_markets())
        for message in output.messages:
            self._pending.setdefault(message.condition_id, []).append(message)
        self._pending_announcements.extend(output.announcements)
        if (self._pending or self._pending_announcements) and self._flush_handle is None:
            interval_ms = self.limits.ws_flush_interval_ms
            if interval_ms <= 0:
                self.flush()
            else:
                self._flush_handle = asyncio.get_running_loop().call_later(interval_ms / 1000, self.flush)
        user_messages = self.user_feed.render(entries, batch, service.exchange, self._user_subscribers)
        if user_messages and self._user_subscribers:
            self._fan_out_user(user_messages)

    def _watched_markets(self) -> set[str]:
        """Markets with at least one subscriber to either of their tokens."""
        exchange = self.service.exchange
        watched = set()
        for asset_id in self._asset_subscribers:
            market = exchange.market_for_token(asset_id)
            if market is not None:
                watched.add(market.condition_id)
        return watched

    def flush(self) -> None:
        """Send the market events rendered since the last flush: one frame per group of alike sockets."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        pending, self._pending = self._pending, {}
        announcements, self._pending_announcements = self._pending_announcements, []
        for condition_id, market_messages in pending.items():
            groups = self._groups.get(condition_id)
            if groups is None:
                groups = self._groups[condition_id] = self._build_groups(condition_id)
            for (mask, custom), members in groups.items():
                parts = [
                    m.text
                    for m in market_messages
                    if (m.scope == BOTH or mask & (1 << m.scope)) and (custom or not m.custom_only)
                ]
                if parts:
                    self._send(members, parts)
        if announcements and self._custom_subscribers:
            self._send(list(self._custom_subscribers), announcements)

    def _send(self, members: list[Subscriber], parts: list[str]) -> None:
        count = len(parts)
        text = ",".join(parts)
        encoded: list[bytes] = []

        def frame() -> bytes:
            if not encoded:
                encoded.append(text_frame(parts[0] if count == 1 else "[" + text + "]"))
            return encoded[0]

        for subscriber in members:
            subscriber.deliver(count, text, frame)
        self.deliveries += count * len(members)

    def _fan_out_user(self, messages: list[UserMessage]) -> None:
        by_owner: dict[str, list[UserMessage]] = {}
        for message in messages:
            if message.owner in self._user_subscribers:
                by_owner.setdefault(message.owner, []).append(message)
        for owner, owned in by_owner.items():
            for subscriber in self._user_subscribers[owner]:
                parts = [m.text for m in owned if subscriber.follows_market(m.condition_id)]
                if parts:
                    subscriber.push(len(parts), ",".join(parts))
                    self.deliveries += len(parts)

    def _build_groups(self, condition_id: str) -> dict[tuple[int, bool], list[Subscriber]]:
        first, second = self.market_feed.views[condition_id].token_ids
        empty: dict[Subscriber, None] = {}
        first_followers = self._asset_subscribers.get(first, empty)
        second_followers = self._asset_subscribers.get(second, empty)
        groups: dict[tuple[int, bool], list[Subscriber]] = {}
        for subscriber in first_followers:
            mask = 0b11 if subscriber in second_followers else 0b01
            groups.setdefault((mask, subscriber.custom), []).append(subscriber)
        for subscriber in second_followers:
            if subscriber not in first_followers:
                groups.setdefault((0b10, subscriber.custom), []).append(subscriber)
        return groups

    def _invalidate(self, asset_ids: Iterable[str]) -> None:
        exchange = self.service.exchange
        for asset_id in asset_ids:
            market = exchange.market_for_token(asset_id)
            if market is not None:
                self._groups.pop(market.condition_id, None)


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented, uncompressed WebSocket text frame (RFC 6455 5.2; valid with permessage-deflate)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65_536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload
