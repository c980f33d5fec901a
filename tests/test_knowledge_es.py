"""es.json: a Spanish view of every entry, validated like the other knowledge files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from credbot.knowledge import KnowledgeError, check, load
from credbot.text_es import normalise_es

ROOT = Path(__file__).resolve().parent.parent


def test_every_entry_has_a_spanish_view_marked_as_an_unofficial_translation(kb):
    assert set(kb.spanish) == {e.id for e in kb.faq}
    for entry in kb.faq:
        es = kb.spanish[entry.id]
        assert len(es.alternates) >= 8, entry.id
        assert es.keywords and es.question and es.answer.strip()
        assert es.official_text_is_authoritative is True
        assert "not the" in es.reviewed_by  # says honestly that the agency did not review it
        # written apart from the English: no Spanish alternate is an English one
        assert not {a.casefold() for a in es.alternates} & {a.casefold() for a in entry.alternates}


def test_translations_keep_the_numbers_addresses_and_names_of_the_official_text(kb):
    """A faithful translation keeps every figure, email address and law number of the English answer."""
    import re

    for entry in kb.faq:
        es = kb.spanish[entry.id].answer
        for token in re.findall(r"[\w.]+@[\w.]+\w|\b\d[\d.,()C]*\d\b|\b\d\b", entry.answer):
            plain = token.replace(",", "")
            assert token in es or plain in es.replace(",", ""), f"{entry.id}: {token!r} missing in Spanish"


def test_spanish_synonyms_fold_accents_and_phrases(kb):
    syn = kb.spanish_synonyms
    assert syn is not None
    assert syn.apply(normalise_es("¿Cuánto cuesta la certificación?")) == "costo la credencial"
    assert syn.apply(normalise_es("la licencia de manejar")) == "la licencia de conducir"
    assert syn.apply(normalise_es("mi hija en la high")) == "mi estudiante en preparatoria"


@pytest.fixture
def knowledge_dir(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "credbot" / "knowledge", target)
    return target


def _edit(path: Path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False))


def test_problems_are_reported_as_file_entry_field_message(knowledge_dir):
    def damage(doc):
        entries = doc["entries"]
        entries[0]["id"] = "no-such-entry"
        entries[1]["alternates"] = entries[1]["alternates"][:3]
        entries[2]["official_text_is_authoritative"] = False
        entries[3]["translated_on"] = "yesterday"
        entries[4]["question"] = doc["entries"][3]["question"]  # same state (Ohio), same question

    _edit(knowledge_dir / "es.json", damage)
    _, problems = check(knowledge_dir)
    lines = [str(p) for p in problems]
    assert any(line.startswith("es.json: oh-why-earn: alternates:") and "is too short" in line for line in lines)
    assert any(line.startswith("es.json: oh-all-industries: official_text_is_authoritative:") for line in lines)
    assert any(line.startswith("es.json: oh-how-earn: translated_on: 'yesterday' is not a 'date'") for line in lines)
    with pytest.raises(KnowledgeError):
        load(knowledge_dir)
    # once the schema problems are fixed, the ids and questions are checked against faq.json
    _edit(
        knowledge_dir / "es.json",
        lambda d: [
            d["entries"][1].update(alternates=d["entries"][1]["alternates"] * 3),
            d["entries"][2].update(official_text_is_authoritative=True),
            d["entries"][3].update(translated_on="2026-11-23"),
        ],
    )
    _, problems = check(knowledge_dir)
    lines = [str(p) for p in problems]
    assert "es.json: no-such-entry: id: no entry with this id in faq.json or supplementary.json" in lines
    assert any(line.startswith("es.json: oh-new-program: question: near-duplicate of oh-how-earn") for line in lines)
    # the entry left without a Spanish view is a warning: it still answers, in English
    warning = next(p for p in problems if p.entry == "oh-what-is-credential")
    assert warning.warning and "no Spanish translation" in warning.message


def test_es_json_is_optional(knowledge_dir):
    (knowledge_dir / "es.json").unlink()
    kb = load(knowledge_dir)
    assert kb.spanish == {} and kb.spanish_synonyms is None
