"""credbot as a real service, with the real parts on loopback: nginx (round-robin) in front of two
credbot hosts (one `credbot serve`, i.e. waitress, and one `credbot serve --workers 2`, i.e.
gunicorn), Redis for sessions and limits, PostgreSQL (DATABASE_URL_TEST, from scripts/test.sh; else
one SQLite file) for escalations, and an SMTP server (aiosmtpd). Clients are told apart by their
loopback source address (127.0.0.2, 127.0.0.3, ...)."""

from __future__ import annotations

import concurrent.futures
import signal
import socket
import time

import pytest
from parts import Credbot, Inbox, Nginx, chat, request, wait_until

RATE_LIMIT = 10  # per minute, per client and endpoint


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def inbox():
    box = Inbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def service_database(tmp_path_factory):
    """A database of its own for this module's hosts: a new one on the test PostgreSQL server (other
    tests leave escalations and budgets in its default database), else one SQLite file."""
    import os
    import uuid

    import sqlalchemy as sa

    base = os.environ.get("DATABASE_URL_TEST")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'shared.sqlite3'}"
        return
    name = f"credbot_service_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)  # outlives restarts
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="module")
def service_env(redis_server, inbox, cache_dir, service_database):
    return {
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": service_database,
        "CREDBOT_TRUSTED_PROXIES": "127.0.0.1",
        "CREDBOT_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "CREDBOT_CACHE_DIR": str(cache_dir),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_STARTTLS": "false",
        "CREDBOT_OUTBOX_INTERVAL": "1",
        "CREDBOT_THREADS": "4",
        "CREDBOT_SECRET_KEY": "test-key-shared-by-every-host-0123456789",  # the same on every host (docs)
        "CREDBOT_ESCALATIONS_PER_CLIENT": "1000",  # the tests send many from one address
        "CREDBOT_ESCALATIONS_PER_DAY": "1000",
    }


class Cluster:
    def __init__(self, hosts: list[Credbot], proxy: Nginx):
        self.hosts, self.proxy, self.url = hosts, proxy, proxy.url

    def ensure_running(self) -> None:
        with concurrent.futures.ThreadPoolExecutor() as pool:
            list(pool.map(lambda h: h.start() if h.proc is None else None, self.hosts))


@pytest.fixture(scope="module")
def cluster(service_env, tmp_path_factory):
    try:
        hosts = [
            Credbot(tmp_path_factory.mktemp("host-a"), service_env),
            Credbot(tmp_path_factory.mktemp("host-b"), service_env, workers=2),
        ]
        proxy = Nginx(tmp_path_factory.mktemp("nginx"), [h.address for h in hosts])
    except FileNotFoundError as exc:
        pytest.skip(f"{exc} is not installed (apt-get install nginx redis-server; scripts/test.sh does)")
    result = Cluster(hosts, proxy)
    try:
        result.ensure_running()
        proxy.start()
        yield result
    finally:
        proxy.stop()
        for host in hosts:
            host.stop()


@pytest.fixture
def fresh(cluster, redis_server):
    """The cluster with both hosts up and Redis emptied (sessions and rate-limit counters)."""
    import redis

    cluster.ensure_running()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return cluster


def test_a_conversation_alternating_between_hosts_keeps_its_state(fresh, inbox):
    url, me = fresh.url, "127.0.0.2"
    upstreams = []

    secret = {}

    def say(message, session_id=None, **extra):
        response = chat(url, message, session_id, source=me, **extra, **secret)
        assert response.status == 200, response.body
        upstreams.append(response.headers["x-upstream"])
        if "session_secret" in response.json:  # the conversation is this client's own (issue 16)
            secret["session_secret"] = response.json["session_secret"]
        return response.json

    first = say("Why should students earn credentials in Ohio?")
    sid = first["session_id"]
    assert first["faq_id"] == "oh-why-earn"
    assert say("what about Illinois?", sid)["faq_id"] == "il-why-earn"  # the follow-up knows the topic
    assert "12 credentials" in say("show me health care credentials", sid)["text"]
    assert "9-12" in say("more", sid)["text"]  # the last list, paged by the other host
    assert say("what happens if a credential testing center closes?", sid)["kind"] == "fallback"
    assert "email" in say("yes", sid)["text"].lower()  # the pending offer, confirmed on the other host
    say("parent@example.com", sid)  # the pending question for an address, answered on the first
    wait_until(lambda: inbox.code_for("parent@example.com"), 30, "the confirmation code")
    done = say(inbox.code_for("parent@example.com"), sid)  # the address confirmed, on the other host
    assert done["kind"] == "escalated"
    assert set(upstreams) == {h.address for h in fresh.hosts}
    assert all(a != b for a, b in zip(upstreams, upstreams[1:])), upstreams  # every turn on the other host

    escalation_id = done["escalation"]["id"]
    wait_until(lambda: escalation_id in inbox.escalation_ids(), 30, "the escalation's email")
    time.sleep(2)  # both hosts' outboxes (three processes) keep polling: still one message
    assert inbox.escalation_ids().count(escalation_id) == 1


def test_a_rate_limit_applies_once_across_hosts(fresh):
    codes, upstreams = [], set()
    for _ in range(RATE_LIMIT + 3):
        response = chat(fresh.url, "hi", source="127.0.0.3")
        codes.append(response.status)
        upstreams.add(response.headers["x-upstream"])
    assert codes == [200] * RATE_LIMIT + [429] * 3  # not twice the limit with two hosts
    assert len(upstreams) == 2


