"""Passing a question to a person: the offer, asking for a reply address, and the submission.

The offer never quotes an earlier turn ("your last question"): whoever holds a conversation's id
must not read its text back. A web caller that cannot prove it started the conversation
(``user["owner"] is False``, see channels/web.py) cannot send it to the help desk from the chat.
A web escalation waits for its reply address to be confirmed (service.py); the person can type
the mailed code here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..escalation import BudgetExceeded, ConfirmationError, ConversationBusy, DatabaseUnavailable, EscalationService
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
                f"{sorry}I can pass your question to a person at the help desk ({email}). "
                "Please type your question first, then say “talk to a person”.",
                session,
                offer_escalation=True,
                help_email=email,
            )
        session.pending = ConfirmEscalation(question)
        return small(
            f"{sorry}I can send your last question, with this conversation, to the help desk at {email}. "
            "Shall I send it?",
            session,
            offer_escalation=True,
            help_email=email,
            suggestions=["Yes, send it", "No thanks"],
        )

    def confirmed(self, question: str, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        """The person said yes: send it, or first ask where the help desk should reply."""
        if user.get("owner") is False:
            return self.not_owner(session)
        if user.get("email") or user.get("slack_user"):
            return self.send(question, session, channel, user)
        session.pending = AskEmail(question)
        return small(
            "What email address should the help desk reply to?", session, help_email=self.help_email(session.state)
        )

    def not_owner(self, session: Session) -> Reply:
        email = self.help_email(session.state)
        return small(
            "For your privacy, I can send a conversation to the help desk only from the chat window where it "
            f"started. Please use the form there, or email your question to {email}.",
            session,
            help_email=email,
        )

    def submit(
        self,
        question: str,
        session: Session,
        channel: str,
        user: dict[str, Any],
        state: str | None,
        idempotency_key: str | None = None,
        include_conversation: bool = True,
    ) -> dict[str, Any]:
        """Store the escalation (raises what EscalationService.submit raises). Without
        ``include_conversation`` it carries the question alone and belongs to no conversation."""
        if self.escalations is None:
            raise RuntimeError("no escalation service is configured")
        email = user.get("email")
        conversation = (
            [
                t
                for t in session.history
                if not (t.get("role") == "user" and email and t.get("text", "").strip() == email)
            ]
            if include_conversation
            else []
        )
        return self.escalations.submit(
            question=question,
            conversation=conversation,
            state=state,
            channel=channel,
            reply_to=email,
            slack_user=user.get("slack_user"),
            slack_channel=user.get("slack_channel"),
            session_id=session.key if include_conversation else None,
            idempotency_key=idempotency_key,
            client=user.get("client"),
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
        if user.get("owner") is False:
            return self.not_owner(session)
        try:
            record = self.submit(question, session, channel, user, session.state)
        except BudgetExceeded:
            return small(
                "I can't pass on more questions today: the help desk's daily limit for messages from here is "
                f"reached. Please email your question to {email} directly.",
                session,
                help_email=email,
            )
        except ConversationBusy:
            return small(
                "A question from this conversation is already on its way to the help desk. They will reply; "
                f"for anything else, please email {email}.",
                session,
                help_email=email,
            )
        except DatabaseUnavailable:
            return Reply(
                kind="fallback",
                text=f"I couldn't store your question just now. Please try again in a minute, or email it to {email}.",
                state=session.state,
                help_email=email,
            )
        session.unanswered = None
        if record["status"] == "unconfirmed":
            text = (
                f"Almost done: I've emailed a 6-digit code to {user['email']}. Type the code here, or open the "
                f"link in that email, and I'll send your question to the help desk at {record['to']}. "
                "Nothing is sent until then."
            )
        else:
            who = f" They will reply to {user['email']}." if user.get("email") else ""
            text = f"Thank you. I've passed your question to the help desk at {record['to']}.{who}"
        return Reply(
            kind="escalated",
            text=text,
            confidence=1.0,
            state=session.state,
            help_email=record["to"],
            escalation=record,
        )

    def confirm_code(self, code: str, session: Session) -> Reply | None:
        """A 6-digit message in a conversation with an escalation waiting for its code; None otherwise."""
        if self.escalations is None:
            return None
        try:
            waiting = self.escalations.store.open_escalation(session.key)
        except DatabaseUnavailable:
            return None
        if waiting is None:
            return None
        email = self.help_email(session.state)
        try:
            record = self.escalations.confirm(waiting["id"], code=code)
        except ConfirmationError as exc:
            return small(f"{exc.message[:1].upper()}{exc.message[1:]}.", session, help_email=email)
        except DatabaseUnavailable:
            return small(
                f"I couldn't check the code just now. Please try again in a minute, or email {email}.",
                session,
                help_email=email,
            )
        return Reply(
            kind="escalated",
            text=f"Thank you, your address is confirmed. I'm sending your question to the help desk at "
            f"{record['to']}; they will reply by email.",
            confidence=1.0,
            state=session.state,
            help_email=record["to"],
            escalation=record,
        )
