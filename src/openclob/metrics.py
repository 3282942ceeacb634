"""Prometheus metrics of one server (`GET /metrics`, with the official client library, prometheus_client).

Each server has a registry of its own, never the library's global one, so that several servers in one process
(the tests) keep their counts apart. Counting is kept cheap on the hot path: every labelled child is bound
once (per route and status, per reject reason, per cancel reason) and then only incremented, a fraction of a
microsecond each; the sequencer counts a whole batch at once. Figures that exist anyway (queue depth, sockets
open, requests shed, fault firings, rate-limit refusals) are read only when /metrics is scraped, by a collector
the edge registers (api/metrics.py).

Labels are bounded: route templates (`/data/order/{order_id}`), never raw paths; reasons from the core's
enums; no address, key or id is ever a label.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from openclob.core import Applied, Canceled, Command, OrderPlaced, PlaceOrder, Reject, Rejected
from openclob.core.events import OrderCanceled, Trade
from openclob.core.orders import CancelReason

# No `_created` series beside each counter and histogram: they double what is scraped, for nothing (the setting is
# the client library's, for the whole process).
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text format 0.0.4, which every Prometheus reads (`generate_latest` writes it: the names here need
none of 1.0.0's escaping)."""

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: an order takes about a millisecond unloaded; under overload a request may wait seconds."""
COMMIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
"""Seconds: one durable commit costs 0.2-0.3 ms on SQLite; PostgreSQL over a network more."""
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
"""Submissions per sequencer batch (at most `Limits.max_commands_per_batch`, 1,000)."""
TRADE_KINDS = ("COMPLEMENTARY", "MINT", "MERGE")
STORE_OPERATIONS = ("write", "projection", "read", "snapshot")
"""What the sequencer asks of the store: the batch's journal, its query-table rows, a read, a snapshot."""


PER_SERVER = frozenset(
    {"openclob_service_status", "openclob_journal_sequence", "openclob_sequencer_queue_depth", "openclob_fault_rules"}
)
"""Figures of the server as a whole, which the sequencer's process alone gives under `--workers N`; every other
family is the sum over the processes (requests, sockets, latency buckets and counts)."""


class Family(msgspec.Struct, frozen=True, array_like=True):
    """One metric family's samples, as an edge process sends them to the sequencer's (`--workers N`)."""

    name: str
    type: str
    documentation: str
    samples: list[tuple[str, dict[str, str], float]]


def families(registry: CollectorRegistry) -> list[Family]:
    """Everything `registry` holds now."""
    return [
        Family(m.name, m.type, m.documentation, [(s.name, s.labels, s.value) for s in m.samples])
        for m in registry.collect()
    ]


class _Merged(Collector):
    def __init__(self, merged: list[Family]) -> None:
        self._merged = merged

    def collect(self) -> Iterator[Metric]:
        for family in self._merged:
            metric = Metric(family.name, family.documentation, family.type)
            for name, labels, value in family.samples:
                metric.add_sample(name, labels, value)
            yield metric


def render_merged(own: list[Family], others: list[list[Family]]) -> bytes:
    """The Prometheus text of this process's families with the others' added in: samples of the same name and
    labels summed, except the `PER_SERVER` families, which are this process's alone."""
    merged: dict[str, tuple[Family, dict[tuple[str, tuple[tuple[str, str], ...]], float]]] = {}
    for source in (own, *others):
        for family in source:
            if family.name in PER_SERVER and source is not own:
                continue
            _, sums = merged.setdefault(family.name, (family, {}))
            for name, labels, value in family.samples:
                key = (name, tuple(sorted(labels.items())))
                sums[key] = sums.get(key, 0.0) + value
    registry = CollectorRegistry()
    registry.register(
        _Merged(
            [
                Family(f.name, f.type, f.documentation, [(n, dict(labels), v) for (n, labels), v in sums.items()])
                for f, sums in merged.values()
            ]
        )
    )
    return generate_latest(registry)


