"""Understanding, measured on the held-out part of tests/data (never looked at while tuning) and kept
from regressing below what this release reaches there. The gates sit a little under the measured
figures (README, "Evaluation"): a change that makes the bot understand people worse fails here."""

import pytest

from credbot.evaluation import evaluate_cases, evaluate_conversations, evaluate_faq, load_part
from credbot.text import normalise

HELD_OUT = load_part("held_out")
TUNING = load_part("tuning")


def test_both_parts_are_big_enough_and_cover_every_entry(kb):
    for part in (TUNING, HELD_OUT):
        assert len(part["faq"]["in_scope"]) >= 100 and len(part["faq"]["out_of_scope"]) >= 40
        assert len(part["cases"]["cases"]) >= 150 and len(part["conversations"]["conversations"]) >= 40
    every = [i for p in (TUNING, HELD_OUT) for i in p["faq"]["in_scope"]]
    every += [c for p in (TUNING, HELD_OUT) for c in p["cases"]["cases"] if c["expect"].get("kind") == "answer"]
    for entry in kb.faq:
        wanted = [
            i
            for i in every
            if entry.id in (i["expect"] if isinstance(i["expect"], list) else i["expect"].get("faq_id", []))
        ]
        assert len(wanted) >= 4, entry.id


def test_no_evaluation_sentence_is_copied_into_the_knowledge(kb):
    """Alternates, intent examples and evaluation questions are written apart: a copy would score memory."""
    knowledge = {normalise(p) for e in kb.faq for p in (*e.alternates, *e.asked)}  # (the official question is fine)
    knowledge |= {normalise(x) for i in kb.intents for x in i.examples if len(x.split()) >= 4}
    questions = [i["question"] for p in (TUNING, HELD_OUT) for i in p["faq"]["in_scope"]]
    questions += [c["question"] for p in (TUNING, HELD_OUT) for c in p["cases"]["cases"]]
    questions += [t["say"] for p in (TUNING, HELD_OUT) for c in p["conversations"]["conversations"] for t in c["turns"]]
    assert not [q for q in questions if len(q.split()) >= 4 and normalise(q) in knowledge]


def test_faq_matching_on_held_out_questions(bot):
    figures = evaluate_faq(bot, HELD_OUT["faq"])
    assert figures.top1 >= 0.95 and figures.answered >= 0.94
    assert figures.oos_fallback >= 0.80 and figures.false_fallback <= 0.02


def test_single_questions_of_every_kind_on_held_out_questions(bot):
    figures = evaluate_cases(bot, HELD_OUT["cases"]["cases"])
    assert figures.right >= GATES["cases"], figures.by_category
    for category, gate in CATEGORY_GATES.items():
        right, total = figures.by_category[category]
        assert right / total >= gate, (category, right, total)


def test_credential_questions_on_held_out_questions(bot):
    figures = evaluate_cases(bot, HELD_OUT["credentials"]["questions"])
    assert figures.right >= 0.92


def test_conversations_on_held_out_conversations(bot):
    """Scored as `credbot eval` scores them: with a help desk to send escalations to (a store in memory)."""
    from credbot.conversation.escalating import Escalating
    from credbot.escalation import EscalationService, Store

    store = Store("sqlite:///:memory:")
    bot.escalating = Escalating(EscalationService(store, bot.help_emails), bot.help_email)
    figures = evaluate_conversations(bot, HELD_OUT["conversations"])
    store.dispose()
    assert figures.all_right >= GATES["conversations"] and figures.turns_right >= GATES["turns"]


# Measured on the held-out part (2026-12-04, session 11, README "Evaluation"), which had just grown by 76 + 46
# fresh single questions and 26 + 36 fresh conversations (two batches) written by helpers that never saw the
# knowledge's phrasings or the code: single questions 88.0 %, conversations 72.5 % (turns 85.7 %), places
# 92.2 %, other states 95.7 %, small talk 87.2 %, off-topic 95.8 %, near-domain 79.5 %. (The release the
# session began from, 5da574c, scores 87.0 %, 68.6 % and 84.1 % on the same set.) Each gate leaves a question
# or a few of slack; the targets (95 %, 90 %) are not met and are not these gates.
GATES = {"cases": 0.85, "conversations": 0.71, "turns": 0.85}
CATEGORY_GATES = {"place": 0.85, "other_state": 0.9, "smalltalk": 0.8, "off_topic": 0.93, "near_domain": 0.75}


