"""Escalations with real parts: SQLite (or PostgreSQL) and a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from credbot.escalation import EscalationService, Outbox, SmtpMailer, Store, UnansweredRecorder, compose, validate_email
from credbot.escalation.mail import EmailValidationError

ROOT = Path(__file__).resolve().parent.parent
HELP = {"OH": "industrycredentials@education.ohio.gov", "IL": "cte@isbe.net", None: "help@example.org"}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox.port = port
    inbox.start = lambda: (
        setattr(inbox, "controller", Controller(inbox, hostname="127.0.0.1", port=port)) or inbox.controller.start()
    )
    inbox.stop = lambda: inbox.controller.stop()
    inbox.start()
    yield inbox
    try:
        inbox.stop()
    except (AssertionError, RuntimeError):
        pass  # already stopped by the test


def mailer(port):
    return SmtpMailer("127.0.0.1", port, starttls=False, timeout=5)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'esc.sqlite3'}")
    yield s
    s.dispose()


def submit(service, question="Can my son test at another school?", **kw):
    """An escalation from the operator's terminal (no confirmation step; web ones: tests/test_abuse.py)."""
    args = dict(
        question=question,
        conversation=[{"role": "user", "text": question}],
        state="IL",
        channel="cli",
        reply_to="parent@example.com",
        session_id=f"s-{question}",  # a conversation per question: one escalation each on its way
    )
    args.update(kw)
    return service.submit(**args)


def test_escalation_is_stored_before_sending_and_delivered_to_the_states_help_desk(store, smtp):
    service = EscalationService(store, HELP)
    record = submit(service)
    assert store.get_escalation(record["id"])["status"] == "pending"  # committed, nothing sent yet
    assert smtp.messages == []
    counts = Outbox(store, mailer(smtp.port), "credbot@example.org").deliver_due()
    assert counts == {"sent": 1, "confirmations": 0, "retrying": 0, "failed": 0}
    msg = smtp.messages[0]
    assert msg["To"] == "cte@isbe.net" and msg["Reply-To"] == "parent@example.com"
    assert msg["Subject"] == "[credbot] Illinois: Can my son test at another school?"
    body = msg.get_content().replace("\r\n", "\n")
    assert "\n> Can my son test at another school?\n" in body and "> Person: Can my son test" in body
    assert body.index("HOW TO REPLY") < body.index("> Can my son test")
    assert store.get_escalation(record["id"])["status"] == "sent"


def test_same_escalation_twice_is_stored_once(store):
    service = EscalationService(store, HELP)
    a = submit(service, idempotency_key="click-1")
    b = submit(service, idempotency_key="click-1")
    c = submit(service, session_id="s2")  # no key: same person, same question -> same escalation
    d = submit(service, session_id="s2")
    assert a["id"] == b["id"] and b["created"] is False and c["id"] == d["id"]
    assert len(store.list_escalations()) == 2


def test_header_injection_is_impossible(store):
    for bad in ["a@b.org\nBcc: victim@example.com", "a@b.org\r\nX: y", "not an email", "a@@b.org", ""]:
        with pytest.raises(EmailValidationError):
            validate_email(bad)
    service = EscalationService(store, HELP)
    record = submit(service, question="Help\r\nBcc: victim@example.com\nSubject: spam")
    msg = compose(store.get_escalation(record["id"]), "credbot@example.org")
    assert msg["Bcc"] is None and "\n" not in msg["Subject"]
    assert msg["Subject"].startswith("[credbot] Illinois: Help Bcc: victim@example.com")


def test_smtp_down_then_up_retries_with_backoff_and_loses_nothing(store, smtp):
    service = EscalationService(store, HELP)
    ids = [submit(service, question=f"question {i}")["id"] for i in range(3)]
    smtp.stop()  # the mail server goes away
    clock = [dt.datetime.now(dt.UTC)]
    outbox = Outbox(store, mailer(smtp.port), "credbot@example.org", base_delay=60, clock=lambda: clock[0])
    assert outbox.deliver_due() == {"sent": 0, "confirmations": 0, "retrying": 3, "failed": 0}
    rows = [store.get_escalation(i) for i in ids]
    assert all(r["status"] == "pending" and r["attempts"] == 1 and r["last_error"] for r in rows)
    assert outbox.deliver_due()["retrying"] == 0  # backing off: nothing is due yet
    smtp.start()  # back on the same port
    clock[0] += dt.timedelta(seconds=61)
    assert outbox.deliver_due() == {"sent": 3, "confirmations": 0, "retrying": 0, "failed": 0}
    assert sorted(m["Subject"] for m in smtp.messages) == [f"[credbot] Illinois: question {i}" for i in range(3)]


