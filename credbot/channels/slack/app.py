"""The Slack app (slack-bolt), as in slack-samples/bolt-python-starter-template's app.py: an App
with every listener registered (listeners.py), served over HTTP at POST /slack/events in the Flask
app or over Socket Mode. The same listeners serve both.

HTTP mode checks each request before bolt sees it (verify.py): unsigned, malformed or stale
requests get 401 (never a 500), and a slash command or button payload seen before is refused as a
replay. Slack never re-sends those (it re-sends events, which listeners.once_per_event answers
once); the record is in the database, through the Bot, so every worker shares it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from ...conversation import Bot
from ...settings import Settings
from . import verify
from .listeners import register

log = logging.getLogger("credbot.slack")


def create_slack_app(
    bot: Bot, settings: Settings, *, client: WebClient | None = None, process_before_response: bool = False
) -> App:
    client = client or WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    app = App(
        signing_secret=settings.slack_signing_secret or "socket-mode",
        client=client,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        request_verification_enabled=bool(settings.slack_signing_secret),
    )
    register(app, bot, settings)
    return app


def mount_slack(flask_app: Any, bot: Bot, settings: Settings, *, process_before_response: bool = False) -> App:
    """Serve Slack's HTTP mode at POST /slack/events in the Flask app."""
    from flask import jsonify, request
    from slack_bolt.adapter.flask import SlackRequestHandler

    slack_app = create_slack_app(bot, settings, process_before_response=process_before_response)
    handler = SlackRequestHandler(slack_app)

    def slack_events() -> Any:
        reason = verify.refusal(settings.slack_signing_secret, request.headers, request.get_data())
        if reason:
            log.info("refused a request to /slack/events: %s", reason)
            return jsonify({"error": "invalid request"}), 401
        if request.mimetype == "application/x-www-form-urlencoded":  # a slash command or a button
            try:
                first = bot.claim_delivery(verify.request_key(request.headers), 2 * verify.WINDOW_SECONDS)
            except Exception as exc:  # the database: Slack shows the user an error, nothing is lost
                log.warning("Slack request refused: the database is unavailable (%s)", type(exc).__name__)
                return jsonify({"error": "temporarily unavailable"}), 503, {"Retry-After": "5"}
            if not first:
                log.warning("refused a replayed Slack request")
                return jsonify({"error": "replayed request"}), 401
        try:
            return handler.handle(request)
        except ValueError:  # a signed body bolt cannot parse (only the secret's holder can send one)
            log.warning("refused a signed Slack request whose body is not Slack's format")
            return jsonify({"error": "malformed request"}), 400

    flask_app.add_url_rule("/slack/events", "slack_events", slack_events, methods=["POST"])
    flask_app.extensions["credbot_slack"] = slack_app
    return slack_app


def run_socket_mode(bot: Bot, settings: Settings) -> None:
    """Socket Mode, for workspaces that cannot expose a URL: needs SLACK_APP_TOKEN (xapp-...)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(create_slack_app(bot, settings), settings.slack_app_token).start()
