"""Structured look-ups in the credentials catalogue (knowledge/credentials.json).

Names are found with rapidfuzz over names and aliases (typo tolerant); fields, issuers,
states and points are structured filters, never free-text guesses.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from .knowledge import Credential, KnowledgeBase
from .text import normalise

# Words that say nothing about which credential is meant.
GENERIC = frozenset(
    """credential credentials certification certifications certificate certificates certified cert certs
card cards license licence level i the a an program professional technician tech provider user""".split()
)
NAME_CUTOFF = 86
FAMILY_SCORE = 80.0  # a word that begins several names: a weaker sign than a name

# Career fields: the catalogue's labels, with the words people use for them.
FIELD_WORDS = {
    "Health": ["health", "health care", "healthcare", "medical", "nursing", "health science", "health sciences"],
    "Information Technology": [
        "information technology",
        "it",
        "computer",
        "computers",
        "tech",
        "cyber",
        "cybersecurity",
        "networking",
    ],
    "Construction": ["construction", "building trades", "trades"],
    "Law and Public Safety": ["law", "public safety", "law enforcement", "police", "fire", "emergency"],
    "Business, Marketing, and Finance": ["business", "marketing", "finance", "accounting", "retail"],
    "Manufacturing": ["manufacturing", "welding", "machining", "industrial"],
    "Hospitality and Tourism": ["hospitality", "tourism", "culinary", "food", "restaurant"],
    "Transportation": ["transportation", "automotive", "auto", "logistics", "cars"],
    "Engineering": ["engineering", "mechatronics"],
    "Human Services": ["human services", "cosmetology", "beauty", "counseling"],
    "Agriculture/Environmental Systems": [
        "agriculture",
        "agricultural",
        "environmental",
        "animal",
        "veterinary",
        "farming",
    ],
    "Arts and Communications": ["arts", "art", "communications", "design", "graphic design", "media"],
    "Health Sciences Technology": ["health sciences technology"],
    "All career fields": [],
}
# The words Spanish-speaking parents use for the same fields (with and without accents).
SPANISH_FIELD_WORDS = {
    "Health": ["salud", "medicina", "enfermeria", "enfermería", "area de salud", "área de salud"],
    "Information Technology": ["informatica", "informática", "computacion", "computación", "computadoras"],
    "Construction": ["construccion", "construcción", "oficios de construccion"],
    "Law and Public Safety": ["policia", "policía", "bomberos", "seguridad publica", "seguridad pública"],
    "Business, Marketing, and Finance": ["negocios", "contabilidad", "finanzas", "ventas", "mercadotecnia"],
    "Manufacturing": ["manufactura", "soldadura", "soldador", "maquinado", "industrial"],
    "Hospitality and Tourism": ["cocina", "culinaria", "gastronomia", "gastronomía", "restaurante", "turismo"],
    "Transportation": ["automotriz", "mecanica automotriz", "mecánica automotriz", "transporte", "carros"],
    "Engineering": ["ingenieria", "ingeniería", "mecatronica", "mecatrónica"],
    "Human Services": ["cosmetologia", "cosmetología", "belleza", "servicios humanos"],
    "Agriculture/Environmental Systems": ["agricultura", "veterinaria", "animales", "medio ambiente"],
    "Arts and Communications": ["arte", "artes", "diseño grafico", "diseño gráfico", "comunicaciones"],
}
for _label, _words in SPANISH_FIELD_WORDS.items():
    FIELD_WORDS[_label] = FIELD_WORDS[_label] + _words
_FIELD_PATTERNS = [
    (label, re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b"))
    for label, words in FIELD_WORDS.items()
    if words
]
_POINTS = re.compile(r"\b(1|3|6|12|one|three|six|twelve|un|uno|tres|seis|doce)[ -]?(?:points?|puntos?)\b")
_WORD_NUMBERS = {"one": 1, "three": 3, "six": 6, "twelve": 12, "un": 1, "uno": 1, "tres": 3, "seis": 6, "doce": 12}


def initials(issuer: str | None) -> str:
    """An issuer's initials, as people write them: "Illinois Department of Public Health (Health Care Worker
    Registry)" -> "idph" ("" for a one-word or unnamed issuer)."""
    words = [w for w in normalise(re.split(r"[(,]", issuer or "")[0]).split() if w not in ("of", "the", "and", "for")]
    return "".join(w[0] for w in words) if len(words) > 1 else ""


@dataclass(frozen=True)
class NameHit:
    credential: Credential
    score: float
    matched: str


