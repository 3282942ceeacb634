"""A seeded workload that touches every part of the exchange's state: for replay and snapshot tests.

Two markets (one with the dynamic tick, one with a V2 fee), four users; resting, crossing, FAK, FOK, post-only,
GTD and V2 orders; every kind of cancel; heartbeats that lapse; deposits, withdrawals, splits and merges;
trading-mode changes; a tick change; settlement with and without the lag, its settings changed twice; and, late,
the resolution of one market.
"""

from __future__ import annotations

import random

import msgspec

from openclob.core import (
    UNIT,
    AdvanceTime,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    Command,
    ConfigureSettlement,
    CreateMarket,
    Deposit,
    Heartbeat,
    Merge,
    OrderType,
    PlaceOrder,
    ProceedsAvailableAt,
    ResolveMarket,
    SetTradingMode,
    Side,
    Split,
    TradingMode,
    UpdateMarket,
    Withdraw,
)

MARKETS = (("0x" + "d1" * 32, ("301", "302")), ("0x" + "d2" * 32, ("401", "402")))
USERS = tuple(
    (f"key-{name}", "0x" + code * 20) for name, code in (("ann", "a7"), ("ben", "b8"), ("cat", "c9"), ("dan", "d0"))
)
START_MS = 1_700_000_000_000


def workload(seed: int, steps: int) -> list[Command]:
    """The setup, then `steps` random commands with a clock that moves forward."""
    rng = random.Random(seed)
    (first, first_tokens), (second, second_tokens) = MARKETS
    commands: list[Command] = [
        CreateMarket(now_ms=START_MS, condition_id=first, token_ids=first_tokens),
        CreateMarket(
            now_ms=START_MS, condition_id=second, token_ids=second_tokens, fee_rate_bps=200, dynamic_tick=False
        ),
    ]
    for _, address in USERS:
        commands.append(Deposit(now_ms=START_MS, address=address, amount=5_000 * UNIT))
        for condition_id, _ in MARKETS:
            commands.append(Split(now_ms=START_MS, address=address, condition_id=condition_id, amount=500 * UNIT))
    lagged = ConfigureSettlement(now_ms=START_MS, delay_ms=20_000, proceeds_available_at=ProceedsAvailableAt.MINED)
    commands.append(lagged)
    now = START_MS
    placed: list[tuple[str, str]] = []
    for number in range(steps):
        if number == steps // 3:
            commands.append(ConfigureSettlement(now_ms=now, delay_ms=5_000))
        if number == steps * 2 // 3:
            commands.append(msgspec.structs.replace(lagged, now_ms=now))
        now += rng.randrange(0, 1_500)
        owner, address = rng.choice(USERS)
        condition_id, tokens = rng.choice(MARKETS)
        roll = rng.random()
        if roll < 0.55:
            command: Command = _order(rng, number, now, owner, address, rng.choice(tokens), condition_id == second)
            placed.append((owner, command.order_id))
        elif roll < 0.65 and placed:
            chosen = rng.sample(placed, min(len(placed), rng.randint(1, 3)))
            command = CancelOrders(now_ms=now, owner=owner, order_ids=tuple(i for _, i in chosen))
        elif roll < 0.68:
            command = CancelAll(now_ms=now, owner=owner)
        elif roll < 0.71:
            command = CancelMarketOrders(now_ms=now, owner=owner, condition_id=condition_id)
        elif roll < 0.76:
            command = Heartbeat(now_ms=now, owner=owner, timeout_ms=rng.choice((10_000, 300_000, 3_000_000)))
        elif roll < 0.80:
            command = AdvanceTime(now_ms=now)
        elif roll < 0.83:
            command = Deposit(now_ms=now, address=address, amount=rng.randint(1, 100) * UNIT)
        elif roll < 0.85:
            command = Withdraw(now_ms=now, address=address, amount=rng.randint(1, 100) * UNIT)
        elif roll < 0.88:
            command = Split(now_ms=now, address=address, condition_id=condition_id, amount=rng.randint(1, 50) * UNIT)
        elif roll < 0.91:
            command = Merge(now_ms=now, address=address, condition_id=condition_id, amount=rng.randint(1, 50) * UNIT)
        elif roll < 0.91:
            command = SetTradingMode(now_ms=now, mode=rng.choice((TradingMode.POST_ONLY, TradingMode.CANCEL_ONLY)))
        elif roll < 0.93:
            command = UpdateMarket(now_ms=now, condition_id=second, tick_units=rng.choice((1_000, 10_000)))
        else:
            command = SetTradingMode(now_ms=now, mode=TradingMode.NORMAL)
        commands.append(command)
        if number == steps * 3 // 4:
            commands.append(ResolveMarket(now_ms=now, condition_id=second, winning_token_id=second_tokens[0]))
    return commands


def _order(rng: random.Random, number: int, now: int, owner: str, address: str, token: str, fees: bool) -> PlaceOrder:
    side = rng.choice((Side.BUY, Side.SELL))
    shares = rng.randint(5, 40) * UNIT
    price = rng.randint(30, 70) * 10_000
    collateral = shares * price // UNIT
    maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
    order_type = rng.choice((OrderType.GTC, OrderType.GTC, OrderType.GTC, OrderType.GTD, OrderType.FAK, OrderType.FOK))
    expiration = now // 1000 + 60 + rng.randint(1, 120) if order_type is OrderType.GTD else 0
    return PlaceOrder(
        now_ms=now,
        order_id=f"0x{number + 1:064x}",
        owner=owner,
        maker=address,
        signer=address,
        token_id=token,
        side=side,
        maker_amount=maker,
        taker_amount=taker,
        expiration=expiration,
        fee_rate_bps=None if rng.random() < 0.3 else (200 if fees else 0),
        order_type=order_type,
        post_only=order_type in (OrderType.GTC, OrderType.GTD) and rng.random() < 0.1,
    )
