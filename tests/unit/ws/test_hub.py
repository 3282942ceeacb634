"""The hub: shared fan-out, subscriptions, bounded queues and slow sockets that never hold others back."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from openclob.config import Limits
from openclob.core import Side
from openclob.ws.hub import CLOSE_TOO_SLOW, Subscriber, SubscriptionError, text_frame
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, OTHER_CONDITION, OTHER_YES, YES, limit_order
from tests.unit.ws.conftest import Harness, make_harness

pytestmark = pytest.mark.anyio


def _frames(subscriber: Subscriber) -> list[Any]:
    frames = []
    while (frame := subscriber.next_frame()) is not None:
        frames.append(json.loads(frame))
    return frames


def _events(subscriber: Subscriber) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for frame in _frames(subscriber):
        events.extend(frame if isinstance(frame, list) else [frame])
    return events


async def test_subscribing_queues_an_initial_dump_as_an_array(harness: Harness) -> None:
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    subscriber = harness.hub.connect()
    harness.hub.subscribe_assets(subscriber, [YES, NO, "999"], initial_dump=True, custom=None)
    (frame,) = _frames(subscriber)
    assert isinstance(frame, list) and [b["asset_id"] for b in frame] == [YES, NO]
    assert frame[0]["bids"] == [{"price": "0.4", "size": "10"}]
    quiet = harness.hub.connect()
    harness.hub.subscribe_assets(quiet, [YES], initial_dump=False, custom=None)
    assert _frames(quiet) == []


async def test_one_rendered_text_is_shared_by_every_follower(harness: Harness) -> None:
    hub = harness.hub
    first, second, both = hub.connect(), hub.connect(), hub.connect()
    hub.subscribe_assets(first, [YES], False, None)
    hub.subscribe_assets(second, [NO], False, None)
    hub.subscribe_assets(both, [YES, NO], False, None)
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    texts = [s.next_frame() for s in (first, second, both)]
    assert texts[0] is texts[1] is texts[2]
    assert json.loads(texts[0] or "")["event_type"] == "price_change"
    assert hub.deliveries == 3


async def test_token_scoped_events_reach_only_followers_of_that_token(harness: Harness) -> None:
    hub = harness.hub
    yes_only, no_only = hub.connect(), hub.connect()
    hub.subscribe_assets(yes_only, [YES], False, None)
    hub.subscribe_assets(no_only, [NO], False, None)
    harness.publish(limit_order(ALICE, YES, Side.SELL, "0.60", "10"), limit_order(BOB, YES, Side.BUY, "0.60", "5"))
    yes_events = [(e["event_type"], e.get("asset_id")) for e in _events(yes_only)]
    no_events = [(e["event_type"], e.get("asset_id")) for e in _events(no_only)]
    assert ("last_trade_price", YES) in yes_events and ("last_trade_price", NO) not in yes_events
    assert ("book", NO) in no_events and ("book", YES) not in no_events
    assert yes_events.count(("price_change", None)) == no_events.count(("price_change", None)) == 2


async def test_custom_features_go_only_to_sockets_that_enabled_them(harness: Harness) -> None:
    hub = harness.hub
    plain, custom = hub.connect(), hub.connect()
    hub.subscribe_assets(plain, [YES], False, None)
    hub.subscribe_assets(custom, [YES], False, custom=True)
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    assert [e["event_type"] for e in _events(plain)] == ["price_change"]
    assert [e["event_type"] for e in _events(custom)] == ["price_change", "best_bid_ask"]
    hub.subscribe_assets(custom, [], False, custom=False)
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.45", "10"))
    assert [e["event_type"] for e in _events(custom)] == ["price_change"]


async def test_unsubscribe_and_disconnect_stop_the_flow(harness: Harness) -> None:
    hub = harness.hub
    subscriber, other = hub.connect(), hub.connect()
    hub.subscribe_assets(subscriber, [YES, OTHER_YES], False, None)
    hub.subscribe_assets(other, [YES], False, None)
    hub.unsubscribe_assets(subscriber, [YES])
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    assert _frames(subscriber) == [] and len(_frames(other)) == 1
    hub.disconnect(other)
    harness.publish(
        limit_order(ALICE, OTHER_YES, Side.BUY, "0.40", "10"), limit_order(ALICE, YES, Side.BUY, "0.41", "5")
    )
    assert [e["market"] for e in _events(subscriber)] == [OTHER_CONDITION]
    assert _frames(other) == [] and other.stopped.done()


async def test_an_overflowing_queue_closes_only_that_socket() -> None:
    harness = make_harness(Limits(ws_queue_max_events=3))
    hub = harness.hub
    slow, fast = hub.connect(), hub.connect()
    for subscriber in (slow, fast):
        hub.subscribe_assets(subscriber, [YES], False, None)
    for price in ("0.30", "0.31", "0.32", "0.33"):
        harness.publish(limit_order(ALICE, YES, Side.BUY, price, "5"))
        _frames(fast)  # the fast one keeps up
    assert slow.stopped.done() and slow.stopped.result() == (CLOSE_TOO_SLOW, slow.stopped.result()[1])
    assert slow.queued == 0 and slow.next_frame() is None
    assert not fast.stopped.done()


async def test_a_stalled_writer_does_not_delay_the_others() -> None:
    harness = make_harness(Limits(ws_queue_max_events=50))
    hub = harness.hub
    stalled, healthy = hub.connect(), hub.connect()
    for subscriber in (stalled, healthy):
        hub.subscribe_assets(subscriber, [YES], False, None)
    never = asyncio.Event()
    received: list[str] = []

    async def blocked(text: str) -> None:
        await never.wait()  # a peer that stopped reading: the send never completes

    async def collect(text: str) -> None:
        received.append(text)

    writers = [asyncio.create_task(stalled.write(blocked)), asyncio.create_task(healthy.write(collect))]
    for step in range(60):
        harness.publish(limit_order(ALICE, YES, Side.BUY, f"0.{10 + step % 40}", "5"))
        await asyncio.sleep(0)  # one loop turn: the healthy writer sends as it goes
    await asyncio.sleep(0)
    assert stalled.stopped.done() and stalled.stopped.result() is not None
    assert sum(len(t) and (t.count('"event_type"')) for t in received) == 60
    for task in writers:
        task.cancel()
    await asyncio.gather(*writers, return_exceptions=True)


async def test_frames_merge_what_piled_up_within_the_frame_limits() -> None:
    harness = make_harness(Limits(ws_frame_max_events=3))
    subscriber = harness.hub.connect()
    for n in range(4):
        subscriber.push(1, f'{{"n":{n}}}')
    assert json.loads(subscriber.next_frame() or "") == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert json.loads(subscriber.next_frame() or "") == {"n": 3}
    small = make_harness(Limits(ws_frame_max_bytes=10)).hub.connect()
    small.push(1, '{"n":"0123456789"}')
    small.push(1, '{"n":1}')
    assert json.loads(small.next_frame() or "") == {"n": "0123456789"}


async def test_subscriptions_are_bounded() -> None:
    harness = make_harness(Limits(ws_max_subscriptions=2))
    subscriber = harness.hub.connect()
    harness.hub.subscribe_assets(subscriber, [YES, NO], False, None)
    with pytest.raises(SubscriptionError):
        harness.hub.subscribe_assets(subscriber, [OTHER_YES], False, None)


async def test_user_events_reach_only_their_owner_and_followed_markets(harness: Harness) -> None:
    hub = harness.hub
    harness.add_key(ALICE.owner)
    harness.add_key(BOB.owner)
    assert hub.authenticate(ALICE.owner, "c2VjcmV0", "pass") == ALICE.owner
    assert hub.authenticate(ALICE.owner, "c2VjcmV0", "wrong") is None
    assert hub.authenticate("nobody", "c2VjcmV0", "pass") is None
    alice, bob, bob_other_market = hub.connect(), hub.connect(), hub.connect()
    hub.subscribe_user(alice, ALICE.owner, [])
    hub.subscribe_user(bob, BOB.owner, [CONDITION.upper().replace("0X", "0x")])
    hub.subscribe_user(bob_other_market, BOB.owner, [OTHER_CONDITION])
    harness.publish(limit_order(ALICE, YES, Side.SELL, "0.60", "10"), limit_order(BOB, YES, Side.BUY, "0.60", "5"))
    alice_events = _events(alice)
    bob_events = _events(bob)
    assert {e["owner"] for e in alice_events} == {ALICE.owner}
    assert {e["owner"] for e in bob_events} == {BOB.owner}
    assert [e["trader_side"] for e in alice_events if e["event_type"] == "trade"] == ["MAKER"]
    assert [e["trader_side"] for e in bob_events if e["event_type"] == "trade"] == ["TAKER"]
    assert _frames(bob_other_market) == []
    hub.unsubscribe_user(alice, [CONDITION])
    harness.publish(limit_order(ALICE, YES, Side.SELL, "0.70", "10"))
    assert _frames(alice) == []


async def test_batches_within_the_flush_interval_go_out_as_one_frame() -> None:
    harness = make_harness()
    hub = harness.hub
    hub.limits = dataclasses.replace(hub.limits, ws_flush_interval_ms=5)
    subscriber = hub.connect()
    hub.subscribe_assets(subscriber, [YES], False, None)
    for price in ("0.30", "0.31", "0.32"):
        harness.publish(limit_order(ALICE, YES, Side.BUY, price, "5"))
    assert subscriber.next_frame() is None
    await asyncio.sleep(0.05)
    (frame,) = _frames(subscriber)
    assert [e["price_changes"][0]["price"] for e in frame] == ["0.3", "0.31", "0.32"]


async def test_an_idle_socket_gets_the_shared_frame_written_directly(harness: Harness) -> None:
    hub = harness.hub
    written: list[bytes] = []
    accepting = [True]

    def direct(frame: bytes) -> bool:
        if accepting[0]:
            written.append(frame)
        return accepting[0]

    first, second = hub.connect(), hub.connect()
    for subscriber in (first, second):
        subscriber.direct = direct
        hub.subscribe_assets(subscriber, [YES], False, None)
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.40", "5"))
    assert len(written) == 2 and written[0] is written[1] and first.queued == 0
    payload = written[0][4:] if written[0][1] == 126 else written[0][2:]
    assert written[0][0] == 0x81 and json.loads(payload)["event_type"] == "price_change"
    accepting[0] = False  # back-pressure: events wait in the queue, in order
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.41", "5"))
    accepting[0] = True
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.42", "5"))  # queued behind the first: not direct
    assert len(written) == 2 and first.queued == 2
    assert [e["price_changes"][0]["price"] for e in _events(first)] == ["0.41", "0.42"]


def test_text_frames_carry_their_length_in_the_shortest_form() -> None:
    assert text_frame("hi") == b"\x81\x02hi"
    assert text_frame("x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert text_frame("x" * 70_000)[:10] == b"\x81\x7f" + (70_000).to_bytes(8, "big")