@dataclass(frozen=True)
class ListQuery:
    field: str | None = None
    points: int | None = None
    state: str | None = None
    issuer: str | None = None

    def describe(self, lang: str = "en") -> str:
        if lang == "es":
            return self._describe_es()
        parts = []
        if self.points:
            parts.append(f"worth {self.points} points in Ohio")
        if self.field:
            parts.append(f"in {self.field}")
        if self.issuer:
            parts.append(f"from {self.issuer}")
        if self.state:
            parts.append("tied by a source to " + {"OH": "Ohio", "IL": "Illinois"}[self.state])
        return " ".join(parts) or "in the catalogue"

    def _describe_es(self) -> str:
        """describe() in Spanish; the field and issuer are the catalogue's own (English) labels."""
        parts = []
        if self.points:
            parts.append(f"que valen {self.points} puntos en Ohio")
        if self.field:
            parts.append(f"del campo {self.field}")
        if self.issuer:
            parts.append(f"de {self.issuer}")
        if self.state:
            parts.append("vinculadas por una fuente a " + {"OH": "Ohio", "IL": "Illinois"}[self.state])
        return " ".join(parts) or "del catálogo"


class Catalogue:
    def __init__(self, kb: KnowledgeBase):
        self.credentials = kb.credentials
        self._names: list[tuple[str, Credential]] = []
        for cred in self.credentials:
            forms = [self.key(cred.name), self.key(re.sub(r"\(.*?\)", "", cred.name))]
            forms += [self.key(a) for a in cred.aliases]
            for form in dict.fromkeys(forms):  # de-duplicated, in a stable order
                if form:
                    self._names.append((form, cred))
        # Issuers by their short name ("CompTIA" for "CompTIA (Computing Technology Industry
        # Association)"); a credential whose issuer no source names (null) is in no issuer's list.
        self.issuers = sorted({self.issuer_name(c.issuer) for c in self.credentials if c.issuer})
        self._issuer_keys = [(normalise(i), i) for i in self.issuers if len(i) > 3]
        self.vocabulary = {w for form, _ in self._names for w in form.split()}
        words_of: dict[str, set[str]] = {}
        for form, cred in self._names:
            words_of.setdefault(cred.id, set()).update(form.split())
        self._words_of = {cid: frozenset(words) for cid, words in words_of.items()}
        # ...and of what tells two credentials of one name apart: "the CPT from NHA" (its issuer), "the
        # manufacturing CPT" (its career field)
        self._told_by = {
            c.id: self._words_of[c.id]
            | frozenset(self.key(" ".join([c.issuer or "", *c.career_fields])).split())
            | ({initials(c.issuer)} - {""})
            for c in self.credentials
        }
        self._short: dict[str, list[tuple[str, Credential]]] = {}
        self._long: list[tuple[str, Credential]] = []
        for form, cred in self._names:
            if len(form) <= 4:
                self._short.setdefault(form, []).append((form, cred))
            else:
                self._long.append((form, cred))
        self._long_forms = [form for form, _ in self._long]
        # Brand words that begin the names of several credentials ("OSHA", "CompTIA", "ServSafe"; not
        # "Emergency" or "Medical", which are ordinary words).
        firsts: dict[str, dict[str, tuple[str, Credential]]] = {}
        for cred in self.credentials:
            first = cred.name.split()[0] if cred.name.split() else ""
            form = self.key(cred.name)
            if len(first) >= 3 and first[1:] != first[1:].lower() and len(form.split()) > 1:
                firsts.setdefault(form.split()[0], {}).setdefault(cred.id, (form, cred))
        self._families = {w: tuple(v.values()) for w, v in firsts.items() if len(v) >= 2}
        self._widest = max((len(form.split()) for form, _ in self._names), default=1)
        # Both are pure functions of the text: parents ask the same questions, so repeats are free.
        self.find_names = functools.lru_cache(maxsize=4096)(self._find_names)
        self.mentions = functools.lru_cache(maxsize=4096)(self._mentions)
        self.parse_list_query = functools.lru_cache(maxsize=4096)(self._parse_list_query)

    def siblings(self, cred: Credential) -> tuple[Credential, ...]:
        """The other credentials of its brand family ("OSHA 30-Hour" for "OSHA 10-Hour"), or none."""
        first = self.key(cred.name).split()[:1]
        family = self._families.get(first[0], ()) if first else ()
        return tuple(c for _, c in family if c.id != cred.id)

    def words_of(self, cred: Credential) -> frozenset[str]:
        """Every word of a credential's name and aliases, as the catalogue keys them."""
        return self._words_of[cred.id]

    def told_by(self, cred: Credential) -> frozenset[str]:
        """The words that name a credential or tell it apart: its name's and aliases', its issuer's (and the issuer's
        initials: "idph") and its career fields'."""
        return self._told_by[cred.id]

    @staticmethod
    def issuer_name(issuer: str) -> str:
        """The issuer's name without what follows it in parentheses or after a semicolon."""
        return re.split(r" \(|; ", issuer, maxsplit=1)[0].strip()

    @staticmethod
    def key(text: str) -> str:
        text = re.sub(r"(\w)\+", r"\1plus", text)  # "A+" -> "Aplus"
        text = re.sub(r"\b(\w+) plus\b", r"\1plus", text, flags=re.I)  # "A plus" -> "Aplus"
        return " ".join(w for w in normalise(text).split() if w not in GENERIC)

    def _find_names(self, text: str) -> tuple[NameHit, ...]:
        """Credentials the text names, best first (several when a name is ambiguous). Of two names found
        alike, the credential whose own name holds more of the question's words is meant: "the RMA
        medical assistant credential" is the Registered Medical Assistant (RMA), not the credential
        whose alias is "medical assistant"."""
        hits = self.mentions(text)
        if not hits:  # "the OSHA card": a word that starts several names names them all (the bot asks which)
            words = self.key(text).split()
            family = next((self._families[w] for w in words if w in self._families), ())
            return tuple(NameHit(cred, FAMILY_SCORE, form) for form, cred in family)
        asked = set(self.key(text).split())
        explains = {h.credential.id: len(asked & self._told_by[h.credential.id]) for h in hits}
        hits = tuple(sorted(hits, key=lambda h: (-h.score, -explains[h.credential.id], -len(h.matched))))
        # Keep only hits as good as the best: "ServSafe Manager" should not also list "ServSafe".
        top = hits[0]
        return tuple(
            h
            for h in hits
            if h.score >= top.score - 0.5
            and explains[h.credential.id] >= explains[top.credential.id]
            and len(h.matched) >= 0.9 * len(top.matched)
        )

    def _mentions(self, text: str) -> tuple[NameHit, ...]:
        """Every credential whose name or alias the text holds, best first: "OSHA 10 and forklift" holds two.
        Every run of 1..n+1 words of the question is compared with every name and alias of
        n words: short ones (<= 4 letters, "CNA", "EMT") must match exactly, longer ones
        within rapidfuzz ratio NAME_CUTOFF (typos), all at once in rapidfuzz's cdist."""
        words = self.key(text).split()
        windows = list(
            dict.fromkeys(
                " ".join(words[i : i + w])
                for w in range(1, self._widest + 2)
                for i in range(0, max(1, len(words) - w + 1))
            )
        )
        best: dict[str, NameHit] = {}

        def consider(cred: Credential, score: float, form: str) -> None:
            previous = best.get(cred.id)
            if previous is None or (score, len(form)) > (previous.score, len(previous.matched)):
                best[cred.id] = NameHit(cred, score, form)

        for window in windows:
            for form, cred in self._short.get(window, ()):
                consider(cred, 100.0, form)
        if windows and self._long_forms:
            scores = process.cdist(windows, self._long_forms, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF, workers=1)
            for w, f in zip(*np.nonzero(scores)):
                form, cred = self._long[f]
                size = len(form.split())
                if abs(len(windows[w].split()) - size) <= 1:
                    consider(cred, float(scores[w, f]), form)
        return tuple(sorted(best.values(), key=lambda h: (-h.score, -len(h.matched))))

    def _parse_list_query(self, text: str, state: str | None) -> ListQuery | None:
        folded = normalise(text.replace("+", " plus "))
        # "it" is a pronoun far more often than a field: only "IT" (or "I.T.") names the field.
        unpronouned = folded if re.search(r"\bI\.?T\b", text) else re.sub(r"\bit\b", " ", folded)
        field = next((label for label, pattern in _FIELD_PATTERNS if pattern.search(unpronouned)), None)
        m = _POINTS.search(folded)
        points = None
        if m:
            points = _WORD_NUMBERS.get(m.group(1)) or int(m.group(1))
        issuer = next((i for key, i in self._issuer_keys if key in folded), None)
        if field is None and points is None and issuer is None:
            return None
        return ListQuery(
            field=field, points=points, issuer=issuer, state=state if re.search(r"\blist\b", folded) else None
        )

    def search(self, query: ListQuery) -> list[Credential]:
        found = []
        for cred in self.credentials:
            if query.field and query.field not in cred.career_fields:
                continue
            if query.points is not None and cred.ohio_points != query.points:
                continue
            if query.issuer and (cred.issuer is None or self.issuer_name(cred.issuer) != query.issuer):
                continue
            if query.state and query.state not in cred.states:
                continue
            found.append(cred)
        # Sourced facts first, then those resting partly on secondary sources, then names only.
        rank = {"sourced": 0, "secondary": 1}
        return sorted(found, key=lambda c: (rank.get(c.confidence, 2), c.name.casefold()))
