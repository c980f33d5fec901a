"""The Bot: one entry point for every channel.

``Bot.handle(message, session_key, state=..., channel=..., user=...)`` remembers the conversation
(state, last topic, last list, pending offers), understands small talk and follow-ups, routes
questions to the FAQ or the credentials catalogue (routing.py), and returns one Reply. Channels
only turn their input into a message and render the Reply; what else they need (feedback, a
Slack channel's state, retries, status) they ask the Bot too, never the store or the matcher.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..catalogue import Catalogue
from ..escalation import (
    BudgetExceeded,
    ConfirmationError,
    ConversationBusy,
    DatabaseUnavailable,
    EscalationService,
    IdempotencyConflict,
    Store,
    UnansweredRecorder,
)
from ..escalation.mail import is_email
from ..knowledge import KnowledgeBase
from ..matching import Matcher
from ..states import STATES, default_help_emails
from ..text import state_code
from . import intents, smalltalk
from .answers import FaqReplies, Thresholds
from .credentials import CredentialReplies
from .escalating import Escalating
from .message import Message
from .pending import AskEmail, AskState, ChooseEntry, ConfirmEscalation
from .reply import Reply
from .routing import Router
from .sessions import Session, SessionStore


class Unavailable(RuntimeError):
    """A feature that needs a part this deployment does not have, or that is down now (the database).
    ``retry_after``: seconds after which trying again makes sense (None: it will not come back)."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(RuntimeError):
    """A request understood and refused; ``status`` is the HTTP status that says why (400, 403, 404,
    409, 410, 429), ``retry_after`` when waiting helps."""

    def __init__(self, status: int, message: str, retry_after: int | None = None, escalation_id: int | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after, self.escalation_id = status, message, retry_after, escalation_id


DB_RETRY_AFTER = 30  # seconds: what a client is told to wait while the database is down
_CODE = re.compile(r"\d{6}")
_PATHS = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s:;,)]+")


def _without_paths(text: str) -> str:
    """A status line for the public: no file-system paths (they tell an attacker the layout)."""
    return _PATHS.sub("…", text).replace(" from …", "") if text else text


