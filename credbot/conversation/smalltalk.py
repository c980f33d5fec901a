"""What the bot says in its own words outside answers: greetings, help, state confirmations."""

from __future__ import annotations

from typing import Any

from ..phrases import phrase
from ..states import STATE_NAMES
from .reply import Reply
from .sessions import Session


def small(text: str, session: Session, **extra: Any) -> Reply:
    return Reply(kind="smalltalk", text=text, confidence=1.0, state=session.state, **extra)


def say(key: str, session: Session, **extra: Any) -> Reply:
    """``small`` with the catalogue's words for ``key`` ("smalltalk.greeting") in the conversation's language."""
    return small(phrase(key, session.speaks), session, **extra)


def examples(state: str | None, lang: str = "en") -> list[str]:
    if lang != "en":
        key = {"OH": "oh", "IL": "il"}.get(state or "", "any")
        return [phrase(f"smalltalk.example.{key}.{i}", lang) for i in (1, 2, 3)]
    if state == "OH":
        return ["What is an industry-recognized credential?", "How do students earn credentials?", "What is ServSafe?"]
    if state == "IL":
        return ["How much does a credential cost?", "Where is the list of credentials?", "Show me IT certifications"]
    return [
        "What is an industry-recognized credential?",
        "How much does a credential cost?",
        "Show me health care credentials",
    ]


def state_set(state: str | None, session: Session) -> Reply:
    session.state = state
    lang = session.speaks
    if lang != "en":
        name = STATE_NAMES.get(state or "", phrase("smalltalk.your_state", lang))
        return small(phrase("smalltalk.state_set", lang, name=name), session, suggestions=examples(state, lang))
    name = STATE_NAMES.get(state or "", "your state")
    return small(f"Got it: I'll answer for {name}. What would you like to know?", session, suggestions=examples(state))
