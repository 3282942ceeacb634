"""The edge processes of `openclob serve --workers N`: started, watched, restarted and stopped by the sequencer's
process.

Each edge is a child process running the argv its `command(index)` gives, with the listening socket (and any other
`pass_fds`) inherited, so that all edges accept on one port and the kernel spreads the connections among them.

- No edge outlives the sequencer's process, however that process ends: each edge calls `die_with_parent` first
  thing, which asks the kernel to SIGKILL it when its parent exits (Linux `PR_SET_PDEATHSIG`; the edges are
  started from the event loop's thread, the one thread that lives as long as the process). SIGKILL, not a
  graceful stop: the requests it has in hand were sent to a sequencer that is gone, so their outcome is
  unknown, and a dropped connection says so (as when a one-process server is killed), where an answer would not.
- An edge that exits while the server runs is started again after `restart_delay_s`, doubled each time it dies
  again within `stable_after_s` of its start (at most `max_restart_delay_s`), so a crash loop does not spin.
- `stop` sends SIGTERM to every edge, gives them `stop_timeout_s` to finish, then SIGKILLs what is left, and
  returns only once every edge has been reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("openclob.edges")

PARENT_PID_ENV = "OPENCLOB_PARENT_PID"
"""Set for every edge: the pid of the process that started it (`die_with_parent` checks it)."""
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when the process that started it exits; if that has happened
    already (this process was adopted before it could ask), exit now. A no-op outside an edge."""
    parent = os.environ.get(PARENT_PID_ENV)
    if parent is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        log.warning("cannot ask to stop with the parent process (prctl: errno %d)", ctypes.get_errno())
    if os.getppid() != int(parent):
        os._exit(0)


@dataclass(slots=True)
class _Edge:
    index: int
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0


class EdgeProcesses:
    """N edge processes, each restarted when it exits, until `stop`."""

    def __init__(
        self,
        command: Callable[[int], list[str]],
        count: int,
        *,
        pass_fds: tuple[int, ...] = (),
        stop_timeout_s: float = 10.0,
        restart_delay_s: float = 0.1,
        max_restart_delay_s: float = 5.0,
        stable_after_s: float = 10.0,
    ) -> None:
        if count < 1:
            raise ValueError("at least one edge process")
        self._command = command
        self._edges = [_Edge(index) for index in range(count)]
        self._pass_fds = pass_fds
        self._stop_timeout_s = stop_timeout_s
        self._restart_delay_s = restart_delay_s
        self._max_restart_delay_s = max_restart_delay_s
        self._stable_after_s = stable_after_s
        self._watchers: list[asyncio.Task[None]] = []
        self._stopping = False
        self.restarts = 0
        """How many times an edge was started again after it exited."""

    @property
    def pids(self) -> list[int]:
        """The running edges' process ids, by edge index (a restarting edge is left out)."""
        return [e.process.pid for e in self._edges if e.process is not None and e.process.returncode is None]

    async def start(self) -> None:
        """Start every edge (from the event loop's thread: see the module's docstring) and watch them."""
        for edge in self._edges:
            await self._spawn(edge)
        self._watchers = [
            asyncio.create_task(self._watch(edge), name=f"openclob-edge-{edge.index}") for edge in self._edges
        ]

    async def stop(self) -> None:
        """SIGTERM every edge, SIGKILL those still running after `stop_timeout_s`, and reap them all."""
        self._stopping = True
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        running = [e.process for e in self._edges if e.process is not None and e.process.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        waiting = asyncio.gather(*(process.wait() for process in running))
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self._stop_timeout_s)
        except TimeoutError:
            for process in running:
                if process.returncode is None:
                    log.warning("edge process %d did not stop; killing it", process.pid, extra={"event": "edge_killed"})
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            await waiting

    async def _spawn(self, edge: _Edge) -> None:
        env = {**os.environ, PARENT_PID_ENV: str(os.getpid())}
        edge.process = await asyncio.create_subprocess_exec(
            *self._command(edge.index), pass_fds=self._pass_fds, env=env
        )
        edge.started_at = time.monotonic()

    async def _watch(self, edge: _Edge) -> None:
        delay = self._restart_delay_s
        while True:
            assert edge.process is not None
            code = await edge.process.wait()
            if self._stopping:
                return
            lived = time.monotonic() - edge.started_at
            delay = self._restart_delay_s if lived >= self._stable_after_s else delay
            log.error(
                "edge process %d (edge %d) exited with %s after %.1f s; starting it again in %.1f s",
                edge.process.pid,
                edge.index,
                code,
                lived,
                delay,
                extra={"event": "edge_exited"},
            )
            await asyncio.sleep(delay)
            if self._stopping:
                return
            await self._spawn(edge)
            self.restarts += 1
            delay = min(delay * 2, self._max_restart_delay_s)
