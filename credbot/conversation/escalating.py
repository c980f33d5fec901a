"""Passing a question to a person: the offer, asking for a reply address, and the submission."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..escalation import EscalationService
from .pending import AskEmail, ConfirmEscalation
from .reply import Reply
from .sessions import Session
from .smalltalk import small


class Escalating:
    def __init__(self, escalations: EscalationService | None, help_email: Callable[[str | None], str]):
        self.escalations = escalations  # None: a CLI without a database
        self.help_email = help_email

    def offer_person(self, session: Session, apology: bool = False) -> Reply:
        """Offer the help desk: the question the bot could not answer (or the last one), with the conversation.
        After a complaint, say sorry first, calmly."""
        question = session.unanswered or session.last_question
        email = self.help_email(session.state)
        sorry = "I'm sorry I haven't been more helpful. " if apology else ""
        if not question:
            return small(
                f"{sorry}A person at the help desk ({email}) can help. Please type your question first, "
                "then say “talk to a person”: I'll answer it if I can, or pass it on with this conversation.",
                session,
                offer_escalation=True,
                help_email=email,
            )
        session.pending = ConfirmEscalation(question)
        return small(
            f"{sorry}I can send your question “{question}” to the help desk at {email}. Shall I send it?",
            session,
            offer_escalation=True,
            help_email=email,
            suggestions=["Yes, send it", "No thanks"],
        )

    def confirmed(self, question: str, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        """The person said yes: send it, or first ask where the help desk should reply."""
        if user.get("email") or user.get("slack_user"):
            return self.send(question, session, channel, user)
        session.pending = AskEmail(question)
        return small(
            "What email address should the help desk reply to?", session, help_email=self.help_email(session.state)
        )

    def submit(
        self,
        question: str,
        session: Session,
        channel: str,
        user: dict[str, Any],
        state: str | None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        if self.escalations is None:
            raise RuntimeError("no escalation service is configured")
        return self.escalations.submit(
            question=question,
            conversation=list(session.history),
            state=state,
            channel=channel,
            reply_to=user.get("email"),
            slack_user=user.get("slack_user"),
            slack_channel=user.get("slack_channel"),
            session_id=session.key,
            idempotency_key=idempotency_key,
        )

    def send(self, question: str, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        email = self.help_email(session.state)
        if self.escalations is None:
            return Reply(
                kind="fallback",
                text=f"I can't send messages from here. Please email your question to {email}.",
                state=session.state,
                help_email=email,
            )
        record = self.submit(question, session, channel, user, session.state)
        session.unanswered = None
        who = f" They will reply to {user['email']}." if user.get("email") else ""
        return Reply(
            kind="escalated",
            text=f"Thank you. I've passed your question to the help desk at {record['to']}.{who}",
            confidence=1.0,
            state=session.state,
            help_email=record["to"],
            escalation=record,
        )
