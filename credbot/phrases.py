"""What the bot says in its own words, in English and Spanish: the message catalogue
(knowledge/messages.json) and ``phrase(key, lang, **values)``.

The catalogue is data, like the knowledge: every key has an ``en`` and an ``es`` text with the same
``{placeholders}``; ``check()`` reports what is wrong as ``messages.json: key: field: message`` and
``load()`` refuses a catalogue with problems. A language the catalogue does not have falls back to
English; a missing key is a programming error (KeyError), found by the tests.
"""

from __future__ import annotations

import functools
import json
import string
from pathlib import Path
from typing import Any

from .knowledge import DEFAULT_DIR, KnowledgeError, Problem

FILE = "messages.json"
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


def placeholders(text: str) -> set[str]:
    """The names of a text's {placeholders} ('{name}' -> {'name'})."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def check(path: Path | str | None = None) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """(the catalogue by key, every problem found)."""
    path = Path(path) if path else DEFAULT_DIR / FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [Problem(path.name, "(file)", "(file)", f"file not found at {path}")]
    except json.JSONDecodeError as exc:
        return {}, [Problem(path.name, "(file)", f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")]
    messages = doc.get("messages") if isinstance(doc, dict) else None
    if not isinstance(messages, dict) or doc.get("version") != 1:
        return {}, [Problem(path.name, "(file)", "messages", "expected {'version': 1, 'messages': {key: {en, es}}}")]
    problems, catalogue = [], {}
    for key, texts in messages.items():
        if not isinstance(texts, dict):
            problems.append(Problem(path.name, key, "(entry)", "must be an object with en and es texts"))
            continue
        for lang in LANGUAGES:
            text = texts.get(lang)
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem(path.name, key, lang, "missing or blank: every key needs en and es"))
        unknown = set(texts) - set(LANGUAGES)
        if unknown:
            problems.append(Problem(path.name, key, ",".join(sorted(unknown)), "unknown language"))
        texts_ok = {lang: t for lang, t in texts.items() if isinstance(t, str)}
        try:
            fields = {lang: placeholders(t) for lang, t in texts_ok.items()}
        except ValueError as exc:
            problems.append(Problem(path.name, key, "(entry)", f"malformed placeholder: {exc}"))
            continue
        if len({frozenset(f) for f in fields.values()}) > 1:
            shown = "; ".join(f"{lang}: {sorted(f)}" for lang, f in sorted(fields.items()))
            problems.append(Problem(path.name, key, "es", f"placeholders differ between languages ({shown})"))
        catalogue[key] = texts_ok
    return catalogue, problems


@functools.cache
def load(path: str | None = None) -> dict[str, dict[str, str]]:
    """The validated catalogue (cached), or KnowledgeError listing every problem."""
    catalogue, problems = check(path)
    if problems:
        raise KnowledgeError(problems)
    return catalogue


def phrase(key: str, lang: str | None = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The bot's words for ``key`` in ``lang`` ('en' or 'es'; anything else gives English), with values filled in:
    phrase("escalating.offer", "es", question=q, email=e)."""
    texts = load()[key]
    text = texts.get(lang or DEFAULT_LANGUAGE) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values or placeholders(text) else text
