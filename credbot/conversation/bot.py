"""The Bot: one entry point for every channel.

``Bot.handle(message, session_key, state=..., channel=..., user=...)`` remembers the conversation
(state, last topic, last list, pending offers), understands small talk and follow-ups, routes
questions to the FAQ or the credentials catalogue (routing.py), and returns one Reply. Channels
only turn their input into a message and render the Reply; what else they need (feedback, a
Slack channel's state, retries, status) they ask the Bot too, never the store or the matcher.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import language as languages
from ..catalogue import Catalogue
from ..escalation import (
    EscalationService,
    Store,
    UnansweredRecorder,
)
from ..escalation.mail import is_email
from ..knowledge import FaqEntry, KnowledgeBase
from ..matching import Matcher
from ..matching_es import SPANISH_THRESHOLDS
from ..places import load_gazetteer
from ..scope import ScopeClassifier
from ..states import default_help_emails
from ..text import state_code
from . import intents, smalltalk
from .answers import STATE_CHOICES, FaqReplies, Thresholds
from .credentials import CredentialReplies
from .desk import ChannelDesk
from .errors import Refused, Unavailable
from .escalating import Escalating
from .intents import IntentClassifier
from .message import Message
from .pending import AskEmail, AskState, ChooseEntry, ConfirmEscalation, Referred, Unsure
from .reading import GRIEVANCES, TurnReading
from .reply import Reply
from .routing import ELLIPSIS, GLUE, PRONOUN, Router
from .sessions import Session, SessionStore

__all__ = ["Bot", "Refused", "Understanding", "Unavailable"]


_CODE = re.compile(r"\d{6}")  # a confirmation code typed in the chat
_POINTS_BACK = re.compile(
    r"\b(there|theirs|same|the rules?|the answer|different|differs?|position|stance|policy|equivalent|version)\b"
)  # "how does it work there?", "what's the rule in ohio", "is Ohio's position any different?"


@dataclass(frozen=True)
class Understanding:
    """How sure an intent must be (tuned on the tuning part of tests/data only)."""

    intent: float = 0.5  # a social intent at least this sure is considered...
    intent_lead: float = 0.15  # ...and wins when it beats the FAQ's best answer by this much,
    sure_intent: float = 0.9  # ...or whatever the FAQ says when at least this sure
    reply: float = 0.8  # "yes" / "no" to a pending offer, surer than the opposite answer...
    yes_no: float = 0.55  # ...or at least this sure and this much surer than the opposite ("yes I would like that")
    yes_no_lead: float = 0.15
    person_reply: float = 0.45  # asking for a person in reply to the help desk's offer takes it up
    edge: float = 0.85  # a social phrase before or after a question ("thanks! and ...")
    state_only: float = 0.7  # a turn this close to the "state_only" examples only says where the person is
    state_lead: float = 0.3  # ...even beside a sure FAQ match, when this much closer to them than to it
    unanswered_grievance: float = 0.45  # a turn nothing answers, nearest a complaint or a request for a person


class Bot(TurnReading, ChannelDesk):
    """The conversation: dispatch of a turn, pending turns, follow-ups in another state. How a turn is
    read is TurnReading's (reading.py); what channels need besides conversation is ChannelDesk's (desk.py)."""

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
        scope: ScopeClassifier | None = None,
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
        # trained on the knowledge at start-up (a third of a second); bots sharing a matcher may share it too
        self.scope = scope if scope is not None else ScopeClassifier(kb, matcher)
        self.router = Router(kb, matcher, self.catalogue, self.faq, self.credentials, self.intents, scope=self.scope)
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
        session: Session | None = None,
    ) -> Reply:
        """``language``: the page's language ("en" or "es"), which a new conversation starts in until the
        person's own words say otherwise. Slack answers in English whatever the language. ``session``: the
        conversation under ``session_key`` as ``resume`` just read it (else it is read here)."""
        if session is None:
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
        address = _address_in(msg.text)
        if address:  # an address with no "yes" before it: the question it was offered for, or how
            if session.unanswered:
                return self.escalating.send(session.unanswered, session, channel, {**user, "email": address})
            return smalltalk.say("bot.email_alone", session)
        if _CODE.fullmatch(msg.text.strip()):  # the confirmation code mailed to the parent
            reply = self.escalating.confirm_code(msg.text.strip(), session)
            if reply is not None:
                return reply
        # the answer a turn may ask again for a state: given for another state, or for both ("which applies to us?")
        previous = self.kb.faq_by_id.get(session.last_faq_id or "")
        unstated = session.state is None
        corrected = self.intents.correction(msg.text)  # "no, I meant the diploma seal"
        if corrected:
            msg = self.message(corrected)
        question, social, stated = self._asides(msg, session)
        if question is None:  # nothing but asides: "thanks!", "oh, we're in Akron"
            if stated:
                return self._other_state(stated, session)
            said = self._act(social.id, session) if social is not None else None
            return said or self._intent(msg, session, channel, user) or self._router(session).route(msg, session)
        where = self._where(question, session)
        if where is not None:
            return where
        if question.named_state and self._names_state_only(question, session):
            return self._other_state(question.named_state, session)
        # "my sister's kids are in Illinois, how ...?"
        again = self._reasks(question, session, previous, stated, unstated)
        if again:
            return self._other_state(again, session)
        reply = self._intent(question, session, channel, user)
        if reply is not None:
            return reply
        if self._tells_only(question, session):  # "my daughter is a junior near Springfield, Illinois"
            state = question.named_state or question.places.state
            # "actually he goes to school in Ohio" after Michigan's; "our company is actually based in Illinois"
            # after Ohio's answer: the last question, for that state
            if state and (self._asked_elsewhere(session) or previous is not None and previous.state != state):
                return self._other_state(state, session)
            return smalltalk.state_set(state, session) if state else smalltalk.say("smalltalk.noted", session)
        reply = self._route_either_language(question, session, topical=not corrected)
        if social is not None and social.id == "complaint" and reply.kind == "fallback":
            return self.escalating.offer_person(session, apology=True)
        if reply.kind == "fallback" and not reply.offer_escalation:
            # "this thing never answers anything useful": not for the school, though no intent is quite sure
            nearest = self.intents.best(question.normalised, ("social", "reply", "off_topic"))
            if (
                nearest is not None
                and nearest.id in GRIEVANCES
                and nearest.score >= self.understanding.unanswered_grievance
            ):
                return self.escalating.offer_person(session, apology=nearest.id == "complaint")
        return reply

    def _pending(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply | None:
        """The turn as an answer to what the bot asked last; None when it is not one (a new message)."""
        pending, session.pending = session.pending, None
        n = msg.normalised
        if isinstance(pending, ChooseEntry):
            state = msg.named_state if self._names_state_only(msg, session) else None
            if state:  # "illinois" to "which of these?": that state's best choice, or the question asked there
                session.state = state
                mine = [i for i in pending.options if self.kb.faq_by_id[i].state == state]
                if not mine:
                    return self._router(session).route(self.message(pending.question), session, topical=False)
                entry = self.kb.faq_by_id[mine[0]]
                return self.faq.answer_entry(entry, pending.question, session, confidence=pending.confidence)
            labels = [self.kb.faq_by_id[i].question for i in pending.options]
            index = intents.choice_index(n, labels)
            if index is None:  # "the one about combining them": the offered answer the turn matches best
                index = self._option_matched(msg, session, pending.options)
            if index is not None:
                entry = self.kb.faq_by_id[pending.options[index]]
                return self.faq.answer_entry(entry, pending.question, session, confidence=pending.confidence)
            narrowed = self._narrowed(msg, session, pending)
            if narrowed is not None:  # "points" ... "the graduation one": read with what it narrows
                return self.faq.answer_entry(narrowed[0], pending.question, session, confidence=narrowed[1])
        elif isinstance(pending, AskState):
            picked = intents.choice_index(n, [name for name, _ in STATE_CHOICES])  # "2", "the first one"
            state = (
                state_code(msg.text) or msg.places.state or (STATE_CHOICES[picked][1] if picked is not None else None)
            )
            if state:
                session.state = state
                if pending.question:
                    return self._router(session).route(self.message(pending.question), session)
                return smalltalk.state_set(state, session)
        elif isinstance(pending, (ConfirmEscalation, Referred, Unsure)):
            # Referred: no offer was made (the question was sent to the school), yet it spoke of credentials;
            # Unsure: offered beside an answer, so "ok" and "thanks" may be said to the answer, not the offer
            offered = isinstance(pending, ConfirmEscalation)
            given = _address_in(msg.text)
            if given and not self._says(msg.text, "no"):  # "yes pls, email: tina@example.com": yes, and where to reply
                return self.escalating.send(pending.question, session, channel, {**user, "email": given})
            if self._says(msg.text, "yes") if offered else self._plainly_yes(n):  # "yes please send it to them"
                return self.escalating.confirmed(pending.question, session, channel, user)
            if not isinstance(pending, Referred) and self._says(msg.text, "no"):
                session.unanswered = None  # declined: a later address does not send it
                if not offered or self._says_first(msg.text, "no"):
                    return None  # "no, but what about the forklift one?": the question after it is a new one; so
                    # is a "no" said to an answer (Unsure), which may decline the answer rather than the offer
                return smalltalk.say("bot.wont_send", session)
            # "ok can you get someone there to look at it", "who could I ask then"; said to an answer, less plainly
            if not isinstance(pending, Unsure) and self._wants_person(n):
                return self.escalating.confirmed(pending.question, session, channel, user)
        elif isinstance(pending, AskEmail):
            candidate = _address_in(msg.text)
            if candidate:
                return self.escalating.send(pending.question, session, channel, {**user, "email": candidate})
            if self._says(msg.text, "no"):
                session.unanswered = None
                return smalltalk.say("bot.wont_send_short", session)
            if len(n.split()) <= 3:
                session.pending = pending
                return smalltalk.say("bot.not_an_email", session)
        return None

    def _option_matched(self, msg: Message, session: Session, options: Sequence[str]) -> int | None:
        """The offered answer a short reply to "which of these?" matches best, if the best of all its matches is
        one of them (else the reply asks something new)."""
        if len(msg.normalised.split()) > 6:
            return None
        _, ranked = self._router(session).matcher.rank(msg.question, session.state)
        if not ranked or ranked[0].entry.id not in options or ranked[0].score < self.thresholds.clarify:
            return None
        return list(options).index(ranked[0].entry.id)

    def _route_either_language(self, msg: Message, session: Session, *, topical: bool) -> Reply:
        """The router's reply in the person's language; a Spanish turn the Spanish views cannot place is read
        by the English ones too ("mi hija quiere saber how do students earn credentials?"), and still answered
        in Spanish. The English reading runs on a copy of the conversation as it was before the Spanish one."""
        if self.router_es is self.router or session.language != "es":
            return self.router.route(msg, session, topical=topical)
        trial = copy.deepcopy(session)  # the English reading's, taken up only if it answers
        reply = self.router_es.route(msg, session, topical=topical)
        if reply.kind != "fallback":
            return reply
        english = self.router.route(msg, trial, topical=topical)
        if english.kind not in ("answer", "credential"):
            return reply
        vars(session).update(vars(trial))
        return english

    def _narrowed(self, msg: Message, session: Session, pending: ChooseEntry) -> tuple[FaqEntry, float] | None:
        """The answer a short reply to "which of these?" picks when read with the question it narrows ("points",
        then "the graduation one"), though it was not among the choices shown; None when the reply asks something
        of its own or the two read together are no clearer."""
        n = msg.normalised
        if len(n.split()) > 6 or intents.ASKS.match(n) or self.catalogue.find_names(msg.question):
            return None
        router = self._router(session)
        _, ranked = router.matcher.rank(f"{pending.question} {msg.question}", session.state)
        t = router.faq.thresholds
        if not ranked or ranked[0].score < t.answer or len(ranked) > 1 and ranked[0].score - ranked[1].score < t.margin:
            return None
        return ranked[0].entry, ranked[0].score

    def _asked_elsewhere(self, session: Session) -> bool:
        """Was the last question one about another US state's rules, left unanswered ("my nephew lives in
        Michigan, who pays for his test?")?"""
        last = session.unanswered  # as typed: the question kept to ask again has the state's name taken out
        return bool(last and session.last_faq_id is None and self.message(last).places.other_states)

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

    def _reasks(
        self,
        question: Message,
        session: Session,
        previous: FaqEntry | None,
        stated: str | None = None,
        unstated: bool = False,
    ) -> str | None:
        """The state a turn asks the last answer's topic again for, or None. It does when it names another
        state than the last answer's (or an aside did: "switching to Illinois - how does it work there?"),
        or any state after an answer given with no state known (``unstated``: "we're near Joliet, so which of
        those applies to us?"), points back ("it", "them", "there", "the same", "and ...?"), alone matches
        nothing surely, and the topic read with the turn (in the new state) is at least as well supported."""
        state = question.named_state or stated
        if not state or previous is None or not session.last_question:
            return None
        if previous.state == state and not unstated:
            return None
        if previous.state != state and self.twin(previous.id, state) is None:
            return None  # the other state's knowledge has no such topic: the turn is read as it stands
        n = GLUE.sub("", question.normalised)
        if self.catalogue.find_names(question.question) or not (
            PRONOUN.search(n) or ELLIPSIS.search(n) or _POINTS_BACK.search(n)
        ):
            return None  # a question of its own, not the topic again
        router = self._router(session)
        matcher = router.matcher
        said = set(matcher.analyse(question.question).words)
        if said and said <= set(matcher.analyse(f"{session.last_question} {previous.question}").words):
            return state  # "What about Ohio's list?" after how to get onto Illinois's list: the topic's own words
        readings = [question.question, *router.sentences(question.question)]  # "we're in Dayton. who pays?"
        alone = max((matcher.rank(r, state)[1] for r in readings), key=lambda m: m[0].score if m else 0.0)
        best = alone[0].score if alone else 0.0
        if best >= (self.thresholds.clarify if previous.state == state else self.thresholds.sure):
            return None  # after both states' answers, only a turn that asks nothing itself: "which applies to us?"
        _, together = matcher.rank(f"{session.last_question} {question.question}", state)
        return state if together and together[0].score >= best else None

    def twin(self, entry_id: str, state: str) -> tuple[FaqEntry, float] | None:
        """The entry of ``state`` on the same topic as ``entry_id`` (its ``counterpart`` in the knowledge), with
        how well it matches that entry's question and keywords. Cached: the knowledge is fixed."""
        key = (entry_id, state)
        if key not in self._twins:
            entry = self.kb.faq_by_id[entry_id]
            other = self.kb.faq_by_id.get(entry.counterpart or "")
            found = None
            if other is not None and other.state == state:
                _, matches = self.matcher.rank(f"{entry.question} {' '.join(entry.keywords)}", state, limit=50)
                score = next((m.score for m in matches if m.entry.id == other.id), self.thresholds.answer)
                found = (other, score)
            self._twins[key] = found
        return self._twins[key]


def _address(text: str) -> str:
    """The turn as an email address would be typed or pasted ("<a@b.org>", "mailto:a@b.org")."""
    return text.strip().strip("<>").removeprefix("mailto:")


def _address_in(text: str) -> str | None:
    """The email address a turn gives: the whole turn, or one word of it ("sure - it's a@b.org")."""
    if is_email(whole := _address(text)):
        return whole
    found = [w for w in (_address(word.strip(".,;:!?()[]\"'")) for word in text.split() if "@" in word) if is_email(w)]
    return found[0] if len(found) == 1 else None
