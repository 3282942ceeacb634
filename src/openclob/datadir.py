"""The data directory: the embedded database and the server's secrets, created on first start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MASTER_SECRET_FILE = "master.key"
ADMIN_TOKEN_FILE = "admin-token"


def _read_or_create(path: Path, make: bytes) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(make)
    return make


def master_secret(data_dir: Path) -> bytes:
    """The secret API credentials are derived from (kept in the data directory, mode 600)."""
    return bytes.fromhex(_read_or_create(data_dir / MASTER_SECRET_FILE, secrets.token_hex(32).encode()).decode())


def admin_token(data_dir: Path, given: str | None) -> str:
    """The admin API's bearer token: the one given, else the one kept in the data directory."""
    if given:
        return given
    return _read_or_create(data_dir / ADMIN_TOKEN_FILE, secrets.token_urlsafe(32).encode()).decode()
