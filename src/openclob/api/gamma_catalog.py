"""Gamma's view of the listed markets: stable ids and slugs, the lookups the filters use, and events.

Gamma names a market by an integer-like id and a slug. openclob derives both from journalled data, so
they are the same after a restart:

- a market's id is its place in listing order, from 1 (`Exchange.markets` keeps listing order, and
  snapshots keep it too);
- its slug is the one its words were stored with (the operator's `market_slug`, else made from the
  question); a slug already taken by an earlier market gets `-{id}` appended.

Events: `events_of` groups the catalog's markets into Gamma events. The markets of an event the operator listed
(`POST /admin/events`, the core's `EventGroup`) form one Gamma event with the event's title, slug, description
and neg-risk ids, its markets in outcome order; its Gamma id is its first market's id (ids stay unique and
stable, and events stay in id order). A market listed alone is its own event, with the market's id, slug and
words. An event slug already taken by an earlier event gets `-{id}` appended.

The catalog is rebuilt (O(markets)) when the set of listed markets or their words change, and answers
lookups by id, slug, condition id and token id in O(1) between rebuilds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from openclob.api.markets import iso_time
from openclob.core.markets import EventGroup, Market
from openclob.service import Service
from openclob.store.records import MarketInfoRecord

_NO_INFO = MarketInfoRecord(condition_id="", question="", description="", market_slug="", created_at_ms=0)


@dataclass(frozen=True, slots=True)
class Listed:
    """A market as Gamma names it: its id, its unique slug, the core market and its words."""

    id: int
    slug: str
    market: Market
    info: MarketInfoRecord


def end_date_iso(listed: Listed) -> str:
    """The market's end date as Polymarket writes it ("" without one): the core's, which a PATCH moves."""
    end_ms = listed.market.end_ms
    return listed.info.end_date_iso if end_ms is None else iso_time(end_ms)


@dataclass(frozen=True, slots=True)
class GammaEvent:
    """A Gamma event: a title over one market (a market listed alone) or an event's markets, one per outcome."""

    id: int
    slug: str
    title: str
    description: str
    created_at_ms: int
    neg_risk: bool
    markets: tuple[Listed, ...]
    neg_risk_market_id: str = ""

    @property
    def end_date_iso(self) -> str:
        """The latest end date of its markets ("" if none has one)."""
        return max((end_date_iso(listed) for listed in self.markets), default="")

    @property
    def closed(self) -> bool:
        """Whether every market is closed (at its end date, or resolved)."""
        return all(listed.market.closed for listed in self.markets)

    @property
    def active(self) -> bool:
        """Whether some market is not resolved yet."""
        return not all(listed.market.resolved for listed in self.markets)


def events_of(markets: list[Listed], group_of: Callable[[Market], EventGroup | None]) -> list[GammaEvent]:
    """Group listed markets into Gamma events, in id order: an event's markets together, a market alone by
    itself (`group_of` gives a market's event, None for a market listed alone)."""
    by_condition = {listed.market.condition_id: listed for listed in markets}
    found: list[GammaEvent] = []
    seen: set[str] = set()
    for listed in markets:
        group = group_of(listed.market)
        if group is None:
            found.append(
                GammaEvent(
                    id=listed.id,
                    slug=listed.slug,
                    title=listed.info.question,
                    description=listed.info.description,
                    created_at_ms=listed.info.created_at_ms or listed.market.created_at_ms,
                    neg_risk=listed.market.neg_risk,
                    markets=(listed,),
                )
            )
        elif group.event_id not in seen:
            seen.add(group.event_id)
            found.append(
                GammaEvent(
                    id=listed.id,
                    slug=group.slug,
                    title=group.title,
                    description=group.description,
                    created_at_ms=group.created_at_ms,
                    neg_risk=group.neg_risk,
                    markets=tuple(by_condition[c] for c in group.condition_ids),
                    neg_risk_market_id=group.neg_risk_market_id,
                )
            )
    return found


@dataclass(slots=True)
class Catalog:
    """The listed markets and their events, with lookups; `current` keeps it in step with the service."""

    markets: list[Listed] = field(default_factory=list)
    by_slug: dict[str, Listed] = field(default_factory=dict)
    by_condition: dict[str, Listed] = field(default_factory=dict)
    by_token: dict[str, Listed] = field(default_factory=dict)
    events: list[GammaEvent] = field(default_factory=list)
    events_by_slug: dict[str, GammaEvent] = field(default_factory=dict)
    event_of: dict[str, GammaEvent] = field(default_factory=dict)
    """condition id -> its event."""
    version: tuple[int, int, int, int] = (0, -1, -1, -1)

    def market(self, market_id: int) -> Listed | None:
        """The market with Gamma id `market_id`, if listed."""
        return self.markets[market_id - 1] if 1 <= market_id <= len(self.markets) else None

    def event(self, event_id: int) -> GammaEvent | None:
        """The event with Gamma id `event_id`, if any."""
        found = self.events[event_id - 1] if 1 <= event_id <= len(self.events) else None
        if found is not None and found.id == event_id:
            return found
        return next((event for event in self.events if event.id == event_id), None)


def build(service: Service) -> Catalog:
    """A catalog of every listed market, in listing order."""
    catalog = Catalog()
    infos = service.edge.market_infos
    for index, market in enumerate(service.exchange.markets.values(), start=1):
        info = infos.get(market.condition_id, _NO_INFO)
        slug = info.market_slug or f"market-{index}"
        if slug in catalog.by_slug:
            slug = f"{slug}-{index}"
        listed = Listed(id=index, slug=slug, market=market, info=info)
        catalog.markets.append(listed)
        catalog.by_slug[slug] = listed
        catalog.by_condition[market.condition_id] = listed
        for token_id in market.token_ids:
            catalog.by_token[token_id] = listed
    catalog.events = events_of(catalog.markets, service.exchange.event_of)
    for index, event in enumerate(catalog.events):
        if event.slug in catalog.events_by_slug:
            event = catalog.events[index] = dataclasses.replace(event, slug=f"{event.slug}-{event.id}")
        catalog.events_by_slug[event.slug] = event
        for listed in event.markets:
            catalog.event_of[listed.market.condition_id] = event
    return catalog


def current(service: Service, cached: Catalog | None) -> Catalog:
    """`cached` if it still describes the service's markets, else a new catalog."""
    exchange = service.exchange
    version = (id(exchange), len(exchange.markets), len(exchange.events), len(service.edge.market_infos))
    if cached is not None and cached.version == version:
        return cached
    catalog = build(service)
    catalog.version = version
    return catalog