class Metrics:
    """One server's registry and what the sequencer and the HTTP edge count into it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.http_requests = Counter(
            "openclob_http_requests",
            "HTTP requests answered by the app, by method, route template and status",
            ("method", "route", "status"),
            registry=registry,
        )
        self.http_duration = Histogram(
            "openclob_http_request_duration_seconds",
            "Time from the app taking an HTTP request up to the end of its answer, by method and route template",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        accepted = Counter("openclob_orders_accepted", "Orders the exchange accepted", registry=registry)
        self._accepted = accepted.inc
        rejected = Counter(
            "openclob_orders_rejected", "Orders the exchange refused, by the rule that failed", ("reason",),
            registry=registry,
        )  # fmt: skip
        self._rejected = {reject.value: rejected.labels(reject.value).inc for reject in Reject}
        trades = Counter("openclob_trades", "Trades matched, by kind of the first fill", ("kind",), registry=registry)
        self._trades = {kind: trades.labels(kind).inc for kind in TRADE_KINDS}
        canceled = Counter(
            "openclob_orders_canceled", "Orders taken off the book unmatched, by reason", ("reason",), registry=registry
        )
        self._canceled = {reason.value: canceled.labels(reason.value).inc for reason in CancelReason}
        cancels = Counter(
            "openclob_cancel_requests", "Cancel commands applied (DELETE /order, /orders, ...)", registry=registry
        )
        self._cancel_requests = cancels.inc
        self._batch_size = Histogram(
            "openclob_sequencer_batch_size",
            "Submissions the sequencer applied and committed together",
            buckets=BATCH_BUCKETS,
            registry=registry,
        ).observe
        self._commit = Histogram(
            "openclob_journal_commit_seconds",
            "Time to write one batch's journal entries durably (one transaction)",
            buckets=COMMIT_BUCKETS,
            registry=registry,
        ).observe
        store_errors = Counter(
            "openclob_store_errors", "Store calls that failed, by operation", ("operation",), registry=registry
        )
        self._store_errors = {operation: store_errors.labels(operation).inc for operation in STORE_OPERATIONS}

    def render(self) -> bytes:
        """The whole registry in the Prometheus text format."""
        return generate_latest(self.registry)

    # ------------------------------------------------------------ the sequencer's hooks (service.py)

    def applied(self, batch_size: int, commands: list[Command], outcomes: list[Applied]) -> None:
        """Count a batch of `batch_size` submissions and what its `commands` did (once a batch, after it is
        durable, on the event loop). Counted here first, then added to each series once: a series' increment
        takes a lock, and an enum member's hash runs Python code, so the tallies are keyed by the values."""
        self._batch_size(batch_size)
        accepted = cancel_requests = 0
        rejected: dict[str, int] = {}
        trades: dict[str, int] = {}
        canceled: dict[str, int] = {}
        for command, applied in zip(commands, outcomes, strict=True):
            result = applied.result
            if isinstance(result, OrderPlaced):
                accepted += 1
            elif isinstance(result, Canceled):
                cancel_requests += 1
            elif isinstance(result, Rejected) and isinstance(command, PlaceOrder):
                reason = result.reject._value_
                rejected[reason] = rejected.get(reason, 0) + 1
            for event in applied.events:  # (a command's events may hold expiries that fell due before it)
                if isinstance(event, Trade):
                    trades[event.kind] = trades.get(event.kind, 0) + 1
                elif isinstance(event, OrderCanceled):
                    reason = event.reason._value_
                    canceled[reason] = canceled.get(reason, 0) + 1
        if accepted:
            self._accepted(accepted)
        if cancel_requests:
            self._cancel_requests(cancel_requests)
        for reason, count in rejected.items():
            self._rejected[reason](count)
        for kind, count in trades.items():
            self._trades[kind](count)
        for reason, count in canceled.items():
            self._canceled[reason](count)

    def committed(self, seconds: float) -> None:
        """A batch's journal write took `seconds`."""
        self._commit(seconds)

    def store_failed(self, operation: str) -> None:
        """A store call failed (`operation`: one of STORE_OPERATIONS)."""
        self._store_errors[operation]()