def test_a_message_the_mail_server_refuses_for_good_is_failed_with_an_error_and_can_be_retried(store, caplog):
    class Refusing(Inbox):
        refuse = True

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if self.refuse:
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    inbox = Refusing()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        service = EscalationService(store, HELP)
        first, second = submit(service)["id"], submit(service, question="another")["id"]
        outbox = Outbox(store, mailer(port), "c@example.org")
        with caplog.at_level("INFO"):
            assert outbox.deliver_due() == {"sent": 0, "confirmations": 0, "retrying": 0, "failed": 2}
        for escalation_id in (first, second):
            row = store.get_escalation(escalation_id)
            assert row["status"] == "failed" and "550" in row["last_error"]
        errors = [r for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 2 and "retry --all-failed" in errors[0].getMessage()
        inbox.refuse = False  # the operator fixed the help desk's address
        assert sorted(store.retry_all_failed()) == [first, second]
        assert outbox.deliver_due()["sent"] == 2 and len(inbox.messages) == 2
    finally:
        controller.stop()


def test_worker_killed_between_store_and_send_delivers_after_restart(tmp_path, smtp):
    db = tmp_path / "esc.sqlite3"
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from credbot.escalation import EscalationService, Outbox, Store
from credbot.escalation.mail import SmtpMailer
store = Store("sqlite:///{db}")
EscalationService(store, {{"IL": "cte@isbe.net", None: "x@example.org"}}).submit(
    question="stored, then the worker dies", conversation=[], state="IL", channel="cli")
class Dying(SmtpMailer):
    def send(self, message):
        os._exit(9)              # killed mid-delivery, after the claim
Outbox(store, Dying("127.0.0.1", 1), "c@example.org").deliver_due()
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 9, result.stderr
    assert smtp.messages == []
    store = Store(f"sqlite:///{db}")
    row = store.list_escalations()[0]
    assert row["status"] == "pending" and row["attempts"] == 1
    later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)  # the lease has expired
    assert Outbox(store, mailer(smtp.port), "c@example.org", clock=later).deliver_due()["sent"] == 1
    assert smtp.messages[0]["Subject"] == "[credbot] Illinois: stored, then the worker dies"
    store.dispose()


