"""Shared fixtures: every test gets a fresh temporary database, fresh sessions and a fresh app;
the knowledge base and the embedding cache are built once per run (they are read-only)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from credbot.conversation import Bot
from credbot.knowledge import load
from credbot.settings import Settings
from credbot.wiring import build_services

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No test sees the developer's Slack, SMTP, database or Redis settings."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "SMTP_", "CREDBOT_")) or name in ("DATABASE_URL", "PORT", "REDIS_URL"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture
def settings(tmp_path, cache_dir) -> Settings:
    return Settings.from_env({}, instance_dir=tmp_path, cache_dir=str(cache_dir))


@pytest.fixture(scope="session")
def kb():
    return load()


@pytest.fixture(scope="session")
def _shared_services(tmp_path_factory, cache_dir):
    """One fully built bot (semantic signal on, as shipped) reused for read-only matching."""
    settings = Settings.from_env({}, instance_dir=tmp_path_factory.mktemp("shared"), cache_dir=str(cache_dir))
    return build_services(settings, with_store=False)


@pytest.fixture
def bot(_shared_services) -> Bot:
    """A bot with fresh sessions (and no database) sharing the shipped index."""
    from credbot.conversation import MemorySessionStore

    shared = _shared_services.bot
    return Bot(
        shared.kb,
        shared.matcher,
        MemorySessionStore(),
        shared.thresholds,
        help_emails=shared.help_emails,
        spanish_matcher=shared.spanish_matcher,
        scope=shared.scope,
    )


@pytest.fixture
def services(settings):
    svc = build_services(settings)
    yield svc
    svc.close()


@pytest.fixture
def app(services):
    from credbot.server import create_app

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class LiveServer:
    def __init__(self, app, host="127.0.0.1"):
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


# ---- real servers for the service tests (tests/parts.py) -------------------------------------------
@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One throw-away redis-server on loopback for the run (skipped, with the reason, without the binary)."""
    from parts import RedisServer

    try:
        server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    except FileNotFoundError:
        pytest.skip("redis-server is not installed (apt-get install redis-server; scripts/test.sh does)")
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The shared Redis, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def shared_database_url(tmp_path) -> str:
    """A database several processes share: PostgreSQL when scripts/test.sh started one
    (DATABASE_URL_TEST), else one SQLite file."""
    return os.environ.get("DATABASE_URL_TEST") or f"sqlite:///{tmp_path / 'shared.sqlite3'}"


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (scripts/check.sh runs two workers), the tests that share the PostgreSQL
    server, one of which stops and starts it, run on one worker, one after the other."""
    for item in items:
        uses_postgres = item.get_closest_marker("postgres") or "shared_database_url" in getattr(
            item, "fixturenames", ()
        )
        if uses_postgres or item.module.__name__.endswith("test_service"):
            item.add_marker(pytest.mark.xdist_group("postgres"))
