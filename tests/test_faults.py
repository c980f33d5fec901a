"""Faults with real parts (issue 16): the mail server down for longer than the old give-up horizon,
a "mark sent" that fails after the mail went out, a locked and a read-only SQLite file, PostgreSQL
stopped and started (also at start-up). In each, everything logged (SQLAlchemy's statements too)
is searched for the e-mail address and the question that were sent: none may appear. The answers
are counted: a fault gives 503 (JSON, Retry-After), never another 5xx; the chat keeps answering."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from credbot.escalation import EscalationService, Outbox, OutboxWorker, SmtpMailer, Store
from credbot.server import create_app
from credbot.wiring import build_services
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parent.parent
HELP = {"OH": "industrycredentials@education.ohio.gov", "IL": "cte@isbe.net", None: "help@example.org"}
EMAIL = "jane.parent.7731@example.com"
QUESTION = "Can Kayla Morrison retake the STNA exam in Dayton"


class Inbox:
    def __init__(self, on_message=None):
        self.messages = []
        self.on_message = on_message

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        if self.on_message is not None:
            self.on_message(len(self.messages))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def logs(caplog):
    """Everything at DEBUG, and every SQL statement SQLAlchemy runs (hide_parameters keeps the values out)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    return caplog


def assert_no_personal_data(text: str) -> None:
    for needle in (EMAIL, QUESTION, "Kayla", "jane.parent"):
        assert needle not in text, f"personal data in the log: {needle!r}"


