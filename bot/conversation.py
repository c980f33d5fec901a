"""The conversation layer: one entry point for every channel.

``Bot.handle(message, session_key, state=..., channel=..., user=...)`` remembers the
conversation (state, last topic, last list, pending offers), understands small talk and
follow-ups, routes questions to the FAQ matcher or the credentials catalogue, and returns
one Reply. Channels only turn their input into a message and render the Reply.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from .catalogue import Catalogue, ListQuery
from .escalation.mail import is_email
from .knowledge import Credential, FaqEntry, KnowledgeBase
from .matching import Match, Matcher
from .reply import Choice, Reply
from .sessions import Session, SessionStore
from .text import PLACE_WORDS, STATE_NAMES, STOPWORDS, content_words, detect_state, normalise, state_code

PAGE_SIZE = 8


def _intent(pattern: str) -> re.Pattern:
    return re.compile(r"^(?:" + pattern + r")$")


GREETING = _intent(r"(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|greetings)( there)?( bot)?")
THANKS = _intent(r"(thanks?|thank you|thx|ty|cheers|great thanks|ok thanks|thanks a lot|thank you so much|much appreciated)( so much)?( for (the|your) help)?")
BYE = _intent(r"(bye|goodbye|good bye|see you|see ya|that s all|thats all|done|nothing else)( for now)?( thanks?)?")
HELP = _intent(r"(help|menu|what can you do|what do you know|what can i ask|how does this work|options|commands)")
WHO = _intent(r"(who are you|what are you|are you a (bot|robot|human|person|real person)|who is this|what is this)")
HUMAN = re.compile(r"\b(talk|speak|chat|connect me) (to|with) (a |an |the )?(human|person|someone|somebody|agent|staff|real person|help desk)\b"
                   r"|\b(human|agent|help desk|helpdesk|contact support|real person|escalate)\b")
YES = _intent(r"(yes|yeah|yep|yup|sure|ok|okay|please|yes please|please do|do it|send it|yes send it|go ahead|y)")
NO = _intent(r"(no|nope|nah|no thanks|no thank you|not now|cancel|never mind|nevermind|n)")
MORE = _intent(r"(more|show more|next|next page|see more|and more|keep going|the rest|show me more|more please)")
STATE_ONLY = _intent(r"((i|we|i m|im|we re|were|i am|we are|i live|we live|i work|we work) (in|from) )?(the state of )?"
                     r"(ohio|illinois|oh|il)")
WHAT_ABOUT = re.compile(r"^(what|how) about (in )?|^and (in )?|^(same|what) for (in )?|^in ")
ORDINALS = {"1": 0, "first": 0, "one": 0, "2": 1, "second": 1, "two": 1, "3": 2, "third": 2, "three": 2}
ASPECT_POINTS = re.compile(r"\bpoints?\b|\bworth\b")
ASKS_POINTS = re.compile(r"\bhow many points\b|\bpoints? (is|are) .*\bworth\b|\bpoint value\b|\bworth in ohio\b")
ASPECT_ISSUER = re.compile(r"\b(who|which (organization|company))\b.*\b(issue[sd]?|offer[sd]?|award[sd]?|give[sn]?|run[s]?|grant[s]?|provide[sd]?)\b|\bissuer\b")
ASPECT_LIST = re.compile(r"\bon (the |ohio s |illinois s |ohio |illinois |state |isbe )*list\b|\bapproved\b|\bcount[s]? in\b")
GENERIC_NAME_WORDS = frozenset("""industry recognized credential certified certification certificate cert license
irc this that it they one state list new""".split())
PRONOUN = re.compile(r"\b(it|that|this|they|them|that one|this one)\b")
PLURAL_KIND = re.compile(r"\b(credentials|certifications|certs|certificates|licenses)\b")
LIST_WORDS = re.compile(r"\b(show|which|are there|options|available|what credentials|what certifications)\b"
                        r"|\blist (of|all)\b|^list\b")
CREDENTIAL_WORDS = re.compile(r"\b(credential|certification|certificate|cert|license|licence|exam|points?|issues?|offers?)\b")
TRAILING_KIND = re.compile(r"(\s*\b(credential|certification|certificate|cert|license|licence|exam)s?)+$")
NAMED_THING = re.compile(r"^(what is|what s|whats|what(?= (an?|the) )|tell me about|who issues|who offers|who awards|who gives|how many points is|"
                         r"how many points are|is)"
                         r" (an? |the )?(?P<name>.+?)( worth.*| on (the|ohio s|illinois s) .*)?$")


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.30     # at or above: answer
    clarify: float = 0.27    # between clarify and answer (or two close answers): ask which
    margin: float = 0.02     # two matches closer than this are "close"...
    sure: float = 0.45       # ...unless the best is at least this confident
    twin: float = 0.75       # unknown state: the other state's answer within this share of the best is shown too


class Bot:
    def __init__(self, kb: KnowledgeBase, matcher: Matcher, sessions: SessionStore,
                 thresholds: Thresholds = Thresholds(), help_emails: dict | None = None,
                 escalations=None, recorder=None, semantic_status: str = "", today=dt.date.today):
        self.kb = kb
        self.matcher = matcher
        self.catalogue = Catalogue(kb)
        self.unknown_credential_name = functools.lru_cache(maxsize=4096)(self._unknown_credential_name)
        self.sessions = sessions
        self.thresholds = thresholds
        self.help_emails = {"OH": "industrycredentials@education.ohio.gov", "IL": "cte@isbe.net",
                            None: "industrycredentials@education.ohio.gov", **(help_emails or {})}
        self.escalations = escalations   # an EscalationService, or None (CLI without a database)
        self.recorder = recorder         # records unanswered questions, or None
        self.semantic_status = semantic_status
        self.today = today               # for the staleness guard of supplementary entries

    # ---- entry points ------------------------------------------------------------------
    def handle(self, message: str, session_key: str, *, state: str | None = None,
               channel: str = "cli", user: dict | None = None) -> Reply:
        session = self.sessions.get(session_key)
        if state and not session.state:
            session.state = state
        text = " ".join(message.split())
        session.remember("user", text)
        reply = self._respond(text, session, channel, user or {})
        if reply.state is None:
            reply.state = session.state
        session.remember("bot", reply.text)
        self.sessions.save(session)
        if reply.kind == "fallback" and self.recorder is not None:
            self.recorder.record_unanswered(question=text, state=session.state, channel=channel,
                                            confidence=reply.confidence)
        return reply

    def help_email(self, state: str | None) -> str:
        return self.help_emails.get(state) or self.help_emails[None]

    # ---- dispatch ----------------------------------------------------------------------
    def _respond(self, text: str, session: Session, channel: str, user: dict) -> Reply:
        n = normalise(text)
        if not n:
            return self._small("Please type a question about industry-recognized credentials.", session)
        if session.pending:
            reply = self._pending(text, n, session, channel, user)
            if reply is not None:
                return reply
        named_state = detect_state(text)
        if STATE_ONLY.match(n):
            return self._set_state(state_code(text), session)
        if GREETING.match(n):
            return self._small("Hello! I answer questions about industry-recognized credentials for high-school "
                               "career-technical education in Ohio and Illinois. What would you like to know?", session,
                               suggestions=self._examples(session.state))
        if THANKS.match(n):
            return self._small("You're welcome! Ask me anything else about industry credentials.", session)
        if BYE.match(n):
            session.pending = None
            return self._small("Goodbye! Good luck to your student.", session)
        if HELP.match(n):
            return self._help(session)
        if WHO.match(n):
            return self._small("I'm credbot, an automated assistant. I answer from the official Industry-Recognized "
                               "Credentials FAQs of the Ohio Department of Education and the Illinois State Board of "
                               "Education, and from a catalogue of credentials with sources. I can pass a question "
                               "I can't answer to a person at the help desk.", session)
        if HUMAN.search(n):
            return self._offer_person(session)
        if MORE.match(n):
            return self._more(session)
        if WHAT_ABOUT.match(n) and named_state and len(n.split()) <= 5:
            return self._other_state(named_state, session, channel, user)
        if named_state:
            session.state = named_state
        return self._question(text, session)

    # ---- pending turns -----------------------------------------------------------------
    def _pending(self, text: str, n: str, session: Session, channel: str, user: dict) -> Reply | None:
        pending, session.pending = session.pending, None
        kind = pending["type"]
        if kind == "clarify":
            index = self._choice_index(n, pending["options"])
            if index is not None:
                entry = self.kb.faq_by_id[pending["options"][index]]
                return self._answer_entry(entry, pending["question"], session, confidence=pending.get("confidence", 0.0))
        elif kind == "state":
            state = state_code(text)
            if state:
                session.state = state
                return self._question(pending["question"], session)
        elif kind == "escalate":
            if YES.match(n):
                return self._escalate_or_ask_email(pending["question"], session, channel, user)
            if NO.match(n):
                return self._small("All right, I won't send it. Ask me something else whenever you like.", session)
        elif kind == "email":
            candidate = text.strip().strip("<>").removeprefix("mailto:")
            if is_email(candidate):
                return self._escalate(pending["question"], session, channel, {**user, "email": candidate})
            if NO.match(n):
                return self._small("All right, I won't send it.", session)
            if len(n.split()) <= 3:
                session.pending = pending
                return self._small("That doesn't look like an email address. Please type the address the help desk "
                                   "should reply to (for example name@example.com), or say “cancel”.", session)
        return None  # not an answer to what was pending: treat it as a new message

    @staticmethod
    def _choice_index(n: str, options: list[str]) -> int | None:
        for word in n.split():
            if word in ORDINALS and ORDINALS[word] < len(options):
                return ORDINALS[word]
        if n in ("last", "the last one", "last one"):
            return len(options) - 1
        return None

    # ---- small talk, state, help, escalation ----------------------------------------------
    def _small(self, text: str, session: Session, **extra) -> Reply:
        return Reply(kind="smalltalk", text=text, confidence=1.0, state=session.state, **extra)

    def _examples(self, state: str | None) -> list[str]:
        if state == "OH":
            return ["What is an industry-recognized credential?", "How do students earn credentials?", "What is ServSafe?"]
        if state == "IL":
            return ["How much does a credential cost?", "Where is the list of credentials?", "Show me IT certifications"]
        return ["What is an industry-recognized credential?", "How much does a credential cost?", "Show me health care credentials"]

    def _help(self, session: Session) -> Reply:
        return self._small(
            "I can answer questions from the Ohio and Illinois official FAQs on industry-recognized credentials "
            "(what they are, why to earn them, how students earn them, costs, the state list, who to contact), and "
            "look up credentials in a catalogue (what a credential is, who issues it, Ohio points, credentials by "
            "career field). Tell me your state (Ohio or Illinois) for the right answer. If I can't answer, I can "
            "send your question to a person at the help desk.", session, suggestions=self._examples(session.state))

    def _set_state(self, state: str | None, session: Session) -> Reply:
        session.state = state
        name = STATE_NAMES.get(state, "your state")
        return self._small(f"Got it: I'll answer for {name}. What would you like to know?", session,
                           suggestions=self._examples(state))

    def _offer_person(self, session: Session) -> Reply:
        question = session.unanswered or session.last_question
        email = self.help_email(session.state)
        if not question:
            return self._small(f"I can pass your question to a person at the help desk ({email}). "
                               "Please type your question first, then say “talk to a person”.", session,
                               offer_escalation=False, help_email=email)
        session.pending = {"type": "escalate", "question": question}
        return self._small(f"I can send your question “{question}” to the help desk at {email}. Shall I send it?",
                           session, offer_escalation=True, help_email=email, suggestions=["Yes, send it", "No thanks"])

    def _escalate_or_ask_email(self, question: str, session: Session, channel: str, user: dict) -> Reply:
        if user.get("email") or user.get("slack_user"):
            return self._escalate(question, session, channel, user)
        session.pending = {"type": "email", "question": question}
        return self._small("What email address should the help desk reply to?", session,
                           help_email=self.help_email(session.state))

    def escalate(self, session_key: str, question: str, *, channel: str, user: dict, state: str | None = None,
                 idempotency_key: str | None = None) -> dict:
        """Pass a question, with this session's conversation, to the help desk (stored first).
        The one path for every channel: the chat's "yes, send it" turn, the widget's form, Slack's button."""
        session = self.sessions.get(session_key)
        return self._submit(question, session, channel, user, state or session.state, idempotency_key)

    def _submit(self, question: str, session: Session, channel: str, user: dict, state: str | None,
                idempotency_key: str | None = None) -> dict:
        if self.escalations is None:
            raise RuntimeError("no escalation service is configured")
        return self.escalations.submit(question=question, conversation=list(session.history), state=state,
                                       channel=channel, reply_to=user.get("email"), slack_user=user.get("slack_user"),
                                       slack_channel=user.get("slack_channel"), session_id=session.key,
                                       idempotency_key=idempotency_key)

    def _escalate(self, question: str, session: Session, channel: str, user: dict) -> Reply:
        email = self.help_email(session.state)
        if self.escalations is None:
            return Reply(kind="fallback", text=f"I can't send messages from here. Please email your question to {email}.",
                         state=session.state, help_email=email)
        record = self._submit(question, session, channel, user, session.state)
        session.unanswered = None
        who = f" They will reply to {user['email']}." if user.get("email") else ""
        return Reply(kind="escalated", text=f"Thank you. I've passed your question to the help desk at {record['to']}.{who}",
                     confidence=1.0, state=session.state, help_email=record["to"], escalation=record)

    # ---- follow-ups ----------------------------------------------------------------------
    def _other_state(self, state: str, session: Session, channel: str, user: dict) -> Reply:
        session.state = state
        if session.last_credential_id and not session.last_faq_id:
            return self._credential(self.kb.credential_by_id[session.last_credential_id], "", session)
        if session.last_question:
            return self._question(session.last_question, session)
        return self._set_state(state, session)

    def _more(self, session: Session) -> Reply:
        listing = session.last_list
        if not listing or listing["offset"] >= len(listing["ids"]):
            return self._small("There is nothing more to show. Ask me another question.", session)
        creds = [self.kb.credential_by_id[i] for i in listing["ids"]]
        return self._page(listing["title"], creds, listing["offset"], session)

    # ---- questions -----------------------------------------------------------------------
    def _question(self, text: str, session: Session) -> Reply:
        """Route a question to the catalogue or the FAQ. A question that asks the catalogue's
        kind of thing (what is X, who issues X, X's points, is X on a list, show me ... credentials)
        goes to the catalogue; otherwise a confident FAQ answer wins over a mere mention of a
        credential ("what WorkKeys score is needed?" is about graduation rules, not about WorkKeys)."""
        n = normalise(text)
        hits = self.catalogue.find_names(text)
        unknown = self.unknown_credential_name(text)
        if unknown:
            return self._not_in_catalogue(unknown, hits, session)
        _, matches = self.matcher.rank(text, session.state)
        faq_confident = bool(matches) and matches[0].score >= self.thresholds.answer
        if hits and (self._asks_catalogue(n, hits[0].matched) or not faq_confident):
            if len(hits) > 1:
                return self._credential_choices(hits, text, session)
            return self._credential(hits[0].credential, n, session)
        if session.last_credential_id and PRONOUN.search(n) and self._asks_catalogue(n, "it"):
            return self._credential(self.kb.credential_by_id[session.last_credential_id], n, session)
        list_query = self.catalogue.parse_list_query(text, session.state)
        faq_sure = bool(matches) and matches[0].score >= self.thresholds.sure
        if list_query and self._is_list_request(n, list_query, faq_sure):
            return self._list(list_query, session)
        return self._faq(text, matches, session)

    def _asks_catalogue(self, n: str, matched: str) -> bool:
        """Does the question ask what the catalogue knows about the credential named ``matched``:
        its points, issuer or list membership, what it is, or just its name?"""
        if ASKS_POINTS.search(n) or ASPECT_ISSUER.search(n) or ASPECT_LIST.search(n):
            return True
        extra = [w for w in self.catalogue.key(n).split() if w not in matched.split() and w not in STOPWORDS
                 and w not in PLACE_WORDS and w not in GENERIC_NAME_WORDS]
        named = NAMED_THING.match(n)
        return len(extra) <= (1 if named else 0)  # "what is X", "X", "X in Illinois": the name is the question

    @staticmethod
    def _is_list_request(n: str, query: ListQuery, faq_sure: bool) -> bool:
        """Explicit list words always list; otherwise a short "<field> credentials" does, unless the FAQ
        answers it with confidence ("hospitality certifications" is a list, not "what is a credential?")."""
        plural = PLURAL_KIND.search(n)
        if query.points is not None and plural:
            return True
        if LIST_WORDS.search(n):
            return True
        return bool(plural) and len(content_words(n)) <= 4 and not faq_sure

    def _unknown_credential_name(self, text: str) -> str | None:
        """The name of a credential the question asks about that the catalogue does not have:
        a named thing with a word that neither the catalogue nor the FAQ knows ("what is the
        Certified Dental Assistant credential?", "commercial drivers license"). Depends on the
        text alone: cached per text, like the matcher's analysis."""
        n = normalise(text)
        if not CREDENTIAL_WORDS.search(n):
            return None
        m = NAMED_THING.match(n)
        if not m:
            return None
        hits = self.catalogue.find_names(text)
        name = TRAILING_KIND.sub("", m.group("name")).strip()
        words = [w for w in self.matcher.correct_spelling(self.catalogue.key(name)).split()
                 if w not in GENERIC_NAME_WORDS and w not in STOPWORDS and w not in PLACE_WORDS]
        if not words or len(words) > 5:
            return None
        matched = set(hits[0].matched.split()) if hits else set()
        strange = [w for w in words if w not in matched and w not in self.catalogue.vocabulary
                   and w not in self.matcher.vocabulary and not w.isdigit()]
        return name if strange else None

    def _not_in_catalogue(self, name: str, hits, session: Session) -> Reply:
        session.unanswered = None
        closest = f" The closest entry I have is {hits[0].credential.name}; ask about it by name." if hits else ""
        email = self.help_email(session.state)
        session.pending = {"type": "escalate", "question": f"Information about the credential: {name}"}
        return Reply(kind="fallback", confidence=0.0, state=session.state, offer_escalation=True, help_email=email,
                     text=(f"The credentials catalogue has no entry for “{name}”, so I can't tell you about it "
                           f"rather than guess.{closest} Would you like me to send your question to the help desk "
                           f"({email})?"), suggestions=["Yes, send it", "No thanks"])

    def _faq(self, text: str, matches: list[Match], session: Session) -> Reply:
        t = self.thresholds
        if not matches or matches[0].score < t.clarify:
            return self._fallback(text, matches, session)
        top = matches[0]
        state_known = session.state is not None
        close = [m for m in matches[1:3] if m.score >= t.clarify and top.score - m.score < t.margin
                 and top.score < t.sure and not self._twins(top.entry, m.entry)]
        if top.score < t.answer or close:
            if not close:
                close = [m for m in matches[1:3] if m.score >= t.clarify and not self._twins(top.entry, m.entry)]
            if close:
                return self._clarify(text, [top] + close, session)
            if top.score < t.answer:
                return self._fallback(text, matches, session)
        twin = None
        if not state_known:
            # the other state's answer on its own merits: precedence of official answers is within a state
            twin = next((m for m in matches[1:4] if self._twins(top.entry, m.entry)
                         and m.own_score >= max(t.twin * top.score, t.answer)), None)
        return self._answer_entry(top.entry, text, session, confidence=top.score, twin=twin.entry if twin else None,
                                  matches=matches)

    @staticmethod
    def _twins(a: FaqEntry, b: FaqEntry) -> bool:
        return a.state != b.state

    def _answer_entry(self, entry: FaqEntry, question: str, session: Session, confidence: float,
                      twin: FaqEntry | None = None, matches: list[Match] | None = None) -> Reply:
        session.last_question = question
        session.last_faq_id = entry.id      # the last credential stays: "how many points is it worth?"
        session.unanswered = None
        entries = [entry] + ([twin] if twin else [])
        if twin:
            both = "official FAQs both" if entry.official and twin.official else "sources both"
            parts = [f"Ohio's and Illinois's {both} answer this. Tell me your state for just one."]
            for e in sorted(entries, key=lambda e: e.state != "OH"):
                label = f"{e.source.agency} says" if e.official else "credbot's summary, not part of the official FAQ"
                parts.append(f"{STATE_NAMES[e.state]} ({label}):\n\n{e.answer}" + self._caveat(e))
            parts.append("Sources: " + "; ".join(e.source.cite() for e in entries) + ".")
            text = "\n\n".join(parts)
        else:
            lead = self._lead_in(entry, session.state)
            text = f"{lead}\n\n{entry.answer}{self._caveat(entry)}\n\nSource: {entry.source.cite()}."
        followups = self._followups(entry)
        return Reply(kind="answer", text=text, confidence=confidence,
                     state=session.state or (None if twin else entry.state),
                     source=self._source(entry), faq_id=entry.id, help_email=entry.help_email,
                     matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in (matches or [])[:3]]
                     or [{"id": entry.id, "type": "faq", "score": round(confidence, 4)}],
                     suggestions=followups, official=entry.official)

    def _caveat(self, entry: FaqEntry) -> str:
        """The staleness guard: a supplementary answer past its review date says it may have changed."""
        if entry.review_by and entry.review_by < self.today():
            return (f"\n\nThis summary was due for review on {entry.review_by:%B %-d, %Y} and may have changed. "
                    f"Please check with {entry.help_email}.")
        return ""

    @staticmethod
    def _lead_in(entry: FaqEntry, state: str | None) -> str:
        name = STATE_NAMES[entry.state]
        if not entry.official:
            other = (f"{STATE_NAMES[state]}'s official FAQ doesn't cover this. "
                     if state and state != entry.state else "")
            return (f"{other}This is not part of the official FAQ: it is credbot's summary, for {name}, of "
                    f"{entry.source.agency}, “{entry.source.title}”.")
        if state and state != entry.state:
            return (f"{STATE_NAMES[state]}'s FAQ doesn't cover this, but {name}'s does. "
                    f"The {entry.source.agency} answers “{entry.question}”:")
        return f"The {entry.source.agency} answers “{entry.question}”:"

    def _followups(self, entry: FaqEntry) -> list[str]:
        other = "Illinois" if entry.state == "OH" else "Ohio"
        return [f"What about {other}?", "Talk to a person"]

    @staticmethod
    def _source(entry: FaqEntry) -> dict:
        return {"agency": entry.source.agency, "title": entry.source.title,
                "last_modified": entry.source.last_modified, "urls": list(entry.source.urls),
                "citation": entry.source.cite(), "official": entry.official}

    def _clarify(self, text: str, matches: list[Match], session: Session) -> Reply:
        options = [m.entry for m in matches[:3]]
        session.pending = {"type": "clarify", "question": text, "options": [e.id for e in options],
                           "confidence": matches[0].score}
        lines = [f"{i}. {e.question} ({STATE_NAMES[e.state]})" for i, e in enumerate(options, 1)]
        return Reply(kind="clarify", text="I'm not sure which of these you mean:\n" + "\n".join(lines)
                     + "\nReply with the number, or rephrase your question.",
                     confidence=matches[0].score, state=session.state,
                     matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
                     choices=[Choice(label=f"{e.question} ({STATE_NAMES[e.state]})", value=str(i))
                              for i, e in enumerate(options, 1)])

    def _fallback(self, text: str, matches: list[Match], session: Session) -> Reply:
        session.unanswered = text
        email = self.help_email(session.state)
        session.pending = {"type": "escalate", "question": text}
        where = f"the {STATE_NAMES[session.state]} help desk" if session.state else "the help desk"
        return Reply(kind="fallback",
                     text=("I'm sorry, I don't know the answer to that. I only know the official industry-recognized "
                           f"credentials FAQs and a catalogue of credentials. Would you like me to send your question to "
                           f"{where} ({email})? A person will reply."),
                     confidence=matches[0].score if matches else 0.0, state=session.state,
                     matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
                     offer_escalation=True, help_email=email, suggestions=["Yes, send it", "No thanks"])

    # ---- credentials ----------------------------------------------------------------------
    def _credential_choices(self, hits, text: str, session: Session) -> Reply:
        creds = [h.credential for h in hits[:PAGE_SIZE]]
        return self._page(f"credentials matching “{text}”", creds, 0, session)

    def _credential(self, cred: Credential, n: str, session: Session) -> Reply:
        session.last_credential_id = cred.id
        session.last_faq_id = None
        session.last_question = None
        session.unanswered = None
        facts = []
        if n and ASPECT_POINTS.search(n):
            facts.append(self._points_fact(cred))
        elif n and ASPECT_ISSUER.search(n):
            facts.append(f"{cred.name} is issued by {cred.issuer}.")
        elif n and ASPECT_LIST.search(n):
            facts.append(self._list_fact(cred, detect_state(n) or session.state))
        else:
            facts.append(f"{cred.name}: {cred.description}")
            facts.append(f"Issued by: {cred.issuer}. Career field: {', '.join(cred.career_fields)}.")
            facts.append(self._points_fact(cred))
            if session.state:
                facts.append(self._list_fact(cred, session.state))
        if cred.confidence != "sourced":
            facts.append("Note: no source confirmed these details; treat them with care. This is not official information.")
        facts.append("Source: " + "; ".join(cred.sources) + ". This comes from credbot's credentials catalogue, not the official FAQ.")
        return Reply(kind="credential", text="\n\n".join(facts), confidence=1.0, state=session.state,
                     credential_id=cred.id, official=False,
                     source={"agency": "credbot credentials catalogue", "title": cred.name, "last_modified": None,
                             "urls": list(cred.sources), "citation": "; ".join(cred.sources), "official": False},
                     matches=[{"id": cred.id, "type": "credential", "score": 1.0}],
                     suggestions=[f"Who issues {cred.name}?", f"How many points is {cred.name} worth in Ohio?"])

    @staticmethod
    def _points_fact(cred: Credential) -> str:
        if cred.ohio_points is None:
            return (f"The catalogue has no Ohio point value for {cred.name}. Ohio's official list gives each "
                    "credential's points; ask your school or industrycredentials@education.ohio.gov.")
        return f"{cred.name} is worth {cred.ohio_points} point{'s' if cred.ohio_points != 1 else ''} in Ohio."

    @staticmethod
    def _list_fact(cred: Credential, state: str | None) -> str:
        if state and state in cred.states:
            return f"A source places {cred.name} on {STATE_NAMES[state]}'s credential list or in its graduation rules."
        if state == "IL":
            return (f"The catalogue has no source tying {cred.name} to Illinois's list. Illinois's list is posted on "
                    "the ISBE Career Technical Education webpage; ask cte@isbe.net to be sure.")
        if state == "OH":
            return (f"The catalogue has no source placing {cred.name} on Ohio's list. Ohio publishes its list by "
                    "career field; ask industrycredentials@education.ohio.gov to be sure.")
        listed = [STATE_NAMES[s] for s in cred.states]
        return (f"A source ties {cred.name} to {', '.join(listed)}'s list." if listed
                else f"The catalogue has no source placing {cred.name} on a state's list.")

    def _list(self, query: ListQuery, session: Session) -> Reply:
        creds = self.catalogue.search(query)
        title = f"credentials {query.describe()}"
        if not creds:
            session.last_list = None
            known = [c for c in self.kb.credentials if c.ohio_points is not None]
            extra = ""
            if query.points is not None:
                extra = (" The catalogue has Ohio point values only where a source gives them: "
                         + ", ".join(f"{c.name} ({c.ohio_points})" for c in known) + ".")
            return Reply(kind="credential", text=f"The catalogue has no {title}.{extra}", confidence=1.0,
                         state=session.state, official=False)
        return self._page(title, creds, 0, session)

    def _page(self, title: str, creds: list[Credential], offset: int, session: Session) -> Reply:
        if offset == 0:
            session.last_list = {"title": title, "ids": [c.id for c in creds], "offset": 0}
        page = creds[offset:offset + PAGE_SIZE]
        end = offset + len(page)
        session.last_list["offset"] = end
        session.last_faq_id = None
        head = (f"The catalogue has {len(creds)} {title}." if offset == 0 else f"More {title}:")
        if len(creds) > PAGE_SIZE:
            head += f" Showing {offset + 1}-{end} of {len(creds)}."
        lines = [f"{i}. {c.name} ({c.issuer})" for i, c in enumerate(page, offset + 1)]
        tail = "Say “more” to see the next ones." if end < len(creds) else "Ask about any of them by name."
        return Reply(kind="credential", text="\n".join([head, *lines, tail]), confidence=1.0, state=session.state,
                     official=False, matches=[{"id": c.id, "type": "credential", "score": 1.0} for c in page],
                     suggestions=(["Show more"] if end < len(creds) else []) + [f"What is {page[0].name}?"],
                     choices=[Choice(label=c.name, value=f"What is {c.name}?") for c in page])
