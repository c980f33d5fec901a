import json
import urllib.request

import pytest

from credbot.server import create_app
from credbot.settings import Settings


def test_chat_returns_the_reply_contract_and_a_session_to_reuse(client):
    r = client.post("/api/chat", json={"message": "What is ServSafe?", "session_id": None, "state": "OH"})
    assert r.status_code == 200
    body = r.json
    for key in (
        "kind",
        "text",
        "confidence",
        "state",
        "source",
        "suggestions",
        "matches",
        "faq_id",
        "credential_id",
        "session_id",
    ):
        assert key in body
    assert body["kind"] == "credential" and body["credential_id"] == "servsafe-food-handler"
    follow = client.post("/api/chat", json={"message": "who issues it?", "session_id": body["session_id"]}).json
    assert "National Restaurant Association" in follow["text"] and follow["session_id"] == body["session_id"]


@pytest.mark.parametrize(
    "data,content_type,status,needle",
    [
        ("{not json", "application/json", 400, "JSON object"),
        ('["a list"]', "application/json", 400, "JSON object"),
        ('{"message": 42}', "application/json", 400, "message"),
        ('{"session_id": "abcdefgh1"}', "application/json", 400, "message"),
        ('{"message": ""}', "application/json", 400, "empty"),
        ('{"message": "   "}', "application/json", 400, "empty"),
        ('{"message": "hi\\u0007there"}', "application/json", 400, "control characters"),
        ('{"message": "hi", "state": "TX"}', "application/json", 400, "state"),
        ('{"message": "hi", "session_id": "../../etc"}', "application/json", 400, "session_id"),
        ('{"message": "hi", "session_id": 7}', "application/json", 400, "session_id"),
        ("message=hi", "application/x-www-form-urlencoded", 415, "JSON"),
    ],
)
def test_bad_input_gets_a_clear_4xx_json_error(client, data, content_type, status, needle):
    r = client.post("/api/chat", data=data, content_type=content_type)
    assert r.status_code == status and r.is_json
    assert needle in r.json["error"]
    assert "Traceback" not in r.get_data(as_text=True)


def test_over_long_messages_and_bodies_are_refused(client, services):
    limit = services.settings.max_message_length
    assert client.post("/api/chat", json={"message": "a" * limit}).status_code == 200
    r = client.post("/api/chat", json={"message": "a" * (limit + 1)})
    assert r.status_code == 400 and f"at most {limit}" in r.json["error"]
    r = client.post("/api/chat", data=json.dumps({"message": "a" * 200_000}), content_type="application/json")
    assert r.status_code == 413 and r.is_json


def test_unknown_routes_and_methods_are_json(client):
    assert client.get("/api/nope").status_code == 404 and client.get("/api/nope").is_json
    assert client.get("/api/chat").status_code == 405 and client.get("/api/chat").is_json


def test_health_says_which_matching_is_on(client):
    body = client.get("/api/health").json
    assert body["status"] == "ok" and body["knowledge"] == {**body["knowledge"], "faq": 14, "credentials": 57}
    assert isinstance(body["semantic"], bool) and "semantic matching" in body["matching"]
    assert body["slack"] is False


def test_security_headers_and_demo_page(client):
    r = client.get("/")
    assert r.status_code == 200 and b"widget.js" in r.data
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"


def test_cors_allows_only_the_configured_embedding_origins(services):
    from dataclasses import replace

    services.settings = replace(services.settings, allowed_origins=("https://district.example",))
    client = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services).test_client()
    ok = client.post("/api/chat", json={"message": "hi"}, headers={"Origin": "https://district.example"})
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://district.example"
    assert "Origin" in ok.headers["Vary"]
    bad = client.post("/api/chat", json={"message": "hi"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in bad.headers
    # the browser's preflight before the widget's JSON POST, and an error the widget must be able to read
    preflight = client.options(
        "/api/escalations",
        headers={
            "Origin": "https://district.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://district.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    refused = client.options(
        "/api/chat", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert (
        "Access-Control-Allow-Origin" not in refused.headers and "Access-Control-Allow-Methods" not in refused.headers
    )
    error = client.post("/api/chat", json={"message": ""}, headers={"Origin": "https://district.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "https://district.example"
    assert (
        "Access-Control-Allow-Origin"
        not in client.post("/slack/events", headers={"Origin": "https://district.example"}).headers
    )
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/api/health", headers={"Origin": "https://district.example"}).headers
    )
    services.settings = replace(services.settings, allowed_origins=("*",))
    anyone = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services).test_client()
    assert (
        anyone.post("/api/chat", json={"message": "hi"}, headers={"Origin": "https://evil.example"}).headers[
            "Access-Control-Allow-Origin"
        ]
        == "*"
    )


def test_rate_limit_per_client_answers_429_json(services):
    from dataclasses import replace

    services.settings = replace(services.settings, rate_limit="3 per minute")
    client = create_app({"TESTING": True}, services=services).test_client()
    codes = [client.post("/api/chat", json={"message": "hi"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = client.post("/api/chat", json={"message": "hi"})
    assert r.is_json and "too many requests" in r.json["error"]
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert client.get("/api/health").status_code == 200  # not limited
    other = client.post("/api/chat", json={"message": "hi"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200  # another client has its own allowance
    fb = client.post("/api/feedback", json={"helpful": True})
    assert fb.status_code == 201  # and each endpoint its own


def test_rate_limit_windows_end_and_every_limit_counts():
    from credbot.channels.ratelimit import RateLimiter

    now = [1000.0]
    limiter = RateLimiter("2 per minute; 3 per hour", clock=lambda: now[0])
    assert [limiter.hit("a", "chat") for _ in range(2)] == [None, None]
    assert limiter.hit("a", "chat") == 60  # the minute's allowance is used up
    now[0] += 30
    assert limiter.hit("a", "chat") == 30  # refused requests are not counted
    now[0] += 31
    assert limiter.hit("a", "chat") is None  # a new minute...
    assert limiter.hit("a", "chat") == 60 * 60 - 61  # ...but the hour's 3 are used up
    assert limiter.hit("b", "chat") is None  # another client is counted apart
    assert RateLimiter("1/second", enabled=False).hit("a", "chat") is None


def test_rate_limiter_forgets_clients_that_went_quiet(monkeypatch):
    from credbot.channels import ratelimit

    monkeypatch.setattr(ratelimit, "SWEEP_EVERY", 100)
    now = [0.0]
    limiter = ratelimit.RateLimiter("5 per minute", clock=lambda: now[0])
    for i in range(99):
        limiter.hit(f"10.0.0.{i}", "chat")
    now[0] += 61
    limiter.hit("10.0.1.1", "chat")  # the 100th hit: a sweep
    assert list(limiter._windows) == [("10.0.1.1", "chat")]


def test_malformed_rate_limit_setting_is_refused():
    from credbot.settings import SettingsError

    with pytest.raises(SettingsError, match="CREDBOT_RATE_LIMIT"):
        Settings.from_env({"CREDBOT_RATE_LIMIT": "lots"})


def test_over_http_on_loopback(live_server):
    req = urllib.request.Request(
        live_server.url + "/api/chat",
        data=json.dumps({"message": "how much does it cost?", "state": "IL"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = json.load(resp)
    assert body["faq_id"] == "il-costs"
