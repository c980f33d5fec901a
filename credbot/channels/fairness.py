"""A per-client budget of expensive work, so that one client cannot take the CPU from everyone else.

A repeated question costs about 0.05 ms of CPU (the matcher's caches answer it); a new one about
12 ms (its embedding); a new 1,000-character message about 120 ms. The rate limit counts requests
and cannot tell these apart: behind a school's NAT it must be generous, and then one client
sending long new messages could keep a core busy. So each process measures the CPU time each chat
request really took (time.thread_time: this thread's CPU only, so waiting for the GIL or for other
requests does not count) and charges it to the client's bucket, which refills at
``cpu_seconds_per_minute``. While a client's bucket is empty, a message that was not cheap the last
time this process saw it gets 429 with Retry-After; a message this process answered cheaply (a
repeat its caches hold) still passes. And a client has at most ``concurrent`` such messages in
work at once in a process: the rate limit lets 30 requests through at the start of a minute, and
30 new long messages sent at once would hold every request thread (and the GIL) for seconds.
The caches are per process, and so is the budget: with N workers a client may use at most its
budget on each, a fixed share of each worker's CPU.

Memory is bounded: cachetools.TTLCache holds at most ``max_clients`` buckets (a bucket idle for
IDLE_SECONDS is full again and is dropped), the set of cheap messages at most ``known_messages``."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cachetools import LRUCache, TTLCache

EXPENSIVE_AFTER = 0.005  # seconds of CPU: above this a message is "expensive" (a new question is ~10 ms)
MAX_DEBT_MINUTES = 5  # a bucket goes at most this many minutes' refill below empty
IDLE_SECONDS = (MAX_DEBT_MINUTES + 1) * 60  # after this long without a charge every bucket is full again


class OverBudget(Exception):
    def __init__(self, retry_after: float):
        super().__init__(f"over the budget of expensive work: retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class WorkBudget:
    def __init__(
        self,
        cpu_seconds_per_minute: float,
        *,
        expensive_after: float = EXPENSIVE_AFTER,
        clock=time.monotonic,
        cpu_clock=time.thread_time,
        max_clients: int = 100_000,
        known_messages: int = 4096,
        concurrent: int = 1,
    ):
        self.capacity = float(cpu_seconds_per_minute)
        self.enabled = self.capacity > 0
        self.rate = self.capacity / 60.0  # seconds of CPU regained per second
        self.expensive_after = expensive_after
        self.clock, self.cpu_clock = clock, cpu_clock
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(max_clients, IDLE_SECONDS, timer=clock)
        self._cheap: LRUCache[str, bool] = LRUCache(known_messages)
        self._busy: dict[str, int] = {}  # client -> messages not known to be cheap, in work now
        self.concurrent = concurrent
        self._lock = threading.Lock()

    def balance(self, client: str) -> float:
        """Seconds of CPU ``client`` may still spend now (negative: in debt)."""
        with self._lock:
            return self._balance(client, self.clock())

    def _balance(self, client: str, now: float) -> float:
        tokens, since = self._buckets.get(client, (self.capacity, now))
        return min(self.capacity, tokens + (now - since) * self.rate)

    def admit(self, client: str, message: str) -> float | None:
        """None if ``client`` may send ``message`` now; else the whole seconds until it may."""
        if not self.enabled:
            return None
        with self._lock:
            balance = self._balance(client, self.clock())
            if balance > 0 or message in self._cheap:
                return None
        return float(max(1, math.ceil(-balance / self.rate)))

    def charge(self, client: str, message: str, cpu_seconds: float) -> None:
        """Count ``cpu_seconds`` of work against ``client``, and remember whether ``message`` was cheap."""
        if not self.enabled:
            return
        with self._lock:
            if cpu_seconds < self.expensive_after:
                self._cheap[message] = True
            else:
                self._cheap.pop(message, None)
            now = self.clock()
            tokens = max(-MAX_DEBT_MINUTES * self.capacity, self._balance(client, now) - cpu_seconds)
            self._buckets[client] = (tokens, now)

    @contextmanager
    def work(self, client: str, message: str) -> Iterator[None]:
        """Run the body as ``client``'s work on ``message``: OverBudget before it if the client may
        not send this message now (budget spent, or another new message of its still in work),
        its CPU time charged after it."""
        if not self.enabled:
            yield
            return
        wait = self.admit(client, message)
        if wait is not None:
            raise OverBudget(wait)
        with self._lock:
            counted = message not in self._cheap
            if counted:
                if self._busy.get(client, 0) >= self.concurrent:
                    raise OverBudget(1.0)
                self._busy[client] = self._busy.get(client, 0) + 1
        start = self.cpu_clock()
        try:
            yield
        finally:
            self.charge(client, message, self.cpu_clock() - start)
            if counted:
                with self._lock:
                    left = self._busy[client] - 1
                    if left:
                        self._busy[client] = left
                    else:
                        del self._busy[client]
