"""Limits that hold across processes and under load: rate limits counted once in Redis, a budget on
expensive work per client, and readiness that says when Redis or the database is down."""

from __future__ import annotations

import signal
import time
from dataclasses import replace

import pytest

from credbot.channels.fairness import WorkBudget
from credbot.server import create_app
from credbot.wiring import build_services


def test_a_budget_refuses_new_work_but_not_cheap_repeats_and_refills_with_time():
    now, cpu = [0.0], [0.0]
    budget = WorkBudget(6.0, clock=lambda: now[0], cpu_clock=lambda: cpu[0])  # 6 s of CPU a minute: 0.1 s/s

    def ask(client, message, cost):
        with budget.work(client, message):
            cpu[0] += cost

    ask("a", "a cached question", 0.0001)  # cheap: remembered as such
    for i in range(3):
        ask("a", f"long new question {i}", 2.5)  # 7.5 s: over the 6 s budget
    assert 15 <= budget.admit("a", "another new question") <= 16  # 1.5 s in debt at 0.1 s/s
    assert budget.admit("a", "a cached question") is None  # a repeat this process answers cheaply passes
    assert budget.admit("b", "another new question") is None  # another client has its own budget
    now[0] += 16
    assert budget.admit("a", "another new question") is None
    assert WorkBudget(0).admit("a", "x") is None  # 0 turns it off


def test_debt_is_capped_so_a_client_is_never_locked_out_for_long():
    now, cpu = [0.0], [0.0]
    budget = WorkBudget(1.0, clock=lambda: now[0], cpu_clock=lambda: cpu[0])
    budget.charge("a", "huge", 1000.0)
    assert budget.admit("a", "x") <= 5 * 60 + 60


@pytest.fixture
def budget_app(services):
    services.settings = replace(services.settings, rate_limit="1000 per minute", work_budget=0.05)
    return create_app({"TESTING": True}, services=services).test_client()


def test_a_client_over_its_budget_gets_429_for_new_questions_while_repeats_and_others_pass(budget_app):
    def ask(client_ip, message):
        return budget_app.post("/api/chat", json={"message": message}, environ_base={"REMOTE_ADDR": client_ip})

    assert ask("198.51.100.2", "how much does it cost in Illinois?").status_code == 200
    assert ask("198.51.100.2", "how much does it cost in Illinois?").status_code == 200  # now a cheap repeat
    codes = []
    for i in range(60):  # 50 ms of CPU a minute: a handful of new questions (each needs an embedding)
        response = ask("198.51.100.1", f"question number {i}: what does a credential in welding {i} cost?")
        codes.append(response.status_code)
        if response.status_code == 429:
            break
    assert codes[-1] == 429 and len(codes) > 1, codes
    assert response.is_json and "new questions" in response.json["error"]
    assert 1 <= int(response.headers["Retry-After"]) <= 360
    assert ask("198.51.100.1", "how much does it cost in Illinois?").status_code == 200  # a repeat still passes
    assert ask("198.51.100.3", "what does a credential in plumbing cost?").status_code == 200  # others unaffected


# ---- Redis: limits shared by processes, readiness -------------------------------------------------
def redis_services(settings, redis_url, **changes):
    return build_services(replace(settings, redis_url=redis_url, semantic=False, **changes))


