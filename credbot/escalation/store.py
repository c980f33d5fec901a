"""Persistence with SQLAlchemy Core: SQLite by default, any SQLAlchemy URL via DATABASE_URL.

Tables: escalations (the outbox too), feedback, unanswered (questions that fell back),
slack_events (Slack retry de-duplication, before deliveries), deliveries (what a channel
claimed or answered: Slack events and signed requests, shared by every worker).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

metadata = sa.MetaData()

escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(2)),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("conversation", sa.Text, nullable=False),  # JSON list of {"role", "text"}
    sa.Column("reply_to", sa.String(254)),
    sa.Column("slack_user", sa.String(64)),
    sa.Column("slack_channel", sa.String(64)),
    sa.Column("session_id", sa.String(200)),
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
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


class Store:
    def __init__(self, url: str):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs = {"future": True, "pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        self.engine = sa.create_engine(url, **kwargs)
        if url.startswith("sqlite"):

            @sa.event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

        metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # ---- escalations ---------------------------------------------------------------------
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
    ) -> tuple[dict, bool]:
        """Insert (committed before returning) or return the existing row: (row, created)."""
        now = utcnow()
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
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(escalations.insert().values(**row)).inserted_primary_key[0]
            return self.get_escalation(new_id), True
        except IntegrityError:
            existing = self.get_escalation_by_key(idempotency_key)
            if existing is None:  # pragma: no cover - a constraint other than the key failed
                raise
            return existing, False

    def _one(self, where) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(escalations).where(where)).mappings().first()
        return self._decode(row) if row else None

    @staticmethod
    def _decode(row) -> dict:
        data = {k: _aware(v) for k, v in dict(row).items()}
        data["conversation"] = json.loads(data["conversation"])
        return data

    def get_escalation(self, escalation_id: int) -> dict | None:
        return self._one(escalations.c.id == escalation_id)

    def get_escalation_by_key(self, key: str) -> dict | None:
        return self._one(escalations.c.idempotency_key == key)

    def list_escalations(self, status: str | None = None, limit: int | None = None) -> list[dict]:
        query = sa.select(escalations).order_by(escalations.c.id.desc())
        if status:
            query = query.where(escalations.c.status == status)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [self._decode(r) for r in conn.execute(query).mappings()]

    def claim_due(self, now: dt.datetime, lease: dt.timedelta, limit: int = 20) -> list[dict]:
        """Pending escalations due now, each leased (next attempt pushed back) so that no other
        worker takes it meanwhile. A worker that dies mid-send leaves the lease to expire:
        the message is retried, never lost (at-least-once delivery)."""
        with self.engine.connect() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    sa.select(escalations.c.id)
                    .where(escalations.c.status == "pending", escalations.c.next_attempt_at <= now)
                    .order_by(escalations.c.next_attempt_at)
                    .limit(limit)
                )
            ]
        claimed = []
        for escalation_id in ids:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    escalations.update()
                    .where(
                        escalations.c.id == escalation_id,
                        escalations.c.status == "pending",
                        escalations.c.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + lease, attempts=escalations.c.attempts + 1, updated_at=now)
                ).rowcount
            if taken:
                claimed.append(self.get_escalation(escalation_id))
        return claimed

    def mark_sent(self, escalation_id: int) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id)
                .values(status="sent", sent_at=now, updated_at=now, last_error=None)
            )

    def mark_retry(self, escalation_id: int, error: str, next_attempt_at: dt.datetime, failed: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id)
                .values(
                    status="failed" if failed else "pending",
                    last_error=error[:2000],
                    next_attempt_at=next_attempt_at,
                    updated_at=utcnow(),
                )
            )

    def retry(self, escalation_id: int) -> bool:
        """Put a failed (or pending) escalation back in the queue, due now."""
        now = utcnow()
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    escalations.update()
                    .where(escalations.c.id == escalation_id, escalations.c.status != "sent")
                    .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now)
                ).rowcount
            )

    # ---- feedback and unanswered questions ---------------------------------------------------
    def add_feedback(
        self, *, channel: str, helpful: bool, entry_id: str | None, question: str | None, session_id: str | None
    ) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                feedback.insert().values(
                    created_at=utcnow(),
                    channel=channel,
                    helpful=helpful,
                    entry_id=entry_id,
                    question=question,
                    session_id=session_id,
                )
            ).inserted_primary_key[0]

    def add_unanswered(self, rows: list[dict]) -> None:
        """Questions the bot could not answer ({"question", "state", "channel", "confidence", "created_at"}),
        in one transaction (see recorder.py)."""
        with self.engine.begin() as conn:
            conn.execute(unanswered.insert(), rows)

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
                    sa.select(escalations.c.question, escalations.c.state, escalations.c.created_at)
                ).mappings()
            ]
        return rows

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

    # ---- slack retries ---------------------------------------------------------------------
    def first_delivery(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for Slack's retries of it."""
        try:
            with self.engine.begin() as conn:
                conn.execute(slack_events.insert().values(event_id=event_id, received_at=utcnow()))
            return True
        except IntegrityError:
            return False

    def channel_state(self, channel_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(slack_channel_states.c.state).where(slack_channel_states.c.channel_id == channel_id)
            ).scalar()

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

    def finish_delivery(self, key: str) -> None:
        """The delivery was answered: later copies of it are refused."""
        with self.engine.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.key == key).values(answered_at=utcnow()))

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
