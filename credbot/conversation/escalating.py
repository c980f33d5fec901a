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
from ..phrases import load as phrases_catalogue
from ..phrases import phrase
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
        lang = session.speaks
        sorry = phrase("escalating.apology", lang) if apology else ""
        if not question:
            return small(
                phrase("escalating.person_no_question", lang, sorry=sorry, email=email),
                session,
                offer_escalation=True,
                help_email=email,
            )
        session.pending = ConfirmEscalation(question)
        return small(
            phrase("escalating.person_offer", lang, sorry=sorry, email=email),
            session,
            offer_escalation=True,
            help_email=email,
            suggestions=[phrase("answers.yes_send", lang), phrase("answers.no_thanks", lang)],
        )

    def confirmed(self, question: str, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        """The person said yes: send it, or first ask where the help desk should reply."""
        if user.get("owner") is False:
            return self.not_owner(session)
        if user.get("email") or user.get("slack_user"):
            return self.send(question, session, channel, user)
        session.pending = AskEmail(question)
        return small(phrase("escalating.ask_email", session.speaks), session, help_email=self.help_email(session.state))

    def not_owner(self, session: Session) -> Reply:
        email = self.help_email(session.state)
        return small(
            phrase("escalating.not_owner", session.speaks, email=email),
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
            language=session.language,
        )

    def send(self, question: str, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        email = self.help_email(session.state)
        if self.escalations is None:
            return Reply(
                kind="fallback",
                text=phrase("escalating.cannot_send", session.speaks, email=email),
                state=session.state,
                help_email=email,
            )
        if user.get("owner") is False:
            return self.not_owner(session)
        try:
            record = self.submit(question, session, channel, user, session.state)
        except BudgetExceeded:
            return small(
                phrase("escalating.budget", session.speaks, email=email),
                session,
                help_email=email,
            )
        except ConversationBusy:
            return small(
                phrase("escalating.busy", session.speaks, email=email),
                session,
                help_email=email,
            )
        except DatabaseUnavailable:
            return Reply(
                kind="fallback",
                text=phrase("escalating.store_failed", session.speaks, email=email),
                state=session.state,
                help_email=email,
            )
        session.unanswered = None
        if record["status"] == "unconfirmed":
            text = phrase("escalating.code_sent", session.speaks, email=user["email"], to=record["to"])
        else:
            who = phrase("escalating.reply_to", session.speaks, email=user["email"]) if user.get("email") else ""
            text = phrase("escalating.sent", session.speaks, to=record["to"], who=who)
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
            if session.speaks == "en":
                return small(f"{exc.message[:1].upper()}{exc.message[1:]}.", session, help_email=email)
            key = f"escalating.code_error_{exc.status}"
            text = phrase(key if key in phrases_catalogue() else "escalating.code_error", session.speaks)
            return small(text, session, help_email=email)
        except DatabaseUnavailable:
            return small(
                phrase("escalating.code_check_failed", session.speaks, email=email),
                session,
                help_email=email,
            )
        return Reply(
            kind="escalated",
            text=phrase("escalating.confirmed", session.speaks, to=record["to"]),
            confidence=1.0,
            state=session.state,
            help_email=record["to"],
            escalation=record,
        )
