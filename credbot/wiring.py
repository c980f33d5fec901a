"""The composition root: builds the typed services once; every entry point (web, Slack, CLI,
evaluation) gets them from here. Nothing else constructs the matcher, the store or the Bot."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from typing import Any

from . import language
from .conversation import Bot, MemorySessionStore, RedisSessionStore, SessionStore, Thresholds
from .escalation import EscalationService, Outbox, OutboxWorker, SmtpMailer, Store, UnansweredRecorder
from .keys import SecretKey, load_secret_key
from .knowledge import KnowledgeBase, load
from .matching import Matcher, Weights
from .matching_es import build_spanish_matcher
from .scope import ScopeClassifier
from .settings import Settings

__all__ = [
    "Services",
    "build_bot",
    "build_rate_limiter",
    "build_services",
    "build_sessions",
    "connect_redis",
    "limit_blas_threads",
]
log = logging.getLogger("credbot")

# Tuned with `credbot eval` on the tuning part of tests/data (see README, "Evaluation").
LEXICAL_THRESHOLDS = Thresholds(answer=0.33, clarify=0.18)
SEMANTIC_THRESHOLDS = Thresholds(answer=0.30, clarify=0.27)


def limit_blas_threads() -> None:
    """One BLAS thread for the forward pass, in every entry point. OpenBLAS's default (a thread per
    core) collapses when the cores are busy: on a loaded 2-core machine a question took 0.9 s instead
    of 13 ms. Servers already run requests on several threads or processes."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def connect_redis(url: str) -> Any:
    """A Redis client for REDIS_URL. Short time-outs, and one quick retry on a broken connection
    only (a pooled connection that died with a Redis restart); never on a time-out, and not
    redis-py's default of ten retries with back-off: on a Redis that hangs a request would wait
    for many seconds, where a clear 503 at once is better. The connection pool is per process
    (redis-py makes a new one after a fork)."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=1.5,
        socket_connect_timeout=1.5,
        retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), 1, supported_errors=(ConnectionError,)),
        health_check_interval=30,
    )


def build_sessions(settings: Settings, redis_client: Any = None) -> SessionStore:
    """Redis when REDIS_URL is set (shared by every process), else this process's bounded memory."""
    if redis_client is not None:
        return RedisSessionStore(redis_client, settings.session_ttl)
    return MemorySessionStore(
        settings.session_ttl, max_sessions=settings.max_sessions, max_bytes=settings.session_memory_mb * 2**20
    )


def build_rate_limiter(settings: Settings, redis_client: Any = None, enabled: bool = True):
    """Rate limits counted in Redis (once across workers and hosts) when it is configured; else in
    this process (RateLimiter: measured fastest, see bench/state.py)."""
    from .channels.ratelimit import RateLimiter, RedisRateLimiter

    if redis_client is not None:
        return RedisRateLimiter(settings.rate_limit, redis_client.connection_pool, enabled=enabled)
    return RateLimiter(settings.rate_limit, enabled=enabled)


@dataclass
class Services:
    settings: Settings
    kb: KnowledgeBase
    bot: Bot
    store: Store | None = None
    outbox: Outbox | None = None
    worker: OutboxWorker | None = None
    recorder: UnansweredRecorder | None = None
    key: SecretKey | None = None  # the server's HMAC key (session secrets, confirmations, pseudonyms)
    redis: Any = None  # a redis.Redis when REDIS_URL is set
    _probed: tuple[float, dict[str, str]] = field(default=(-1e9, {}), repr=False)

    def dependencies(self, max_age: float = 0.0) -> dict[str, str]:
        """The state of what requests need: {"database": ..., "redis": ...}, each "ok", "down" or
        "off" (not configured). Probed at most once per ``max_age`` seconds (0: now): /api/health
        reports a recent state without a round trip on every call; /api/ready probes each time."""
        probed_at, state = self._probed
        now = time.monotonic()
        if state and now - probed_at < max_age:
            return state
        state = {"database": "off", "redis": "off"}
        if self.store is not None:
            try:
                with self.store.engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
                state["database"] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                log.warning("database unavailable: %s", type(exc).__name__)
                state["database"] = "down"
        if self.redis is not None:
            try:
                self.redis.ping()
                state["redis"] = "ok"
            except Exception as exc:  # noqa: BLE001
                log.warning("Redis unavailable: %s", type(exc).__name__)
                state["redis"] = "down"
        self._probed = (now, state)
        return state

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.recorder is not None:
            self.recorder.close()
        if self.store is not None:
            self.store.dispose()
        if self.redis is not None:
            self.redis.close()


def build_matcher(kb: KnowledgeBase, settings: Settings) -> tuple[Matcher, str]:
    embedder, status = None, "semantic matching off (CREDBOT_SEMANTIC=false); using lexical matching only"
    if settings.semantic:
        from .semantic import load_embedder

        embedder, status = load_embedder(settings.model_dir or None, settings.resolved_cache_dir)
    return Matcher(kb, weights=Weights(), embedder=embedder), status


