"""Which knowledge answers a question, decided by what is asked.

- A credential's name makes a question a catalogue question only when the rest of it asks what the
  catalogue holds (what it is, who issues it, its points, field or list; the catalogue intents,
  matched with the name replaced by "it") at least as well as the FAQ answers it. "What do
  plumbers earn?" or "do points from a welding cert and a nursing cert add up?" mention a trade or a
  credential but ask the FAQ, or nobody.
- A follow-up ("who issues it?", "and the other one?", "what was it before?") is ranked on its own
  and together with the conversation's topic; the better-supported reading wins, and a turn that
  clearly matches something new is a new topic.
- A question about what the knowledge does not hold (retakes, expiry, age limits, test sites: the
  "uncovered" examples of knowledge/intents.json, read with a credential's name masked) that is
  closer to those than to any answer gets the honest fallback and the help desk, not a near answer.
- The scope classifier (scope.py, learned from the knowledge) judges whether the turn is for the knowledge
  at all. Sure that it is not, with the FAQ not sure either: the honest fallback, with the help desk for a
  credential question and without it for one for the school. Sure that it is: its probability of each
  entry nudges the FAQ's near ties.
- Otherwise the FAQ decides (answers.py): answer, clarify, or fall back. A question for the
  student's school rather than the state (the bus, lunch, grades) is not offered to the state's
  credentials help desk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from ..catalogue import Catalogue, NameHit
from ..knowledge import Credential, FaqEntry, KnowledgeBase
from ..matching import Match, Matcher
from ..scope import ELSEWHERE, UNCOVERED, Scope, ScopeClassifier
from ..text import STOPWORDS, content_words, normalise, stem
from .answers import FaqReplies, is_bare_topic
from .credentials import CredentialReplies
from .intents import ASKS, IntentClassifier, IntentScore, choice_index
from .message import Message
from .reply import Reply
from .sessions import Session

ASKING_WORDS = frozenset("info information details detail pls please tell explain more about describe thx".split())
# "who awards it | for high schoolers", "what is it | my son keeps talking about"
QUALIFIERS = frozenset(
    {"for", "in", "at", "from", "to", "with", "on", "that", "which", "my", "our", "i", "we", "he", "she"}
)
# what someone has or did: "she just got her driver's license" says she has it, it does not ask what it is
HAS_DONE = re.compile(r"\b(got|gotten|has|had|earned|took|passed|finished|completed|did)\b")
WHOSE = frozenset({"that", "which", "my", "our", "his", "her", "their", "your", "i", "we", "he", "she", "they"})
IDENTITY_ASPECTS = frozenset({"cred_what", "cred_issuer"})  # what a named credential is, who issues it
# a yes-or-no question (after LEAD_WORDS): "is the Ohio driver's license a credential?" asks whether it counts
YES_NO = re.compile(r"^(?:wait |but )?(?:is|are|does|do|would|will|can|could)\b")
LISTING = "list_credentials"  # the catalogue intent that asks for a list
VALIDITY_INTENT = "uncovered_validity"  # knowledge/intents.json: how long a credential stays valid
_OTHER = re.compile(r"\bthe other (\w{3,})\b")  # "the other seal"
QUESTION_WORDS = frozenset({"who", "how", "why", "when", "where", "which"})
PRONOUNS_AS_IT = frozenset({"them", "they", "those", "these", "one", "ones"})
_WHEN = r"(year|week|month|semester|term|fall|spring|summer|winter|weekend|time|morning|afternoon|evening|days)"
PRONOUN = re.compile(
    rf"\b(it|that|this(?! {_WHEN}\b)|they|them|that one|this one|those|these(?! days))\b"
)  # not "this year"
POINTS_TO = re.compile(r"\b(it|that|this|they|them|those|these|lo|los|eso|ese|esa|esto|este)\b")  # "¿quién lo da?"
_THING = "test|exam|cert|certificate|certification"  # what a credential is called when it is not named
THE_THING = re.compile(rf"\bthe (?:{_THING})\b")  # "what does the exam cost?"
_THINGS = rf"(?:{_THING}|credential|license|program)"  # ... and what credentials are called together
_THAT_THING = re.compile(rf"\b(?:that|this|those|these) {_THINGS}s?\b")  # "that test"
# who mentioned the thing asked about says nothing of what is asked: "what's the CCRI my district keeps mentioning?",
# "his teacher keeps talking about the IWIP thing"
_WHO = r"(?:my|our|his|her|their|your|the|this|a)"
_REPORTING = re.compile(
    rf"\b(?:that |which )?(?:{_WHO} (?:(?!{_WHO}\b)[\w']+ ){{0,3}}?|(?:everyone|everybody|people|they|he|she) )"
    r"(?:keeps? |kept |has been |have been |is |was |are |were |always |also |just )?"
    r"(?:mentioning|mentioned|mentions|talking about|talks about|talked about|bringing up|brought up|brings up|"
    r"pushing|pushes|pushed|(?:told|tells|telling) (?:us|me|him|her|them) about|going on about|goes on about)\b",
    re.I,
)
# who is asking says nothing of what: "il mom here why shld my kid get certs" (a parent's question stays one)
_INTRO = re.compile(
    r"^(?:[\w.']+ ){0,3}?(?:mom|mother|dad|father|parent|grandma|grandpa|grandmother|grandfather|guardian|counselor|"
    r"teacher|principal|coordinator|director)s? here\b[\s,.:;!-]*",
    re.I,
)
# a sentence that asks what the thing the sentence before it ends on is: "... she should earn an industry
# credential. what even is that?"
_WHAT_IS_THAT = re.compile(r"^(?:so |ok |and |but )?(?:what|whats)(?: \w+){0,2} (?:that|this|it)\b")
_ENDS_ON_A_THING = re.compile(r"\b(?:an?|the|this|that|these|those) ((?:[\w-]+ ){0,3}[\w-]+)$")
# credentials in general, not the one just shown: "who pays for these tests?", "what do they cost in general?"
_MANY = re.compile(rf"\b(?:these|those|all) {_THINGS}s\b|\bin general\b|\ball (?:of )?(?:these|those|them)\b")
CREDENTIAL_PRONOUN = re.compile(r"\b(one|1|them|these|those)\b")
# a turn's words for a thing it never names: on a page about credentials, credentials
# ("it" unless it only stands for what follows: "how much does it cost to take the ACT?")
IMPLIED = re.compile(  # not "this year", "these days": a time, not the thing asked about
    r"\b(one of (these|those|them)|these things|these(?! days)|those|them|ones"
    rf"|it(?! (costs?|takes?|is|was|be) (\w+ )?to\b)|this(?! {_WHEN}\b))\b"
)
THE_TEST = re.compile(r"\b(the|this|that|his|her|my kid s|the certification) (test|tests|exam|exams)\b")
HAS_ONE = re.compile(
    r"\b(get|gets|getting|earn|earns|earning|has|have|having|do|does|doing|take|takes|taking|need|needs|want|wants) (one|1)\b"
)
_GLUE_WORDS = "ok|okay|k|so|btw|oh|well|um|hey|then|now|thanks|thx|alright|great|cool"
GLUE = re.compile(rf"^(({_GLUE_WORDS})\s+)+")  # before what a turn says: "ok and for ohio students?"
LEAD_WORDS = re.compile(rf"^((also|and|{_GLUE_WORDS})\s+)+")  # glue and joiners, not content
# whether a credential counts, not for how much: "does it count toward graduation?", "will it count for his points?"
COUNTS_TOWARD = re.compile(r"^(?!.*\bhow (?:many|much)\b).*\bcounts? (?:toward|towards|for|to)\b")
# words that colour a question and ask nothing: "who actually gives it out anyway?" asks "who gives it out?"
HEDGES = re.compile(r"\b(?:actually|anyway|anyways|exactly|even|really|just|basically|honestly|though|tho)\s*")
WHAT_ABOUT = re.compile(  # the topic, of another thing: "what about workkeys?", "what does workkeys have to do with it"
    r"^(?:and |so |ok |okay |k |kk )?(?:what|wat|wht|how) (?:about|abt|bout)\b|\bto do with\b|\bfit (?:in|into)\b|\brelate"
    r"|\b(?:piece|part) of (?:that|this|it)\b"  # "what's the WorkKeys piece of that"
)
ELLIPSIS = re.compile(
    r"^(and|or|but|what about|how about|and what about|also|so)\b|\b(other one|the other|before that|before)\b"
)


@dataclass(frozen=True)
class RoutingThresholds:
    aspect: float = 0.62  # a catalogue intent this sure makes a named credential a catalogue question
    aspect_lead: float = 0.0  # ...when it is at least the FAQ's confidence plus this
    sure_aspect: float = 0.8  # ...even when the scope classifier deems the question not for the knowledge
    learned_aspect: float = 0.8  # the scope classifier this sure that the question (name masked) asks a card
    aspect_veto: float = 0.2  # ...and this unsure, while this sure that it asks an FAQ entry: no card
    faq_veto: float = 0.6  # (the entries' summed probability for that veto)
    certain_aspect: float = 0.95  # the classifier this sure that it asks a card: the card, however sure the FAQ
    faq_certain: float = 0.9  # the classifier this sure that a question is for the FAQ: no "knowledge lacks it"
    listing: float = 0.6  # the list intent this sure (with a field, points or issuer) lists credentials...
    listing_lead: float = 0.05  # ...when it beats the FAQ's best answer by this much
    learned_listing: float = 0.6  # ...or the scope classifier this sure that the question asks for a list
    off_topic: float = 0.62  # an off-topic intent this sure, above a doubtful FAQ answer, is a question for
    off_topic_lead: float = 0.25  # someone else; so is one this far above even a confident FAQ answer
    no_signal: float = 0.12  # an unanswered question this far from every answer, with no word of the domain...
    maybe_off_topic: float = 0.45  # ...or this close to the off-topic examples, is not for the help desk
    followup_gain: float = 0.05  # the topic-aware reading must beat the turn alone by this much
    uncovered: float = 0.62  # a question this close to what the knowledge does not hold (retakes, expiry, test
    # sites), and closer to it than to any answer, gets the honest fallback and the help desk, not a near answer
    validity: float = 0.5  # a question this close to how long a credential lasts, of one whose card says: the card
    out_of_scope: float = 0.5  # the scope classifier this sure that a question is not for the knowledge, and the
    # FAQ not sure of an answer: the honest fallback (with the help desk for credential questions) or the school
    out_of_scope_agreed: float = 0.8  # ...this sure when its likeliest entry is the matcher's best answer too
    entry_prior: float = 0.1  # of the scope classifier's probability of an entry, added to its FAQ score
    tie_break: float = 0.7  # the classifier this sure of one of two near-tied answers: that one, no question
    agreed: float = 0.75  # the classifier this sure of the entry the matcher ranks first...
    agreed_floor: float = 0.15  # ...matched at least this well: that answer, however far the wording is


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
        scope: ScopeClassifier | None = None,
    ):
        self.kb, self.matcher, self.catalogue = kb, matcher, catalogue
        self.scope = scope if scope is not None else ScopeClassifier(kb, matcher)
        self.faq, self.credentials, self.intents = faq, credentials, intents
        self.thresholds = thresholds
        words = sorted((normalise(w) for w in kb.domain_words if normalise(w)), key=len, reverse=True)
        self._domain = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b") if words else re.compile(r"(?!)")
        # the credentials an entry's own question names ("Is the Ohio driver's license an industry-recognized credential?")
        self.named_by_entry = {
            e.id: frozenset(h.credential.id for h in catalogue.find_names(e.question)) for e in kb.faq_by_id.values()
        }

    def route(self, message: Message, session: Session, *, topical: bool = True, own_state: bool = False) -> Reply:
        """The reply to a question. ``topical``: a follow-up may be read with the conversation's topic;
        ``own_state``: the question was asked again for another state, whose own entries answer it if
        any can (not the first state's entry, which merely matches the wording better)."""
        text, n = message.question, message.normalised
        t = self.thresholds
        hits = self.catalogue.find_names(text)
        told = " ".join(_REPORTING.sub(" ", _INTRO.sub("", text)).split())  # without who asks, who keeps mentioning it
        parts = self.intents.sentences(told)
        sentences = long_sentences(parts) if not self.labelled(parts) else []
        # matched on its own: a sentence that says something, not one that only points at the others ("..., what
        # is that?"); that one still says what is asked of a credential the others name
        readings = [text] + ([told] if told != text else []) + [p for p in sentences if says_something(p)]
        readings += named_back(parts)
        named_ids = {h.credential.id for h in hits}
        by_entry: dict[str, Match] = {}
        plain: list[Match] = []  # the best ranking of the question as typed (no name generalised)
        for reading in readings:  # a question wrapped in context: its own sentence may match better
            _, ranked = self.matcher.rank(reading, session.state)
            if ranked and (not plain or ranked[0].score > plain[0].score):
                plain = ranked
            # the FAQ reads "do OSHA 10 and forklift points add up?" as "do credential and credential ..."; not a
            # part that only says what someone has ("my daughter has ServSafe": "... has credential" is no question)
            if hits and (reading is text or reading is told or ASKS.match(normalise(reading))):
                _, generic = self.matcher.rank(
                    self.generalise(reading, self.catalogue.mentions(reading)), session.state
                )
                if generic and (not ranked or generic[0].score > ranked[0].score):
                    # an answer about the credential named stays ("does the workkeys test still matter?")
                    ranked = generic + [m for m in ranked if self.named_by_entry[m.id] & named_ids]
            for m in ranked:  # each entry as its best reading supports it
                if m.id not in by_entry or m.score > by_entry[m.id].score:
                    by_entry[m.id] = m
        matches = sorted(by_entry.values(), key=lambda m: -m.score)
        if own_state and session.state:
            mine = [m for m in matches if m.entry.state == session.state]
            if mine and mine[0].score >= self.faq.thresholds.clarify:
                matches = mine
        faq_top = matches[0].score if matches else 0.0
        if faq_top < self.faq.thresholds.sure:  # "what is an IRC supposed to mean?" names no credential
            unknown = self.credentials.unknown_name(text)
            if unknown:
                return self.credentials.not_in_catalogue(unknown, hits, session)
        asking = [r for r in readings if r is text or ASKS.match(normalise(r))]  # not "the emails are a lot"
        uncovered = max(  # a long message: the sentence that asks it
            (self.intents.best(self.mask(r, hits[0]) if hits else normalise(r), ("uncovered",)) for r in asking),
            key=lambda s: s.score if s else 0.0,
        )
        asked_of = hits[0].credential if len(hits) == 1 else None  # the credential a question asks of
        if not hits and session.last_credential_id and (PRONOUN.search(n) or THE_THING.search(n)):
            asked_of = self.kb.credential_by_id[session.last_credential_id]  # "does that one expire?"
        if (
            asked_of is not None
            and uncovered is not None
            and uncovered.id == VALIDITY_INTENT
            and uncovered.score >= t.validity
            and self.credentials.tells_validity(asked_of)
        ):  # what the knowledge mostly does not hold, but this card does: "CompTIA's ... valid for three years"
            return self.credentials.credential(asked_of, n, session, "cred_validity", uncovered.score)
        standalone = self.elsewhere_alone(message, hits)  # "also when is prom this year?": no follow-up
        scope = self.judge_scope(message, session, hits, standalone)
        unboosted = faq_top  # what a catalogue aspect competes with: the FAQ's own reading of the words
        if scope is not None and scope.kind == "faq" and matches and t.entry_prior:
            matches = self.scope_ranked(matches, scope, session.state, hits)
            faq_top = matches[0].score
        unheld = uncovered.score if uncovered is not None and uncovered.score >= t.uncovered else 0.0
        # "how much does the NHA phlebotomy exam cost exactly?": the classifier, reading the name as typed, is sure
        # the knowledge does not hold it, and nothing the card holds reads it
        typed_scope = self.scope.judge(text) if hits and scope is not None else None  # the name as typed
        # how sure the classifier is, reading the name as typed, that the question is the school's (0: it is not)
        typed_elsewhere = typed_scope.elsewhere if typed_scope is not None and typed_scope.kind == ELSEWHERE else 0.0
        if (
            plain
            and typed_scope is not None
            and typed_scope.entry_id == plain[0].id
            and typed_scope.entries[plain[0].id] >= t.agreed
            and self.entry_names(plain[0], hits[0])
        ):
            # "does the workkeys test still matter for graduating": read with "credential" for the name, the question
            # is the rule on graduation; as typed, both signals say the answer about WorkKeys itself
            matches = self.lifted(matches, {plain[0].id: typed_scope.entries[plain[0].id]})
            faq_top = matches[0].score
        if (
            len(hits) == 1
            and typed_scope is not None
            and typed_scope.kind == UNCOVERED
            and typed_scope.uncovered >= t.faq_certain
        ):
            card = self.catalogue_aspect(text, hits[0])
            if card is None or card.score < t.aspect:
                unheld = max(unheld, typed_scope.uncovered)
        if not hits and scope is not None and scope.kind == "faq" and scope.faq >= t.faq_certain:
            # "how does a credential get put on the state's list?" is the FAQ's, however near an example of what it
            # lacks; not so "how much is the fee for the NIMS exam?", which the FAQ answers of credentials in general
            unheld = 0.0
        # not for the knowledge, unless the classifier's likeliest entry is the matcher's best too
        beyond = faq_top < self.faq.thresholds.sure and self.beyond_knowledge(scope, matches)
        if hits:
            # a sentence of a long message that neither names the credential nor points to it ("what should I
            # know?") asks nothing of it; "..., what is it exactly?" does
            named = [
                r for r in [text, *sentences] if r is text or POINTS_TO.search(normalise(r)) or self.names(r, hits[0])
            ]
            aspects = [self.catalogue_aspect(reading, hits[0], whole=reading is text) for reading in named]
            aspect = max((a for a in aspects if a is not None), key=lambda a: a.score, default=None)
            learned = self.scope.judge(self.mask(text, hits[0]))  # the classifier on "who decided what it's worth?"
            if learned is not None and learned.catalogue:
                best, asks_card = learned.card
                # what a named credential is competes with the question as typed, not with "what is credential"
                against = (plain[0].score if plain else 0.0) if best in IDENTITY_ASPECTS else unboosted
                doubtful = against < self.faq.thresholds.sure and (aspect is None or aspect.score < t.aspect)
                weak = aspect is None or aspect.score < t.aspect
                typed_weak = not plain or plain[0].score < self.faq.thresholds.answer  # sure only as "credential"
                # "how much do welders make?" masked reads like "how much is it worth?", but as typed it is
                # surely the school's and no card's words are in it
                if (
                    asks_card >= t.learned_aspect
                    and not (typed_elsewhere >= t.faq_certain and weak)
                    and (doubtful or asks_card >= t.certain_aspect and weak and typed_weak)
                ):
                    # "Illinois CNA - who is that through?": only read as "credential" is it an FAQ about who issues what
                    # "is the adobe certified professional an arts credential": nearer the card's kinds than any example
                    aspect = IntentScore(best, "catalogue", asks_card) if best and best != LISTING else aspect
                elif (
                    (
                        asks_card < t.aspect_veto
                        and sum(learned.entries.values()) >= t.faq_veto
                        or self.surely_other_answer(typed_scope, hits[0])
                    )
                    and (aspects[0] is None or aspects[0].score < t.certain_aspect)  # "what is it | my daughter got"
                ):
                    # "who decided what the EMT cert is worth in points?" asks the FAQ; so does "could my kid stack
                    # an OSHA 10 card, ServSafe and an IT cert to make 12 points?", whose names masked read oddly
                    aspect = None
            if aspect is not None and aspect.id == "cred_points" and COUNTS_TOWARD.search(n):
                aspect = None  # "does the EMT cert count toward graduation?" asks the rule, not the card's points
            # "What is CompTIA A+?" read as "what is credential" matches the FAQ's definition: what a named
            # credential is, or who issues it, competes only with the question as typed.
            rival = (plain[0].score if plain else 0.0) if aspect and aspect.id in IDENTITY_ASPECTS else unboosted
            topical_name = bool(session.last_faq_id and WHAT_ABOUT.search(n))  # "what about workkeys" after the points
            # a yes-or-no question, or a sentence of the message that is one ("she just got her driver's license,
            # does that count for anything?")
            yes_no = any(YES_NO.match(LEAD_WORDS.sub("", normalise(p))) for p in (n, *parts))
            if (
                aspect is not None
                and (aspect.id not in IDENTITY_ASPECTS or topical_name or yes_no)
                and plain
                and self.entry_names(plain[0], hits[0], loosely=topical_name)  # "what about the workkeys part"
            ):
                # "does a driver's license count?", "is a driver's license worth any points?": the answer about this
                # very one knows more than its card (what it is and who issues it are the card's)
                if topical_name:  # the topic asked of this credential: its answer, however the words match
                    return self.faq.answer_entry(plain[0].entry, text, session, confidence=plain[0].score)
                aspect, matches = None, plain
                faq_top = plain[0].score
            if (
                aspect is not None
                and aspect.score >= t.aspect
                and aspect.score >= rival + t.aspect_lead
                and aspect.score >= unheld  # "is the MOS exam timed?" asks what no card holds
                and (not beyond or aspect.score >= t.sure_aspect)  # "where does she sit the ServSafe exam?"
            ):
                confidence = hits[0].score / 100 * aspect.score
                if len(hits) > 1:
                    return self.credentials.choices(hits, text, session, confidence)
                return self.credentials.credential(hits[0].credential, n, session, aspect.id, confidence)
        other = self.other_entry(n, session) if not hits else None
        if other is not None:  # "no wait, the other seal" after the OhioMeansJobs seal
            return self.faq.answer_entry(other, text, session, confidence=self.faq.thresholds.answer)
        listed = self.pick_from_list(n, session) or self.pick_sibling(n, session, hits)
        if listed is not None:
            return self.credentials.credential(listed, n, session, None, 0.8)
        if session.last_credential_id and not hits:
            # "who hands that one out?", "how many points is it worth?" (the credential stays the topic of
            # "it" after an FAQ answer), "which career field?" (right after the credential)
            aspect = self.followup_aspect(n)
            pronoun = bool(PRONOUN.search(n))
            just_shown = not session.last_faq_id and len(n.split()) <= 5
            floor = t.aspect if pronoun else max(t.aspect, unboosted)
            if (
                not (_MANY.search(n) and faq_top >= self.faq.thresholds.answer)
                and aspect is not None
                and aspect.id.startswith("cred_")
                and (pronoun or just_shown)
                and aspect.score >= floor
            ):
                cred = self.kb.credential_by_id[session.last_credential_id]
                return self.credentials.credential(cred, n, session, aspect.id, aspect.score)
        list_query = self.catalogue.parse_list_query(text, session.state)
        if list_query is not None:
            listing = self.intents.score(n, LISTING)
            wants_list = scope.catalogue.get(LISTING, 0.0) if scope is not None else 0.0  # "list the welding certs pls"
            # "can he mix credentials from different areas to get to 12 points": the classifier is sure of an answer
            # and sure that no list is asked
            answered = scope is not None and wants_list < t.aspect_veto and scope.top_entry[1] >= t.faq_certain
            if (
                listing >= max(t.listing, unboosted + t.listing_lead)
                and not answered
                or wants_list >= t.learned_listing
            ):
                return self.credentials.listing(list_query, session, max(listing, wants_list))
        own_top = faq_top  # the turn on its own: the topic cannot make "and what's the weather?" a follow-up
        if topical and not standalone:
            matches = self.with_topic(message, session, matches)
            faq_top = matches[0].score if matches else 0.0
        if not hits and faq_top < self.faq.thresholds.sure and not session.last_credential_id:
            implied = self.implied(n, session.state)  # "how much is this going to cost us?"
            if implied is not None:
                return self.faq.faq(text, implied, session)
        typed_top = plain[0].score if plain else 0.0  # the question as typed, no name read as "credential"
        if hits and plain and self.entry_names(plain[0], hits[0]):
            unheld = 0.0  # "what WorkKeys score is needed?": an answer about this very credential holds it
        if unheld > faq_top or (hits or asked_of is not None) and unheld > typed_top:
            # "how much is the fee for the NIMS exam?": read as "credential" it asks what credentials cost; of this
            # one, an amount the knowledge does not hold
            return self.faq.fallback(text, matches, session)
        if hits and not beyond and scope is not None and typed_top < self.faq.thresholds.sure:
            # "how much do welders make?": read as "credential", the question matched; as typed, about people
            # with a trade, it matches nothing sure and the classifier says it is not for the knowledge (or, if
            # "how much" matches what credentials cost, for someone else's)
            weakly = typed_top < self.faq.thresholds.answer
            if (weakly or typed_elsewhere > 0) and self.beyond_knowledge(typed_scope, plain):
                beyond, scope, faq_top = True, typed_scope, typed_top
        if beyond and scope is not None and faq_top < self.faq.thresholds.sure:
            if scope.kind == UNCOVERED:
                return self.faq.fallback(text, matches, session)
            return self.faq.elsewhere(text, matches, session, of_credentials=bool(hits) or self.about_credentials(n))
        off_topic = self.intents.best(LEAD_WORDS.sub("", n) or n, ("off_topic",))  # "ok also whats the weather"
        # "what GPA does that need?" right after the CCRI: asked of the answer just given, which it matches alone
        asks_of_last = bool(
            PRONOUN.search(n)
            and matches
            and matches[0].id == session.last_faq_id
            and own_top >= self.faq.thresholds.answer
        )
        if (
            not asks_of_last
            and off_topic is not None
            and off_topic.score >= t.off_topic
            and (
                own_top < self.faq.thresholds.answer
                and off_topic.score > own_top
                or off_topic.score >= own_top + t.off_topic_lead
            )
            and not hits
        ):
            return self.faq.elsewhere(text, matches, session)
        about = bool(hits) or self.about_credentials(n) or self.about_credentials(self.matcher.analyse(text).corrected)
        opening = len(session.history) <= 1  # the person's first message (this one is remembered already)
        if (
            not about
            and opening
            and self.faq.thresholds.answer <= faq_top < self.faq.thresholds.sure
            and not is_bare_topic(text)  # "the list" on a page about credentials: which list is the question
        ):
            # "is there a fee for the SAT?", "where is the list of approved vaccines?": an opening question
            # that never speaks of credentials needs a sure answer; a weak one is for someone else
            return self.faq.elsewhere(text, matches, session)
        agreed = self.agreed(matches, scope) if about or not opening else None
        if agreed is not None:  # "can a senior just do a program for this in 12th grade?": both signals say the same
            matches = [agreed] + matches[1:]
        reply = self.faq.faq(text, matches, session)
        # "what PSAT score does she need?": unsure, but likelier the school's
        weak = (
            faq_top < t.no_signal
            or (off_topic is not None and off_topic.score >= t.maybe_off_topic)
            or (scope is not None and scope.kind == ELSEWHERE)
        )
        if reply.kind == "fallback" and not hits and weak and not about:
            return self.faq.elsewhere(text, matches, session)  # the help desk is for credential questions
        return reply

    def sentences(self, text: str) -> list[str]:
        """The sentences of a message of several that are long enough to be read on their own (three words)."""
        return long_sentences(self.intents.sentences(text))

    def labelled(self, parts: list[str]) -> bool:
        """Is a short part of a message of several the topic's acronym ("Illinois CCRI - where do credentials
        fit?")? Then the other sentences lean on it, and none is read without it."""
        return len(parts) > 1 and any(len(p.split()) < 3 and self.matcher.names_a_topic(p) for p in parts)

    def surely_other_answer(self, scope: Scope | None, hit: NameHit) -> bool:
        """Is the classifier sure of one FAQ entry, not one about the credential named, and sure that nothing of a
        card is asked? (An answer about the credential itself is weighed against its card later: entry_names.)"""
        t = self.thresholds
        if scope is None or scope.card[1] >= t.aspect_veto:
            return False
        entry, p = scope.top_entry
        return entry is not None and p >= t.faq_certain and hit.credential.id not in self.named_by_entry[entry]

    def elsewhere_alone(self, message: Message, hits: tuple[NameHit, ...]) -> bool:
        """Is the turn, a question of its own (five words or more) read alone, surely one for someone else,
        pointing back at nothing ("also when is prom this year?")? Then the conversation's topic does not make
        it a follow-up: read with the topic's question, any turn matches the topic's answer."""
        if not self.scope.enabled or PRONOUN.search(message.normalised) or len(message.normalised.split()) < 5:
            return False  # "school pays??", "and for juniors?": too short to say on their own what they ask
        text = message.question
        alone = self.scope.judge(self.generalise(text, self.catalogue.mentions(text)) if hits else text)
        return alone is not None and alone.kind == ELSEWHERE and 1 - alone.faq >= self.thresholds.faq_certain

    def judge_scope(
        self, message: Message, session: Session, hits: tuple[NameHit, ...], standalone: bool = False
    ) -> Scope | None:
        """The scope classifier's verdict on the turn (None without the sentence model). A credential's name is
        read as "credential"; a follow-up ("who pays for it?") is read with the conversation's topic too, and
        the reading likelier for the knowledge is the verdict; so is, in a long message, the sentence that asks."""
        if not self.scope.enabled:
            return None
        text = message.question
        readings = [self.generalise(text, self.catalogue.mentions(text)) if hits else text]
        if session.last_question and follows_up(message.normalised) and not standalone:
            readings.append(f"{session.last_question} {readings[0]}")
        parts = self.intents.sentences(text)
        if len(parts) > 1 and not self.labelled(parts):  # a story around the question: the sentence that asks, alone
            readings += [p for p in parts if ASKS.match(normalise(p)) and len(content_words(normalise(p))) >= 2]
        verdicts = [v for v in (self.scope.judge(r) for r in readings) if v is not None]
        return max(verdicts, key=lambda v: v.faq, default=None)

    def beyond_knowledge(self, scope: Scope | None, matches: list[Match]) -> bool:
        """Is the classifier sure enough that a question is not for the knowledge: sure, and its likeliest entry
        not the matcher's best, or surer still?"""
        if scope is None or scope.kind == "faq":
            return False
        t, outside = self.thresholds, max(scope.uncovered, scope.elsewhere)
        return outside >= t.out_of_scope and (
            not matches or matches[0].id != scope.entry_id or outside >= t.out_of_scope_agreed
        )

    def scope_ranked(
        self, matches: list[Match], scope: Scope, state: str | None, hits: tuple[NameHit, ...] = ()
    ) -> list[Match]:
        """The matcher's candidates with the classifier's probability of each added (``entry_prior`` of it):
        the classifier, trained on every phrasing of every entry, knows paraphrases no single phrasing is
        near ("why are schools pushing credentials so much?" -> why students should earn them). The
        classifier does not know the person's state: in a known state, only that state's entries gain, each by
        its topic's probability (its own and its counterpart's, topic_probability). An entry about one credential
        gains nothing when the question names others and not it ("her cosmetology license" is no driver's license)."""
        entries = (
            {k: self.topic_probability(k, scope) for k in scope.entries if self.kb.faq_by_id[k].state == state}
            if state
            else dict(scope.entries)
        )
        named = {h.credential.id for h in hits}
        if named:
            entries = {k: p for k, p in entries.items() if not self.named_by_entry[k] or self.named_by_entry[k] & named}
        boosted = self.lifted(matches, entries)
        if len(boosted) >= 2 and boosted[0].score - boosted[1].score < self.faq.thresholds.margin:
            # a near tie the classifier is sure of: its entry, not a question which
            sure = [m for m in boosted[:2] if entries.get(m.id, 0.0) >= self.thresholds.tie_break]
            if sure and sure[0].score >= self.faq.thresholds.answer:
                other = boosted[1] if sure[0] is boosted[0] else boosted[0]
                lifted = replace(sure[0], score=min(1.0, other.score + self.faq.thresholds.margin))
                boosted = [lifted, other] + boosted[2:]
        return boosted

    def topic_probability(self, entry_id: str, scope: Scope) -> float:
        """The classifier's probability of an entry's topic: the entry's and its other state's counterpart's (the
        classifier reads the words, not the state: "why would an employer care?" is the same question in both)."""
        counterpart = self.kb.faq_by_id[entry_id].counterpart
        return scope.entries.get(entry_id, 0.0) + (scope.entries.get(counterpart, 0.0) if counterpart else 0.0)

    def agreed(self, matches: list[Match], scope: Scope | None) -> Match | None:
        """The matcher's best answer, lifted to at least the answer threshold, when the scope classifier is sure of
        its topic (topic_probability): two signals of different kinds agree on a paraphrase worded far from
        every phrasing. None when they do not, or the match is too weak."""
        t = self.thresholds
        if scope is None or scope.kind != "faq" or not matches or matches[0].score < t.agreed_floor:
            return None
        top = matches[0]
        if self.topic_probability(top.id, scope) < t.agreed:
            return None
        return replace(top, score=max(top.score, self.faq.thresholds.answer))

    def implied(self, normalised: str, state: str | None) -> list[Match] | None:
        """A turn that says "these", "it", "one of them" or "the test" for what it asks about ("is it worth her time
        to do one of these?", "who pays for the test?"), read with "credential" for them (on a page about
        credentials, that is what they are): the ranking of that reading when the matcher and the classifier
        agree on its answer, else None."""
        resolved = IMPLIED.sub("credential", HAS_ONE.sub(r"\1 credential", normalised))
        resolved = THE_TEST.sub(r"the credential \2", resolved)  # "who pays for the test?"
        if resolved == normalised:
            return None
        _, ranked = self.matcher.rank(resolved, state)
        agreed = self.agreed(ranked, self.scope.judge(resolved))
        return [agreed] + ranked[1:] if agreed is not None else None

    def names(self, text: str, hit: NameHit) -> bool:
        """Does ``text`` name the credential of ``hit``?"""
        return any(h.credential.id == hit.credential.id for h in self.catalogue.find_names(text))

    def about_credentials(self, normalised: str) -> bool:
        """Does the question speak of credentials at all (a word of knowledge/intents.json's domain_words)?"""
        return bool(self._domain.search(normalised))

    def lifted(self, matches: list[Match], probabilities: Mapping[str, float]) -> list[Match]:
        """The matches, best first, each with ``entry_prior`` of its probability (by entry id) added; a match too weak
        to ask about stays as it is: no lift out of the fallback."""
        prior, floor = self.thresholds.entry_prior, self.faq.thresholds.clarify
        boosted = [
            replace(m, score=min(1.0, m.score + prior * probabilities.get(m.id, 0.0))) if m.score >= floor else m
            for m in matches
        ]
        boosted.sort(key=lambda m: -m.score)
        return boosted

    def entry_names(self, match: Match, hit: NameHit, loosely: bool = False) -> bool:
        """Is ``match`` a fitting FAQ answer whose own question names the credential ("Does a driver's license
        count as a credential?")? Such an answer knows more than the catalogue's card. ``loosely``: fitting
        enough to be asked which (the turn asks the topic of it)."""
        t = self.faq.thresholds
        if match.score < (t.clarify if loosely else t.answer):
            return False
        return self.names(match.entry.question, hit)

    def pick_from_list(self, n: str, session: Session) -> Credential | None:
        """ "cybersecurity", "the 10 hour": one of the credentials the bot just listed, by words of its name, or of
        its career field and description."""
        if session.last_list is None or len(n.split()) > 5:
            return None
        creds = [self.kb.credential_by_id[i] for i in session.last_list.ids[: session.last_list.offset]]
        index = choice_index(n, [c.name for c in creds])
        if index is None:  # "the manufacturing one", "the blood draw one": words of what each one is
            index = choice_index(n, [" ".join([c.name, *c.career_fields, c.description or ""]) for c in creds])
        return creds[index] if index is not None else None

    def other_entry(self, n: str, session: Session) -> FaqEntry | None:
        """ "the other seal" right after an answer about a seal: the one other answer of that state whose
        question says that word, if there is exactly one."""
        found = _OTHER.search(n)
        last = self.kb.faq_by_id.get(session.last_faq_id or "")
        if found is None or last is None or len(n.split()) > 8:  # "and the other seal, the credential one?"
            return None
        word = stem(found.group(1))
        if word not in {stem(w) for w in normalise(last.question).split()}:
            return None
        others = [
            e
            for e in self.kb.faq
            if e.id != last.id and e.state == last.state and word in {stem(w) for w in normalise(e.question).split()}
        ]
        return others[0] if len(others) == 1 else None

    def pick_sibling(self, n: str, session: Session, hits: tuple[NameHit, ...]) -> Credential | None:
        """ "and the other one, the 30 hour?" right after OSHA 10-Hour: another credential of the same brand,
        by words of its name that the turn says."""
        if hits or session.last_credential_id is None or len(n.split()) > 10:
            return None
        siblings = self.catalogue.siblings(self.kb.credential_by_id[session.last_credential_id])
        named = [w for w in n.split() if w not in STOPWORDS and w not in {"other", "one", "and", "what", "about"}]
        if not siblings or not named:
            return None
        index = choice_index(" ".join(named), [c.name for c in siblings])
        return siblings[index] if index is not None else None

    def followup_aspect(self, n: str) -> IntentScore | None:
        """What a turn asks of the credential just discussed ("is that one on ohio's list?", "n how many pts"):
        the catalogue intents with its pronouns read as "it", or the scope classifier when it is surer."""
        n = HEDGES.sub("", _THAT_THING.sub("it", n)).strip()  # "who runs that test?" -> "who runs it?"
        as_it = " ".join("it" if w in PRONOUNS_AS_IT or w in ("that", "this") else w for w in n.split())
        as_it = re.sub(r"\bit it\b", "it", as_it)  # "that one" -> "it"
        best = self.intents.best(self.kb.synonyms.expand(as_it), ("catalogue",))
        learned = self.scope.judge(as_it)
        kind, asks_card = learned.card if learned is not None else (None, 0.0)
        if (
            kind
            and kind != LISTING
            and asks_card >= self.thresholds.learned_aspect
            and (best is None or best.score < asks_card)
        ):
            return IntentScore(kind, "catalogue", asks_card)
        return best

    def catalogue_aspect(self, text: str, hit: NameHit, whole: bool = True) -> IntentScore | None:
        """What a question naming a credential asks of it: the catalogue intents, read with the name
        replaced by "it" ("who hands ServSafe out?" -> "who hands it out?"). The name alone is "what is it";
        not so a part of a longer message ("if he has OSHA 10 and forklift, do the points add up?": the part
        says what he has, the rest asks)."""
        masked = HEDGES.sub("", self.kb.synonyms.expand(self.mask(text, hit))).strip()  # "wats it" -> "what it"
        rest = [w for w in masked.split() if w != "it" and w not in STOPWORDS and w not in ASKING_WORDS]
        if not rest and not HAS_DONE.search(masked):
            return IntentScore("cred_what", "catalogue", 1.0)
        words = masked.split()
        # "who awards it for high school students": the clause that ends with the name says what is asked; so
        # does "what is it | my son got in his it class" (the name's own words, "construction", masked too: the
        # first name, then a clause about whose it is)
        ends = [len(words) - words[::-1].index("it"), words.index("it") + 1] if "it" in words else []
        clauses = [
            words[:end]
            for i, end in enumerate(ends)
            if 3 <= end < len(words) and words[end] in (QUALIFIERS if i == 0 else WHOSE)
        ]
        readings = [masked] + [" ".join(clause) for clause in clauses]
        scored = [s for s in (self.intents.best(r, ("catalogue",)) for r in readings) if s is not None]
        best = max(scored, key=lambda s: s.score, default=None)
        # "SENSE level 1 welding": more of the name; "the phlebotomy CPT from NHA", "the Illinois CNA through IDPH?":
        # the name and who issues it ("from", "through" are stopwords, not in ``rest``)
        told = self.catalogue.told_by(hit.credential)
        naming = all(w in self.catalogue.vocabulary or w in told for w in rest)
        if naming and whole and (best is None or best.score < self.thresholds.aspect):
            return IntentScore("cred_what", "catalogue", self.thresholds.aspect)  # "EKG tech cert?": the name asks
        return best

    def generalise(self, text: str, hits: tuple[NameHit, ...]) -> str:
        """The question with each credential it names replaced by the word "credential"."""
        words = normalise(text).split()
        for hit in hits:
            found = _closest_run(words, hit.matched)
            if found is not None:
                start, width = found
                words = words[:start] + ["credential"] + words[start + width :]
        return " ".join(words)

    def mask(self, text: str, hit: NameHit) -> str:
        """The question in the catalogue's words (no articles, no "certification"), with the credential's
        name replaced by "it": the closest run of words to the name found (typos and all), and any other
        word of its name or aliases ("PTCB pharmacy tech" -> "it"). "Them" and "they" become "it" too."""
        words = self.catalogue.key(text).split()
        found = _closest_run(words, hit.matched)
        if found is not None:
            start, width = found
            words = words[:start] + ["it"] + words[start + width :]
        own = self.catalogue.words_of(hit.credential)
        out: list[str] = []
        for word in words:
            if (
                word in PRONOUNS_AS_IT
                or word not in STOPWORDS
                and (word in own or len(word) >= 3 and any(o.startswith(word) for o in own))
            ):
                word = "it"
            if word != "it" or not out or out[-1] != "it":
                out.append(word)
        return " ".join(out)

    def with_topic(self, message: Message, session: Session, matches: list[Match]) -> list[Match]:
        """A follow-up read against the conversation's topic: the turn alone, and the topic's question
        with the turn; the better-supported reading wins. A turn that matches well alone is a new topic."""
        topic = session.last_question
        if not topic or not matches and not message.normalised:
            return matches
        alone = matches[0].score if matches else 0.0
        if alone >= self.faq.thresholds.answer:
            return matches
        # "is he going to need one to get hired?": in a conversation about credentials, "one" is a credential
        resolved = CREDENTIAL_PRONOUN.sub("a credential", message.normalised)
        if resolved != message.normalised:
            _, ranked = self.matcher.rank(resolved, session.state)
            if ranked and ranked[0].score >= max(alone + self.thresholds.followup_gain, self.faq.thresholds.answer):
                return ranked
        if not follows_up(message.normalised):
            return matches
        _, together = self.matcher.rank(f"{topic} {message.question}", session.state)
        if matches and alone >= self.faq.thresholds.clarify and matches[0].id != session.last_faq_id:
            # something new, if not surely: a new topic (the FAQ may ask which), unless the topic supports
            # that very answer ("back to Illinois, who decides the price there" after the costs in Ohio)
            agrees = together and together[0].id == matches[0].id and together[0].score > alone
            # ... or the turn points at the topic and, read with it, surely asks the topic again ("has that changed
            # for the class of 2025?" after the WorkKeys score: alone it leans to the graduation points)
            pointed = (
                PRONOUN.search(message.normalised)
                and together
                and together[0].id == session.last_faq_id
                and together[0].score >= self.faq.thresholds.sure
            )
            return together if agrees or pointed else matches
        if together and together[0].score >= max(alone + self.thresholds.followup_gain, self.faq.thresholds.clarify):
            return together
        return matches


def long_sentences(parts: list[str]) -> list[str]:
    """Of a message's sentences (several), those long enough to be read on their own: three words."""
    return [p for p in parts if len(p.split()) >= 3] if len(parts) > 1 else []


def named_back(parts: list[str]) -> list[str]:
    """A "what is that?" sentence with the thing the sentence before it ends on in place of "that" ("now her school
    says she should earn an industry credential. what even is that" -> "what even is industry credential")."""
    out = []
    for before, part in zip(parts, parts[1:]):
        n = normalise(part)
        thing = _ENDS_ON_A_THING.search(normalise(before))
        if thing and _WHAT_IS_THAT.match(n):
            out.append(re.sub(r"\b(?:that|this|it)\b", thing.group(1), n, count=1))
    return out


def says_something(text: str) -> bool:
    """Has ``text`` a word of content besides question words ("what is that", "what does it mean" have none)?"""
    return any(w not in QUESTION_WORDS for w in content_words(normalise(text)))


def follows_up(normalised: str) -> bool:
    """Could the turn lean on the conversation's topic ("and the other one?", "who pays for it?", "in ohio")?"""
    return bool(ELLIPSIS.search(normalised) or PRONOUN.search(normalised) or len(normalised.split()) <= 4)


def _closest_run(words: list[str], name: str) -> tuple[int, int] | None:
    """(start, width) of the run of words closest to ``name`` (one word more or fewer allowed)."""
    size = len(name.split())
    best: tuple[float, int, int] | None = None
    for width in range(max(1, size - 1), size + 2):
        for start in range(0, len(words) - width + 1):
            score = fuzz.ratio(" ".join(words[start : start + width]), name)
            if best is None or score > best[0]:
                best = (score, start, width)
    return None if best is None or best[0] < 60 else (best[1], best[2])
