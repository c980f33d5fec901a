"""The message catalogue: every phrase in English and Spanish, and today's English unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credbot.conversation import smalltalk
from credbot.knowledge import KnowledgeError
from credbot.phrases import check, load, phrase, placeholders


def test_catalogue_is_complete_and_consistent():
    catalogue, problems = check()
    assert problems == []
    assert len(catalogue) > 80
    for key, texts in catalogue.items():
        assert set(texts) == {"en", "es"}, key
        assert placeholders(texts["en"]) == placeholders(texts["es"]), key
        assert texts["en"] != texts["es"] or placeholders(texts["en"]), key  # translated unless only placeholders


@pytest.mark.parametrize(
    "key, today",
    [
        (
            "smalltalk.greeting",
            "Hello! I answer questions about industry-recognized credentials for high-school career-technical education in Ohio and Illinois. What would you like to know?",
        ),
        ("smalltalk.thanks", "You're welcome! Ask me anything else about industry credentials."),
        ("smalltalk.goodbye", "Goodbye! Good luck to your student."),
        (
            "smalltalk.who",
            "I'm credbot, an automated assistant. I answer from the official Industry-Recognized Credentials FAQs of the Ohio Department of Education and the Illinois State Board of Education, and from a catalogue of credentials with sources. I can pass a question I can't answer to a person at the help desk.",
        ),
        (
            "smalltalk.help",
            "I can answer questions from the Ohio and Illinois official FAQs on industry-recognized credentials (what they are, why to earn them, how students earn them, costs, the state list, who to contact), and look up credentials in a catalogue (what a credential is, who issues it, Ohio points, credentials by career field). Tell me your state (Ohio or Illinois) for the right answer. If I can't answer, I can send your question to a person at the help desk.",
        ),
        ("smalltalk.empty", "Please type a question about industry-recognized credentials."),
        ("smalltalk.nothing_more", "There is nothing more to show. Ask me another question."),
    ],
)
def test_english_strings_are_todays(key, today):
    assert phrase(key, "en") == today


def test_english_with_values_equals_todays_replies(bot):
    """Replies built today by the conversation modules, rebuilt from the catalogue's English."""
    reply = bot.handle("can a credential be revoked after a failed drug test?", "phrases-1", state="OH")
    assert reply.text == phrase(
        "answers.fallback", "en", where="the Ohio help desk", email="industrycredentials@education.ohio.gov"
    )
    assert reply.suggestions == [phrase("answers.yes_send", "en"), phrase("answers.no_thanks", "en")]
    reply = bot.handle("talk to a person", "phrases-2", state="IL")
    assert reply.text == phrase("escalating.person_no_question", "en", sorry="", email="cte@isbe.net")
    bot.handle("can a credential be revoked after a failed drug test?", "phrases-3", state="OH")
    reply = bot.handle("no", "phrases-3")
    assert reply.text == phrase("bot.wont_send", "en")
    reply = bot.handle("ohio", "phrases-4")
    assert reply.text == phrase("smalltalk.state_set", "en", name="Ohio")
    for state, key in (("OH", "oh"), ("IL", "il"), (None, "any")):
        assert smalltalk.examples(state) == [phrase(f"smalltalk.example.{key}.{i}", "en") for i in (1, 2, 3)]
    reply = bot.handle("Who can help me set up a new program that leads to a credential?", "phrases-5", state="OH")
    entry = bot.kb.faq_by_id[reply.faq_id]
    lead = phrase("answers.lead_official", "en", agency=entry.source.agency, question=entry.question)
    assert reply.text.startswith(lead + "\n\n")
    assert reply.text.endswith(phrase("answers.source", "en", citation=entry.source.cite()))
    assert reply.suggestions == [
        phrase("answers.what_about", "en", other="Illinois"),
        phrase("answers.talk_to_person", "en"),
    ]


def test_spanish_phrases_fill_their_values():
    text = phrase("escalating.offer", "es", question="¿cuánto cuesta?", email="cte@isbe.net")
    assert text == "Puedo enviar su pregunta “¿cuánto cuesta?” a la mesa de ayuda, a cte@isbe.net. ¿La envío?"
    assert phrase("smalltalk.thanks", "fr") == phrase("smalltalk.thanks", "en")  # unknown language: English
    with pytest.raises(KeyError):
        phrase("no.such.key", "es")


def test_problems_are_reported_and_refused(tmp_path):
    doc = json.loads((Path(__file__).resolve().parent.parent / "credbot/knowledge/messages.json").read_text())
    doc["messages"]["smalltalk.thanks"].pop("es")
    doc["messages"]["escalating.offer"]["es"] = "Puedo enviar “{pregunta}” a {email}."
    path = tmp_path / "messages.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    _, problems = check(path)
    lines = [str(p) for p in problems]
    assert "messages.json: smalltalk.thanks: es: missing or blank: every key needs en and es" in lines
    assert any(line.startswith("messages.json: escalating.offer: es: placeholders differ") for line in lines)
    with pytest.raises(KnowledgeError):
        load(str(path))


def test_credbot_validate_checks_the_catalogue(tmp_path):
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    target = tmp_path / "knowledge"
    shutil.copytree(root / "credbot" / "knowledge", target)
    doc = json.loads((target / "messages.json").read_text())
    doc["messages"]["smalltalk.goodbye"]["es"] = "  "
    (target / "messages.json").write_text(json.dumps(doc, ensure_ascii=False))
    env = {"CREDBOT_KNOWLEDGE_DIR": str(target), "PATH": "/usr/bin:/bin", "CREDBOT_SEMANTIC": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "credbot", "validate"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "messages.json: smalltalk.goodbye: es: missing or blank" in result.stderr
