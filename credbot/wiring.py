"""The composition root: builds the typed services once; every entry point (web, Slack, CLI,
evaluation) gets them from here. Nothing else constructs the matcher, the store or the Bot."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace

from . import language
from .conversation import Bot, MemorySessionStore, Thresholds
from .escalation import EscalationService, Outbox, OutboxWorker, SmtpMailer, Store, UnansweredRecorder
from .keys import SecretKey, load_secret_key
from .knowledge import KnowledgeBase, load
from .matching import Matcher, Weights
from .matching_es import build_spanish_matcher
from .settings import Settings

__all__ = ["Services", "build_bot", "build_services", "limit_blas_threads"]
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

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.recorder is not None:
            self.recorder.close()
        if self.store is not None:
            self.store.dispose()


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
) -> Bot:
    limit_blas_threads()
    kb = kb or load(settings.knowledge_dir)
    matcher, status = build_matcher(kb, settings)
    # Lexical: all-MiniLM-L6-v2 is English-only and barely helps Spanish (docs/notes-spanish.md).
    spanish = build_spanish_matcher(kb)
    return Bot(
        kb,
        matcher,
        MemorySessionStore(settings.session_ttl),
        thresholds_for(settings, matcher.embedder is not None),
        help_emails=settings.help_emails(),
        escalations=escalations,
        recorder=recorder,
        semantic_status=status,
        store=store,
        spanish_matcher=spanish,
    )


def build_services(settings: Settings, *, with_store: bool = True, start_worker: bool = False) -> Services:
    """Knowledge (validated: refuses to start on errors), matcher, sessions and, with_store,
    the database, the escalation service and the outbox (its worker started on request)."""
    kb = load(settings.knowledge_dir)
    language.warm()  # lingua's models now, not on a parent's first message
    for warning in kb.warnings:
        log.warning("knowledge: %s", warning)
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
    bot = build_bot(settings, kb, escalations=escalations, recorder=recorder, store=store)
    log.info("%s", bot.semantic_status)
    return Services(
        settings=settings, kb=kb, bot=bot, store=store, outbox=outbox, worker=worker, recorder=recorder, key=key
    )
