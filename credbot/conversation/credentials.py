"""Replies from the credentials catalogue: one credential's facts, lists by field or points, pages."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from ..catalogue import Catalogue, ListQuery, NameHit
from ..knowledge import FACT_FIELDS, Credential, KnowledgeBase
from ..matching import Matcher
from ..phrases import phrase
from ..states import CREDENTIAL_LISTS, STATE_NAMES, STATES
from ..text import PLACE_WORDS, STOPWORDS, detect_state, normalise
from .pending import ConfirmEscalation
from .reply import Choice, Reply
from .sessions import Listing, Session

PAGE_SIZE = 8

# a card whose description says how long the credential stays valid ("valid for three years", "do not expire")
VALIDITY = re.compile(r"\b(valid|expire[sd]?|renew\w*|lifetime|recertif\w*)\b", re.IGNORECASE)
ONE_FACT = ("cred_points", "cred_issuer", "cred_list", "cred_field")  # aspects a card answers with one fact
ASPECT_POINTS = re.compile(r"\bpoints?\b|\bworth\b")
ASPECT_ISSUER = re.compile(
    r"\b(who|which (organization|company))\b.*"
    r"\b(issue[sd]?|offer[sd]?|award[sd]?|give[sn]?|run[s]?|grant[s]?|provide[sd]?)\b|\bissuer\b"
)
ASPECT_FIELD = re.compile(r"\b(what|which) (career )?(field|area|cluster)\b|\bcareer (field|area|cluster)s?\b")
ASPECT_LIST = re.compile(
    r"\bon (the |ohio s |illinois s |ohio |illinois |state |isbe )*list\b|\bapproved\b|\bcount[s]? in\b"
)
GENERIC_NAME_WORDS = frozenset(
    """industry recognized credential certified certification certificate cert license
