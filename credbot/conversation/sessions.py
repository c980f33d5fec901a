"""Per-conversation memory behind a small store interface: in this process's memory (the default,
bounded in count and size, expiry O(1)) or in Redis (REDIS_URL: shared by every worker and host).

A Session round-trips through JSON (``to_json``/``from_json``) so that any worker can carry on a
conversation another one started, including its pending offer and its last list."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from cachetools import TTLCache

from .pending import Pending, pending_from_dict, pending_to_dict

HISTORY_LIMIT = 20
RECENT_REPLIES = 3  # replies kept for sharing: a share button under an older answer still works
FORMAT = 1  # the JSON layout's version: a session in a layout this release cannot read starts afresh
log = logging.getLogger("credbot.sessions")


@dataclass
class Listing:
    """The last list of credentials shown, for "more"."""

    title: str
    ids: tuple[str, ...]
    offset: int = 0

    def to_dict(self) -> dict:
        return {"title": self.title, "ids": list(self.ids), "offset": self.offset}

    @classmethod
    def from_dict(cls, data: dict) -> Listing:
        return cls(str(data["title"]), tuple(str(i) for i in data["ids"]), int(data.get("offset", 0)))


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

    # ---- JSON -------------------------------------------------------------------------
    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "v": FORMAT,
                "key": self.key,
                "state": self.state,
                "last_question": self.last_question,
                "last_faq_id": self.last_faq_id,
                "last_credential_id": self.last_credential_id,
                "last_list": self.last_list.to_dict() if self.last_list else None,
                "pending": pending_to_dict(self.pending) if self.pending else None,
                "unanswered": self.unanswered,
                "history": self.history,
                "recent": self.recent,
                "language": self.language,
                "english_only": self.english_only,
                "updated_at": self.updated_at,
            }
        )

    @classmethod
    def from_json(cls, raw: bytes | str, key: str) -> Session:
        """The session ``to_json`` wrote. Anything unreadable (another layout, a damaged value)
        gives a fresh session for ``key``: the user loses the context, never gets an error."""
        try:
            data = orjson.loads(raw)
            if data.get("v") != FORMAT:
                raise ValueError(f"layout {data.get('v')!r}")
            return cls(
                key=key,
                state=data.get("state"),
                last_question=data.get("last_question"),
                last_faq_id=data.get("last_faq_id"),
                last_credential_id=data.get("last_credential_id"),
                last_list=Listing.from_dict(data["last_list"]) if data.get("last_list") else None,
                pending=pending_from_dict(data["pending"]) if data.get("pending") else None,
                unanswered=data.get("unanswered"),
                history=[{"role": str(h["role"]), "text": str(h["text"])} for h in data.get("history", ())],
                recent=[r for r in data.get("recent", ()) if isinstance(r, dict)],
                language="es" if data.get("language") == "es" else "en",
                english_only=bool(data.get("english_only", False)),
                updated_at=float(data.get("updated_at", time.time())),
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("a stored session could not be read (%s); starting it afresh", type(exc).__name__)
            return cls(key=key)

    def approximate_size(self) -> int:
        """Bytes this session holds in memory, roughly (CPython: a dict, its strings, the history's
        dicts): what the memory store's size bound counts. Within about 20 % of tracemalloc's figure."""
        size = 700 + len(self.key)
        for text in (self.last_question, self.unanswered):
            size += len(text) if text else 0
        if self.last_list is not None:
            size += 150 + 50 * len(self.last_list.ids)
        if self.pending is not None:
            size += 200 + len(self.pending.question)
        return size + sum(260 + len(h["text"]) for h in self.history)


def _session_of(raw: bytes | None, key: str) -> Session | None:
    return None if raw is None else Session.from_json(raw, key)


class SessionStoreUnavailable(RuntimeError):
    """The shared session store (Redis) cannot be reached: the conversation cannot go on right now."""


class ReadAlong(Protocol):
    """A Redis call a channel makes anyway before reading a conversation (the rate limit's hit) that
    can carry the conversation's GET in the same round trip."""

    connection_pool: Any  # the pool its Redis calls go through (None: not Redis)

    def ready(self) -> bool: ...  # the combined call can be made now
    def __call__(self, redis_key: str) -> bytes | None: ...  # the call and the GET; raises Redis's errors
    def alone(self) -> None: ...  # the call without the GET


class SessionStore(Protocol):
    def get(self, key: str) -> Session: ...  # a fresh Session when the key is unknown or expired
    def find(self, key: str) -> Session | None: ...  # None when the key is unknown or expired
    def find_along(self, key: str, along: ReadAlong) -> Session | None: ...  # ``along``'s call, then find
    def save(self, session: Session) -> None: ...
    def exists(self, key: str) -> bool: ...  # a live (unexpired) session has this key


class MemorySessionStore:
    """Sessions in this process (one process only); one idle longer than ``ttl_seconds`` starts
    afresh. A cachetools.TTLCache keeps them in expiry order, so removing the expired ones costs
    O(1) per session whenever the cache is written, and never a scan of all of them. It is bounded
    in count (``max_sessions``) and in size (``max_bytes``, estimated with
    Session.approximate_size): when either is reached the least recently used session goes."""

    def __init__(
        self,
        ttl_seconds: float = 1800,
        clock=time.time,
        max_sessions: int = 100_000,
        max_bytes: int = 256 * 2**20,
    ):
        self.ttl = ttl_seconds
        self.clock = clock
        self.max_sessions = max_sessions
        self._data: TTLCache[str, Session] = TTLCache(
            maxsize=max_bytes, ttl=ttl_seconds, timer=clock, getsizeof=Session.approximate_size
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> Session:
        session = self.find(key)
        return session if session is not None else Session(key=key, updated_at=self.clock())

    def find(self, key: str) -> Session | None:
        with self._lock:
            return self._data.get(key)

    def find_along(self, key: str, along: ReadAlong) -> Session | None:
        along.alone()
        return self.find(key)

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self._data

    def save(self, session: Session) -> None:
        session.updated_at = self.clock()
        with self._lock:
            self._data[session.key] = session  # expires what is due, then evicts by size if needed
            while len(self._data) > self.max_sessions:
                self._data.popitem()  # the least recently used

    def __len__(self) -> int:
        with self._lock:
            self._data.expire()
            return len(self._data)

    @property
    def bytes_used(self) -> int:
        return int(self._data.currsize)


class RedisSessionStore:
    """Sessions as JSON values in Redis, each with the idle time-out as its TTL (Redis removes it):
    every worker process and host sees the same conversations, and a restart loses none. ``client``
    is a redis.Redis; any Redis error becomes SessionStoreUnavailable (the web channel answers 503).
    After a time-out the store fails at once for ``pause`` seconds instead of trying again: a Redis
    that hangs would otherwise hold every request thread for the client's whole time-out (a refused
    connection fails at once anyway, and is tried again on the next request)."""

    PREFIX = "credbot:session:"

    def __init__(
        self, client: Any, ttl_seconds: float = 1800, clock=time.time, prefix: str = PREFIX, pause: float = 2.0
    ):
        from redis.exceptions import RedisError, TimeoutError

        self.client, self.ttl, self.clock, self.prefix, self.pause = client, ttl_seconds, clock, prefix, pause
        self._ttl_ms = max(1, math.ceil(ttl_seconds * 1000))
        self._errors, self._timeout = RedisError, TimeoutError
        self._down_until = 0.0

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.paused:
            raise SessionStoreUnavailable("the session store is unavailable (failed a moment ago)")
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except self._errors as exc:
            raise self.unavailable(exc) from exc

    @property
    def paused(self) -> bool:
        """Failing at once after a time-out (for ``pause`` seconds)."""
        return time.monotonic() < self._down_until

    def unavailable(self, exc: Exception) -> SessionStoreUnavailable:
        """The error for a Redis failure ``exc`` (a read another caller made for this store, too)."""
        if isinstance(exc, self._timeout):
            self._down_until = time.monotonic() + self.pause
        return SessionStoreUnavailable(f"the session store is unavailable ({type(exc).__name__})")

    def get(self, key: str) -> Session:
        session = self.find(key)
        return session if session is not None else Session(key=key, updated_at=self.clock())

    def find(self, key: str) -> Session | None:
        return _session_of(self._call("get", self.prefix + key), key)

    def find_along(self, key: str, along: ReadAlong) -> Session | None:
        """``along``'s call and ``find(key)`` in one round trip, when ``along`` goes to this same Redis
        (RedisRateLimiter.hit_and_get: a chat turn's Redis calls go from 3 to 2); else one after the other."""
        if self.paused or not along.ready() or along.connection_pool is not self.client.connection_pool:
            along.alone()
            return self.find(key)
        try:
            raw = along(self.prefix + key)
        except self._errors as exc:
            raise self.unavailable(exc) from exc
        return _session_of(raw, key)

    def exists(self, key: str) -> bool:
        return bool(self._call("exists", self.prefix + key))

    def save(self, session: Session) -> None:
        session.updated_at = self.clock()
        self._call("set", self.prefix + session.key, session.to_json(), px=self._ttl_ms)
