"""Determinism: the same commands in the same order give the same state hash."""

from __future__ import annotations

from openclob.core import Command, Exchange, OrderType, Side
from tests.unit.core.conftest import ALICE, BOB, CAROL, NO, YES, limit_order, new_exchange


def _commands() -> list[Command]:
    out: list[Command] = []
    for i in range(30):
        user = (ALICE, BOB, CAROL)[i % 3]
        token = YES if i % 2 else NO
        side = Side.BUY if i % 4 < 2 else Side.SELL
        price = f"0.{40 + (i * 7) % 20}"
        out.append(limit_order(user, token, side, price, str(5 + i % 7), order_id=f"0x{i:064x}", now_ms=1000 + i))
    out.append(limit_order(ALICE, YES, Side.BUY, "0.99", "5", order_type=OrderType.FAK, order_id="0xfak", now_ms=2000))
    return out


def _run() -> Exchange:
    exchange = new_exchange()
    for command in _commands():
        exchange.apply(command)
    return exchange


def test_replaying_the_same_commands_gives_the_same_state_hash() -> None:
    first, second = _run(), _run()
    first.check_invariants()
    assert first.state_hash() == second.state_hash()


def test_a_different_command_order_gives_a_different_hash() -> None:
    exchange = new_exchange()
    for command in reversed(_commands()):
        exchange.apply(command)
    assert exchange.state_hash() != _run().state_hash()
