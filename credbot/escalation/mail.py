"""Composing and sending the help-desk email (stdlib smtplib + EmailMessage).

What a person typed is quoted in the mail: every line of it starts with "> ", so a question cannot
pass for the mail's own HOW TO REPLY or CONVERSATION sections, and control and bidi characters are
shown as escapes. The conversation is carried once, trimmed to its last turns (MAX_TURNS, each at
most TURN_CHARS). Each escalation keeps one Message-ID for every attempt: a resend after a crash
is a duplicate the help desk's mail system drops."""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from email import message_from_bytes
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from ..phrases import phrase
from ..text import STATE_NAMES, terminal_safe

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TURNS = 10  # the conversation's last turns in the mail
TURN_CHARS = 600  # each turn at most this long in the mail


class EmailValidationError(ValueError):
    pass


def validate_email(value: str) -> str:
    """The address, or EmailValidationError. It must be a plain ASCII address that survives the
    trip the mail makes: set as a header by the same parser that builds the help desk's mail,
    serialised for SMTP and read back unchanged (so `=?utf-8?q?x?=@example.org`, an encoded word
    that mail readers decode into something else, is refused here and not at sending time)."""
    if not isinstance(value, str) or _CONTROL.search(value) or len(value) > 254 or not _EMAIL.match(value):
        raise EmailValidationError("not a valid email address")
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or ".." in value or local.startswith(".") or local.endswith(".") or "=?" in local:
        raise EmailValidationError("not a valid email address")
    try:
        probe = EmailMessage()
        probe["Reply-To"] = Address(addr_spec=value)
        back = message_from_bytes(probe.as_bytes(policy=email_policy.SMTP), policy=email_policy.default)
        addresses = back["Reply-To"].addresses
    except Exception:  # noqa: BLE001 - the parser refused it one way or another
        raise EmailValidationError("not a valid email address") from None
    if len(addresses) != 1 or addresses[0].addr_spec != value or back["Reply-To"].defects:
        raise EmailValidationError("not a valid email address")
    return value


