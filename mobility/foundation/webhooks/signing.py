"""Signatures of webhook deliveries: what the sender computes and what a partner checks.

A delivery's body is signed with HMAC-SHA256 under the endpoint's secret over ``f"{timestamp}.{body}"``, and the
result sent as ``X-Mobility-Signature: t=<unix seconds>,v1=<hex digest>``. The timestamp is inside the signed text,
so a receiver that refuses old timestamps refuses replayed captures; the body is signed as the exact bytes sent.

This module needs nothing but the standard library: ``verify_signature`` is what docs/webhooks.md shows a partner.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

SIGNATURE_HEADER = "X-Mobility-Signature"
EVENT_HEADER = "X-Mobility-Event"
DELIVERY_HEADER = "X-Mobility-Delivery"
# A receiver refuses signatures older (or newer) than this many seconds by default.
DEFAULT_TOLERANCE = 300


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The body sent for a payload: compact UTF-8 JSON with sorted keys, so every attempt sends the same bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under ``secret``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def verify_signature(
    *, secret: str, header: str, body: bytes, tolerance: int = DEFAULT_TOLERANCE, now: float | None = None
) -> bool:
    """True when ``header`` (the ``X-Mobility-Signature`` value) signs ``body`` under ``secret`` with a timestamp
    within ``tolerance`` seconds of ``now``. Several ``v1=`` entries are accepted (any one may match), so a sender
    may sign with an old and a new secret while they are rotated. Compares in constant time."""
    timestamp = None
    candidates = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
