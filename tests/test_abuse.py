"""Abuse, tried as an attacker and an operator would (issue 16): floods, unverified reply addresses,
session ids used as passwords, hostile text aimed at operator tools, CORS, the Host header."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import socket
import subprocess
import sys
import uuid
from dataclasses import replace
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from credbot.escalation import Outbox, SmtpMailer, compose
from credbot.server import create_app
from credbot.wiring import build_services

ROOT = Path(__file__).resolve().parent.parent


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def make_client(settings, **changes):
    services = build_services(replace(settings, **changes))
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services)
    return app.test_client(), services


def outbox_for(services, port):
    return Outbox(
        services.store,
        SmtpMailer("127.0.0.1", port, starttls=False, timeout=5),
        "credbot@example.org",
        confirmations=services.bot.escalations.confirmations,
    )


def code_in(message) -> str:
    return re.search(r"code in the chat window: (\d{6})", message.get_content()).group(1)


def escalation(client, ip, email, question="what happens if a credential testing center closes?", session_id=None):
    body = {"session_id": session_id or uuid.uuid4().hex, "question": question, "email": email, "consent": True}
    return client.post("/api/escalations", json=body, environ_base={"REMOTE_ADDR": ip})


# ---- 1. the escalation budget ---------------------------------------------------------------
def test_a_flood_from_one_client_and_from_many_stops_at_the_daily_caps(settings, caplog):
    client, services = make_client(settings, escalations_per_client=5, escalations_per_day=20)
    # A second process on the same database (another worker): the counts are shared.
    other, other_services = make_client(settings, escalations_per_client=5, escalations_per_day=20)
    try:
        one = [escalation(client if i % 2 else other, "10.0.0.1", f"p{i}@example.org") for i in range(30)]
        assert [r.status_code for r in one].count(201) == 5  # escalations accepted per client per day
        refused = [r for r in one if r.status_code != 201]
        assert {r.status_code for r in refused} == {429}
        assert 0 < int(refused[0].headers["Retry-After"]) <= 86400 and "industrycredentials" in refused[0].json["error"]
        # one reply address from many places: the same cap
        same_address = [escalation(client, f"10.0.1.{i}", "victim@example.org", f"question {i}") for i in range(10)]
        assert [r.status_code for r in same_address].count(201) == 5
        # the same question from the same address again is the same escalation, not a new one
        assert escalation(client, "10.0.1.99", "victim@example.org", "question 0").json["created"] is False
        with caplog.at_level(logging.ERROR):
            many = [escalation(client, f"10.0.2.{i}", f"m{i}@example.org") for i in range(40)]
        assert [r.status_code for r in many].count(201) == 10  # 20 a day in all: 5 + 5 + 10
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and "global cap of 20" in errors[0]
        # the chat path spends the same budget
        chat = client.post(
            "/api/chat",
            json={"message": "what happens if a credential testing center closes?"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        sid, secret = chat.json["session_id"], chat.json["session_secret"]
        for message in ("yes", "someone@example.org"):
            reply = client.post(
                "/api/chat",
                json={"message": message, "session_id": sid, "session_secret": secret},
                environ_base={"REMOTE_ADDR": "10.9.9.9"},
            ).json
        assert reply["kind"] == "smalltalk" and "daily limit" in reply["text"]
        assert services.store.budget_spent(dt.datetime.now(dt.UTC).date(), "all") == 20
        status = subprocess.run(
            [sys.executable, "-m", "credbot", "escalations", "status"],
            cwd=ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "CREDBOT_INSTANCE_DIR": str(settings.instance_dir),
                "CREDBOT_SEMANTIC": "false",
                "CREDBOT_ESCALATIONS_PER_DAY": "20",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 1 and "20 of 20" in status.stdout
        assert "ATTENTION: the global daily cap is reached" in status.stdout
    finally:
        services.close()
        other_services.close()


# ---- 2. verified reply addresses ------------------------------------------------------------
def test_the_help_desk_only_gets_a_reply_address_its_owner_confirmed(settings, smtp):
    client, services = make_client(settings, public_url="https://credbot.example.org")
    try:
        chat = client.post(
            "/api/chat", json={"message": "what happens if a credential testing center closes?", "state": "OH"}
        ).json
        body = {
            "session_id": chat["session_id"],
            "session_secret": chat["session_secret"],
            "question": "what happens if a credential testing center closes?",
            "email": "parent@example.com",
            "consent": True,
        }
        created = client.post("/api/escalations", json=body)
        assert created.status_code == 201
        assert {k: created.json[k] for k in ("status", "to", "created")} == {
            "status": "unconfirmed",
            "to": "industrycredentials@education.ohio.gov",
            "created": True,
        }
        eid = created.json["id"]
        outbox = outbox_for(services, smtp.port)
        assert outbox.deliver_due() == {"sent": 0, "confirmations": 1, "retrying": 0, "failed": 0}
        assert outbox.deliver_due()["confirmations"] == 0  # mailed once
        mail = smtp.messages[0]
        text = mail.get_content()
        assert mail["To"] == "parent@example.com" and "testing center" not in text  # nothing the requester typed
        link = re.search(r"https://credbot\.example\.org/confirm/\d+\?t=[a-f0-9]{32}", text).group(0)
        # wrong codes are counted; five, and only the link works
        for _ in range(5):
            wrong = client.post(f"/api/escalations/{eid}/confirm", json={"code": "000000"})
            assert wrong.status_code == 400 or code_in(mail) == "000000"
        assert client.post(f"/api/escalations/{eid}/confirm", json={"code": code_in(mail)}).status_code == 429
        assert services.store.get_escalation(eid)["status"] == "unconfirmed"
        assert outbox.deliver_due()["sent"] == 0  # nothing reaches the help desk before confirmation
        # the link shows a button (a mail scanner opening it confirms nothing), the button confirms
        path = link.removeprefix("https://credbot.example.org")
        page = client.get(path)
        assert page.status_code == 200 and b"Confirm" in page.data
        assert services.store.get_escalation(eid)["status"] == "unconfirmed"
        bad = client.post(f"/confirm/{eid}", data={"t": "0" * 32})
        assert bad.status_code == 403
        done = client.post(f"/confirm/{eid}", data={"t": path.split("t=")[1]})
        assert done.status_code == 200 and b"on its way" in done.data
        assert outbox.deliver_due()["sent"] == 1
        helpdesk = smtp.messages[1]
        assert (
            helpdesk["To"] == "industrycredentials@education.ohio.gov" and helpdesk["Reply-To"] == "parent@example.com"
        )
        assert "confirmed this address" in helpdesk.get_content()
        # confirmed once: a second click says so, a second escalation from the conversation waits its turn
        assert client.post(f"/api/escalations/{eid}/confirm", json={"token": path.split("t=")[1]}).status_code == 200
        again = client.post("/api/escalations", json={**body, "question": "and summer break?"})
        assert again.status_code == 201  # the first one was sent: this conversation may ask again
        third = client.post("/api/escalations", json={**body, "question": "and winter break?"})
        assert third.status_code == 201  # replaces the unconfirmed second one (a mistyped address)
        assert services.store.get_escalation(again.json["id"])["status"] == "cancelled"
        assert client.post(f"/api/escalations/{third.json['id']}/confirm", json={"code": "12345"}).status_code == 400
    finally:
        services.close()


def test_the_chat_path_asks_for_the_code_and_unconfirmed_ones_expire(settings, smtp):
    client, services = make_client(settings)
    try:
        first = client.post(
            "/api/chat", json={"message": "what happens if a credential testing center closes?", "state": "IL"}
        ).json
        auth = {"session_id": first["session_id"], "session_secret": first["session_secret"]}
        client.post("/api/chat", json={"message": "yes", **auth})
        reply = client.post("/api/chat", json={"message": "parent@example.com", **auth}).json
        assert reply["kind"] == "escalated" and "6-digit code to parent@example.com" in reply["text"]
        outbox = outbox_for(services, smtp.port)
        outbox.deliver_due()
        confirmed = client.post("/api/chat", json={"message": code_in(smtp.messages[0]), **auth}).json
        assert confirmed["kind"] == "escalated" and "confirmed" in confirmed["text"]
        assert outbox.deliver_due()["sent"] == 1
        assert smtp.messages[1]["Reply-To"] == "parent@example.com"
        # a confirmed one on its way: the same conversation cannot send another meanwhile
        busy = client.post(
            "/api/escalations", json={**auth, "question": "x?", "email": "parent@example.com", "consent": True}
        )
        assert busy.status_code == 201  # the first was sent already: allowed
        row = services.store.get_escalation(busy.json["id"])
        assert row["status"] == "unconfirmed"
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=services.settings.confirm_ttl + 1)
        assert services.store.expire_unconfirmed(later) == 1
        gone = client.post(f"/api/escalations/{row['id']}/confirm", json={"code": "123456"})
        assert gone.status_code == 410 and "expired" in gone.json["error"]
    finally:
        services.close()


# ---- 3. sessions owned by the server --------------------------------------------------------
def test_session_ids_are_issued_by_the_server_and_an_id_alone_sends_nothing_of_the_conversation(client, services):
    chosen = client.post(
        "/api/chat", json={"message": "what happens if a credential testing center closes?", "session_id": "aaaaaaaa"}
    ).json
    assert chosen["session_id"] != "aaaaaaaa" and re.fullmatch(r"[a-f0-9]{32}", chosen["session_secret"])
    sid = chosen["session_id"]
    # whoever holds only the id: the conversation goes on, but nothing earlier is read back or sent
    # the first question fell back with the help desk's offer: asking for a person takes the offer up,
    # and only the chat window that started the conversation may send it
    follow = client.post("/api/chat", json={"message": "talk to a person", "session_id": sid}).json
    assert follow["session_id"] == sid and "session_secret" not in follow
    assert "testing center" not in follow["text"] and "only from the chat window where it started" in follow["text"]
    again = client.post("/api/chat", json={"message": "talk to a person", "session_id": sid}).json
    assert "testing center" not in again["text"] and "your last question" in again["text"]
    yes = client.post("/api/chat", json={"message": "yes", "session_id": sid}).json
    assert yes["kind"] == "smalltalk" and "only from the chat window where it started" in yes["text"]
    body = {"session_id": sid, "question": "hello?", "email": "attacker@example.org", "consent": True}
    alone = client.post("/api/escalations", json=body)
    assert alone.status_code == 201
    row = services.store.get_escalation(alone.json["id"])
    assert row["conversation"] == [] and row["session_id"] is None  # the question typed, nothing else
    forged = client.post("/api/escalations", json={**body, "session_secret": "0" * 32})
    assert forged.status_code == 403 and forged.json["field"] == "session_secret"
    owned = client.post(
        "/api/escalations", json={**body, "session_secret": chosen["session_secret"], "email": "p@example.org"}
    )
    assert (
        services.store.get_escalation(owned.json["id"])["conversation"][0]["text"]
        == "what happens if a credential testing center closes?"
    )


# ---- 5. validation: the mail's parser, Idempotency-Key, NUL -----------------------------------
def test_addresses_keys_and_nul_bytes_get_4xx(client):
    sid = client.post("/api/chat", json={"message": "hi"}).json["session_id"]
    body = {
        "session_id": sid,
        "question": "what happens if a credential testing center closes?",
        "email": "p@example.org",
        "consent": True,
    }
    for email in ["=?utf-8?q?x?=@example.org", "a@b", "x@example.org\r\nBcc: v@example.org", "é@example.org"]:
        r = client.post("/api/escalations", json={**body, "email": email})
        assert r.status_code == 400 and r.json["field"] == "email", email
    first = client.post("/api/escalations", json=body, headers={"Idempotency-Key": "k1"})
    same = client.post("/api/escalations", json=body, headers={"Idempotency-Key": "k1"})
    other = client.post(
        "/api/escalations", json={**body, "question": "another question"}, headers={"Idempotency-Key": "k1"}
    )
    assert (first.status_code, same.status_code, other.status_code) == (201, 201, 409)
    assert same.json["id"] == first.json["id"] and "Idempotency-Key" in other.json["error"]
    for bad in [
        {"helpful": True, "entry_id": "il-costs", "question": "a\u0000b"},
        {"helpful": True, "entry_id": "il-costs\u001b[2J"},
        {"helpful": True, "entry_id": "no-such-entry"},
        {"helpful": True, "entry_id": "il-costs", "question": "abc\u202efdp.exe"},
    ]:
        r = client.post("/api/feedback", json=bad)
        assert r.status_code == 400 and r.is_json, bad
    for field, value in [("message", "hi\u202ethere"), ("message", "a\u0000")]:
        assert client.post("/api/chat", json={field: value}).status_code == 400
    assert client.post("/api/escalations", json={**body, "question": "q\u2066x"}).status_code == 400


# ---- 6. clean inputs to operator tools -------------------------------------------------------
def test_one_vote_per_conversation_and_entry(client, services):
    sid = client.post("/api/chat", json={"message": "how much does it cost?", "state": "IL"}).json["session_id"]
    for helpful in (False, False, False, True):
        assert (
            client.post(
                "/api/feedback", json={"helpful": helpful, "entry_id": "il-costs", "session_id": sid}
            ).status_code
            == 201
        )
    assert (
        client.post(
            "/api/feedback", json={"helpful": False, "entry_id": "servsafe-food-handler", "session_id": sid}
        ).status_code
        == 201
    )
    votes = {r["entry_id"]: (r["votes"], r["unhelpful"]) for r in services.store.unhelpful_answers()}
    assert votes == {"servsafe-food-handler": (1, 1)}  # il-costs: one vote, changed to helpful


def test_hostile_text_is_escaped_in_the_terminal_neutralised_in_csv_and_quoted_in_the_mail(services):
    store = services.store
    hostile = "\x1b[2J\x1b[HAll clear\rfake line \u202eevil\u202c =cmd"
    # Rows written before this release (or by any other path) are shown safely all the same.
    row, _ = store.add_escalation(
        idempotency_key="old",
        question=hostile,
        conversation=[{"role": "user", "text": "HOW TO REPLY\nReply to attacker@example.org"}],
        state="OH",
        channel="web",
        to_address="industrycredentials@education.ohio.gov",
        reply_to="parent@example.com",
    )
    formula, _ = store.add_escalation(
        idempotency_key="formula",
        question='=HYPERLINK("http://evil.example","click")',
        conversation=[],
        state="OH",
        channel="cli",
        to_address="x@example.org",
        reply_to="@evil.example" if False else None,
    )
    store.add_feedback(channel="web", helpful=False, entry_id="\x1b[2Jfake", question=None, session_id=None)
    env = {
        "PATH": "/usr/bin:/bin",
        "CREDBOT_INSTANCE_DIR": str(services.settings.instance_dir),
        "CREDBOT_SEMANTIC": "false",
    }

    def run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "credbot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
        )
        return result.stdout

    for out in (run("escalations", "list"), run("escalations", "show", str(row["id"])), run("unanswered")):
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    assert "\\x1b[2J" in run("escalations", "list")
    cells = list(csv.reader(io.StringIO(run("escalations", "export"))))
    question = {c[0]: c[5] for c in cells[1:]}
    assert question[str(formula["id"])].startswith("'=HYPERLINK")
    mail = compose(store.get_escalation(row["id"]), "credbot@example.org").get_content()
    lines = mail.splitlines()
    assert lines.count("HOW TO REPLY") == 1  # the person's "HOW TO REPLY" is quoted, not a section
    assert "> Person: HOW TO REPLY" in lines and "> Reply to attacker@example.org" in lines
    assert "\u202e" not in mail and "\x1b" not in mail
    # stored before confirmation existed, never confirmed: no Reply-To, the address marked as unconfirmed
    message = compose(store.get_escalation(row["id"]), "credbot@example.org")
    assert message["Reply-To"] is None and "never confirmed" in message.get_content()


# ---- 7. retention -------------------------------------------------------------------------
def test_purge_removes_personal_data_and_keeps_unanswered_questions(services):
    store = services.store
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    row, _ = store.add_escalation(
        idempotency_key="k",
        question="my son Tom, 555-123-4567",
        conversation=[{"role": "user", "text": "secret"}],
        state="OH",
        channel="web",
        to_address="x@example.org",
        reply_to="parent@example.com",
        session_id="web:abc",
        now=old,
    )
    store.add_feedback(channel="web", helpful=False, entry_id="il-costs", question="cost?", session_id="web:s")
    store.add_unanswered(
        [
            {
                "question": "write to tom@example.com",
                "state": "OH",
                "channel": "web",
                "confidence": 0.1,
                "created_at": old,
            }
        ]
    )
    result = subprocess.run(
        [sys.executable, "-m", "credbot", "purge", "--days", "0"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "CREDBOT_INSTANCE_DIR": str(services.settings.instance_dir),
            "CREDBOT_SEMANTIC": "false",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "1 escalation(s)" in result.stdout, result.stderr
    purged = store.get_escalation(row["id"])
    assert purged["reply_to"] is None and purged["conversation"] == [] and "Tom" not in purged["question"]
    assert purged["status"] == "expired" and purged["session_id"] is None
    assert [r["question"] for r in store.unanswered_questions()] == ["write to [email]"]


# ---- 8. CORS, the public address, health ---------------------------------------------------------
def test_any_origin_may_chat_but_not_create_escalations_or_feedback(settings):
    client, services = make_client(settings, allowed_origins=("*",))
    try:
        evil = {"Origin": "https://evil.example"}
        assert (
            client.post("/api/chat", json={"message": "hi"}, headers=evil).headers["Access-Control-Allow-Origin"] == "*"
        )
        for path in ("/api/escalations", "/api/feedback"):
            preflight = client.options(path, headers={**evil, "Access-Control-Request-Method": "POST"})
            assert "Access-Control-Allow-Origin" not in preflight.headers, path
            post = client.post(path, json={"helpful": True}, headers=evil)
            assert "Access-Control-Allow-Origin" not in post.headers, path
    finally:
        services.close()


def test_the_public_url_not_the_host_header_names_this_server(settings):
    client, services = make_client(settings, public_url="https://credbot.example.org")
    try:
        evil = {"Host": "evil.example"}
        page = client.get("/", headers=evil).get_data(as_text=True)
        assert 'src="https://credbot.example.org/widget.js"' in page and "evil.example" not in page
        redirect = client.get("/api//health", headers=evil)
        assert redirect.status_code == 308 and redirect.headers["Location"] == "https://credbot.example.org/api/health"
        health = client.get("/api/health").get_data(as_text=True)
        assert "/root" not in health and "site-packages" not in health and str(settings.instance_dir) not in health
        assert client.get("/api/health").json["database"] == "ok"
    finally:
        services.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_caps_hold_under_concurrent_requests(tmp_path, backend):
    """40 requests at once from one client, then 60 at once from 60 clients: 5 and the global 20."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from credbot.escalation import BudgetExceeded, EscalationService, Store
    from credbot.escalation.store import metadata

    url = f"sqlite:///{tmp_path / 'caps.sqlite3'}"
    if backend == "postgres":
        url = os.environ.get("DATABASE_URL_TEST", "")
        if not url:
            pytest.skip("no PostgreSQL server: set DATABASE_URL_TEST (scripts/test.sh starts one on loopback)")
        probe = Store(url)
        metadata.drop_all(probe.engine)
        probe.dispose()
    store = Store(url, timeout=10)
    service = EscalationService(store, {None: "help@example.org"}, per_client=5, per_day=20)

    def one(args):
        client, i = args
        try:
            service.submit(question=f"question {i}", conversation=[], state=None, channel="slack", slack_user=client)
            return "accepted"
        except BudgetExceeded as exc:
            return exc.scope

    with ThreadPoolExecutor(max_workers=20) as pool:
        alone = list(pool.map(one, [("U1", i) for i in range(40)]))
        crowd = list(pool.map(one, [(f"U{100 + i}", 100 + i) for i in range(60)]))
    assert alone.count("accepted") == 5 and set(alone) == {"accepted", "client"}
    assert crowd.count("accepted") == 15 and crowd.count("all") == 45
    assert len(store.list_escalations()) == 20
    store.dispose()
