"""The Slack listeners, as in slack-samples/bolt-python-starter-template: plain functions that take
bolt's injected arguments (ack, body, event, command, say, respond, client) plus what they need
(``bot``, ``settings``, ``values``, put into bolt's context by ``register``), and one ``register``
that wires them all to an App.

They talk to the Bot only (conversation, escalation, feedback, channel state, deliveries) and build
their messages with blocks.py. Every button value is checked (values.py) before it is used.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond, Say
from slack_sdk import WebClient

from ...conversation import Bot, Refused, Reply, Unavailable
from ...settings import Settings
from ...text import STATE_NAMES, state_code
from .blocks import help_text, home_view, render, reply_ref, reply_text, share_block, shared_message
from .values import ButtonValues

log = logging.getLogger("credbot.slack")
MENTION = re.compile(r"<@[A-Z0-9]+>")
# An event claimed by a worker that died is answered by Slack's next retry once the claim is this
# old (Slack retries at once, after about a minute and after about five).
EVENT_LEASE_SECONDS = 30.0
NOT_SENT_BY_ME = (
    "That button's data is not what I sent, so I ignored it. Ask me again and use the buttons under the new answer."
)


def register(app: App, bot: Bot, settings: Settings) -> None:
    """Register every listener on ``app`` (the template's ``register_listeners``)."""
    values = ButtonValues(settings.slack_signing_secret or settings.slack_bot_token)

    def provide(context: BoltContext, next: Callable[[], None]) -> None:
        """What the listeners need besides bolt's arguments, injected by name like them."""
        context["bot"], context["settings"], context["values"] = bot, settings, values
        next()

    app.use(provide)
    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home)
    app.command(settings.slack_command)(on_command)
    app.action(re.compile(r"credbot_choice_\d"))(on_choice)
    app.action(re.compile(r"credbot_(not_)?helpful"))(on_feedback)
    app.action("credbot_escalate")(on_escalate)
    app.action("credbot_share")(on_share)


# ---- helpers ----------------------------------------------------------------------------------
def state_for(bot: Bot, settings: Settings, channel: str | None) -> str | None:
    """A channel's own state (set with `/credentials state OH`), else the workspace default."""
    return bot.channel_state(channel) or settings.default_state


def ask(bot: Bot, settings: Settings, text: str, key: str, channel: str | None, user: str | None) -> Reply:
    identity = {"slack_user": user, "slack_channel": channel}
    return bot.handle(text, key, state=state_for(bot, settings, channel), channel="slack", user=identity)


@contextlib.contextmanager
def once_per_event(bot: Bot, body: dict[str, Any]) -> Iterator[bool]:
    """Answer each Slack event once, and answer Slack's retry when the first try failed: the event
    is claimed before answering (True: go on; False: answered already, or being answered by
    another worker), marked answered after, and released when answering raised, so that the retry
    Slack sends after the failed delivery is answered."""
    event_id = body.get("event_id")
    key = f"slack-event:{event_id}"[:120] if event_id else None
    if key and not bot.claim_delivery(key, EVENT_LEASE_SECONDS):
        log.info("Slack re-sent event %s: answered already or being answered", event_id)
        yield False
        return
    try:
        yield True
    except BaseException:
        if key:
            try:
                bot.release_delivery(key)
            except Exception as exc:  # the original failure matters more; the claim's lease expires
                log.warning("could not release Slack event %s (%s)", event_id, type(exc).__name__)
        raise
    if key:
        bot.finish_delivery(key)