def test_a_rate_limit_counts_once_across_processes_sharing_redis(settings, redis_url):
    """Two apps with their own services are two worker processes; the limit is the client's, once."""
    first = redis_services(settings, redis_url, rate_limit="4 per minute")
    second = redis_services(settings, redis_url, rate_limit="4 per minute")
    try:
        clients = [create_app({"TESTING": True}, services=s).test_client() for s in (first, second)]
        codes = [clients[i % 2].post("/api/chat", json={"message": "hi"}).status_code for i in range(6)]
        assert codes == [200, 200, 200, 200, 429, 429]
        refused = clients[0].post("/api/chat", json={"message": "hi"})
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        other = clients[1].post("/api/chat", json={"message": "hi"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert other.status_code == 200
    finally:
        first.close()
        second.close()


@pytest.fixture
def own_redis(tmp_path):
    from parts import RedisServer

    try:
        server = RedisServer(tmp_path).start()
    except FileNotFoundError:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    yield server
    server.stop()


def test_readiness_and_chat_answer_503_while_redis_is_down_and_recover(settings, own_redis):
    services = redis_services(settings, own_redis.url)
    try:
        client = create_app({"TESTING": True}, services=services).test_client()
        ready = client.get("/api/ready")
        assert ready.status_code == 200 and ready.json == {"ready": True, "database": "ok", "redis": "ok"}
        first = client.post("/api/chat", json={"message": "show me health care credentials"})
        session_id = first.json["session_id"]

        own_redis.stop()
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and ready.json["redis"] == "down" and "redis" in ready.json["error"]
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json["status"] == "degraded" and health.json["redis"] == "down"
        started = time.monotonic()
        chat = client.post("/api/chat", json={"message": "more", "session_id": session_id})
        assert chat.status_code == 503 and chat.is_json and "try again" in chat.json["error"]
        assert chat.headers["Retry-After"] and time.monotonic() - started < 3
        assert client.post("/api/feedback", json={"helpful": True}).status_code == 201  # the rest keeps working

        own_redis.start()  # (this test server keeps nothing on disk: the conversations are gone)
        assert client.get("/api/ready").status_code == 200
        first = client.post("/api/chat", json={"message": "show me health care credentials"})
        session_id = first.json["session_id"]

        own_redis.proc.send_signal(signal.SIGSTOP)  # now a Redis that hangs instead of refusing
        try:
            started = time.monotonic()
            chat = client.post("/api/chat", json={"message": "more", "session_id": session_id})
            assert chat.status_code == 503 and time.monotonic() - started < 8  # time-outs, not a hung request
            assert client.get("/api/ready").status_code == 503
        finally:
            own_redis.proc.send_signal(signal.SIGCONT)
        time.sleep(2)  # after a time-out the store does not try Redis for 2 s (Retry-After says 5)
        chat = client.post("/api/chat", json={"message": "more", "session_id": session_id})
        assert chat.status_code == 200 and "9-12" in chat.json["text"]  # the conversation is still there
    finally:
        services.close()


def test_readiness_reports_the_database(settings, tmp_path):
    broken = replace(settings, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", semantic=False)
    services = build_services(broken, with_store=True)
    try:
        client = create_app({"TESTING": True}, services=services).test_client()
        assert client.get("/api/ready").json == {"ready": True, "database": "ok", "redis": "off"}
        services.store.engine.dispose()
        (tmp_path / "db.sqlite3").unlink()
        (tmp_path / "db.sqlite3").mkdir()  # the database file is gone and cannot be created: SQLite fails
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and ready.json["database"] == "down"
    finally:
        services.close()


def test_a_client_has_one_new_message_in_work_at_a_time():
    """30 new long messages sent at once (the rate limit's whole minute) would hold every thread."""
    from credbot.channels.fairness import OverBudget

    budget = WorkBudget(60.0)
    budget.charge("x", "a repeat", 0.0)  # known to be cheap
    with budget.work("a", "a new long message"):
        with pytest.raises(OverBudget) as refused:
            with budget.work("a", "another new long message"):
                pass
        assert refused.value.retry_after == 1
        with budget.work("a", "a repeat"):  # a cheap repeat is not held back
            pass
        with budget.work("b", "a new message of someone else"):
            pass
    with budget.work("a", "now it may"):
        pass


def test_a_chat_turn_reads_its_conversation_from_redis_once(settings, redis_url):
    """Per turn of a live conversation, one read and one write of it: the web channel hands the
    conversation it read to the Bot instead of asking first whether it exists (limits off here: their
    script's own commands would count too)."""
    import redis

    services = redis_services(settings, redis_url)
    server = redis.Redis.from_url(redis_url)
    try:
        client = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services).test_client()
        session_id = client.post("/api/chat", json={"message": "hi"}).json["session_id"]

        def calls() -> dict[str, int]:
            return {name: stats["calls"] for name, stats in server.info("commandstats").items()}

        before = calls()
        turn = client.post("/api/chat", json={"message": "how much does it cost in Ohio?", "session_id": session_id})
        assert turn.status_code == 200 and turn.json["session_id"] == session_id
        after = calls()
        made = {name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)}
        made.pop("cmdstat_info", None)
        assert made == {"cmdstat_get": 1, "cmdstat_set": 1}
    finally:
        server.close()
        services.close()


def test_a_turn_of_a_live_conversation_counts_its_limit_and_reads_it_in_one_round_trip(
    settings, redis_url, monkeypatch
):
    """With limits and sessions in one Redis, a turn that names its conversation makes two calls: the
    limit's script, which reads the conversation too, and the write. The hits are the same ones `limits`
    counts (a turn without a conversation, on the other worker, counts against the same window), a
    refused body counts as ever, and over the limit the answer is 429 before anything else."""
    import redis

    first = redis_services(settings, redis_url, rate_limit="5 per minute")
    second = redis_services(settings, redis_url, rate_limit="5 per minute")
    server = redis.Redis.from_url(redis_url)
    try:
        one, two = (create_app({"TESTING": True}, services=s).test_client() for s in (first, second))
        session_id = one.post("/api/chat", json={"message": "hi"}).json["session_id"]  # hit 1, plain

        sent: list[str] = []
        execute = redis.Redis.execute_command

        def counted(self, *args, **options):
            sent.append(str(args[0]))
            return execute(self, *args, **options)

        monkeypatch.setattr(redis.Redis, "execute_command", counted)

        turn = two.post("/api/chat", json={"message": "how much does it cost in Ohio?", "session_id": session_id})
        assert turn.status_code == 200 and turn.json["session_id"] == session_id  # hit 2, read along
        sent.clear()
        follow = one.post("/api/chat", json={"message": "what about Illinois?", "session_id": session_id})
        assert follow.status_code == 200 and follow.json["session_id"] == session_id  # hit 3: the same conversation
        assert turn.json["faq_id"] == "oh-sup-who-pays"
        assert (follow.json["state"], follow.json["faq_id"]) == ("IL", "il-costs")  # the topic, in Illinois
        assert sent == ["EVALSHA", "SET"]  # the limit's script, the GET in it; the conversation's write
        assert two.post("/api/chat", data=b"{", content_type="application/json").status_code == 400  # hit 4
        assert two.post("/api/chat", json={"message": "hi"}).status_code == 200  # hit 5
        refused = one.post("/api/chat", json={"message": "hi", "session_id": session_id})
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert two.post("/api/chat", data=b"{", content_type="application/json").status_code == 429
        unknown = two.post("/api/chat", json={"message": "hi", "session_id": "x" * 20})
        assert unknown.status_code == 429
    finally:
        server.close()
        first.close()
        second.close()


def test_redis_down_during_a_read_along_turn_is_the_stores_503(settings, own_redis):
    services = redis_services(settings, own_redis.url, rate_limit="5 per minute")
    try:
        client = create_app({"TESTING": True}, services=services).test_client()
        session_id = client.post("/api/chat", json={"message": "hi"}).json["session_id"]
        own_redis.stop()
        turn = client.post("/api/chat", json={"message": "hi", "session_id": session_id})
        assert turn.status_code == 503 and turn.headers["Retry-After"] == "5"
        own_redis.start()  # (it keeps nothing on disk: the conversation is gone, a new one starts)
        assert client.post("/api/chat", json={"message": "hi", "session_id": session_id}).status_code == 200
    finally:
        services.close()