def _concurrent(store_url, smtp):
    # 32 threads at once on a 2-core machine that runs another test beside this one: the request path's
    # short wait (CREDBOT_DB_TIMEOUT, 3 s) is not what this tests, exactly-once delivery is.
    store = Store(store_url, timeout=60)
    service = EscalationService(store, HELP, per_client=1000, per_day=1000)

    def one(i):
        # 200 distinct escalations, each submitted twice at once (a double click)
        return submit(service, question=f"q{i // 2}", idempotency_key=f"key-{i // 2}")["id"]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        ids = list(pool.map(one, range(400)))
    elapsed = time.perf_counter() - started
    assert len(set(ids)) == 200 and len(store.list_escalations()) == 200
    outboxes = [Outbox(store, mailer(smtp.port), "c@example.org") for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = sum(r["sent"] for r in pool.map(lambda o: o.deliver_due(), outboxes))
    assert sent == 200 and len(smtp.messages) == 200
    assert len({m["Subject"] for m in smtp.messages}) == 200  # each exactly once
    store.dispose()
    return elapsed


def test_200_concurrent_submissions_land_exactly_once_and_are_sent_once(tmp_path, smtp):
    _concurrent(f"sqlite:///{tmp_path / 'c.sqlite3'}", smtp)


@pytest.mark.postgres
def test_postgres_backend(smtp):
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        pytest.skip("no PostgreSQL server: set DATABASE_URL_TEST (.ci/run starts one on loopback)")
    store = Store(url)
    from credbot.escalation.store import metadata

    metadata.drop_all(store.engine)
    store.dispose()
    _concurrent(url, smtp)


def test_web_escalation_api_stores_with_the_conversation(client, services):
    chat = client.post("/api/chat", json={"message": "when is spring break?", "state": "IL"}).json
    sid, secret = chat["session_id"], chat["session_secret"]
    body = {
        "session_id": sid,
        "session_secret": secret,
        "question": "when is spring break?",
        "email": "p@example.com",
        "consent": True,
    }
    first = client.post("/api/escalations", json=body, headers={"Idempotency-Key": "abc"})
    again = client.post("/api/escalations", json=body, headers={"Idempotency-Key": "abc"})
    assert first.status_code == 201 and first.json["to"] == "cte@isbe.net" and first.json["status"] == "unconfirmed"
    assert again.json["id"] == first.json["id"]
    row = services.store.get_escalation(first.json["id"])
    assert row["channel"] == "web" and row["reply_to"] == "p@example.com"
    assert row["conversation"][0] == {"role": "user", "text": "when is spring break?"}
    for bad, field in [
        ({**body, "email": "x\n@y.z"}, "email"),
        ({**body, "consent": False}, "consent"),
        ({**body, "consent": "yes"}, "consent"),
        ({k: v for k, v in body.items() if k != "question"}, "question"),
    ]:
        r = client.post("/api/escalations", json=bad)
        assert r.status_code == 400 and r.json["field"] == field


def test_feedback_and_unanswered_report(client, services):
    from credbot.unanswered import report

    for q in ["when is spring break?", "when does spring break start", "what is for lunch", "what's on the lunch menu"]:
        client.post("/api/chat", json={"message": q})
    for i, helpful in enumerate((False, False, True)):
        vote = {"entry_id": "il-costs", "helpful": helpful, "question": "cost?", "session_id": f"conversation{i}"}
        assert client.post("/api/feedback", json=vote).status_code == 201
    services.recorder.flush()  # written in the background, within about a second
    text = report(services.store, services.kb)
    assert "spring break" in text and "lunch" in text
    assert "il-costs: 2 of 3 marked not helpful" in text


def test_unanswered_questions_are_recorded_off_the_request_path(store):
    recorder = UnansweredRecorder(store, linger=60)
    for question in ["when is spring break?", "what is for lunch"]:
        recorder.record_unanswered(question=question, state="OH", channel="web", confidence=0.1)
    assert store.unanswered_questions() == []  # the caller did not wait for the database...
    recorder.close()  # ...and nothing is lost when the process stops
    assert sorted(r["question"] for r in store.unanswered_questions()) == ["what is for lunch", "when is spring break?"]


def test_a_failed_unanswered_write_is_tried_again(tmp_path):
    class FlakyStore(Store):
        failures = 1

        def add_unanswered(self, rows):
            if self.failures:
                self.failures -= 1
                raise OSError("disk busy")
            super().add_unanswered(rows)

    flaky = FlakyStore(f"sqlite:///{tmp_path / 'flaky.sqlite3'}")
    recorder = UnansweredRecorder(flaky, linger=0)
    recorder.record_unanswered(question="when is spring break?", state=None, channel="slack", confidence=0.0)
    recorder.flush()
    assert [(r["question"], r["state"]) for r in flaky.unanswered_questions()] == [("when is spring break?", None)]
    recorder.close()
    flaky.dispose()


def test_cli_escalations_list_show_retry_export(tmp_path, services):
    service = services.bot.escalations
    record = submit(service)
    env = {
        "PATH": "/usr/bin:/bin",
        "CREDBOT_INSTANCE_DIR": str(services.settings.instance_dir),
        "CREDBOT_SEMANTIC": "false",
    }
    run = lambda *a: subprocess.run(
        [sys.executable, "-m", "credbot", "escalations", *a],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Can my son test" in run("list").stdout
    assert '"reply_to": "parent@example.com"' in run("show", str(record["id"])).stdout
    assert "queued again" in run("retry", str(record["id"])).stdout
    services.store.mark_retry(record["id"], "SMTPRecipientsRefused", dt.datetime.now(dt.UTC), True)
    assert "1 failed escalation(s) queued again" in run("retry", "--all-failed").stdout
    assert services.store.get_escalation(record["id"])["status"] == "pending"
    assert run("export").stdout.splitlines()[0].startswith("id,created_at,status")
    assert run("deliver").returncode == 1  # no SMTP configured: says so