@pytest.mark.parametrize(
    "question",
    [
        "how much does college tuition cost?",
        "is there a list of bus routes?",
        "what is the capital of France?",
        "is there a list of AP classes?",
    ],
)
def test_near_domain_out_of_scope_questions_fall_back(bot, question):
    assert bot.handle(question, "s").kind == "fallback"


@pytest.mark.parametrize(
    "question,expected",
    [
        ("how much do credentails cost", "il-costs"),
        ("wher is the list of credentals", "il-list"),
        ("im a teachr is my class requird to offer a cert", "il-teacher-required"),
    ],
)
def test_typos_still_find_the_answer(bot, question, expected):
    reply = bot.handle(question, "s")
    assert (reply.kind, reply.faq_id) == ("answer", expected)


def test_state_filtering_prefers_the_users_state(bot):
    assert bot.handle("what is an industry credential?", "a", state="IL").faq_id == "il-what-is-credential"
    assert bot.handle("what is an industry credential?", "b", state="OH").faq_id == "oh-what-is-credential"


def test_unknown_state_with_a_question_in_both_faqs_answers_both(bot):
    reply = bot.handle("what is an industry credential?", "c")
    assert reply.kind == "answer" and reply.state is None
    assert "Ohio Department of Education" in reply.text and "Illinois State Board of Education" in reply.text


def test_unknown_state_gets_both_answers_on_a_topic_though_one_matches_the_words_better(bot):
    # Illinois's official answer matches the wording better; Ohio's summary on the same topic is shown beside it
    reply = bot.handle("how does a company get a credential added to the approved list", "c")
    assert reply.kind == "answer" and reply.state is None
    assert "Ohio" in reply.text and "Illinois State Board of Education" in reply.text


def test_answer_quotes_the_official_text_with_its_source(bot, kb):
    reply = bot.handle("how much does a credential cost?", "d", state="IL")
    entry = kb.faq_by_id["il-costs"]
    assert entry.answer in reply.text
    assert reply.source["agency"] == "Illinois State Board of Education"
    assert "Source: Illinois State Board of Education" in reply.text


def test_close_matches_get_a_clarifying_question_and_a_choice_resolves_it(bot):
    from credbot.conversation import Bot, MemorySessionStore, Thresholds

    # Widen the margin so two matches are "close", as they would be for a vaguer question.
    vague = Bot(bot.kb, bot.matcher, MemorySessionStore(), Thresholds(answer=0.99, clarify=0.2, margin=0.9, sure=1.0))
    reply = vague.handle("how do students get credentials in Illinois", "e")
    assert reply.kind == "clarify" and len(reply.choices) >= 2
    chosen = vague.handle("the second one", "e")
    assert chosen.kind == "answer" and chosen.faq_id == reply.matches[1]["id"]


def test_escalation_flows_in_conversations_go_to_the_right_help_desk(bot):
    from credbot.conversation import Bot, MemorySessionStore
    from credbot.escalation import EscalationService, Store

    store = Store("sqlite:///:memory:")
    with_escalation = Bot(
        bot.kb,
        bot.matcher,
        MemorySessionStore(),
        bot.thresholds,
        escalations=EscalationService(
            store,
            {
                "OH": "industrycredentials@education.ohio.gov",
                "IL": "cte@isbe.net",
                None: "industrycredentials@education.ohio.gov",
            },
        ),
    )
    for part in (TUNING, HELD_OUT):
        flows = [
            c
            for c in part["conversations"]["conversations"]
            if any(t["expect"].get("kind") == "escalated" for t in c["turns"])
        ]
        evaluate_conversations(with_escalation, {"conversations": flows})
    assert {r["to_address"] for r in store.list_escalations()} == {
        "industrycredentials@education.ohio.gov",
        "cte@isbe.net",
    }
