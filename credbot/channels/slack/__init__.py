"""The Slack channel (slack-bolt), in the shape of slack-samples/bolt-python-starter-template:

- app.py: create_slack_app, mount_slack (HTTP mode at POST /slack/events), run_socket_mode;
- listeners.py: the listeners, plain functions registered by one ``register(app, bot, settings)``;
- blocks.py: Block Kit as pure functions (reply, share, App Home, help);
- values.py: button values sealed with an HMAC and checked when clicked;
- verify.py: the signature, timestamp and replay checks of HTTP mode.

Thin like the other channels: Slack events become ``Bot.handle`` calls, the Reply becomes Block
Kit; everything else (escalation, feedback, channel state, deliveries) goes through the Bot too.
"""
