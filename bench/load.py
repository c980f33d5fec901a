"""Load benchmark: /api/chat against a trivial JSON endpoint of the same app (/api/health), under
the production server (waitress) on loopback, with N concurrent clients for a bounded time.
Prints requests/s, p50/p99 latency and errors for each. Run: python bench/load.py [clients] [seconds]

The chat questions come from the evaluation set, so they repeat (as real parents' questions do) and
the matcher's cache serves the repeats; the last run makes every question unique (filler words in
front) to show the uncached cost too."""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [i["question"] for i in json.loads((ROOT / "tests/data/eval_faq.json").read_text())["in_scope"]]


FILLERS = ["so", "ok", "please", "well", "also", "really", "hi", "hey", "hello", "actually", "just", "now"]


def unique_question(i: int) -> str:
    """The i-th question with a distinct run of filler words in front: never the same text twice."""
    words, n = [], i + 1
    while n:
        n, digit = divmod(n, len(FILLERS))
        words.append(FILLERS[digit])
    return " ".join(words) + " " + QUESTIONS[i % len(QUESTIONS)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(url: str, body_for, clients: int, seconds: float) -> None:
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int):
        i = n
        while time.perf_counter() < deadline:
            body = body_for(i)
            req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    resp.read()
                    ok = resp.status == 200
            except Exception:  # noqa: BLE001
                ok = False
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                errors[0] += not ok
            i += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda x: latencies[min(len(latencies) - 1, int(x * (len(latencies) - 1)))]
    print(f"{url.rsplit('/', 1)[-1]:<8} {len(latencies) / elapsed:8.1f} req/s   p50 {p(0.5):7.1f} ms   p99 {p(0.99):7.1f} ms   "
          f"errors {errors[0]}   ({len(latencies)} requests, {clients} clients, {elapsed:.1f} s)")
    return len(latencies) / elapsed


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    port = free_port()
    env = {**os.environ, "PORT": str(port), "CREDBOT_INSTANCE_DIR": tempfile.mkdtemp(), "CREDBOT_RATE_LIMIT": "1000000 per minute",
           "CREDBOT_CACHE_DIR": str(ROOT / "instance" / "cache")}
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.3)
        trivial = drive(base + "/api/health", lambda i: None, clients, seconds)
        chat = drive(base + "/api/chat", lambda i: json.dumps({"message": QUESTIONS[i % len(QUESTIONS)]}).encode(), clients, seconds)
        print(f"chat (repeated questions) reaches {chat / trivial:.0%} of the trivial endpoint's throughput")
        unique = drive(base + "/api/chat", lambda i: json.dumps({"message": unique_question(i)}).encode(), clients, seconds)
        print(f"chat (every question unique) reaches {unique / trivial:.0%} of the trivial endpoint's throughput")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
