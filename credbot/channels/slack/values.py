"""Button values the bot can trust: sealed with an HMAC when sent, checked when clicked.

Slack hands a button's ``value`` back as it was sent, inside a request Slack signs; but the value
decides what the bot does (which conversation to escalate, which question, which reply to share),
so it is checked against what the bot sent rather than trusted as received. Each value is
``<tag>.<json>``: the tag is an HMAC-SHA256 over the button's purpose and the JSON, with a key
derived from the signing secret (never the secret itself), so a value changed in transit, built by
hand, or taken from another kind of button does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

MAX_VALUE = 2000  # Slack's limit for a button's value
_CONTEXT = b"credbot slack button values v1"


class ButtonValues:
    def __init__(self, secret: str):
        if not secret:
            raise ValueError("button values need a secret (the signing secret or, in Socket Mode, a token)")
        self._key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()

    def _tag(self, purpose: str, body: str) -> str:
        mac = hmac.new(self._key, purpose.encode() + b"\n" + body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode()  # 144 bits, 24 characters

    def seal(self, purpose: str, **data: Any) -> str:
        """The value for a button of this purpose; the caller keeps it within Slack's 2,000 characters."""
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        value = f"{self._tag(purpose, body)}.{body}"
        if len(value) > MAX_VALUE:
            raise ValueError(f"button value of {len(value)} characters (Slack takes {MAX_VALUE})")
        return value

    def open(self, purpose: str, value: object) -> dict[str, Any] | None:
        """The data sealed into a button of this purpose, or None when the value is not one the bot
        sent (changed, forged, from another kind of button, or not a string at all)."""
        if not isinstance(value, str) or "." not in value:
            return None
        tag, body = value.split(".", 1)
        if not hmac.compare_digest(tag.encode(), self._tag(purpose, body).encode()):
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