def wait_for(condition, timeout=30.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_mail_server_down_past_the_old_give_up_horizon_then_back_delivers_each_once(tmp_path, logs):
    store = Store(f"sqlite:///{tmp_path / 'esc.sqlite3'}", timeout=1)
    service = EscalationService(store, HELP)
    ids = [
        service.submit(
            question=f"{QUESTION} {i}?",
            conversation=[{"role": "user", "text": QUESTION}],
            state="OH",
            channel="cli",
            reply_to=EMAIL,
            session_id=f"s{i}",
        )["id"]
        for i in range(3)
    ]
    port = free_port()  # nothing listens there yet: the mail server is down
    outbox = Outbox(
        store,
        SmtpMailer("127.0.0.1", port, starttls=False, timeout=2),
        "c@example.org",
        max_attempts=3,
        base_delay=0.02,
        max_delay=0.1,
    )
    worker = OutboxWorker(outbox, interval=0.02).start()
    inbox = Inbox()
    controller = None
    try:
        # The old outbox gave up for good after 8 attempts; keep it down for 12.
        assert wait_for(lambda: all(store.get_escalation(i)["attempts"] >= 12 for i in ids))
        rows = [store.get_escalation(i) for i in ids]
        assert {r["status"] for r in rows} == {"pending"}  # never failed for good
        alerts = [r.getMessage() for r in logs.records if r.levelname == "ERROR"]
        assert sum("still not delivered after 3 attempts" in a for a in alerts) == 3  # one alert each
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        assert wait_for(lambda: all(store.get_escalation(i)["status"] == "sent" for i in ids))
    finally:
        worker.stop()
        if controller is not None:
            controller.stop()
    assert sorted(m["Subject"] for m in inbox.messages) == sorted(
        f"[credbot] Ohio: {QUESTION} {i}?" for i in range(3)
    )  # each exactly once
    assert len({m["Message-ID"] for m in inbox.messages}) == 3
    assert_no_personal_data(logs.text)
    store.dispose()


def test_a_failed_mark_sent_goes_on_with_the_batch_and_the_resend_keeps_its_message_id(tmp_path, logs):
    db = tmp_path / "esc.sqlite3"
    store = Store(f"sqlite:///{db}", timeout=0.3)
    service = EscalationService(store, HELP)
    ids = [
        service.submit(
            question=f"{QUESTION} {i}?", conversation=[], state="IL", channel="cli", reply_to=EMAIL, session_id=f"s{i}"
        )["id"]
        for i in range(3)
    ]
    locker = sqlite3.connect(db, check_same_thread=False, isolation_level=None)

    def lock_the_database(n):
        if n == 1:  # while the first mail is being accepted, another process takes the write lock
            locker.execute("BEGIN EXCLUSIVE")
            threading.Timer(1.5, lambda: locker.execute("COMMIT")).start()

    inbox = Inbox(lock_the_database)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        outbox = Outbox(store, SmtpMailer("127.0.0.1", port, starttls=False, timeout=5), "c@example.org")
        counts = outbox.deliver_due()
        assert len(inbox.messages) == 3  # the whole batch went out although recording failed
        unrecorded = [r for r in (store.get_escalation(i) for i in ids) if r["status"] != "sent"]
        assert unrecorded and counts["sent"] == 3 - len(unrecorded)
        assert any("sent but could not be recorded" in r.getMessage() for r in logs.records if r.levelname == "ERROR")
        assert wait_for(lambda: locker.in_transaction is False, timeout=5)
        # The server restarts: leases released, what was not recorded is sent again.
        assert store.release_leases() == len(unrecorded)
        assert outbox.deliver_due()["sent"] == len(unrecorded)
    finally:
        controller.stop()
        locker.close()
    assert {store.get_escalation(i)["status"] for i in ids} == {"sent"}
    by_subject: dict[str, set] = {}
    for message in inbox.messages:
        by_subject.setdefault(message["Subject"], set()).add(message["Message-ID"])
    assert len(inbox.messages) > 3  # there were resends...
    assert [len(ids_) for ids_ in by_subject.values()] == [1, 1, 1]  # ...each with its escalation's Message-ID
    assert_no_personal_data(logs.text)
    store.dispose()


def _post(url, body, timeout=30):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


def _escalation_body(session, i=0):
    return {
        "session_id": session["session_id"],
        "session_secret": session["session_secret"],
        "question": f"{QUESTION} {i}?",
        "email": EMAIL,
        "consent": True,
    }


def test_a_locked_sqlite_file_answers_503_in_seconds_while_the_chat_keeps_answering(settings, logs):
    services = build_services(replace(settings, db_timeout=1.0))
    server = LiveServer(create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services))
    db = settings.instance_dir / "credbot.sqlite3"
    codes: Counter = Counter()
    try:
        sessions = [_post(server.url + "/api/chat", {"message": QUESTION})[2] for _ in range(8)]
        locker = sqlite3.connect(db, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock

        def escalate(i):
            started = time.monotonic()
            status, headers, body = _post(server.url + "/api/escalations", _escalation_body(sessions[i], i))
            return status, headers, body, time.monotonic() - started

        def chat(i):
            return _post(server.url + "/api/chat", {"message": "what is ServSafe?"})[0]

        with ThreadPoolExecutor(max_workers=16) as pool:
            escalations = list(pool.map(escalate, range(8)))
            chats = list(pool.map(chat, range(16)))
            feedback = [
                _post(server.url + "/api/feedback", {"helpful": True, "entry_id": "il-costs", "question": QUESTION})
                for _ in range(2)
            ]
        for status, headers, body, elapsed in escalations:
            codes[status] += 1
            assert status == 503 and int(headers["Retry-After"]) > 0 and "try again" in body["error"]
            assert elapsed < 10  # a short wait (CREDBOT_DB_TIMEOUT), not the 30 s the threads were held before
        assert chats == [200] * 16  # the chat needs no database
        fallback = _post(server.url + "/api/chat", {"message": "what happens if a credential testing center closes?"})[
            2
        ]
        auth = {"session_id": fallback["session_id"], "session_secret": fallback["session_secret"]}
        _post(server.url + "/api/chat", {"message": "yes", **auth})
        status, _, reply = _post(server.url + "/api/chat", {"message": EMAIL, **auth})
        assert status == 200 and "couldn't store your question just now" in reply["text"]
        codes.update(status for status, _, _ in feedback)
        assert [status for status, _, _ in feedback] == [503, 503]
        locker.execute("COMMIT")
        locker.close()
        status, _, body = _post(server.url + "/api/escalations", _escalation_body(sessions[0]))
        assert status == 201 and body["status"] == "unconfirmed"  # back as soon as the lock is gone
    finally:
        server.stop()
        services.close()
    assert set(codes) == {503}  # 5xx during the fault: 503 only, never 500
    assert_no_personal_data(logs.text)


def _server_env(instance: Path, port: int) -> dict:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "CREDBOT_INSTANCE_DIR": str(instance),
        "PORT": str(port),
        "CREDBOT_SEMANTIC": "false",
        "CREDBOT_DB_TIMEOUT": "1",
        "CREDBOT_PUBLIC_URL": "https://credbot.example.org",
    }