class Bot:
    def __init__(
        self,
        kb: KnowledgeBase,
        matcher: Matcher,
        sessions: SessionStore,
        thresholds: Thresholds = Thresholds(),
        help_emails: dict[str | None, str] | None = None,
        escalations: EscalationService | None = None,
        recorder: UnansweredRecorder | None = None,
        semantic_status: str = "",
        today: Callable[[], dt.date] = dt.date.today,
        store: Store | None = None,
    ):
        self.kb = kb
        self.matcher = matcher
        self.sessions = sessions
        self.help_emails = {**default_help_emails(), **(help_emails or {})}
        self.recorder = recorder  # records unanswered questions, or None
        self.store = store  # feedback and Slack's channel settings, or None
        self.semantic_status = semantic_status
        self.catalogue = Catalogue(kb)
        self.faq = FaqReplies(thresholds, self.help_email, today)
        self.credentials = CredentialReplies(kb, self.catalogue, matcher, self.help_email)
        self.escalating = Escalating(escalations, self.help_email)
        self.router = Router(kb, matcher, self.catalogue, self.faq, self.credentials)

    @property
    def escalations(self) -> EscalationService | None:
        return self.escalating.escalations

    @property
    def thresholds(self) -> Thresholds:
        return self.faq.thresholds

    @thresholds.setter
    def thresholds(self, value: Thresholds) -> None:
        self.faq.thresholds = value

    # ---- the conversation ---------------------------------------------------------------
    def handle(
        self,
        message: str,
        session_key: str,
        *,
        state: str | None = None,
        channel: str = "cli",
        user: dict[str, Any] | None = None,
    ) -> Reply:
        session = self.sessions.get(session_key)
        if state and not session.state:
            session.state = state
        msg = Message.of(message)
        session.remember("user", msg.text)
        reply = self._respond(msg, session, channel, user or {})
        if reply.state is None:
            reply.state = session.state
        session.remember("bot", reply.text)
        self.sessions.save(session)
        if reply.kind == "fallback" and self.recorder is not None:
            self.recorder.record_unanswered(
                question=msg.text, state=session.state, channel=channel, confidence=reply.confidence
            )
        return reply

    def help_email(self, state: str | None) -> str:
        return self.help_emails.get(state) or self.help_emails[None]

    def _respond(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        n = msg.normalised
        if not n:
            return smalltalk.small(smalltalk.EMPTY, session)
        if session.pending:
            reply = self._pending(msg, session, channel, user)
            if reply is not None:
                return reply
        if _CODE.fullmatch(msg.text.strip()):
            reply = self.escalating.confirm_code(msg.text.strip(), session)
            if reply is not None:
                return reply
        if intents.STATE_ONLY.match(n):
            return smalltalk.state_set(state_code(msg.text), session)
        if intents.GREETING.match(n):
            return smalltalk.small(smalltalk.GREETING, session, suggestions=smalltalk.examples(session.state))
        if intents.THANKS.match(n):
            return smalltalk.small(smalltalk.THANKS, session)
        if intents.BYE.match(n):
            session.pending = None
            return smalltalk.small(smalltalk.GOODBYE, session)
        if intents.HELP.match(n):
            return smalltalk.small(smalltalk.HELP, session, suggestions=smalltalk.examples(session.state))
        if intents.WHO.match(n):
            return smalltalk.small(smalltalk.WHO, session)
        if intents.HUMAN.search(n):
            return self.escalating.offer_person(session)
        if intents.MORE.match(n):
            return self.credentials.more(session) or smalltalk.small(smalltalk.NOTHING_MORE, session)
        if intents.WHAT_ABOUT.match(n) and msg.named_state and len(n.split()) <= 5:
            return self._other_state(msg.named_state, session)
        if msg.named_state:
            session.state = msg.named_state
        return self.router.route(msg, session)

    def _pending(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply | None:
        """The turn as an answer to what the bot asked last; None when it is not one (a new message)."""
        pending, session.pending = session.pending, None
        n = msg.normalised
        if isinstance(pending, ChooseEntry):
            index = intents.choice_index(n, len(pending.options))
            if index is not None:
                entry = self.kb.faq_by_id[pending.options[index]]
                return self.faq.answer_entry(entry, pending.question, session, confidence=pending.confidence)
        elif isinstance(pending, AskState):
            state = state_code(msg.text)
            if state:
                session.state = state
                return self.router.route(Message.of(pending.question), session)
        elif isinstance(pending, ConfirmEscalation):
            if intents.YES.match(n):
                return self.escalating.confirmed(pending.question, session, channel, user)
            if intents.NO.match(n):
                return smalltalk.small("All right, I won't send it. Ask me something else whenever you like.", session)
        elif isinstance(pending, AskEmail):
            candidate = msg.text.strip().strip("<>").removeprefix("mailto:")
            if is_email(candidate):
                return self.escalating.send(pending.question, session, channel, {**user, "email": candidate})
            if intents.NO.match(n):
                return smalltalk.small("All right, I won't send it.", session)
            if len(n.split()) <= 3:
                session.pending = pending
                return smalltalk.small(
                    "That doesn't look like an email address. Please type the address the help desk "
                    "should reply to (for example name@example.com), or say “cancel”.",
                    session,
                )
        return None

    def _other_state(self, state: str, session: Session) -> Reply:
        """ "What about Illinois?": the last topic again, for the other state."""
        session.state = state
        if session.last_credential_id and not session.last_faq_id:
            return self.credentials.credential(self.kb.credential_by_id[session.last_credential_id], "", session)
        if session.last_question:
            return self.router.route(Message.of(session.last_question), session)
        return smalltalk.state_set(state, session)

    # ---- what channels need besides conversation ------------------------------------------
    def escalate(
        self,
        session_key: str,
        question: str,
        *,
        channel: str,
        user: dict[str, Any],
        state: str | None = None,
        idempotency_key: str | None = None,
        include_conversation: bool = True,
    ) -> dict[str, Any]:
        """Pass a question, with this session's conversation, to the help desk (stored first).
        The one path for every channel: the chat's "yes, send it" turn, the widget's form, Slack's button.
        ``user``: "email" (the reply address), "slack_user", "slack_channel", "client" (who asks, for
        the daily caps). Without ``include_conversation`` (a caller that could not prove the session
        is its own) the question goes alone. Raises Refused (caps, a conversation's escalation on its
        way, an Idempotency-Key reused) or Unavailable (no database, or down)."""
        if self.escalations is None:
            raise Unavailable("escalation is not available on this server")
        session = self.sessions.get(session_key)
        email = self.help_email(state or session.state)
        try:
            return self.escalating.submit(
                question, session, channel, user, state or session.state, idempotency_key, include_conversation
            )
        except BudgetExceeded as exc:
            where = "from one place" if exc.scope in ("client", "address") else "in all"
            raise Refused(
                429,
                f"the help desk accepts at most {exc.cap} questions a day {where} through this assistant; "
                f"please email {email} directly, or try again tomorrow",
                retry_after=exc.retry_after,
            ) from None
        except ConversationBusy as exc:
            raise Refused(
                409,
                f"a question from this conversation (#{exc.escalation_id}) is already on its way to the help desk",
                escalation_id=exc.escalation_id,
            ) from None
        except IdempotencyConflict as exc:
            raise Refused(
                409, "this Idempotency-Key was already used for a different request", escalation_id=exc.escalation_id
            ) from None
        except DatabaseUnavailable:
            raise Unavailable(
                f"we cannot store questions just now; please try again in a minute, or email {email}",
                retry_after=DB_RETRY_AFTER,
            ) from None

    def confirm_escalation(self, escalation_id: int, *, code: str | None = None, token: str | None = None) -> dict:
        """The person confirmed the reply address (the mailed code or link): the escalation goes out."""
        if self.escalations is None:
            raise Unavailable("escalation is not available on this server")
        try:
            return self.escalations.confirm(escalation_id, code=code, token=token)
        except ConfirmationError as exc:
            raise Refused(exc.status, exc.message) from None
        except DatabaseUnavailable:
            raise Unavailable(
                "we cannot check confirmations just now; please try again in a minute", retry_after=DB_RETRY_AFTER
            ) from None

    def known_entry(self, entry_id: str) -> bool:
        """An FAQ entry or a credential this bot has (what feedback may be about)."""
        return entry_id in self.kb.faq_by_id or entry_id in self.kb.credential_by_id

    def session_exists(self, session_key: str) -> bool:
        return self.sessions.exists(session_key)

    def record_feedback(
        self,
        *,
        channel: str,
        helpful: bool,
        entry_id: str | None,
        question: str | None,
        session_key: str | None,
    ) -> int:
        """Store a "was this helpful?" vote about a known entry; returns its id. One vote per
        conversation and entry: voting again changes the vote."""
        if self.store is None:
            raise Unavailable("feedback is not available on this server")
        if entry_id is not None and not self.known_entry(entry_id):
            raise Refused(400, "entry_id: not an entry of this assistant")
        try:
            return self.store.add_feedback(
                channel=channel, helpful=helpful, entry_id=entry_id, question=question, session_id=session_key
            )
        except DatabaseUnavailable:
            raise Unavailable(
                "we cannot store feedback just now; please try again in a minute", retry_after=DB_RETRY_AFTER
            ) from None

    def channel_state(self, channel_id: str | None) -> str | None:
        """A Slack channel's own state (set with `/credentials state OH`), if any."""
        if self.store is None or not channel_id:
            return None
        try:
            return self.store.channel_state(channel_id)
        except DatabaseUnavailable:
            return None  # the workspace's default state until the database returns

    def set_channel_state(self, channel_id: str, state: str) -> None:
        if self.store is None:
            raise Unavailable("channel settings need the database, which is not configured")
        try:
            self.store.set_channel_state(channel_id, state)
        except DatabaseUnavailable:
            raise Unavailable("channel settings cannot be saved just now", retry_after=DB_RETRY_AFTER) from None

    def first_delivery(self, event_id: str) -> bool:
        """True the first time a channel's event id is seen (Slack re-sends events it thinks were missed)."""
        if self.store is None:
            return True
        try:
            return self.store.first_delivery(event_id)
        except DatabaseUnavailable:
            return True  # answer it: a rare double answer beats a message never answered

    def database_status(self) -> str:
        """ "ok", "unavailable" (escalations and feedback answer 503 meanwhile) or "off" (none configured)."""
        if self.store is None:
            return "off"
        return "ok" if self.store.check() else "unavailable"

    def states(self) -> list[dict[str, str]]:
        """The states this bot covers, with their names and help desks (the widget shows them)."""
        return [
            {"code": code, "name": info.name, "agency": info.agency, "help_email": self.help_email(code)}
            for code, info in STATES.items()
        ]

    def status(self) -> dict[str, Any]:
        """What /api/health and Slack's App Home show: matching mode and the knowledge's size."""
        return {
            "semantic": self.matcher.embedder is not None,
            "matching": _without_paths(self.semantic_status),
            "knowledge": {
                "faq": sum(e.official for e in self.kb.faq),
                "supplementary": sum(not e.official for e in self.kb.faq),
                "credentials": len(self.kb.credentials),
                "fingerprint": self.kb.fingerprint,
            },
        }
