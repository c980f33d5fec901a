"""Block Kit for the Slack channel, as pure functions of a Reply (no Slack client, no Bot).

Every text that comes from a user or from the knowledge is escaped (it can never become a mention
or a link), every section stays under Slack's 3,000 characters, and every button value is sealed
(values.py) so that a click can be checked against what the bot sent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...text import STATE_NAMES
from .values import ButtonValues

if TYPE_CHECKING:  # blocks only read a Reply: no need to load the conversation (and scikit-learn)
    from ...conversation import Reply

MAX_TEXT = 2900  # a section block takes 3,000 characters
MAX_QUESTION = 1500  # a question carried in a button value (Slack takes 2,000 characters in all)
_CUT_ENTITY = re.compile(r"&[a-z]{0,4}$")

Block = dict[str, Any]


def mrkdwn(text: str) -> str:
    """Slack's escaping: user and knowledge text can never become a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Escaped text cut to fit a section, never in the middle of an escape."""
    if len(text) <= limit:
        return text
    return _CUT_ENTITY.sub("", text[:limit]) + "…"


def reply_ref(question: str, reply: Reply) -> str:
    """A short reference to one reply of a conversation (the share button carries it)."""
    return hashlib.sha256(f"{question}\x00{reply.text}".encode()).hexdigest()[:16]


def reply_text(reply: Reply) -> str:
    """The notification text of a reply (Slack shows it where blocks cannot be shown)."""
    return clip(mrkdwn(reply.text))


def _button(action_id: str, label: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label[:75]},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def render(reply: Reply, values: ButtonValues, session_key: str, question: str, shared: bool = False) -> list[Block]:
    """The answer, its source and state, choices and (unless shared) feedback and escalation."""
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": reply_text(reply)}}]
    context = []
    if reply.state:
        context.append(f"State: {STATE_NAMES[reply.state]}")
    if reply.source and reply.source.get("citation"):
        official = "Official FAQ" if reply.source.get("official") else "Not official"
        context.append(f"{official}: {reply.source['citation'][:250]}")
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(" · ".join(context))}]})
    if reply.choices:
        blocks.append(
            {
                "type": "actions",
                "block_id": "credbot_choices",
                "elements": [
                    _button(f"credbot_choice_{i}", c.label, values.seal("choice", k=session_key, m=c.value[:500]))
                    for i, c in enumerate(reply.choices[:5])
                ],
            }
        )
    if shared:
        return blocks
    buttons = []
    entry = reply.faq_id or reply.credential_id
    if reply.kind in ("answer", "credential"):
        q = question[:500]
        buttons += [
            _button("credbot_helpful", "Helpful", values.seal("feedback", k=session_key, e=entry, q=q, h=1)),
            _button("credbot_not_helpful", "Not helpful", values.seal("feedback", k=session_key, e=entry, q=q, h=0)),
        ]
    if reply.kind in ("answer", "credential", "clarify", "fallback"):
        value = values.seal("escalate", k=session_key, q=question[:MAX_QUESTION])
        buttons.append(
            _button("credbot_escalate", "Ask the help desk", value, "primary" if reply.offer_escalation else None)
        )
    if buttons:
        blocks.append({"type": "actions", "block_id": "credbot_feedback", "elements": buttons})
    return blocks


def share_block(values: ButtonValues, session_key: str, question: str, reply: Reply) -> Block:
    """ "Share in channel" under a private answer: it refers to that very reply, not to its question."""
    value = values.seal("share", k=session_key, r=reply_ref(question, reply))
    return {
        "type": "actions",
        "block_id": "credbot_share",
        "elements": [_button("credbot_share", "Share in channel", value)],
    }


def shared_message(
    user_id: str, question: str, reply: Reply, values: ButtonValues, session_key: str
) -> tuple[str, list[Block]]:
    """The channel's copy of a private answer: who asked what, then the reply they saw."""
    asked = f"<@{user_id}> asked: {mrkdwn(question)}"
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": clip(asked)}}]
    return f"{clip(asked)}\n\n{reply_text(reply)}", blocks + render(reply, values, session_key, question, shared=True)


def help_text(command: str) -> str:
    return (
        "I answer questions about industry-recognized credentials from the official Ohio and Illinois FAQs and a "
        f"catalogue of credentials. Try `{command} how much does a credential cost?` or `{command} who issues the "
        "STNA?`. Answers here are visible only to you; press “Share in channel” to post one. "
        f"`{command} state OH` or `{command} state IL` sets this channel's state."
    )


EXAMPLES = (
    "What is an industry-recognized credential?",
    "How much does a credential cost?",
    "Who issues the STNA?",
    "Show me IT certifications",
    "Is OSHA 10 on the Illinois list?",
)


def home_view(knowledge: Mapping[str, Any], *, default_state: str | None, command: str) -> Block:
    """App Home: what the bot knows (``Bot.status()["knowledge"]``) and how to ask it."""
    default = STATE_NAMES.get(default_state or "", "none (the bot asks or answers for both states)")
    about = (
        "I answer from the official IRC FAQs of the Ohio Department of Education and the Illinois State Board of "
        f"Education ({knowledge['faq']} entries), from {knowledge['supplementary']} summaries of other official "
        f"pages (marked as not official), and from a catalogue of {knowledge['credentials']} credentials with "
        f"sources. Mention me in a channel, send me a direct message, or use {command}. If I can't answer, the "
        "“Ask the help desk” button emails your question to the right state's help desk."
    )
    state = (
        f"*State*: workspace default {default}. In a channel, `{command} state OH` or `{command} state IL` "
        "sets that channel's state."
    )
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Industry-recognized credentials assistant"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(about)}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Try asking*\n" + "\n".join(f"• {mrkdwn(e)}" for e in EXAMPLES)},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(state)}},
        ],
    }
