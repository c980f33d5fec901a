"""Replies from the credentials catalogue: one credential's facts, lists by field or points, pages."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

from ..catalogue import Catalogue, ListQuery, NameHit
from ..knowledge import Credential, KnowledgeBase
from ..matching import Matcher
from ..states import STATE_NAMES
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
        cred_field; from the intents) or, for "what is X", everything the catalogue has."""
        session.last_credential_id = cred.id
        session.last_faq_id = None
        session.last_question = None
        session.unanswered = None
        aspect = aspect or self.aspect_of(n)
        facts = []
        if aspect == "cred_points":
            facts.append(self.points_fact(cred))
        elif aspect == "cred_issuer":
            facts.append(f"{cred.name} is issued by {cred.issuer}.")
        elif aspect == "cred_list":
            facts.append(self.list_fact(cred, detect_state(n) or session.state))
        elif aspect == "cred_field":
            facts.append(f"{cred.name} is in the career field {', '.join(cred.career_fields)}.")
        else:
            facts.append(f"{cred.name}: {cred.description}")
            facts.append(f"Issued by: {cred.issuer}. Career field: {', '.join(cred.career_fields)}.")
            facts.append(self.points_fact(cred))
            if session.state:
                facts.append(self.list_fact(cred, session.state))
        if cred.confidence != "sourced":
            facts.append(
                "Note: no source confirmed these details; treat them with care. This is not official information."
            )
        facts.append(
            "Source: "
            + "; ".join(cred.sources)
            + ". This comes from credbot's credentials catalogue, not the official FAQ."
        )
        return Reply(
            kind="credential",
            text="\n\n".join(facts),
            confidence=confidence,
            state=session.state,
            credential_id=cred.id,
            official=False,
            source={
                "agency": "credbot credentials catalogue",
                "title": cred.name,
                "last_modified": None,
                "urls": list(cred.sources),
                "citation": "; ".join(cred.sources),
                "official": False,
            },
            matches=[{"id": cred.id, "type": "credential", "score": round(confidence, 4)}],
            suggestions=[f"Who issues {cred.name}?", f"How many points is {cred.name} worth in Ohio?"],
        )

    @staticmethod
    def points_fact(cred: Credential) -> str:
        if cred.ohio_points is None:
            return (
                f"The catalogue has no Ohio point value for {cred.name}. Ohio's official list gives each "
                "credential's points; ask your school or industrycredentials@education.ohio.gov."
            )
        return f"{cred.name} is worth {cred.ohio_points} point{'s' if cred.ohio_points != 1 else ''} in Ohio."

    @staticmethod
    def list_fact(cred: Credential, state: str | None) -> str:
        if state and state in cred.states:
            return f"A source places {cred.name} on {STATE_NAMES[state]}'s credential list or in its graduation rules."
        if state == "IL":
            return (
                f"The catalogue has no source tying {cred.name} to Illinois's list. Illinois's list is posted on "
                "the ISBE Career Technical Education webpage; ask cte@isbe.net to be sure."
            )
        if state == "OH":
            return (
                f"The catalogue has no source placing {cred.name} on Ohio's list. Ohio publishes its list by "
                "career field; ask industrycredentials@education.ohio.gov to be sure."
            )
        listed = [STATE_NAMES[s] for s in cred.states]
        return (
            f"A source ties {cred.name} to {', '.join(listed)}'s list."
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
        lines = [f"{i}. {c.name} ({c.issuer})" for i, c in enumerate(page, offset + 1)]
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
