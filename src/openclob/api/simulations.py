"""Simulated traders under /admin/simulations (openclob's own; see simulation/).

POST starts a population of simulated traders on a market and answers the simulation (`{"id", ...}`); GET lists
every simulation this server started; DELETE /admin/simulations/{id} stops one and cancels its orders. A
simulation and its accounts are marked `"simulated": true`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.admin import _authorized
from openclob.api.errors import ApiError
from openclob.api.http import decode, ok
from openclob.simulation.config import SimulationError, SimulationSpec
from openclob.simulation.manager import SimulationNotFound, Simulations

SIMULATION_EXPECTED = (
    "invalid simulation: expected {condition_id, seed?, fair_value?: {start, volatility, jump_rate, jump_size},"
    " makers?, takers?, informed?, levels?, taker_rate?, informed_threshold?}"
)


def _simulations(request: Request) -> Simulations:
    simulations: Simulations = request.app.state.simulations
    return simulations


async def start_simulation(request: Request) -> Response:
    """POST /admin/simulations: start simulated traders on a market."""
    _, body = await _authorized(request)
    spec = decode(body, SimulationSpec, SIMULATION_EXPECTED, explain=True)
    try:
        run = await _simulations(request).start(spec)
    except SimulationError as error:
        raise ApiError(400, str(error)) from None
    return ok(run.json())


async def list_simulations(request: Request) -> Response:
    """GET /admin/simulations: every simulation, running or not, oldest first."""
    await _authorized(request)
    return ok(_simulations(request).list())


async def stop_simulation(request: Request) -> Response:
    """DELETE /admin/simulations/{id}: stop it and cancel its traders' open orders."""
    await _authorized(request)
    try:
        run = await _simulations(request).stop(request.path_params["sim_id"])
    except SimulationNotFound:
        raise ApiError(404, "simulation not found") from None
    return ok(run.json())


ROUTES = [
    Route("/admin/simulations", start_simulation, methods=["POST"]),
    Route("/admin/simulations", list_simulations, methods=["GET"]),
    Route("/admin/simulations/{sim_id}", stop_simulation, methods=["DELETE"]),
]
