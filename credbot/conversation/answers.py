"""Replies from the FAQ (official and supplementary entries): an answer with its lead-in and
source, both states' answers when the state is unknown, a clarifying choice, or the fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..knowledge import FaqEntry, SpanishEntry
from ..matching import Match
from ..phrases import phrase
from ..states import STATE_NAMES
from ..text import content_words, normalise
from .intents import ASKS
from .pending import AskState, ChooseEntry, ConfirmEscalation, Referred, Unsure
from .reply import Choice, Reply
from .sessions import Session


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.30  # at or above: answer
    clarify: float = 0.27  # between clarify and answer (or two close answers): ask which
    margin: float = 0.02  # two matches closer than this are "close"...
    sure: float = 0.45  # ...unless the best is at least this confident
    bare_margin: float = 0.1  # a bare topic ("seal", "points", "the list"): this close is close, however sure


def is_bare_topic(text: str) -> bool:
    """A turn that names a topic and asks nothing of it: "seal", "the points", "list pls"."""
    n = normalise(text)
    return 0 < len(n.split()) <= 3 and not ASKS.match(n) and len(content_words(n)) <= 2


class FaqReplies:
    def __init__(
        self,
        thresholds: Thresholds,
        help_email: Callable[[str | None], str],
        today: Callable[[], dt.date] = dt.date.today,
        english: Mapping[str, FaqEntry] | None = None,
        spanish: Mapping[str, SpanishEntry] | None = None,
    ):
        self.thresholds = thresholds
        self.help_email = help_email
        self.today = today  # for the staleness guard of supplementary entries
        # The official entries by id (a Spanish match holds the Spanish view) and their Spanish translations.
        self.english: Mapping[str, FaqEntry] = english or {}
        self.spanish: Mapping[str, SpanishEntry] = spanish or {}

    def faq(self, text: str, matches: list[Match], session: Session) -> Reply:
        t = self.thresholds
        if not matches or matches[0].score < t.clarify:
            return self.fallback(text, matches, session)
        top = matches[0]
        state_known = session.state is not None
        bare = is_bare_topic(text)  # a word or two says little: a small lead decides nothing
        close = [
            m
            for m in matches[1:3]
            if m.score >= t.clarify
            and (top.score - m.score < t.margin and top.score < t.sure or bare and top.score - m.score < t.bare_margin)
            and not self.twins(top.entry, m.entry)
        ]
        if top.score < t.answer or close:
            if not close:
                close = [m for m in matches[1:3] if m.score >= t.clarify and not self.twins(top.entry, m.entry)]
            if close:
                return self.clarify(text, [top] + close, session)
            if top.score < t.answer:
                return self.fallback(text, matches, session)
        twin = None
        own = (
            self.english.get(top.entry.counterpart or "") if state_known and top.entry.state != session.state else None
        )
        if own is not None and own.state == session.state:
            # "and in Illinois who pays?": Illinois's own answer on the topic, not Ohio's with "Illinois's doesn't cover this"
            return self.unsure(
                self.answer_entry(own, text, session, confidence=top.score, matches=matches), text, session
            )
        if not state_known:
            # the other state's answer on the topic, among the nearest, on its own merits (precedence of official
            # answers is within a state): matched well enough to answer, however much better the first state's
            # wording matches ("how do we get our certification added to the state's list?" had Illinois's alone)
            twin = next(
                (m for m in matches[1:4] if self.counterparts(top.entry, m.entry) and m.own_score >= t.answer), None
            )
        reply = self.answer_entry(
            top.entry, text, session, confidence=top.score, twin=twin.entry if twin else None, matches=matches
        )
        return reply if twin else self.unsure(reply, text, session)

    def unsure(self, reply: Reply, text: str, session: Session) -> Reply:
        """An answer matched only loosely (below ``sure``) may not be what was asked: it ends with the help desk's
        offer, which a plain yes, a request for a person or a reply address takes up (``Unsure``)."""
        if reply.confidence >= self.thresholds.sure:
            return reply
        session.unanswered = text  # a reply address alone sends it
        session.pending = Unsure(text)
        lang = session.speaks
        where = help_desk_name(reply.state or session.state, lang)
        reply.text += "\n\n" + phrase("answers.unsure_offer", lang, where=where, email=reply.help_email)
        reply.offer_escalation = True
        reply.suggestions = [s for s in reply.suggestions if s != phrase("answers.talk_to_person", lang)]
        reply.suggestions.append(phrase("answers.yes_send", lang))
        return reply

    @staticmethod
    def twins(a: FaqEntry, b: FaqEntry) -> bool:
        return a.state != b.state

    @staticmethod
    def counterparts(a: FaqEntry, b: FaqEntry) -> bool:
        """The two states' answers on one topic (the knowledge's ``counterpart``): what IWIP pays is Ohio's alone,
        however near Illinois's costs answer comes."""
        return a.state != b.state and (a.counterpart == b.id or b.counterpart == a.id)

    def answer_entry(
        self,
        entry: FaqEntry,
        question: str,
        session: Session,
        confidence: float,
        twin: FaqEntry | None = None,
        matches: list[Match] | None = None,
    ) -> Reply:
        entry = self.english.get(entry.id, entry)  # the official text; a Spanish view carries the translation
        twin = self.english.get(twin.id, twin) if twin else None
        session.last_question = question
        session.last_faq_id = entry.id  # the last credential stays: "how many points is it worth?"
        session.unanswered = None
        entries = [entry] + ([twin] if twin else [])
        lang = session.speaks
        official_text = None
        if lang == "es":
            text, official_text = self.spanish_text(entry, twin, session)
        elif twin:
            both = "official FAQs both" if entry.official and twin.official else "sources both"
            parts = [f"Ohio's and Illinois's {both} answer this. Tell me your state for just one."]
            for e in sorted(entries, key=lambda e: e.state != "OH"):
                label = f"{e.source.agency} says" if e.official else "credbot's summary, not part of the official FAQ"
                parts.append(f"{STATE_NAMES[e.state]} ({label}):\n\n{e.answer}" + self.caveat(e))
            parts.append("Sources: " + "; ".join(e.source.cite() for e in entries) + ".")
            text = "\n\n".join(parts)
        else:
            lead = self.lead_in(entry, session.state)
            text = f"{lead}\n\n{entry.answer}{self.caveat(entry)}\n\nSource: {entry.source.cite()}."
        followups = self.followups(entry, lang)
        return Reply(
            kind="answer",
            text=text,
            confidence=confidence,
            state=session.state or (None if twin else entry.state),
            source=self.source(entry),
            faq_id=entry.id,
            help_email=entry.help_email,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in (matches or [])[:3]]
            or [{"id": entry.id, "type": "faq", "score": round(confidence, 4)}],
            suggestions=followups,
            official=entry.official,
            language=lang,
            official_text=official_text,
        )

    def spanish_text(self, entry: FaqEntry, twin: FaqEntry | None, session: Session) -> tuple[str, str | None]:
        """The answer for a Spanish conversation: the stored unofficial translation, marked as such, with
        the official English text beside it (``official_text``); an entry without a translation says so
        in Spanish and shows the English. Returns (the text, the official English text or None)."""
        entries = [entry] + ([twin] if twin else [])
        translated = [self.spanish.get(e.id) for e in entries]
        views = [t for t in translated if t is not None]
        parts: list[str] = []
        if views:
            newest = max(views, key=lambda t: t.translated_on)
            parts.append(
                phrase("translation.notice", "es", reviewed_by=newest.reviewed_by, date=_fecha(newest.translated_on))
            )
        if twin:
            key = "answers.both_official" if entry.official and twin.official else "answers.both_sources"
            parts.append(phrase(key, "es"))
        pairs = (
            sorted(zip(entries, translated), key=lambda p: p[0].state != "OH")
            if twin
            else list(zip(entries, translated))
        )
        for e, es in pairs:
            if twin:
                label = (
                    phrase("answers.label_official", "es", agency=e.source.agency)
                    if e.official
                    else phrase("answers.label_summary", "es")
                )
                parts.append(phrase("answers.twin_part", "es", state_name=STATE_NAMES[e.state], label=label))
            else:
                parts.append(self.lead_in(e, session.state, "es", es.question if es else e.question))
            if es is None:
                parts.append(phrase("translation.missing", "es"))
            parts.append((es.answer if es else e.answer) + self.caveat(e, "es"))
        if twin:
            parts.append(phrase("answers.sources", "es", citations="; ".join(e.source.cite() for e in entries)))
        else:
            parts.append(phrase("answers.source", "es", citation=entry.source.cite()))
        official = "\n\n".join(e.answer for e, es in pairs if es is not None) or None
        return "\n\n".join(parts), official

    def caveat(self, entry: FaqEntry, lang: str = "en") -> str:
        """The staleness guard: a supplementary answer past its review date says it may have changed."""
        if entry.review_by and entry.review_by < self.today() and lang == "es":
            return "\n\n" + phrase("answers.caveat", "es", date=_fecha(entry.review_by), email=entry.help_email)
        if entry.review_by and entry.review_by < self.today():
            return (
                f"\n\nThis summary was due for review on {entry.review_by:%B %-d, %Y} and may have changed. "
                f"Please check with {entry.help_email}."
            )
        return ""

    @staticmethod
    def lead_in(entry: FaqEntry, state: str | None, lang: str = "en", question: str | None = None) -> str:
        name = STATE_NAMES[entry.state]
        if lang == "es":
            if not entry.official:
                other = (
                    phrase("answers.lead_other_not_covered", "es", state_name=STATE_NAMES[state])
                    if state and state != entry.state
                    else ""
                )
                return phrase(
                    "answers.lead_supplementary",
                    "es",
                    other=other,
                    name=name,
                    agency=entry.source.agency,
                    title=entry.source.title,
                )
            key = "answers.lead_other_state" if state and state != entry.state else "answers.lead_official"
            return phrase(
                key,
                "es",
                state_name=STATE_NAMES.get(state or "", ""),
                name=name,
                agency=entry.source.agency,
                question=question or entry.question,
            )
        if not entry.official:
            other = (
                f"{STATE_NAMES[state]}'s official FAQ doesn't cover this. " if state and state != entry.state else ""
            )
            return (
                f"{other}This is not part of the official FAQ: it is credbot's summary, for {name}, of "
                f"{entry.source.agency}, “{entry.source.title}”."
            )
        if state and state != entry.state:
            return (
                f"{STATE_NAMES[state]}'s FAQ doesn't cover this, but {name}'s does. "
                f"The {entry.source.agency} answers “{entry.question}”:"
            )
        return f"The {entry.source.agency} answers “{entry.question}”:"

    def followups(self, entry: FaqEntry, lang: str = "en") -> list[str]:
        other = "Illinois" if entry.state == "OH" else "Ohio"
        if lang == "es":
            return [phrase("answers.what_about", lang, other=other), phrase("answers.talk_to_person", lang)]
        return [f"What about {other}?", "Talk to a person"]

    @staticmethod
    def source(entry: FaqEntry) -> dict:
        return {
            "agency": entry.source.agency,
            "title": entry.source.title,
            "last_modified": entry.source.last_modified,
            "urls": list(entry.source.urls),
            "citation": entry.source.cite(),
            "official": entry.official,
        }

    def clarify(self, text: str, matches: list[Match], session: Session) -> Reply:
        options = [m.entry for m in matches[:3]]
        session.last_question, session.last_faq_id = text, None  # "same question for Ohio" asks it again
        session.unanswered = text  # not answered yet: "yes, email me at ..." sends it to the help desk
        session.pending = ChooseEntry(text, tuple(e.id for e in options), matches[0].score)
        lang = session.speaks
        labels = [
            phrase("answers.choice_label", lang, question=self.question_in(e, lang), state_name=STATE_NAMES[e.state])
            for e in options
        ]
        lines = [f"{i}. {label}" for i, label in enumerate(labels, 1)]
        return Reply(
            kind="clarify",
            text=phrase("answers.clarify_head", lang)
            + "\n"
            + "\n".join(lines)
            + "\n"
            + phrase("answers.clarify_tail", lang),
            confidence=matches[0].score,
            state=session.state,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
            choices=[Choice(label=label, value=str(i)) for i, label in enumerate(labels, 1)],
            language=lang,
        )

    def question_in(self, entry: FaqEntry, lang: str) -> str:
        """The entry's question in the conversation's language (its Spanish view's, when it has one)."""
        view = self.spanish.get(entry.id) if lang == "es" else None
        return view.question if view is not None else self.english.get(entry.id, entry).question

    def fallback(self, text: str, matches: list[Match], session: Session) -> Reply:
        session.unanswered = text
        email = self.help_email(session.state)
        session.pending = ConfirmEscalation(text)
        lang = session.speaks
        return Reply(
            kind="fallback",
            text=phrase("answers.fallback", lang, where=help_desk_name(session.state, lang), email=email),
            confidence=matches[0].score if matches else 0.0,
            state=session.state,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
            offer_escalation=True,
            help_email=email,
            suggestions=[phrase("answers.yes_send", lang), phrase("answers.no_thanks", lang)],
            language=lang,
        )

    def elsewhere(self, text: str, matches: list[Match], session: Session, of_credentials: bool = False) -> Reply:
        """A question for the student's school or district (the bus, lunch, grades): said plainly, and not
        offered to the state's credentials help desk, which cannot answer it either. One that speaks of
        credentials (``of_credentials``: "my son lost his OSHA 10 card") may still be sent if the person asks."""
        session.unanswered = None
        session.pending = Referred(text) if of_credentials else None
        return Reply(
            kind="fallback",
            text=phrase("answers.elsewhere", session.speaks),
            confidence=matches[0].score if matches else 0.0,
            state=session.state,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
            offer_escalation=False,
            language=session.speaks,
        )

    def other_state(self, names: tuple[str, ...], text: str, question: str, session: Session) -> Reply:
        """A question about another US state's rules: say which states credbot covers, offer the help desk."""
        session.unanswered = text
        session.last_question = question or None  # "what about Ohio?" asks it again for Ohio
        session.last_faq_id = None
        session.pending = ConfirmEscalation(text)
        email = self.help_email(session.state)
        lang = session.speaks
        where = phrase("answers.and", lang).join(names[:2])
        key = "answers.other_state_one" if len(names) == 1 else "answers.other_state_many"
        return Reply(
            kind="fallback",
            text=phrase(key, lang, where=where, email=email),
            confidence=0.0,
            state=session.state,
            offer_escalation=True,
            help_email=email,
            suggestions=[phrase("answers.yes_send", lang), phrase("answers.no_thanks", lang)],
            language=lang,
        )

    def ask_state(self, place: str, question: str, session: Session) -> Reply:
        """A place that exists in both states: ask which one before answering."""
        session.pending = AskState(question)
        return Reply(
            kind="clarify",
            text=phrase("answers.ask_state", session.speaks, place=place),
            confidence=0.0,
            state=session.state,
            choices=[Choice(label=name, value=name) for name, _ in STATE_CHOICES],
            language=session.speaks,
        )


def help_desk_name(state: str | None, lang: str) -> str:
    """ "the Ohio help desk", or "the help desk" when the state is not known."""
    if state:
        return phrase("answers.help_desk_of", lang, state_name=STATE_NAMES[state])
    return phrase("answers.help_desk", lang)


STATE_CHOICES = (("Ohio", "OH"), ("Illinois", "IL"))  # the buttons of "which state?", in the order shown

_MESES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()


def _fecha(day: dt.date) -> str:
    """A date as Spanish readers write it: "23 de noviembre de 2026"."""
    return f"{day.day} de {_MESES[day.month - 1]} de {day.year}"
