"""The one way any channel escalates a question: validate, store (committed), wake the outbox."""

from __future__ import annotations

import hashlib

from ..text import CONTROL_CHARS
from .mail import validate_email
from .store import Store

CHANNELS = ("web", "slack", "cli")


class EscalationService:
    def __init__(self, store: Store, help_emails: dict, worker=None):
        self.store = store
        self.help_emails = help_emails
        self.worker = worker

    def address_for(self, state: str | None) -> str:
        return self.help_emails.get(state) or self.help_emails[None]

    def submit(
        self,
        *,
        question: str,
        conversation: list,
        state: str | None,
        channel: str,
        reply_to: str | None = None,
        slack_user: str | None = None,
        slack_channel: str | None = None,
        session_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if reply_to is not None:
            reply_to = validate_email(reply_to)
        question = CONTROL_CHARS.sub(" ", question).strip()
        if not question:
            raise ValueError("the question is empty")
        if idempotency_key is None:
            # Same person, same question, same conversation: the same escalation (a double click).
            basis = "\x00".join([channel, session_id or "", slack_user or "", reply_to or "", question])
            idempotency_key = "auto:" + hashlib.sha256(basis.encode()).hexdigest()
        row, created = self.store.add_escalation(
            idempotency_key=idempotency_key[:200],
            question=question,
            conversation=conversation,
            state=state,
            channel=channel,
            to_address=self.address_for(state),
            reply_to=reply_to,
            slack_user=slack_user,
            slack_channel=slack_channel,
            session_id=session_id,
        )
        if created and self.worker is not None:
            self.worker.wake()
        return {"id": row["id"], "status": row["status"], "to": row["to_address"], "created": created}
