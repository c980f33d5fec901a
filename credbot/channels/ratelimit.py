"""Per-client rate limits for the endpoints that do work (chat, escalations, feedback).

Fixed windows counted in this process (sessions live in memory too: one process). The limits are
written as `limits` (flask-limiter's engine) parses them: "30 per minute; 500 per day".

Why not `limits`' own memory storage: on each hit it formats keys and takes a per-key lock, and it
starts a new expiry timer thread whenever the last one (10 ms) has run. Under bench/load.py's load
the limit check took about 30 µs of a chat request's CPU that way, and about 6 µs with this
counter: one dict lookup under one lock."""

from __future__ import annotations

import math
import threading
import time

from limits import parse_many

SWEEP_EVERY = 10_000  # hits between sweeps of the windows of clients that went quiet


class RateLimiter:
    def __init__(self, spec: str, enabled: bool = True, clock=time.monotonic):
        """``spec``: one or more limits, e.g. "30 per minute; 500 per day" (ValueError if malformed)."""
        self.limits = [(item.amount, item.get_expiry()) for item in parse_many(spec)]
        self.enabled = enabled
        self.clock = clock
        self._windows: dict[tuple[str, str], list[list[float]]] = {}  # (client, scope) -> [[start, count], ...]
        self._lock = threading.Lock()
        self._hits = 0

    def hit(self, client: str, scope: str) -> float | None:
        """Count one request of ``client`` to ``scope``: None if allowed, else the whole seconds
        until it may retry (the request is not counted then)."""
        if not self.enabled:
            return None
        now = self.clock()
        with self._lock:
            windows = self._windows.get((client, scope))
            if windows is None:
                windows = self._windows[(client, scope)] = [[now, 0] for _ in self.limits]
            wait = 0.0
            for window, (amount, seconds) in zip(windows, self.limits):
                if now - window[0] >= seconds:
                    window[0], window[1] = now, 0
                elif window[1] >= amount:
                    wait = max(wait, window[0] + seconds - now)
            if wait:
                return float(max(1, math.ceil(wait)))
            for window in windows:
                window[1] += 1
            self._hits += 1
            if self._hits % SWEEP_EVERY == 0:
                self._sweep(now)
        return None

    def _sweep(self, now: float) -> None:
        """Forget clients whose every window has ended (their next hit starts afresh anyway)."""
        ended = [
            key
            for key, windows in self._windows.items()
            if all(now - w[0] >= seconds for w, (_, seconds) in zip(windows, self.limits))
        ]
        for key in ended:
            del self._windows[key]
