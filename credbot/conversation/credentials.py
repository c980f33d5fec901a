"""Replies from the credentials catalogue: one credential's facts, lists by field or points, pages."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence

from ..catalogue import Catalogue, ListQuery, NameHit
from ..knowledge import FACT_FIELDS, Credential, KnowledgeBase
from ..matching import Matcher
from ..states import CREDENTIAL_LISTS, STATE_NAMES, STATES
from ..text import PLACE_WORDS, STOPWORDS, detect_state, normalise
from .pending import ConfirmEscalation
from .reply import Choice, Reply
from .sessions import Listing, Session

PAGE_SIZE = 8

ASPECT_POINTS = re.compile(r"\bpoints?\b|\bworth\b")
ASKS_POINTS = re.compile(r"\bhow many points\b|\bpoints? (is|are) .*\bworth\b|\bpoint value\b|\bworth in ohio\b")
ASPECT_ISSUER = re.compile(
    r"\b(who|which (organization|company))\b.*"
    r"\b(issue[sd]?|offer[sd]?|award[sd]?|give[sn]?|run[s]?|grant[s]?|provide[sd]?)\b|\bissuer\b"
)
ASPECT_LIST = re.compile(
    r"\bon (the |ohio s |illinois s |ohio |illinois |state |isbe )*list\b|\bapproved\b|\bcount[s]? in\b"
)
GENERIC_NAME_WORDS = frozenset(
    """industry recognized credential certified certification certificate cert license