irc this that it they one state list new card""".split()
)
CREDENTIAL_WORDS = re.compile(
    r"\b(credential|certification|certificate|cert|license|licence|exam|points?|issues?|offers?)\b"
)
TRAILING_KIND = re.compile(r"(\s*\b(credential|certification|certificate|cert|license|licence|exam)s?)+$")
POINTS = re.compile(r"\bpoints?\b")
LEADING_KIND = re.compile(r"^(credential|certification|certificate|cert|license|licence|exam)s? \w")
NAMED_THING = re.compile(
    r"^(what is|what s|whats|what(?= (an?|the) )|tell me about|who issues|who offers|who awards|who gives|"
    r"how many points is|how many points are|is(?! (?:there|it|this|that|my|our|your|he|she|they)\b))"
    r" (an? |the )?(?P<name>.+?)( worth.*| on (the|ohio s|illinois s) .*| (for|in|at|an?) .*)?$"
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
        if LEADING_KIND.match(name):  # "is a cert earned inside the class?" asks how, of credentials in general
            return None
        if POINTS.search(name):  # "what's the deal with the 12 points thing?" asks of a rule, not of a name
            return None
        words = [
            w
            for w in self.matcher.correct_spelling(self.catalogue.key(name)).split()
            if w not in GENERIC_NAME_WORDS and w not in STOPWORDS and w not in PLACE_WORDS
        ]
        if not words or len(words) > 5:
            return None
        # the words of the credential named, and of its issuer and career field ("the NHA EKG tech cert")
        known = self.catalogue.told_by(hits[0].credential) if hits else frozenset()
        strange = [
            w
            for w in words
            if w not in known
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
        lang = session.speaks
        closest = phrase("credentials.closest", lang, credential=hits[0].credential.name) if hits else ""
        email = self.help_email(session.state)
        session.pending = ConfirmEscalation(phrase("credentials.escalation_question", lang, name=name))
        return Reply(
            kind="fallback",
            confidence=0.0,
            state=session.state,
            offer_escalation=True,
            help_email=email,
            text=phrase("credentials.not_in_catalogue", lang, name=name, closest=closest, email=email),
            suggestions=[phrase("answers.yes_send", lang), phrase("answers.no_thanks", lang)],
        )

    def choices(self, hits: Sequence[NameHit], text: str, session: Session, confidence: float = 1.0) -> Reply:
        """A name several credentials share ("CPT"): which one is meant is a clarifying question, its choices the
        credentials, picked like any list's ("2", "the phlebotomy one")."""
        creds = [h.credential for h in hits[:PAGE_SIZE]]
        title = phrase("credentials.matching_title", session.speaks, text=text)
        which = phrase("credentials.which_one", session.speaks)
        return replace(self.page(title, creds, 0, session, confidence, tail=which), kind="clarify")

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
        lang = session.speaks
        facts: list[str] = []
        shown: tuple[str, ...] = FACT_FIELDS
        if aspect in ONE_FACT:
            # "what field is it under and who issues it?": each fact asked, not only the likeliest
            asked = [aspect] + [a for a in self.aspects_named(n) if a != aspect]
            shown = ()
            for one in asked:
                fact, fields = self.one_fact(one, cred, n, session)
                facts.append(fact)
                shown += fields
        elif aspect == "cred_validity":  # only asked of a card that says it (tells_validity)
            facts.append(self.description_fact(cred, lang))
            shown = ("description",)
        else:
            facts.append(self.description_fact(cred, lang))
            facts.append(self.issuer_line(cred, lang) + "\n" + self.career_line(cred, lang))
            facts.append(self.points_fact(cred, lang))
            if session.state:
                facts.append(self.list_fact(cred, session.state, lang))
            if session.state not in cred.states:  # the list placement is shown only for the user's state
                shown = tuple(f for f in FACT_FIELDS if f != "states")
        if any(cred.support(f) == "secondary" for f in shown):
            facts.append(phrase("credentials.secondary_note", lang))
        urls = list(dict.fromkeys(s.url for f in shown for s in cred.backing(f)))
        facts.append(
            (phrase("credentials.source_urls", lang, urls="; ".join(urls)) if urls else "")
            + phrase("credentials.from_catalogue", lang)
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
            suggestions=[
                phrase("credentials.ask_issuer", lang, credential=cred.name),
                phrase("credentials.ask_points", lang, credential=cred.name),
            ],
        )

    def one_fact(self, aspect: str, cred: Credential, n: str, session: Session) -> tuple[str, tuple[str, ...]]:
        """The fact one aspect asks (ONE_FACT), and the catalogue fields it shows."""
        lang = session.speaks
        if aspect == "cred_points":
            return self.points_fact(cred, lang), ("ohio_points",)
        if aspect == "cred_issuer":
            return self.issuer_fact(cred, session.state, lang), ("issuer",)
        if aspect == "cred_list":
            state = detect_state(n) or session.state
            listed = ("states",) if cred.states and (state is None or state in cred.states) else ()
            return self.list_fact(cred, state, lang), listed
        return self.career_line(cred, lang), ("career_fields",)

    @staticmethod
    def aspects_named(n: str) -> list[str]:
        """Every one-fact aspect a question's wording names ("what field is it under and who issues it?")."""
        named = zip(ONE_FACT, (ASPECT_POINTS, ASPECT_ISSUER, ASPECT_LIST, ASPECT_FIELD))
        return [aspect for aspect, words in named if words.search(n)]

    def name_only(self, cred: Credential, n: str, session: Session) -> Reply:
        """A credential the catalogue knows by name only: say so, and where to look instead."""
        state = detect_state(n) or session.state
        lang = session.speaks
        if state:
            where = phrase("credentials.check_list", lang, list=CREDENTIAL_LISTS[state], email=self.help_email(state))
        else:
            where = phrase(
                "credentials.check_lists",
                lang,
                oh_list=CREDENTIAL_LISTS["OH"],
                oh_email=self.help_email("OH"),
                il_list=CREDENTIAL_LISTS["IL"],
                il_email=self.help_email("IL"),
            )
        return Reply(
            kind="credential",
            text=phrase("credentials.name_only", lang, name=cred.name, where=where),
            confidence=1.0,
            state=session.state,
            credential_id=cred.id,
            official=False,
            help_email=self.help_email(state),
            source=self.source(cred, session.state),
            matches=[{"id": cred.id, "type": "credential", "score": 1.0}],
            suggestions=[phrase("credentials.where_list", lang)],
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
    def origin(cred: Credential, fact: str, state: str | None = None, lang: str = "en") -> str | None:
        """Where a fact comes from, in plain words: "from the issuer", "from the Ohio Department
        of Education", or "reported by news.example, not by the issuer". Facts about a state's list
        answer to the state's agency, the rest to the issuer. None for a fact no source gives."""
        support = cred.support(fact)
        if support is None:
            return None
        backing = cred.backing(fact)
        primary = [s for s in backing if s.primary]
        issuer = phrase("credentials.the_issuer", lang)
        official = _join(
            (
                issuer
                if s.publisher is None or s.publisher.removeprefix("the ") in (cred.issuer or "")
                else s.publisher
                for s in primary
            ),
            lang,
        )
        about_list = fact in ("states", "ohio_points")
        authority = (
            phrase("credentials.the_agency", lang, agency=STATES[state or "OH"].agency) if about_list else issuer
        )
        if support == "primary":
            # The issuer's own word that it is on a state's list is not the state's.
            issuer_only = about_list and all(s.publisher is None for s in primary)
            return phrase("credentials.origin_primary", lang, official=official) + (
                phrase("credentials.origin_not_authority", lang, authority=authority) if issuer_only else ""
            )
        reported = _join(
            (s.host + (f" ({s.page_date})" if about_list and s.page_date else "") for s in backing if not s.primary),
            lang,
        )
        return phrase("credentials.origin_reported", lang, reported=reported, authority=authority) + (
            phrase("credentials.origin_in_part", lang, official=official) if official else ""
        )

    @staticmethod
    def tells_validity(cred: Credential) -> bool:
        """Does the card's description say how long the credential stays valid?"""
        return bool(cred.description and VALIDITY.search(cred.description))

    def description_fact(self, cred: Credential, lang: str = "en") -> str:
        if cred.description is None:
            return phrase("credentials.no_description", lang, name=cred.name)
        origin = self.origin(cred, "description", None, lang)
        return phrase("credentials.description", lang, name=cred.name, description=cred.description, origin=origin)

    def issuer_line(self, cred: Credential, lang: str = "en") -> str:
        if cred.issuer is None:
            return phrase("credentials.issuer_unverified", lang)
        origin = self.origin(cred, "issuer", None, lang)
        return phrase("credentials.issuer_line", lang, issuer=_period(cred.issuer), origin=origin)

    def career_line(self, cred: Credential, lang: str = "en") -> str:
        if not cred.career_fields:
            return phrase("credentials.field_unverified", lang)
        origin = self.origin(cred, "career_fields", None, lang)
        return phrase("credentials.field_line", lang, fields=", ".join(cred.career_fields), origin=origin)

    def issuer_fact(self, cred: Credential, state: str | None, lang: str = "en") -> str:
        if cred.issuer is None:
            return phrase("credentials.no_issuer", lang, name=cred.name, email=self.help_email(state))
        origin = self.origin(cred, "issuer", None, lang)
        return phrase("credentials.issued_by", lang, credential=cred.name, issuer=_period(cred.issuer), origin=origin)

    def points_fact(self, cred: Credential, lang: str = "en") -> str:
        if cred.ohio_points is None:
            return phrase("credentials.no_points", lang, credential=cred.name, email=self.help_email("OH"))
        key = "credentials.points_many" if cred.ohio_points != 1 else "credentials.points_one"
        origin = self.origin(cred, "ohio_points", "OH", lang)
        return phrase(key, lang, credential=cred.name, points=cred.ohio_points, origin=origin)

    def list_fact(self, cred: Credential, state: str | None, lang: str = "en") -> str:
        if state and state in cred.states:
            origin = self.origin(cred, "states", state, lang)
            return phrase(
                "credentials.on_list", lang, credential=cred.name, state_name=STATE_NAMES[state], origin=origin
            )
        if state == "IL":
            return phrase("credentials.not_on_il", lang, credential=cred.name, email=self.help_email("IL"))
        if state == "OH":
            return phrase("credentials.not_on_oh", lang, credential=cred.name, email=self.help_email("OH"))
        listed = [STATE_NAMES[s] for s in cred.states]
        if listed:
            origin = self.origin(cred, "states", cred.states[0], lang)
            return phrase("credentials.tied_to", lang, credential=cred.name, states=", ".join(listed), origin=origin)
        return phrase("credentials.no_state_list", lang, credential=cred.name)

    def listing(self, query: ListQuery, session: Session, confidence: float = 1.0) -> Reply:
        creds = self.catalogue.search(query)
        lang = session.speaks
        title = phrase("credentials.list_title", lang, description=query.describe(lang))
        if not creds and query.state is not None and (query.field or query.issuer):
            # none tied by a source to that state's list: what the catalogue holds in the field, said so
            wider = replace(query, state=None)
            creds = self.catalogue.search(wider)
            if creds:
                none = phrase("credentials.none", lang, title=title, extra="")
                title = phrase("credentials.list_title", lang, description=wider.describe(lang))
                return self.page(title, creds, 0, session, confidence, lead=none)
        if not creds:
            session.last_list = None
            known = [c for c in self.kb.credentials if c.ohio_points is not None]
            extra = ""
            if query.points is not None:
                known_text = ", ".join(f"{c.name} ({c.ohio_points})" for c in known)
                extra = phrase("credentials.known_points", lang, known=known_text)
            return Reply(
                kind="credential",
                text=phrase("credentials.none", lang, title=title, extra=extra),
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
        self,
        title: str,
        creds: list[Credential],
        offset: int,
        session: Session,
        confidence: float = 1.0,
        lead: str = "",
        tail: str | None = None,
    ) -> Reply:
        if offset == 0 or session.last_list is None:
            session.last_list = Listing(title, tuple(c.id for c in creds), 0)
        page = creds[offset : offset + PAGE_SIZE]
        end = offset + len(page)
        session.last_list.offset = end
        session.last_faq_id = None
        lang = session.speaks
        head = (
            phrase("credentials.head", lang, count=len(creds), title=title)
            if offset == 0
            else phrase("credentials.more_head", lang, title=title)
        )
        head = f"{lead} {head}" if lead else head
        if len(creds) > PAGE_SIZE:
            head += phrase("credentials.showing", lang, first=offset + 1, last=end, count=len(creds))
        lines = [f"{i}. {self.list_line(c, lang)}" for i, c in enumerate(page, offset + 1)]
        if tail is None:
            tail = phrase("credentials.say_more" if end < len(creds) else "credentials.ask_by_name", lang)
        return Reply(
            kind="credential",
            text="\n".join([head, *lines, tail]),
            confidence=confidence,
            state=session.state,
            official=False,
            matches=[{"id": c.id, "type": "credential", "score": round(confidence, 4)} for c in page],
            suggestions=([phrase("credentials.show_more", lang)] if end < len(creds) else [])
            + [phrase("credentials.what_is", lang, credential=page[0].name)],
            choices=[Choice(label=c.name, value=phrase("credentials.what_is", lang, credential=c.name)) for c in page],
        )

    def list_line(self, cred: Credential, lang: str = "en") -> str:
        """A credential in a list: its name and issuer (short name), or what is not verified."""
        if cred.name_only:
            return phrase("credentials.line_name_only", lang, name=cred.name)
        if cred.issuer is None:
            return phrase("credentials.line_no_issuer", lang, name=cred.name)
        issuer = self.catalogue.issuer_name(cred.issuer)
        if cred.support("issuer") == "secondary":
            hosts = _join((s.host for s in cred.backing("issuer") if not s.primary), lang)
            return phrase("credentials.line_reported", lang, name=cred.name, issuer=issuer, hosts=hosts)
        return f"{cred.name} ({issuer})"


def _join(words: Iterable[str], lang: str = "en") -> str:
    """'a', 'a and b', 'a, b and c' (each once, in order; "y" in Spanish)."""
    items = list(dict.fromkeys(words))
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + phrase("credentials.and", lang) + items[-1]


def _period(text: str) -> str:
    """The text without a closing period, so that a sentence around it ends with one."""
    return text[:-1] if text.endswith(".") else text
