"""The Slack channel (slack-bolt): mentions, direct messages, a slash command, buttons, App Home.

Thin, like the other channels: it turns Slack events into ``Bot.handle`` calls and renders the
Reply as Block Kit. Listeners are registered by one function on a given App, so the same code
serves HTTP mode (mounted in the Flask app at /slack/events) and Socket Mode.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from ..conversation import Reply, Unavailable
from ..text import STATE_NAMES, state_code

log = logging.getLogger("credbot.slack")
MENTION = re.compile(r"<@[A-Z0-9]+>")
MAX_TEXT = 2900  # a section block takes 3,000 characters


def mrkdwn(text: str) -> str:
    """Slack's escaping: user and knowledge text can never become a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _value(**data) -> str:
    return json.dumps(data, separators=(",", ":"))[:2000]


def render(reply: Reply, session_key: str, question: str, shared: bool = False) -> list[dict]:
    """Block Kit for a Reply: the answer, its source and state, choices, feedback and escalation."""
    text = reply.text if len(reply.text) <= MAX_TEXT else reply.text[:MAX_TEXT] + "…"
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(text)}}]
    context = []
    if reply.state:
        context.append(f"State: {STATE_NAMES[reply.state]}")
    if reply.source and reply.source.get("citation"):
        context.append(
            ("Official FAQ" if reply.source.get("official") else "Not official") + ": " + reply.source["citation"][:250]
        )
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(" · ".join(context))}]})
    if reply.choices:
        blocks.append(
            {
                "type": "actions",
                "block_id": "credbot_choices",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"credbot_choice_{i}",
                        "text": {"type": "plain_text", "text": c.label[:75]},
                        "value": _value(k=session_key, m=c.value),
                    }
                    for i, c in enumerate(reply.choices[:5])
                ],
            }
        )
    if shared:
        return blocks
    buttons = []
    entry = reply.faq_id or reply.credential_id
    if reply.kind in ("answer", "credential"):
        buttons += [
            {
                "type": "button",
                "action_id": "credbot_helpful",
                "text": {"type": "plain_text", "text": "Helpful"},
                "value": _value(k=session_key, e=entry, q=question[:500], h=1),
            },
            {
                "type": "button",
                "action_id": "credbot_not_helpful",
                "text": {"type": "plain_text", "text": "Not helpful"},
                "value": _value(k=session_key, e=entry, q=question[:500], h=0),
            },
        ]
    if reply.kind in ("answer", "credential", "clarify", "fallback"):
        escalate = {
            "type": "button",
            "action_id": "credbot_escalate",
            "text": {"type": "plain_text", "text": "Ask the help desk"},
            "value": _value(k=session_key, q=question[:1500]),
        }
        if reply.kind == "fallback":
            escalate["style"] = "primary"
        buttons.append(escalate)
    if buttons:
        blocks.append({"type": "actions", "block_id": "credbot_feedback", "elements": buttons})
    return blocks


def home_view(services) -> dict:
    knowledge, settings = services.bot.status()["knowledge"], services.settings
    default = STATE_NAMES.get(settings.default_state, "none (the bot asks or answers for both states)")
    examples = [
        "What is an industry-recognized credential?",
        "How much does a credential cost?",
        "Who issues the STNA?",
        "Show me IT certifications",
        "Is OSHA 10 on the Illinois list?",
    ]
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Industry-recognized credentials assistant"}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": mrkdwn(
                        f"I answer from the official IRC FAQs of the Ohio Department of Education and the Illinois State Board of "
                        f"Education ({knowledge['faq']} entries), from {knowledge['supplementary']} "
                        f"summaries of other official pages (marked as not official), and from a catalogue of "
                        f"{knowledge['credentials']} credentials with sources. "
                        "Mention me in a channel, send me a direct message, or use "
                        f"{settings.slack_command}. If I can't answer, the “Ask the help desk” button emails your question to "
                        "the right state's help desk."
                    ),
                },
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Try asking*\n" + "\n".join(f"• {mrkdwn(e)}" for e in examples)},
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": mrkdwn(
                        f"*State*: workspace default {default}. In a channel, `{settings.slack_command} state OH` or "
                        f"`{settings.slack_command} state IL` sets that channel's state."
                    ),
                },
            },
        ],
    }


def create_slack_app(services, *, client: WebClient | None = None, process_before_response: bool = False) -> App:
    settings = services.settings
    client = client or WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    app = App(
        signing_secret=settings.slack_signing_secret or "socket-mode",
        client=client,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        request_verification_enabled=bool(settings.slack_signing_secret),
    )
    register_listeners(app, services)
    return app


