"""ws/faults.py: WebSocket fault rules stall or drop the hub's matching sockets, open or opening."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from openclob.core import Side
from openclob.faults import Active, Faults, Rule, check
from openclob.store.records import ApiKeyRecord
from openclob.ws.faults import CLOSE_GOING_AWAY, SocketFaults
from openclob.ws.hub import Subscriber
from tests.unit.core.conftest import ALICE, BOB, YES, limit_order
from tests.unit.ws.conftest import Harness

pytestmark = pytest.mark.anyio

ALICE_ADDRESS, BOB_ADDRESS = "0x" + "a1" * 20, "0x" + "b2" * 20


def _setup(harness: Harness) -> tuple[Faults, SocketFaults]:
    faults = Faults(seed=1, max_rules=100)
    return faults, SocketFaults(harness.hub, faults)


def _add(faults: Faults, socket_faults: SocketFaults, **fields: Any) -> Active:
    active = faults.add(check(Rule(**fields)), now_ms=0)
    socket_faults.added(active)
    return active


def _market_socket(harness: Harness) -> Subscriber:
    subscriber = harness.hub.connect("market")
    harness.hub.subscribe_assets(subscriber, [YES], initial_dump=False, custom=None)
    harness.hub.opened(subscriber)
    return subscriber


def _user_socket(harness: Harness, owner: str, address: str) -> Subscriber:
    harness.service.edge.add_key(
        ApiKeyRecord(
            api_key=owner, address=address, nonce=0, secret="c2VjcmV0", passphrase="p", readonly=False,
            created_at_ms=0,
        )
    )  # fmt: skip
    subscriber = harness.hub.connect("user")
    harness.hub.subscribe_user(subscriber, owner, [])
    harness.hub.opened(subscriber)
    return subscriber


def _order(harness: Harness, price: str) -> None:
    harness.publish(limit_order(ALICE, YES, Side.BUY, price, "5"))


async def test_a_stall_drops_the_events_of_open_sockets_until_it_is_removed(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    stalled, other_channel = _market_socket(harness), _user_socket(harness, ALICE.owner, ALICE_ADDRESS)
    _order(harness, "0.40")  # waiting in the queue when the stall begins: dropped too
    active = _add(faults, socket_faults, kind="ws_stall", channel="market", duration_ms=60_000)
    _order(harness, "0.41")
    assert stalled.queued == 0 and stalled.stalls == 1 and not stalled.stopped.done()
    assert other_channel.queued > 0  # the user channel is not stalled
    assert active.fired == 1
    faults.remove(active.id)
    socket_faults.removed(active)
    _order(harness, "0.42")
    assert stalled.stalls == 0 and stalled.queued == 1


async def test_a_stall_ends_by_itself_after_its_duration_and_the_rule_goes(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    subscriber = _market_socket(harness)
    _add(faults, socket_faults, kind="ws_stall", channel="market", duration_ms=5)
    await asyncio.sleep(0.05)
    _order(harness, "0.40")
    assert subscriber.queued == 1 and faults.rules() == []


async def test_a_socket_that_opens_during_a_stall_is_stalled_with_its_snapshot(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    _order(harness, "0.40")
    _add(faults, socket_faults, kind="ws_stall", channel="market", duration_ms=60_000)
    late = harness.hub.connect("market")
    harness.hub.opened(late)
    harness.hub.subscribe_assets(late, [YES], initial_dump=True, custom=None)
    _order(harness, "0.41")
    assert late.stalls == 1 and late.queued == 0


async def test_a_stall_with_a_count_stalls_that_many_sockets(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    first, second = _market_socket(harness), _market_socket(harness)
    _add(faults, socket_faults, kind="ws_stall", channel="market", duration_ms=60_000, count=1)
    assert (first.stalls, second.stalls) == (1, 0)
    assert faults.rules() == []  # its one firing is used; the stall itself lasts its duration
    assert _market_socket(harness).stalls == 0


async def test_a_disconnect_drops_open_matching_sockets_without_a_close_frame(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    aborted: list[Subscriber] = []
    alice, bob = _user_socket(harness, ALICE.owner, ALICE_ADDRESS), _user_socket(harness, BOB.owner, BOB_ADDRESS)
    for subscriber in (alice, bob):
        subscriber.abort = lambda s=subscriber: aborted.append(s)
    active = _add(faults, socket_faults, kind="ws_disconnect", channel="user", address=ALICE_ADDRESS)
    assert aborted == [alice] and alice.stopped.result() is None  # None: no close frame is sent
    assert not bob.stopped.done() and active.fired == 1


async def test_a_disconnect_in_force_drops_sockets_as_they_open_until_its_count_is_used(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    _add(faults, socket_faults, kind="ws_disconnect", channel="market", count=2)
    first, second, third = (_market_socket(harness) for _ in range(3))
    assert first.stopped.done() and second.stopped.done() and not third.stopped.done()
    assert first.stopped.result() == (CLOSE_GOING_AWAY, "disconnected by a fault rule")  # no way to abort here


async def test_a_user_socket_is_matched_once_authenticated_by_its_owners_address(harness: Harness) -> None:
    faults, socket_faults = _setup(harness)
    _add(faults, socket_faults, kind="ws_disconnect", channel="user", address=BOB_ADDRESS)
    alice = _user_socket(harness, ALICE.owner, ALICE_ADDRESS)
    bob = _user_socket(harness, BOB.owner, BOB_ADDRESS)
    assert not alice.stopped.done() and bob.stopped.done()


async def test_stall_rules_from_a_file_start_their_episode_when_the_server_starts(harness: Harness) -> None:
    faults = Faults(seed=1, max_rules=100)
    faults.add(check(Rule(kind="ws_stall", channel="market", duration_ms=60_000)), now_ms=0)
    socket_faults = SocketFaults(harness.hub, faults)
    socket_faults.start()
    assert _market_socket(harness).stalls == 1


async def test_sockets_are_tracked_from_connect_to_disconnect(harness: Harness) -> None:
    subscriber = harness.hub.connect("user")
    assert list(harness.hub.sockets) == [subscriber] and subscriber.channel == "user"
    harness.hub.disconnect(subscriber)
    assert harness.hub.sockets == {}
