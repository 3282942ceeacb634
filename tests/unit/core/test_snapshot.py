"""Snapshots: an exchange restored from a snapshot plus the commands after it is the exchange that replayed them all."""

from __future__ import annotations

import msgspec
import pytest

from openclob.core import (
    AdvanceTime,
    Applied,
    CancelAll,
    Command,
    CreateMarket,
    Exchange,
    OrderAccepted,
    TickSizeChanged,
)
from openclob.core.snapshot import (
    EXCHANGE_ATTRIBUTES,
    SNAPSHOT_FORMAT,
    ExchangeState,
    SnapshotMismatch,
    decode_state,
    export_state,
    restore,
)
from tests.unit.core.workload import USERS, workload

COMMANDS = workload(seed=11, steps=600)


def _replay(commands: list[Command]) -> tuple[Exchange, dict[str, str], list[Applied]]:
    """Replay; return the exchange, the registry of accepted orders the store would hold, and every result."""
    exchange = Exchange()
    known: dict[str, str] = {}
    results = []
    for command in commands:
        applied = exchange.apply(command)
        results.append(applied)
        known.update((e.order_id, e.owner) for e in applied.events if isinstance(e, OrderAccepted))
    return exchange, known, results


def _restored_at(cut: int) -> Exchange:
    head, known, _ = _replay(COMMANDS[:cut])
    state = decode_state(export_state(head))
    return restore(state, {i: known[i] for i in known})


def test_the_snapshot_module_knows_every_attribute_of_the_exchange() -> None:
    # If this fails, the exchange's internals (declared in core/state.py) changed: update core/snapshot.py
    # (export_state and restore) and bump SNAPSHOT_FORMAT, then make sure the tests below still pass.
    assert set(vars(Exchange())) == EXCHANGE_ATTRIBUTES


def test_the_workload_reaches_every_part_of_the_state() -> None:
    exchange, known, results = _replay(COMMANDS[:480])
    state = msgspec.msgpack.decode(export_state(exchange), type=ExchangeState)
    assert len(state.open_orders) >= 5 and state.expiries and state.heartbeat_queue and len(known) > 100
    assert state.trade_count > 20 and any(m.winning_token_id for m in state.markets)
    assert state.settlements and state.pending_proceeds and state.proceeds_at_mined
    assert any(isinstance(e, TickSizeChanged) for r in results for e in r.events)
    assert sum(1 for r in results if type(r.result).__name__ == "Rejected") > 10


@pytest.mark.parametrize("cut", [0, 1, 9, 120, 350, 480, len(COMMANDS) - 1, len(COMMANDS)])
def test_snapshot_plus_the_tail_gives_the_state_hash_of_a_full_replay(cut: int) -> None:
    full, _, full_results = _replay(COMMANDS)
    restored = _restored_at(cut)
    tail_results = [restored.apply(command) for command in COMMANDS[cut:]]
    restored.check_invariants()
    assert restored.state_hash() == full.state_hash()
    assert tail_results == full_results[cut:]


@pytest.mark.parametrize("cut", [120, 480])
def test_a_restored_exchange_behaves_like_the_original_afterwards(cut: int) -> None:
    original, _, _ = _replay(COMMANDS[:cut])
    restored = _restored_at(cut)
    now = max(c.now_ms for c in COMMANDS[:cut])
    after: list[Command] = [CancelAll(now_ms=now, owner=owner) for owner, _ in USERS[:2]]
    after += [*workload(seed=12, steps=200)[10:], AdvanceTime(now_ms=now + 10**9)]
    after = [msgspec.structs.replace(c, now_ms=max(c.now_ms, now)) for c in after]
    for command in after:
        assert restored.apply(command) == original.apply(command), command
    assert restored.state_hash() == original.state_hash()
    assert restored.problems() == []


def test_known_orders_that_do_not_match_the_snapshot_are_refused() -> None:
    head, known, _ = _replay(COMMANDS[:200])
    state = decode_state(export_state(head))
    with pytest.raises(SnapshotMismatch, match="known orders"):
        restore(state, dict(list(known.items())[:-1]))
    some_open = state.open_orders[0].order_id
    with pytest.raises(SnapshotMismatch, match="not among the known orders"):
        restore(decode_state(export_state(head)), {**{k: v for k, v in known.items() if k != some_open}, "0x": ""})


def test_a_snapshot_of_another_format_or_damaged_is_refused() -> None:
    data = export_state(_replay(COMMANDS[:50])[0])
    state = msgspec.msgpack.decode(data, type=ExchangeState)
    other = msgspec.msgpack.encode(msgspec.structs.replace(state, format=SNAPSHOT_FORMAT + 1))
    with pytest.raises(SnapshotMismatch, match="format"):
        decode_state(other)
    with pytest.raises(SnapshotMismatch, match="unreadable"):
        decode_state(data[: len(data) // 2])


def test_a_restored_exchange_keeps_the_listing_order_of_its_markets() -> None:
    # Gamma ids are places in this order (api/gamma_catalog.py): a restart from a snapshot must keep it.
    exchange = Exchange()
    conditions = ["0x" + f"{n:02x}" * 32 for n in (9, 3, 7, 1, 5)]  # not in sorted order
    for i, condition_id in enumerate(conditions):
        exchange.apply(CreateMarket(now_ms=i, condition_id=condition_id, token_ids=(f"{i}1", f"{i}2")))
    restored = restore(decode_state(export_state(exchange)), {})
    assert list(restored.markets) == conditions
