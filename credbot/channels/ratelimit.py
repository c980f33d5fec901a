"""Per-client rate limits for the endpoints that do work (chat, escalations, feedback).

Two counters with one interface, ``hit(client, scope) -> None | seconds to wait``:
- RateLimiter: fixed windows counted in this process, the default without Redis (one process).
- RedisRateLimiter (REDIS_URL): `limits`' sliding-window counters in Redis, so a limit applies
  once across every worker and host; while Redis cannot be reached it counts in this process.
The limits are written as `limits` (flask-limiter's engine) parses them: "30 per minute; 500 per day".

Why not `limits`' own memory storage: on each hit it formats keys and takes a per-key lock, and it
starts a new expiry timer thread whenever the last one (10 ms) has run. Under bench/load.py's load
the limit check took about 30 µs of a chat request's CPU that way, and about 6 µs with this
counter: one dict lookup under one lock."""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from typing import Any

from limits import parse_many

log = logging.getLogger("credbot.ratelimit")

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


def _limits_internals() -> bool:
    from limits.storage import RedisStorage

    return all(
        hasattr(RedisStorage, name)
        for name in ("SCRIPT_ACQUIRE_SLIDING_WINDOW", "_previous_window_key", "_current_window_key", "prefixed_key")
    )


_HAS_SCRIPT = _limits_internals()


class RedisRateLimiter:
    """Sliding-window counters in Redis through `limits` (RedisStorage + SlidingWindowCounterRateLimiter):
    every process behind the proxy counts the same hits, and a window slides rather than resetting at
    once (a client cannot spend two windows' worth across a boundary). One round trip per limit and
    request; with one limit, ``hit_and_get`` also reads a key in the same round trip (a chat turn's
    conversation). When Redis fails, the in-process ``fallback`` counts instead (each process on its own)
    until Redis answers again: a limit per process is better than none, and chat reports the outage
    through its own 503."""

    def __init__(self, spec: str, connection_pool: Any, enabled: bool = True, prefix: str = "credbot:limits"):
        from limits.storage import RedisStorage
        from limits.strategies import SlidingWindowCounterRateLimiter
        from redis.exceptions import RedisError, TimeoutError

        self.items = parse_many(spec)
        self.enabled = enabled
        self.connection_pool = connection_pool
        self.storage = RedisStorage("redis://", connection_pool=connection_pool, key_prefix=prefix)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self.fallback = RateLimiter(spec, enabled=enabled)
        self._errors, self._timeout = RedisError, TimeoutError
        self._warned_at = -math.inf
        self._down_until = -math.inf  # after a time-out, count here for PAUSE s before trying Redis again

    PAUSE = 5.0

    def hit(self, client: str, scope: str) -> float | None:
        if not self.enabled:
            return None
        if time.monotonic() < self._down_until:
            return self.fallback.hit(client, scope)
        try:
            if len(self.items) > 1 and not all(self.strategy.test(item, scope, client) for item in self.items):
                return self._wait(client, scope)  # checked first: a refused request counts against none
            for item in self.items:
                if not self.strategy.hit(item, scope, client):
                    return self._wait(client, scope)
            return None
        except self._errors as exc:
            return self._failed(exc, client, scope)

    def _failed(self, exc: Exception, client: str, scope: str) -> float | None:
        """Redis failed on this hit: count it in this process (and, after a time-out, for PAUSE s)."""
        now = time.monotonic()
        if isinstance(exc, self._timeout):  # a hung Redis: do not wait for it on every request
            self._down_until = now + self.PAUSE
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("rate limits: Redis unavailable (%s); counting in this process meanwhile", type(exc).__name__)
        return self.fallback.hit(client, scope)

    @property
    def reads_along(self) -> bool:
        """Whether ``hit_and_get`` may be used now: one limit (the sliding window's script counts one
        item), limits on, Redis not paused after a time-out."""
        return (
            self.enabled
            and len(self.items) == 1
            and time.monotonic() >= self._down_until
            and _HAS_SCRIPT  # limits' script and key helpers, as limits 5 has them (else: two round trips)
        )

    def hit_and_get(self, client: str, scope: str, key: str) -> tuple[float | None, bytes | None, Exception | None]:
        """``hit(client, scope)`` and Redis's GET of ``key`` in one round trip (one script: `limits`'
        own sliding-window script, then the GET): a chat turn counts its hit and reads its conversation
        at once. Returns (seconds to wait or None, the value or None, the Redis error or None); on an
        error the hit is counted in this process, as ``hit`` does. Only when ``reads_along``. One Redis
        server, as connect_redis makes (not a Redis Cluster: ``key`` is not in the limit's hash slot)."""
        item = self.items[0]
        limit_key = item.key_for(scope, client)
        keys = [
            self.storage.prefixed_key(self.storage._previous_window_key(limit_key)),
            self.storage.prefixed_key(self.storage._current_window_key(limit_key)),
            key,
        ]
        try:
            acquired, raw = self._script(keys, [item.amount, item.get_expiry(), 1])
        except self._errors as exc:
            return self._failed(exc, client, scope), None, exc
        if not acquired:
            try:
                return self._wait(client, scope), raw, None
            except self._errors as exc:
                return self._failed(exc, client, scope), None, exc
        return None, raw, None

    @functools.cached_property
    def _script(self) -> Any:
        # limits' script as a function (its KEYS[1], KEYS[2] and ARGV as it reads them), then the GET.
        body: bytes = self.storage.SCRIPT_ACQUIRE_SLIDING_WINDOW
        lua = b"local function acquire()\n%s\nend\nreturn {acquire() and 1 or 0, redis.call('get', KEYS[3])}" % body
        return self.storage.get_connection().register_script(lua)

    def _wait(self, client: str, scope: str) -> float:
        """Whole seconds until the fullest window lets one more request through (at least 1)."""
        now = time.time()
        wait = 1.0
        for item in self.items:
            stats = self.strategy.get_window_stats(item, scope, client)
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - now)
        return float(max(1, math.ceil(wait)))
