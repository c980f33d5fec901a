"""Persistence with SQLAlchemy Core: SQLite by default, any SQLAlchemy URL via DATABASE_URL.

Tables: escalations (the outbox too), escalation_budget (the daily caps, counted here so that they
hold across processes and restarts), feedback, unanswered (questions that fell back),
slack_events (Slack retry de-duplication, before deliveries), deliveries (what a channel
claimed or answered: Slack events and signed requests, shared by every worker), slack_channel_states.

Faults: every public method raises ``DatabaseUnavailable`` (never SQLAlchemy's error, whose text can
carry the statement and its values) when the database cannot be reached, is locked longer than
``timeout`` seconds, read-only or full. A store built while the database is down works as soon as it
returns: the schema is created on the first call that finds it up.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from ..text import redact_personal

log = logging.getLogger("credbot.store")
metadata = sa.MetaData()

# unconfirmed: waits for the person to confirm the reply address (web); pending: to be mailed to the
# help desk; sent; failed: refused for good by the mail server (an ERROR was logged; `credbot
# escalations retry --all-failed`); expired: never confirmed, or still waiting at the retention
# limit; cancelled: replaced by a newer unconfirmed one from the same conversation.
STATUSES = ("unconfirmed", "pending", "sent", "failed", "expired", "cancelled")
OPEN = ("unconfirmed", "pending")

escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(2)),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("conversation", sa.Text, nullable=False),  # JSON list of {"role", "text"}
    sa.Column("reply_to", sa.String(254)),
    sa.Column("slack_user", sa.String(64)),
    sa.Column("slack_channel", sa.String(64)),
    sa.Column("session_id", sa.String(200), index=True),
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # see STATUSES
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    # added by issue 16 (nullable: added to existing databases by _migrate)
    sa.Column("request_hash", sa.String(64)),  # what the Idempotency-Key was first used for
    sa.Column("message_token", sa.String(32)),  # makes the Message-ID: the same for every resend
    sa.Column("leased_until", sa.DateTime(timezone=True)),  # an outbox is sending it
    sa.Column("confirm_nonce", sa.String(32)),  # with the server's key, gives the code and the link
    sa.Column("confirm_attempts", sa.Integer),
    sa.Column("confirm_sent_at", sa.DateTime(timezone=True)),
    sa.Column("confirmed_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),  # an unconfirmed one expires then
    sa.Column("purged_at", sa.DateTime(timezone=True)),  # personal data removed (retention)
    # added by issue 17 (nullable, added by _migrate): the language the person wrote in ("en", "es")
    sa.Column("language", sa.String(2)),
)

escalation_budget = sa.Table(
    "escalation_budget",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),  # UTC date
    sa.Column("scope", sa.String(80), primary_key=True),  # "all", "client:<hmac>", "address:<hmac>"
    sa.Column("count", sa.Integer, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("session_id", sa.String(200)),
    sa.Column("question", sa.Text),
    sa.Column("entry_id", sa.String(100)),
    sa.Column("helpful", sa.Boolean, nullable=False),
)
# One vote per conversation and entry (a second vote changes the first). Rows without a session
# (NULL) are not constrained, in SQLite and PostgreSQL alike.
FEEDBACK_VOTE = sa.Index("feedback_one_vote", feedback.c.session_id, feedback.c.entry_id, unique=True)

unanswered = sa.Table(
    "unanswered",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("state", sa.String(2)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("confidence", sa.Float),
)

slack_events = sa.Table(
    "slack_events",
    metadata,
    sa.Column("event_id", sa.String(100), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)


slack_channel_states = sa.Table(
    "slack_channel_states",
    metadata,
    sa.Column("channel_id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(2), nullable=False),
)

# Deliveries a channel has claimed or answered (Slack events by id, signed requests by digest),
# shared by every worker; kept for DELIVERY_RETENTION, far longer than Slack's 5-minute window.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("answered_at", sa.DateTime(timezone=True)),
)
DELIVERY_RETENTION = dt.timedelta(hours=1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value):
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite returns naive datetimes
    return value


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used right now (down, locked, read-only, full). The message names
    the kind of trouble only: never a statement or a value."""


