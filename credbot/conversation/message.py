"""One analysed message, made once per turn and passed down (no step reads the raw text again)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..places import Gazetteer, PlaceReading
from ..text import detect_state, normalise


@dataclass(frozen=True)
class Message:
    text: str  # as typed, white space collapsed
    normalised: str  # lower-case words (credbot.text.normalise)
    stated: str | None = None  # the state the message names outright ("Ohio", "ISBE")
    places: PlaceReading = field(default_factory=PlaceReading)  # cities, counties, other US states
    question: str = ""  # the text without its place names: what the matcher and the catalogue read

    @classmethod
    def of(cls, text: str, gazetteer: Gazetteer | None = None) -> Message:
        text = " ".join(text.split())
        places = gazetteer.read(text) if gazetteer is not None else PlaceReading()
        question = Gazetteer.without(text, places) if places.spans else text
        return cls(text, normalise(text), detect_state(text), places, question)

    @property
    def named_state(self) -> str | None:
        """The state the message points to: named outright, else by an unambiguous place."""
        return self.stated or self.places.state
