"""The `openclob` command: `serve` runs the exchange; `admin ...` drives a running one's admin API."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from openclob.config import Limits, Settings
from openclob.core.amounts import UNIT

DEFAULT_DATA_DIR = Path("openclob-data")
DEMO_FAUCET_UNITS = 1_000 * UNIT


def _amount_units(text: str) -> int:
    from openclob.api.admin import parse_units

    return parse_units(text, "amount")


def _order_versions(text: str) -> tuple[int, ...]:
    try:
        versions = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected versions like 1,2 (got {text!r})") from None
    if not versions or not set(versions) <= {1, 2, 3}:
        raise argparse.ArgumentTypeError(f"versions must be among 1, 2, 3 (got {text!r})")
    return versions


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from openclob.api.app import build_app
    from openclob.datadir import admin_token, master_secret
    from openclob.service import Service
    from openclob.store import open_store

    if args.order_version not in args.order_versions:
        raise SystemExit(f"--order-version {args.order_version} must be one of --order-versions {args.order_versions}")
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    faucet = _amount_units(args.faucet) if args.faucet is not None else (DEMO_FAUCET_UNITS if args.demo else 0)
    settings = Settings(
        host=args.host,
        port=args.port,
        data_dir=data_dir,
        db_url=args.db,
        chain_id=args.chain_id,
        faucet_units=faucet,
        demo=args.demo,
        order_version=args.order_version,
        order_versions=args.order_versions,
        settlement_delay_ms=args.settlement_delay_ms,
        rate_limits=args.rate_limits,
        limits=Limits(ws_flush_interval_ms=args.ws_flush_ms),
    )
    token = admin_token(data_dir, args.admin_token or os.environ.get("OPENCLOB_ADMIN_TOKEN"))
    store = open_store(args.db, data_dir)
    service = Service(store, settings)
    app = build_app(service, master_secret(data_dir), token)
    if args.demo:
        from openclob.demo import add_demo_markets

        service.on_ready.append(lambda: add_demo_markets(service))
    service.on_ready.append(lambda: _announce(settings, args.db or str(data_dir / "openclob.db"), token))
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        access_log=False,
        proxy_headers=False,  # nothing reads the client's address: skip the X-Forwarded-* middleware per request
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after a clean shutdown
        uvicorn.Server(config).run()
    return 0


async def _announce(settings: Settings, database: str, token: str) -> None:
    print(f"openclob serving on http://{settings.host}:{settings.port}", flush=True)
    print(f"database: {database}", flush=True)
    print(f"admin token: {token}", flush=True)


def _admin(args: argparse.Namespace) -> int:
    import httpx

    url = (args.url or os.environ.get("OPENCLOB_URL") or "http://127.0.0.1:8080").rstrip("/")
    token = args.token or os.environ.get("OPENCLOB_ADMIN_TOKEN")
    if not token:
        token_file = Path(args.data_dir) / "admin-token"
        token = token_file.read_text().strip() if token_file.exists() else ""
    method, path, body = _admin_request(args)
    response = httpx.request(method, url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(response.text)
    return 0 if response.status_code == 200 else 1


def _admin_request(args: argparse.Namespace) -> tuple[str, str, Any]:
    action = args.action
    if action == "create-market":
        body: dict[str, Any] = {
            "question": args.question,
            "tick_size": args.tick_size,
            "min_order_size": args.min_order_size,
        }
        body.update({"neg_risk": args.neg_risk, "fee_rate_bps": args.fee_rate_bps, "fee_exponent": args.fee_exponent})
        if args.outcomes:
            body["outcomes"] = args.outcomes
        return "POST", "/admin/markets", body
    if action == "update-market":
        change: dict[str, Any] = {}
        if args.accepting_orders is not None:
            change["accepting_orders"] = args.accepting_orders == "true"
        if args.tick_size:
            change["tick_size"] = args.tick_size
        if args.min_order_size:
            change["min_order_size"] = args.min_order_size
        return "PATCH", f"/admin/markets/{args.condition_id}", change
    if action == "resolve":
        return "POST", f"/admin/markets/{args.condition_id}/resolve", {"winning_token_id": args.winning_token_id}
    if action == "deposit":
        return "POST", "/admin/balances", {"address": args.address, "asset": "COLLATERAL", "amount": args.amount}
    if action == "withdraw":
        return "POST", "/admin/balances", {"address": args.address, "asset": "COLLATERAL", "amount": f"-{args.amount}"}
    if action == "balances":
        return "GET", f"/admin/balances?address={args.address}", None
    if action in ("split", "merge"):
        return (
            "POST",
            f"/admin/{action}",
            {"address": args.address, "condition_id": args.condition_id, "amount": args.amount},
        )
    if action == "trading-mode":
        return (
            ("PUT", "/admin/trading-mode", {"mode": args.mode}) if args.mode else ("GET", "/admin/trading-mode", None)
        )
    if action == "link-wallet":
        body = {"signer": args.signer, "funder": args.funder, "signature_type": args.signature_type}
        return "POST", "/admin/wallets", body
    if action == "rate-limit-tier":
        path = f"/admin/rate-limit-tiers/{args.address}"
        return ("PUT", path, {"tier": args.tier}) if args.tier else ("GET", path, None)
    raise SystemExit(f"unknown admin action {action}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openclob", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the exchange server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--db", default=None, help="sqlite:///relative.db, sqlite:////absolute.db or postgresql://...")
    serve.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    serve.add_argument("--chain-id", type=int, default=137)
    serve.add_argument("--admin-token", default=None, help="default: $OPENCLOB_ADMIN_TOKEN, else kept in the data dir")
    serve.add_argument("--faucet", default=None, help="collateral credited to each new address (default 0)")
    serve.add_argument("--demo", action="store_true", help="create sample markets and a faucet of 1000")
    serve.add_argument(
        "--order-version", type=int, default=2, choices=(1, 2, 3), help="what GET /version advertises (default 2)"
    )
    serve.add_argument(
        "--order-versions",
        type=_order_versions,
        default=(1, 2),
        help='order versions accepted, e.g. "2" or "1,2,3" (default "1,2"; 3 is the V3 exchange domain)',
    )
    serve.add_argument("--settlement-delay-ms", type=int, default=0, help="MATCHED -> MINED -> CONFIRMED delay")
    serve.add_argument(
        "--ws-flush-ms",
        type=int,
        default=Limits().ws_flush_interval_ms,
        help="WebSocket market events go out this often",
    )
    serve.add_argument(
        "--rate-limits",
        choices=("off", "polymarket"),
        default="off",
        help="polymarket: per-signer order and cancel token buckets (429 when empty) and per-IP throttling, as"
        " Polymarket's (default off)",
    )
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(run=_serve)

    admin = commands.add_parser("admin", help="call a running server's admin API")
    admin.add_argument("--url", default=None, help="default: $OPENCLOB_URL or http://127.0.0.1:8080")
    admin.add_argument("--token", default=None, help="default: $OPENCLOB_ADMIN_TOKEN or the data dir's token")
    admin.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    actions = admin.add_subparsers(dest="action", required=True)
    market = actions.add_parser("create-market")
    market.add_argument("question")
    market.add_argument("--outcomes", nargs=2, default=None)
    market.add_argument("--tick-size", default="0.01")
    market.add_argument("--min-order-size", default="5")
    market.add_argument("--neg-risk", action="store_true")
    market.add_argument("--fee-rate-bps", type=int, default=0)
    market.add_argument("--fee-exponent", type=int, default=1, help="V2 taker fee exponent e (default 1)")
    update = actions.add_parser("update-market")
    update.add_argument("condition_id")
    update.add_argument("--accepting-orders", choices=("true", "false"), default=None)
    update.add_argument("--tick-size", default=None)
    update.add_argument("--min-order-size", default=None)
    resolve = actions.add_parser("resolve")
    resolve.add_argument("condition_id")
    resolve.add_argument("winning_token_id")
    for name in ("deposit", "withdraw"):
        funds = actions.add_parser(name)
        funds.add_argument("address")
        funds.add_argument("amount")
    balances = actions.add_parser("balances")
    balances.add_argument("address")
    for name in ("split", "merge"):
        convert = actions.add_parser(name)
        convert.add_argument("address")
        convert.add_argument("condition_id")
        convert.add_argument("amount")
    mode = actions.add_parser("trading-mode")
    mode.add_argument("mode", nargs="?", choices=("normal", "cancel-only", "disabled", "post-only"))
    wallet = actions.add_parser("link-wallet")
    wallet.add_argument("signer")
    wallet.add_argument("funder")
    wallet.add_argument("signature_type", type=int, choices=(1, 2, 3))
    tier = actions.add_parser("rate-limit-tier", help="show or set an address's trading rate-limit tier")
    tier.add_argument("address")
    tier.add_argument("tier", nargs="?", help="standard, copper, bronze, silver, gold, platinum, diamond or elite")
    admin.set_defaults(run=_admin)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `openclob` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
