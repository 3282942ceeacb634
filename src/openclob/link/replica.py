"""An edge's read model: the sequencer's exchange and edge state, rebuilt only from what is durable.

It starts from a `Joined` (the exchange's snapshot and the edge state as of one journal entry) and applies
each `Durable` batch after it: the journalled commands, in order, to its own `Exchange`. The core is
deterministic, so the same commands in the same order give the same state and the same events (which is why
`Durable` leaves them out); each command's count of events is checked against the sequencer's, and any
difference, or a gap in the journal sequence, raises `ReplicaDiverged` (the edge must stop rather than serve a
state the exchange never had). The edge's rows of a batch (API keys, wallet links, market words, rate-limit
tiers, the clock) update `edge` and `clock`.
"""

from __future__ import annotations

from openclob.core import Exchange
from openclob.core.snapshot import decode_state, restore
from openclob.edge_state import EdgeState
from openclob.exchange_clock import ExchangeClock
from openclob.link.messages import Durable, Joined
from openclob.store.base import Batch


class ReplicaDiverged(Exception):
    """A batch does not follow the replica's state: a gap in the journal, or other events than the sequencer's."""


class Replica:
    """The exchange, the edge state and the clock as of journal entry `sequence`, all durable."""

    def __init__(self, joined: Joined) -> None:
        self.exchange: Exchange = restore(decode_state(joined.state), joined.known_orders)
        self.sequence = joined.sequence
        """The last journal entry applied."""
        self.clock = ExchangeClock()
        self.clock.observe(joined.clock_ms)
        self.clock.restore(joined.clock)
        self.edge = EdgeState()
        for key in joined.api_keys:
            self.edge.add_key(key)
        for link in joined.wallet_links:
            self.edge.wallet_links[(link.signer, link.funder)] = link
        for info in joined.market_infos:
            self.edge.market_infos[info.condition_id] = info
        for tier in joined.rate_limit_tiers:
            self.edge.rate_limit_tiers[tier.address] = tier.tier

    def apply(self, durable: Durable) -> Batch:
        """Apply one durable batch (the link's listener) and return it with its entries' events, as the sequencer's
        listeners saw it; raise `ReplicaDiverged` if it does not follow."""
        exchange, batch = self.exchange, durable.batch
        for entry, count in zip(batch.entries, durable.event_counts, strict=True):
            if entry.sequence != self.sequence + 1:
                raise ReplicaDiverged(f"journal entry {entry.sequence} after {self.sequence}")
            applied = exchange.apply(entry.command)
            if len(applied.events) != count:
                raise ReplicaDiverged(f"journal entry {entry.sequence} gave other events than the sequencer's")
            entry.events = applied.events
            self.sequence = entry.sequence
            self.clock.observe(entry.command.now_ms)
        self.edge.apply_rows(batch)
        if batch.exchange_clock is not None:
            self.clock.restore(batch.exchange_clock)
        return batch
