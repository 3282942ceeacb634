"""GET /notifications shows the retention window only (Polymarket keeps notifications 48 hours)."""

from __future__ import annotations

import pytest

from openclob.crypto import build_hmac_signature
from openclob.store.records import ApiKeyRecord, NotificationRecord
from tests.unit.api.conftest import ALICE, Env

pytestmark = pytest.mark.anyio

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
HOUR_MS = 3_600_000


async def test_notifications_older_than_the_retention_window_are_not_shown(env: Env) -> None:
    key = ApiKeyRecord(
        api_key=ALICE.owner, address=ALICE.address, nonce=0, secret=SECRET, passphrase="p", readonly=False,
        created_at_ms=0,
    )  # fmt: skip
    env.service.edge.add_key(key)
    now = env.clock.now_ms

    def notification(notification_id: int, age_ms: int) -> NotificationRecord:
        return NotificationRecord(
            notification_id=notification_id, owner=ALICE.owner, type=2, payload={}, created_at_ms=now - age_ms
        )

    kept = [notification(1, 49 * HOUR_MS), notification(2, 47 * HOUR_MS), notification(3, 0)]
    env.store.notifications = lambda owner: kept if owner == ALICE.owner else []  # type: ignore[method-assign]
    timestamp = str(now // 1000)
    headers = {
        "POLY_ADDRESS": ALICE.address,
        "POLY_API_KEY": ALICE.owner,
        "POLY_PASSPHRASE": "p",
        "POLY_TIMESTAMP": timestamp,
        "POLY_SIGNATURE": build_hmac_signature(SECRET, timestamp, "GET", "/notifications", None),
    }
    response = await env.client.get("/notifications", headers=headers)
    assert response.status_code == 200
    assert [n["id"] for n in response.json()] == [2, 3]
