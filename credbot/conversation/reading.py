"""How the Bot reads a turn before answering it: asides (social phrases, where the person is),
places and other states, intents against the FAQ's confidence, a turn that only names a state."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..places import WHERE_WORDS
from ..states import STATE_NAMES
from ..text import content_words, normalise, only_denies_a_state
from . import smalltalk
from .answers import is_bare_topic
from .intents import ASKS, SOCIAL_EDGE, IntentScore, position_pick
from .message import Message
from .reply import Reply
from .sessions import Session

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..knowledge import KnowledgeBase
    from .answers import FaqReplies
    from .bot import Understanding
    from .credentials import CredentialReplies
    from .escalating import Escalating
    from .intents import IntentClassifier
    from .routing import Router


WHO = frozenset({"student", "parent"})  # synonyms.json's words for the people a question is for
OPENER = re.compile(r"^(?:ok|okay|k|kk|alright|well|oh)\s+")  # words that open a sentence and say nothing
GRIEVANCES = frozenset({"complaint", "ask_person"})  # what a person may say beside other statements
# a turn that tells about the person or the student, and words that would make it ask something after all
_TELLING = re.compile(
    r"^(?:(?:so|well|ok|and|actually|oh|oops|sorry|wait|no|but) )*(?:my|our|we|were|im|i am|ive|i have|i live|he|hes|she|"
    r"shes|they|theyre)\b"
)
# the words of a turn that only announces a question: the domain's word (synonyms.json makes "certs", "IRCs" and
# "credenciales" "credential"), asking and filler ("question" itself is a stop word)
_ANNOUNCING = frozenset({"credential", "ask", "quick", "stuff", "thing", "something", "few", "couple"})
_ASKS_OF_IT = re.compile(
    r"^(?:is|are|do|does)\b|\b(?:what|whats|how|who|why|where|when|which|tell|explain|means?|meaning)\b"
)
_MOVES_ON = re.compile(r"^(?:what|how) about\b")  # after "ok,": another question, not "yes" to an offer
# where the person is going, not where they are: "we're moving from Illinois to Iowa" (not "... to Ohio from Texas")
_BOUND_FOR = re.compile(
    r"\b(?:mov\w*|relocat\w*|transferr?\w*|going|headed|heading)\b.*\bto (?!(?:"
    + "|".join(name.lower() for name in STATE_NAMES.values())
    + r")\b)"
)
_ASKING_WORDS = frozenset(
    "how what whats who which where when why wat wut hw wondering know tell explain if whether help can could "
    "would should please".split()
)


# Intent -> (what the bot says, whether it suggests questions). "yes" or "no" with nothing asked: acknowledged.
SMALL_TALK = {
    "greeting": ("smalltalk.greeting", True),
    "thanks": ("smalltalk.thanks", False),
    "acknowledge": ("smalltalk.acknowledge", True),
    "goodbye": ("smalltalk.goodbye", False),
    "help": ("smalltalk.help", True),
    "preamble": ("smalltalk.go_ahead", True),  # "hi, I have a question"
    "who_are_you": ("smalltalk.who", False),
    "chitchat": ("smalltalk.chitchat", True),
    "yes": ("smalltalk.acknowledge", True),
    "no": ("smalltalk.acknowledge", True),
}


# Phrases that stay what they are around a credential's name: "thanks for the CNA info", "ok, ServSafe"
PLAIN_SOCIAL = frozenset({"greeting", "thanks", "acknowledge", "goodbye", "yes", "no"})


class TurnReading:
    """Mixed into the Bot, whose attributes these are."""

    catalogue: Catalogue
    credentials: CredentialReplies
    escalating: Escalating
    faq: FaqReplies
    intents: IntentClassifier
    kb: KnowledgeBase
    router: Router
    router_es: Router
    understanding: Understanding

    def message(self, text: str) -> Message:  # the Bot's
        raise NotImplementedError

    def _asides(self, msg: Message, session: Session) -> tuple[Message | None, IntentScore | None, str | None]:
        """The turn's question without its asides: sentences that are only social ("thanks!", "this is
        useless") or only say where the person is ("oh btw we're in Akron."). Returns (the question, or
        None when the turn is all asides; the social intent; the state an aside named)."""
        parts = self.intents.sentences(msg.text)
        if len(parts) < 2:
            social, rest = self.intents.social_prefix(msg.text)  # "thanks and who pays for it"
            if social is None:
                return msg, None, None
            return (self.message(rest), social, None) if rest else (None, social, None)  # "thanks for the CNA info"
        kept, social, stated = [], None, None
        for part in parts:
            piece = self.message(part)
            top = self.intents.best(piece.normalised, ("social",))
            if (
                top is not None
                and top.id in SOCIAL_EDGE
                and (
                    top.score >= self.understanding.edge
                    or top.id == "preamble"
                    and top.score >= self.understanding.intent
                    and self._announces(piece, session)
                )
            ):
                social = top if social is None or social.id == "greeting" else social  # "hi, quick question"
            elif (top is None or top.id not in GRIEVANCES) and self._thanks_for(piece.normalised):
                # "ok thank you for being patient with me, this is a lot"; not "thanks for nothing", a complaint
                social = IntentScore("thanks", "social", 1.0) if social is None or social.id == "greeting" else social
            elif piece.named_state and self._names_state_only(piece, session):
                stated = piece.named_state
                if self._says_who(piece):  # "Parent of a CTE kid in Illinois here.": who asks is part of the question
                    kept.append(part)
            elif only_denies_a_state(part):  # "Illinois, not Ohio"
                continue
            else:
                kept.append(part)
        asks = bool(kept) and self._asks_something(kept, session)
        if len(kept) == len(parts):
            return msg, None, None
        if kept and not stated and not asks and not (social is not None and social.id == "thanks"):
            # "ok so - the same question" is one thought; a complaint in it stays (thanks and what it says: thanks)
            return msg, social if social is not None and social.id == "complaint" else None, None
        if stated:
            session.state = stated
        if not asks:
            # "whatever, we're in Toledo", "switching to Illinois - same question": where, and the topic again
            return None, social, stated
        return self.message(". ".join(kept)), social, stated  # its sentences still apart: the router reads each

    def _thanks_for(self, normalised: str) -> bool:
        """Is the sentence a thanks for something ("ok thank you for being patient with me") and nothing else?"""
        social, rest = self.intents.social_prefix(OPENER.sub("", normalised))
        return social is not None and social.id == "thanks" and not rest

    def _says_who(self, msg: Message) -> bool:
        """Does the turn say who the person or the student is ("parent of a CTE kid", "Ohio mom")?"""
        return any(self.kb.synonyms.apply(w) in WHO for w in content_words(normalise(msg.question)))

    def _asks_something(self, sentences: list[str], session: Session) -> bool:
        """Is there a question in these sentences on their own: a credential's name, a sentence that asks ("who
        issues it?", "r there other food ones", "... We're in Ohio. Do employers require them?"), four words or
        more with a word that asks ("tell me about the seal"), or an FAQ match?"""
        text = " ".join(sentences)
        if any(ASKS.match(self.kb.synonyms.expand(normalise(p))) for p in sentences) or self.catalogue.find_names(text):
            return True
        n = self.kb.synonyms.expand(normalise(text))
        if len(n.split()) >= 4 and (session.language != "en" or _ASKING_WORDS.intersection(n.split())):
            return True  # not "his cousin lives in Chicago and wants one too", which only tells, unless it matches
        router = self._router(session)  # the whole, or one sentence that the others would dilute
        for reading in dict.fromkeys([text, *sentences]):
            if len(content_words(normalise(reading))) < 2 and not is_bare_topic(reading):
                continue  # "his school is there": one word of the domain matched is no question; "and the seal" is
            _, matches = router.matcher.rank(reading, None)
            if matches and matches[0].score >= router.faq.thresholds.clarify:
                return True
        return False

    def _router(self, session: Session) -> Router:
        """The router for the language the person writes: Spanish questions are ranked in Spanish."""
        return self.router_es if session.language == "es" else self.router

    def _where(self, msg: Message, session: Session) -> Reply | None:
        """What the message says about where the person is: sets the state, or asks which state a
        place in both means, or says that another state's rules are not credbot's to answer."""
        places = msg.places
        if places.other_states and not places.states:
            if (
                msg.named_state
                and not self._asks_something([msg.question], session)
                and not _BOUND_FOR.search(msg.normalised)
            ):  # "I live in Indiana but my daughter goes to school across the border in Ohio": where she studies;
                # not "we're moving from Illinois to Iowa"
                return smalltalk.state_set(msg.named_state, session)
            return self.faq.other_state(places.other_states, msg.text, msg.question, session)
        if msg.stated is None and places.ambiguous and session.state is None:
            asked = msg.question if not self._names_state_only(msg, session) else (session.last_question or "")
            return self.faq.ask_state(places.places[0], asked, session)
        if msg.named_state:
            session.state = msg.named_state
        return None

    def _intent(self, msg: Message, session: Session, channel: str, user: dict[str, Any]) -> Reply | None:
        """Small talk, help, a person, "more": when an intent is surer than any answer to a question."""
        shown = session.last_list
        if shown is not None and position_pick(msg.normalised, shown.offset) is not None:
            return None  # "option 2", "the last one": a pick from the list just shown (the router's)
        top = self.intents.best(msg.normalised, ("social", "reply", "off_topic"))
        top = self._grievance(msg, top) or top
        if top is None or top.group == "off_topic" or top.score < self.understanding.intent:
            return None  # off-topic questions are the router's: they may still be about credentials
        if top.id == "complaint" and self._asks_beside(msg, session):
            return None  # "you people never give a straight answer. does it cost my kid anything or not": answer it
        if top.id == "preamble" and top.score < self.understanding.edge and not self._announces(msg, session):
            return None  # "tell me about credentials" asks; only a near-certain "I have a question" announces one
        if top.score < self.understanding.sure_intent:
            if top.id not in PLAIN_SOCIAL and self.catalogue.find_names(msg.question):
                return None  # "what is the MOS certification" is no complaint: a credential's name is content
            as_question = self.intents.best(msg.normalised, ("catalogue",))
            if top.id not in PLAIN_SOCIAL and as_question is not None and as_question.score > top.score:
                return None  # "what are these credentials everyone talks about" asks what the catalogue holds
            _, matches = self._router(session).matcher.rank(msg.question, session.state)
            if matches and matches[0].score + self.understanding.intent_lead > top.score:
                return None  # "what can you tell me about costs" asks the FAQ, not for help
        return self._act(top.id, session)

    def _announces(self, msg: Message, session: Session) -> bool:
        """Does the turn only announce a question ("hello, I have a question about credentials", "got a question
        about IRCs for my daughter"): nothing in it but the domain, who it is for and words of asking?"""
        if _ASKS_OF_IT.search(msg.normalised):
            return False  # "what about credentials?", "could you tell us what a credential is?" ask
        words = self._router(session).matcher.analyse(msg.question).words
        return bool(words) and all(w in _ANNOUNCING or w in WHO for w in words)

    def _asks_beside(self, msg: Message, session: Session) -> bool:
        """Does a turn of several sentences ask something in those that neither complain nor ask for a person
        ("Answer fast, I don't have all day: is a credential going to get my son a job?")?"""
        parts = self.intents.sentences(msg.text)
        if len(parts) < 2:
            return False
        rest = [p for p in parts if self._grievance_in(p) is None]
        return len(rest) < len(parts) and self._asks_something(rest, session)

    def _grievance(self, msg: Message, whole: IntentScore | None) -> IntentScore | None:
        """A complaint or a request for a person in one sentence of a turn of statements ("thanks for nothing,
        that's confusing as hell"), surer than ``whole`` (the turn read whole); None otherwise."""
        parts = self.intents.sentences(msg.text)
        if len(parts) < 2 or "?" in msg.text or any(ASKS.match(normalise(p)) for p in parts):
            return None
        found = [r for r in map(self._grievance_in, parts) if r is not None]
        best = max(found, key=lambda r: r.score, default=None)
        return best if best is not None and (whole is None or best.score > whole.score) else None

    def _grievance_in(self, sentence: str) -> IntentScore | None:
        """The complaint or the request for a person that one sentence is, if it is one."""
        said = self.intents.best(normalise(sentence), ("social",))
        return said if said is not None and said.id in GRIEVANCES and said.score >= self.understanding.intent else None

    def _act(self, kind: str, session: Session) -> Reply | None:
        """What the bot does for an intent it recognised (None for one it leaves to the router)."""
        if kind in SMALL_TALK:
            key, suggest = SMALL_TALK[kind]
            if kind == "goodbye":
                session.pending = None
            extra = {"suggestions": smalltalk.examples(session.state, session.speaks)} if suggest else {}
            return smalltalk.say(key, session, **extra)
        if kind == "ask_person":
            return self.escalating.offer_person(session)
        if kind == "complaint":
            return self.escalating.offer_person(session, apology=True)
        if kind == "more":
            return self.credentials.more(session) or smalltalk.say("smalltalk.nothing_more", session)
        return None

    def _tells_only(self, msg: Message, session: Session) -> bool:
        """Does the turn only tell about the person ("my daughter is a junior near Springfield", "he wants to do
        welding at the career center"): a statement that asks nothing, names no credential and matches no answer?"""
        n = msg.normalised
        if "?" in msg.text or not _TELLING.match(n) or _ASKING_WORDS.intersection(n.split()):
            return False
        if any(ASKS.match(normalise(p)) for p in self.intents.sentences(msg.text)):
            return False  # "... We live in Illinois. Is it worth it for him to earn one": its "?" may be gone
        if self.catalogue.find_names(msg.question):
            return False
        off_topic = self.intents.best(n, ("off_topic",))  # "my son's bus was late again": the school's to hear
        if off_topic is not None and off_topic.score >= self.understanding.intent:
            return False
        router = self._router(session)
        _, matches = router.matcher.rank(msg.question, session.state)
        return not matches or matches[0].score < router.faq.thresholds.answer

    def _names_state_only(self, msg: Message, session: Session) -> bool:
        """Does the turn only say where the person is ("oh, we live in Ohio", "is that the same for
        Illinois?", "what about Decatur?"): nothing in it that the knowledge answers on its own?"""
        if not (msg.named_state or msg.places.states) or self.catalogue.find_names(msg.question):
            return False
        said = [w for w in content_words(normalise(msg.question)) if w not in WHERE_WORDS]
        if not [w for w in said if self.kb.synonyms.apply(w) not in WHO]:  # "what about for a kid in Akron"
            return True  # "Toledo", "out by Joliet", "Akron area", "oh I should mention we live in Youngstown"
        router = self._router(session)  # "y en Illinois quién paga?" asks, in Spanish
        if router.matcher.names_a_topic(msg.question):
            return False  # "Illinois CCRI": the knowledge's word for one topic is what the turn is about
        _, ranked = router.matcher.rank(msg.question)  # place names are no content words: "CCPE illinois"
        only = self.intents.score(normalise(msg.question), "state_only")
        if (
            ranked
            and ranked[0].score >= router.faq.thresholds.sure
            and only < ranked[0].score + self.understanding.state_lead
        ):
            return False  # "CCPE illinois" (0.72 against 0.52) asks; "is it different in Ohio?" (0.94 against 0.46) does not
        return only >= self.understanding.state_only

    def _says(self, text: str, intent: str) -> bool:
        """Does the answer to a yes-or-no question say ``intent`` ("yes" or "no")? Weighed against the opposite
        answer, not against every intent: "ok", "sounds good", "yes I would like that" say yes to an offer; so
        does a short first sentence before a question ("sure, what do you need from me?")."""
        return self._replies(normalise(text), intent) or self._says_first(text, intent)

    def _says_first(self, text: str, intent: str) -> bool:
        """Does a short first sentence say ``intent`` before a question ("sure, what do you need from me?", "no, but
        what about the forklift one?"); not "ok, thanks", which asks nothing after it."""
        parts = self.intents.sentences(text)
        if len(parts) < 2 or len(parts[0].split()) > 3 or not ASKS.match(normalise(parts[1])):
            return False
        if intent == "yes" and _MOVES_ON.match(normalise(parts[1])):
            return False  # "ok, what about Ohio?" moves on
        first = normalise(parts[0])
        top = self.intents.best(first, ("reply", "social"))
        return top is not None and top.id == intent and self._replies(first, intent)  # "sure", not "ok"

    def _plainly_yes(self, normalised: str) -> bool:
        """Is the turn a plain "yes" ("yes please send it"), not "ok": a yes to nothing offered must be one."""
        said = self.intents.best(normalised, ("reply", "social"))
        return said is not None and said.id == "yes" and said.score >= self.understanding.reply

    def _wants_person(self, normalised: str) -> bool:
        """Does the answer to the help desk's offer ask for a person ("ok can you send that to someone", "who can
        I ask then")? Just after the offer, less sure than a request out of the blue must be."""
        asks = self.intents.score(normalised, "ask_person")
        return asks >= self.understanding.person_reply and asks > self.intents.score(normalised, "no")

    def _replies(self, normalised: str, intent: str) -> bool:
        top = self.intents.best(normalised, ("reply", "social"))
        if top is None or top.id not in ({"yes", "acknowledge"} if intent == "yes" else {"no"}):
            return False  # "thanks" or "bye" to an offer is neither
        u = self.understanding
        mine = self.intents.score(normalised, intent)
        other = self.intents.score(normalised, "no" if intent == "yes" else "yes")
        return mine >= u.reply and mine > other or mine >= u.yes_no and mine >= other + u.yes_no_lead
