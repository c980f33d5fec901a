"""Load and validate the knowledge files (knowledge/*.json) into a KnowledgeBase.

Every problem is reported as ``file: entry: field: message``; an invalid knowledge base
raises KnowledgeError carrying all of them, so the bot refuses to start and says why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
from rapidfuzz import fuzz

from ..text import Synonyms, normalise
from ..text_es import normalise_es, spanish_synonyms

DEFAULT_DIR = Path(__file__).resolve().parent
FILES = {
    "faq": "faq.json",
    "supplementary": "supplementary.json",
    "credentials": "credentials.json",
    "synonyms": "synonyms.json",
    "es": "es.json",
}
OPTIONAL = {"supplementary", "es"}
COLLECTIONS = {
    "faq": "entries",
    "supplementary": "entries",
    "credentials": "credentials",
    "synonyms": "groups",
    "es": "entries",
}
SCHEMAS = {"faq": "faq", "supplementary": "faq", "credentials": "credentials", "synonyms": "synonyms", "es": "es"}
NEAR_DUPLICATE = 92  # rapidfuzz token_set_ratio at or above which two same-state questions clash


@dataclass(frozen=True)
class Source:
    agency: str
    title: str
    last_modified: str | None = None
    document: str | None = None
    urls: tuple[str, ...] = ()
    dated: str | None = None

    def cite(self) -> str:
        when = self.dated or (f"last modified {self.last_modified}" if self.last_modified else "")
        where = f" {'; '.join(self.urls)}" if self.urls else ""
        return f"{self.agency}, “{self.title}”" + (f" ({when})" if when else "") + where


@dataclass(frozen=True)
class FaqEntry:
    id: str
    state: str
    question: str
    answer: str
    alternates: tuple[str, ...]
    keywords: tuple[str, ...]
    source: Source
    help_email: str
    official: bool = True
    review_by: dt.date | None = None


@dataclass(frozen=True)
class SpanishEntry:
    """The Spanish view of one FAQ or supplementary entry (es.json, same id): how parents ask it in
    Spanish, and an unofficial translation of its answer written once by people. The English
    answer stays the authority (``official_text_is_authoritative`` is always true)."""

    id: str
    question: str
    answer: str
    alternates: tuple[str, ...]
    keywords: tuple[str, ...]
    translated_on: dt.date
    reviewed_by: str
    official_text_is_authoritative: bool = True


@dataclass(frozen=True)
class Credential:
    id: str
    name: str
    aliases: tuple[str, ...]
    issuer: str
    career_fields: tuple[str, ...]
    states: tuple[str, ...]
    ohio_points: int | None
    description: str
    sources: tuple[str, ...]
    confidence: str


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid knowledge base:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class KnowledgeBase:
    faq: list[FaqEntry]
    credentials: list[Credential]
    synonyms: Synonyms
    fingerprint: str
    warnings: list[Problem] = field(default_factory=list)
    spanish: dict[str, SpanishEntry] = field(default_factory=dict)  # by entry id; es.json is optional
    spanish_synonyms: Synonyms | None = None  # over accent-folded Spanish (credbot.text_es)

    def __post_init__(self):
        self.faq_by_id = {e.id: e for e in self.faq}
        self.credential_by_id = {c.id: c for c in self.credentials}


def _schema(name: str) -> dict:
    return json.loads((DEFAULT_DIR / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))


def _entry_label(doc: dict, path: list, collection: str, key: str) -> tuple[str, list]:
    """('faq-id' or 'entries[3]', remaining path) for a jsonschema error path."""
    if len(path) >= 2 and path[0] == collection and isinstance(path[1], int):
        items = doc.get(collection) or []
        item = items[path[1]] if path[1] < len(items) else None
        label = item.get(key) if isinstance(item, dict) and isinstance(item.get(key), str) else None
        return label or f"{collection}[{path[1]}]", path[2:]
    return "(file)", path


def _schema_problems(fname: str, doc, schema: dict, collection: str, key: str = "id") -> list[Problem]:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        entry, rest = _entry_label(doc if isinstance(doc, dict) else {}, path, collection, key)
        field_name = ".".join(str(p) for p in rest) or "(entry)"
        message = err.message
        if err.validator == "pattern" and err.validator_value == "\\S":
            message = "must not be empty or blank"
        problems.append(Problem(fname, entry, field_name, message))
    return problems


def _read(path: Path) -> tuple[object | None, list[Problem]]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return None, [Problem(path.name, "(file)", "(file)", f"file not found at {path}")]
    except json.JSONDecodeError as exc:
        return None, [
            Problem(path.name, "(file)", f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")
        ]


def _duplicate_ids(fname: str, items: list[dict], key: str = "id") -> list[Problem]:
    seen, problems = set(), []
    for item in items:
        ident = item.get(key) if isinstance(item, dict) else None
        if isinstance(ident, str):
            if ident in seen:
                problems.append(Problem(fname, ident, key, "duplicate id: ids must be unique"))
            seen.add(ident)
    return problems


def _near_duplicates(entries: list[tuple[str, dict]]) -> list[Problem]:
    problems = []
    for i, (_, a) in enumerate(entries):
        for fname, b in entries[i + 1 :]:
            if a["state"] != b["state"]:
                continue  # the two states' FAQs ask the same things on purpose
            score = fuzz.token_sort_ratio(normalise(a["question"]), normalise(b["question"]))
            if score >= NEAR_DUPLICATE:
                problems.append(
                    Problem(
                        fname,
                        b["id"],
                        "question",
                        f"near-duplicate of {a['id']} ({score:.0f}% similar): merge them or make them distinct",
                    )
                )
    return problems


def _stale(fname: str, entries: list[dict], today: dt.date) -> list[Problem]:
    out = []
    for e in entries:
        if e.get("review_by") and dt.date.fromisoformat(e["review_by"]) < today:
            out.append(
                Problem(
                    fname,
                    e["id"],
                    "review_by",
                    f"review date {e['review_by']} has passed: check the source and update the entry",
                    warning=True,
                )
            )
    return out


def check(directory: Path | str = DEFAULT_DIR, today: dt.date | None = None) -> tuple[dict, list[Problem]]:
    """Read and check every knowledge file. Returns (documents, problems incl. warnings)."""
    directory = Path(directory)
    today = today or dt.date.today()
    docs, problems = {}, []
    for name, fname in FILES.items():
        if name in OPTIONAL and not (directory / fname).exists():
            continue
        doc, read_problems = _read(directory / fname)
        problems += read_problems
        if doc is None:
            continue
        collection = COLLECTIONS[name]
        key = "canonical" if name == "synonyms" else "id"
        found = _schema_problems(fname, doc, _schema(SCHEMAS[name]), collection, key)
        problems += found
        items = doc.get(collection) if isinstance(doc, dict) else None
        if isinstance(items, list):
            problems += _duplicate_ids(fname, items, key)
            if collection == "entries" and not found:
                problems += _stale(fname, items, today)
        docs[name] = doc
    problems += _across_entry_files(docs, problems)
    problems += _spanish_problems(docs, problems)
    return docs, problems


def _across_entry_files(docs: dict, problems: list[Problem]) -> list[Problem]:
    """Ids unique and questions distinct across faq.json and supplementary.json together."""
    if any(p.file in (FILES["faq"], FILES["supplementary"]) and not p.warning for p in problems):
        return []
    found, seen = [], {}
    for name in ("faq", "supplementary"):
        for entry in (docs.get(name) or {}).get("entries", []):
            if entry["id"] in seen and seen[entry["id"]] != name:
                found.append(
                    Problem(FILES[name], entry["id"], "id", f"duplicate id: also in {FILES[seen[entry['id']]]}")
                )
            seen.setdefault(entry["id"], name)
    entries = [(FILES[name], e) for name in ("faq", "supplementary") for e in (docs.get(name) or {}).get("entries", [])]
    return found + _near_duplicates(entries)


def _spanish_problems(docs: dict, problems: list[Problem]) -> list[Problem]:
    """es.json against the entry files: every id names an entry; an entry without a Spanish view is
    a warning (it still answers, in English, saying so); two Spanish questions of one state must differ."""
    if "es" not in docs or any(not p.warning for p in problems):
        return []
    fname = FILES["es"]
    entries = {e["id"]: e for name in ("faq", "supplementary") for e in (docs.get(name) or {}).get("entries", [])}
    spanish = docs["es"]["entries"]
    found = [
        Problem(fname, s["id"], "id", "no entry with this id in faq.json or supplementary.json")
        for s in spanish
        if s["id"] not in entries
    ]
    translated = {s["id"] for s in spanish}
    found += [
        Problem(
            fname, ident, "(entry)", "no Spanish translation: Spanish questions get the English answer", warning=True
        )
        for ident in entries
        if ident not in translated
    ]
    known = [s for s in spanish if s["id"] in entries]
    for i, a in enumerate(known):
        for b in known[i + 1 :]:
            if entries[a["id"]]["state"] != entries[b["id"]]["state"]:
                continue
            score = fuzz.token_sort_ratio(normalise_es(a["question"]), normalise_es(b["question"]))
            if score >= NEAR_DUPLICATE:
                found.append(Problem(fname, b["id"], "question", f"near-duplicate of {a['id']} ({score:.0f}% similar)"))
    return found


def _spanish(doc: dict | None) -> tuple[dict[str, SpanishEntry], Synonyms | None]:
    if doc is None:
        return {}, None
    entries = {
        s["id"]: SpanishEntry(
            id=s["id"],
            question=s["question"],
            answer=s["answer"],
            alternates=tuple(s["alternates"]),
            keywords=tuple(s["keywords"]),
            translated_on=dt.date.fromisoformat(s["translated_on"]),
            reviewed_by=s["reviewed_by"],
            official_text_is_authoritative=s["official_text_is_authoritative"],
        )
        for s in doc["entries"]
    }
    return entries, spanish_synonyms(doc["synonyms"])


def load(directory: Path | str = DEFAULT_DIR, today: dt.date | None = None) -> KnowledgeBase:
    """A validated KnowledgeBase, or KnowledgeError listing every problem."""
    directory = Path(directory)
    docs, problems = check(directory, today)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise KnowledgeError(errors)
    entries = docs["faq"]["entries"] + docs.get("supplementary", {"entries": []})["entries"]
    faq = [
        FaqEntry(
            id=e["id"],
            state=e["state"],
            question=e["question"],
            answer=e["answer"],
            alternates=tuple(e["alternates"]),
            keywords=tuple(e["keywords"]),
            source=Source(**{k: tuple(v) if k == "urls" else v for k, v in e["source"].items()}),
            help_email=e["help_email"],
            official=e.get("official", True),
            review_by=dt.date.fromisoformat(e["review_by"]) if e.get("review_by") else None,
        )
        for e in entries
    ]
    creds = [
        Credential(
            id=c["id"],
            name=c["name"],
            aliases=tuple(c["aliases"]),
            issuer=c["issuer"],
            career_fields=tuple(c["career_fields"]),
            states=tuple(c["states"]),
            ohio_points=c["ohio_points"],
            description=c["description"],
            sources=tuple(c["sources"]),
            confidence=c["confidence"],
        )
        for c in docs["credentials"]["credentials"]
    ]
    digest = hashlib.sha256()
    for fname in FILES.values():
        if (directory / fname).is_file():
            digest.update((directory / fname).read_bytes())
    spanish, spanish_synonyms = _spanish(docs.get("es"))
    return KnowledgeBase(
        faq=faq,
        credentials=creds,
        synonyms=Synonyms(docs["synonyms"]["groups"]),
        fingerprint=digest.hexdigest()[:16],
        warnings=[p for p in problems if p.warning],
        spanish=spanish,
        spanish_synonyms=spanish_synonyms,
    )
