"""API keys: create and derive with L1; list, delete and read-only keys with L2."""

from __future__ import annotations

import uuid

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.auth import l1_address, l2_key
from openclob.api.errors import COULD_NOT_DERIVE_KEY, ApiError, from_refusal
from openclob.api.http import decode, ok, read_body
from openclob.core import Deposit
from openclob.crypto import derive_api_credentials
from openclob.edge_commands import CreateApiKey, CreateReadonlyKey, DeleteApiKey, DeleteReadonlyKey, Refused
from openclob.service import Service
from openclob.store.records import ApiKeyRecord


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _creds(record: ApiKeyRecord) -> dict[str, str]:
    return {"apiKey": record.api_key, "secret": record.secret, "passphrase": record.passphrase}


async def create_api_key(request: Request) -> Response:
    """POST /auth/api-key: create the key of (address, nonce); 400 if it exists already."""
    service = _service(request)
    address, nonce = l1_address(request, service)
    master = request.app.state.master_secret
    creds = derive_api_credentials(master, address, nonce)
    created = await service.submit_edge(
        CreateApiKey(
            address=address, nonce=nonce, api_key=creds.api_key, secret=creds.secret, passphrase=creds.passphrase
        )
    )
    if isinstance(created, Refused):
        raise from_refusal(created)
    if created.first_key and service.settings.faucet_units > 0:
        await service.submit(Deposit(now_ms=0, address=address, amount=service.settings.faucet_units))
    return ok(_creds(created.record))


async def derive_api_key(request: Request) -> Response:
    """GET /auth/derive-api-key: the same credentials again; 400 if none were created."""
    service = _service(request)
    address, nonce = l1_address(request, service)
    record = service.edge.keys_by_address_nonce.get((address, nonce))
    if record is None:
        raise ApiError(400, COULD_NOT_DERIVE_KEY)
    return ok(_creds(record))


async def list_api_keys(request: Request) -> Response:
    """GET /auth/api-keys: the caller's address's keys."""
    service = _service(request)
    key = l2_key(request, service, await read_body(request, service.settings.limits.max_body_bytes))
    keys = [r.api_key for r in service.edge.api_keys.values() if r.address == key.address and not r.readonly]
    return ok({"apiKeys": keys})


async def delete_api_key(request: Request) -> Response:
    """DELETE /auth/api-key: delete the key that signed the request."""
    service = _service(request)
    key = l2_key(request, service, await read_body(request, service.settings.limits.max_body_bytes))
    await service.submit_edge(DeleteApiKey(api_key=key.api_key))
    return ok("OK")


async def closed_only(request: Request) -> Response:
    """GET /auth/ban-status/closed-only: openclob has no closed-only accounts."""
    service = _service(request)
    l2_key(request, service, await read_body(request, service.settings.limits.max_body_bytes))
    return ok({"closed_only": False})


async def create_readonly_key(request: Request) -> Response:
    """POST /auth/readonly-api-key: a key that reads the address's orders and trades, without a secret."""
    service = _service(request)
    key = l2_key(request, service, await read_body(request, service.settings.limits.max_body_bytes))
    created = await service.submit_edge(CreateReadonlyKey(address=key.address, api_key=str(uuid.uuid4())))
    if isinstance(created, Refused):
        raise from_refusal(created)
    return ok({"apiKey": created.record.api_key})


async def list_readonly_keys(request: Request) -> Response:
    """GET /auth/readonly-api-keys: the address's read-only keys."""
    service = _service(request)
    key = l2_key(request, service, await read_body(request, service.settings.limits.max_body_bytes))
    return ok(sorted(r.api_key for r in service.edge.api_keys.values() if r.readonly and r.address == key.address))


class _ReadonlyKey(msgspec.Struct):
    key: str


async def delete_readonly_key(request: Request) -> Response:
    """DELETE /auth/readonly-api-key {"key"}: only a key of the caller's own address."""
    service = _service(request)
    body = await read_body(request, service.settings.limits.max_body_bytes)
    key = l2_key(request, service, body)
    target = decode(body, _ReadonlyKey, "Invalid readonly api key payload").key
    refused = await service.submit_edge(DeleteReadonlyKey(address=key.address, api_key=target))
    if refused is not None:
        raise from_refusal(refused)
    return ok(True)


async def validate_readonly_key(request: Request) -> Response:
    """GET /auth/validate-readonly-api-key?address=&key=: whether the key is a read-only key of that address."""
    service = _service(request)
    record = service.edge.api_keys.get(request.query_params.get("key", ""))
    address = request.query_params.get("address", "").lower()
    return ok({"valid": record is not None and record.readonly and record.address == address})


ROUTES = [
    Route("/auth/api-key", create_api_key, methods=["POST"]),
    Route("/auth/derive-api-key", derive_api_key, methods=["GET"]),
    Route("/auth/api-keys", list_api_keys, methods=["GET"]),
    Route("/auth/api-key", delete_api_key, methods=["DELETE"]),
    Route("/auth/ban-status/closed-only", closed_only, methods=["GET"]),
    Route("/auth/readonly-api-key", create_readonly_key, methods=["POST"]),
    Route("/auth/readonly-api-keys", list_readonly_keys, methods=["GET"]),
    Route("/auth/readonly-api-key", delete_readonly_key, methods=["DELETE"]),
    Route("/auth/validate-readonly-api-key", validate_readonly_key, methods=["GET"]),
]
