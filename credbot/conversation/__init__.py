"""The conversation layer: Bot.handle is the one entry point for every channel (see bot.py)."""

from .answers import Thresholds
from .bot import Bot, Refused, Unavailable
from .reply import Choice, Reply
from .sessions import MemorySessionStore, RedisSessionStore, Session, SessionStore, SessionStoreUnavailable

__all__ = [
    "Bot",
    "Choice",
    "MemorySessionStore",
    "RedisSessionStore",
    "Refused",
    "Reply",
    "Session",
    "SessionStore",
    "SessionStoreUnavailable",
    "Thresholds",
    "Unavailable",
]
