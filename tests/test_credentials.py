"""The credentials catalogue on re-sourced facts (issue 18): each fact says where it comes from,
a fact no source gives is never filled in, and `credbot validate` says what to confirm first."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credbot.conversation import Bot, MemorySessionStore
from credbot.knowledge import FACT_FIELDS, KnowledgeError, check, load

ROOT = Path(__file__).resolve().parent.parent


# ---- loading ---------------------------------------------------------------------------------
def test_null_facts_load_as_none_and_stay_unfilled(kb):
    amatrol = kb.credential_by_id["amatrol-skills-certificates"]
    assert (amatrol.issuer, amatrol.career_fields, amatrol.description, amatrol.ohio_points) == (None, (), None, None)
    assert amatrol.name_only and amatrol.confidence == "general-knowledge" and amatrol.urls == ()
    vet = kb.credential_by_id["veterinary-assistant-credential"]
    assert vet.issuer is None and vet.career_fields == () and vet.support("issuer") is None
    assert vet.support("states") == "secondary" and not vet.name_only
    emr = kb.credential_by_id["emergency-medical-responder"]
    assert emr.career_fields == () and emr.support("issuer") == "primary"
    # every fact that has a value says what backs it, and a null one claims nothing
    for cred in kb.credentials:
        for fact in FACT_FIELDS:
            has_value = getattr(cred, fact) not in (None, ())
            assert has_value == (cred.support(fact) is not None), (cred.id, fact)
            if cred.support(fact) == "primary":
                assert any(s.primary for s in cred.backing(fact)), (cred.id, fact)


@pytest.fixture
def knowledge_copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "credbot" / "knowledge", target)
    return target


def _edit_credential(directory: Path, cid: str, change) -> None:
    path = directory / "credentials.json"
    doc = json.loads(path.read_text())
    change(next(c for c in doc["credentials"] if c["id"] == cid))
    path.write_text(json.dumps(doc))


def test_a_filled_in_null_or_an_unbacked_fact_is_an_error(knowledge_copy):
    # someone types an issuer for Amatrol without a source: refused
    _edit_credential(knowledge_copy, "amatrol-skills-certificates", lambda c: c.update(issuer="Amatrol, Inc."))
    # and claims a primary source for a fact only a news site backs
    _edit_credential(knowledge_copy, "servsafe-food-handler", lambda c: c["field_support"].update(issuer="primary"))
    _, problems = check(knowledge_copy)
    lines = [str(p) for p in problems if not p.warning]
    assert (
        "credentials.json: amatrol-skills-certificates: issuer: no source backs this fact: add one or set the fact to null"
    ) in lines
    assert (
        "credentials.json: servsafe-food-handler: field_support.issuer: says primary, but no primary source backs it"
    ) in lines
    with pytest.raises(KnowledgeError):
        load(knowledge_copy)


# ---- credbot validate --------------------------------------------------------------------------
def _validate(directory: Path) -> subprocess.CompletedProcess:
    env = {"CREDBOT_KNOWLEDGE_DIR": str(directory), "PATH": "/usr/bin:/bin", "CREDBOT_SEMANTIC": "false"}
    return subprocess.run(
        [sys.executable, "-m", "credbot", "validate"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_validate_warns_about_facts_that_rest_only_on_secondary_sources(knowledge_copy):
    result = _validate(ROOT / "credbot" / "knowledge")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning: credentials.json")]
    assert (
        "warning: credentials.json: servsafe-food-handler: issuer, career_fields, description: rests only on "
        "secondary sources (fsrmagazine.com, reviewjournal.com, scribd.com): confirm with the issuer or the state "
        "and add that page as a primary source"
    ) in warnings
    assert any(
        w.startswith("warning: credentials.json: firefighter-certification: career_fields, states, description:")
        for w in warnings
    )
    assert any("amatrol-skills-certificates: (entry): name only" in w for w in warnings)
    # one warning per entry that has such a fact (37) plus the name-only one; none for sourced entries
    assert len(warnings) == 38
    assert not any(": comptia-a:" in w or ": nims-machining-level-i-credentials:" in w for w in warnings)

    # once a maintainer confirms ServSafe's issuer on the issuer's own page, only the rest is flagged
    def confirm(cred):
        cred["sources"].append(
            {"url": "https://www.servsafe.com/", "type": "primary", "host": "servsafe.com", "supports": ["issuer"]}
        )
        cred["field_support"]["issuer"] = "primary"

    _edit_credential(knowledge_copy, "servsafe-food-handler", confirm)
    after = _validate(knowledge_copy)
    assert after.returncode == 0, after.stderr
    assert "servsafe-food-handler: career_fields, description: rests only on secondary sources" in after.stdout
    assert "servsafe-food-handler: issuer, career_fields" not in after.stdout


def test_the_bot_logs_the_sourcing_warnings_as_one_line(kb):
    sourcing = [w for w in kb.warnings if w.kind in ("secondary", "name-only")]
    assert len(sourcing) == 1
    assert "37 credential(s) have facts that rest only on secondary sources and 1 are a name only" in str(sourcing[0])


# ---- answers, as a user reads them ---------------------------------------------------------------
def test_a_primary_fact_says_it_comes_from_the_issuer_or_the_state(bot):
    reply = bot.handle("who issues CompTIA A+?", "p1")
    assert reply.credential_id == "comptia-a"
    assert (
        "CompTIA A+ is issued by CompTIA (Computing Technology Industry Association) — from the issuer." in reply.text
    )
    assert "reported by" not in reply.text and "not official" not in reply.text
    reply = bot.handle("who issues the firefighter certification?", "p2")
    assert "is issued by Executive Director of the Ohio Division of Emergency Medical Services" in reply.text
    assert "— from the Ohio Division of EMS." in reply.text and "State Board" not in reply.text
    bot.handle("what is the Ohio driver's license credential?", "p3")
    reply = bot.handle("how many points is it worth?", "p3")
    assert "worth 1 point in Ohio — from Ohio ACTE's copy of the state's guidance." in reply.text
    # the issuer's own word that it is on Ohio's list is not the state's
    reply = bot.handle("is NIMS on Ohio's list?", "p4")
    assert "from the issuer, not from the Ohio Department of Education" in reply.text
    assert reply.source["facts"]["states"] == {
        "value": ["OH"],
        "support": "primary",
        "from": "from the issuer, not from the Ohio Department of Education",
        "urls": ["https://nims-skills.org/compliance"],
    }


def test_a_secondary_fact_names_the_site_and_says_it_is_not_the_issuer(bot):
    reply = bot.handle("what is ServSafe?", "s1", state="OH")
    assert reply.credential_id == "servsafe-food-handler"
    text = reply.text
    assert (
        "Issued by: National Restaurant Association (ServSafe program) — reported by fsrmagazine.com, not by the issuer."
        in text
    )
    assert (
        "(Description reported by reviewjournal.com and scribd.com, not by the issuer; in part from the Ohio Department of Education.)"
        in text
    )
    # no longer on Ohio's list (the first catalogue said it was)
    assert "no source placing ServSafe Food Handler on Ohio's list" in text and "A source places" not in text
    assert "were not confirmed by the issuer or the state" in text and "This is not official information." in text
    assert reply.source["facts"]["issuer"]["support"] == "secondary"
    assert set(reply.source) >= {"agency", "title", "last_modified", "urls", "citation", "official"}
    # a fact from a 2017 news report about Ohio's list says so, and who did not say it
    reply = bot.handle("is the EMT on the list?", "s2", state="OH")
    assert "reported by ohsonline.com (2017-07-17), not by the Ohio Department of Education." in reply.text
    # the corrected CCST Networking description, from a copy of Cisco's text
    reply = bot.handle("what is CCST Networking?", "s3")
    assert "at least 150 hours of instruction and hands-on experience" in reply.text
    assert "no prior experience" not in reply.text and "reported by studylib.es" in reply.text


def test_a_name_only_credential_says_there_is_no_verified_information(bot):
    for question in ("Amatrol", "who issues Amatrol certificates?", "how many points is Amatrol worth?"):
        reply = bot.handle(question, f"n-{question}")
        assert reply.kind == "credential" and reply.credential_id == "amatrol-skills-certificates"
        assert "it has no verified information about it" in reply.text
        assert "industrycredentials@education.ohio.gov" in reply.text and "cte@isbe.net" in reply.text
        assert "issued by" not in reply.text.casefold() and "None" not in reply.text
        assert reply.source["facts"] == {} and reply.source["urls"] == []
    reply = bot.handle("what is the Amatrol certificate?", "n-il", state="IL")
    assert (
        "Check the industry-recognized credentials list on ISBE's Career Technical Education webpage or ask cte@isbe.net."
        in reply.text
    )
    assert reply.help_email == "cte@isbe.net" and "education.ohio.gov" not in reply.text


def test_the_help_address_is_the_configured_one(bot):
    custom = Bot(bot.kb, bot.matcher, MemorySessionStore(), bot.thresholds, help_emails={"IL": "help@district.example"})
    reply = custom.handle("what is Amatrol?", "h1", state="IL")
    assert reply.help_email == "help@district.example" and "ask help@district.example" in reply.text


def test_a_null_fact_is_said_to_be_unverified_never_shown_as_none(bot):
    reply = bot.handle("who issues the private security certification?", "u1")
    assert reply.credential_id == "private-security-certification"
    assert "The catalogue has no verified issuer for Private Security Certification" in reply.text
    assert "is issued by" not in reply.text
    reply = bot.handle("what is the vet assistant credential", "u2")
    assert "Issued by: not verified" in reply.text and "Career field: not verified" in reply.text
    assert "NAVTA" not in reply.text  # the notes are for maintainers, never a fact
    reply = bot.handle("law and public safety credentials", "u3")
    assert "Private Security Certification (issuer not verified)" in reply.text and "None" not in reply.text


def test_no_answer_shows_none_or_the_maintainers_notes(bot, kb):
    for cred in kb.credentials:
        reply = bot.handle(f"what is {cred.name}?", f"all-{cred.id}", state="OH")
        assert reply.credential_id == cred.id, cred.id
        assert "None" not in reply.text and "none." not in reply.text, cred.id
        if cred.notes:
            assert cred.notes[:60] not in reply.text, cred.id
        for fact in FACT_FIELDS:
            if cred.support(fact) == "secondary":
                assert "reported by" in reply.text, (cred.id, fact)


def test_an_abbreviation_two_credentials_share_asks_which_and_a_word_of_its_field_picks_one(bot):
    which = bot.handle("tell me what the CPT is", "s")
    assert which.kind == "clarify" and which.credential_id is None and "Which one do you mean?" in which.text
    assert "Phlebotomy" in which.text and "Production" in which.text and len(which.choices) == 2
    picked = bot.handle("the one in manufacturing", "s")
    assert (picked.kind, picked.credential_id) == ("credential", "mssc-certified-production-technician")


@pytest.mark.parametrize(
    "question, credential",
    [
        ("what is the CPT certification from NHA", "certified-phlebotomy-technician"),  # its issuer
        ("what's the manufacturing CPT", "mssc-certified-production-technician"),  # its career field
    ],
)
def test_a_shared_abbreviation_with_what_tells_them_apart_is_that_one(bot, question, credential):
    reply = bot.handle(question, "s")
    assert (reply.kind, reply.credential_id) == ("credential", credential)


@pytest.mark.parametrize(
    "question, credential",
    [
        ("so what's involved in getting the ServSafe certification?", "servsafe-food-handler"),
        ("whats involved in getting the EMT", "emergency-medical-technician"),
        # the clause after the name says whose it is; its words (even the name's own: "construction") ask nothing
        ("what's this osha 10 card my son brought home from his construction class?", "osha-10-hour"),
        ("what is the servsafe certificate my daughter got at her restaurant job", "servsafe-food-handler"),
    ],
)
def test_what_a_named_credential_is_or_involves_is_its_card(bot, question, credential):
    reply = bot.handle(question, "s")
    assert (reply.kind, reply.credential_id) == ("credential", credential)


@pytest.mark.parametrize("turn", ["and the pro one?", "and is the pro one any different from that one"])
def test_a_clipped_word_of_a_sibling_credentials_name_picks_it(bot, turn):
    assert bot.handle("what's the ase entry level cert", "s").credential_id == "ase-entry-level-certification"
    reply = bot.handle(turn, "s")
    assert (reply.kind, reply.credential_id) == ("credential", "ase-professional-certification")


def test_a_credential_named_with_its_issuers_initials_is_its_card(bot):
    # the Illinois Department of Public Health, written as people write it
    reply = bot.handle("is the illinois nursing assistant certification through IDPH?", "s")
    assert (reply.kind, reply.credential_id) == ("credential", "certified-nursing-assistant-illinois")
    assert "Illinois Department of Public Health" in reply.text


def test_each_fact_a_question_asks_of_a_credential_is_given(bot):
    both = bot.handle("which career field is the CompTIA A+ in, and who issues it?", "two-facts")
    assert both.kind == "credential" and both.credential_id == "comptia-a"
    assert "Career field: Information Technology" in both.text and "is issued by CompTIA" in both.text
    one = bot.handle("who issues the CompTIA A+?", "one-fact")
    assert "is issued by CompTIA" in one.text and "Career field" not in one.text