class BudgetExceeded(RuntimeError):
    """A daily escalation cap is reached. ``scope``: "client", "address" or "all"."""

    def __init__(self, scope: str, cap: int, retry_after: int):
        super().__init__(f"the daily cap of {cap} escalations ({scope}) is reached")
        self.scope, self.cap, self.retry_after = scope, cap, retry_after


class ConversationBusy(RuntimeError):
    """This conversation already has an escalation on its way to the help desk."""

    def __init__(self, escalation_id: int):
        super().__init__(f"escalation #{escalation_id} from this conversation is still on its way")
        self.escalation_id = escalation_id


class IdempotencyConflict(RuntimeError):
    """An Idempotency-Key used again for a different request."""

    def __init__(self, escalation_id: int):
        super().__init__("this Idempotency-Key was already used for a different request")
        self.escalation_id = escalation_id


# SQLite's and libpq's messages for these faults carry no data; anything else is named by its class.
_SAFE_REASON = re.compile(
    r"database is locked|readonly database|read-only|unable to open database file|disk I/O error|"
    r"database or disk is full|No space left on device|connection refused|could not connect|"
    r"server closed the connection|timeout|the database system is (starting up|shutting down)|"
    r"terminating connection|no such table|QueuePool limit",
    re.I,
)
_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.InternalError, sa.exc.TimeoutError, OSError)


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    found = _SAFE_REASON.search(str(orig).split("\n", 1)[0])
    return f"{type(orig).__name__}: {found.group(0)}" if found else type(orig).__name__


