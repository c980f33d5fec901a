"""Multi-turn behaviour through the entry point every channel uses (Bot.handle)."""

import json

import pytest

from credbot.conversation import MemorySessionStore


def test_follow_up_what_about_illinois_repeats_the_question_for_the_other_state(bot):
    first = bot.handle("Why should students earn credentials in Ohio?", "s")
    assert (first.kind, first.faq_id, first.state) == ("answer", "oh-why-earn", "OH")
    second = bot.handle("what about Illinois?", "s")
    assert (second.kind, second.faq_id, second.state) == ("answer", "il-why-earn", "IL")


def test_telling_where_one_is_after_another_state_s_answer_asks_it_again_there(bot):
    first = bot.handle("how can a vendor get a certification on ohio's list?", "firm")
    assert (first.faq_id, first.state) == ("oh-sup-add-credential", "OH")
    again = bot.handle("oh wait, our firm is located in Illinois", "firm")
    assert (again.kind, again.faq_id, again.state) == ("answer", "il-add-to-list", "IL")
    assert bot.handle("our firm is located in Illinois", "firm").kind == "smalltalk"  # the same state: noted


@pytest.mark.parametrize("turn", ["also when is prom this year", "and when do SAT scores come out this spring"])
def test_a_school_question_after_an_answer_is_the_school_s_not_a_follow_up_of_the_answer(bot, turn):
    bot.handle("what is the college and career pathway endorsement in illinois", "prom")
    reply = bot.handle(turn, "prom")
    assert reply.kind == "fallback" and not reply.offer_escalation and "school or district" in reply.text


def test_an_annoyed_question_that_needs_a_choice_gets_the_choice(bot):
    bot.handle("in ohio can credentials from two fields be combined for 12 points", "ugh")
    reply = bot.handle("this is useless. the seal?", "ugh")  # annoyed, yet asking: which seal, not "sorry"
    assert reply.kind == "clarify" and len(reply.choices) == 2 and all("Seal" in c.label for c in reply.choices)


def test_correcting_another_state_to_a_covered_one_answers_the_question_there(bot):
    assert bot.handle("im in michigan, how do kids there get certified?", "mi").kind == "fallback"
    reply = bot.handle("oops sorry, we actually live in Peoria, Illinois, her school is there too", "mi")
    assert (reply.kind, reply.faq_id, reply.state) == ("answer", "il-how-obtain", "IL")


def test_sessions_are_separate(bot):
    bot.handle("I'm in Illinois", "parent-1")
    assert bot.handle("what is an IRC?", "parent-2", state="OH").faq_id == "oh-what-is-credential"
    assert bot.handle("what is an IRC?", "parent-1").faq_id == "il-what-is-credential"


def test_a_session_ends_after_the_idle_time():
    now = [1000.0]
    store = MemorySessionStore(ttl_seconds=60, clock=lambda: now[0])
    session = store.get("k")
    session.state = "OH"
    store.save(session)
    now[0] += 30
    assert store.get("k").state == "OH"
    now[0] += 61
    assert store.get("k").state is None


def test_fallback_is_honest_and_offers_the_right_help_desk(bot):
    reply = bot.handle("what happens if a credential testing center closes?", "x", state="IL")
    assert reply.kind == "fallback" and reply.offer_escalation
    assert "don't know" in reply.text and "cte@isbe.net" in reply.text


def test_school_questions_are_not_offered_to_the_state_credentials_help_desk(bot):
    for question in ("when is spring break?", "when does my son's school bus come?", "how do I see her grades"):
        reply = bot.handle(question, "school", state="OH")
        assert reply.kind == "fallback" and not reply.offer_escalation, question
        assert "school or district" in reply.text and "industrycredentials@" not in reply.text


def test_without_an_escalation_service_yes_says_where_to_write(bot):
    bot.handle("what happens if a credential testing center closes?", "y", state="OH")
    bot.handle("yes", "y")
    reply = bot.handle("me@example.com", "y")
    assert reply.kind == "fallback" and "industrycredentials@education.ohio.gov" in reply.text


