"""Testing bots against openclob (docs/testing.md): `OpenClobServer` and the pytest plugin.

Installing openclob registers this module as a pytest plugin (entry point `pytest11`, `openclob`); it loads
`openclob.testing.plugin`, whose `openclob_server` fixture is an `OpenClobServer` for the session. The names
below are imported when first used, so that a pytest session that does not use them does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openclob.testing.admin import AdminError, Clock, Faults
    from openclob.testing.server import OpenClobServer, ServerStartError
    from openclob.testing.wallet import Wallet

pytest_plugins = ["openclob.testing.plugin"]

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
