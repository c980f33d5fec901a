"""Which knowledge answers a question, decided by what is asked.

- A credential's name makes a question a catalogue question only when the rest of it asks what the
  catalogue holds (what it is, who issues it, its points, field or list; the catalogue intents,
  matched with the name replaced by "it") at least as well as the FAQ answers it. "What do
  plumbers earn?" or "do points from a welding cert and a nursing cert add up?" mention a trade or a
  credential but ask the FAQ, or nobody.
- A follow-up ("who issues it?", "and the other one?", "what was it before?") is ranked on its own
  and together with the conversation's topic; the better-supported reading wins, and a turn that
  clearly matches something new is a new topic.
- Otherwise the FAQ decides (answers.py): answer, clarify, or fall back. A question for the
  student's school rather than the state (the bus, lunch, grades) is not offered to the state's
  credentials help desk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..catalogue import Catalogue, NameHit
from ..knowledge import KnowledgeBase
from ..matching import Match, Matcher
from .answers import FaqReplies
from .credentials import CredentialReplies
from .intents import IntentClassifier, IntentScore
from .message import Message
from .reply import Reply
from .sessions import Session

PRONOUN = re.compile(r"\b(it|that|this|they|them|that one|this one|those|these)\b")
ELLIPSIS = re.compile(
    r"^(and|or|but|what about|how about|and what about|also|so)\b|\b(other one|the other|before that|before)\b"
)


@dataclass(frozen=True)
class RoutingThresholds:
    aspect: float = 0.62  # a catalogue intent this sure makes a named credential a catalogue question
    aspect_lead: float = 0.0  # ...when it is at least the FAQ's confidence plus this
    listing: float = 0.6  # the list intent this sure (with a field, points or issuer) lists credentials
    off_topic: float = 0.62  # an off-topic intent this sure, above the FAQ, is a question for someone else
    followup_gain: float = 0.05  # the topic-aware reading must beat the turn alone by this much


class Router:
    def __init__(
        self,
        kb: KnowledgeBase,
        matcher: Matcher,
        catalogue: Catalogue,
        faq: FaqReplies,
        credentials: CredentialReplies,
        intents: IntentClassifier,
        thresholds: RoutingThresholds = RoutingThresholds(),
    ):
        self.kb, self.matcher, self.catalogue = kb, matcher, catalogue
        self.faq, self.credentials, self.intents = faq, credentials, intents
        self.thresholds = thresholds

    def route(self, message: Message, session: Session, *, topical: bool = True) -> Reply:
        text, n = message.question, message.normalised
        t, answer_at = self.thresholds, self.faq.thresholds.answer
        hits = self.catalogue.find_names(text)
        unknown = self.credentials.unknown_name(text)
        if unknown:
            return self.credentials.not_in_catalogue(unknown, hits, session)
        _, matches = self.matcher.rank(text, session.state)
        faq_top = matches[0].score if matches else 0.0
        if hits:
            aspect = self.catalogue_aspect(text, hits[0])
            if aspect is not None and aspect.score >= t.aspect and aspect.score >= faq_top + t.aspect_lead:
                confidence = hits[0].score / 100 * aspect.score
                if len(hits) > 1:
                    return self.credentials.choices(hits, text, session, confidence)
                return self.credentials.credential(hits[0].credential, n, session, aspect.id, confidence)
        on_credential = session.last_credential_id and not session.last_faq_id
        if on_credential and (PRONOUN.search(n) or len(n.split()) <= 5) and (not hits):
            # "who hands that one out?", "which career field?": about the credential just shown
            aspect = self.intents.best(n, ("catalogue",))
            if aspect is not None and aspect.id.startswith("cred_") and aspect.score >= max(t.aspect, faq_top):
                cred = self.kb.credential_by_id[session.last_credential_id]
                return self.credentials.credential(cred, n, session, aspect.id, aspect.score)
        list_query = self.catalogue.parse_list_query(text, session.state)
        if list_query is not None:
            listing = self.intents.score(n, "list_credentials")
            if listing >= t.listing and listing >= faq_top:
                return self.credentials.listing(list_query, session, listing)
        if topical:
            matches = self.with_topic(message, session, matches)
            faq_top = matches[0].score if matches else 0.0
        off_topic = self.intents.best(n, ("off_topic",))
        if off_topic is not None and off_topic.score >= t.off_topic and off_topic.score > faq_top and not hits:
            return self.faq.elsewhere(text, matches, session)
        return self.faq.faq(text, matches, session)

    def catalogue_aspect(self, text: str, hit: NameHit) -> IntentScore | None:
        """What a question naming a credential asks of it: the catalogue intents, read with the name
        replaced by "it" ("who hands ServSafe out?" -> "who hands it out?"). The name alone is "what is it"."""
        masked = self.mask(text, hit)
        if not masked.split():
            return IntentScore("cred_what", "catalogue", 1.0)
        return self.intents.best(masked, ("catalogue",))

    def mask(self, text: str, hit: NameHit) -> str:
        """The question in the catalogue's words (no articles, no "certification"), the credential's
        name (as typed, typos and all: the closest run of words to the name found) replaced by "it"."""
        words = self.catalogue.key(text).split()
        size = len(hit.matched.split())
        best: tuple[float, int, int] | None = None
        for width in range(max(1, size - 1), size + 2):
            for start in range(0, len(words) - width + 1):
                score = fuzz.ratio(" ".join(words[start : start + width]), hit.matched)
                if best is None or score > best[0]:
                    best = (score, start, width)
        if best is None:
            return " ".join(words)
        _, start, width = best
        return " ".join(words[:start] + ["it"] + words[start + width :])

    def with_topic(self, message: Message, session: Session, matches: list[Match]) -> list[Match]:
        """A follow-up read against the conversation's topic: the turn alone, and the topic's question
        with the turn; the better-supported reading wins. A turn that matches well alone is a new topic."""
        topic = session.last_question
        if not topic or not matches and not message.normalised:
            return matches
        alone = matches[0].score if matches else 0.0
        if alone >= self.faq.thresholds.answer:
            return matches
        if not (
            ELLIPSIS.search(message.normalised)
            or PRONOUN.search(message.normalised)
            or len(message.normalised.split()) <= 4
        ):
            return matches
        _, together = self.matcher.rank(f"{topic} {message.question}", session.state)
        if together and together[0].score >= max(alone + self.thresholds.followup_gain, self.faq.thresholds.clarify):
            return together
        return matches
