"""The Slack channel over real HTTP on loopback: signed requests into the Flask app, and a local
HTTP server standing in for Slack's Web API (slack_sdk's base_url) and for response_url."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.signature import SignatureVerifier

from credbot.server import create_app
from credbot.settings import Settings, SettingsError
from credbot.wiring import build_services
from tests.conftest import LiveServer

SECRET = "test-signing-secret"


class FakeSlack:
    """Records every Web API call and response_url post; answers like Slack would."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
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
                answer = {"ok": True}
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


def command(fake, text: str, channel="C1"):
    form = urllib.parse.urlencode(
        {
            "command": "/credentials",
            "text": text,
            "user_id": "U1",
            "channel_id": channel,
            "team_id": "T1",
            "response_url": fake.url + "/respond/cmd",
            "trigger_id": "t1",
        }
    )
    return send(fake, form, "application/x-www-form-urlencoded")


def click(fake, action: dict, channel="C1", thread_ts=None):
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": channel},
        "api_app_id": "A1",
        "response_url": fake.url + "/respond/action",
        "trigger_id": "t2",
        "container": {"type": "message"},
        "message": {"ts": "1.0", "thread_ts": thread_ts},
        "actions": [{**action, "type": "button", "block_id": "b", "action_ts": "1"}],
    }
    return send(fake, urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


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
