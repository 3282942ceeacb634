"""The web console in headless Chromium against a real `openclob serve`: what the API says shows on the page,
live from the market WebSocket, and what the operator does in the page is what the public API then says."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from py_clob_client.clob_types import AssetType, BalanceAllowanceParams, OrderArgs
from py_clob_client.order_builder.constants import BUY, SELL

from tests.browser.conftest import screenshot, use_token
from tests.e2e.clients import py_client
from tests.e2e.conftest import Server

DOCS_SCREENSHOT = os.environ.get("OPENCLOB_DOCS_SCREENSHOT")
"""Where to save the README's screenshot of a market page (docs/console.png), when set."""


def _market(server: Server, question: str) -> tuple[str, str, str]:
    market = server.create_market(question)
    yes, no = (token["token_id"] for token in market["tokens"])
    return market["condition_id"], yes, no


def test_the_markets_list_shows_a_market_listed_through_the_admin_api(server: Server, page: Page) -> None:
    tag = secrets.token_hex(4)
    question = f"Will <b>{tag}</b> & <script>x()</script> show as text?"
    _market(server, question)
    page.goto(server.url + "/console")
    link = page.get_by_role("link", name=question, exact=True)
    expect(link).to_be_visible()
    row = page.locator("tr", has=link)
    expect(row.locator(".tag")).to_have_text("open")
    expect(row.locator("td").nth(4)).to_have_text("0")  # no volume yet
    page.get_by_role("searchbox").fill(tag)
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("searchbox").fill("no-such-market-" + tag)
    expect(page.get_by_text("No market matches.")).to_be_visible()
    screenshot(page, "markets")


def test_an_order_placed_with_py_clob_client_appears_in_the_ladder_without_a_reload(server: Server, page: Page) -> None:
    condition_id, yes, _ = _market(server, "Will the ladder move by itself?")
    page.goto(server.url + f"/console#/market/{condition_id}")
    expect(page.locator(".ladder .spread")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    maker, maker_wallet = py_client(server)
    server.deposit(maker_wallet.address, "100")
    maker.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY))
    bid = page.locator('.level.bid[data-price="0.4"]')
    expect(bid.locator(".size")).to_have_text("10")

    taker, taker_wallet = py_client(server)
    server.deposit(taker_wallet.address, "100")
    server.split(taker_wallet.address, condition_id, "20")
    taker.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=5, side=SELL))
    expect(bid.locator(".size")).to_have_text("5")
    expect(page.locator(".panel", has_text="Trades").locator("tbody tr").first).to_contain_text("SELL")
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("tab", name="No").click()  # the other token's ladder: the bid is an ask at 0.6 there
    expect(page.locator('.level.ask[data-price="0.6"] .size')).to_have_text("5")
    screenshot(page, "market")


def test_listing_and_resolving_a_market_in_the_console_shows_in_the_public_api(server: Server, page: Page) -> None:
    use_token(page, server)
    expect(page.get_by_role("button", name="Forget the token")).to_be_visible()
    screenshot(page, "operator")
    question = f"Was {secrets.token_hex(4)} listed from the console?"
    page.get_by_label("Question").fill(question)
    page.get_by_role("button", name="List", exact=True).click()
    expect(page.get_by_role("heading", name=question)).to_be_visible()
    condition_id = page.url.rsplit("/", 1)[1]
    listed = httpx.get(f"{server.url}/markets/{condition_id}").json()
    assert (listed["question"], listed["accepting_orders"], listed["closed"]) == (question, True, False)

    page.get_by_role("button", name="Pause orders").click()
    expect(page.locator(".bar .tag")).to_have_text("paused")
    assert httpx.get(f"{server.url}/markets/{condition_id}").json()["accepting_orders"] is False

    page.get_by_label("Winner").select_option(label="No")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".bar .tag")).to_have_text("resolved: No")
    resolved = httpx.get(f"{server.url}/markets/{condition_id}").json()
    assert resolved["closed"] is True
    assert [(t["outcome"], t["winner"]) for t in resolved["tokens"]] == [("Yes", False), ("No", True)]


def test_a_wrong_admin_token_is_refused_with_a_visible_message(server: Server, page: Page) -> None:
    use_token(page, server, "not-the-token")
    expect(page.locator("form .status.error")).to_have_text("Refused: that is not the admin token.")
    assert page.evaluate("sessionStorage.length") == 0
    expect(page.locator("#operator-state")).to_have_text("")
    page.goto(server.url + f"/console#/account/0x{'ab' * 20}")
    expect(page.get_by_text("Accounts are read through the admin API")).to_be_visible()


