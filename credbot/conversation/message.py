"""One analysed message, made once per turn and passed down (no step normalises the text again)."""

from __future__ import annotations

from dataclasses import dataclass

from ..text import detect_state, normalise


@dataclass(frozen=True)
class Message:
    text: str  # as typed, white space collapsed
    normalised: str  # lower-case words (credbot.text.normalise)
    named_state: str | None  # the state the message names, if exactly one

    @classmethod
    def of(cls, text: str) -> Message:
        text = " ".join(text.split())
        return cls(text=text, normalised=normalise(text), named_state=detect_state(text))
