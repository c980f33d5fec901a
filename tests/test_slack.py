"""The Slack channel over real HTTP on loopback: signed requests into the Flask app, and a local
HTTP server standing in for Slack's Web API (slack_sdk's base_url) and for response_url."""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.signature import SignatureVerifier

from credbot.channels.slack import listeners
from credbot.channels.slack.listeners import NOT_SENT_BY_ME
from credbot.server import create_app
from credbot.settings import Settings, SettingsError
from credbot.wiring import build_services
from tests.conftest import LiveServer

SECRET = "test-signing-secret"
TRIGGERS = itertools.count(1)  # Slack gives every command and click its own trigger id


class FakeSlack:
    """Records every Web API call and response_url post; answers like Slack would."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.failures: dict[str, int] = {}  # Web API method -> how many of its next calls fail
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                for key in ("blocks", "view"):
                    if isinstance(body.get(key), str):
                        body[key] = json.loads(body[key])
                fake.calls.append((self.path, body))
                answer: dict = {"ok": True}
                method = self.path.rsplit("/", 1)[-1]
                if fake.failures.get(method):
                    fake.failures[method] -= 1
                    answer = {"ok": False, "error": "internal_error"}
                if self.path.endswith("auth.test"):
                    answer.update(user_id="UBOT", bot_id="BBOT", team_id="T1", user="credbot", team="Test")
                if self.path.endswith("chat.postMessage"):
                    answer.update(ts="1700000000.000200", channel=body.get("channel"))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[dict]:
        return [body for p, body in self.calls if p.endswith(path)]


@pytest.fixture
def slack(tmp_path, cache_dir):
    fake = FakeSlack()
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url + "/api/"},
        instance_dir=tmp_path,
        cache_dir=str(cache_dir),
    )
    services = build_services(settings)
    app = create_app({"TESTING": True, "SLACK_PROCESS_BEFORE_RESPONSE": True}, services=services)
    server = LiveServer(app)
    fake.app_url = server.url + "/slack/events"
    fake.services = services
    yield fake
    server.stop()
    fake.server.shutdown()
    services.close()


def send(fake, body: str, content_type: str, *, secret=SECRET, timestamp=None, headers=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    req = urllib.request.Request(
        fake.app_url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def event(fake, ev: dict, event_id="Ev1", headers=None):
    body = json.dumps(
        {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": ev,
        }
    )
    return send(fake, body, "application/json", headers=headers)


def command(fake, text: str, channel="C1", timestamp=None, trigger=None):
    form = urllib.parse.urlencode(
        {
            "command": "/credentials",
            "text": text,
            "user_id": "U1",
            "channel_id": channel,
            "team_id": "T1",
            "response_url": fake.url + "/respond/cmd",
            "trigger_id": trigger or f"t{next(TRIGGERS)}",
        }
    )
    return send(fake, form, "application/x-www-form-urlencoded", timestamp=timestamp)


def click(fake, action: dict, channel="C1", thread_ts=None, timestamp=None, trigger=None):
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": channel},
        "api_app_id": "A1",
        "response_url": fake.url + "/respond/action",
        "trigger_id": trigger or f"t{next(TRIGGERS)}",
        "container": {"type": "message"},
        "message": {"ts": "1.0", "thread_ts": thread_ts},
        "actions": [{**action, "type": "button", "block_id": "b", "action_ts": "1"}],
    }
    form = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return send(fake, form, "application/x-www-form-urlencoded", timestamp=timestamp)


def buttons(blocks: list[dict]) -> dict:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_mention_is_answered_in_a_thread_with_source_and_buttons(slack):
    status, _ = event(
        slack,
        {
            "type": "app_mention",
            "user": "U1",
            "text": "<@UBOT> where can I find a list of industry-recognized credentials?",
            "ts": "1700000000.000100",
            "channel": "C1",
            "team": "T1",
        },
    )
    assert status == 200
    [post] = slack.to("chat.postMessage")
    assert post["channel"] == "C1" and post["thread_ts"] == "1700000000.000100"
    assert "ISBE Career Technical Education webpage" in post["text"]
    context = [b for b in post["blocks"] if b["type"] == "context"][0]["elements"][0]["text"]
    assert "Illinois State Board of Education" in context and "State: Illinois" in context
    assert {"credbot_helpful", "credbot_not_helpful", "credbot_escalate"} <= set(buttons(post["blocks"]))


def test_direct_message_is_answered_in_the_dm_and_keeps_context(slack):
    event(
        slack,
        {
            "type": "message",
            "channel_type": "im",
            "user": "U1",
            "text": "what is ServSafe?",
            "ts": "1.1",
            "channel": "D1",
        },
        "Ev2",
    )
    event(
        slack,
        {"type": "message", "channel_type": "im", "user": "U1", "text": "who issues it?", "ts": "1.2", "channel": "D1"},
        "Ev3",
    )
    posts = slack.to("chat.postMessage")
    assert [p["channel"] for p in posts] == ["D1", "D1"] and "thread_ts" not in posts[0]
    assert "National Restaurant Association" in posts[1]["text"]


def test_the_bots_own_messages_and_edits_are_ignored(slack):
    event(
        slack,
        {
            "type": "message",
            "channel_type": "im",
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "hi",
            "ts": "1.3",
            "channel": "D1",
        },
        "Ev4",
    )
    event(
        slack,
        {"type": "message", "channel_type": "im", "subtype": "message_changed", "ts": "1.4", "channel": "D1"},
        "Ev5",
    )
    assert slack.to("chat.postMessage") == []


def test_slack_retries_do_not_answer_twice(slack):
    ev = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what is an IRC in Ohio?", "ts": "2.1", "channel": "C1"}
    assert event(slack, ev, "EvR")[0] == 200
    assert event(slack, ev, "EvR", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    assert len(slack.to("chat.postMessage")) == 1


def test_bad_signature_or_old_timestamp_gets_401_and_nothing_runs(slack):
    ev = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "ts": "3.1", "channel": "C1"}
    body = json.dumps({"type": "event_callback", "event_id": "EvX", "event": ev})
    assert send(slack, body, "application/json", secret="wrong-secret")[0] == 401
    assert send(slack, body, "application/json", timestamp=int(time.time()) - 3600)[0] == 401
    assert slack.to("chat.postMessage") == []


def test_slash_command_is_private_with_a_share_button_and_help(slack):
    assert command(slack, "who issues the STNA?")[0] == 200
    [answer] = slack.to("/respond/cmd")
    assert answer["response_type"] == "ephemeral" and "State Tested Nurse Aide (STNA) is issued by" in answer["text"]
    share = buttons(answer["blocks"])["credbot_share"]
    click(slack, {"action_id": "credbot_share", "value": share["value"]})
    [shared] = slack.to("/respond/action")
    assert shared["response_type"] == "in_channel" and "<@U1> asked: who issues the STNA?" in shared["text"]
    command(slack, "help")
    assert "Share in channel" in slack.to("/respond/cmd")[-1]["text"]


def test_choice_feedback_and_escalate_buttons(slack):
    command(slack, "show me IT certifications")
    listing = slack.to("/respond/cmd")[0]
    choice = buttons(listing["blocks"])["credbot_choice_0"]
    click(slack, {"action_id": "credbot_choice_0", "value": choice["value"]})
    answer = slack.to("/respond/action")[-1]
    assert "CompTIA A+:" in answer["text"]  # sourced entries first (issue 18)
    helpful = buttons(answer["blocks"])["credbot_not_helpful"]
    click(slack, {"action_id": "credbot_not_helpful", "value": helpful["value"]})
    assert slack.services.store.unhelpful_answers()[0]["entry_id"] == "comptia-a"
    escalate = buttons(answer["blocks"])["credbot_escalate"]
    click(slack, {"action_id": "credbot_escalate", "value": escalate["value"]})
    assert "sent your question to the help desk" in slack.to("/respond/action")[-1]["text"]
    [row] = slack.services.store.list_escalations()
    assert row["channel"] == "slack" and row["slack_user"] == "U1" and row["slack_channel"] == "C1"
    assert any(turn["text"] == "show me IT certifications" for turn in row["conversation"])


def test_channel_state_override_and_workspace_default(slack):
    command(slack, "state IL", channel="C9")
    assert "Illinois" in slack.to("/respond/cmd")[-1]["text"]
    command(slack, "what is an industry-recognized credential?", channel="C9")
    assert "Association for Career and Technical Education" in slack.to("/respond/cmd")[-1]["text"]


def test_app_home_shows_what_the_bot_knows(slack):
    event(slack, {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "EvH")
    [publish] = slack.to("views.publish")
    assert publish["user_id"] == "U1" and publish["view"]["type"] == "home"
    assert "/credentials state OH" in json.dumps(publish["view"])
    assert "(14 entries), from 15 summaries" in json.dumps(publish["view"])  # official and not, counted apart


def test_configuration_half_set_is_an_error_and_no_tokens_means_web_only(client):
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is missing"):
        Settings.from_env({"SLACK_SIGNING_SECRET": "s"})
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert client.get("/api/health").json["slack"] is False
    r = client.post("/slack/events", data="{}")
    assert r.status_code == 404 and "not configured" in r.json["error"]


# ---- Share in channel: the reply the user saw ------------------------------------------------
def test_share_posts_the_reply_the_user_saw_not_a_new_answer_out_of_context(slack):
    command(slack, "what is ServSafe?")
    command(slack, "who issues it?")
    first, second = slack.to("/respond/cmd")
    assert "National Restaurant Association" in second["text"]  # the follow-up was understood
    click(slack, {"action_id": "credbot_share", "value": buttons(second["blocks"])["credbot_share"]["value"]})
    [shared] = slack.to("/respond/action")
    assert shared["response_type"] == "in_channel"
    assert shared["text"] == f"<@U1> asked: who issues it?\n\n{second['text']}"
    assert "sorry" not in shared["text"].lower() and "don't know" not in shared["text"]
    assert shared["blocks"][1]["text"]["text"] == second["blocks"][0]["text"]["text"]
    # the share button under the earlier answer still shares that earlier answer
    click(slack, {"action_id": "credbot_share", "value": buttons(first["blocks"])["credbot_share"]["value"]})
    assert slack.to("/respond/action")[-1]["text"] == f"<@U1> asked: what is ServSafe?\n\n{first['text']}"
    # sharing asked nothing new: the conversation still has exactly the two turns
    history = slack.services.bot.sessions.get("slack:cmd:C1:U1").history
    assert [t["text"] for t in history if t["role"] == "user"] == ["what is ServSafe?", "who issues it?"]


# ---- hardening (issue 16) ---------------------------------------------------------------------
def post_raw(fake, body: bytes, headers: dict) -> tuple[int, str]:
    req = urllib.request.Request(fake.app_url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_unsigned_or_malformed_requests_get_401_never_a_500_or_a_traceback(slack, caplog):
    caplog.set_level(logging.DEBUG)
    now = str(int(time.time()))
    form = "application/x-www-form-urlencoded"
    command_body = urllib.parse.urlencode({"command": "/credentials", "text": "secret-question-42", "user_id": "U1"})
    signed = SignatureVerifier(SECRET).generate_signature(timestamp=now, body=command_body)
    attempts = [
        (command_body, {"Content-Type": form}),  # unsigned
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}),
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": "", "X-Slack-Signature": signed}),
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": signed}),
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": "-" + now, "X-Slack-Signature": signed}),
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": signed}),
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": now + " ", "X-Slack-Signature": signed}),
        (command_body, {"Content-Type": form, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "garbage"}),
        ("payload=%7Bnot-json", {"Content-Type": form, "X-Slack-Request-Timestamp": "x"}),
        ('{"type": "event_callback"', {"Content-Type": "application/json", "X-Slack-Signature": "v0=00"}),
        (b"\xff\xfe payload", {"Content-Type": form, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=0"}),
    ]
    for body, headers in attempts:
        status, text = post_raw(slack, body if isinstance(body, bytes) else body.encode(), headers)
        assert (status, json.loads(text)) == (401, {"error": "invalid request"}), headers
    assert slack.to("/respond/cmd") == [] and slack.calls == []
    assert caplog.text.count("refused a request to /slack/events") == len(attempts)  # the log is captured...
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text  # ...clean
    assert "secret-question-42" not in caplog.text  # refused bodies are not logged


def test_a_signed_body_bolt_cannot_parse_is_a_400(slack, caplog):
    status, text = send(slack, "payload=%7Bnot-json", "application/x-www-form-urlencoded")
    assert (status, json.loads(text)) == (400, {"error": "malformed request"})
    assert not [r for r in caplog.records if r.exc_info]


def test_slacks_retry_is_answered_when_the_first_try_failed(slack):
    slack.failures["chat.postMessage"] = 1  # Slack's Web API fails the first answer
    ev = {"type": "app_mention", "user": "U1", "text": "<@UBOT> who issues the STNA?", "ts": "5.1", "channel": "C1"}
    assert event(slack, ev, "EvF")[0] == 500  # Slack sees the failure and will retry
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert event(slack, ev, "EvF", headers=retry)[0] == 200
    posts = slack.to("chat.postMessage")
    assert len(posts) == 2 and "State Tested Nurse Aide (STNA) is issued by" in posts[1]["text"]
    # answered now: a later retry (or a replay) of the same event is not answered again
    assert event(slack, ev, "EvF", headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})[0] == 200
    assert len(slack.to("chat.postMessage")) == 2


def test_an_event_being_answered_is_not_answered_again_unless_its_worker_died(slack, monkeypatch):
    bot = slack.services.bot
    assert bot.claim_delivery("slack-event:EvC", 30)  # another worker is answering EvC
    ev = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what is an IRC in Ohio?", "ts": "6.1", "channel": "C1"}
    assert event(slack, ev, "EvC", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    assert slack.to("chat.postMessage") == []
    monkeypatch.setattr(listeners, "EVENT_LEASE_SECONDS", 0.0)  # ...and its claim is now older than the lease
    time.sleep(0.01)
    assert event(slack, ev, "EvC", headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    assert len(slack.to("chat.postMessage")) == 1
    assert event(slack, ev, "EvC", headers={"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    assert len(slack.to("chat.postMessage")) == 1  # answered: never again, lease or not


def test_replayed_commands_and_button_payloads_are_refused_by_every_worker(slack, tmp_path, cache_dir):
    now = int(time.time())
    assert command(slack, "who issues the STNA?", timestamp=now, trigger="t-replay")[0] == 200
    status, text = command(slack, "who issues the STNA?", timestamp=now, trigger="t-replay")
    assert (status, json.loads(text)) == (401, {"error": "replayed request"})
    [answer] = slack.to("/respond/cmd")

    value = buttons(answer["blocks"])["credbot_not_helpful"]["value"]
    assert click(slack, {"action_id": "credbot_not_helpful", "value": value}, timestamp=now, trigger="t-vote")[0] == 200
    # a second worker on the same database refuses the same signed payload
    services = build_services(slack.services.settings)
    other = LiveServer(create_app({"TESTING": True, "SLACK_PROCESS_BEFORE_RESPONSE": True}, services=services))
    try:
        replay = type("Worker", (), {"app_url": other.url + "/slack/events", "url": slack.url})()
        status, _ = click(replay, {"action_id": "credbot_not_helpful", "value": value}, timestamp=now, trigger="t-vote")
        assert status == 401
    finally:
        other.stop()
        services.close()
    assert slack.services.store.unhelpful_answers()[0]["unhelpful"] == 1  # the vote counted once
    # a new click on the same button is a new request (its own trigger id), not a replay: answered, and
    # still one vote, since each conversation votes once on an entry
    assert click(slack, {"action_id": "credbot_not_helpful", "value": value})[0] == 200
    assert slack.services.store.unhelpful_answers()[0]["unhelpful"] == 1


def test_button_values_are_checked_against_what_the_bot_sent(slack, caplog):
    command(slack, "who issues the STNA?")
    sent = buttons(slack.to("/respond/cmd")[0]["blocks"])
    tag, data = sent["credbot_escalate"]["value"].split(".", 1)
    changed = tag + "." + data.replace("STNA", "anything else")
    forged = json.dumps({"k": "slack:cmd:C1:U1", "q": "mail this to the help desk"})
    wrong_kind = sent["credbot_helpful"]["value"]  # a genuine value, from another button
    for value in (changed, forged, wrong_kind, "", "x." + data):
        assert click(slack, {"action_id": "credbot_escalate", "value": value})[0] == 200
        refusal = slack.to("/respond/action")[-1]
        assert (refusal["response_type"], refusal["text"]) == ("ephemeral", NOT_SENT_BY_ME)
    click(
        slack, {"action_id": "credbot_share", "value": sent["credbot_share"]["value"].replace("slack:cmd", "slack:dm")}
    )
    assert slack.to("/respond/action")[-1]["text"] == NOT_SENT_BY_ME
    click(slack, {"action_id": "credbot_helpful"})  # no value at all
    assert slack.to("/respond/action")[-1]["text"] == NOT_SENT_BY_ME
    assert slack.services.store.list_escalations() == []
    assert not [r for r in caplog.records if r.exc_info]
    # the untouched value still works
    click(slack, {"action_id": "credbot_escalate", "value": sent["credbot_escalate"]["value"]})
    assert "sent your question to the help desk" in slack.to("/respond/action")[-1]["text"]
    [row] = slack.services.store.list_escalations()
    assert row["question"] == "who issues the STNA?"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_deliveries_are_claimed_once_across_concurrent_workers(backend, tmp_path):
    """What every worker shares: one claim wins among many at once, a release lets the next one
    in, an answered delivery is refused for good, and an abandoned claim is taken over."""
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from credbot.escalation import Store

    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    if backend == "postgres":
        url = os.environ.get("DATABASE_URL_TEST", "")
        if not url:
            pytest.skip("no PostgreSQL server: set DATABASE_URL_TEST (.ci/run starts one on loopback)")
    stores = [Store(url) for _ in range(4)]  # four workers, each with its own engine
    key = f"slack-event:Ev{time.time_ns()}"
    lease = dt.timedelta(seconds=30)
    try:
        with ThreadPoolExecutor(16) as pool:
            wins = list(pool.map(lambda i: stores[i % 4].claim_delivery(key, lease), range(32)))
        assert wins.count(True) == 1
        stores[1].release_delivery(key)  # the winner failed
        assert stores[2].claim_delivery(key, lease) and not stores[3].claim_delivery(key, lease)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)
        assert stores[0].claim_delivery(key, lease, now=later)  # its worker died: taken over
        stores[0].finish_delivery(key)
        stores[1].release_delivery(key)  # too late: answered stays answered
        assert not stores[3].claim_delivery(key, lease, now=later + dt.timedelta(minutes=5))
    finally:
        for store in stores:
            store.dispose()