def register_listeners(app: App, services) -> None:
    bot, settings = services.bot, services.settings

    def state_for(channel: str | None) -> str | None:
        """A channel's own state (set with `/credentials state OH`), else the workspace default."""
        override = bot.channel_state(channel)
        return override or settings.default_state

    def ask(text: str, key: str, channel: str | None, user: str | None) -> Reply:
        identity = {"slack_user": user, "slack_channel": channel}
        return bot.handle(text, key, state=state_for(channel), channel="slack", user=identity)

    @app.middleware
    def drop_retries(body, next, request):
        """Slack re-sends an event it thinks was missed: answer each event id once."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not bot.first_delivery(event_id):
            log.info("ignoring Slack's retry of event %s", event_id)
            return BoltResponse(status=200, body="")  # acknowledged; nothing runs again
        next()

    @app.event("app_mention")
    def on_mention(event, say):
        text = MENTION.sub("", event.get("text", "")).strip() or "help"
        thread = event.get("thread_ts") or event["ts"]
        key = f"slack:{event.get('team', '')}:{event['channel']}:{thread}"
        reply = ask(text, key, event["channel"], event.get("user"))
        say(text=reply.text[:MAX_TEXT], blocks=render(reply, key, text), thread_ts=thread)

    @app.event("message")
    def on_message(event, say):
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        text = event.get("text", "").strip()
        if not text:
            return
        key = f"slack:dm:{event['channel']}:{event.get('user')}"
        reply = ask(text, key, event["channel"], event.get("user"))
        say(text=reply.text[:MAX_TEXT], blocks=render(reply, key, text))

    @app.command(settings.slack_command)
    def on_command(ack, command, respond):
        ack()
        text = (command.get("text") or "").strip()
        channel, user = command.get("channel_id"), command.get("user_id")
        if text.lower() in ("", "help"):
            respond(response_type="ephemeral", text=HELP_TEXT.format(cmd=settings.slack_command))
            return
        m = re.fullmatch(r"state\s+(\S+)", text, flags=re.I)
        if m:
            state = state_code(m.group(1))
            if state is None:
                respond(response_type="ephemeral", text="Say `state OH` or `state IL`.")
                return
            try:
                bot.set_channel_state(channel, state)
            except Unavailable as exc:
                respond(response_type="ephemeral", text=f"{exc}.")
                return
            respond(response_type="ephemeral", text=f"In this channel I'll answer for {STATE_NAMES[state]}.")
            return
        key = f"slack:cmd:{channel}:{user}"
        reply = ask(text, key, channel, user)
        blocks = render(reply, key, text)
        blocks.append(
            {
                "type": "actions",
                "block_id": "credbot_share",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "credbot_share",
                        "text": {"type": "plain_text", "text": "Share in channel"},
                        "value": _value(k=key, q=text[:1500]),
                    }
                ],
            }
        )
        respond(response_type="ephemeral", text=reply.text[:MAX_TEXT], blocks=blocks)

    def _payload(body) -> dict:
        return json.loads(body["actions"][0]["value"])

    @app.action(re.compile(r"credbot_choice_\d"))
    def on_choice(ack, body, respond):
        ack()
        data = _payload(body)
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        reply = ask(data["m"], data["k"], channel, user)
        respond(
            replace_original=False,
            response_type="ephemeral" if data["k"].startswith("slack:cmd:") else "in_channel",
            text=reply.text[:MAX_TEXT],
            blocks=render(reply, data["k"], data["m"]),
            thread_ts=(body.get("message") or {}).get("thread_ts"),
        )

    @app.action(re.compile(r"credbot_(not_)?helpful"))
    def on_feedback(ack, body, respond):
        ack()
        data = _payload(body)
        with contextlib.suppress(Unavailable):
            bot.record_feedback(
                channel="slack",
                helpful=bool(data["h"]),
                entry_id=data.get("e"),
                question=data.get("q"),
                session_key=data["k"],
            )
        respond(
            replace_original=False,
            response_type="ephemeral",
            text="Thanks for the feedback."
            if data["h"]
            else "Thanks. Use “Ask the help desk” if you'd like a person to answer.",
        )

    @app.action("credbot_escalate")
    def on_escalate(ack, body, respond):
        ack()
        data = _payload(body)
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        if bot.escalations is None:
            respond(replace_original=False, response_type="ephemeral", text="Escalation is not available here.")
            return
        record = bot.escalate(
            data["k"],
            data["q"],
            channel="slack",
            user={"slack_user": user, "slack_channel": channel},
            state=state_for(channel),
        )
        respond(
            replace_original=False,
            response_type="ephemeral",
            text=f"I've sent your question to the help desk at {record['to']} (#{record['id']}). "
            "They will reply to you here in Slack.",
        )

    @app.action("credbot_share")
    def on_share(ack, body, respond):
        ack()
        data = _payload(body)
        reply = ask(data["q"], data["k"] + ":share", (body.get("channel") or {}).get("id"), body["user"]["id"])
        respond(
            replace_original=False,
            response_type="in_channel",
            text=f"<@{body['user']['id']}> asked: {mrkdwn(data['q'])}\n\n{reply.text[:MAX_TEXT]}",
            blocks=[
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f"<@{body['user']['id']}> asked: {mrkdwn(data['q'])}"},
                }
            ]
            + render(reply, data["k"], data["q"], shared=True),
        )

    @app.event("app_home_opened")
    def on_home(event, client):
        if event.get("tab") != "home":
            return
        client.views_publish(user_id=event["user"], view=home_view(services))


HELP_TEXT = (
    "I answer questions about industry-recognized credentials from the official Ohio and Illinois FAQs and a "
    "catalogue of credentials. Try `{cmd} how much does a credential cost?` or `{cmd} who issues the STNA?`. "
    "Answers here are visible only to you; press “Share in channel” to post one. `{cmd} state OH` or "
    "`{cmd} state IL` sets this channel's state."
)


def mount_slack(flask_app, services, process_before_response: bool = False) -> App:
    """Serve Slack's HTTP mode at POST /slack/events in the Flask app."""
    from flask import request
    from slack_bolt.adapter.flask import SlackRequestHandler

    slack_app = create_slack_app(services, process_before_response=process_before_response)
    handler = SlackRequestHandler(slack_app)

    def slack_events():
        return handler.handle(request)

    flask_app.add_url_rule("/slack/events", "slack_events", slack_events, methods=["POST"])
    flask_app.extensions["credbot_slack"] = slack_app
    return slack_app


def run_socket_mode(services) -> None:
    """Socket Mode, for workspaces that cannot expose a URL: needs SLACK_APP_TOKEN (xapp-...)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(create_slack_app(services), services.settings.slack_app_token).start()
