"""V1 orders (py-clob-client 0.34) and V2 orders (py-clob-client-v2) match each other in one book.

The server prefers version 2 and accepts both. On a fee market (1000 bps, r = 0.1) each order pays by its
own version's rule: the V1 order the fee it signed (maker or taker, a BUY's in tokens), the V2 order the V2
taker fee in collateral when it takes and nothing when it rests.
"""

from __future__ import annotations

from typing import Any

from py_clob_client.clob_types import AssetType as V1AssetType
from py_clob_client.clob_types import BalanceAllowanceParams as V1BalanceParams
from py_clob_client.clob_types import OrderArgs
from py_clob_client_v2 import AssetType, BalanceAllowanceParams, OrderArgsV2, TradeParams

from tests.e2e.clients import Timed, py_client, py_v2_client
from tests.e2e.conftest import Server


def _v1_balances(client: Any, yes: str, no: str) -> tuple[int, int, int]:
    def one(asset_type: str, token: str | None = None) -> int:
        return int(client.get_balance_allowance(V1BalanceParams(asset_type=asset_type, token_id=token))["balance"])

    return one(V1AssetType.COLLATERAL), one(V1AssetType.CONDITIONAL, yes), one(V1AssetType.CONDITIONAL, no)


def _v2_balances(client: Timed, yes: str, no: str) -> tuple[int, int, int]:
    def one(asset_type: str, token: str | None = None) -> int:
        params = BalanceAllowanceParams(asset_type=asset_type, token_id=token)
        return int(client.get_balance_allowance(params)["balance"])

    return one(AssetType.COLLATERAL), one(AssetType.CONDITIONAL, yes), one(AssetType.CONDITIONAL, no)


def test_v1_and_v2_orders_match_in_one_book_each_paying_its_own_fee(server: Server) -> None:
    market = server.create_market("mixed", fee_rate_bps=1000)
    cid = market["condition_id"]
    yes, no = (t["token_id"] for t in market["tokens"])
    carol, c = py_client(server)  # V1
    dave, d = py_v2_client(server)  # V2: the server prefers version 2
    for wallet in (c, d):
        server.deposit(wallet.address, "100")
        server.split(wallet.address, cid, "20")
    assert dave.get_version() == 2

    # V1 maker SELL YES at 0.60, V2 taker BUY: carol pays 0.1 * 0.4 * 10 = 0.4, dave 10 * 0.1 * 0.6 * 0.4 = 0.24
    carol.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side="SELL"))
    swap = dave.create_and_post_order(OrderArgsV2(token_id=yes, price=0.60, size=10, side="BUY"))
    assert (swap["status"], swap["makingAmount"], swap["takingAmount"]) == ("matched", "6.24", "10")
    assert _v1_balances(carol, yes, no) == (85_600_000, 10_000_000, 20_000_000)
    assert _v2_balances(dave, yes, no) == (73_760_000, 30_000_000, 20_000_000)

    # V2 maker BUY NO at 0.45 (pays nothing), V1 taker BUY YES at 0.55: a MINT at 0.55 YES / 0.45 NO;
    # carol pays the V1 BUY fee in YES: 0.1 * 0.45 * 10 / 0.55 = 0.818181
    dave.create_and_post_order(OrderArgsV2(token_id=no, price=0.45, size=10, side="BUY"))
    mint = carol.create_and_post_order(OrderArgs(token_id=yes, price=0.55, size=10, side="BUY"))
    assert (mint["status"], mint["makingAmount"], mint["takingAmount"]) == ("matched", "5.5", "9.181819")
    assert _v1_balances(carol, yes, no) == (80_100_000, 19_181_819, 20_000_000)
    assert _v2_balances(dave, yes, no) == (69_260_000, 30_000_000, 30_000_000)

    # both see both trades, each with its own side's fee
    as_dave = dave.get_trades(TradeParams(market=cid))
    assert [(t["trader_side"], t["fee"], t["fee_rate_bps"]) for t in as_dave] == [
        ("TAKER", "0.24", "1000"),
        ("MAKER", "0", "1000"),
    ]
    assert as_dave[1]["maker_orders"][0]["fee_rate_bps"] == "0"
    as_carol = carol.get_trades()
    assert [(t["trader_side"], t["fee"]) for t in as_carol] == [("MAKER", "0.4"), ("TAKER", "0.818181")]
    assert dave.slowest[0] < 1.0
