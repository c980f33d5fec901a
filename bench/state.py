"""Session stores and rate limiters: the time each adds to a chat request, and whether it stays flat
as the number of live conversations grows (issue 15: 1,000 against 1,000,000).

Sessions: for each store (in memory: cachetools.TTLCache; Redis: a local redis-server), N live
conversations are created (each with four turns of history, as after a short chat), then a chat
request's share of the store is timed: get + remember two turns + save, for a live conversation
(a random one of the N) and for a new one. The memory store is also timed full (its count bound
reached: each new conversation pushes the least recently used one out).

Rate limiters: one hit per request, for 100,000 client addresses, with the in-process counter
(the default without Redis), `limits`' own in-memory strategies, and the Redis one.

    python bench/state.py [requests per figure]     (default 20,000)

Needs redis-server for the Redis figures (skipped without it). Filling a million conversations
takes about a minute and some 2 GB of memory (and of Redis)."""

from __future__ import annotations

import gc
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from credbot.channels.ratelimit import RateLimiter, RedisRateLimiter  # noqa: E402
from credbot.conversation.sessions import MemorySessionStore, RedisSessionStore, Session  # noqa: E402
from credbot.wiring import connect_redis  # noqa: E402

TURNS = [
    ("user", "how much does a credential cost in Ohio?"),
    ("bot", "In Ohio, schools pay for the credential tests and are reimbursed by the state. " * 3),
    ("user", "what about Illinois?"),
    ("bot", "In Illinois, the ISBE FAQ says costs depend on the district and the credential. " * 3),
]


def conversation(key: str) -> Session:
    session = Session(key=key, state="OH", last_question="how much does a credential cost?")
    for role, text in TURNS:
        session.remember(role, text)
    return session


def fill_memory(store: MemorySessionStore, n: int) -> None:
    for i in range(n):
        store.save(conversation(f"web:{i:032x}"))


def fill_redis(store: RedisSessionStore, n: int) -> None:
    pipe = store.client.pipeline(transaction=False)
    for i in range(n):
        session = conversation(f"web:{i:032x}")
        pipe.set(store.prefix + session.key, session.to_json(), px=store._ttl_ms)
        if i % 10_000 == 9_999:
            pipe.execute()
    pipe.execute()


def time_requests(store, n_live: int, requests: int, new: bool) -> list[float]:
    """Microseconds per request's store work: get, two turns, save."""
    rng = random.Random(7)
    out = []
    for j in range(requests):
        key = f"web:new{j:028x}{rng.random()}" if new else f"web:{rng.randrange(n_live):032x}"
        started = time.perf_counter()
        session = store.get(key)
        session.remember("user", "and what about the points?")
        session.remember("bot", "Each credential is worth 1, 3, 6 or 12 points toward graduation.")
        store.save(session)
        out.append((time.perf_counter() - started) * 1e6)
    return out


def summary(samples: list[float]) -> str:
    samples = sorted(samples)
    p99 = samples[int(0.99 * (len(samples) - 1))]
    return f"mean {statistics.fmean(samples):7.1f} µs   median {statistics.median(samples):7.1f}   p99 {p99:7.1f}"


def start_redis() -> tuple[subprocess.Popen, str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            connect_redis(url).ping()
            return proc, url
        except Exception:  # noqa: BLE001
            time.sleep(0.05)
    proc.terminate()
    return None


def bench_sessions(requests: int, redis_url: str | None) -> None:
    print("sessions: a chat request's store work (get + two turns + save)")
    for n in (1_000, 1_000_000):
        store = MemorySessionStore(ttl_seconds=1800, max_sessions=2_000_000, max_bytes=8 * 2**30)
        started = time.perf_counter()
        fill_memory(store, n)
        filled = time.perf_counter() - started
        gc.collect()
        print(f"  memory, {n:>9,} live ({filled:5.1f} s to fill, ~{store.bytes_used / 2**20:,.0f} MiB counted)")
        print(f"    a live conversation   {summary(time_requests(store, n, requests, new=False))}")
        print(f"    a new conversation    {summary(time_requests(store, n, requests, new=True))}")
        del store
        gc.collect()
    full = MemorySessionStore(ttl_seconds=1800, max_sessions=100_000)
    fill_memory(full, 100_000)
    print("  memory, full at its bound (100,000): each new conversation evicts the least recently used")
    print(f"    a new conversation    {summary(time_requests(full, 100_000, requests, new=True))}")
    del full
    gc.collect()
    if redis_url is None:
        print("  redis: skipped (no redis-server)")
        return
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=60)  # FLUSHALL of a million keys takes a while
    for n in (1_000, 1_000_000):
        client.flushall()
        store = RedisSessionStore(client, ttl_seconds=1800)
        started = time.perf_counter()
        fill_redis(store, n)
        used = client.info("memory")["used_memory"] / 2**20
        print(f"  redis,  {n:>9,} live ({time.perf_counter() - started:5.1f} s to fill, Redis uses {used:,.0f} MiB)")
        print(f"    a live conversation   {summary(time_requests(store, n, requests, new=False))}")
        print(f"    a new conversation    {summary(time_requests(store, n, requests, new=True))}")
    client.flushall()
    client.close()


def bench_limits(requests: int, redis_url: str | None) -> None:
    from limits import parse_many
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

    print("\nrate limits: one hit, 100,000 client addresses, '30 per minute'")
    clients = [f"198.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in range(100_000)]
    item = parse_many("30 per minute")[0]

    def run(name, hit):
        rng = random.Random(3)
        samples = []
        for _ in range(requests):
            client = clients[rng.randrange(len(clients))]
            started = time.perf_counter()
            hit(client)
            samples.append((time.perf_counter() - started) * 1e6)
        print(f"  {name:<44} {summary(samples)}")

    own = RateLimiter("30 per minute")
    run("in process (RateLimiter, the default)", lambda c: own.hit(c, "web.chat"))
    for strategy in (FixedWindowRateLimiter, SlidingWindowCounterRateLimiter, MovingWindowRateLimiter):
        limiter = strategy(MemoryStorage())
        run(
            f"limits MemoryStorage + {strategy.__name__.replace('RateLimiter', '')}",
            lambda c, lim=limiter: lim.hit(item, "web.chat", c),
        )
    if redis_url is not None:
        client = connect_redis(redis_url)
        client.flushall()
        shared = RedisRateLimiter("30 per minute", client.connection_pool)
        run("Redis (RedisRateLimiter: sliding window counter)", lambda c: shared.hit(c, "web.chat"))
        client.flushall()
        client.close()


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    redis = start_redis()
    try:
        bench_sessions(requests, redis[1] if redis else None)
        bench_limits(requests, redis[1] if redis else None)
    finally:
        if redis is not None:
            redis[0].terminate()
            redis[0].wait(10)


if __name__ == "__main__":
    main()
