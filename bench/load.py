"""Load benchmark: /api/chat against a trivial JSON endpoint of the same app (/api/health), under
the production server (`credbot serve`: waitress) on loopback, with N concurrent clients for a
bounded time. Prints requests/s, p50/p99 latency and errors for each, and chat's share of the
trivial endpoint's throughput (issue 4's target: at least 70 %, zero errors, 50 clients).

    python bench/load.py [clients] [seconds] [rounds]

The load comes from wrk (Debian package `wrk`) when it is installed: a C client that leaves the
cores to the server. Without it, a Python client with one thread per client stands in, and the
figures are lower because it competes with the server for the same two cores.

Each client is one parent keeping one conversation (a session_id the server issued at the client's
first message, as the widget does: the server never adopts an id a client makes up). The chat
questions come from the evaluation set, so they repeat (as real parents' questions do) and the
caches serve the repeats; a last run makes every question unique (filler words in front) to show
the uncached cost too. Four 5 s chat runs warm the caches first, as on a server that has been
answering for a while: in its first seconds nearly every conversation context is new.

Health and chat runs then alternate for `rounds` rounds. The median of each is reported, and
chat's share is the median of the rounds' shares (each chat run against the health run just
before it): the speed of a shared machine drifts by a third over minutes."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from credbot.evaluation import questions  # noqa: E402

QUESTIONS = questions("tuning")
WARMUP_RUNS = 4  # 5 s each
SESSION_IDS: list[str] = []  # one server-issued conversation per client (filled by open_sessions)
FILLERS = ["so", "ok", "please", "well", "also", "really", "hi", "hey", "hello", "actually", "just", "now"]


@dataclass
class Run:
    rate: float
    p50: float
    p99: float
    errors: int
    requests: int


def unique_question(i: int) -> str:
    """The i-th question with a distinct run of filler words in front: never the same text twice."""
    words, n = [], i + 1
    while n:
        n, digit = divmod(n, len(FILLERS))
        words.append(FILLERS[digit])
    return " ".join(words) + " " + QUESTIONS[i % len(QUESTIONS)]


def chat_body(i: int, clients: int, unique: bool) -> bytes:
    message = unique_question(i) if unique else QUESTIONS[i % len(QUESTIONS)]
    return json.dumps({"message": message, "session_id": SESSION_IDS[i % clients]}).encode()


def open_sessions(base: str, clients: int) -> None:
    """A conversation per client, started as the widget starts one: the server issues its id."""
    SESSION_IDS.clear()
    for _ in range(clients):
        req = urllib.request.Request(
            base + "/api/chat", data=b'{"message": "hello"}', headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            SESSION_IDS.append(json.load(resp)["session_id"])


# ---- wrk ------------------------------------------------------------------------------------------
WRK_SCRIPT = """
local questions = {%(questions)s}
local sessions = {%(sessions)s}
local fillers = {%(fillers)s}
local unique = %(unique)s
local clients = %(clients)d
local counter = 0
local threads = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

