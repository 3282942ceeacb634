"""A market's life after listing: events and neg-risk conversion, closing at the end date, resolution, redemption.

Events. `CreateEvent` lists several binary markets at once, one per outcome (YES first), in one command: all
or none. A neg-risk event links them as Polymarket's NegRiskAdapter does. `ConvertPositions` takes `amount`
free NO shares of each of the k outcomes in its index set and gives (k - 1) * amount collateral and `amount`
YES shares of each of the other n - k outcomes (convertPositions with no adapter fee). On chain the adapter
splits collateral it mints for the other outcomes and sends every NO share involved to a burn address: n * amount
NO shares in all, `amount` of each market. The core keeps no burn balance; it counts the converted amount V on
the event instead, so each of the event's open markets has YES supply = NO supply + V.

Conservation (state.py): deposits - withdrawals = collateral held + what the markets lock, with
- an open market outside a neg-risk event: its outstanding pairs (YES supply);
- a resolved market: its winning token's supply (each pays one unit at redemption);
- a neg-risk event: the resolved markets' winning supplies + the open markets' NO supplies + V (while one is
  open). Whichever open outcome w wins pays YES_w + the other open NO = (NO_w + V) + the other open NO, the same
  for every w: a conversion changes none of it ((k - 1) * amount collateral out of k * amount NO taken, V up by
  amount), and neither does resolution. Conversions stop at the first resolution of an outcome of the event.

Closing. A market with an end date closes at it on the exchange's clock (clock.py pops `_closings` with the other
deadlines): its open orders are cancelled and it takes no more, unless it was listed with `close_at_end` off.
Resolution closes a market too. Redemption (`Redeem`) pays a resolved market's winning tokens one collateral
unit each and burns the losers, whole free balances, once; `ResolveMarket.redeem_now` redeems every holder at
resolution (the behaviour before redemption existed).
"""

from __future__ import annotations

import heapq
from operator import attrgetter

from openclob.core.admin import Admin, market_definition_problem
from openclob.core.book import Book
from openclob.core.commands import ConvertPositions, CreateEvent, CreateMarket, Redeem, ResolveMarket, UpdateMarket
from openclob.core.events import (
    EventListed,
    MarketClosed,
    MarketListed,
    MarketResolved,
    PositionsConverted,
    PositionsRedeemed,
)
from openclob.core.markets import EventGroup, Market
from openclob.core.orders import COLLATERAL, CancelReason
from openclob.core.rejects import Reject, rejected
from openclob.core.results import Converted, Done, Redeemed, Result

MAX_EVENT_OUTCOMES = 64
"""The most outcomes an event may have: an index set then fits the journal's 64-bit integers (the adapter takes
up to 256)."""


