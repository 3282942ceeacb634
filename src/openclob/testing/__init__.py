"""Testing bots against openclob (docs/testing.md): `OpenClobServer`.

The names below are imported when first used, so that importing this module costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openclob.testing.admin import AdminError, Clock, Faults
    from openclob.testing.server import OpenClobServer, ServerStartError
    from openclob.testing.wallet import Wallet

__all__ = ["AdminError", "Clock", "Faults", "OpenClobServer", "ServerStartError", "Wallet"]

_MODULES = {
    "AdminError": "openclob.testing.admin",
    "Clock": "openclob.testing.admin",
    "Faults": "openclob.testing.admin",
    "OpenClobServer": "openclob.testing.server",
    "ServerStartError": "openclob.testing.server",
    "Wallet": "openclob.testing.wallet",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