def _guarded(method: Callable) -> Callable:
    """Run a store method with the schema in place, turning a database fault into DatabaseUnavailable.
    ``from None``: the original exception (its text, the SQL) never reaches a log through us."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._ensure_schema()
        try:
            result = method(self, *args, **kwargs)
        except _UNAVAILABLE as exc:
            reason = _reason(exc)
            self._down(reason)
            raise DatabaseUnavailable(reason) from None
        self._up()
        return result

    return wrapper


def next_midnight(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


class Store:
    RETRY_SCHEMA_EVERY = 2.0  # seconds between attempts to reach a database that was down

    def __init__(self, url: str, timeout: float = 3.0):
        """``timeout``: the longest a call waits for a locked SQLite file, a connection from the pool
        or a PostgreSQL connection (the request path answers 503 after that, instead of hanging)."""
        self.url = url
        kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
        sqlite_file = url.startswith("sqlite") and ":memory:" not in url
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": timeout, "check_same_thread": False}
            if sqlite_file:
                # A connection per use (microseconds for a file): a file that became read-only, or was
                # replaced, is seen at once, and no pooled connection keeps an old file's lock.
                kwargs["poolclass"] = NullPool
                Path(url.split("///", 1)[-1].split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["pool_timeout"] = timeout
            if url.startswith("postgresql"):
                wait = max(1, round(timeout))
                kwargs["connect_args"] = {
                    "connect_timeout": wait,
                    "options": f"-c lock_timeout={int(timeout * 1000)} -c statement_timeout={int(timeout * 4000)}",
                }
        self.engine = sa.create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            busy_ms = int(timeout * 1000)

            @sa.event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
                try:
                    cursor.execute("PRAGMA journal_mode=WAL")
                except Exception:  # noqa: BLE001 - a read-only file keeps its journal mode; writes say so
                    pass
                cursor.close()

        self._schema_ready = False
        self._schema_tried = 0.0
        self._schema_lock = threading.Lock()
        self.available: bool | None = None  # last known: True, False, None (not tried yet)
        self.last_problem = ""
        self._checked_at = 0.0
        try:
            self._ensure_schema()
        except DatabaseUnavailable as exc:
            log.warning("database unavailable at start-up (%s): chat works; escalations and feedback wait", exc)

    def dispose(self) -> None:
        self.engine.dispose()

    # ---- availability -------------------------------------------------------------------
    def _down(self, reason: str) -> None:
        if self.available is not False:
            log.warning("database unavailable (%s): escalations and feedback answer 503 until it returns", reason)
        self.available, self.last_problem, self._checked_at = False, reason, time.monotonic()

    def _up(self) -> None:
        if self.available is False:
            log.info("database available again")
        self.available, self._checked_at = True, time.monotonic()

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            now = time.monotonic()
            if self._schema_tried and now - self._schema_tried < self.RETRY_SCHEMA_EVERY:
                raise DatabaseUnavailable(self.last_problem or "the database was unavailable a moment ago")
            self._schema_tried = now
            try:
                metadata.create_all(self.engine)
                self._migrate()
            except _UNAVAILABLE as exc:
                reason = _reason(exc)
                self._down(reason)
                raise DatabaseUnavailable(reason) from None
            self._schema_ready = True
            self._up()

    def _migrate(self) -> None:
        """Columns and indexes added since a database was created (all nullable: ALTER TABLE ADD)."""
        inspector = sa.inspect(self.engine)
        for table in (escalations, feedback):
            present = {c["name"] for c in inspector.get_columns(table.name)}
            missing = [c for c in table.columns if c.name not in present]
            with self.engine.begin() as conn:
                for column in missing:
                    kind = column.type.compile(dialect=self.engine.dialect)
                    conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
        indexes = {i["name"] for i in inspector.get_indexes("feedback")}
        if FEEDBACK_VOTE.name not in indexes:
            try:
                FEEDBACK_VOTE.create(self.engine)
            except IntegrityError:
                log.warning("feedback has duplicate votes from before: one vote per conversation is not enforced")

    def check(self, max_age: float = 5.0) -> bool:
        """Whether the database answers (a cached answer at most ``max_age`` seconds old): /api/health."""
        if time.monotonic() - self._checked_at > max_age or self.available is None:
            try:
                self.ping()
            except DatabaseUnavailable:
                pass
        return bool(self.available)

    @_guarded
    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    # ---- escalations ---------------------------------------------------------------------
    @_guarded
    def add_escalation(
        self,
        *,
        idempotency_key: str,
        question: str,
        conversation: list,
        state: str | None,
        channel: str,
        to_address: str,
        reply_to: str | None = None,
        slack_user: str | None = None,
        slack_channel: str | None = None,
        session_id: str | None = None,
        request_hash: str | None = None,
        confirm_ttl: float | None = None,
        budget: Iterable[tuple[str, str, int]] = (),
        now: dt.datetime | None = None,
        language: str | None = None,
    ) -> tuple[dict, bool]:
        """Insert (committed before returning) or return the existing row for the key: (row, created).

        ``confirm_ttl``: the escalation waits ``unconfirmed`` that long for its confirmation.
        ``budget``: (scope name, counter key, daily cap) charged in the same transaction, so a
        refused or failed insert charges nothing. Raises BudgetExceeded, ConversationBusy (this
        session already has one on its way) or IdempotencyConflict (the key, for another request)."""
        now = now or utcnow()
        budget = list(budget)
        existing = self._by_key(idempotency_key, request_hash)
        if existing is not None:
            return existing, False
        day = now.date().isoformat()
        self._budget_rows(day, [key for _, key, _ in budget])
        row = dict(
            idempotency_key=idempotency_key,
            created_at=now,
            updated_at=now,
            state=state,
            channel=channel,
            question=question,
            conversation=json.dumps(conversation, ensure_ascii=False),
            reply_to=reply_to,
            slack_user=slack_user,
            slack_channel=slack_channel,
            session_id=session_id,
            to_address=to_address,
            status="unconfirmed" if confirm_ttl else "pending",
            attempts=0,
            next_attempt_at=now,
            request_hash=request_hash,
            message_token=secrets.token_hex(12),
            confirm_nonce=secrets.token_hex(16) if confirm_ttl else None,
            confirm_attempts=0,
            expires_at=now + dt.timedelta(seconds=confirm_ttl) if confirm_ttl else None,
            language=language,
        )
        try:
            with self.engine.begin() as conn:
                if session_id:
                    self._one_at_a_time(conn, session_id, now)
                for scope, key, cap in budget:
                    spent = conn.execute(
                        escalation_budget.update()
                        .where(
                            escalation_budget.c.day == day,
                            escalation_budget.c.scope == key,
                            escalation_budget.c.count < cap,
                        )
                        .values(count=escalation_budget.c.count + 1)
                    ).rowcount
                    if not spent:
                        raise BudgetExceeded(scope, cap, int((next_midnight(now) - now).total_seconds()) + 1)
                    if scope == "all" and self._spent(conn, day, key) == cap:
                        log.error(
                            "escalation budget: the global cap of %d escalations a day is reached; new "
                            "escalations are refused until 00:00 UTC (CREDBOT_ESCALATIONS_PER_DAY; "
                            "`credbot escalations status`)",
                            cap,
                        )
                new_id = conn.execute(escalations.insert().values(**row)).inserted_primary_key[0]  # type: ignore[index]
        except IntegrityError:
            existing = self._by_key(idempotency_key, request_hash)
            if existing is None:  # pragma: no cover - a constraint other than the key failed
                raise
            return existing, False
        except ConversationBusy:
            existing = self._by_key(idempotency_key, request_hash)  # the same request, sent twice at once
            if existing is None:
                raise
            return existing, False
        created = self._one(escalations.c.id == new_id)
        assert created is not None
        return created, True

    def _by_key(self, key: str, request_hash: str | None) -> dict | None:
        existing = self._one(escalations.c.idempotency_key == key)
        if existing is not None and request_hash and existing["request_hash"] not in (None, request_hash):
            raise IdempotencyConflict(existing["id"])
        return existing

    def _one_at_a_time(self, conn, session_id: str, now: dt.datetime) -> None:
        """One escalation per conversation on its way: a confirmed one blocks a new one; an
        unconfirmed one is replaced (the person may have mistyped the address)."""
        for row in conn.execute(
            sa.select(escalations.c.id, escalations.c.status).where(
                escalations.c.session_id == session_id, escalations.c.status.in_(OPEN)
            )
        ).all():
            if row.status == "pending":
                raise ConversationBusy(row.id)
            conn.execute(
                escalations.update()
                .where(escalations.c.id == row.id, escalations.c.status == "unconfirmed")
                .values(status="cancelled", updated_at=now)
            )

    def _budget_rows(self, day: str, keys: list[str]) -> None:
        """Today's counters exist before the charging transaction (which then only updates them)."""
        with self.engine.connect() as conn:
            present = {
                r[0]
                for r in conn.execute(
                    sa.select(escalation_budget.c.scope).where(
                        escalation_budget.c.day == day, escalation_budget.c.scope.in_(keys)
                    )
                )
            }
        for key in keys:
            if key not in present:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(escalation_budget.insert().values(day=day, scope=key, count=0))
                except IntegrityError:
                    pass  # another request made it first

    @staticmethod
    def _spent(conn, day: str, key: str) -> int:
        return conn.execute(
            sa.select(escalation_budget.c.count).where(escalation_budget.c.day == day, escalation_budget.c.scope == key)
        ).scalar_one()

    @_guarded
    def budget_spent(self, day: dt.date, key: str) -> int:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(escalation_budget.c.count).where(
                        escalation_budget.c.day == day.isoformat(), escalation_budget.c.scope == key
                    )
                ).scalar()
                or 0
            )

    @_guarded
    def budget_at_cap(self, day: dt.date, prefix: str, cap: int) -> int:
        """How many counters of a kind ("client:") reached ``cap`` on ``day``."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).where(
                    escalation_budget.c.day == day.isoformat(),
                    escalation_budget.c.scope.startswith(prefix),
                    escalation_budget.c.count >= cap,
                )
            ).scalar_one()

    def _one(self, where) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(escalations).where(where)).mappings().first()
        return self._decode(row) if row else None

    @staticmethod
    def _decode(row) -> dict:
        data = {k: _aware(v) for k, v in dict(row).items()}
        data["conversation"] = json.loads(data["conversation"])
        return data

    @_guarded
    def get_escalation(self, escalation_id: int) -> dict | None:
        return self._one(escalations.c.id == escalation_id)

    @_guarded
    def open_escalation(self, session_id: str, status: str = "unconfirmed") -> dict | None:
        """This conversation's newest escalation in ``status``, if any."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(escalations)
                    .where(escalations.c.session_id == session_id, escalations.c.status == status)
                    .order_by(escalations.c.id.desc())
                )
                .mappings()
                .first()
            )
        return self._decode(row) if row else None

    @_guarded
    def list_escalations(self, status: str | None = None, limit: int | None = None) -> list[dict]:
        query = sa.select(escalations).order_by(escalations.c.id.desc())
        if status:
            query = query.where(escalations.c.status == status)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [self._decode(r) for r in conn.execute(query).mappings()]

    @_guarded
    def count_by_status(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(escalations.c.status, sa.func.count()).group_by(escalations.c.status))
            counts = {status: 0 for status in STATUSES}
            counts.update({status: n for status, n in rows})
        return counts

    @_guarded
    def oldest_waiting(self) -> dict | None:
        """The oldest escalation still to be mailed to the help desk."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(escalations).where(escalations.c.status == "pending").order_by(escalations.c.created_at)
                )
                .mappings()
                .first()
            )
        return self._decode(row) if row else None

    @_guarded
    def claim_due(self, now: dt.datetime, lease: dt.timedelta, limit: int = 20) -> list[dict]:
        """Mail due now, each leased so that no other outbox takes it meanwhile: escalations to send to
        the help desk (``pending``) and confirmation requests not yet mailed (``unconfirmed``). An
        outbox that dies mid-send leaves its lease to expire, or to be released when the server
        starts again (release_leases): the mail is sent again with the same Message-ID, which the
        recipient's mail system drops as a duplicate."""
        due = sa.and_(
            sa.or_(
                escalations.c.status == "pending",
                sa.and_(escalations.c.status == "unconfirmed", escalations.c.confirm_sent_at.is_(None)),
            ),
            escalations.c.next_attempt_at <= now,
            sa.or_(escalations.c.leased_until.is_(None), escalations.c.leased_until <= now),
        )
        with self.engine.connect() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    sa.select(escalations.c.id).where(due).order_by(escalations.c.next_attempt_at).limit(limit)
                )
            ]
        claimed = []
        for escalation_id in ids:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    escalations.update()
                    .where(escalations.c.id == escalation_id, due)
                    .values(leased_until=now + lease, attempts=escalations.c.attempts + 1, updated_at=now)
                ).rowcount
            if taken:
                row = self._one(escalations.c.id == escalation_id)
                if row is not None:
                    claimed.append(row)
        return claimed

    @_guarded
    def release_leases(self) -> int:
        """Leases left by a process that stopped (at start-up): what it was sending is due again."""
        with self.engine.begin() as conn:
            return conn.execute(
                escalations.update().where(escalations.c.leased_until.is_not(None)).values(leased_until=None)
            ).rowcount

    @_guarded
    def mark_sent(self, escalation_id: int) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id)
                .values(status="sent", sent_at=now, updated_at=now, last_error=None, leased_until=None)
            )

    @_guarded
    def mark_confirmation_sent(self, escalation_id: int) -> None:
        """The confirmation request went out; the escalation waits for the person (until it expires)."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status == "unconfirmed")
                .values(confirm_sent_at=now, updated_at=now, last_error=None, leased_until=None, attempts=0)
            )

    @_guarded
    def mark_retry(
        self, escalation_id: int, error: str, next_attempt_at: dt.datetime, failed: bool, status: str = "failed"
    ) -> None:
        """A failed attempt: due again at ``next_attempt_at``, or (``failed``) in ``status`` for good."""
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status.in_(OPEN))
                .values(
                    last_error=error[:2000],
                    next_attempt_at=next_attempt_at,
                    updated_at=utcnow(),
                    leased_until=None,
                    **({"status": status} if failed else {}),
                )
            )

    @_guarded
    def retry(self, escalation_id: int) -> bool:
        """Put a failed (or pending) escalation back in the queue, due now."""
        now = utcnow()
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    escalations.update()
                    .where(escalations.c.id == escalation_id, escalations.c.status.in_(("pending", "failed")))
                    .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now, leased_until=None)
                ).rowcount
            )

    @_guarded
    def retry_all_failed(self) -> list[int]:
        """Every failed escalation back in the queue, due now; returns their ids."""
        now = utcnow()
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(sa.select(escalations.c.id).where(escalations.c.status == "failed"))]
            if ids:
                conn.execute(
                    escalations.update()
                    .where(escalations.c.id.in_(ids), escalations.c.status == "failed")
                    .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now, leased_until=None)
                )
        return ids

    # ---- confirmation of the reply address ---------------------------------------------
    @_guarded
    def confirm(self, escalation_id: int, now: dt.datetime | None = None) -> bool:
        """Unconfirmed -> pending, due now. False when it was not waiting (any more)."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    escalations.update()
                    .where(
                        escalations.c.id == escalation_id,
                        escalations.c.status == "unconfirmed",
                        escalations.c.expires_at > now,
                    )
                    .values(
                        status="pending",
                        confirmed_at=now,
                        attempts=0,
                        next_attempt_at=now,
                        leased_until=None,
                        updated_at=now,
                        last_error=None,
                    )
                ).rowcount
            )

    @_guarded
    def count_wrong_code(self, escalation_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id)
                .values(confirm_attempts=sa.func.coalesce(escalations.c.confirm_attempts, 0) + 1)
            )

    @_guarded
    def expire_unconfirmed(self, now: dt.datetime | None = None) -> int:
        now = now or utcnow()
        with self.engine.begin() as conn:
            return conn.execute(
                escalations.update()
                .where(escalations.c.status == "unconfirmed", escalations.c.expires_at <= now)
                .values(status="expired", updated_at=now, leased_until=None)
            ).rowcount

    # ---- retention -------------------------------------------------------------------------
    @_guarded
    def purge(self, before: dt.datetime, now: dt.datetime | None = None) -> dict[str, int]:
        """Personal data older than ``before`` removed: escalations keep their id, dates, state,
        channel, status and help desk, and lose the question, conversation, reply address, Slack
        user and channel, session and error text (which can name the address); one still waiting
        then is expired. Feedback loses its question and session. Unanswered questions stay (their
        e-mail addresses and phone numbers blanked): they are what the FAQ is missing. Old budget
        counters and Slack event ids go."""
        now = now or utcnow()
        counts = {}
        with self.engine.begin() as conn:
            old = sa.and_(escalations.c.created_at < before, escalations.c.purged_at.is_(None))
            counts["expired"] = conn.execute(
                escalations.update()
                .where(old, escalations.c.status.in_(OPEN))
                .values(status="expired", leased_until=None, updated_at=now)
            ).rowcount
            counts["escalations"] = conn.execute(
                escalations.update()
                .where(old)
                .values(
                    question="(removed after the retention period)",
                    conversation="[]",
                    reply_to=None,
                    slack_user=None,
                    slack_channel=None,
                    session_id=None,
                    last_error=None,
                    request_hash=None,
                    idempotency_key=sa.literal("purged:") + sa.cast(escalations.c.id, sa.String),
                    purged_at=now,
                    updated_at=now,
                )
            ).rowcount
            counts["feedback"] = conn.execute(
                feedback.update()
                .where(
                    feedback.c.created_at < before,
                    sa.or_(feedback.c.question.is_not(None), feedback.c.session_id.is_not(None)),
                )
                .values(question=None, session_id=None)
            ).rowcount
            redacted = 0
            for row in conn.execute(
                sa.select(unanswered.c.id, unanswered.c.question).where(unanswered.c.created_at < before)
            ).all():
                clean = redact_personal(row.question)
                if clean != row.question:
                    conn.execute(unanswered.update().where(unanswered.c.id == row.id).values(question=clean))
                    redacted += 1
            counts["unanswered_redacted"] = redacted
            conn.execute(
                escalation_budget.delete().where(
                    escalation_budget.c.day < (now - dt.timedelta(days=2)).date().isoformat()
                )
            )
            conn.execute(slack_events.delete().where(slack_events.c.received_at < now - dt.timedelta(days=2)))
        return counts

    # ---- feedback and unanswered questions ---------------------------------------------------
    @_guarded
    def add_feedback(
        self, *, channel: str, helpful: bool, entry_id: str | None, question: str | None, session_id: str | None
    ) -> int:
        """Store a vote; a second vote on the same entry in the same conversation replaces the first."""
        values = dict(
            created_at=utcnow(),
            channel=channel,
            helpful=helpful,
            entry_id=entry_id,
            question=question,
            session_id=session_id,
        )
        if session_id and entry_id:
            same = sa.and_(feedback.c.session_id == session_id, feedback.c.entry_id == entry_id)
            for _ in range(2):
                with self.engine.begin() as conn:
                    existing = conn.execute(sa.select(feedback.c.id).where(same)).scalar()
                    if existing is not None:
                        conn.execute(feedback.update().where(feedback.c.id == existing).values(**values))
                        return existing
                try:
                    with self.engine.begin() as conn:
                        return conn.execute(feedback.insert().values(**values)).inserted_primary_key[0]  # type: ignore[index]
                except IntegrityError:
                    continue  # the same vote, sent twice at once: update the one that won
        with self.engine.begin() as conn:
            return conn.execute(feedback.insert().values(**values)).inserted_primary_key[0]  # type: ignore[index]

    @_guarded
    def add_unanswered(self, rows: list[dict]) -> None:
        """Questions the bot could not answer ({"question", "state", "channel", "confidence", "created_at"}),
        in one transaction (see recorder.py)."""
        with self.engine.begin() as conn:
            conn.execute(unanswered.insert(), rows)

    @_guarded
    def unanswered_questions(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = [
                dict(r)
                for r in conn.execute(
                    sa.select(unanswered.c.question, unanswered.c.state, unanswered.c.created_at)
                ).mappings()
            ]
            rows += [
                dict(r)
                for r in conn.execute(
                    sa.select(escalations.c.question, escalations.c.state, escalations.c.created_at).where(
                        escalations.c.purged_at.is_(None), escalations.c.status != "cancelled"
                    )
                ).mappings()
            ]
        return rows

    @_guarded
    def unhelpful_answers(self) -> list[dict]:
        helpful_int = sa.case((feedback.c.helpful, 1), else_=0)
        query = (
            sa.select(
                feedback.c.entry_id, sa.func.count().label("votes"), sa.func.sum(1 - helpful_int).label("unhelpful")
            )
            .where(feedback.c.entry_id.is_not(None))
            .group_by(feedback.c.entry_id)
        )
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return sorted((r for r in rows if r["unhelpful"]), key=lambda r: (-r["unhelpful"], r["entry_id"]))

    # ---- slack channels ---------------------------------------------------------------------
    @_guarded
    def channel_state(self, channel_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(slack_channel_states.c.state).where(slack_channel_states.c.channel_id == channel_id)
            ).scalar()

    @_guarded
    def set_channel_state(self, channel_id: str, state: str) -> None:
        with self.engine.begin() as conn:
            if (
                conn.execute(
                    slack_channel_states.update()
                    .where(slack_channel_states.c.channel_id == channel_id)
                    .values(state=state)
                ).rowcount
                == 0
            ):
                conn.execute(slack_channel_states.insert().values(channel_id=channel_id, state=state))

    # ---- deliveries (claimed before answering, so that a failure can be retried) ------------
    _next_delivery_purge: dt.datetime | None = None

    @_guarded
    def claim_delivery(self, key: str, lease: dt.timedelta, now: dt.datetime | None = None) -> bool:
        """Claim a delivery before answering it: True when it is new, or when an earlier claim was
        abandoned (never answered and older than ``lease``: the worker died). False while another
        worker is answering it or once it was answered. Atomic across workers: an INSERT on the
        primary key, else a compare-and-set UPDATE on the claim's time."""
        now = now or utcnow()
        self._purge_deliveries(now)
        try:
            with self.engine.begin() as conn:
                conn.execute(deliveries.insert().values(key=key, claimed_at=now))
            return True
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            taken = conn.execute(
                deliveries.update()
                .where(
                    deliveries.c.key == key,
                    deliveries.c.answered_at.is_(None),
                    deliveries.c.claimed_at < now - lease,
                )
                .values(claimed_at=now)
            ).rowcount
        return bool(taken)

    @_guarded
    def finish_delivery(self, key: str) -> None:
        """The delivery was answered: later copies of it are refused."""
        with self.engine.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.key == key).values(answered_at=utcnow()))

    @_guarded
    def release_delivery(self, key: str) -> None:
        """Answering failed: forget the claim, so that the sender's retry is answered."""
        with self.engine.begin() as conn:
            conn.execute(deliveries.delete().where(deliveries.c.key == key, deliveries.c.answered_at.is_(None)))

    def _purge_deliveries(self, now: dt.datetime) -> None:
        """Drop deliveries older than DELIVERY_RETENTION, at most every ten minutes per process."""
        if self._next_delivery_purge is not None and now < self._next_delivery_purge:
            return
        self._next_delivery_purge = now + dt.timedelta(minutes=10)
        with self.engine.begin() as conn:
            conn.execute(deliveries.delete().where(deliveries.c.claimed_at < now - DELIVERY_RETENTION))
