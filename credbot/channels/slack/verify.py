"""Checks on a request that claims to come from Slack, before bolt parses it (HTTP mode).

Slack signs every request: ``v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")`` in
``X-Slack-Signature``, with ``X-Slack-Request-Timestamp``. bolt checks the same, but a missing or
non-numeric timestamp made it raise (a 500 and a logged traceback), and it parses the body (and
logs it) only after. Here every malformed request is a reason to refuse, never an exception.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk.signature import SignatureVerifier


class Headers(Protocol):
    """Werkzeug's request headers, or a dict: case-insensitive lookups are the caller's."""

    def get(self, key: str, /) -> str | None: ...


WINDOW_SECONDS = 300  # Slack's window: a signed request older (or newer) than this is refused


def refusal(secret: str, headers: Headers, body: bytes, clock: Callable[[], float] = time.time) -> str | None:
    """Why this request is not a genuine Slack request (a short reason, without the body), or None."""
    signature = headers.get("X-Slack-Signature") or ""
    timestamp = headers.get("X-Slack-Request-Timestamp") or ""
    if not signature:
        return "unsigned"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "malformed timestamp"
    if abs(clock() - int(timestamp)) > WINDOW_SECONDS:
        return "timestamp outside the 5-minute window"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if not SignatureVerifier(secret).is_valid(text, timestamp, signature):
        return "bad signature"
    return None


def request_key(headers: Headers) -> str:
    """One key per signed request (the signature covers its timestamp and body): a second request
    with the same key inside the window is a replay."""
    signature = headers.get("X-Slack-Signature") or ""
    return "slack-request:" + hashlib.sha256(signature.encode()).hexdigest()
