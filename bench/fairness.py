"""Fairness benchmark: can one client push everyone else's latency up tenfold?

`credbot serve` (waitress, one process) on loopback with the default rate limit (30 per minute per
client), and three scenarios, each on a fresh server:
  1. baseline: U ordinary users (each its own loopback address, 127.0.0.10...) asking the usual
     questions (the caches hold them) at about 0.3 requests per second each (within the limit);
  2. the same, plus one abusive client (127.0.0.99, its own process, C connections in parallel)
     sending new 1,000-character messages (about 120 ms of CPU each) as fast as the rate limit
     lets it: its whole allowance at once at the start of each minute, then waiting out the
     Retry-After; with the budget off (CREDBOT_WORK_BUDGET=0);
  3. the same with the budget on (the default: 3 CPU seconds per client per minute and process,
     one new message of a client in work at a time).
The measurement lasts a bit over a minute, so that it sees two of the abuser's bursts. Prints the
ordinary users' p50/p95/p99 latency and errors in each, and what the abuser got (answers, 429s).
Target: with the abuser, the users' p95 stays under ten times the baseline's.

    python bench/fairness.py [users] [seconds] [abuser connections] [rate limit]
    (defaults: 25 65 30 "30 per minute")
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [i["question"] for i in json.loads((ROOT / "tests/data/eval_faq.json").read_text())["in_scope"]][:40]
RATE = 0.3  # requests per second per ordinary user (18 a minute on average: within the default limit)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, body: dict, source: str, timeout: float = 60) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("POST", "/api/chat", json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def long_message(rng: random.Random) -> str:
    words = []
    while sum(len(w) + 1 for w in words) < 1000:
        words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 11))))
    return " ".join(words)[:1000]


def post_status(port: int, body: dict, source: str, timeout: float = 60) -> tuple[int, float]:
    """The status and the Retry-After (0 if none)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("POST", "/api/chat", json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status, float(response.getheader("Retry-After") or 0)
    finally:
        conn.close()


def abuser(port: int, connections: int, stop_at: float, counts) -> None:
    """One process: ``connections`` threads sending new long messages back to back; after a 429
    each waits what Retry-After says (it stays within the limits, using all of them at once)."""

    def run(n: int) -> None:
        rng = random.Random(n)
        while time.time() < stop_at:
            try:
                status, retry_after = post_status(port, {"message": long_message(rng)}, "127.0.0.99")
            except OSError:
                status, retry_after = 0, 1.0
            with counts.get_lock():
                counts[0 if status == 200 else 1 if status == 429 else 2] += 1
            if retry_after:
                time.sleep(min(retry_after, max(0.0, stop_at - time.time())))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def users(port: int, n: int, seconds: float) -> tuple[list[float], int]:
    latencies, errors, lock = [], [0], threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(k: int) -> None:
        rng = random.Random(k)
        session = f"fairnessuser{k:04d}"
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = post(port, {"message": rng.choice(QUESTIONS), "session_id": session}, f"127.0.0.{10 + k}") == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed * 1000)
                errors[0] += not ok
            time.sleep(max(0.0, rng.expovariate(RATE) - elapsed))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def scenario(name: str, budget: str, n_users: int, seconds: float, connections: int, limit: str) -> dict:
    port = free_port()
    folder = tempfile.mkdtemp()
    env = {
        **os.environ,
        "PORT": str(port),
        "CREDBOT_INSTANCE_DIR": folder,
        "CREDBOT_CACHE_DIR": str(ROOT / "instance" / "cache"),
        "CREDBOT_RATE_LIMIT": limit,
        "CREDBOT_WORK_BUDGET": budget,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "credbot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        for q in QUESTIONS:  # the usual questions, answered once: the caches hold them
            post(port, {"message": q}, "127.0.0.2")
        counts = multiprocessing.Array("i", 3)
        attack = None
        if connections:
            attack = multiprocessing.Process(target=abuser, args=(port, connections, time.time() + seconds, counts))
            attack.start()
        latencies, errors = users(port, n_users, seconds)
        if attack is not None:
            attack.join()
    finally:
        server.terminate()
        server.wait(30)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * (len(latencies) - 1)))]
    result = {
        "name": name,
        "p50": statistics.median(latencies),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "n": len(latencies),
        "errors": errors,
        "abuser": tuple(counts[:]),
    }
    print(
        f"{name:<32} users: p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
        f"({result['n']} requests, {errors} errors)"
        + (f"   abuser: {counts[0]} answered, {counts[1]} refused (429)" if connections else ""),
        flush=True,
    )
    return result


def main() -> None:
    n_users = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 65
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    limit = sys.argv[4] if len(sys.argv) > 4 else "30 per minute"
    print(
        f"{os.cpu_count()} cores; {n_users} users at ~{RATE:g} req/s each, {seconds:.0f} s; the abuser: "
        f"{connections} connections of new 1,000-character messages; rate limit {limit!r} per client"
    )
    base = scenario("baseline (no abuser)", "3", n_users, seconds, 0, limit)
    off = scenario("abuser, budget off", "0", n_users, seconds, connections, limit)
    on = scenario("abuser, budget on (3 s/min)", "3", n_users, seconds, connections, limit)
    print(
        f"users' p95 against the baseline: budget off x{off['p95'] / base['p95']:.1f}, "
        f"budget on x{on['p95'] / base['p95']:.1f} (target: under x10)"
    )


if __name__ == "__main__":
    main()
