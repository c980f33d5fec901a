"""Composing and sending the help-desk email (stdlib smtplib + EmailMessage)."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..text import STATE_NAMES

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EmailValidationError(ValueError):
    pass


def validate_email(value: str) -> str:
    """The address, or EmailValidationError. No newlines or other control characters pass."""
    if not isinstance(value, str) or _CONTROL.search(value) or len(value) > 254 or not _EMAIL.match(value):
        raise EmailValidationError("not a valid email address")
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or ".." in value or local.startswith(".") or local.endswith("."):
        raise EmailValidationError("not a valid email address")
    return value


def is_email(value: str) -> bool:
    try:
        validate_email(value)
        return True
    except EmailValidationError:
        return False


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(_CONTROL.sub(" ", text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def compose(escalation: dict, mail_from: str) -> EmailMessage:
    """A plain, readable email: subject with state and a short question; question; conversation; how to reply."""
    state = STATE_NAMES.get(escalation.get("state"), "State not given")
    msg = EmailMessage()
    msg["Subject"] = f"[credbot] {state}: {_one_line(escalation['question'], 70)}"
    msg["From"] = mail_from
    msg["To"] = escalation["to_address"]
    reply_to = escalation.get("reply_to")
    if reply_to:
        msg["Reply-To"] = Address(addr_spec=validate_email(reply_to))
    msg["Date"] = format_datetime(escalation["created_at"])
    msg["Message-ID"] = make_msgid(idstring=f"credbot-{escalation['id']}")
    if reply_to:
        how = f"Reply to this email: it goes to {reply_to}."
    elif escalation.get("slack_user"):
        how = (
            f"The person asked in Slack (user {escalation['slack_user']}"
            + (f", channel {escalation['slack_channel']}" if escalation.get("slack_channel") else "")
            + "). Reply to them in Slack."
        )
    else:
        how = "No reply address was given."
    lines = [
        "A question the credentials assistant could not answer well.",
        "",
        "QUESTION",
        escalation["question"],
        "",
        f"State: {state}",
        f"Asked via: {escalation['channel']}",
        f"Asked at: {escalation['created_at']:%Y-%m-%d %H:%M} UTC",
        f"Reference: escalation #{escalation['id']}",
        "",
        "HOW TO REPLY",
        how,
        "",
        "CONVERSATION",
    ]
    for turn in escalation.get("conversation") or []:
        who = "Person" if turn.get("role") == "user" else "Bot"
        lines.append(f"{who}: {turn.get('text', '')}")
    msg.set_content("\n".join(lines) + "\n")
    return msg


class SmtpMailer:
    """Sends one message per call over SMTP (optionally STARTTLS or implicit TLS, with login)."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        use_ssl: bool = False,
        timeout: float = 20.0,
    ):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.use_ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls and not self.use_ssl:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)