def is_email(value: str) -> bool:
    try:
        validate_email(value)
        return True
    except EmailValidationError:
        return False


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(terminal_safe(" ".join((text or "").split())).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def quoted(text: str, limit: int | None = None) -> list[str]:
    """User text as mail lines: each prefixed with "> ", control and bidi characters escaped."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return ["> " + terminal_safe(line) for line in text.split("\n")]


def trim_conversation(turns: list[dict], max_turns: int = MAX_TURNS, turn_chars: int = TURN_CHARS) -> list[dict]:
    """The last ``max_turns`` turns, each at most ``turn_chars`` characters: what is stored and mailed."""
    kept = []
    for turn in (turns or [])[-max_turns:]:
        text = str(turn.get("text", ""))
        if len(text) > turn_chars:
            text = text[: turn_chars - 1].rstrip() + "…"
        kept.append({"role": "user" if turn.get("role") == "user" else "bot", "text": text})
    return kept


def _domain(mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2].strip(" >")
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "localhost"


def message_id(escalation: dict, mail_from: str, kind: str = "escalation") -> str:
    """The same for every attempt at one escalation's mail of one kind ("escalation", "confirm")."""
    token = (
        escalation.get("message_token")
        or hashlib.sha256(f"{escalation['id']}|{escalation['created_at'].isoformat()}".encode()).hexdigest()[:24]
    )
    return f"<credbot.{kind}.{escalation['id']}.{token}@{_domain(mail_from)}>"


def compose(escalation: dict, mail_from: str) -> EmailMessage:
    """A plain, readable email: how to reply first, then the question and the conversation, quoted."""
    state = STATE_NAMES.get(escalation.get("state") or "", "State not given")
    msg = EmailMessage()
    msg["Subject"] = f"[credbot] {state}: {_one_line(escalation['question'], 70)}"
    msg["From"] = mail_from
    msg["To"] = escalation["to_address"]
    reply_to: str | None = escalation.get("reply_to")
    confirmed = escalation.get("confirmed_at")
    # A web address is a Reply-To only once its owner confirmed it (rows stored before confirmation
    # existed name it in the text, marked as unconfirmed).
    trusted = bool(reply_to) and (escalation.get("channel") != "web" or confirmed is not None)
    if reply_to and trusted:
        msg["Reply-To"] = Address(addr_spec=validate_email(reply_to))
    msg["Date"] = format_datetime(escalation["created_at"])
    msg["Message-ID"] = message_id(escalation, mail_from)
    if reply_to and not trusted:
        how = (
            f"The person typed {validate_email(reply_to)} as the address for the reply, but it was never "
            "confirmed: check it before you write to it."
        )
    elif reply_to:
        how = f"Reply to this email: it goes to {reply_to}" + (
            f" (the person confirmed this address on {confirmed:%Y-%m-%d %H:%M} UTC)." if confirmed else "."
        )
    elif escalation.get("slack_user"):
        how = (
            f"The person asked in Slack (user {terminal_safe(escalation['slack_user'])}"
            + (f", channel {terminal_safe(escalation['slack_channel'])}" if escalation.get("slack_channel") else "")
            + "). Reply to them in Slack."
        )
    else:
        how = "No reply address was given."
    lines = [
        "A question the credentials assistant could not answer well.",
        "",
        "HOW TO REPLY",
        how,
        "",
        f"State: {state}",
        *(
            [
                "Language: the person wrote in Spanish. Their words below are exactly as typed; the "
                "assistant answered them in Spanish. Please reply in Spanish if you can."
            ]
            if escalation.get("language") == "es"
            else []
        ),
        f"Asked via: {escalation['channel']}",
        f"Asked at: {escalation['created_at']:%Y-%m-%d %H:%M} UTC",
        f"Reference: escalation #{escalation['id']}",
        "",
        "QUESTION (as the person typed it; each line starts with >)",
        *quoted(escalation["question"]),
    ]
    conversation = trim_conversation(escalation.get("conversation") or [])
    if conversation:
        lines += ["", f"CONVERSATION (the last {len(conversation)} turns; each line starts with >)"]
        for turn in conversation:
            who = "Person" if turn["role"] == "user" else "Bot"
            body = quoted(turn["text"])
            lines += [f"> {who}: {body[0][2:]}", *body[1:]]
    msg.set_content("\n".join(lines) + "\n")
    return msg


def compose_confirmation(
    escalation: dict, mail_from: str, code: str, link: str, expires_hours: float, site: str
) -> EmailMessage:
    """The request to confirm a reply address. It carries nothing the requester typed (the address
    may be a stranger's: this mail must not carry someone else's words to them), only the help desk,
    a code, a link and what to do if it was not you."""
    state = STATE_NAMES.get(escalation.get("state") or "")
    if escalation.get("language") == "es":
        return _confirmation_es(escalation, mail_from, code, link, expires_hours, site, state)
    desk = f"the {state} help desk" if state else "the help desk"
    msg = EmailMessage()
    msg["Subject"] = f"Confirm your email address to send your question to {desk}"
    msg["From"] = mail_from
    msg["To"] = Address(addr_spec=validate_email(escalation["reply_to"]))
    msg["Date"] = format_datetime(escalation["created_at"])
    msg["Message-ID"] = message_id(escalation, mail_from, "confirm")
    msg["Auto-Submitted"] = "auto-generated"
    hours = f"{expires_hours:g} hour" + ("" if expires_hours == 1 else "s")
    msg.set_content(
        "\n".join(
            [
                f"Someone asked the credentials assistant at {site} to send a question to {desk}",
                f"({escalation['to_address']}) and gave this email address for the reply.",
                "",
                f"If it was you, type this code in the chat window: {code}",
                f"or open this page and press Confirm: {link}",
                "",
                f"Nothing is sent to the help desk until then. The request expires in {hours}.",
                "If it was not you, ignore this email: nothing will be sent and we will not write again.",
            ]
        )
        + "\n"
    )
    return msg


def _confirmation_es(
    escalation: dict, mail_from: str, code: str, link: str, expires_hours: float, site: str, state: str | None
) -> EmailMessage:
    """compose_confirmation for a person who wrote in Spanish: the same facts, in Spanish."""
    desk = phrase("answers.help_desk_of", "es", state_name=state) if state else phrase("answers.help_desk", "es")
    hours = f"{expires_hours:g} hora" + ("" if expires_hours == 1 else "s")
    msg = EmailMessage()
    msg["Subject"] = phrase("mail.confirm_subject", "es", desk=desk)
    msg["From"] = mail_from
    msg["To"] = Address(addr_spec=validate_email(escalation["reply_to"]))
    msg["Date"] = format_datetime(escalation["created_at"])
    msg["Message-ID"] = message_id(escalation, mail_from, "confirm")
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = "es"
    link += ("&" if "?" in link else "?") + "lang=es"  # the confirmation page in Spanish too
    body = phrase(
        "mail.confirm_body", "es", site=site, desk=desk, to=escalation["to_address"], code=code, link=link, hours=hours
    )
    msg.set_content(body + "\n")
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
        client: smtplib.SMTP
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


def permanent(exc: BaseException) -> bool:
    """Whether the mail server refused this message for good (a 5xx reply), or it cannot be built:
    trying again cannot help, an operator must act."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, EmailValidationError | smtplib.SMTPNotSupportedError | UnicodeError)
