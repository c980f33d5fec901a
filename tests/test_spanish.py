"""A Spanish-speaking parent's conversation (issue 17): what they read, in Spanish, from greeting to
help desk; the official English text beside every translated answer; Slack stays English."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from credbot.escalation.mail import compose, compose_confirmation
from credbot.phrases import phrase


def test_greeting_small_talk_and_goodbye_are_in_spanish(bot):
    reply = bot.handle("hola", "es-1")
    assert reply.language == "es"
    assert reply.text == phrase("smalltalk.greeting", "es")
    assert reply.text.startswith("¡Hola!")
    assert "¿Qué es una credencial reconocida por la industria?" in reply.suggestions
    assert bot.handle("¿eres un robot?", "es-1").text == phrase("smalltalk.who", "es")
    assert bot.handle("muchas gracias", "es-1").text == phrase("smalltalk.thanks", "es")
    assert bot.handle("hasta luego", "es-1").text == "¡Hasta luego! Mucha suerte a su estudiante."


def test_a_spanish_question_gets_the_marked_translation_and_the_official_english(bot):
    reply = bot.handle("¿Qué es una credencial reconocida por la industria?", "es-2", state="OH")
    assert reply.kind == "answer" and reply.faq_id == "oh-what-is-credential"
    translation = bot.kb.spanish["oh-what-is-credential"]
    english = bot.kb.faq_by_id["oh-what-is-credential"]
    assert reply.language == "es"
    assert reply.text.startswith("Traducción no oficial hecha por credbot")
    assert "El texto oficial en inglés es el que vale." in reply.text
    assert translation.answer in reply.text
    assert english.answer not in reply.text  # the English is one click away, not repeated in the text
    assert reply.official_text == english.answer
    assert f"“{translation.question}”" in reply.text  # the lead-in quotes the Spanish question
    assert reply.text.endswith(f"Fuente: {english.source.cite()}.")
    assert reply.suggestions == ["¿Y en Illinois?", "Hablar con una persona"]
    as_json = reply.to_dict()
    assert as_json["language"] == "es" and as_json["official_text"] == english.answer


def test_an_entry_without_a_translation_says_so_in_spanish_and_shows_the_english(bot):
    entry_id = "oh-what-is-credential"
    saved = bot.faq.spanish
    bot.faq.spanish = {k: v for k, v in saved.items() if k != entry_id}
    try:
        session = bot.sessions.get("es-3")
        session.language = "es"
        reply = bot.faq.answer_entry(bot.kb.faq_by_id[entry_id], "¿qué es?", session, confidence=1.0)
    finally:
        bot.faq.spanish = saved
    assert phrase("translation.missing", "es") in reply.text
    assert bot.kb.faq_by_id[entry_id].answer in reply.text
    assert reply.official_text is None  # what is shown is the official text


def test_english_stays_english_and_a_switch_is_followed(bot):
    reply = bot.handle("What is an industry-recognized credential?", "es-4", state="IL")
    assert reply.language == "en" and reply.official_text is None
    assert reply.text.startswith("The Illinois State Board of Education answers")
    reply = bot.handle("¿y cuánto cuesta la credencial?", "es-4")
    assert reply.language == "es" and reply.faq_id == "il-costs"
    reply = bot.handle("sorry, can you say that in English? how much does it cost?", "es-4")
    assert reply.language == "en" and reply.text.startswith("The Illinois State Board of Education answers")


def test_catalogue_questions_in_spanish(bot):
    reply = bot.handle("¿qué es ServSafe?", "es-5")
    assert reply.kind == "credential" and reply.credential_id and "servsafe" in reply.credential_id
    assert "Esto viene del catálogo de credenciales de credbot" in reply.text
    reply = bot.handle("¿Quién otorga el certificado de CompTIA A+?", "es-6")
    assert reply.kind == "credential" and reply.credential_id == "comptia-a"
    assert reply.text.startswith("CompTIA A+ la otorga CompTIA")
    reply = bot.handle("¿qué credenciales hay de salud?", "es-7")
    assert reply.kind == "credential" and reply.text.startswith("El catálogo tiene ")
    assert "credenciales del campo Health" in reply.text


def test_school_questions_other_states_and_places_in_spanish(bot):
    reply = bot.handle("¿a qué hora pasa el autobús de la escuela?", "es-8")
    assert reply.kind == "fallback" and not reply.offer_escalation
    assert reply.text == phrase("answers.elsewhere", "es")
    reply = bot.handle("¿cómo cuenta Kentucky las certificaciones para graduarse?", "es-9")
    assert reply.text.startswith("Solo cubro Ohio e Illinois") and "Kentucky" in reply.text
    assert reply.suggestions == ["Sí, envíela", "No, gracias"]
    reply = bot.handle("vivimos en Decatur", "es-10")
    assert reply.text == "Entendido: responderé para Illinois. ¿Qué le gustaría saber?"


def test_the_page_language_starts_the_conversation(client):
    body = client.post("/api/chat", json={"message": "ServSafe", "language": "es"}).json
    assert body["language"] == "es"
    assert "Esto viene del catálogo de credenciales de credbot" in body["text"]
    english = client.post("/api/chat", json={"message": "ServSafe"}).json
    assert english["language"] == "en" and "This comes from credbot's credentials catalogue" in english["text"]
    bad = client.post("/api/chat", json={"message": "hola", "language": "fr"})
    assert bad.status_code == 400 and "language" in bad.json["error"]


def test_slack_answers_a_spanish_question_in_english(bot):
    reply = bot.handle("¿Cuánto cuesta una credencial en Illinois?", "slack:T1:U1", channel="slack")
    assert reply.kind == "answer" and reply.faq_id == "il-costs"
    assert reply.language == "en" and reply.official_text is None
    assert reply.text.startswith("The Illinois State Board of Education answers")


def test_session_language_is_plain_json(bot):
    bot.handle("hola", "es-11")
    session = bot.sessions.get("es-11")
    data = json.loads(json.dumps(dataclasses.asdict(session)))
    assert data["language"] == "es" and data["english_only"] is False


def test_escalation_from_a_spanish_chat(services):
    bot, store = services.bot, services.store
    key, user = "web:es-escalation", {"owner": True, "client": "192.0.2.7"}
    question = "¿se puede revocar una credencial si el estudiante reprueba una prueba de drogas?"
    reply = bot.handle(question, key, state="IL", channel="web", user=user)
    assert reply.kind == "fallback" and reply.offer_escalation
    assert reply.text.startswith("Lo siento, no sé la respuesta a eso.")
    assert bot.handle("sí, por favor", key, channel="web", user=user).text == phrase("escalating.ask_email", "es")
    reply = bot.handle("mama@example.org", key, channel="web", user=user)
    assert reply.kind == "escalated"
    assert reply.text.startswith("Ya casi terminamos: envié un código de 6 dígitos a mama@example.org.")
    row = store.get_escalation(reply.escalation["id"])
    assert row["language"] == "es"
    mail = compose(row, "credbot@example.org").get_content()
    assert "the person wrote in Spanish" in mail
    assert "> " + question in mail  # the parent's own words, as typed
    confirmation = compose_confirmation(
        {**row, "created_at": row["created_at"] or dt.datetime.now(dt.UTC)},
        "credbot@example.org",
        "123456",
        "https://credbot.example/confirm/1",
        24,
        "credbot.example",
    )
    assert (
        confirmation["Subject"]
        == "Confirme su correo electrónico para enviar su pregunta a la mesa de ayuda de Illinois"
    )
    body = confirmation.get_content()
    assert "Si fue usted, escriba este código en la ventana del chat: 123456" in body
    assert "https://credbot.example/confirm/1?lang=es" in body
    assert "La solicitud vence en 24 horas." in body
    assert "revocar" not in body  # nothing the requester typed goes to the address


def test_the_help_desk_mail_of_an_english_chat_does_not_mention_spanish(services):
    bot, store = services.bot, services.store
    key, user = "web:en-escalation", {"owner": True, "client": "192.0.2.8"}
    bot.handle("can a credential be revoked after a failed drug test?", key, state="IL", channel="web", user=user)
    bot.handle("yes", key, channel="web", user=user)
    reply = bot.handle("dad@example.org", key, channel="web", user=user)
    row = store.get_escalation(reply.escalation["id"])
    assert row["language"] == "en"
    assert "Spanish" not in compose(row, "credbot@example.org").get_content()
    confirmation = compose_confirmation(row, "credbot@example.org", "123456", "https://x.example/c", 24, "x.example")
    assert confirmation["Subject"].startswith("Confirm your email address")


def test_the_confirmation_page_of_a_spanish_mail_is_in_spanish(client, services):
    bot = services.bot
    key, user = "web:es-page", {"owner": True, "client": "192.0.2.9"}
    bot.handle(
        "¿se puede revocar una credencial si el estudiante reprueba una prueba de drogas?",
        key,
        state="OH",
        channel="web",
        user=user,
    )
    bot.handle("sí", key, channel="web", user=user)
    reply = bot.handle("papa@example.org", key, channel="web", user=user)
    row = services.store.get_escalation(reply.escalation["id"])
    token = bot.escalations.confirmations.token(row)
    page = client.get(f"/confirm/{row['id']}?t={token}&lang=es").get_data(as_text=True)
    assert '<html lang="es">' in page and "¿Enviar su pregunta a la mesa de ayuda?" in page
    assert 'name="lang" value="es"' in page and ">Confirmar</button>" in page
    wrong = client.post(f"/confirm/{row['id']}", data={"t": "0" * 32, "lang": "es"})
    assert wrong.status_code == 403 and "No pudimos confirmar esta solicitud" in wrong.get_data(as_text=True)
    done = client.post(f"/confirm/{row['id']}", data={"t": token, "lang": "es"})
    assert done.status_code == 200
    assert "Su correo electrónico quedó confirmado." in done.get_data(as_text=True)
    english = client.get(f"/confirm/{row['id']}?t={token}").get_data(as_text=True)
    assert '<html lang="en">' in english and "Send your question to the help desk?" in english


def test_spanish_follow_ups_and_corrections(bot):
    assert bot.handle("¿Qué es ServSafe?", "es-12").credential_id == "servsafe-food-handler"
    reply = bot.handle("¿quién la otorga?", "es-12")
    assert reply.credential_id == "servsafe-food-handler"
    assert reply.text.startswith("ServSafe Food Handler la otorga National Restaurant Association")
    reply = bot.handle("¿y cuántos puntos vale?", "es-12")
    assert reply.text.startswith("El catálogo no tiene el valor en puntos de ServSafe Food Handler en Ohio.")
    bot.handle("¿cuánto cuesta la credencial en Ohio?", "es-13")
    reply = bot.handle("no, quise decir el sello de la credencial", "es-13")
    assert reply.kind == "answer" and reply.faq_id == "oh-sup-irc-seal" and reply.language == "es"
