"""Real servers for the service tests, started on loopback from fixtures: Debian's redis-server and
nginx (as the current user, with a temporary prefix), and credbot itself as `credbot serve` in a
subprocess (waitress, or gunicorn workers). Each helper finds a free port, waits until the server
answers, and stops it (SIGTERM, then SIGKILL) afterwards. Plain HTTP helpers send requests from a
chosen loopback source address (127.0.0.2, 127.0.0.3, ...: Linux answers on all of 127/8), so
that tests can be several clients on one machine."""

from __future__ import annotations

import getpass
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


# ---- HTTP ----------------------------------------------------------------------------------------
class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body)


def request(
    url: str,
    method: str = "GET",
    body: dict | bytes | None = None,
    headers: dict | None = None,
    source: str | None = None,
    timeout: float = 30,
) -> Response:
    """One request on a new connection, optionally from the loopback address ``source``."""
    assert url.startswith("http://")
    hostport, _, path = url[len("http://") :].partition("/")
    host, _, port = hostport.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout, source_address=(source, 0) if source else None)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    hdrs = {"Content-Type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
    try:
        conn.request(method, "/" + path, body=data, headers=hdrs)
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def chat(
    base: str, message: str, session_id: str | None = None, source: str | None = None, timeout: float = 30, **extra
) -> Response:
    body = {"message": message, **extra}
    if session_id:
        body["session_id"] = session_id
    return request(base + "/api/chat", "POST", body, source=source, timeout=timeout)


# ---- Redis ---------------------------------------------------------------------------------------
class RedisServer:
    """A throw-away redis-server: no persistence, loopback only."""

    def __init__(self, directory: Path, port: int | None = None):
        self.binary = find_binary("redis-server")
        if self.binary is None:
            raise FileNotFoundError("redis-server")
        self.directory, self.port = directory, port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, 10, "redis-server")
        return self

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


# ---- nginx ---------------------------------------------------------------------------------------
NGINX_CONF = """
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    upstream credbot {{
{servers}
    }}
    limit_conn_zone $binary_remote_addr zone=perclient:1m;

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64k;
        client_header_timeout 10s;
        client_body_timeout 10s;
        keepalive_timeout 15s;
        send_timeout 10s;
        limit_conn perclient 20;
        limit_conn_status 429;

        location / {{
            proxy_pass http://credbot;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of ``upstreams`` (host:port), round-robin, as the test config in docs/deploy.md."""

    def __init__(self, directory: Path, upstreams: list[str]):
        self.binary = find_binary("nginx")
        if self.binary is None:
            raise FileNotFoundError("nginx")
        self.directory, self.port = directory, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=10s;" for u in upstreams)
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        conf = NGINX_CONF.format(dir=directory, servers=servers, port=self.port, user=user)
        (directory / "nginx.conf").write_text(conf)
        self.proc: subprocess.Popen | None = None

    def start(self) -> Nginx:
        conf = str(self.directory / "nginx.conf")
        self.proc = subprocess.Popen(
            [self.binary, "-p", str(self.directory), "-c", conf, "-e", str(self.directory / "error.log")]
            + ["-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until(
                lambda: socket.create_connection(("127.0.0.1", self.port), timeout=1).close() is None, 10, "nginx"
            )
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


# ---- credbot serve ---------------------------------------------------------------------------------
class Credbot:
    """`python -m credbot serve` in a subprocess (``workers`` > 1: gunicorn)."""

    def __init__(self, instance_dir: Path, env: dict[str, str], workers: int = 1, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.address = f"127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "CREDBOT_INSTANCE_DIR": str(instance_dir),
            "PORT": str(self.port),
            **env,
        }
        self.log = instance_dir / f"credbot-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> Credbot:
        args = [sys.executable, "-m", "credbot", "serve"] + (
            ["--workers", str(self.workers)] if self.workers > 1 else []
        )
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(self._up, timeout, f"credbot serve on port {self.port}")
        except TimeoutError:
            self.stop()
            raise TimeoutError(f"credbot did not start; its log:\n{self.log.read_text()[-3000:]}") from None
        return self

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"credbot exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        return request(self.url + "/api/health", timeout=2).status == 200

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        code = stop_process(self.proc, timeout=40)
        self.proc = None
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash or an operator's kill -9 would: the master and its workers, no clean-up."""
        if self.proc is not None:
            children = self._children()
            self.proc.kill()
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(10)
            self.proc = None

    def _children(self) -> list[int]:
        try:
            return self.worker_pids()
        except (AssertionError, OSError):
            return []


# ---- SMTP ----------------------------------------------------------------------------------------
class Inbox:
    """An SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def escalation_ids(self) -> list[int]:
        """The escalation id of every message received (from its Message-ID), repeats included."""
        found = [re.search(r"<credbot\.escalation\.(\d+)\.", str(m["Message-ID"])) for m in list(self.messages)]
        return [int(m.group(1)) for m in found if m]  # the help desk's mails (not the confirmation codes)

    def codes(self) -> dict[int, str]:
        """Escalation id -> the confirmation code mailed for it."""
        out = {}
        for message in list(self.messages):
            which = re.search(r"<credbot\.confirm\.(\d+)\.", str(message["Message-ID"]))
            code = re.search(r"code in the chat window: (\d{6})", message.get_content())
            if which and code:
                out[int(which.group(1))] = code.group(1)
        return out

    def code_for(self, address: str) -> str | None:
        """The newest confirmation code mailed to ``address``."""
        for message in reversed(list(self.messages)):
            if message["To"] == address:
                found = re.search(r"code in the chat window: (\d{6})", message.get_content())
                if found:
                    return found.group(1)
        return None

    def start(self) -> Inbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
