"""Conversations kept between turns: JSON round trips, the bounded in-memory store, and Redis
(a real redis-server on loopback) shared by two bots as two worker processes would share it."""

from __future__ import annotations

import pytest

from credbot.conversation import Bot, MemorySessionStore, RedisSessionStore, Session, SessionStoreUnavailable
from credbot.conversation.pending import AskEmail, AskState, ChooseEntry, ConfirmEscalation, Referred, Unsure
from credbot.conversation.sessions import Listing


def full_session(key="web:abc", pending=None) -> Session:
    session = Session(
        key=key,
        state="IL",
        last_question="how much does it cost?",
        last_faq_id="il-costs",
        last_credential_id="servsafe-food-handler",
        last_list=Listing("Health credentials", ("cna", "ekg-tech", "phlebotomy"), 8),
        pending=pending,
        unanswered="what happens if a credential testing center closes?",
        updated_at=1234.5,
    )
    session.remember("user", "how much does it cost? “quotes” and é")
    session.remember("bot", "In Illinois…")
    return session


@pytest.mark.parametrize(
    "pending",
    [
        None,
        ChooseEntry("what is it", ("il-costs", "oh-costs"), 0.21),
        ConfirmEscalation("what happens if a credential testing center closes?"),
        AskEmail("what happens if a credential testing center closes?"),
        AskState("how much does it cost?"),
        Referred("my son lost his OSHA 10 card, how does he get a new one?"),
        Unsure("is it true freshman year credentials count for more points in ohio"),
    ],
)
def test_a_session_round_trips_through_json_with_its_pending_offer_and_last_list(pending):
    session = full_session(pending=pending)
    again = Session.from_json(session.to_json(), session.key)
    assert again == session
    assert type(again.pending) is type(pending)  # typed again, not a dict
    assert isinstance(again.last_list, Listing) and isinstance(again.last_list.ids, tuple)


def test_an_unreadable_or_foreign_session_starts_afresh_instead_of_failing():
    damaged = Session.from_json(b"not json", "k")
    assert (damaged.key, damaged.state, damaged.history, damaged.pending) == ("k", None, [], None)
    assert Session.from_json(b'{"v": 99, "state": "OH"}', "k").state is None  # a layout this release cannot read
    future = full_session().to_json().replace(b'"pending":null', b'"pending":{"kind":"AskPhoneNumber","question":"q"}')
    session = Session.from_json(future, "web:abc")
    assert session.state == "IL" and session.pending is None  # the unknown offer is dropped, the rest kept


def test_memory_store_expires_idle_sessions_without_scanning(monkeypatch):
    now = [1000.0]
    store = MemorySessionStore(ttl_seconds=60, clock=lambda: now[0])
    for i in range(1000):
        store.save(Session(key=f"k{i}"))
    now[0] += 30
    store.save(Session(key="late", state="OH"))
    now[0] += 31  # the first thousand are idle for 61 s, "late" for 31 s
    assert not store.exists("k1") and store.get("k1").state is None and store.find("k1") is None
    assert store.get("late").state == "OH" == store.find("late").state
    assert len(store) == 1  # expired ones are gone from memory, not merely hidden


def test_memory_store_is_bounded_in_count_and_in_size():
    store = MemorySessionStore(max_sessions=100)
    for i in range(150):
        store.save(Session(key=f"k{i}"))
    assert len(store) == 100 and store.exists("k149") and not store.exists("k0")  # the oldest went first

    store = MemorySessionStore(max_bytes=200_000)
    for i in range(100):
        session = Session(key=f"long{i}")
        for _ in range(20):
            session.remember("user", "x" * 1000)  # about 25 kB each
        store.save(session)
    assert store.bytes_used <= 200_000
    assert 4 <= len(store) <= 8 and store.exists("long99")


def test_memory_store_keeps_the_recently_used_when_full():
    store = MemorySessionStore(max_sessions=3)
    for key in "abc":
        store.save(Session(key=key))
    store.get("a")  # a is in use
    store.save(Session(key="d"))
    assert store.exists("a") and not store.exists("b")


# ---- Redis ---------------------------------------------------------------------------------------
@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_redis_store_saves_reads_and_expires_sessions(redis_client):
    store = RedisSessionStore(redis_client, ttl_seconds=1800)
    assert not store.exists("web:abc") and store.get("web:abc").state is None and store.find("web:abc") is None
    session = full_session(pending=AskEmail("what happens if a credential testing center closes?"))
    store.save(session)
    assert store.exists("web:abc")
    assert store.get("web:abc") == session == store.find("web:abc")
    assert 1790_000 <= redis_client.pttl("credbot:session:web:abc") <= 1800_000  # Redis removes it when idle

    short = RedisSessionStore(redis_client, ttl_seconds=0.2)
    short.save(Session(key="brief", state="OH"))
    assert short.get("brief").state == "OH"
    import time

    time.sleep(0.35)
    assert not short.exists("brief") and short.get("brief").state is None and short.find("brief") is None


def test_two_bots_sharing_redis_carry_one_conversation(redis_client, bot):
    """Two workers: each turn on the other one; the pending offer and the follow-up survive."""
    first, second = (
        Bot(bot.kb, bot.matcher, RedisSessionStore(redis_client), bot.thresholds, help_emails=bot.help_emails)
        for _ in range(2)
    )
    reply = first.handle("what happens if a credential testing center closes?", "web:alt", state="IL")
    assert reply.kind == "fallback" and reply.offer_escalation
    reply = second.handle("yes", "web:alt")  # the offer made by the other worker is still pending here
    assert "email" in reply.text.lower()
    reply = first.handle("Why should students earn credentials in Ohio?", "web:alt2")
    assert reply.faq_id == "oh-why-earn"
    assert second.handle("what about Illinois?", "web:alt2").faq_id == "il-why-earn"  # the other one knows the topic
    assert first.handle("show me health care credentials", "web:list").kind == "credential"
    assert "9-12" in second.handle("more", "web:list").text  # the last list, paged on the other worker


def test_redis_down_is_a_clear_error_not_a_hang(tmp_path):
    from parts import RedisServer

    from credbot.wiring import connect_redis

    try:
        server = RedisServer(tmp_path).start()
    except FileNotFoundError:
        pytest.skip("redis-server is not installed")
    client = connect_redis(server.url)
    store = RedisSessionStore(client)
    store.save(Session(key="k", state="OH"))
    server.stop()
    import time

    started = time.monotonic()
    with pytest.raises(SessionStoreUnavailable):
        store.get("k")
    with pytest.raises(SessionStoreUnavailable):
        store.save(Session(key="k"))
    assert time.monotonic() - started < 3  # one quick retry, not redis-py's ten with back-off
    server.start()  # back on the same port: the same client carries on
    store.save(Session(key="k", state="IL"))
    assert store.get("k").state == "IL"
    client.close()
    server.stop()