class Lifecycle(Admin):
    """Events, conversions, closing, resolution and redemption."""

    # ------------------------------------------------------------------ listing

    def _create_market(self, cmd: CreateMarket) -> Result:
        if cmd.condition_id in self.markets:
            return rejected(Reject.MARKET_EXISTS, condition_id=cmd.condition_id)
        why = market_definition_problem(cmd, self._market_of_token)
        if why is not None:
            return rejected(Reject.INVALID_MARKET_DEFINITION, why=why)
        self._list_market(cmd, cmd.now_ms, None, cmd.neg_risk)
        return Done()

    def _update_market(self, cmd: UpdateMarket) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if market.closed and (cmd.accepting_orders or cmd.end_ms is not None or cmd.close_at_end is not None):
            return rejected(Reject.INVALID_MARKET_DEFINITION, why="the market is closed")
        result = self._change_market(market, cmd)
        if type(result) is Done:
            if cmd.close_at_end is not None:
                market.close_at_end = cmd.close_at_end
            if cmd.end_ms is not None:
                market.end_ms = cmd.end_ms
            if market.close_at_end and market.end_ms is not None and (cmd.end_ms is not None or cmd.close_at_end):
                if market.end_ms <= cmd.now_ms:
                    self._close(market)
                else:  # (an entry for an earlier end date is dropped when it comes up)
                    heapq.heappush(self._closings, (market.end_ms, market.condition_id))
        return result

    # ------------------------------------------------------------------ events

    def _create_event(self, cmd: CreateEvent) -> Result:
        if cmd.event_id in self.events:
            return rejected(Reject.EVENT_EXISTS, event_id=cmd.event_id)
        why = self._event_problem(cmd)
        if why is not None:
            return rejected(Reject.INVALID_EVENT_DEFINITION, why=why)
        condition_ids = tuple(spec.condition_id for spec in cmd.markets)
        self.events[cmd.event_id] = EventGroup(
            event_id=cmd.event_id,
            title=cmd.title,
            slug=cmd.slug,
            description=cmd.description,
            neg_risk=cmd.neg_risk,
            neg_risk_market_id=cmd.neg_risk_market_id,
            condition_ids=condition_ids,
            created_at_ms=cmd.now_ms,
        )
        self._events.append(
            EventListed(
                event_id=cmd.event_id,
                title=cmd.title,
                slug=cmd.slug,
                description=cmd.description,
                neg_risk=cmd.neg_risk,
                neg_risk_market_id=cmd.neg_risk_market_id,
                condition_ids=condition_ids,
            )
        )
        for spec in cmd.markets:
            self._list_market(spec, cmd.now_ms, cmd.event_id, cmd.neg_risk)
        return Done()

    def _event_problem(self, cmd: CreateEvent) -> str | None:
        if not 1 <= len(cmd.markets) <= MAX_EVENT_OUTCOMES:
            return f"an event has 1 to {MAX_EVENT_OUTCOMES} outcomes"
        if cmd.neg_risk and len(cmd.markets) < 2:
            return "a neg-risk event has at least two outcomes"
        seen: dict[str, Market] = dict(self._market_of_token)
        conditions: set[str] = set()
        for index, spec in enumerate(cmd.markets):
            if spec.condition_id in self.markets or spec.condition_id in conditions:
                return f"outcome {index}: market {spec.condition_id} already exists"
            why = market_definition_problem(spec, seen)
            if why is not None:
                return f"outcome {index}: {why}"
            conditions.add(spec.condition_id)
            for token_id in spec.token_ids:
                seen[token_id] = _PLACEHOLDER
        return None

    # ------------------------------------------------------------------ neg-risk conversion

    def _convert_positions(self, cmd: ConvertPositions) -> Result:
        group = self.events.get(cmd.event_id)
        if group is None:
            return rejected(Reject.EVENT_NOT_FOUND)
        if not group.neg_risk:
            return rejected(Reject.NOT_NEG_RISK, event_id=cmd.event_id)
        count = len(group.condition_ids)
        if cmd.index_set <= 0 or cmd.index_set >> count:
            why = f"a non-empty set of the event's {count} outcomes, bit i for outcome i"
            return rejected(Reject.INVALID_INDEX_SET, index_set=cmd.index_set, why=why)
        if cmd.amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="the amount must be positive")
        markets = [self.markets[c] for c in group.condition_ids]
        if any(market.resolved for market in markets):
            return rejected(Reject.EVENT_RESOLVED, event_id=cmd.event_id)
        chosen = [cmd.index_set >> i & 1 == 1 for i in range(count)]
        no_tokens = tuple(m.token_ids[1] for m, no in zip(markets, chosen, strict=True) if no)
        yes_tokens = tuple(m.token_ids[0] for m, no in zip(markets, chosen, strict=True) if not no)
        ledger, address, amount = self.ledger, cmd.address, cmd.amount
        if any(ledger.free(address, token_id) < amount for token_id in no_tokens):
            return rejected(Reject.NOT_ENOUGH_BALANCE)  # (what open orders reserve is not free)
        for token_id in no_tokens:
            ledger.debit(address, token_id, amount)
        for token_id in yes_tokens:
            ledger.credit(address, token_id, amount)
        collateral = (len(no_tokens) - 1) * amount
        if collateral:
            ledger.credit(address, COLLATERAL, collateral)
        group.converted_units += amount
        self._events.append(
            PositionsConverted(
                address=address,
                event_id=cmd.event_id,
                index_set=cmd.index_set,
                amount_units=amount,
                no_token_ids=no_tokens,
                yes_token_ids=yes_tokens,
                collateral_units=collateral,
            )
        )
        return Converted(collateral_units=collateral)

    # ------------------------------------------------------------------ resolution and redemption

    def _resolve_market(self, cmd: ResolveMarket) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if market.resolved:
            return rejected(Reject.MARKET_RESOLVED, condition_id=cmd.condition_id)
        if cmd.winning_token_id not in market.token_ids:
            return rejected(Reject.INVALID_MARKET_DEFINITION, why="the winner must be one of the market's tokens")
        group = None if market.event_id is None else self.events[market.event_id]
        if group is None or not group.neg_risk:
            self._resolve(market, cmd.winning_token_id, cmd.redeem_now)
            return Done()
        still_open = [self.markets[c] for c in group.condition_ids if not self.markets[c].resolved]
        if cmd.winning_token_id == market.token_ids[0]:  # YES: the event's other open outcomes lose
            self._resolve(market, cmd.winning_token_id, cmd.redeem_now)
            for other in still_open:
                if other is not market:
                    self._resolve(other, other.token_ids[1], cmd.redeem_now)
            return Done()
        if still_open == [market]:
            return rejected(Reject.NEG_RISK_NEEDS_WINNER, condition_id=market.condition_id, event_id=group.event_id)
        self._resolve(market, cmd.winning_token_id, cmd.redeem_now)
        return Done()

    def _resolve(self, market: Market, winning_token_id: str, redeem_now: bool) -> None:
        """Cancel the market's orders (oldest first), settle its winner, and redeem everyone if `redeem_now`."""
        resting = sorted(self._books[market.condition_id].orders(), key=attrgetter("sequence"))
        self._cancel_each([order.order_id for order in resting], CancelReason.MARKET_RESOLVED)
        market.winning_token_id = winning_token_id
        market.accepting_orders = False
        market.closed = True
        if redeem_now:
            self._resolve_pending(market, winning_token_id)
            holders = sorted({a for token_id in market.token_ids for a in self.ledger.holders(token_id)})
            for address in holders:
                self._redeem_holder(market, address)
        self._events.append(MarketResolved(condition_id=market.condition_id, winning_token_id=winning_token_id))

    def _redeem(self, cmd: Redeem) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if not market.resolved:
            return rejected(Reject.MARKET_NOT_RESOLVED, condition_id=cmd.condition_id)
        return Redeemed(payout_units=self._redeem_holder(market, cmd.address))

    def _redeem_holder(self, market: Market, address: str) -> int:
        """Pay `address`'s free winning tokens of a resolved market, burn its losing ones; return the payout."""
        winner = market.winning_token_id
        assert winner is not None  # (callers check the market is resolved)
        won = lost = 0
        for token_id in market.token_ids:
            amount = self.ledger.zero(address, token_id)
            if token_id == winner:
                won = amount
            else:
                lost = amount
        if won:
            self.ledger.credit(address, COLLATERAL, won)
        if won or lost:
            self._events.append(
                PositionsRedeemed(
                    address=address,
                    condition_id=market.condition_id,
                    winning_token_id=winner,
                    losing_token_id=market.token_ids[1 - market.token_index(winner)],
                    winning_units=won,
                    losing_units=lost,
                    payout_units=won,
                )
            )
        return won

    # ------------------------------------------------------------------ closing

    def _close_due(self) -> None:
        """Take the first closing off the heap (the caller saw it is due) and close its market if still open."""
        end_ms, condition_id = heapq.heappop(self._closings)
        market = self.markets[condition_id]
        if not market.closed and market.close_at_end and market.end_ms == end_ms:
            self._close(market)

    def _close(self, market: Market) -> None:
        resting = sorted(self._books[market.condition_id].orders(), key=attrgetter("sequence"))
        self._cancel_each([order.order_id for order in resting], CancelReason.MARKET_CLOSED)
        market.closed = True
        market.accepting_orders = False
        self._events.append(MarketClosed(condition_id=market.condition_id))

    def _list_market(self, spec: CreateMarket, now_ms: int, event_id: str | None, neg_risk: bool) -> None:
        """Add a checked market definition (alone, or as an outcome of `event_id`) with its book and closing."""
        market = Market(
            condition_id=spec.condition_id,
            token_ids=spec.token_ids,
            outcomes=spec.outcomes,
            tick_units=spec.tick_units,
            listed_tick_units=spec.tick_units,
            min_size_units=spec.min_size_units,
            neg_risk=neg_risk,
            fee_rate_bps=spec.fee_rate_bps,
            dynamic_tick=spec.dynamic_tick,
            accepting_orders=spec.accepting_orders,
            created_at_ms=now_ms,
            fee_exponent=spec.fee_exponent,
            end_ms=spec.end_ms,
            close_at_end=spec.close_at_end,
            event_id=event_id,
        )
        self.markets[spec.condition_id] = market
        for token_id in spec.token_ids:
            self._market_of_token[token_id] = market
        self._books[spec.condition_id] = Book(spec.condition_id)
        self._events.append(MarketListed(condition_id=spec.condition_id, token_ids=spec.token_ids))
        if spec.end_ms is not None and spec.close_at_end:
            if spec.end_ms <= now_ms:
                self._close(market)
            else:
                heapq.heappush(self._closings, (spec.end_ms, spec.condition_id))


def _placeholder() -> Market:
    return Market("", ("", ""), ("", ""), 0, 0, 0, False, 0, False, False, 0)


_PLACEHOLDER = _placeholder()
"""Stands for a token listed earlier in the same event, when checking for reused token ids."""
