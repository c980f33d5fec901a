"""Language per message: short, mixed and accent-less Spanish as parents type it, and English."""

from __future__ import annotations

import pytest

from credbot.language import detect, detector_available

SPANISH = [
    "hola",
    "Hola!",
    "gracias",
    "muchas gracias",
    "buenas tardes",
    "sí",
    "adios",
    "el certificado de ServSafe cuesta?",
    "la high school de mi hijo",
    "cuanto cuesta la certificacion",
    "¿Cuánto cuesta la certificación?",
    "que es una credencial",
    "mi hijo quiere sacar el OSHA 10",
    "puntos para graduarse",
    "cuantos puntos necesita mi hija para graduarse en Ohio",
    "quien paga el examen",
    "donde esta la lista de credenciales",
    "la escuela paga o pago yo?",
    "mi hija esta en CTE en Cicero",
    "necesito ayuda",
    "hablo español",
    "no entiendo",
    "quiero hablar con una persona",
    "el WorkKeys es obligatorio?",
    "mi hijo esta en el programa de welding, le dan credencial?",
    "que es el sello OhioMeansJobs",
    "la licencia de manejar cuenta?",
    "y en Illinois?",
    "y para Illinois como es",
    "mi correo es mama.lopez@gmail.com",
    "cuanto vale el CompTIA A+",
    "tengo una pregunta sobre las credenciales",
    "buenos dias, mi hijo va en 11th grade y quiere sacar una certificacion",
    "el counselor dijo que necesita 12 puntos",
    "ok gracias",
    "si por favor",
    "no gracias",
    "qué",
    "como?",
    "sirve para el college?",
    "es gratis?",
    "mi hijo",
    "en que clase le dan el certificado",
    "por que es importante",
    "me lo puede explicar en español",
]
ENGLISH = [
    "hello",
    "hi",
    "thanks",
    "thank you",
    "yes",
    "yes please",
    "no thanks",
    "bye",
    "What is an industry-recognized credential?",
    "how much does it cost",
    "How many points does my son need to graduate?",
    "who pays for the exam in Ohio",
    "where is the list",
    "what is servsafe",
    "Is the driver's license a credential?",
    "my daughter is in CTE",
    "talk to a person",
    "what about Illinois?",
    "show me IT certifications",
    "does a credential guarantee a job",
    "can I speak to someone",
    "I have a question",
    "how do students earn credentials",
    "what is the IRC seal",
    "tell me about OSHA 10",
    "is there a fee",
    "more",
    "help",
    "do all jobs need a certification",
    "my email is jane.doe@example.com",
]
# Nothing to go on: the conversation's language stays.
NEUTRAL = [
    "ok",
    "OK",
    "2",
    "1",
    "ServSafe",
    "OSHA 10",
    "parent@example.com",
    "Ohio",
    "IL",
    "👍",
    "???",
    "12",
    "CompTIA A+",
]


@pytest.mark.parametrize("text", SPANISH)
def test_spanish_messages(text):
    assert detect(text, "en") == "es"
    assert detect(text, None) == "es"


@pytest.mark.parametrize("text", ENGLISH)
def test_english_messages(text):
    assert detect(text, "es") == "en"
    assert detect(text, None) == "en"


@pytest.mark.parametrize("text", NEUTRAL)
def test_neutral_turns_keep_the_previous_language(text):
    assert detect(text, "es") == "es"
    assert detect(text, "en") == "en"
    assert detect(text, None) == "en"  # a new conversation starts in English unless told otherwise


def test_a_parent_who_switches_is_followed():
    lang = None
    said = []
    for message in ["hola", "cuanto cuesta la credencial", "2", "ok", "sorry, can you answer in English?", "1"]:
        lang = detect(message, lang)
        said.append(lang)
    assert said == ["es", "es", "es", "es", "en", "en"]


def test_unknown_previous_value_is_ignored():
    assert detect("ok", "fr") == "en"
    assert detect("hola", "fr") == "es"


def test_the_statistical_detector_is_installed():
    # lingua-language-detector is a dependency: without it the function words decide alone
    assert detector_available()
