"""`openclob serve --demo`: a few sample markets with simulated traders, so a fresh server has live books."""

from __future__ import annotations

from openclob.api.admin import NewMarket, list_market
from openclob.service import Service
from openclob.simulation.config import SimulationSpec
from openclob.simulation.manager import Simulations
from openclob.simulation.model import FairValueParams

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


DEMO_FAIR_VALUES = (0.35, 0.62, 0.5)
"""Where each demo market's hidden fair value starts."""


async def simulate_demo_markets(service: Service, simulations: Simulations) -> None:
    """Start a simulation (seeded by its place in the list) on each demo market that is open."""
    questions = {spec.question: i for i, spec in enumerate(DEMO_MARKETS)}
    for info in service.edge.market_infos.values():
        index = questions.get(info.question)
        market = service.exchange.markets.get(info.condition_id)
        if index is None or market is None or market.resolved:
            continue
        fair_value = FairValueParams(start=DEMO_FAIR_VALUES[index])
        await simulations.start(SimulationSpec(condition_id=info.condition_id, seed=index + 1, fair_value=fair_value))
