"""Supplementary entries (issue 7): sourced, marked as not official, state-specific, with a staleness guard."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

from credbot.conversation import Bot, MemorySessionStore
from credbot.evaluation import load_part

ROOT = Path(__file__).resolve().parent.parent


def test_at_least_12_supplementary_entries_with_sources_dates_and_review_dates(kb):
    extra = [e for e in kb.faq if not e.official]
    assert len(extra) >= 12
    for e in extra:
        assert e.source.urls and all(u.startswith("http") for u in e.source.urls), e.id
        assert e.source.dated or e.source.last_modified, e.id
        assert e.review_by is not None, e.id


def test_supplementary_answers_say_they_are_not_official_and_cite_their_source(bot):
    reply = bot.handle("What is the Industry-Recognized Credential Seal?", "s1")
    assert reply.kind == "answer" and reply.faq_id == "oh-sup-irc-seal" and reply.official is False
    assert "not part of the official FAQ" in reply.text
    assert "education.ohio.gov" in reply.text and reply.source["official"] is False


def test_official_answer_wins_and_each_state_gets_its_own_cost_answer(bot):
    il = bot.handle("how much does a credential cost?", "c1", state="IL")
    assert il.faq_id == "il-costs" and il.official is True
    oh = bot.handle("how much does a credential cost?", "c2", state="OH")
    assert oh.faq_id == "oh-sup-who-pays" and "reimburses" in oh.text
    both = bot.handle("how much does a credential cost?", "c3")
    assert "determined by the organization" in both.text and "reimburses" in both.text
    assert "not part of the official FAQ" in both.text


def test_where_sources_disagree_the_answer_says_so(bot):
    reply = bot.handle("how many skills are on the OhioMeansJobs-Readiness Seal?", "d1")
    assert reply.faq_id == "oh-sup-omj-seal" and "14" in reply.text and "15" in reply.text and "disagree" in reply.text


def test_rules_that_changed_name_the_classes_they_apply_to(bot):
    reply = bot.handle("what WorkKeys score is needed?", "w1", state="OH")
    assert reply.faq_id == "oh-sup-workkeys"
    assert "class of 2020" in reply.text and "2024-2025" in reply.text


def test_past_review_date_adds_that_it_may_have_changed(bot):
    later = Bot(bot.kb, bot.matcher, MemorySessionStore(), bot.thresholds, today=lambda: dt.date(2031, 1, 1))
    reply = later.handle("What is the Innovative Workforce Incentive Program?", "r1")
    assert reply.faq_id == "oh-sup-iwip" and "may have changed" in reply.text
    assert "industrycredentials@education.ohio.gov" in reply.text
    assert "may have changed" not in bot.handle("What is the Innovative Workforce Incentive Program?", "r2").text


def test_validate_warns_when_a_review_date_has_passed(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "credbot" / "knowledge", target)
    doc = json.loads((target / "supplementary.json").read_text())
    doc["entries"][0]["review_by"] = "2020-01-01"
    (target / "supplementary.json").write_text(json.dumps(doc))
    result = subprocess.run(
        [sys.executable, "-m", "credbot", "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "CREDBOT_KNOWLEDGE_DIR": str(target)},
    )
    assert result.returncode == 0
    assert (
        f"warning: supplementary.json: {doc['entries'][0]['id']}: review_by: review date 2020-01-01 has passed"
        in result.stdout
    )


def test_supplementary_entries_do_not_change_how_official_questions_match(bot, kb):
    """The official entries' index is the same with or without supplementary entries beside it."""
    from credbot.matching import Matcher

    together = bot.matcher
    alone = Matcher(kb, entries=[e for e in kb.faq if e.official], embedder=together.embedder)
    questions = load_part("tuning")["faq"]["in_scope"]
    for item in questions[::3]:
        a = together.analyse(item["question"])

        def scores(matcher, a=a, item=item):
            official = matcher._similarities(a.corrected, a.words, True)[0]
            return [
                (m.id, round(m.score, 6))
                for m in matcher._tier_matches(matcher.official, official, a.words, a.acronyms, item.get("state"), True)
            ]

        assert scores(together) == scores(alone), item["question"]


def test_supplementary_answer_wins_only_where_it_explains_more_than_the_official_faq(bot):
    seal = bot.handle("how can my daughter get the industry credential seal on her diploma", "t1", state="OH")
    assert seal.faq_id == "oh-sup-irc-seal" and seal.official is False
    earn = bot.handle("how can my daughter earn an industry credential", "t2", state="OH")
    assert earn.faq_id == "oh-how-earn" and earn.official is True
