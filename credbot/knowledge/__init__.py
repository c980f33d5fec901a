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
from typing import Any

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
    "intents": "intents.json",
    "places": "places.json",
    "es": "es.json",
}
OPTIONAL = {"supplementary", "intents", "places", "es"}
COLLECTIONS = {
    "faq": "entries",
    "supplementary": "entries",
    "credentials": "credentials",
    "synonyms": "groups",
    "intents": "intents",
    "places": "places",
    "es": "entries",
}
SCHEMAS = {name: "faq" if name == "supplementary" else name for name in FILES}
KEYS = {"synonyms": "canonical", "places": "name"}  # what names an item in problems and duplicate checks
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
    asked: tuple[str, ...] = ()  # more ways people ask it: learned by the scope classifier, not matched one by one
    counterpart: str | None = None  # the other state's entry on the same topic ("is it the same in Illinois?")


# The fields of a credential that are facts, each backed by sources or null.
FACT_FIELDS = ("issuer", "career_fields", "states", "ohio_points", "description")


@dataclass(frozen=True)
class CredentialSource:
    """One page that backs some of a credential's facts (``supports``)."""

    url: str
    type: str  # "primary", "state-association" or "secondary"
    host: str
    supports: tuple[str, ...]
    publisher: str | None = None  # plain-words name of a primary page's publisher that is not the issuer
    quote: str | None = None
    page_date: str | None = None

    @property
    def primary(self) -> bool:
        """The issuer or a state agency (or a state association copying the state's guidance)."""
        return self.type != "secondary"


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
    issuer: str | None
    career_fields: tuple[str, ...]
    states: tuple[str, ...]
    ohio_points: int | None
    description: str | None
    sources: tuple[CredentialSource, ...]
    confidence: str  # "sourced", "secondary" or "general-knowledge"
    field_support: dict[str, str] = field(default_factory=dict, hash=False)  # fact -> "primary"/"secondary"
    notes: str | None = None  # for maintainers: never shown as a fact

    def support(self, fact: str) -> str | None:
        """ "primary", "secondary", or None for a fact no source gives (null or empty)."""
        return self.field_support.get(fact)

    def backing(self, fact: str) -> tuple[CredentialSource, ...]:
        return tuple(s for s in self.sources if fact in s.supports)

    @property
    def name_only(self) -> bool:
        """No source backs any fact: the catalogue knows the name and nothing else."""
        return not self.field_support

    @property
    def urls(self) -> tuple[str, ...]:
        """The pages behind the facts shown (not those behind the notes alone), once each."""
        return tuple(dict.fromkeys(s.url for s in self.sources if set(s.supports) - {"notes"}))


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str
    warning: bool = False
    kind: str = ""  # for warnings: "stale", "secondary" or "name-only"

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid knowledge base:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Intent:
    id: str
    group: str  # social, reply, off_topic or catalogue
    examples: tuple[str, ...]


@dataclass
class KnowledgeBase:
    faq: list[FaqEntry]
    credentials: list[Credential]
    synonyms: Synonyms
    fingerprint: str
    warnings: list[Problem] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    domain_words: tuple[str, ...] = ()  # words that make a question one about credentials (for the help desk)
    correction_leads: tuple[str, ...] = ()  # words a correction starts with ("no", "sorry", "wait")
    corrections: tuple[str, ...] = ()  # phrases that introduce what was meant ("I meant")
    places: dict = field(default_factory=dict)  # places.json as read (see credbot.places)
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
                    kind="stale",
                )
            )
    return out


def _has_value(cred: dict, fact: str) -> bool:
    value = cred.get(fact)
    return value is not None and value != []


