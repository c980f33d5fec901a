"""The Spanish matcher: Spanish questions, typed as parents type them, find the entries."""

from __future__ import annotations

import pytest

from credbot.matching_es import SPANISH_THRESHOLDS, build_spanish_matcher


@pytest.fixture(scope="module")
def matcher(kb):
    return build_spanish_matcher(kb)


@pytest.mark.parametrize(
    "question, state, expected",
    [
        ("¿Cuánto cuesta la certificación?", "IL", "il-costs"),
        ("cuanto cuesta la certificacion", "IL", "il-costs"),  # no accents, as often typed
        ("quien paga la credencial de mi hija en Ohio", None, "oh-sup-who-pays"),
        ("cuantos puntos necesita mi hijo para graduarse", "OH", "oh-sup-graduation-points"),
        ("la licencia de manejar cuenta como credencial?", "OH", "oh-sup-driver-license"),
        ("donde esta la lista de credenciales", "IL", "il-list"),
        ("el certificado de ServSafe cuesta?", "IL", "il-costs"),
        ("la high school de mi hijo da credenciales?", "IL", "il-how-obtain"),
        ("que puntaje de WorkKeys necesita", "OH", "oh-sup-workkeys"),
    ],
)
def test_spanish_questions_find_their_entries(matcher, question, state, expected):
    _, matches = matcher.rank(question, state)
    assert matches[0].id == expected
    assert matches[0].score >= SPANISH_THRESHOLDS["answer"]


def test_matches_carry_the_entries_ids_states_and_spanish_text(matcher, kb):
    _, matches = matcher.rank("que es una credencial de la industria", "OH")
    top = matches[0]
    english = kb.faq_by_id[top.id]
    assert top.id == "oh-what-is-credential" and top.entry.state == english.state == "OH"
    assert top.entry.official and top.entry.source == english.source
    assert top.entry.answer == kb.spanish[top.id].answer and "verificación" in top.entry.answer


@pytest.mark.parametrize(
    "question", ["cuando son las vacaciones de primavera", "como lleno la FAFSA", "a que hora abre la escuela"]
)
def test_out_of_scope_spanish_stays_below_the_clarify_threshold(matcher, question):
    _, matches = matcher.rank(question)
    assert not matches or matches[0].score < SPANISH_THRESHOLDS["clarify"]


def test_lexical_by_default_and_none_without_spanish_knowledge(matcher, kb):
    import dataclasses

    assert matcher.embedder is None
    assert build_spanish_matcher(dataclasses.replace(kb, spanish={}, spanish_synonyms=None)) is None


def test_verb_forms_meet_through_stemming(matcher):
    # "nominar" is in the entry's alternates; parents write other forms of it
    for question in ("como nomino una credencial en Ohio", "se puede nominar una credencial en Ohio?"):
        _, matches = matcher.rank(question, "OH")
        assert matches[0].id == "oh-sup-add-credential", question


def test_spanish_texting_shorthand_is_spelled_out_before_matching(matcher):
    assert matcher.correct_spelling("xq q tb d la escuela") == "porque que tambien de la escuela"
    _, matches = matcher.rank("q es una credencial reconocida x la industria", "OH")
    assert matches[0].id == "oh-what-is-credential"
