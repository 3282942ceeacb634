"""The `openclob` command: `serve` runs the exchange; `admin ...` drives a running one's admin API."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import secrets
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from openclob.config import CLOCK_MODES, Limits, Settings
from openclob.core.amounts import UNIT
from openclob.faults import Faults, InvalidRule, Rule, load_rules

if TYPE_CHECKING:
    from openclob.locks import Lock
    from openclob.replay.driver import Replays
    from openclob.replay.recording import Recording

DEFAULT_DATA_DIR = Path("openclob-data")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
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


class StartupError(Exception):
    """Why the server cannot start, in one line for the operator."""


log = logging.getLogger("openclob.cli")
startup_log = logging.getLogger("openclob.startup")
"""Where `--log-format json` writes what text mode prints at startup (logs.py lets its INFO through)."""


def _serve(args: argparse.Namespace) -> int:
    from openclob import logs

    logs.configure(args.log_format, args.log_level, args.access_log)
    try:
        return _run_server(args)
    except StartupError as error:
        if args.log_format == "json":
            log.critical("openclob: %s", error, extra={"event": "startup_failed"})
        else:
            print(f"openclob: {error}", file=sys.stderr, flush=True)
        return 1


def _run_server(args: argparse.Namespace) -> int:
    if args.edge_link is not None:
        return _run_edge(args)
    from openclob.assembly import build_app
    from openclob.datadir import ADMIN_TOKEN_FILE, admin_token, master_secret
    from openclob.locks import AlreadyLocked, LockFailed, holder_description, lock_data_dir
    from openclob.logs import redact
    from openclob.server import Server, listening_socket, uvicorn_config
    from openclob.service import Service
    from openclob.store import StoreError, open_store

    if args.order_version not in args.order_versions:
        raise StartupError(
            f"--order-version {args.order_version} must be one of --order-versions {args.order_versions}"
        )
    fault_rules = _fault_rules(args.faults)
    recording = _recording(args.replay)
    data_dir = Path(args.data_dir)
    if args.db:
        redact.add(urllib.parse.urlsplit(args.db).password)
        for password in re.findall(r"(?i)password=([^&]*)", args.db):
            redact.add(password)
    db_shown = redact_url(args.db) if args.db else str(data_dir / "openclob.db")
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as error:
        raise StartupError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    port = sock.getsockname()[1]
    url = f"http://{args.host}:{port}"
    locks: list[Lock] = []
    try:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            locks.append(lock_data_dir(data_dir, holder_description(url)))
            given_token = args.admin_token or os.environ.get("OPENCLOB_ADMIN_TOKEN")
            token = admin_token(data_dir, given_token)
            secret = master_secret(data_dir)
            redact.add(secret.hex())
        except OSError as error:
            raise StartupError(f"cannot use the data directory {data_dir}: {error.strerror or error}") from None
        try:
            locks.append(lock_store(args.db, data_dir, holder_description(url)))
            store = open_store(args.db, data_dir)
        except (StoreError, LockFailed, ValueError, OSError) as error:
            raise StartupError(f"cannot open the database {db_shown}: {_one_line(error, args.db)}") from None
        except AlreadyLocked as error:
            raise StartupError(str(error)) from None
        settings = _settings(args, port, data_dir)
        service = Service(store, settings)
        faults = Faults(fault_seed(args.seed), settings.limits.max_fault_rules)
        for rule in fault_rules:
            faults.add(rule, service.now_ms())
        side = None
        if args.workers > 1:
            from openclob.workers import sequencer_side

            try:
                side = sequencer_side(service, sock, args.argv, args.workers, faults)
            except OSError as error:
                raise StartupError(f"cannot set up the edge processes: {error.strerror or error}") from None
        app = build_app(
            service,
            secret,
            token,
            faults,
            with_metrics=args.metrics == "on",
            access_log=args.access_log,
            on_startup=side.on_startup if side else (),
            on_shutdown=side.on_shutdown if side else (),
        )
        app.trusts_forwarded_client = side is not None
        if side is not None:
            app.state.hub.detach()  # no WebSocket reaches this process: the edges serve them
            app.state.fault_rules_followed = side.link.fault_rules_followed
            app.state.edge_metrics = side.link.edge_metrics
        if args.demo:
            from openclob.demo import add_demo_markets, simulate_demo_markets

            service.on_ready.append(lambda: add_demo_markets(service))
            service.on_ready.append(lambda: simulate_demo_markets(service, app.state.simulations))
        redact.add(token)
        if args.log_format == "json":
            # The token is printed in text mode (it is how a user learns it), never put in a JSON log line.
            token_source = str(data_dir / ADMIN_TOKEN_FILE) if not given_token else "given"
            service.on_ready.append(lambda: _log_serving(url, db_shown, token_source, faults, args.metrics))
        else:
            service.on_ready.append(lambda: _announce(url, db_shown, token, faults))
        if recording is not None:
            replays = app.state.replays
            service.on_ready.append(lambda: _start_replay(replays, args.replay, args.replay_speed, recording))
        server = Server(uvicorn_config(app, settings.limits, app.load, args.log_level), settings.limits)
        service.on_fatal = server.request_stop
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after a clean shutdown
            try:
                server.run(sockets=[side.app_socket if side else sock])  # with edges, they accept on `sock`
            finally:
                if side is not None:
                    side.close()
        if service.failure is not None:
            raise StartupError(f"stopped: {service.failure}")
        return 0
    except AlreadyLocked as error:
        raise StartupError(str(error)) from None
    finally:
        sock.close()
        for lock in reversed(locks):
            lock.release()


def _run_edge(args: argparse.Namespace) -> int:
    """One edge process of `--workers N` (workers.py): the whole API on the inherited listening socket, with the
    sequencer in the process that started this one."""
    import socket

    from openclob.api.forward import Forwarder
    from openclob.assembly import build_app
    from openclob.datadir import admin_token, master_secret
    from openclob.edge_service import EdgeService
    from openclob.edges import die_with_parent
    from openclob.logs import redact
    from openclob.server import Server, uvicorn_config
    from openclob.store import store_at

    die_with_parent()
    sock = socket.socket(fileno=args.listen_fd)
    data_dir = Path(args.data_dir)
    try:
        token = admin_token(data_dir, args.admin_token or os.environ.get("OPENCLOB_ADMIN_TOKEN"))
        secret = master_secret(data_dir)
    except OSError as error:
        raise StartupError(f"cannot use the data directory {data_dir}: {error.strerror or error}") from None
    redact.add(token)
    redact.add(secret.hex())
    if args.db:
        redact.add(urllib.parse.urlsplit(args.db).password)
    settings = _settings(args, sock.getsockname()[1], data_dir)
    service = EdgeService(store_at(args.db, data_dir), settings, args.edge_link)
    forwarder = Forwarder(args.edge_app, settings.limits.max_body_bytes)
    faults = Faults(fault_seed(args.seed), settings.limits.max_fault_rules)
    app = build_app(
        service,
        secret,
        token,
        faults,
        with_metrics=args.metrics == "on",
        access_log=args.access_log,
        on_shutdown=[forwarder.close],
    )
    app.forward = forwarder
    app.forward_rate_limited = settings.rate_limits != "off"
    service.follow_fault_rules = app.state.socket_faults.follow
    server = Server(uvicorn_config(app, settings.limits, app.load, args.log_level), settings.limits)
    service.on_fatal = server.request_stop
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
    return 1 if service.failure is not None else 0


def _settings(args: argparse.Namespace, port: int, data_dir: Path) -> Settings:
    """The server's settings from `serve`'s arguments."""
    faucet = _amount_units(args.faucet) if args.faucet is not None else (DEMO_FAUCET_UNITS if args.demo else 0)
    return Settings(
        host=args.host,
        port=port,
        data_dir=data_dir,
        db_url=args.db,
        chain_id=args.chain_id,
        faucet_units=faucet,
        demo=args.demo,
        order_version=args.order_version,
        order_versions=args.order_versions,
        settlement_delay_ms=args.settlement_delay_ms,
        proceeds_available_at=args.proceeds_available_at,
        clock_mode=args.clock,
        start_time_ms=args.start_time_ms,
        rate_limits=args.rate_limits,
        auto_redeem=args.auto_redeem,
        user_conversions=args.user_conversions,
        workers=args.workers,
        limits=Limits(
            ws_flush_interval_ms=args.ws_flush_ms,
            stop_timeout_ms=round(args.stop_timeout * 1000),
            max_inflight_requests=args.max_inflight,
        ),
    )


def lock_store(db_url: str | None, data_dir: Path, holder: str) -> Lock:
    """Lock the database that `db_url` names (see `open_store` for the forms)."""
    from openclob.locks import PostgresLock, lock_sqlite
    from openclob.store import default_sqlite_path, is_postgres_url, sqlite_path

    if is_postgres_url(db_url):
        return PostgresLock(db_url or "", holder)
    path = sqlite_path(db_url) if db_url else default_sqlite_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return lock_sqlite(path, holder)


def redact_url(url: str) -> str:
    """A database URL without its password (in the user part or a `password=` parameter)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # urlunsplit would drop the empty authority of sqlite:////absolute/path.db
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def _one_line(error: BaseException, secret_source: str | None) -> str:
    """An error as one line, with any password of `secret_source` (a database URL) blanked out."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    if secret_source:
        parts = urllib.parse.urlsplit(secret_source)
        for secret in (parts.password, *re.findall(r"(?i)password=([^&]*)", parts.query)):
            if secret:
                text = text.replace(secret, "***")
    return text


async def _announce(url: str, database: str, token: str, faults: Faults) -> None:
    print(f"openclob serving on {url}", flush=True)
    print(f"database: {database}", flush=True)
    print(f"admin token: {token}", flush=True)
    rules = len(faults.rules())
    print(f"fault rules: {rules}, seed {faults.seed} (--seed {faults.seed} repeats the draws)", flush=True)


def _recording(path: str | None) -> Recording | None:
    """The checked recording of `--replay`, or a StartupError in one line."""
    if path is None:
        return None
    from openclob.replay.recording import RecordingError, read_recording

    try:
        return read_recording(Path(path))
    except RecordingError as error:
        raise StartupError(f"cannot replay {path}: {error}") from None


async def _start_replay(replays: Replays, path: str, speed: float, recording: Recording) -> None:
    from openclob.replay.driver import ReplayRefused

    try:
        replay = await replays.start(path, speed, recording)
    except ReplayRefused as error:
        print(f"openclob: cannot replay {path}: {error}", file=sys.stderr, flush=True)
        return
    print(f"replay {replay.id}: {path} at speed {speed:g} on market {replay.condition_id}", flush=True)


async def _log_serving(url: str, database: str, token_source: str, faults: Faults, metrics: str) -> None:
    """`_announce` as one JSON log line (`--log-format json`): where the admin token is kept, never the token."""
    fields = {
        "url": url,
        "database": database,
        "admin_token": token_source,
        "fault_rules": len(faults.rules()),
        "seed": faults.seed,
        "metrics": metrics,
    }
    startup_log.info("openclob serving on %s", url, extra={"event": "serving", "fields": fields})


def _fault_rules(path: str | None) -> list[Rule]:
    """The rules of a `--faults` file, or a StartupError in one line."""
    if path is None:
        return []
    try:
        rules = load_rules(Path(path).read_bytes())
    except OSError as error:
        raise StartupError(f"cannot read the fault rules {path}: {error.strerror or error}") from None
    except InvalidRule as error:
        raise StartupError(f"invalid fault rules in {path}: {error}") from None
    limit = Limits().max_fault_rules
    if len(rules) > limit:
        raise StartupError(f"invalid fault rules in {path}: {len(rules)} rules, at most {limit}")
    return rules


def _admin(args: argparse.Namespace) -> int:
    import httpx

    url = (args.url or os.environ.get("OPENCLOB_URL") or "http://127.0.0.1:8080").rstrip("/")
    token = args.token or os.environ.get("OPENCLOB_ADMIN_TOKEN") or _token_from(Path(args.data_dir))
    method, path, body = _admin_request(args)
    try:
        response = httpx.request(
            method, url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
    except httpx.HTTPError as error:
        print(f"openclob admin: cannot reach the server at {url}: {error}", file=sys.stderr)
        return 1
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(response.text)
    return 0 if response.status_code == 200 else 1


def _token_from(data_dir: Path) -> str:
    """The admin token a server keeps in its data directory, or exit with one line saying where to find one."""
    token_file = data_dir / "admin-token"
    try:
        return token_file.read_text().strip()
    except OSError as error:
        reason = "not found" if isinstance(error, FileNotFoundError) else (error.strerror or str(error))
        raise SystemExit(
            f"openclob admin: no admin token: give --token or set $OPENCLOB_ADMIN_TOKEN ({token_file}: {reason})"
        ) from None


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
        if args.end_date:
            body["end_date_iso"] = args.end_date
        return "POST", "/admin/markets", body
    if action == "create-event":
        listing = {"title": args.title, "outcomes": args.outcomes, "neg_risk": args.neg_risk}
        return "POST", "/admin/events", listing | ({"end_date_iso": args.end_date} if args.end_date else {})
    if action == "events":
        return "GET", "/admin/events", None
    if action == "convert":
        conversion = {"address": args.address, "event_id": args.event_id, "index_set": args.index_set}
        return "POST", "/admin/convert", conversion | {"amount": args.amount}
    if action == "redeem":
        return "POST", "/admin/redeem", {"address": args.address, "condition_id": args.condition_id}
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
    if action == "clock":
        moves: dict[str, Any] = {}
        if args.advance_ms is not None:
            moves["advance_ms"] = args.advance_ms
        if args.freeze is not None:
            moves["freeze"] = args.freeze == "true"
        return ("POST", "/admin/clock", moves) if moves else ("GET", "/admin/clock", None)
    if action == "rate-limit-tier":
        path = f"/admin/rate-limit-tiers/{args.address}"
        return ("PUT", path, {"tier": args.tier}) if args.tier else ("GET", path, None)
    if action == "faults":
        return _faults_request(args)
    if action == "simulate":
        return "POST", "/admin/simulations", _simulation_body(args)
    if action == "simulations":
        return "GET", "/admin/simulations", None
    if action == "stop-simulation":
        return "DELETE", f"/admin/simulations/{args.id}", None
    raise SystemExit(f"unknown admin action {action}")


FAULT_FIELDS = (
    "kind", "method", "path", "address", "count", "probability", "status", "body", "delay_ms", "channel", "duration_ms",
)  # fmt: skip
"""The rule fields `admin faults add` takes as flags (--delay-ms for delay_ms)."""


SIMULATION_FIELDS = ("seed", "makers", "takers", "informed", "levels", "taker_rate", "informed_threshold")
FAIR_VALUE_FIELDS = ("start", "volatility", "jump_rate", "jump_size")
"""The simulation fields `admin simulate` takes as flags (--taker-rate for taker_rate); the fair value's
are flags too (--start, --volatility, --jump-rate, --jump-size)."""


def _simulation_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"condition_id": args.condition_id}
    body.update({name: getattr(args, name) for name in SIMULATION_FIELDS if getattr(args, name) is not None})
    fair_value = {name: getattr(args, name) for name in FAIR_VALUE_FIELDS if getattr(args, name) is not None}
    if fair_value:
        body["fair_value"] = fair_value
    return body


def _simulate_parser(simulate: argparse.ArgumentParser) -> None:
    simulate.add_argument("condition_id")
    simulate.add_argument("--seed", type=_seed, default=None, help="default: the server draws one")
    for name in ("makers", "takers", "informed", "levels"):
        simulate.add_argument(f"--{name}", type=int, default=None)
    for name in ("taker-rate", "informed-threshold", *(f.replace("_", "-") for f in FAIR_VALUE_FIELDS)):
        simulate.add_argument(f"--{name}", type=float, default=None)


def _faults_request(args: argparse.Namespace) -> tuple[str, str, Any]:
    if args.faults_action == "add":
        rule = {name: getattr(args, name) for name in FAULT_FIELDS if getattr(args, name) is not None}
        return "POST", "/admin/faults", rule
    if args.faults_action == "list":
        return "GET", "/admin/faults", None
    if args.faults_action == "remove":
        return "DELETE", f"/admin/faults/{args.id}", None
    return "DELETE", "/admin/faults", None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected JSON, e.g. \'{{"error": "..."}}\' (got {text!r})') from None


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65_535):
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535 (got {text!r})")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9 and int(text) > 0):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 (got {text!r})")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3_600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 3600 (got {text!r})")
    return value


def _speed(text: str) -> float:
    from openclob.replay.driver import MAX_SPEED

    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"a replay speed is a number from 0 to {MAX_SPEED:g} (got {text!r})")
    return value


def _seconds_any(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 10**7:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 (got {text!r})")
    return value


def _sequence(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise argparse.ArgumentTypeError(f"a journal sequence is a whole number from 0 (got {text!r})")
    return int(text)


def _record(args: argparse.Namespace) -> int:
    from openclob.replay.recorder import record_main

    return record_main(args.url, args.assets, args.rest_url, Path(args.out), args.seconds)


def _inspect(args: argparse.Namespace) -> int:
    from openclob.replay.inspect import inspect_main

    return inspect_main(args.db, Path(args.data_dir), args.at)


MAX_SEED = 10**19 - 1
"""What `--seed` takes: up to 19 digits."""


def _seed(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_SEED))):
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 (got {text!r})")
    return int(text)


def fault_seed(given: int | None) -> int:
    """The seed of the fault draws: `--seed`, else a random one, which startup prints so that a run can be
    repeated with it."""
    return secrets.randbelow(MAX_SEED + 1) if given is None else given


def _fault_parser(faults: argparse.ArgumentParser) -> None:
    actions = faults.add_subparsers(dest="faults_action", required=True)
    add = actions.add_parser("add", help="put a rule in force")
    add.add_argument(
        "--kind",
        required=True,
        choices=("status", "delay", "timeout_after_apply", "drop", "ws_stall", "ws_disconnect", "new_key_delay"),
    )
    add.add_argument("--method", default=None, help="match this HTTP method")
    add.add_argument("--path", default=None, help="match this path, or a prefix ending in *")
    add.add_argument("--address", default=None, help="match this POLY_ADDRESS (or user channel owner)")
    add.add_argument("--count", type=int, default=None, help="fire at most this many times")
    add.add_argument("--probability", type=float, default=None, help="fire with this probability (default 1)")
    add.add_argument("--status", type=int, default=None, help="status: the status answered")
    add.add_argument("--body", type=_json, default=None, help="status: the JSON body answered")
    add.add_argument("--delay-ms", type=int, default=None)
    add.add_argument("--channel", choices=("market", "user"), default=None)
    add.add_argument("--duration-ms", type=int, default=None, help="ws_stall: how long")
    actions.add_parser("list", help="the rules in force, with what each has left")
    remove = actions.add_parser("remove", help="take one rule out of force")
    remove.add_argument("id")
    actions.add_parser("clear", help="take every rule out of force")


def _bounded(name: str, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 0 to `maximum`."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit() and int(text) <= maximum):
            raise argparse.ArgumentTypeError(f"{name} is a whole number from 0 to {maximum} (got {text!r})")
        return int(text)

    return parse


def _parser() -> argparse.ArgumentParser:
    from openclob.core.bounds import MAX_CLOCK_MS, MAX_SETTLEMENT_DELAY_MS

    parser = _Parser(prog="openclob", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the exchange server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8080, help="0 picks a free port")
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
    serve.add_argument(
        "--settlement-delay-ms",
        type=_bounded("a delay", MAX_SETTLEMENT_DELAY_MS),
        default=0,
        help="MATCHED -> MINED -> CONFIRMED delay",
    )
    serve.add_argument(
        "--proceeds-available-at",
        choices=("matched", "mined"),
        default="matched",
        help="when tokens bought and collateral from a sale can be spent: at once (matched, the default) or once"
        " the trade is MINED",
    )
    serve.add_argument(
        "--clock",
        choices=CLOCK_MODES,
        default=None,
        help="the exchange clock at start: wall (running) or frozen (default: as the exchange last had it)",
    )
    serve.add_argument(
        "--start-time-ms",
        type=_bounded("a time", MAX_CLOCK_MS),
        default=None,
        help="start the exchange clock at this unix time in ms (unless the exchange is past it already)",
    )
    serve.add_argument(
        "--ws-flush-ms",
        type=int,
        default=Limits().ws_flush_interval_ms,
        help="WebSocket market events go out this often",
    )
    serve.add_argument(
        "--stop-timeout",
        type=_seconds,
        default=Limits().stop_timeout_ms / 1000,
        help="seconds a stop waits for requests, then for queued batches (the process exits by 3x this)",
    )
    serve.add_argument(
        "--max-inflight",
        type=_positive,
        default=Limits().max_inflight_requests,
        help="HTTP requests in hand past which new ones are answered 503 at once (default %(default)s)",
    )
    serve.add_argument(
        "--rate-limits",
        choices=("off", "polymarket"),
        default="off",
        help="polymarket: per-signer order and cancel token buckets (429 when empty) and per-IP throttling, as"
        " Polymarket's (default off)",
    )
    serve.add_argument(
        "--auto-redeem",
        action="store_true",
        help="resolution pays winning tokens at once, as before redemption existed (default: they become"
        " redeemable through POST /admin/redeem or POST /redeem)",
    )
    serve.add_argument(
        "--user-conversions",
        action="store_true",
        help="API keys may convert their own neg-risk NO positions through POST /convert (default: only the operator,"
        " POST /admin/convert)",
    )
    serve.add_argument("--faults", metavar="FILE", default=None, help="fault rules in force from the start (JSON list)")
    serve.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seeds the fault rules' probability draws, so that a run can be repeated (default: random, printed)",
    )
    serve.add_argument(
        "--replay", metavar="FILE", default=None, help="replay this recording into its market once the server is up"
    )
    serve.add_argument(
        "--replay-speed",
        type=_speed,
        default=0.0,
        help="1 replays in real time, 2 twice as fast, 0 (the default) as fast as possible",
    )
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="warning", help="default warning")
    serve.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log lines as text (default) or JSON objects"
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log one line per HTTP request (route, status, latency; default off)"
    )
    serve.add_argument(
        "--metrics",
        choices=("on", "off"),
        default="on",
        help="serve Prometheus metrics at GET /metrics, without auth (default on; off: 404)",
    )
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="edge processes doing HTTP, auth, signatures and WebSocket fan-out in front of the one sequencer "
        "process (auto: one per core; default 1: everything in one process)",
    )
    for hidden in ("--edge-link", "--edge-app"):  # given by the sequencer's process to its edges (workers.py)
        serve.add_argument(hidden, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--edge-index", type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    record = commands.add_parser("record", help="record a market channel to a file that --replay takes")
    record.add_argument(
        "--url",
        required=True,
        help="the market channel, e.g. wss://ws-subscriptions-clob.polymarket"
        ".com/ws/market or ws://127.0.0.1:8080/ws/market",
    )
    record.add_argument("--assets", required=True, help="token ids, comma-separated (one market's)")
    record.add_argument(
        "--rest-url", default=None, help="where GET /markets/{condition_id} is (default: the --url host over http)"
    )
    record.add_argument("--out", required=True, help="the recording to write (JSON lines)")
    record.add_argument("--seconds", type=_seconds_any, default=None, help="stop after this long (default: Ctrl-C)")
    record.set_defaults(run=_record)

    inspect = commands.add_parser("inspect", help="rebuild the exchange from a journal and print its state")
    inspect.add_argument("--db", default=None, help="the store (default: the data dir's SQLite file)")
    inspect.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    inspect.add_argument(
        "--at", type=_sequence, default=None, help="the journal sequence to stop at (default: the end)"
    )
    inspect.set_defaults(run=_inspect)

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
    market.add_argument("--end-date", default=None, help="ISO-8601; the market closes then (exchange clock)")
    event = actions.add_parser("create-event", help="list an event: one binary market per outcome")
    event.add_argument("title")
    event.add_argument("outcomes", nargs="+")
    event.add_argument("--neg-risk", action="store_true")
    event.add_argument("--end-date", default=None, help="ISO-8601; its markets close then (exchange clock)")
    actions.add_parser("events", help="list the events with their markets")
    convert_no = actions.add_parser("convert", help="convert NO positions of a neg-risk event (NegRiskAdapter)")
    convert_no.add_argument("address")
    convert_no.add_argument("event_id")
    convert_no.add_argument("index_set", type=int, help="bit i converts outcome i's NO (lsb: the first outcome)")
    convert_no.add_argument("amount")
    redeem = actions.add_parser("redeem", help="redeem an address's tokens of a resolved market")
    redeem.add_argument("address")
    redeem.add_argument("condition_id")
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
    clock = actions.add_parser("clock", help="show, move forward or freeze the exchange clock")
    clock.add_argument("--advance-ms", type=_bounded("--advance-ms", MAX_CLOCK_MS), default=None)
    clock.add_argument("--freeze", choices=("true", "false"), default=None)
    tier = actions.add_parser("rate-limit-tier", help="show or set an address's trading rate-limit tier")
    tier.add_argument("address")
    tier.add_argument("tier", nargs="?", help="standard, copper, bronze, silver, gold, platinum, diamond or elite")
    _fault_parser(actions.add_parser("faults", help="set, list and remove fault rules (README: Faults)"))
    _simulate_parser(actions.add_parser("simulate", help="start simulated traders on a market (README: Simulations)"))
    actions.add_parser("simulations", help="list the simulations")
    actions.add_parser("stop-simulation", help="stop a simulation and cancel its orders").add_argument("id")
    admin.set_defaults(run=_admin)
    return parser


def _workers(text: str) -> int:
    from openclob.workers import workers_count

    try:
        return workers_count(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `openclob` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
