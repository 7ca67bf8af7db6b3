"""Schemathesis hooks for scripts/lib/api_fuzz.sh: every request to a signed route is signed exactly as a
real caller signs it (README, "webhook signatures"; Runtime/PuntosWebhooks/SignedMessage.swift):

    X-Puntos-Caller:    PUNTOS_FUZZ_CALLER
    X-Puntos-Timestamp: Unix seconds
    X-Puntos-Signature: v1=<hex HMAC-SHA256(secret, "TIMESTAMP.METHOD.PATH?QUERY.BODY")>

over the bytes that go on the wire: the request is prepared here as the transport will send it, the
body is signed and then sent as those very bytes. Public routes (`security: []` in openapi.yaml) are
sent unsigned. A signature is accepted once, so a request identical to one already sent in the same
second is signed with an earlier second (still inside the five-minute window), as a caller that
retries signs again; nothing else about the request changes.

Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks and scripts/lib on PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time

import requests
import schemathesis
import yaml

CALLER = os.environ.get("PUNTOS_FUZZ_CALLER", "fuzz")
SECRET = os.environ["PUNTOS_FUZZ_SECRET"].encode()
BASE_URL = os.environ["PUNTOS_FUZZ_URL"]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _public_operations(path: str) -> set[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    default = document.get("security") or []
    public = set()
    for route, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS and not operation.get("security", default):
                public.add((method.upper(), route))
    return public


PUBLIC = _public_operations(os.environ.get("PUNTOS_OPENAPI", "openapi.yaml"))
_sent: set[tuple[int, str, str, bytes]] = set()
_lock = threading.Lock()
signed_requests = 0


def sign(timestamp: int, method: str, target: str, body: bytes) -> str:
    message = f"{timestamp}.{method}.{target}.".encode() + body
    return "v1=" + hmac.new(SECRET, message, hashlib.sha256).hexdigest()


@schemathesis.hook
def before_call(context, case, kwargs):
    global signed_requests
    method = case.method.upper()
    if (method, case.path) in PUBLIC:
        return
    case.headers = {
        name: value for name, value in (case.headers or {}).items() if not name.lower().startswith("x-puntos-")
    }
    data = case.as_transport_kwargs(base_url=BASE_URL)
    prepared = requests.Request(
        method=data["method"],
        url=data["url"],
        headers=data.get("headers"),
        params=data.get("params"),
        data=data.get("data"),
        json=data.get("json"),
    ).prepare()
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    target = prepared.path_url
    with _lock:
        timestamp = int(time.time())
        while (timestamp, method, target, body) in _sent:
            timestamp -= 1
        _sent.add((timestamp, method, target, body))
        signed_requests += 1
    case.headers.update(
        {
            "X-Puntos-Caller": CALLER,
            "X-Puntos-Timestamp": str(timestamp),
            "X-Puntos-Signature": sign(timestamp, method, target, body),
        }
    )
    if prepared.body is not None:
        kwargs["data"] = body
