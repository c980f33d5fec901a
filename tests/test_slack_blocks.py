"""Block Kit building and button values as pure functions: no server, no Slack, no Bot."""

from __future__ import annotations

import json

import pytest

from credbot.channels.slack.blocks import (
    MAX_TEXT,
    clip,
    help_text,
    home_view,
    mrkdwn,
    render,
    reply_ref,
    share_block,
    shared_message,
)
from credbot.channels.slack.values import MAX_VALUE, ButtonValues
from credbot.conversation import Choice, Reply

VALUES = ButtonValues("signing-secret")
KEY = "slack:cmd:C1:U1"


def answer(**kw) -> Reply:
    base = dict(
        kind="answer",
        text="Students earn credentials <@U999> & more",
        state="OH",
        faq_id="oh-why-earn",
        source={"citation": "Ohio Department of Education, “IRC FAQ”", "official": True},
    )
    return Reply(**{**base, **kw})


def action_ids(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def values_of(blocks: list[dict]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_an_answer_shows_escaped_text_its_source_and_state_and_three_buttons():
    blocks = render(answer(), VALUES, KEY, "why earn one?")
    assert blocks[0]["text"]["text"] == "Students earn credentials &lt;@U999&gt; &amp; more"  # never a mention
    assert blocks[1]["elements"][0]["text"] == "State: Ohio · Official FAQ: Ohio Department of Education, “IRC FAQ”"
    assert action_ids(blocks) == ["credbot_helpful", "credbot_not_helpful", "credbot_escalate"]
    sealed = values_of(blocks)
    assert VALUES.open("feedback", sealed["credbot_helpful"]) == {
        "k": KEY,
        "e": "oh-why-earn",
        "q": "why earn one?",
        "h": 1,
    }
    assert VALUES.open("feedback", sealed["credbot_not_helpful"])["h"] == 0
    assert VALUES.open("escalate", sealed["credbot_escalate"]) == {"k": KEY, "q": "why earn one?"}


def test_unofficial_sources_say_so_and_a_fallback_offers_the_help_desk_first():
    blocks = render(answer(source={"citation": "credbot summary", "official": False}), VALUES, KEY, "q")
    assert "Not official: credbot summary" in blocks[1]["elements"][0]["text"]
    fallback = render(Reply(kind="fallback", text="I don't know.", offer_escalation=True), VALUES, KEY, "ase hours?")
    [escalate] = [e for b in fallback if b["type"] == "actions" for e in b["elements"]]
    assert escalate["action_id"] == "credbot_escalate" and escalate["style"] == "primary"
    assert [b["type"] for b in render(Reply(kind="smalltalk", text="Hi!"), VALUES, KEY, "hi")] == ["section"]


def test_the_help_desk_button_stands_out_when_the_reply_offers_it():
    unsure = render(answer(offer_escalation=True), VALUES, KEY, "q")  # an answer matched only loosely
    sure = render(answer(), VALUES, KEY, "q")
    style = {e["action_id"]: e.get("style") for b in unsure if b["type"] == "actions" for e in b["elements"]}
    assert style["credbot_escalate"] == "primary"
    assert all(e.get("style") is None for b in sure if b["type"] == "actions" for e in b["elements"])


def test_choices_become_buttons_carrying_the_next_message():
    reply = Reply(kind="clarify", text="Which one?", choices=[Choice(f"Option {i}", f"pick {i}") for i in range(7)])
    blocks = render(reply, VALUES, KEY, "q")
    ids = action_ids(blocks)
    assert ids[:5] == [f"credbot_choice_{i}" for i in range(5)] and ids[5:] == ["credbot_escalate"]  # five at most
    assert VALUES.open("choice", values_of(blocks)["credbot_choice_3"]) == {"k": KEY, "m": "pick 3"}


def test_long_text_is_cut_to_fit_a_section_and_never_inside_an_escape():
    blocks = render(answer(text="x" * (MAX_TEXT - 2) + "&& tail" * 100), VALUES, KEY, "q")
    text = blocks[0]["text"]["text"]
    assert len(text) <= MAX_TEXT + 1 and text.endswith("…") and not text[:-1].rsplit("&", 1)[-1].startswith("am")
    assert clip("short") == "short" and clip(mrkdwn("a & b")) == "a &amp; b"


def test_long_questions_still_fit_slacks_value_limit():
    question = "é<" * 2000
    for value in values_of(render(answer(), VALUES, KEY, question)).values():
        assert len(value) <= MAX_VALUE
    assert (
        VALUES.open("escalate", values_of(render(answer(), VALUES, KEY, question))["credbot_escalate"])["q"]
        == (question[:1500])
    )


def test_a_shared_reply_names_the_asker_and_drops_private_buttons():
    reply = answer()
    text, blocks = shared_message("U1", "why <earn>?", reply, VALUES, KEY)
    assert text == "<@U1> asked: why &lt;earn&gt;?\n\nStudents earn credentials &lt;@U999&gt; &amp; more"
    assert blocks[0]["text"]["text"] == "<@U1> asked: why &lt;earn&gt;?"
    assert blocks[1] == render(reply, VALUES, KEY, "why <earn>?")[0]
    assert action_ids(blocks) == []  # no feedback or escalation buttons for the whole channel


def test_the_share_button_refers_to_one_reply():
    first, second = answer(), answer(text="The National Restaurant Association issues it.")
    block = share_block(VALUES, KEY, "who issues it?", second)
    assert block["elements"][0]["action_id"] == "credbot_share"
    data = VALUES.open("share", block["elements"][0]["value"])
    assert data == {"k": KEY, "r": reply_ref("who issues it?", second)}
    assert data["r"] != reply_ref("who issues it?", first) and data["r"] != reply_ref("what is it?", second)


def test_sealed_values_open_only_unchanged_and_for_their_own_purpose():
    value = VALUES.seal("escalate", k=KEY, q="help")
    assert VALUES.open("escalate", value) == {"k": KEY, "q": "help"}
    tag, body = value.split(".", 1)
    assert VALUES.open("escalate", tag + "." + body.replace("help", "spam")) is None
    assert VALUES.open("feedback", value) is None
    assert ButtonValues("another-secret").open("escalate", value) is None
    for junk in (None, 5, "", "no-dot", "." + body, json.dumps({"k": KEY})):
        assert VALUES.open("escalate", junk) is None
    forged_list = VALUES.seal("escalate", k=KEY).split(".")[0] + ".[1]"
    assert VALUES.open("escalate", forged_list) is None
    with pytest.raises(ValueError):
        ButtonValues("")
    with pytest.raises(ValueError, match="2000"):
        VALUES.seal("escalate", q="x" * MAX_VALUE)


def test_home_view_and_help_text():
    view = home_view({"faq": 14, "supplementary": 15, "credentials": 57}, default_state="IL", command="/creds")
    text = json.dumps(view)
    assert view["type"] == "home" and "(14 entries), from 15 summaries" in text and "57 credentials" in text
    assert "workspace default Illinois" in text and "`/creds state OH`" in text
    assert "none (the bot asks" in json.dumps(
        home_view({"faq": 1, "supplementary": 0, "credentials": 0}, default_state=None, command="/c")
    )
    assert "`/creds state IL`" in help_text("/creds") and "Share in channel" in help_text("/creds")
