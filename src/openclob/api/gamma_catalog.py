"""Gamma's view of the listed markets: stable ids and slugs, the lookups the filters use, and events.

Gamma names a market by an integer-like id and a slug. openclob derives both from journalled data, so
they are the same after a restart:

- a market's id is its place in listing order, from 1 (`Exchange.markets` keeps listing order, and
  snapshots keep it too);
- its slug is the one its words were stored with (the operator's `market_slug`, else made from the
  question); a slug already taken by an earlier market gets `-{id}` appended.

`events_of` is the seam where events plug in: it groups the catalog's markets into Gamma events. Until
a market carries an event of its own, each market is its own event, with the market's id and slug.

The catalog is rebuilt (O(markets)) when the set of listed markets or their words change, and answers
lookups by id, slug, condition id and token id in O(1) between rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openclob.core.markets import Market
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


@dataclass(frozen=True, slots=True)
class GammaEvent:
    """A Gamma event: a title over one or more markets (one, until markets carry events)."""

    id: int
    slug: str
    title: str
    description: str
    created_at_ms: int
    end_date_iso: str
    neg_risk: bool
    markets: tuple[Listed, ...]


def events_of(markets: list[Listed]) -> list[GammaEvent]:
    """Group listed markets into Gamma events, in id order: THE SEAM for multi-outcome events.

    Today a market has no event, so each market is its own event, with the market's id, slug and words.
    When markets carry an event (a neg-risk group), group them here by it: the event's id and slug come
    from the event, its markets are its outcomes' markets, and every Gamma and Data API route follows.
    """
    return [
        GammaEvent(
            id=listed.id,
            slug=listed.slug,
            title=listed.info.question,
            description=listed.info.description,
            created_at_ms=listed.info.created_at_ms or listed.market.created_at_ms,
            end_date_iso=listed.info.end_date_iso,
            neg_risk=listed.market.neg_risk,
            markets=(listed,),
        )
        for listed in markets
    ]


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
    version: tuple[int, int, int] = (0, -1, -1)

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
    catalog.events = events_of(catalog.markets)
    for event in catalog.events:
        catalog.events_by_slug[event.slug] = event
        for listed in event.markets:
            catalog.event_of[listed.market.condition_id] = event
    return catalog


def current(service: Service, cached: Catalog | None) -> Catalog:
    """`cached` if it still describes the service's markets, else a new catalog."""
    version = (id(service.exchange), len(service.exchange.markets), len(service.edge.market_infos))
    if cached is not None and cached.version == version:
        return cached
    catalog = build(service)
    catalog.version = version
    return catalog
