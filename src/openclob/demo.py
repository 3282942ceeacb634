"""`openclob serve --demo`: a few sample markets, so a fresh server has something to trade."""

from __future__ import annotations

from openclob.api.admin import NewMarket, list_market
from openclob.service import Service

DEMO_MARKETS = (
    NewMarket(question="Will it rain in Lisbon tomorrow?", description="Sample market created by --demo."),
    NewMarket(question="Will BTC close above $100k this year?", description="Sample market created by --demo."),
    NewMarket(
        question="Who wins the final?",
        outcomes=["Home", "Away"],
        tick_size="0.001",
        description="Sample market created by --demo.",
    ),
)


async def add_demo_markets(service: Service) -> None:
    """List the sample markets unless the exchange already has markets."""
    if service.exchange.markets:
        return
    for spec in DEMO_MARKETS:
        await list_market(service, spec)