def button_data(values: ButtonValues, purpose: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The data the bot sealed into the clicked button, or None when it is not what the bot sent."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    return values.open(purpose, action.get("value"))


def refuse(respond: Respond) -> None:
    log.warning("refused a Slack button whose value is not what the bot sent")
    respond(replace_original=False, response_type="ephemeral", text=NOT_SENT_BY_ME)


def _clicker(body: dict[str, Any]) -> tuple[str | None, str | None]:
    return (body.get("user") or {}).get("id"), (body.get("channel") or {}).get("id")


# ---- events -----------------------------------------------------------------------------------
def on_mention(
    body: dict[str, Any], event: dict[str, Any], say: Say, bot: Bot, settings: Settings, values: ButtonValues
) -> None:
    """A mention in a channel: answered in a thread, which is one conversation."""
    with once_per_event(bot, body) as first:
        if not first:
            return
        text = MENTION.sub("", event.get("text", "")).strip() or "help"
        thread = event.get("thread_ts") or event["ts"]
        key = f"slack:{event.get('team', '')}:{event['channel']}:{thread}"
        reply = ask(bot, settings, text, key, event["channel"], event.get("user"))
        say(text=reply_text(reply), blocks=render(reply, values, key, text), thread_ts=thread)


def on_message(
    body: dict[str, Any], event: dict[str, Any], say: Say, bot: Bot, settings: Settings, values: ButtonValues
) -> None:
    """A direct message: answered in the DM. Edits, bots (this one too) and channels are ignored."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    text = event.get("text", "").strip()
    if not text:
        return
    with once_per_event(bot, body) as first:
        if not first:
            return
        key = f"slack:dm:{event['channel']}:{event.get('user')}"
        reply = ask(bot, settings, text, key, event["channel"], event.get("user"))
        say(text=reply_text(reply), blocks=render(reply, values, key, text))


def on_home(event: dict[str, Any], client: WebClient, bot: Bot, settings: Settings) -> None:
    if event.get("tab") != "home":
        return
    view = home_view(bot.status()["knowledge"], default_state=settings.default_state, command=settings.slack_command)
    client.views_publish(user_id=event["user"], view=view)


# ---- the slash command -----------------------------------------------------------------------
def on_command(
    ack: Ack, command: dict[str, Any], respond: Respond, bot: Bot, settings: Settings, values: ButtonValues
) -> None:
    """`/credentials <question>` (a private answer with "Share in channel"), `help`, `state OH|IL`."""
    ack()
    text = (command.get("text") or "").strip()
    channel, user = command.get("channel_id"), command.get("user_id")
    if text.lower() in ("", "help"):
        respond(response_type="ephemeral", text=help_text(settings.slack_command))
        return
    m = re.fullmatch(r"state\s+(\S+)", text, flags=re.I)
    if m:
        set_state(m.group(1), channel, respond, bot)
        return
    key = f"slack:cmd:{channel}:{user}"
    reply = ask(bot, settings, text, key, channel, user)
    blocks = render(reply, values, key, text) + [share_block(values, key, text, reply)]
    respond(response_type="ephemeral", text=reply_text(reply), blocks=blocks)


def set_state(name: str, channel: str | None, respond: Respond, bot: Bot) -> None:
    state = state_code(name)
    if state is None or not channel:
        respond(response_type="ephemeral", text="Say `state OH` or `state IL`.")
        return
    try:
        bot.set_channel_state(channel, state)
    except Unavailable as exc:
        respond(response_type="ephemeral", text=f"{exc}.")
        return
    respond(response_type="ephemeral", text=f"In this channel I'll answer for {STATE_NAMES[state]}.")


# ---- buttons ----------------------------------------------------------------------------------
def on_choice(
    ack: Ack, body: dict[str, Any], respond: Respond, bot: Bot, settings: Settings, values: ButtonValues
) -> None:
    """One of the choices under a reply: the choice's text as the user's next message."""
    ack()
    data = button_data(values, "choice", body)
    if data is None:
        refuse(respond)
        return
    user, channel = _clicker(body)
    reply = ask(bot, settings, data["m"], data["k"], channel, user)
    respond(
        replace_original=False,
        response_type="ephemeral" if data["k"].startswith("slack:cmd:") else "in_channel",
        text=reply_text(reply),
        blocks=render(reply, values, data["k"], data["m"]),
        thread_ts=(body.get("message") or {}).get("thread_ts"),
    )


def on_feedback(ack: Ack, body: dict[str, Any], respond: Respond, bot: Bot, values: ButtonValues) -> None:
    ack()
    data = button_data(values, "feedback", body)
    if data is None:
        refuse(respond)
        return
    with contextlib.suppress(Unavailable, Refused):
        bot.record_feedback(
            channel="slack",
            helpful=bool(data["h"]),
            entry_id=data.get("e"),
            question=data.get("q"),
            session_key=data["k"],
        )
    thanks = "Thanks for the feedback."
    if not data["h"]:
        thanks = "Thanks. Use “Ask the help desk” if you'd like a person to answer."
    respond(replace_original=False, response_type="ephemeral", text=thanks)


def on_escalate(
    ack: Ack, body: dict[str, Any], respond: Respond, bot: Bot, settings: Settings, values: ButtonValues
) -> None:
    """ "Ask the help desk": the question, with its conversation, stored and then mailed."""
    ack()
    data = button_data(values, "escalate", body)
    if data is None:
        refuse(respond)
        return
    user, channel = _clicker(body)
    try:
        record = bot.escalate(
            data["k"],
            data["q"],
            channel="slack",
            user={"slack_user": user, "slack_channel": channel},
            state=state_for(bot, settings, channel),
        )
    except Unavailable:
        respond(replace_original=False, response_type="ephemeral", text="Escalation is not available here.")
        return
    except Refused as exc:  # the daily cap, or this conversation already waiting for the help desk
        respond(replace_original=False, response_type="ephemeral", text=exc.message)
        return
    respond(
        replace_original=False,
        response_type="ephemeral",
        text=f"I've sent your question to the help desk at {record['to']} (#{record['id']}). "
        "They will reply to you here in Slack.",
    )


def on_share(ack: Ack, body: dict[str, Any], respond: Respond, bot: Bot, values: ButtonValues) -> None:
    """ "Share in channel": posts the private reply the user saw (kept by the Bot), never a new
    answer, which would lose the conversation's context ("who issues it?")."""
    ack()
    data = button_data(values, "share", body)
    if data is None:
        refuse(respond)
        return
    seen = [(q, r) for q, r in bot.recent_replies(data["k"]) if reply_ref(q, r) == data["r"]]
    if not seen:
        respond(
            replace_original=False,
            response_type="ephemeral",
            text="That answer is no longer kept, so I can't share it. Ask me again and share the new answer.",
        )
        return
    question, reply = seen[-1]
    user, _ = _clicker(body)
    text, blocks = shared_message(user or "", question, reply, values, data["k"])
    respond(replace_original=False, response_type="in_channel", text=text, blocks=blocks)