def test_credential_answer_never_invents_a_missing_value(bot):
    reply = bot.handle("how many points is CompTIA A+ worth in Ohio?", "z")
    assert reply.kind == "credential" and reply.credential_id == "comptia-a"
    assert "no Ohio point value for CompTIA A+" in reply.text
    # asked outright, the answer about the driver's license says it (tests/test_understanding.py); its card too
    bot.handle("what is the Ohio driver's license credential?", "z2")
    reply = bot.handle("how many points is it worth?", "z2")
    assert reply.kind == "credential" and "worth 1 point in Ohio" in reply.text


def test_general_knowledge_credentials_are_flagged(bot, kb):
    cred = next(c for c in kb.credentials if c.confidence == "general-knowledge")
    reply = bot.handle(f"what is {cred.name}?", "g")
    assert reply.credential_id == cred.id and "not official" in reply.text
    assert "no verified information" in reply.text


def test_cost_question_goes_to_the_faq_and_points_question_to_the_catalogue(bot):
    bot.handle("what is ServSafe?", "r")
    assert bot.handle("how much does it cost?", "r").faq_id == "il-costs"
    assert bot.handle("how many points is it worth?", "r").credential_id == "servsafe-food-handler"


def test_the_bot_keeps_the_last_replies_as_plain_json_for_sharing(services):
    bot = services.bot
    for text in (
        "what is ServSafe?",
        "who issues it?",
        "what happens if a credential testing center closes?",
        "yes",
        "parent@example.org",
    ):
        bot.handle(text, "share", state="OH", channel="web")
    recent = bot.recent_replies("share")
    assert [q for q, _ in recent] == [
        "what happens if a credential testing center closes?",
        "yes",
        "parent@example.org",
    ]  # the last three
    assert recent[-1][1].kind == "escalated" and "help desk" in recent[-1][1].text
    kept = bot.sessions.get("share").recent
    assert json.loads(json.dumps(kept)) == kept  # JSON as it is: a session store can serialise it
    assert "escalation" not in kept[-1]["reply"] and "matches" not in kept[-1]["reply"]


def test_an_address_typed_without_a_yes_sends_the_question_it_was_offered_for(services):
    bot = services.bot
    offer = bot.handle("can my son retake the welding test if he fails it?", "mail", state="OH", channel="web")
    assert offer.offer_escalation
    sent = bot.handle("dad@example.com", "mail", channel="web")
    assert sent.kind == "escalated"


@pytest.mark.parametrize("answer", ["yes please, reply to dad@example.com", "sure. my email: dad@example.com."])
def test_a_yes_with_an_address_in_it_sends_the_question_to_that_address(services, answer):
    bot = services.bot
    bot.handle("can my son retake the welding test if he fails it?", "yes-mail", state="OH", channel="web")
    sent = bot.handle(answer, "yes-mail", channel="web")
    assert sent.kind == "escalated" and "dad@example.com" in sent.text
    assert [e["reply_to"] for e in services.store.list_escalations()] == ["dad@example.com"]


@pytest.mark.parametrize("answer", ["sounds good", "yes I would like that", "go for it"])
def test_any_way_of_saying_yes_to_the_offer_asks_where_to_reply(services, answer):
    bot = services.bot
    bot.handle("can my son retake the welding test if he fails it?", "yes-words", state="OH", channel="web")
    asked = bot.handle(answer, "yes-words", channel="web")
    assert asked.kind == "smalltalk" and "email address" in asked.text
    assert bot.handle("my email is dad@example.com", "yes-words", channel="web").kind == "escalated"


def test_a_credential_question_sent_to_the_school_still_goes_to_the_help_desk_when_asked(services):
    bot = services.bot
    question = "how much do welders make?"  # it names a trade: not offered, but the person may know better
    referred = bot.handle(question, "referred", state="OH", channel="web")
    assert referred.kind == "fallback" and not referred.offer_escalation
    asked = bot.handle("yes please send it to them", "referred", channel="web")
    assert asked.kind == "smalltalk" and "email address" in asked.text
    assert bot.handle("mom@example.com", "referred", channel="web").kind == "escalated"
    assert [e["question"] for e in services.store.list_escalations()] == [question]


