import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credbot.knowledge import KnowledgeError, check, load

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def test_shipped_knowledge_is_valid_and_complete(kb):
    assert len([e for e in kb.faq if e.official and e.state == "OH"]) == 5
    assert len([e for e in kb.faq if e.official and e.state == "IL"]) == 9
    for entry in kb.faq:
        assert len(entry.alternates) >= 8, entry.id
        assert entry.help_email == {"OH": "industrycredentials@education.ohio.gov", "IL": "cte@isbe.net"}[entry.state]
    assert len(kb.credentials) == 57


def _seed_text(document: str) -> str:
    text = (ROOT.parent / document).read_text(encoding="utf-8")
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # markdown links -> their text
    text = text.replace("**", "")
    return " ".join(text.split())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_official_answers_are_quoted_verbatim_from_the_seeds(kb):
    for entry in kb.faq:
        if not entry.official:
            continue
        seed = _seed_text(entry.source.document)
        for paragraph in entry.answer.split("\n\n"):
            assert " ".join(paragraph.split()) in seed, f"{entry.id}: {paragraph[:60]!r} is not in the seed"


# ../shared beside the repository, or beside the folder of worktrees that holds it.
SHARED_DATA = next(
    (p / "data" for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if (p / "data").is_dir()), None
)


@pytest.mark.skipif(
    SHARED_DATA is None or not (SHARED_DATA / "credentials-facts-v2.json").is_file(),
    reason="../shared/data/credentials-facts-v2.json is not beside the repository",
)
def test_credentials_keep_their_sources_and_add_no_points(kb):
    """The catalogue is v2 as given: no point value, state, issuer or description added or changed,
    a null stays null, and every source and its support is kept."""
    facts = json.loads((SHARED_DATA / "credentials-facts-v2.json").read_text())
    FIELD = {"career_field": "career_fields"}  # the catalogue's name for v2's field
    assert [f["name"] for f in facts] == [c.name for c in kb.credentials]
    for cred, fact in zip(kb.credentials, facts):
        assert cred.sources
        assert cred.ohio_points == fact["ohio_points"]
        assert list(cred.states) == fact["states"]
        assert cred.issuer == fact["issuer"]
        assert cred.description == fact["description"]
        assert cred.notes == fact.get("notes")
        assert cred.confidence == fact["confidence"]
        assert bool(cred.career_fields) == bool(fact["career_field"])
        assert cred.field_support == {FIELD.get(k, k): v for k, v in fact["field_support"].items()}
        assert [(s.url, s.type, s.host, s.quote, s.supports) for s in cred.sources] == [
            (s["url"], s["type"], s["host"], s["quote"], tuple(FIELD.get(f, f) for f in s["supports"]))
            for s in fact["sources"]
        ]


@pytest.fixture
def broken_dir(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "credbot" / "knowledge", target)
    return target


def _edit(path: Path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_validation_reports_file_entry_field_for_each_problem(broken_dir):
    def damage(doc):
        entries = doc["entries"]
        entries[1]["id"] = entries[0]["id"]  # duplicate id
        entries[2]["answer"] = "   "  # empty answer
        entries[3]["state"] = "TX"  # unknown state
        del entries[4]["alternates"]  # missing field

    _edit(broken_dir / "faq.json", damage)
    _, problems = check(broken_dir)
    lines = [str(p) for p in problems]
    assert "faq.json: oh-what-is-credential: id: duplicate id: ids must be unique" in lines
    assert "faq.json: oh-all-industries: answer: must not be empty or blank" in lines
    assert any(line.startswith("faq.json: oh-how-earn: state: 'TX' is not one of") for line in lines)
    assert any(
        line.startswith("faq.json: oh-new-program: (entry): 'alternates' is a required property") for line in lines
    )
    with pytest.raises(KnowledgeError) as info:
        load(broken_dir)
    assert "oh-all-industries: answer" in str(info.value)


def test_validation_reports_near_duplicate_questions_in_one_state(broken_dir):
    def damage(doc):
        doc["entries"][1]["question"] = "WHAT is an industry credential!"

    _edit(broken_dir / "faq.json", damage)
    _, problems = check(broken_dir)
    assert any(
        p.entry == "oh-why-earn" and p.field == "question" and "near-duplicate of oh-what-is-credential" in p.message
        for p in problems
    )


def test_malformed_json_names_the_file_and_position(broken_dir):
    (broken_dir / "synonyms.json").write_text('{"version": 1, "groups": [}')
    _, problems = check(broken_dir)
    errors = [p for p in problems if not p.warning]
    assert str(errors[0]).startswith("synonyms.json: (file): line 1 column")


def test_credbot_validate_exits_1_and_the_bot_refuses_to_start(broken_dir):
    _edit(broken_dir / "credentials.json", lambda d: d["credentials"][0].update(ohio_points="twelve"))
    env = {"CREDBOT_KNOWLEDGE_DIR": str(broken_dir), "PATH": "/usr/bin:/bin", "CREDBOT_SEMANTIC": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "credbot", "validate"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "credentials.json: ohio-driver-license: ohio_points: 'twelve' is not of type" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "credbot", "ask", "hi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1 and "refusing to start" in result.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "credbot", "validate"],
        cwd=ROOT,
        env={**env, "CREDBOT_KNOWLEDGE_DIR": str(ROOT / "credbot" / "knowledge")},
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr


def test_a_counterpart_must_name_an_entry_of_the_other_state(broken_dir):
    def damage(doc):
        doc["entries"][0]["counterpart"] = "no-such-entry"
        doc["entries"][1]["counterpart"] = doc["entries"][2]["id"]  # both Ohio

    _edit(broken_dir / "faq.json", damage)
    _, problems = check(broken_dir)
    lines = [str(p) for p in problems]
    assert "faq.json: oh-what-is-credential: counterpart: no entry has the id 'no-such-entry'" in lines
    assert "faq.json: oh-why-earn: counterpart: 'oh-all-industries' is of the same state (OH)" in lines
