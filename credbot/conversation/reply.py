"""The one reply contract every channel renders."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

KINDS = ("answer", "credential", "clarify", "smalltalk", "fallback", "escalated")
SESSION_FIELDS = (
    "kind",
    "text",
    "confidence",
    "state",
    "source",
    "faq_id",
    "credential_id",
    "choices",
    "official",
    "language",
    "official_text",
)


@dataclass
class Choice:
    label: str  # what the user sees on the button
    value: str  # what the channel sends back as the user's next message


@dataclass
class Reply:
    kind: str
    text: str
    confidence: float = 0.0
    state: str | None = None
    source: dict | None = None
    suggestions: list[str] = field(default_factory=list)
    matches: list[dict] = field(default_factory=list)  # [{"id", "type": "faq"|"credential", "score"}]
    faq_id: str | None = None
    credential_id: str | None = None
    choices: list[Choice] = field(default_factory=list)
    offer_escalation: bool = False
    help_email: str | None = None
    escalation: dict | None = None
    official: bool | None = None
    language: str = "en"  # the language of ``text``: "en" or "es"
    official_text: str | None = None  # the official English answer when ``text`` shows a translation

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown reply kind {self.kind!r}")

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: asdict deep-copies
        data["choices"] = [{"label": c.label, "value": c.value} for c in self.choices]
        data["confidence"] = round(float(self.confidence), 4)
        return data

    def to_session_dict(self) -> dict:
        """What a session keeps of a reply (to share it later): plain JSON data, without the
        matches or the escalation record (dates, the conversation, a reply address)."""
        data = self.to_dict()
        return {k: data[k] for k in SESSION_FIELDS}

    @classmethod
    def from_dict(cls, data: dict) -> Reply:
        """The Reply again from ``to_dict()``'s plain data (as kept in a session)."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["choices"] = [Choice(label=c["label"], value=c["value"]) for c in data.get("choices") or []]
        return cls(**values)