def test_the_account_page_shows_balances_orders_trades_and_keys(server: Server, page: Page) -> None:
    condition_id, yes, _ = _market(server, "Will the account page add up?")
    client, wallet = py_client(server)
    server.deposit(wallet.address, "100")
    client.create_and_post_order(OrderArgs(token_id=yes, price=0.25, size=20, side=BUY))
    use_token(page, server)
    expect(page.locator("#operator-state")).to_have_text("operator")
    page.goto(server.url + f"/console#/account/{wallet.address}")
    balances = page.locator(".panel", has_text="Balances")
    collateral = balances.locator("tr", has_text="Collateral")
    expect(collateral.locator("td")).to_have_text(["Collateral", "95", "5", "100", "0"])
    orders = page.locator(".panel", has_text="Open orders")
    expect(orders.locator("tbody tr")).to_have_count(1)
    expect(orders.locator("tbody tr td").nth(2)).to_have_text("0.25")
    expect(orders.get_by_role("link")).to_have_attribute("href", f"#/market/{condition_id}")
    keys = page.locator(".panel", has_text="API keys")
    expect(keys.locator("code")).to_have_text(client.creds.api_key)

    page.get_by_label("Amount").first.fill("-20")
    page.get_by_role("button", name="Deposit / withdraw").click()
    expect(collateral.locator("td").nth(1)).to_have_text("75")
    public = client.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))
    assert public["balance"] == "80000000"  # 75 free + 5 reserved, in base units
    screenshot(page, "account")


def test_the_websocket_drop_shows_a_message_until_the_console_reconnects(server: Server, page: Page) -> None:
    condition_id, yes, _ = _market(server, "Does the console notice a dropped socket?")
    page.goto(server.url + f"/console#/market/{condition_id}")
    expect(page.locator(".ladder .spread")).to_be_visible()
    banner = page.locator("#ws-banner")
    expect(banner).to_be_hidden()
    server.admin("POST", "/admin/faults", {"kind": "ws_disconnect", "channel": "market", "count": 1})
    expect(banner).to_be_visible()
    expect(banner).to_have_text("Live updates lost: reconnecting…")
    expect(banner).to_be_hidden()
    # live again: an order placed now still reaches the ladder
    client, wallet = py_client(server)
    server.deposit(wallet.address, "100")
    client.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
    expect(page.locator('.level.bid[data-price="0.3"] .size')).to_have_text("10")


def test_each_page_fits_a_phone_and_screenshots_are_saved(server: Server, page: Page) -> None:
    condition_id, yes, _ = _market(server, "Will it rain in Lisbon on Saturday?")
    maker, maker_wallet = py_client(server)
    server.deposit(maker_wallet.address, "1000")
    server.split(maker_wallet.address, condition_id, "300")
    for price, size in ((0.42, 40), (0.41, 90), (0.39, 150), (0.35, 60)):
        maker.create_and_post_order(OrderArgs(token_id=yes, price=price, size=size, side=BUY))
    for price, size in ((0.46, 30), (0.47, 80), (0.50, 120), (0.55, 50)):
        maker.create_and_post_order(OrderArgs(token_id=yes, price=price, size=size, side=SELL))
    taker, taker_wallet = py_client(server)
    server.deposit(taker_wallet.address, "1000")
    for price, size in ((0.46, 10), (0.47, 25), (0.47, 15)):
        taker.create_and_post_order(OrderArgs(token_id=yes, price=price, size=size, side=BUY))
        server.admin("POST", "/admin/clock", {"advance_ms": 15 * 60_000})  # a point of history each

    page.goto(server.url + f"/console#/market/{condition_id}")
    expect(page.locator('.level.ask[data-price="0.47"] .size')).to_have_text("60")  # 0.46 taken, then 20 at 0.47
    expect(page.locator(".panel", has_text="Price history").locator("path.line")).to_be_attached()
    screenshot(page, "market-laptop")
    if DOCS_SCREENSHOT:
        page.set_viewport_size({"width": 1100, "height": 760})
        page.screenshot(path=DOCS_SCREENSHOT)
        print(f"README screenshot: {Path(DOCS_SCREENSHOT).resolve()}")

    use_token(page, server)
    expect(page.get_by_role("button", name="Forget the token")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    for name, hash_ in (
        ("markets", "#/markets"),
        ("market", f"#/market/{condition_id}"),
        ("account", f"#/account/{maker_wallet.address}"),
        ("operator", "#/operator"),
    ):
        page.goto(server.url + "/console" + hash_)
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, overflow)
        screenshot(page, f"{name}-phone")
