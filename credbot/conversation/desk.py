"""What channels need from the Bot besides conversation: escalations and their confirmation, feedback,
a Slack channel's state, deliveries claimed once, the replies a user saw, status. Channels ask the Bot
(this mixin), never the store or the matcher."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

from ..escalation import (
    BudgetExceeded,
    ConfirmationError,
    ConversationBusy,
    DatabaseUnavailable,
    IdempotencyConflict,
)
from ..states import STATES
from .errors import DB_RETRY_AFTER, Refused, Unavailable, _without_paths
from .reply import Reply

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..escalation import EscalationService, Store
    from ..knowledge import KnowledgeBase
    from ..matching import Matcher
    from .escalating import Escalating
    from .sessions import ReadAlong, Session, SessionStore


class ChannelDesk:
    """Mixed into the Bot, whose attributes these are."""

    kb: KnowledgeBase
    matcher: Matcher
    sessions: SessionStore
    store: Store | None
    escalating: Escalating
    semantic_status: str
    help_email: Callable[[str | None], str]

    @property
    def escalations(self) -> EscalationService | None:
        return self.escalating.escalations

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

    def resume(self, session_key: str, along: ReadAlong | None = None) -> Session | None:
        """The live conversation under ``session_key``, or None (never started, or expired). A channel
        that hands it to ``handle`` spares the store a second read of it. ``along``: a call the channel
        makes first anyway (its rate limit's hit), which the store may combine with the read."""
        if along is None:
            return self.sessions.find(session_key)
        return self.sessions.find_along(session_key, along)

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

    def database_status(self) -> str:
        """ "ok", "unavailable" (escalations and feedback answer 503 meanwhile) or "off" (none configured)."""
        if self.store is None:
            return "off"
        return "ok" if self.store.check() else "unavailable"

    def recent_replies(self, session_key: str) -> list[tuple[str, Reply]]:
        """The last few (question, reply) pairs of a conversation, oldest first: what a channel
        shares is the reply the user saw, never a new answer out of the conversation's context."""
        session = self.sessions.get(session_key)
        return [(turn["question"], Reply.from_dict(turn["reply"])) for turn in session.recent]

    def claim_delivery(self, key: str, lease_seconds: float) -> bool:
        """Claim a channel's delivery (a Slack event id, a signed request's digest) before answering
        it; False while another worker answers it or once it was answered. In the database, so
        that every worker sees it; without a database every delivery is new."""
        if self.store is None:
            return True
        try:
            return self.store.claim_delivery(key, dt.timedelta(seconds=lease_seconds))
        except DatabaseUnavailable:
            return True  # answer it: a rare double answer beats a message never answered

    def finish_delivery(self, key: str) -> None:
        """The claimed delivery was answered: its copies are refused from now on."""
        if self.store is not None:
            with contextlib.suppress(DatabaseUnavailable):
                self.store.finish_delivery(key)

    def release_delivery(self, key: str) -> None:
        """Answering the claimed delivery failed: the sender's retry will be answered."""
        if self.store is not None:
            with contextlib.suppress(DatabaseUnavailable):
                self.store.release_delivery(key)

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
