"""The server's simulations: started, listed and stopped by the admin API, followed on the exchange clock.

A simulation lives in the server process; it is not restored after a restart. Its traders' orders would
outlive it in the journal, so when the server starts it cancels every open order of a simulated owner
(`sim-...`) left by the previous run, and a restarted server starts with no simulation (`serve --demo`
starts its own again). The accounts and what they hold stay, as any account's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

import msgspec

from openclob.core import CancelAll
from openclob.service import Overloaded, Recovering, Service, ServiceUnavailable
from openclob.simulation.config import SimulationError, SimulationSpec, check
from openclob.simulation.runner import OWNER_PREFIX, STEP_MS, SimulationRunner

log = logging.getLogger("openclob.simulation")


class SimulationNotFound(Exception):
    """No simulation has that id."""


class Simulations:
    """Every simulation this server started, running or stopped, by id."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._runs: dict[str, SimulationRunner] = {}
        self._follower: asyncio.Task[None] | None = None
        self._creating = asyncio.Lock()
        service.on_ready.append(self.cancel_leftovers)
        service.on_clock_moved.append(self.catch_up)

    async def start(self, spec: SimulationSpec) -> SimulationRunner:
        """Check `spec` whole, fund the traders, and start following the clock; `SimulationError` if refused."""
        check(spec)
        condition_id = spec.condition_id.lower()
        market = self.service.exchange.markets.get(condition_id)
        if market is None:
            raise SimulationError(f"invalid condition_id: no market {spec.condition_id[:80]!r}")
        if market.resolved:
            raise SimulationError(f"invalid condition_id: market {condition_id} is resolved")
        seed = spec.seed if spec.seed is not None else secrets.randbits(63)
        async with self._creating:  # the id is the journal's length: unique, and the same on a replayed history
            sim_id = str(self.service.sequence + 1)
            spec = msgspec.structs.replace(spec, condition_id=condition_id)
            runner = SimulationRunner(self.service, sim_id, spec, seed, self.service.now_ms())
            await runner.fund()
            self._runs[sim_id] = runner
        if self._follower is None:
            self._follower = asyncio.create_task(self._follow(), name="openclob-simulations")
        return runner

    def list(self) -> list[dict[str, Any]]:
        """Every simulation, oldest first."""
        return [run.json() for run in self._runs.values()]

    def get(self, sim_id: str) -> SimulationRunner:
        """The simulation with that id, or `SimulationNotFound`."""
        run = self._runs.get(sim_id)
        if run is None:
            raise SimulationNotFound(sim_id)
        return run

    async def stop(self, sim_id: str) -> SimulationRunner:
        """Stop a simulation and cancel its traders' open orders (again, harmlessly, if it had stopped)."""
        run = self.get(sim_id)
        if run.status == "running":
            run.status = "stopped"
        await run.cancel_orders()  # (after the step in progress, if any: it stops at the next)
        return run

    async def catch_up(self) -> None:
        """Let every running simulation take the steps due by the exchange's time (after the clock moved)."""
        now = self.service.now_ms()
        for run in list(self._runs.values()):
            await self._step(run, now)

    async def close(self) -> None:
        """Stop following the clock (the server is stopping; their orders are cancelled at the next start)."""
        follower, self._follower = self._follower, None
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def cancel_leftovers(self) -> None:
        """Cancel the open orders of simulated owners that a previous run of the server left in the books."""
        exchange = self.service.exchange
        orders = (order for condition_id in exchange.markets for order in exchange.book(condition_id).orders())
        owners = sorted({order.owner for order in orders if order.owner.startswith(OWNER_PREFIX)})
        if owners:
            log.info("cancelling the open orders of %d simulated traders from before the restart", len(owners))
            await self.service.submit_many([CancelAll(now_ms=0, owner=owner) for owner in owners])

    async def _follow(self) -> None:
        """Step with the exchange clock while it runs: every step of wall time, all running simulations catch up
        together, so that their commands share the sequencer's batches. A frozen clock moves only through
        `move_clock`, whose `catch_up` steps every simulation in the order they started, so that their commands
        interleave the same way on every run."""
        while True:
            await asyncio.sleep(STEP_MS / 1000)
            if self.service.clock.frozen:
                continue
            now = self.service.now_ms()
            running = [run for run in self._runs.values() if run.status == "running"]
            await asyncio.gather(*(self._step(run, now) for run in running))

    async def _step(self, run: SimulationRunner, now_ms: int) -> None:
        try:
            await run.step_to(now_ms)
        except asyncio.CancelledError:
            raise
        except (Overloaded, Recovering, ServiceUnavailable) as error:  # the next step tries again
            log.debug("simulation %s: a step was refused: %r", run.id, error)
        except Exception:
            log.exception("simulation %s: a step failed", run.id)
