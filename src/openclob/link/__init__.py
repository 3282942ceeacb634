"""The link between the edges and the sequencer over a local socket: frames, both ends, and an edge's replica."""

from __future__ import annotations

from openclob.link.edge import BatchListener, EdgeLink
from openclob.link.frames import FrameError, frame
from openclob.link.messages import (
    Answered,
    Durable,
    EdgeMessage,
    Joined,
    Refusal,
    RefusalKind,
    SequencerMessage,
    Submit,
)
from openclob.link.replica import Replica, ReplicaDiverged
from openclob.link.sequencer import SequencerLink

__all__ = [
    "Answered",
    "BatchListener",
    "Durable",
    "EdgeLink",
    "EdgeMessage",
    "FrameError",
    "Joined",
    "Refusal",
    "RefusalKind",
    "Replica",
    "ReplicaDiverged",
    "SequencerLink",
    "SequencerMessage",
    "Submit",
    "frame",
]
