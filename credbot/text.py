"""Text normalisation, synonyms, state detection. Pure functions; no I/O."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

from .states import STATE_NAMES

__all__ = [
    "STATE_NAMES",
    "Synonyms",
    "content_words",
    "csv_safe",
    "detect_state",
    "fold",
    "normalise",
    "redact_personal",
    "state_code",
    "stem",
    "terminal_safe",
]

_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "‐": "-", "‑": "-"}
)
_NON_WORD = re.compile(r"[^a-z0-9+#']+")
_APOSTROPHE = re.compile(r"'(s|re|ve|ll|d|m|t)\b|'")

# Control characters other than tab, newline and carriage return: refused in messages.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What no text field of the API accepts: C0 controls but tab, newline and carriage return, DEL, the C1
# controls, the bidirectional embeddings, overrides and isolates (they reorder what an operator's terminal
# or mail reader shows, as in "Trojan Source"), and the Unicode line and paragraph separators.
UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# The same plus tab, newline and carriage return: escaped wherever stored text meets a terminal.
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_EMAIL_LIKE = re.compile(r"[^\s@<>()\"]+@[^\s@<>()\"]+\.[A-Za-z]{2,}")
_NUMBER_LIKE = re.compile(r"(?<!\w)\+?\d[\d ().-]{6,}\d(?!\w)")


def terminal_safe(text: object) -> str:
    """``text`` for a terminal: control and bidi characters shown as escapes (``\\x1b``, ``\\u202e``,
    ``\\r``), so stored text cannot clear the screen, move the cursor or reorder a line."""
    return _TERMINAL_UNSAFE.sub(lambda m: _escape(m.group(0)), str(text))


def _escape(char: str) -> str:
    code = ord(char)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def csv_safe(value: object) -> object:
    """A cell that a spreadsheet will not run: text starting with = + - @ (or a tab or carriage return,
    which some spreadsheets skip first) gets a leading apostrophe (OWASP's advice on CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def redact_personal(text: str) -> str:
    """The question without the e-mail addresses and phone-like numbers people type into it."""
    return _NUMBER_LIKE.sub("[number]", _EMAIL_LIKE.sub("[email]", text))


STOPWORDS = frozenset(
    """
a about above after again am an and any are aren as at be because been before being below between both but by
can could did do does doing don down during each few for from further had has have having he her here hers herself
him himself his i if in into is isn it its itself just let me more most my myself nor now of off on once
only or other our ours ourselves out over own please pls same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what whats when
which while whom will with would you your yours yourself u ur hi hey hello thanks thank im ive id s t
also really actually exactly tell know want wondering question anyone someone like something thing things kind sort
mean get got go goes going one ones much many way ways yes ok okay oh well us even anyway anyways honestly basically
""".split()
)

# The states named outright, or by their agencies. Cities and counties are data (credbot.places).
_STATE_PATTERNS = [
    ("OH", re.compile(r"\b(ohio|odew?|ohio department of education)\b")),
    ("IL", re.compile(r"\b(illinois|isbe|il)\b")),
]

_OHIO_CODE = re.compile(r"(?<![\w'])OH(?!\w)")  # the postal code, written as one: "oh" is a sound
_DENIED = re.compile(r"\b(not|n't|instead of|rather than)\s+(in\s+|for\s+|the\s+)?$")  # just before a state's name


def fold(text: str) -> str:
    """Unicode-normalise, unify quotes and dashes, casefold."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()


@functools.lru_cache(maxsize=8192)  # called several times per message on the same text
def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: no punctuation, no possessive endings."""
    text = _APOSTROPHE.sub(lambda m: "" if m.group(0) == "'" else " ", fold(text))
    return " ".join(_NON_WORD.sub(" ", text).split())


def state_code(text: str) -> str | None:
    """The state a short answer names: "OH", "il", "Ohio", "we're in Illinois"; None if none or both."""
    words = normalise(text).split()
    return {"oh": "OH", "il": "IL"}.get(words[-1] if words else "") or detect_state(text)


def _state_mentions(folded: str) -> Iterator[tuple[str, re.Match[str], bool]]:
    """Each state name in the text: (its code, the match, whether "not", "instead of" ... stands before it)."""
    for code, pattern in _STATE_PATTERNS:
        for m in pattern.finditer(folded):
            yield code, m, bool(_DENIED.search(folded, 0, m.start()))


@functools.lru_cache(maxsize=4096)
def detect_state(text: str) -> str | None:
    """The state a message names, or None when it names none or both. A state denied is not named:
    "sorry, Illinois not Ohio", "I meant Ohio, not Illinois"."""
    found = {code for code, _, denied in _state_mentions(fold(text)) if not denied}
    if _OHIO_CODE.search(text) and (text.strip(" .!?") == "OH" or any(c.islower() for c in text)):
        found.add("OH")  # "Akron, OH", "OH" alone; not "oh" nor "OH NO" shouted
    return found.pop() if len(found) == 1 else None


def only_denies_a_state(text: str) -> bool:
    """Does the text only say which state it is not ("not Ohio", "and not in Illinois")?"""
    folded = fold(text)
    denied = [m for _, m, no in _state_mentions(folded) if no]
    rest = folded
    for m in sorted(denied, key=lambda m: m.start(), reverse=True):  # from the end: earlier offsets stay
        rest = rest[: m.start()] + " " + rest[m.end() :]
    return bool(denied) and not re.sub(r"\b(and|but|or|not|n't|in|for|the|instead of|rather than)\b|[\W_]", "", rest)


class Synonyms:
    """Rewrites words and phrases to canonical terms, longest phrase first; ``shorthand`` spells out the
    words people abbreviate when they text ("hw many pts" -> "how many pts"), see expand()."""

    def __init__(self, groups: Iterable[Mapping], shorthand: Mapping[str, str] | None = None):
        self.shorthand = {normalise(k): normalise(v) for k, v in (shorthand or {}).items()}
        mapping: dict[str, str] = {}
        for group in groups:
            canonical = normalise(group["canonical"])
            for term in group["terms"]:
                mapping[normalise(term)] = canonical
        self.mapping = mapping
        phrases = sorted(mapping, key=lambda t: (-len(t.split()), t))
        self._pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b") if phrases else None

    def expand(self, normalised: str) -> str:
        """Texting shorthand written out, word by word (before spelling correction and the embedding)."""
        if not self.shorthand:
            return normalised
        return " ".join(self.shorthand.get(w, w) for w in normalised.split())

    def apply(self, normalised: str) -> str:
        if self._pattern is None:
            return normalised
        return self._pattern.sub(lambda m: self.mapping[m.group(1)], normalised)


# Place names say which state a question is about (see detect_state), not what it asks.
PLACE_WORDS = frozenset(
    """ohio illinois il columbus cleveland cincinnati toledo akron dayton chicago springfield
peoria rockford naperville state""".split()
)


def stem(word: str) -> str:
    """A light plural stemmer: 'colleges' -> 'college', 'industries' -> 'industry'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(normalised: str) -> list[str]:
    """The words that carry meaning: no stopwords, no place names, plurals folded."""
    return [
        stem(w)
        for w in normalised.split()
        if w not in STOPWORDS and w not in PLACE_WORDS and (len(w) > 1 or w.isdigit())
    ]
