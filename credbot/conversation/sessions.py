"""Per-conversation memory behind a small store interface (in-memory default)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from .pending import Pending

HISTORY_LIMIT = 20
RECENT_REPLIES = 3  # replies kept for sharing: a share button under an older answer still works


@dataclass
class Listing:
    """The last list of credentials shown, for "more"."""

    title: str
    ids: tuple[str, ...]
    offset: int = 0


@dataclass
class Session:
    key: str
    state: str | None = None
    last_question: str | None = None  # the last question answered from the knowledge
    last_faq_id: str | None = None
    last_credential_id: str | None = None
    last_list: Listing | None = None
    pending: Pending | None = None  # what the last reply asked, if anything
    unanswered: str | None = None  # the last question the bot could not answer well
    history: list[dict] = field(default_factory=list)  # [{"role": "user"|"bot", "text"}]
    recent: list[dict] = field(default_factory=list)  # [{"question", "reply": Reply.to_session_dict()}]
    updated_at: float = field(default_factory=time.time)
    language: str = "en"  # "en" or "es": the language the person writes (credbot.language.detect), added last
    english_only: bool = False  # the channel answers in English whatever the language (Slack), added last

    @property
    def speaks(self) -> str:
        """The language of the bot's own words: the person's, unless the channel is English-only."""
        return "en" if self.english_only else self.language

    def remember(self, role: str, text: str) -> None:
        self.history.append({"role": role, "text": text})
        if len(self.history) > HISTORY_LIMIT:
            del self.history[:-HISTORY_LIMIT]

    def remember_reply(self, question: str, reply: dict) -> None:
        """Keep the last few replies as plain JSON data, so that a channel can share the reply the
        user saw (Slack's "Share in channel") instead of answering again out of context."""
        self.recent.append({"question": question, "reply": reply})
        del self.recent[:-RECENT_REPLIES]


class SessionStore(Protocol):
    def get(self, key: str) -> Session: ...  # a fresh Session when the key is unknown or expired
    def save(self, session: Session) -> None: ...
    def exists(self, key: str) -> bool: ...  # a live (unexpired) session has this key


class MemorySessionStore:
    """Sessions in a dict; one idle longer than ``ttl_seconds`` starts afresh."""

    def __init__(self, ttl_seconds: float = 1800, clock=time.time, max_sessions: int = 100_000):
        self.ttl = ttl_seconds
        self.clock = clock
        self.max_sessions = max_sessions
        self._data: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Session:
        now = self.clock()
        with self._lock:
            session = self._data.get(key)
            if session is None or now - session.updated_at > self.ttl:
                session = Session(key=key, updated_at=now)
            return session

    def exists(self, key: str) -> bool:
        with self._lock:
            session = self._data.get(key)
            return session is not None and self.clock() - session.updated_at <= self.ttl

    def save(self, session: Session) -> None:
        session.updated_at = self.clock()
        with self._lock:
            self._data[session.key] = session
            if len(self._data) > self.max_sessions:
                self._expire(session.updated_at)

    def _expire(self, now: float) -> None:
        for key in [k for k, s in self._data.items() if now - s.updated_at > self.ttl]:
            del self._data[key]
        while len(self._data) > self.max_sessions:  # still too many: drop the oldest
            del self._data[min(self._data, key=lambda k: self._data[k].updated_at)]
