"""`openclob inspect`: the journal replayed to a sequence gives the live exchange's state hash there."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclob.cli import main
from openclob.core import UNIT, Deposit, PlaceOrder, SetLiquidity, Side
from tests.stack import Stack, fresh_database

pytestmark = pytest.mark.anyio

MARKET = "0x" + "cd" * 32
YES, NO = "501", "502"
ACCOUNT, BOT = "0x" + "11" * 20, "0x" + "22" * 20


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_inspect_at_a_sequence_prints_the_state_hash_the_live_exchange_had_then(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_database("sqlite", tmp_path) as new_store:
        stack = Stack(new_store)
        await stack.start()
        await stack.list_market(MARKET, (YES, NO))
        levels = ((True, 480_000, 10 * UNIT), (False, 520_000, 20 * UNIT))
        await stack.submit(SetLiquidity(now_ms=0, address=ACCOUNT, condition_id=MARKET, levels=levels))
        seen = (stack.service.sequence, stack.service.exchange.state_hash())
        await stack.submit(Deposit(now_ms=0, address=BOT, amount=100 * UNIT))
        buy = PlaceOrder(
            now_ms=0,
            order_id="0x" + "ab" * 32,
            owner="bot-key",
            maker=BOT,
            signer=BOT,
            token_id=YES,
            side=Side.BUY,
            maker_amount=5_200_000,
            taker_amount=10 * UNIT,
        )
        await stack.submit(buy)
        final = (stack.service.sequence, stack.service.exchange.state_hash())
        await stack.stop()
    db = f"sqlite:///{tmp_path / 'openclob.db'}"

    assert main(["inspect", "--db", db, "--at", str(seen[0])]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [f"sequence: {seen[0]}", f"state_hash: {seen[1]}"]
    assert printed[2].startswith(f"market {MARKET} (tick 0.01, min size 5, accepting orders)")
    assert printed[3:] == [
        f"  token {YES} (Yes)",
        "    bids: 10 @ 0.48",
        "    asks: 20 @ 0.52",
        f"  token {NO} (No)",
        "    bids: 20 @ 0.48",
        "    asks: 10 @ 0.52",
    ]
    assert main(["inspect", "--db", db]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [f"sequence: {final[0]}", f"state_hash: {final[1]}"]
    assert "    asks: 10 @ 0.52" in printed  # the bot took 10 of the 20

    assert main(["inspect", "--db", db, "--at", "999"]) == 1
    assert f"openclob.db ends at sequence {final[0]}" in capsys.readouterr().err