def thresholds_for(settings: Settings, semantic: bool) -> Thresholds:
    base = SEMANTIC_THRESHOLDS if semantic else LEXICAL_THRESHOLDS
    if settings.answer_threshold is not None:
        base = replace(base, answer=settings.answer_threshold)
    if settings.clarify_threshold is not None:
        base = replace(base, clarify=settings.clarify_threshold)
    return base


def build_bot(
    settings: Settings,
    kb: KnowledgeBase | None = None,
    escalations: EscalationService | None = None,
    recorder: UnansweredRecorder | None = None,
    store: Store | None = None,
    sessions: SessionStore | None = None,
    matcher: tuple[Matcher, str] | None = None,
    scope: ScopeClassifier | None = None,
) -> Bot:
    """The Bot; ``matcher`` (with its status line) and ``scope`` may come built already (preloaded before
    forking)."""
    limit_blas_threads()
    kb = kb or load(settings.knowledge_dir)
    matcher_, status = matcher or build_matcher(kb, settings)
    # Lexical: all-MiniLM-L6-v2 is English-only and barely helps Spanish (docs/languages.md).
    spanish = build_spanish_matcher(kb)
    return Bot(
        kb,
        matcher_,
        sessions or build_sessions(settings),
        thresholds_for(settings, matcher_.embedder is not None),
        help_emails=settings.help_emails(),
        escalations=escalations,
        recorder=recorder,
        semantic_status=status,
        store=store,
        spanish_matcher=spanish,
        scope=scope,
    )


@dataclass
class Preloaded:
    """What every worker process shares, built once before forking: the knowledge and the matcher
    (the model's weights and the index are read-only, so the workers share their memory pages)."""

    kb: KnowledgeBase
    matcher: tuple[Matcher, str]
    scope: ScopeClassifier


def preload(settings: Settings) -> Preloaded:
    limit_blas_threads()
    kb = load(settings.knowledge_dir)
    language.warm()  # lingua's models now, not on a parent's first message
    for warning in kb.warnings:
        log.warning("knowledge: %s", warning)
    matcher = build_matcher(kb, settings)
    return Preloaded(kb, matcher, ScopeClassifier(kb, matcher[0]))


def build_services(
    settings: Settings, *, with_store: bool = True, start_worker: bool = False, preloaded: Preloaded | None = None
) -> Services:
    """Knowledge (validated: refuses to start on errors), matcher, sessions (Redis with REDIS_URL)
    and, with_store, the database, the escalation service and the outbox (its worker started on
    request). ``preloaded``: knowledge and matcher built already (by the process that forks workers)."""
    if preloaded is None:
        kb = load(settings.knowledge_dir)
        for warning in kb.warnings:
            log.warning("knowledge: %s", warning)
    else:
        kb = preloaded.kb
    redis_client = connect_redis(settings.redis_url) if settings.redis_url else None
    store = outbox = worker = escalations = recorder = None
    # The key lives in the instance folder: only servers (with_store) need one that lasts.
    key = load_secret_key(settings.secret_key, settings.instance_dir) if with_store else SecretKey(os.urandom(32))
    if with_store:
        # Built even when the database is down: the chat needs none, and the store connects when it returns.
        store = Store(settings.resolved_database_url, timeout=settings.db_timeout)
        recorder = UnansweredRecorder(store)
        mailer = (
            SmtpMailer(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_username,
                settings.smtp_password,
                settings.smtp_starttls,
                settings.smtp_ssl,
                settings.smtp_timeout,
            )
            if settings.smtp_enabled
            else None
        )
        escalations = EscalationService(
            store,
            settings.help_emails(),
            key=key,
            per_client=settings.escalations_per_client,
            per_day=settings.escalations_per_day,
            confirm_ttl=settings.confirm_ttl,
            public_url=settings.resolved_public_url,
        )
        outbox = Outbox(
            store,
            mailer,
            settings.mail_from,
            max_attempts=settings.max_attempts,
            confirmations=escalations.confirmations,
        )
        if start_worker:
            # Also without mail: it expires unconfirmed escalations and applies the retention rule.
            worker = OutboxWorker(outbox, settings.outbox_interval, retention_days=settings.retention_days).start()
            escalations.worker = worker
        if mailer is None:
            log.warning("SMTP_HOST is not set: escalations are stored and wait until mail is configured")
    bot = build_bot(
        settings,
        kb,
        escalations=escalations,
        recorder=recorder,
        store=store,
        sessions=build_sessions(settings, redis_client),
        matcher=preloaded.matcher if preloaded else None,
        scope=preloaded.scope if preloaded else None,
    )
    log.info("%s", bot.semantic_status)
    return Services(
        settings=settings,
        kb=kb,
        bot=bot,
        store=store,
        outbox=outbox,
        worker=worker,
        recorder=recorder,
        key=key,
        redis=redis_client,
    )
