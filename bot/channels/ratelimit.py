"""Per-client rate limits for the endpoints that do work (chat, escalations, feedback).

Built on `limits`, the library under flask-limiter, called once per limited request. flask-limiter
itself runs its hooks on every request and, measured under load, cost more than answering a
repeated question (see bench/load.py), so the web channel calls the limiter directly."""
from __future__ import annotations

import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


class RateLimiter:
    def __init__(self, spec: str, storage_uri: str = "memory://", enabled: bool = True):
        """``spec``: one or more limits, e.g. "30 per minute; 500 per day" (ValueError if malformed)."""
        self.items = parse_many(spec)
        self.strategy = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self.enabled = enabled

    def hit(self, client: str, scope: str) -> float | None:
        """Count one request of ``client`` to ``scope``: None if allowed, else the seconds until it may retry."""
        if not self.enabled:
            return None
        for item in self.items:
            if not self.strategy.hit(item, scope, client):
                reset = self.strategy.get_window_stats(item, scope, client).reset_time
                return max(1.0, math.ceil(reset - time.time()))
        return None
