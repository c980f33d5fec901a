"""What the bot is waiting for after a turn: typed values, one per kind of open question."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChooseEntry:
    """The bot offered numbered FAQ entries (a clarifying question); the next turn may pick one."""

    question: str
    options: tuple[str, ...]  # entry ids, in the order shown
    confidence: float = 0.0


@dataclass(frozen=True)
class ConfirmEscalation:
    """The bot offered to send ``question`` to the help desk; the next turn may say yes or no."""

    question: str


@dataclass(frozen=True)
class AskEmail:
    """The bot asked for the address the help desk should reply to."""

    question: str


@dataclass(frozen=True)
class AskState:
    """The bot asked which state ``question`` is about."""

    question: str


Pending = ChooseEntry | ConfirmEscalation | AskEmail | AskState
