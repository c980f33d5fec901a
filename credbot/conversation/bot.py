"""The Bot: one entry point for every channel.

``Bot.handle(message, session_key, state=..., channel=..., user=...)`` remembers the conversation
(state, last topic, last list, pending offers), understands small talk and follow-ups, routes
questions to the FAQ or the credentials catalogue (routing.py), and returns one Reply. Channels
only turn their input into a message and render the Reply; what else they need (feedback, a
Slack channel's state, retries, status) they ask the Bot too, never the store or the matcher.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import language as languages
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
from ..knowledge import FaqEntry, KnowledgeBase
from ..matching import Matcher
from ..matching_es import SPANISH_THRESHOLDS
from ..places import load_gazetteer
from ..states import STATES, default_help_emails
from ..text import normalise, state_code
from . import intents, smalltalk
from .answers import FaqReplies, Thresholds
from .credentials import CredentialReplies
from .escalating import Escalating
from .intents import SOCIAL_EDGE, IntentClassifier, IntentScore
from .message import Message
from .pending import AskEmail, AskState, ChooseEntry, ConfirmEscalation
from .reply import Reply
from .routing import Router
from .sessions import Session, SessionStore


@dataclass(frozen=True)
class Understanding:
    """How sure an intent must be (tuned on the tuning part of tests/data only)."""

    intent: float = 0.5  # a social intent at least this sure is considered...
    intent_lead: float = 0.15  # ...and wins when it beats the FAQ's best answer by this much,
    sure_intent: float = 0.9  # ...or whatever the FAQ says when at least this sure
    reply: float = 0.8  # "yes" / "no" to a pending offer
    edge: float = 0.85  # a social phrase before or after a question ("thanks! and ...")
    state_only: float = 0.7  # a turn this close to the "state_only" examples only says where the person is


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
        understanding: Understanding = Understanding(),
        spanish_matcher: Matcher | None = None,
        spanish_thresholds: Thresholds | None = None,
    ):
        self.kb = kb
        self.matcher = matcher
        self.sessions = sessions
        self.help_emails = {**default_help_emails(), **(help_emails or {})}
        self.recorder = recorder  # records unanswered questions, or None
        self.store = store  # feedback and Slack's channel settings, or None
        self.semantic_status = semantic_status
        self.catalogue = Catalogue(kb)
        self.faq = FaqReplies(thresholds, self.help_email, today, english=kb.faq_by_id, spanish=kb.spanish)
        self.credentials = CredentialReplies(kb, self.catalogue, matcher, self.help_email)
        self.escalating = Escalating(escalations, self.help_email)
        self.gazetteer = load_gazetteer(kb.places) if kb.places else None
        self.intents = IntentClassifier(kb.intents, matcher, kb.corrections, kb.correction_leads)
        self.understanding = understanding
        self._twins: dict[tuple[str, str], tuple[FaqEntry, float] | None] = {}
        self.router = Router(kb, matcher, self.catalogue, self.faq, self.credentials, self.intents)
        # Spanish questions are ranked over es.json's Spanish views (matching_es.py), with their own thresholds.
        self.spanish_matcher = spanish_matcher
        self.router_es = self.router
        if spanish_matcher is not None:
            faq_es = FaqReplies(
                spanish_thresholds or Thresholds(**SPANISH_THRESHOLDS),
                self.help_email,
                today,
                english=kb.faq_by_id,
                spanish=kb.spanish,
            )
            self.router_es = Router(kb, spanish_matcher, self.catalogue, faq_es, self.credentials, self.intents)

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
        language: str | None = None,
    ) -> Reply:
        """``language``: the page's language ("en" or "es"), which a new conversation starts in until the
        person's own words say otherwise. Slack answers in English whatever the language."""
        session = self.sessions.get(session_key)
        if state and not session.state:
            session.state = state
        previous = language if language in languages.LANGUAGES and not session.history else session.language
        session.language = languages.detect(message, previous)
        session.english_only = channel == "slack"
        msg = self.message(message)
        session.remember("user", msg.text)
        reply = self._respond(msg, session, channel, user or {})
        if reply.state is None:
            reply.state = session.state
        reply.language = session.speaks
        session.remember("bot", reply.text)
        session.remember_reply(msg.text, reply.to_session_dict())
        self.sessions.save(session)
        if reply.kind == "fallback" and self.recorder is not None:
            self.recorder.record_unanswered(
                question=msg.text, state=session.state, channel=channel, confidence=reply.confidence
            )
        return reply

    def help_email(self, state: str | None) -> str:
        return self.help_emails.get(state) or self.help_emails[None]

    def message(self, text: str) -> Message:
        return Message.of(text, self.gazetteer)

    def _respond(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply:
        if not msg.normalised:
            return smalltalk.say("smalltalk.empty", session)
        if session.pending:
            reply = self._pending(msg, session, channel, user)
            if reply is not None:
                return reply
        if _CODE.fullmatch(msg.text.strip()):  # the confirmation code mailed to the parent
            reply = self.escalating.confirm_code(msg.text.strip(), session)
            if reply is not None:
                return reply
        corrected = self.intents.correction(msg.text)  # "no, I meant the diploma seal"
        if corrected:
            msg = self.message(corrected)
        question, social, stated = self._asides(msg, session)
        if question is None:  # nothing but asides: "thanks!", "oh, we're in Akron"
            if stated:
                return self._other_state(stated, session)
            return self._intent(msg, session, channel, user) or self._router(session).route(msg, session)
        where = self._where(question, session)
        if where is not None:
            return where
        if question.named_state and self._names_state_only(question):
            return self._other_state(question.named_state, session)
        reply = self._intent(question, session, channel, user)
        if reply is not None:
            return reply
        reply = self._router(session).route(question, session, topical=not corrected)
        if social is not None and social.id == "complaint" and reply.kind in ("fallback", "clarify"):
            return self.escalating.offer_person(session, apology=True)
        return reply

    def _asides(self, msg: Message, session: Session) -> tuple[Message | None, IntentScore | None, str | None]:
        """The turn's question without its asides: sentences that are only social ("thanks!", "this is
        useless") or only say where the person is ("oh btw we're in Akron."). Returns (the question, or
        None when the turn is all asides; the social intent; the state an aside named)."""
        parts = self.intents.sentences(msg.text)
        if len(parts) < 2:
            social, rest = self.intents.social_prefix(msg.text)  # "thanks and who pays for it"
            return (self.message(rest), social, None) if social is not None else (msg, None, None)
        kept, social, stated = [], None, None
        for part in parts:
            piece = self.message(part)
            top = self.intents.best(piece.normalised, ("social",))
            if top is not None and top.id in SOCIAL_EDGE and top.score >= self.understanding.edge:
                social = social or top
            elif piece.named_state and self._names_state_only(piece):
                stated = piece.named_state
            else:
                kept.append(part)
        if len(kept) == len(parts) or kept and not self._asks_something(" ".join(kept), session):
            return msg, None, None  # "switching to Illinois - same question" is one thought
        if stated:
            session.state = stated
        if not kept:
            return None, social, stated
        return self.message(" ".join(kept)), social, stated

    def _asks_something(self, text: str, session: Session) -> bool:
        """Is there a question in ``text`` on its own: a credential's name, four words or more, or an FAQ match?"""
        if len(text.split()) >= 4 or self.catalogue.find_names(text):
            return True
        router = self._router(session)
        _, matches = router.matcher.rank(text, None)
        return bool(matches) and matches[0].score >= router.faq.thresholds.clarify

    def _router(self, session: Session) -> Router:
        """The router for the language the person writes: Spanish questions are ranked in Spanish."""
        return self.router_es if session.language == "es" else self.router

    def _where(self, msg: Message, session: Session) -> Reply | None:
        """What the message says about where the person is: sets the state, or asks which state a
        place in both means, or says that another state's rules are not credbot's to answer."""
        places = msg.places
        if places.other_states and not places.states:
            return self.faq.other_state(places.other_states, msg.text, msg.question, session)
        if msg.stated is None and places.ambiguous and session.state is None:
            asked = msg.question if not self._names_state_only(msg) else (session.last_question or "")
            return self.faq.ask_state(places.places[0], asked, session)
        if msg.named_state:
            session.state = msg.named_state
        return None

    def _intent(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply | None:
        """Small talk, help, a person, "more": when an intent is surer than any answer to a question."""
        top = self.intents.best(msg.normalised, ("social", "reply", "off_topic"))
        if top is None or top.group == "off_topic" or top.score < self.understanding.intent:
            return None  # off-topic questions are the router's: they may still be about credentials
        if top.score < self.understanding.sure_intent:
            _, matches = self._router(session).matcher.rank(msg.question, session.state)
            if matches and matches[0].score + self.understanding.intent_lead > top.score:
                return None  # "what can you tell me about costs" asks the FAQ, not for help
        kind = top.id
        if kind == "greeting":
            return smalltalk.say(
                "smalltalk.greeting", session, suggestions=smalltalk.examples(session.state, session.speaks)
            )
        if kind == "thanks":
            return smalltalk.say("smalltalk.thanks", session)
        if kind == "acknowledge":
            return smalltalk.say(
                "smalltalk.acknowledge", session, suggestions=smalltalk.examples(session.state, session.speaks)
            )
        if kind == "goodbye":
            session.pending = None
            return smalltalk.say("smalltalk.goodbye", session)
        if kind == "help":
            return smalltalk.say(
                "smalltalk.help", session, suggestions=smalltalk.examples(session.state, session.speaks)
            )
        if kind == "who_are_you":
            return smalltalk.say("smalltalk.who", session)
        if kind == "chitchat":
            return smalltalk.say(
                "smalltalk.chitchat", session, suggestions=smalltalk.examples(session.state, session.speaks)
            )
        if kind == "ask_person":
            return self.escalating.offer_person(session)
        if kind == "complaint":
            return self.escalating.offer_person(session, apology=True)
        if kind == "more":
            return self.credentials.more(session) or smalltalk.say("smalltalk.nothing_more", session)
        if kind in ("yes", "no"):  # nothing was asked: acknowledge
            return smalltalk.say(
                "smalltalk.acknowledge", session, suggestions=smalltalk.examples(session.state, session.speaks)
            )
        return None

    def _names_state_only(self, msg: Message) -> bool:
        """Does the turn only say where the person is ("oh, we live in Ohio", "is that the same for
        Illinois?", "what about Decatur?"): nothing in it that the knowledge answers on its own?"""
        if not (msg.named_state or msg.places.states) or self.catalogue.find_names(msg.question):
            return False
        return self.intents.score(normalise(msg.question), "state_only") >= self.understanding.state_only

    def _pending(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply | None:
        """The turn as an answer to what the bot asked last; None when it is not one (a new message)."""
        pending, session.pending = session.pending, None
        n = msg.normalised
        if isinstance(pending, ChooseEntry):
            labels = [self.kb.faq_by_id[i].question for i in pending.options]
            index = intents.choice_index(n, labels)
            if index is not None:
                entry = self.kb.faq_by_id[pending.options[index]]
                return self.faq.answer_entry(entry, pending.question, session, confidence=pending.confidence)
        elif isinstance(pending, AskState):
            state = state_code(msg.text) or msg.places.state
            if state:
                session.state = state
                if pending.question:
                    return self._router(session).route(self.message(pending.question), session)
                return smalltalk.state_set(state, session)
        elif isinstance(pending, ConfirmEscalation):
            if self._says(n, "yes"):
                return self.escalating.confirmed(pending.question, session, channel, user)
            if self._says(n, "no"):
                return smalltalk.say("bot.wont_send", session)
        elif isinstance(pending, AskEmail):
            candidate = msg.text.strip().strip("<>").removeprefix("mailto:")
            if is_email(candidate):
                return self.escalating.send(pending.question, session, channel, {**user, "email": candidate})
            if self._says(n, "no"):
                return smalltalk.say("bot.wont_send_short", session)
            if len(n.split()) <= 3:
                session.pending = pending
                return smalltalk.say("bot.not_an_email", session)
        return None

    def _says(self, normalised: str, intent: str) -> bool:
        top = self.intents.best(normalised, ("reply", "social"))
        return top is not None and top.id == intent and top.score >= self.understanding.reply

    def _other_state(self, state: str, session: Session) -> Reply:
        """ "What about Illinois?", "we're in Ohio": the last topic again, for that state."""
        session.state = state
        if session.last_credential_id and not session.last_faq_id:
            return self.credentials.credential(self.kb.credential_by_id[session.last_credential_id], "", session)
        last = self.kb.faq_by_id.get(session.last_faq_id or "")
        if last is not None and last.state != state:
            twin = self.twin(last.id, state)
            if twin is not None:  # the same topic in the other state's knowledge
                return self.faq.answer_entry(twin[0], session.last_question or twin[0].question, session, twin[1])
        if session.last_question:
            return self._router(session).route(
                self.message(session.last_question), session, topical=False, own_state=True
            )
        return smalltalk.state_set(state, session)

    def twin(self, entry_id: str, state: str) -> tuple[FaqEntry, float] | None:
        """The entry of ``state`` on the same topic as ``entry_id``: each is the other's best match among
        its state's entries (question and keywords ranked), at least at the clarify threshold."""
        found = self._best_in(entry_id, state)
        if found is None:
            return None
        back = self._best_in(found[0].id, self.kb.faq_by_id[entry_id].state)
        return found if back is not None and back[0].id == entry_id else None

    def _best_in(self, entry_id: str, state: str) -> tuple[FaqEntry, float] | None:
        """``entry_id``'s best match among the entries of ``state``. Cached: the knowledge is fixed."""
        key = (entry_id, state)
        if key not in self._twins:
            entry = self.kb.faq_by_id[entry_id]
            _, matches = self.matcher.rank(f"{entry.question} {' '.join(entry.keywords)}", state, limit=10)
            mine = [m for m in matches if m.entry.state == state]
            self._twins[key] = (
                (mine[0].entry, mine[0].score) if mine and mine[0].score >= self.thresholds.clarify else None
            )
        return self._twins[key]

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