local function prefix(n)
  local words = {}
  while n > 0 do
    words[#words + 1] = fillers[(n %% #fillers) + 1]
    n = math.floor(n / #fillers)
  end
  return table.concat(words, " ") .. " "
end

request = function()
  counter = counter + 1
  local i = counter * 2 + (thread_no or 0)   -- thread_no is set by setup(): the two threads' counters differ
  local q = questions[(i %% #questions) + 1]
  if unique then q = prefix(i) .. q end
  local body = '{"message": "' .. q .. '", "session_id": "' .. sessions[(i %% clients) + 1] .. '"}'
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
"""


def _lua_string(text: str) -> str:
    """A Lua string literal holding ``text`` already escaped for a JSON string."""
    inner = json.dumps(text)[1:-1]
    return '"' + inner.replace("\\", "\\\\").replace('"', '\\"') + '"'


def drive_wrk(url: str, chat: bool, unique: bool, clients: int, seconds: float, folder: Path) -> Run:
    cmd = ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "--timeout", "30s"]
    if chat:
        script = folder / f"chat-{unique}.lua"
        script.write_text(
            WRK_SCRIPT
            % {
                "questions": ", ".join(_lua_string(q) for q in QUESTIONS),
                "sessions": ", ".join(_lua_string(sid) for sid in SESSION_IDS),
                "fillers": ", ".join(_lua_string(f) for f in FILLERS),
                "unique": "true" if unique else "false",
                "clients": clients,
            }
        )
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Run(rate, _wrk_ms(out, "50%"), _wrk_ms(out, "99%"), errors, requests)


def _wrk_ms(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# ---- Python client (no wrk) -------------------------------------------------------------------------
def drive_python(url: str, chat: bool, unique: bool, clients: int, seconds: float, folder: Path) -> Run:
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int):
        i = n
        while time.perf_counter() < deadline:
            body = chat_body(i, clients, unique) if chat else None
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
    pick = lambda x: latencies[min(len(latencies) - 1, int(x * (len(latencies) - 1)))]
    return Run(len(latencies) / elapsed, pick(0.5), pick(0.99), errors[0], len(latencies))


# ---- main ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def show(name: str, runs: list[Run]) -> Run:
    rate = statistics.median(r.rate for r in runs)
    middle = min(runs, key=lambda r: abs(r.rate - rate))
    print(
        f"{name:<34} {rate:8.1f} req/s (runs: {', '.join(f'{r.rate:.0f}' for r in runs)})   "
        f"p50 {middle.p50:6.1f} ms   p99 {middle.p99:6.1f} ms   errors {sum(r.errors for r in runs)}"
        f"   ({sum(r.requests for r in runs)} requests)"
    )
    return Run(rate, middle.p50, middle.p99, sum(r.errors for r in runs), sum(r.requests for r in runs))


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    drive = drive_wrk if shutil.which("wrk") else drive_python
    port = free_port()
    folder = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "PORT": str(port),
        "CREDBOT_INSTANCE_DIR": str(folder),
        "CREDBOT_RATE_LIMIT": "1000000 per minute",
        "CREDBOT_CACHE_DIR": str(ROOT / "instance" / "cache"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "credbot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.3)
        open_sessions(base, clients)
        print(
            f"waitress on loopback, {clients} clients, {seconds:.0f} s runs, {rounds} rounds, load from "
            f"{'wrk' if drive is drive_wrk else 'a Python client (install wrk for sharper figures)'}"
        )
        # Warm-up, as a server that has been up a while: the first answer to each question in each
        # conversation context (state, pending clarification) is computed, later ones come from the
        # caches. Each warm-up run shows how far the caches are from the steady state.
        for _ in range(WARMUP_RUNS):
            print(f"warm-up /api/chat: {drive(base + '/api/chat', True, False, clients, 5, folder).rate:.0f} req/s")
        health, chat = [], []
        for _ in range(rounds):
            health.append(drive(base + "/api/health", False, False, clients, seconds, folder))
            chat.append(drive(base + "/api/chat", True, False, clients, seconds, folder))
        h = show("/api/health (trivial)", health)
        show("/api/chat, questions repeating", chat)
        u = show("/api/chat, every question unique", [drive(base + "/api/chat", True, True, clients, seconds, folder)])
        # Each round's chat run is compared with the health run just before it: the machine's speed
        # drifts over minutes, and a pair measured together shares the drift.
        shares = [c.rate / hh.rate for hh, c in zip(health, chat)]
        print(
            f"chat's share of the trivial endpoint's throughput, round by round: "
            f"{', '.join(f'{x:.0%}' for x in shares)}"
        )
        print(
            f"chat reaches {statistics.median(shares):.0%} of the trivial endpoint's throughput with repeating "
            f"questions (median of the rounds), {u.rate / h.rate:.0%} with unique ones (target: 70 %)"
        )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
