"""`openclob serve --workers N`: one sequencer process and N edge processes on one port.

The process `openclob serve` starts is the sequencer's: it recovers the exchange, owns the store and the
journal, and serves the edges on a unix socket (link/sequencer.py). It binds the public port but does not
accept on it: it starts N edge processes (edges.py) that inherit the listening socket and each run the whole
HTTP and WebSocket API (`EdgeService`, edge_service.py) for the connections the kernel hands them. The routes
that act on the sequencer's own state (admin, heartbeats: api/forward.py) an edge passes to the sequencer's
process, which serves its app on a second, private unix socket. Both sockets live in a directory of their own
that only this user can read, removed at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from openclob.edges import EdgeProcesses
from openclob.faults import Faults
from openclob.link.sequencer import SequencerLink
from openclob.service import Service


@dataclass(slots=True)
class SequencerSide:
    """What the sequencer's process runs besides its service: the link, the edges, the private app socket."""

    directory: Path
    link: SequencerLink
    edges: EdgeProcesses
    app_socket: socket.socket
    """Where the sequencer's process serves its app to the edges (the forwarded routes)."""
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def close(self) -> None:
        """Close the private socket and remove the sockets' directory."""
        self.app_socket.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def sequencer_side(
    service: Service, listening: socket.socket, serve_argv: list[str], count: int, faults: Faults
) -> SequencerSide:
    """Set up the sequencer's process for `count` edges that run `openclob serve` with `serve_argv` (the
    arguments `serve` was given), accepting on `listening` and following the fault rules of `faults`; the link
    starts once the service is ready."""
    directory = Path(tempfile.mkdtemp(prefix="openclob-"))  # mode 0700: the link carries API secrets
    link_path, app_path = directory / "link.sock", directory / "app.sock"
    app_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        app_socket.bind(str(app_path))
        app_socket.listen(1024)
    except OSError:
        app_socket.close()
        shutil.rmtree(directory, ignore_errors=True)
        raise
    link = SequencerLink(service, str(link_path), faults=faults)
    fd = listening.fileno()

    def command(index: int) -> list[str]:
        edge_flags = ["--edge-link", str(link_path), "--edge-app", str(app_path), "--listen-fd", str(fd)]
        return [sys.executable, "-m", "openclob.cli", *serve_argv, *edge_flags, "--edge-index", str(index)]

    stop_timeout_s = service.settings.limits.stop_timeout_ms / 1000
    edges = EdgeProcesses(command, count, pass_fds=(fd,), stop_timeout_s=stop_timeout_s)
    service.on_ready.insert(0, link.start)  # an edge joins only a recovered exchange
    side = SequencerSide(directory, link, edges, app_socket)
    side.on_startup.append(edges.start)
    side.on_shutdown += [edges.stop, link.stop]
    return side


def workers_count(text: str) -> int:
    """`--workers`: a whole number from 1, or `auto` for the number of cores (ValueError otherwise)."""
    if text == "auto":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    with contextlib.suppress(ValueError):
        count = int(text)
        if count >= 1:
            return count
    raise ValueError(f"--workers is a whole number from 1, or auto (got {text!r})")