def test_a_read_only_database_file_under_the_real_server(tmp_path):
    """`credbot serve` as a process; as root it runs without the capability that ignores file modes."""
    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root needs setpriv (util-linux) to make a file read-only for the server")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen(
            [*prefix, sys.executable, "-m", "credbot", "serve"],
            cwd=ROOT,
            env=_server_env(tmp_path, port),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    codes: Counter = Counter()
    try:
        assert wait_for(lambda: _health(base) is not None, timeout=60, step=0.2), log_path.read_text()
        session = _post(base + "/api/chat", {"message": QUESTION})[2]
        assert _post(base + "/api/escalations", _escalation_body(session, 0))[0] == 201
        db = tmp_path / "credbot.sqlite3"
        db.chmod(0o444)  # the file became read-only (a remount, a mistaken chmod)
        for i in range(1, 4):
            status, headers, body = _post(base + "/api/escalations", _escalation_body(session, i))
            codes[status] += 1
            assert status == 503 and headers["Retry-After"] and "error" in body
        status, headers, _ = _post(base + "/api/feedback", {"helpful": False, "entry_id": "il-costs"})
        codes[status] += 1
        assert status == 503 and headers["Retry-After"]
        assert _post(base + "/api/chat", {"message": "what is ServSafe?"})[0] == 200
        # The operator makes the files writable again (SQLite made its -shm file read-only like the database).
        for path in tmp_path.glob("credbot.sqlite3*"):
            path.chmod(0o644)
        assert _post(base + "/api/escalations", _escalation_body(session, 9))[0] == 201  # recovered
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        server.kill()
    log = log_path.read_text()
    assert set(codes) == {503}
    assert "INFO credbot.web: credbot on http://127.0.0.1:" in log and "INFO credbot.web: database: sqlite" in log
    assert "WARNING credbot.store: database unavailable (OperationalError: readonly database)" in log
    assert "INFO credbot.store: database available again" in log
    assert "INFO credbot.outbox: retention (180 days)" in log  # the daily purge ran at start-up
    assert "Traceback" not in log
    assert_no_personal_data(log)


def _health(base):
    try:
        with urllib.request.urlopen(base + "/api/health", timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


PG = {
    name: os.environ.get(name)
    for name in ("CREDBOT_TEST_PGCTL", "CREDBOT_TEST_PGDATA", "CREDBOT_TEST_PGPORT", "CREDBOT_TEST_PGSOCK")
}


def _pg_ctl(*args, check=True):
    command = [PG["CREDBOT_TEST_PGCTL"], "-D", PG["CREDBOT_TEST_PGDATA"], *args]
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=check, capture_output=True, timeout=60)


def _pg_start():
    _pg_ctl(
        "-o",
        f"-h 127.0.0.1 -p {PG['CREDBOT_TEST_PGPORT']} -k {PG['CREDBOT_TEST_PGSOCK']}",
        "-l",
        f"{PG['CREDBOT_TEST_PGSOCK']}/log",
        "-w",
        "start",
    )


def _pg_stop():
    _pg_ctl("-m", "fast", "-w", "stop")


@pytest.mark.postgres
def test_postgresql_stopped_at_start_up_and_while_running(settings, logs):
    url = os.environ.get("DATABASE_URL_TEST")
    if not url or not all(PG.values()):
        pytest.skip(
            "needs a PostgreSQL server this test may stop and start: scripts/test.sh exports DATABASE_URL_TEST "
            "and CREDBOT_TEST_PGCTL, _PGDATA, _PGPORT, _PGSOCK"
        )
    from credbot.escalation.store import metadata

    store = Store(url)
    metadata.drop_all(store.engine)
    store.dispose()
    codes: Counter = Counter()
    _pg_stop()
    services = None
    try:
        # Down at start-up: the server starts, chat only.
        services = build_services(replace(settings, database_url=url, db_timeout=2.0))
        client = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services).test_client()
        answered = client.post("/api/chat", json={"message": QUESTION})
        assert answered.status_code == 200 and answered.json["text"]
        chat = answered.json
        health = client.get("/api/health").json
        assert (health["status"], health["database"]) == ("degraded", "unavailable")
        refused = client.post("/api/escalations", json=_escalation_body(chat))
        codes[refused.status_code] += 1
        assert refused.status_code == 503 and refused.headers["Retry-After"] and refused.is_json
        fb = client.post("/api/feedback", json={"helpful": True, "entry_id": "il-costs"})
        codes[fb.status_code] += 1
        assert fb.status_code == 503
        _pg_start()
        assert wait_for(
            lambda: client.post("/api/escalations", json=_escalation_body(chat, 1)).status_code == 201,
            timeout=20,
            step=0.5,
        )
        assert client.get("/api/health").json["database"] == "ok"
        # Down while running.
        _pg_stop()
        for i in range(2, 5):
            started = time.monotonic()
            r = client.post("/api/escalations", json=_escalation_body(chat, i))
            codes[r.status_code] += 1
            assert r.status_code == 503 and time.monotonic() - started < 10
        assert client.post("/api/chat", json={"message": "what is ServSafe?"}).status_code == 200
        _pg_start()
        assert wait_for(
            lambda: client.post("/api/escalations", json=_escalation_body(chat, 5)).status_code == 201,
            timeout=20,
            step=0.5,
        )
        assert {r["question"] for r in services.store.list_escalations()} == {f"{QUESTION} 1?", f"{QUESTION} 5?"}
    finally:
        if _pg_ctl("status", check=False).returncode != 0:
            _pg_start()  # leave it running for the other tests
        if services is not None:
            services.close()
    assert set(codes) == {503}
    assert_no_personal_data(logs.text)