@pytest.mark.parametrize("turn", ["yes please send it", "ok", "mom@example.com"])
def test_a_school_question_is_not_sent_to_the_credentials_help_desk_after_all(services, turn):
    bot = services.bot
    bot.handle("when does my son's school bus come?", "bus", state="OH", channel="web")
    reply = bot.handle(turn, "bus", channel="web")
    assert reply.kind != "escalated" and "email address" not in reply.text
    assert services.store.list_escalations() == []


LOOSE = "is it true freshman year credentials count for more points in ohio"  # the nearest answer: graduation points


def _loosely_answered(bot, key, **kwargs):
    reply = bot.handle(LOOSE, key, **kwargs)
    assert reply.kind == "answer" and reply.confidence < bot.faq.thresholds.sure  # what the test is about
    return reply


def test_an_answer_matched_loosely_offers_the_help_desk_and_a_plain_yes_takes_it_up(services):
    bot = services.bot
    reply = _loosely_answered(bot, "loose", channel="web")
    assert reply.offer_escalation and "industrycredentials@education.ohio.gov" in reply.text
    assert "Yes, send it" in reply.suggestions
    asked = bot.handle("yes please", "loose", channel="web")
    assert asked.kind == "smalltalk" and "email address" in asked.text
    assert bot.handle("dad@example.com", "loose", channel="web").kind == "escalated"
    assert [e["question"] for e in services.store.list_escalations()] == [LOOSE]


def test_an_address_after_a_loosely_matched_answer_sends_its_question(services):
    bot = services.bot
    _loosely_answered(bot, "loose-mail", channel="web")
    assert bot.handle("mom@example.com", "loose-mail", channel="web").kind == "escalated"


@pytest.mark.parametrize(
    "turn", ["ok", "thanks!", "ok I'll ring the school about that then. why do they care so much about credentials?"]
)
def test_what_is_said_to_any_answer_does_not_take_up_the_offer_beside_it(services, turn):
    bot = services.bot
    _loosely_answered(bot, "loose-ok", channel="web")
    reply = bot.handle(turn, "loose-ok", channel="web")
    assert reply.kind != "escalated" and "email address" not in reply.text and not reply.offer_escalation
    assert services.store.list_escalations() == []


def test_an_address_in_reply_to_which_of_these_sends_the_question_asked(services):
    bot = services.bot
    asked = bot.handle("the seal", "which-mail", state="OH", channel="web")
    assert asked.kind == "clarify" and len(asked.choices) == 2
    sent = bot.handle("neither really, just have someone email me at dad@example.com", "which-mail", channel="web")
    assert sent.kind == "escalated"
    assert [e["question"] for e in services.store.list_escalations()] == ["the seal"]


def test_a_confident_answer_offers_nothing_beside_it(bot):
    reply = bot.handle("what is an industry-recognized credential?", "sure", state="OH")
    assert reply.kind == "answer" and reply.confidence >= bot.faq.thresholds.sure
    assert not reply.offer_escalation and "just say yes" not in reply.text


def test_an_address_in_a_sentence_without_a_yes_sends_the_question_it_was_offered_for(services):
    bot = services.bot
    bot.handle("can my son retake the welding test if he fails it?", "mail-sentence", state="OH", channel="web")
    assert bot.handle("you can reach me at dad@example.com", "mail-sentence", channel="web").kind == "escalated"


def test_an_address_after_declining_sends_nothing(services):
    bot = services.bot
    bot.handle("can my son retake the welding test if he fails it?", "decline", state="OH", channel="web")
    bot.handle("no thanks", "decline", channel="web")
    reply = bot.handle("dad@example.com", "decline", channel="web")
    assert reply.kind == "smalltalk" and "type the question first" in reply.text


@pytest.mark.parametrize("answer", ["ok could you get someone there to look at it", "then who could I ask"])
def test_asking_for_a_person_in_reply_to_the_help_desk_offer_takes_it_up(services, answer):
    bot = services.bot
    offer = bot.handle("can my son retake the welding test if he fails it?", "take-up", state="OH", channel="web")
    assert offer.offer_escalation
    asked = bot.handle(answer, "take-up", channel="web")
    assert asked.kind == "smalltalk" and "email address" in asked.text
    assert bot.handle("dad@example.com", "take-up", channel="web").kind == "escalated"