def _sourcing(fname: str, creds: list[dict]) -> list[Problem]:
    """Each credential's facts against its sources. Errors: a fact with no source, a source
    claimed that does not exist, a confidence label the support contradicts. Warnings, so that
    a maintainer knows what to confirm first: the facts that rest only on secondary sources
    (naming them and the sites), and entries that are a name only."""
    out = []
    for cred in creds:
        cid, support, sources = cred["id"], cred["field_support"], cred["sources"]
        for fact in FACT_FIELDS:
            backing = [s for s in sources if fact in s["supports"]]
            if _has_value(cred, fact) and fact not in support:
                out.append(Problem(fname, cid, fact, "no source backs this fact: add one or set the fact to null"))
            elif fact in support and not _has_value(cred, fact):
                out.append(Problem(fname, cid, f"field_support.{fact}", "the fact is null: drop its support"))
            elif fact in support and support[fact] == "primary" and all(s["type"] == "secondary" for s in backing):
                out.append(Problem(fname, cid, f"field_support.{fact}", "says primary, but no primary source backs it"))
            elif fact in support and not backing:
                out.append(Problem(fname, cid, f"field_support.{fact}", "no source in sources supports it"))
        weak = [f for f in FACT_FIELDS if support.get(f) == "secondary"]
        expected = "general-knowledge" if not support else "secondary" if weak else "sourced"
        if cred["confidence"] != expected:
            out.append(
                Problem(fname, cid, "confidence", f"is {cred['confidence']!r}, but its sources make it {expected!r}")
            )
        if weak:
            hosts = dict.fromkeys(
                s["host"] for s in sources if s["type"] == "secondary" and set(s["supports"]) & set(weak)
            )
            out.append(
                Problem(
                    fname,
                    cid,
                    ", ".join(weak),
                    f"rests only on secondary sources ({', '.join(hosts)}): confirm with the issuer or the state "
                    "and add that page as a primary source",
                    warning=True,
                    kind="secondary",
                )
            )
        elif not support:
            out.append(
                Problem(
                    fname,
                    cid,
                    "(entry)",
                    "name only: no source backs any fact, so the bot says it has no verified information; "
                    "find the issuer's page or drop the entry",
                    warning=True,
                    kind="name-only",
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
        key = KEYS.get(name, "id")
        found = _schema_problems(fname, doc, _schema(SCHEMAS[name]), collection, key)
        problems += found
        items = doc.get(collection) if isinstance(doc, dict) else None
        if isinstance(items, list):
            problems += _duplicate_ids(fname, items, key)
            if collection == "entries" and not found:
                problems += _stale(fname, items, today)
            if name == "credentials" and not found:
                problems += _sourcing(fname, items)
        docs[name] = doc
    problems += _across_entry_files(docs, problems)
    problems += _spanish_problems(docs, problems)
    return docs, problems


def _source(doc: dict[str, Any]) -> Source:
    return Source(
        agency=doc["agency"],
        title=doc["title"],
        last_modified=doc.get("last_modified"),
        document=doc.get("document"),
        urls=tuple(doc.get("urls", ())),
        dated=doc.get("dated"),
    )


def _across_entry_files(docs: dict, problems: list[Problem]) -> list[Problem]:
    """Ids unique and questions distinct across faq.json and supplementary.json together."""
    if any(p.file in (FILES["faq"], FILES["supplementary"]) and not p.warning for p in problems):
        return []
    found: list[Problem] = []
    seen: dict[str, str] = {}
    for name in ("faq", "supplementary"):
        for entry in (docs.get(name) or {}).get("entries", []):
            if entry["id"] in seen and seen[entry["id"]] != name:
                found.append(
                    Problem(FILES[name], entry["id"], "id", f"duplicate id: also in {FILES[seen[entry['id']]]}")
                )
            seen.setdefault(entry["id"], name)
    entries = [(FILES[name], e) for name in ("faq", "supplementary") for e in (docs.get(name) or {}).get("entries", [])]
    return found + _counterparts(entries) + _near_duplicates(entries)


def _counterparts(entries: list[tuple[str, dict]]) -> list[Problem]:
    """Each ``counterpart`` names an entry of the other state."""
    state = {e["id"]: e["state"] for _, e in entries}
    found = []
    for fname, entry in entries:
        other = entry.get("counterpart")
        if other is None:
            continue
        if other not in state:
            found.append(Problem(fname, entry["id"], "counterpart", f"no entry has the id {other!r}"))
        elif state[other] == entry["state"]:
            found.append(
                Problem(fname, entry["id"], "counterpart", f"{other!r} is of the same state ({entry['state']})")
            )
    return found


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
    return entries, spanish_synonyms(doc["synonyms"], doc.get("shorthand"))


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
            source=_source(e["source"]),
            help_email=e["help_email"],
            official=e.get("official", True),
            review_by=dt.date.fromisoformat(e["review_by"]) if e.get("review_by") else None,
            asked=tuple(e.get("asked", ())),
            counterpart=e.get("counterpart"),
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
            sources=tuple(
                CredentialSource(
                    url=s["url"],
                    type=s["type"],
                    host=s["host"],
                    supports=tuple(s["supports"]),
                    publisher=s.get("publisher"),
                    quote=s.get("quote"),
                    page_date=s.get("page_date"),
                )
                for s in c["sources"]
            ),
            confidence=c["confidence"],
            field_support=dict(c["field_support"]),
            notes=c["notes"],
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
        synonyms=Synonyms(docs["synonyms"]["groups"], docs["synonyms"].get("shorthand")),
        fingerprint=digest.hexdigest()[:16],
        warnings=_startup_warnings([p for p in problems if p.warning]),
        intents=[Intent(i["id"], i["group"], tuple(i["examples"])) for i in docs.get("intents", {}).get("intents", [])],
        domain_words=tuple(docs.get("intents", {}).get("domain_words", ())),
        correction_leads=tuple(docs.get("intents", {}).get("corrections", {}).get("leads", ())),
        corrections=tuple(docs.get("intents", {}).get("corrections", {}).get("phrases", ())),
        places=docs.get("places", {}),
        spanish=spanish,
        spanish_synonyms=spanish_synonyms,
    )


def _startup_warnings(warnings: list[Problem]) -> list[Problem]:
    """The warnings to log at start: the sourcing ones as one line (`credbot validate` lists them)."""
    weak = [p for p in warnings if p.kind == "secondary"]
    bare = [p for p in warnings if p.kind == "name-only"]
    kept = [p for p in warnings if p.kind not in ("secondary", "name-only")]
    if weak or bare:
        kept.append(
            Problem(
                FILES["credentials"],
                "(file)",
                "sources",
                f"{len(weak)} credential(s) have facts that rest only on secondary sources and {len(bare)} "
                "are a name only: run `credbot validate` to list them",
                warning=True,
                kind="secondary",
            )
        )
    return kept