def test_behind_the_proxy_clients_have_separate_allowances_and_a_forged_header_gets_none(fresh):
    for _ in range(RATE_LIMIT):
        assert chat(fresh.url, "hi", source="127.0.0.4").status == 200
    assert chat(fresh.url, "hi", source="127.0.0.4").status == 429
    assert chat(fresh.url, "hi", source="127.0.0.5").status == 200  # another client
    forged = {"X-Forwarded-For": "203.0.113.50"}
    body = {"message": "hi"}
    assert request(fresh.url + "/api/chat", "POST", body, headers=forged, source="127.0.0.4").status == 429
    # straight to a host, past the proxy, claiming to be a proxy's client: not believed either
    direct = fresh.hosts[0].url + "/api/chat"
    assert request(direct, "POST", body, headers={"X-Forwarded-For": "127.0.0.6"}, source="127.0.0.4").status == 429


def test_killing_a_host_mid_conversation_the_other_carries_on(fresh):
    url, me = fresh.url, "127.0.0.7"
    first = chat(url, "show me health care credentials", source=me).json
    sid = first["session_id"]
    victim = fresh.hosts[1]  # the gunicorn host: master and workers, SIGKILL, no clean-up
    victim.kill()
    # a request the host had accepted when it died gets 502 (nginx never re-sends a POST that may
    # have been acted on); from the moment its port is closed, every request goes to the other host
    wait_until(lambda: not port_open(victim.port), 10, "the port to close")
    replies = [chat(url, message, sid, source=me) for message in ("more", "what about Illinois?", "thanks")]
    assert [r.status for r in replies] == [200, 200, 200]
    assert "9-12" in replies[0].json["text"]
    # nginx may try the dead host first ("dead, alive"): the answer always came from the live one
    assert {r.headers["x-upstream"].split(", ")[-1] for r in replies} == {fresh.hosts[0].address}


def test_idle_connections_do_not_starve_other_clients(fresh):
    """One client holding 150 idle connections (waitress's default limit was 100, kept 120 s)."""
    host = fresh.hosts[0]
    hogs = []
    try:
        for _ in range(150):
            sock = socket.socket()
            sock.bind(("127.0.0.8", 0))
            sock.connect(("127.0.0.1", host.port))
            hogs.append(sock)
        started = time.monotonic()
        assert chat(host.url, "hi", source="127.0.0.9").status == 200
        assert time.monotonic() - started < 5
    finally:
        for sock in hogs:
            sock.close()


def test_a_huge_body_is_refused_before_it_is_read(fresh):
    host = fresh.hosts[0]
    with socket.create_connection(("127.0.0.1", host.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200000000\r\n\r\n" + b"x" * 65536
        )
        answer = sock.recv(4096)  # without sending the other 199.9 MB
    assert answer.startswith(b"HTTP/1.1 413")
    # between the app's limit (64 KiB) and the server's (256 KiB): the app's JSON answer
    response = request(host.url + "/api/chat", "POST", b'{"message": "' + b"x" * 100_000 + b'"}')
    assert response.status == 413 and "too large" in response.json["error"]
    # and through the proxy, which refuses it itself
    assert request(fresh.url + "/api/chat", "POST", b"x" * 100_000, source="127.0.0.10").status == 413


# ---- gunicorn workers on their own ----------------------------------------------------------------
def test_workers_share_conversations_survive_a_graceful_restart_and_send_each_escalation_once(
    service_env, redis_url, inbox, tmp_path
):
    env = {**service_env, "REDIS_URL": redis_url, "CREDBOT_RATE_LIMIT": "1000 per minute"}
    server = Credbot(tmp_path, env, workers=2).start()
    try:
        workers = server.worker_pids()
        assert len(workers) == 2
        first = chat(server.url, "show me health care credentials").json
        sid = first["session_id"]

        def escalate(i):
            body = {
                "session_id": f"escalation-test-{i:04d}",
                "question": f"Question {i} for the help desk {time.time()}",
                "email": "parent@example.com",
                "consent": True,
                "state": "OH",
            }
            response = request(server.url + "/api/escalations", "POST", body)
            assert response.status == 201, response.body
            return response.json["id"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(escalate, range(30)))
        # the web's reply addresses are confirmed first (issue 16): the code mailed for each
        wait_until(lambda: set(ids) <= set(inbox.codes()), 60, "30 confirmation codes")
        codes = inbox.codes()
        for i in ids:
            confirmed = request(server.url + f"/api/escalations/{i}/confirm", "POST", {"code": codes[i]})
            assert confirmed.status == 200, confirmed.body
        wait_until(lambda: set(ids) <= set(inbox.escalation_ids()), 60, "30 escalation emails")

        server.proc.send_signal(signal.SIGHUP)  # gunicorn replaces its workers gracefully
        wait_until(
            lambda: not set(server.worker_pids()) & set(workers) and len(server.worker_pids()) == 2, 60, "new workers"
        )
        wait_until(lambda: request(server.url + "/api/ready").status == 200, 30, "the new workers")
        reply = chat(server.url, "more", sid)
        assert reply.status == 200 and "9-12" in reply.json["text"]  # the conversation outlived its workers

        time.sleep(3)  # every outbox (old and new workers) has polled again meanwhile
        received = inbox.escalation_ids()
        assert sorted(i for i in received if i in set(ids)) == sorted(ids)  # each exactly once
    finally:
        assert server.stop() == 0


def test_several_workers_without_redis_refuse_to_start(tmp_path):
    import subprocess
    import sys

    from parts import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "credbot", "serve", "--workers", "2"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "CREDBOT_INSTANCE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr and "2 workers" in result.stderr
