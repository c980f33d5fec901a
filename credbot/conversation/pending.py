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
class Referred:
    """The bot said a question that speaks of credentials is one for the school; the next turn may still ask
    for the help desk ("yes please send it to them")."""

    question: str


@dataclass(frozen=True)
class Unsure:
    """The bot answered ``question`` with an answer it matched only loosely and offered the help desk beside it;
    the next turn may take the offer up, but only plainly ("yes please", an address): "ok" and "thanks" are
    said to any answer."""

    question: str


@dataclass(frozen=True)
class AskState:
    """The bot asked which state ``question`` is about."""

    question: str


Pending = ChooseEntry | ConfirmEscalation | AskEmail | AskState | Referred | Unsure


# ---- JSON form (sessions shared through Redis) ---------------------------------------------
_KINDS: dict[str, type] = {
    cls.__name__: cls for cls in (ChooseEntry, ConfirmEscalation, AskEmail, AskState, Referred, Unsure)
}


def pending_to_dict(pending: Pending) -> dict:
    """``pending`` as plain JSON values, tagged with its kind: {"kind": "AskEmail", "question": ...}."""
    data: dict = {"kind": type(pending).__name__, "question": pending.question}
    if isinstance(pending, ChooseEntry):
        data["options"] = list(pending.options)
        data["confidence"] = pending.confidence
    return data


def pending_from_dict(data: dict) -> Pending | None:
    """The value ``pending_to_dict`` wrote; None for a kind this version does not know (a session
    written by a newer release during a rolling upgrade: the user is simply asked afresh)."""
    kind = _KINDS.get(data.get("kind", ""))
    if kind is None:
        return None
    if kind is ChooseEntry:
        return ChooseEntry(
            str(data["question"]), tuple(str(o) for o in data.get("options", ())), float(data.get("confidence", 0.0))
        )
    return kind(str(data["question"]))