irc this that it they one state list new""".split()
)
CREDENTIAL_WORDS = re.compile(
    r"\b(credential|certification|certificate|cert|license|licence|exam|points?|issues?|offers?)\b"
)
TRAILING_KIND = re.compile(r"(\s*\b(credential|certification|certificate|cert|license|licence|exam)s?)+$")
NAMED_THING = re.compile(
    r"^(what is|what s|whats|what(?= (an?|the) )|tell me about|who issues|who offers|who awards|who gives|"
    r"how many points is|how many points are|is(?! (?:there|it|this|that|my|our|your|he|she|they)\b))"
    r" (an? |the )?(?P<name>.+?)( worth.*| on (the|ohio s|illinois s) .*)?$"
)


class CredentialReplies:
    def __init__(
        self, kb: KnowledgeBase, catalogue: Catalogue, matcher: Matcher, help_email: Callable[[str | None], str]
    ):
        self.kb = kb
        self.catalogue = catalogue
        self.matcher = matcher
        self.help_email = help_email
        # The check depends on the text alone: cached per text, like the matcher's analysis.
        self.unknown_name = functools.lru_cache(maxsize=4096)(self._unknown_name)

    # ---- what the question asks -----------------------------------------------------------
    def asks_catalogue(self, n: str, matched: str) -> bool:
        """Does the question ask what the catalogue knows about the credential named ``matched``:
        its points, issuer or list membership, what it is, or just its name?"""
        if ASKS_POINTS.search(n) or ASPECT_ISSUER.search(n) or ASPECT_LIST.search(n):
            return True
        extra = [
            w
            for w in self.catalogue.key(n).split()
            if w not in matched.split() and w not in STOPWORDS and w not in PLACE_WORDS and w not in GENERIC_NAME_WORDS
        ]
        named = NAMED_THING.match(n)
        return len(extra) <= (1 if named else 0)  # "what is X", "X", "X in Illinois": the name is the question

    def _unknown_name(self, text: str) -> str | None:
        """The name of a credential the question asks about that the catalogue does not have:
        a named thing with a word that neither the catalogue nor the FAQ knows ("what is the
        Certified Dental Assistant credential?", "commercial drivers license")."""
        n = normalise(text)
        if not CREDENTIAL_WORDS.search(n):
            return None
        m = NAMED_THING.match(n)
        if not m:
            return None
        hits = self.catalogue.find_names(text)
        name = TRAILING_KIND.sub("", m.group("name")).strip()
        words = [
            w
            for w in self.matcher.correct_spelling(self.catalogue.key(name)).split()
            if w not in GENERIC_NAME_WORDS and w not in STOPWORDS and w not in PLACE_WORDS
        ]
        if not words or len(words) > 5:
            return None
        matched = set(hits[0].matched.split()) if hits else set()
        strange = [
            w
            for w in words
            if w not in matched
            and w not in self.catalogue.vocabulary
            and w not in self.matcher.vocabulary
            and not w.isdigit()
        ]
        return name if strange else None

    @staticmethod
    def aspect_of(n: str) -> str | None:
        """The aspect a question's wording names, for callers that have no intent scores."""
        if not n:
            return None
        if ASPECT_POINTS.search(n):
            return "cred_points"
        if ASPECT_ISSUER.search(n):
            return "cred_issuer"
        if ASPECT_LIST.search(n):
            return "cred_list"
        return None

    # ---- replies ------------------------------------------------------------------------
    def not_in_catalogue(self, name: str, hits: Sequence[NameHit], session: Session) -> Reply:
        session.unanswered = None
        closest = f" The closest entry I have is {hits[0].credential.name}; ask about it by name." if hits else ""
        email = self.help_email(session.state)
        session.pending = ConfirmEscalation(f"Information about the credential: {name}")
        return Reply(
            kind="fallback",
            confidence=0.0,
            state=session.state,
            offer_escalation=True,
            help_email=email,
            text=(
                f"The credentials catalogue has no entry for “{name}”, so I can't tell you about it "
                f"rather than guess.{closest} Would you like me to send your question to the help desk "
                f"({email})?"
            ),
            suggestions=["Yes, send it", "No thanks"],
        )

    def choices(self, hits: Sequence[NameHit], text: str, session: Session, confidence: float = 1.0) -> Reply:
        creds = [h.credential for h in hits[:PAGE_SIZE]]
        return self.page(f"credentials matching “{text}”", creds, 0, session, confidence)

    def credential(
        self, cred: Credential, n: str, session: Session, aspect: str | None = None, confidence: float = 1.0
    ) -> Reply:
        """One credential's facts: only what was asked (``aspect``: cred_points, cred_issuer, cred_list,
        cred_field, from the intents) or, for "what is X", all of them; each says where it comes from, and
        a fact no source gives is said to be unknown, never filled in."""
        session.last_credential_id = cred.id
        session.last_faq_id = None
        session.last_question = None
        session.unanswered = None
        if cred.name_only:
            return self.name_only(cred, n, session)
        aspect = aspect or self.aspect_of(n)
        facts: list[str] = []
        shown: tuple[str, ...] = FACT_FIELDS
        if aspect == "cred_points":
            facts.append(self.points_fact(cred))
            shown = ("ohio_points",)
        elif aspect == "cred_issuer":
            facts.append(self.issuer_fact(cred, session.state))
            shown = ("issuer",)
        elif aspect == "cred_list":
            state = detect_state(n) or session.state
            facts.append(self.list_fact(cred, state))
            shown = ("states",) if cred.states and (state is None or state in cred.states) else ()
        elif aspect == "cred_field":
            facts.append(self.career_line(cred))
            shown = ("career_field",)
        else:
            facts.append(self.description_fact(cred))
            facts.append(self.issuer_line(cred) + "\n" + self.career_line(cred))
            facts.append(self.points_fact(cred))
            if session.state:
                facts.append(self.list_fact(cred, session.state))
            if session.state not in cred.states:  # the list placement is shown only for the user's state
                shown = tuple(f for f in FACT_FIELDS if f != "states")
        if any(cred.support(f) == "secondary" for f in shown):
            facts.append(
                "Note: facts “reported by” a site other than the issuer or the state come from secondary pages "
                "(news, colleges, other states or copies of documents) and were not confirmed by the issuer or the "
                "state; check them before relying on them. This is not official information."
            )
        urls = list(dict.fromkeys(s.url for f in shown for s in cred.backing(f)))
        facts.append(
            (f"Source: {'; '.join(urls)}. " if urls else "")
            + "This comes from credbot's credentials catalogue, not the official FAQ."
        )
        return Reply(
            kind="credential",
            text="\n\n".join(facts),
            confidence=confidence,
            state=session.state,
            credential_id=cred.id,
            official=False,
            source=self.source(cred, session.state),
            matches=[{"id": cred.id, "type": "credential", "score": round(confidence, 4)}],
            suggestions=[f"Who issues {cred.name}?", f"How many points is {cred.name} worth in Ohio?"],
        )

    def name_only(self, cred: Credential, n: str, session: Session) -> Reply:
        """A credential the catalogue knows by name only: say so, and where to look instead."""
        state = detect_state(n) or session.state
        if state:
            where = f"Check {CREDENTIAL_LISTS[state]} or ask {self.help_email(state)}."
        else:
            where = (
                f"Check your state's list: in Ohio, {CREDENTIAL_LISTS['OH']}, or ask {self.help_email('OH')}; "
                f"in Illinois, {CREDENTIAL_LISTS['IL']}, or ask {self.help_email('IL')}."
            )
        return Reply(
            kind="credential",
            text=(
                f"The catalogue has only the name “{cred.name}”: it has no verified information about it. No "
                "source we could read gives its issuer, career field, description, Ohio points or place on a "
                f"state's list, so I won't guess.\n\n{where} This is not official information."
            ),
            confidence=1.0,
            state=session.state,
            credential_id=cred.id,
            official=False,
            help_email=self.help_email(state),
            source=self.source(cred, session.state),
            matches=[{"id": cred.id, "type": "credential", "score": 1.0}],
            suggestions=["Where is the list of credentials?"],
        )

    def source(self, cred: Credential, state: str | None) -> dict:
        """The reply's source: the catalogue entry, its pages, and each fact's support."""
        urls = list(cred.urls)
        return {
            "agency": "credbot credentials catalogue",
            "title": cred.name,
            "last_modified": None,
            "urls": urls,
            "citation": "; ".join(urls),
            "official": False,
            "confidence": cred.confidence,
            "facts": {
                fact: {
                    "value": list(value) if isinstance(value, tuple) else value,
                    "support": cred.support(fact),
                    "from": self.origin(cred, fact, state),
                    "urls": list(dict.fromkeys(s.url for s in cred.backing(fact))),
                }
                for fact in FACT_FIELDS
                if cred.support(fact) and (value := getattr(cred, fact)) not in (None, ())
            },
        }

    # ---- one fact each, with where it comes from ----------------------------------------------
    @staticmethod
    def origin(cred: Credential, fact: str, state: str | None = None) -> str | None:
        """Where a fact comes from, in plain words: "from the issuer", "from the Ohio Department
        of Education", or "reported by news.example, not by the issuer". Facts about a state's list
        answer to the state's agency, the rest to the issuer. None for a fact no source gives."""
        support = cred.support(fact)
        if support is None:
            return None
        backing = cred.backing(fact)
        primary = [s for s in backing if s.primary]
        official = _join(
            "the issuer"
            if s.publisher is None or s.publisher.removeprefix("the ") in (cred.issuer or "")
            else s.publisher
            for s in primary
        )
        about_list = fact in ("states", "ohio_points")
        authority = f"the {STATES[state or 'OH'].agency}" if about_list else "the issuer"
        if support == "primary":
            # The issuer's own word that it is on a state's list is not the state's.
            issuer_only = about_list and all(s.publisher is None for s in primary)
            return f"from {official}" + (f", not from {authority}" if issuer_only else "")
        reported = _join(
            s.host + (f" ({s.page_date})" if about_list and s.page_date else "") for s in backing if not s.primary
        )
        return f"reported by {reported}, not by {authority}" + (f"; in part from {official}" if official else "")

    def description_fact(self, cred: Credential) -> str:
        if cred.description is None:
            return f"{cred.name}: the catalogue has no verified description."
        return f"{cred.name}: {cred.description}\n(Description {self.origin(cred, 'description')}.)"

    def issuer_line(self, cred: Credential) -> str:
        if cred.issuer is None:
            return "Issued by: not verified (no source we could read names the issuer)."
        return f"Issued by: {_period(cred.issuer)} — {self.origin(cred, 'issuer')}."

    def career_line(self, cred: Credential) -> str:
        if not cred.career_fields:
            return "Career field: not verified (no source we could read ties it to a career field)."
        return f"Career field: {', '.join(cred.career_fields)} — {self.origin(cred, 'career_fields')}."

    def issuer_fact(self, cred: Credential, state: str | None) -> str:
        if cred.issuer is None:
            return (
                f"The catalogue has no verified issuer for {cred.name}: no source we could read names one, "
                f"so I won't guess. Ask {self.help_email(state)} if you need to know."
            )
        return f"{cred.name} is issued by {_period(cred.issuer)} — {self.origin(cred, 'issuer')}."

    def points_fact(self, cred: Credential) -> str:
        if cred.ohio_points is None:
            return (
                f"The catalogue has no Ohio point value for {cred.name}. Ohio's official list gives each "
                f"credential's points; ask your school or {self.help_email('OH')}."
            )
        return (
            f"{cred.name} is worth {cred.ohio_points} point{'s' if cred.ohio_points != 1 else ''} in Ohio — "
            f"{self.origin(cred, 'ohio_points', 'OH')}."
        )

    def list_fact(self, cred: Credential, state: str | None) -> str:
        if state and state in cred.states:
            return (
                f"A source places {cred.name} on {STATE_NAMES[state]}'s credential list or in its graduation "
                f"rules — {self.origin(cred, 'states', state)}."
            )
        if state == "IL":
            return (
                f"The catalogue has no source tying {cred.name} to Illinois's list. Illinois's list is posted on "
                f"the ISBE Career Technical Education webpage; ask {self.help_email('IL')} to be sure."
            )
        if state == "OH":
            return (
                f"The catalogue has no source placing {cred.name} on Ohio's list. Ohio publishes its list by "
                f"career field; ask {self.help_email('OH')} to be sure."
            )
        listed = [STATE_NAMES[s] for s in cred.states]
        return (
            f"A source ties {cred.name} to {', '.join(listed)}'s list — {self.origin(cred, 'states', cred.states[0])}."
            if listed
            else f"The catalogue has no source placing {cred.name} on a state's list."
        )

    def listing(self, query: ListQuery, session: Session, confidence: float = 1.0) -> Reply:
        creds = self.catalogue.search(query)
        title = f"credentials {query.describe()}"
        if not creds:
            session.last_list = None
            known = [c for c in self.kb.credentials if c.ohio_points is not None]
            extra = ""
            if query.points is not None:
                extra = (
                    " The catalogue has Ohio point values only where a source gives them: "
                    + ", ".join(f"{c.name} ({c.ohio_points})" for c in known)
                    + "."
                )
            return Reply(
                kind="credential",
                text=f"The catalogue has no {title}.{extra}",
                confidence=confidence,
                state=session.state,
                official=False,
            )
        return self.page(title, creds, 0, session, confidence)

    def more(self, session: Session) -> Reply | None:
        """The next page of the last list, or None when there is nothing more."""
        listing = session.last_list
        if not listing or listing.offset >= len(listing.ids):
            return None
        creds = [self.kb.credential_by_id[i] for i in listing.ids]
        return self.page(listing.title, creds, listing.offset, session)

    def page(
        self, title: str, creds: list[Credential], offset: int, session: Session, confidence: float = 1.0
    ) -> Reply:
        if offset == 0 or session.last_list is None:
            session.last_list = Listing(title, tuple(c.id for c in creds), 0)
        page = creds[offset : offset + PAGE_SIZE]
        end = offset + len(page)
        session.last_list.offset = end
        session.last_faq_id = None
        head = f"The catalogue has {len(creds)} {title}." if offset == 0 else f"More {title}:"
        if len(creds) > PAGE_SIZE:
            head += f" Showing {offset + 1}-{end} of {len(creds)}."
        lines = [f"{i}. {self.list_line(c)}" for i, c in enumerate(page, offset + 1)]
        tail = "Say “more” to see the next ones." if end < len(creds) else "Ask about any of them by name."
        return Reply(
            kind="credential",
            text="\n".join([head, *lines, tail]),
            confidence=confidence,
            state=session.state,
            official=False,
            matches=[{"id": c.id, "type": "credential", "score": round(confidence, 4)} for c in page],
            suggestions=(["Show more"] if end < len(creds) else []) + [f"What is {page[0].name}?"],
            choices=[Choice(label=c.name, value=f"What is {c.name}?") for c in page],
        )

    def list_line(self, cred: Credential) -> str:
        """A credential in a list: its name and issuer (short name), or what is not verified."""
        if cred.name_only:
            return f"{cred.name} (no verified information)"
        if cred.issuer is None:
            return f"{cred.name} (issuer not verified)"
        issuer = self.catalogue.issuer_name(cred.issuer)
        if cred.support("issuer") == "secondary":
            hosts = _join(s.host for s in cred.backing("issuer") if not s.primary)
            return f"{cred.name} ({issuer}, as reported by {hosts})"
        return f"{cred.name} ({issuer})"


def _join(words: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c' (each once, in order)."""
    items = list(dict.fromkeys(words))
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _period(text: str) -> str:
    """The text without a closing period, so that a sentence around it ends with one."""
    return text[:-1] if text.endswith(".") else text
