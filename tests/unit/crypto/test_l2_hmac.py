from __future__ import annotations

from typing import Any

import pytest

from openclob.crypto import build_hmac_signature, verify_hmac

CLIENT_SIGNATURES = ("sig_py_clob_client", "sig_py_clob_client_v2", "sig_ts_clob_client", "sig_ts_clob_client_v2")
ZERO_SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
SECRET = "XXh3kRzMEVz8K0NgE4io5knTGlDHT6BndBCB7-7_1mI="


def _body(case: dict[str, Any]) -> bytes:
    body: str | None = case["body"]
    return b"" if body is None else body.encode("utf-8")


def _request(case: dict[str, Any]) -> tuple[str, str, str, str]:
    return case["secret"], str(case["timestamp"]), case["method"], case["path_signed"]


def test_build_hmac_signature_over_raw_body_equals_vector_server_signature(l2_case: dict[str, Any]) -> None:
    signature = build_hmac_signature(*_request(l2_case), _body(l2_case))

    assert signature == l2_case["sig_server_over_raw_body"]


@pytest.mark.parametrize("client", CLIENT_SIGNATURES)
def test_verify_hmac_of_official_client_signature_over_sent_bytes_accepts(l2_case: dict[str, Any], client: str) -> None:
    assert verify_hmac(*_request(l2_case), _body(l2_case), l2_case[client])


def test_verify_hmac_of_py_client_apostrophe_body_accepts_only_through_the_replaced_variant(
    vectors: dict[str, Any],
) -> None:
    case = next(c for c in vectors["l2_hmac"] if c["id"] == "l2_apostrophe_body")
    py_signature = case["sig_py_clob_client"]
    sent = _body(case)

    # The py client's signature is not the HMAC of what it sent, and the lenient check still accepts it.
    assert build_hmac_signature(*_request(case), sent) != py_signature
    assert build_hmac_signature(*_request(case), sent.replace(b"'", b'"')) == py_signature
    assert verify_hmac(*_request(case), sent, py_signature)


def test_build_hmac_signature_of_client_behaviour_vector_equals_published_signature() -> None:
    signature = build_hmac_signature(
        ZERO_SECRET, "1700000000", "DELETE", "/cancel-market-orders", b'{"market":"","asset_id":"123"}'
    )

    assert signature == "PO_8PiPwre8PCFyt-fmkVR1VuwmoXubcMFBMukBjD24="


def test_build_hmac_signature_without_body_equals_empty_body_signature() -> None:
    assert build_hmac_signature(SECRET, "1", "GET", "/data/orders", None) == build_hmac_signature(
        SECRET, "1", "GET", "/data/orders", b""
    )


def test_verify_hmac_with_altered_signature_rejects(l2_case: dict[str, Any]) -> None:
    good = l2_case["sig_server_over_raw_body"]
    altered = ("B" if good[0] == "A" else "A") + good[1:]

    assert not verify_hmac(*_request(l2_case), _body(l2_case), altered)


SIGNED_BODY = b'{"orderID":"0x1b2f"}'


@pytest.mark.parametrize(
    ("secret", "timestamp", "method", "path", "body"),
    [
        pytest.param(ZERO_SECRET, "1700000006", "DELETE", "/order", SIGNED_BODY, id="other_secret"),
        pytest.param(SECRET, "1700000007", "DELETE", "/order", SIGNED_BODY, id="other_timestamp"),
        pytest.param(SECRET, "1700000006", "POST", "/order", SIGNED_BODY, id="other_method"),
        pytest.param(SECRET, "1700000006", "DELETE", "/order?x=1", SIGNED_BODY, id="path_with_query"),
        pytest.param(SECRET, "1700000006", "DELETE", "/order", b'{"orderID":"0x1b2e"}', id="other_body"),
        pytest.param(SECRET, "1700000006", "DELETE", "/order", b"", id="body_dropped"),
    ],
)
def test_verify_hmac_when_request_differs_from_signed_one_rejects(
    secret: str, timestamp: str, method: str, path: str, body: bytes
) -> None:
    signature = build_hmac_signature(SECRET, "1700000006", "DELETE", "/order", SIGNED_BODY)

    assert verify_hmac(SECRET, "1700000006", "DELETE", "/order", SIGNED_BODY, signature)
    assert not verify_hmac(secret, timestamp, method, path, body, signature)


def test_verify_hmac_with_apostrophe_leniency_does_not_accept_other_bodies() -> None:
    sent = b'{"key":"it\'s"}'
    signature_of_other_body = build_hmac_signature(SECRET, "1", "DELETE", "/auth/readonly-api-key", b'{"key":"its"}')

    assert not verify_hmac(SECRET, "1", "DELETE", "/auth/readonly-api-key", sent, signature_of_other_body)


def test_verify_hmac_with_non_ascii_signature_header_rejects() -> None:
    assert not verify_hmac(SECRET, "1", "GET", "/data/orders", b"", "é" * 44)
