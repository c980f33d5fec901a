"""Replies from the FAQ (official and supplementary entries): an answer with its lead-in and
source, both states' answers when the state is unknown, a clarifying choice, or the fallback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from ..knowledge import FaqEntry
from ..matching import Match
from ..states import STATE_NAMES
from .pending import AskState, ChooseEntry, ConfirmEscalation
from .reply import Choice, Reply
from .sessions import Session


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.30  # at or above: answer
    clarify: float = 0.27  # between clarify and answer (or two close answers): ask which
    margin: float = 0.02  # two matches closer than this are "close"...
    sure: float = 0.45  # ...unless the best is at least this confident
    twin: float = 0.75  # unknown state: the other state's answer within this share of the best is shown too


class FaqReplies:
    def __init__(
        self,
        thresholds: Thresholds,
        help_email: Callable[[str | None], str],
        today: Callable[[], dt.date] = dt.date.today,
    ):
        self.thresholds = thresholds
        self.help_email = help_email
        self.today = today  # for the staleness guard of supplementary entries

    def faq(self, text: str, matches: list[Match], session: Session) -> Reply:
        t = self.thresholds
        if not matches or matches[0].score < t.clarify:
            return self.fallback(text, matches, session)
        top = matches[0]
        state_known = session.state is not None
        close = [
            m
            for m in matches[1:3]
            if m.score >= t.clarify
            and top.score - m.score < t.margin
            and top.score < t.sure
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
        if not state_known:
            # the other state's answer on its own merits: precedence of official answers is within a state
            twin = next(
                (
                    m
                    for m in matches[1:4]
                    if self.twins(top.entry, m.entry) and m.own_score >= max(t.twin * top.score, t.answer)
                ),
                None,
            )
        return self.answer_entry(
            top.entry, text, session, confidence=top.score, twin=twin.entry if twin else None, matches=matches
        )

    @staticmethod
    def twins(a: FaqEntry, b: FaqEntry) -> bool:
        return a.state != b.state

    def answer_entry(
        self,
        entry: FaqEntry,
        question: str,
        session: Session,
        confidence: float,
        twin: FaqEntry | None = None,
        matches: list[Match] | None = None,
    ) -> Reply:
        session.last_question = question
        session.last_faq_id = entry.id  # the last credential stays: "how many points is it worth?"
        session.unanswered = None
        entries = [entry] + ([twin] if twin else [])
        if twin:
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
        followups = self.followups(entry)
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
        )

    def caveat(self, entry: FaqEntry) -> str:
        """The staleness guard: a supplementary answer past its review date says it may have changed."""
        if entry.review_by and entry.review_by < self.today():
            return (
                f"\n\nThis summary was due for review on {entry.review_by:%B %-d, %Y} and may have changed. "
                f"Please check with {entry.help_email}."
            )
        return ""

    @staticmethod
    def lead_in(entry: FaqEntry, state: str | None) -> str:
        name = STATE_NAMES[entry.state]
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

    def followups(self, entry: FaqEntry) -> list[str]:
        other = "Illinois" if entry.state == "OH" else "Ohio"
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
        session.pending = ChooseEntry(text, tuple(e.id for e in options), matches[0].score)
        lines = [f"{i}. {e.question} ({STATE_NAMES[e.state]})" for i, e in enumerate(options, 1)]
        return Reply(
            kind="clarify",
            text="I'm not sure which of these you mean:\n"
            + "\n".join(lines)
            + "\nReply with the number, or rephrase your question.",
            confidence=matches[0].score,
            state=session.state,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
            choices=[
                Choice(label=f"{e.question} ({STATE_NAMES[e.state]})", value=str(i)) for i, e in enumerate(options, 1)
            ],
        )

    def fallback(self, text: str, matches: list[Match], session: Session) -> Reply:
        session.unanswered = text
        email = self.help_email(session.state)
        session.pending = ConfirmEscalation(text)
        where = f"the {STATE_NAMES[session.state]} help desk" if session.state else "the help desk"
        return Reply(
            kind="fallback",
            text=(
                "I'm sorry, I don't know the answer to that. I only know the official industry-recognized "
                f"credentials FAQs and a catalogue of credentials. Would you like me to send your question to "
                f"{where} ({email})? A person will reply."
            ),
            confidence=matches[0].score if matches else 0.0,
            state=session.state,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
            offer_escalation=True,
            help_email=email,
            suggestions=["Yes, send it", "No thanks"],
        )

    def elsewhere(self, text: str, matches: list[Match], session: Session) -> Reply:
        """A question for the student's school or district (the bus, lunch, grades): said plainly, and not
        offered to the state's credentials help desk, which cannot answer it either."""
        session.unanswered = None
        session.pending = None
        return Reply(
            kind="fallback",
            text=(
                "That's a question for your student's school or district office: they can answer it. I only "
                "answer questions about industry-recognized credentials for high-school career-technical "
                "education in Ohio and Illinois (what they are, how students earn them, costs, the state lists)."
            ),
            confidence=matches[0].score if matches else 0.0,
            state=session.state,
            matches=[{"id": m.id, "type": "faq", "score": round(m.score, 4)} for m in matches[:3]],
            offer_escalation=False,
        )

    def other_state(self, names: tuple[str, ...], text: str, question: str, session: Session) -> Reply:
        """A question about another US state's rules: say which states credbot covers, offer the help desk."""
        session.unanswered = text
        session.last_question = question or None  # "what about Ohio?" asks it again for Ohio
        session.last_faq_id = None
        session.pending = ConfirmEscalation(text)
        email = self.help_email(session.state)
        where = " and ".join(names[:2])
        return Reply(
            kind="fallback",
            text=(
                f"I only cover Ohio and Illinois, so I can't tell you how {where} handles industry-recognized "
                f"credentials: {'its' if len(names) == 1 else 'each'} state department of education can. If your "
                "question is about Ohio or Illinois, tell me which and ask again. Or I can send your question to "
                f"the help desk ({email}). Shall I?"
            ),
            confidence=0.0,
            state=session.state,
            offer_escalation=True,
            help_email=email,
            suggestions=["Yes, send it", "No thanks"],
        )

    def ask_state(self, place: str, question: str, session: Session) -> Reply:
        """A place that exists in both states: ask which one before answering."""
        session.pending = AskState(question)
        return Reply(
            kind="clarify",
            text=f"There is a {place} in both Ohio and Illinois. Which state are you in?",
            confidence=0.0,
            state=session.state,
            choices=[Choice(label="Ohio", value="Ohio"), Choice(label="Illinois", value="Illinois")],
        )
