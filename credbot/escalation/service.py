"""The one way any channel escalates a question: validate, charge the daily budget, store (committed),
wake the outbox; and the confirmation of a web escalation's reply address.

Web escalations carry an address nobody has verified, so they are stored at once as ``unconfirmed``
and the outbox mails a code and a link to that address; the help desk's mail goes out only when the
person confirms (``confirm``), and never carries an unconfirmed Reply-To. Slack users are signed in
to their workspace and the terminal is the operator's: their escalations go out at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ..keys import SecretKey
from ..text import CONTROL_CHARS
from .mail import trim_conversation, validate_email
from .store import BudgetExceeded, ConversationBusy, DatabaseUnavailable, IdempotencyConflict, Store, utcnow

CHANNELS = ("web", "slack", "cli")
MAX_WRONG_CODES = 5

__all__ = [
    "BudgetExceeded",
    "ConfirmationError",
    "Confirmations",
    "ConversationBusy",
    "DatabaseUnavailable",
    "EscalationService",
    "IdempotencyConflict",
]


class ConfirmationError(RuntimeError):
    """A confirmation that cannot be accepted; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Confirmations:
    """The code and link for one escalation, derived from the server's key and the row's nonce:
    nothing that confirms is stored, so a copy of the database cannot confirm anything."""

    key: SecretKey
    public_url: str
    ttl: float = 86400.0

    def code(self, row: dict) -> str:
        return self.key.digits("confirm-code", str(row["id"]), row["confirm_nonce"] or "")

    def token(self, row: dict) -> str:
        return self.key.sign("confirm-link", str(row["id"]), row["confirm_nonce"] or "")

    def link(self, row: dict) -> str:
        return f"{self.public_url}/confirm/{row['id']}?t={self.token(row)}"


class EscalationService:
    def __init__(
        self,
        store: Store,
        help_emails: dict,
        worker=None,
        *,
        key: SecretKey | None = None,
        per_client: int = 5,
        per_day: int = 200,
        confirm_ttl: float = 86400.0,
        public_url: str = "http://127.0.0.1:8000",
    ):
        self.store = store
        self.help_emails = help_emails
        self.worker = worker
        self.key = key or SecretKey(secrets.token_bytes(32))
        self.per_client, self.per_day = per_client, per_day
        self.confirmations = Confirmations(self.key, public_url.rstrip("/"), confirm_ttl)

    def address_for(self, state: str | None) -> str:
        return self.help_emails.get(state) or self.help_emails[None]

    def pseudonym(self, kind: str, value: str) -> str:
        """A client's or an address's counter key: the same every day, the value itself not kept."""
        return f"{kind}:" + self.key.sign(kind, value.strip().lower(), length=40)

    def submit(
        self,
        *,
        question: str,
        conversation: list,
        state: str | None,
        channel: str,
        reply_to: str | None = None,
        slack_user: str | None = None,
        slack_channel: str | None = None,
        session_id: str | None = None,
        idempotency_key: str | None = None,
        client: str | None = None,
        language: str | None = None,
    ) -> dict:
        """Store an escalation; raises BudgetExceeded, ConversationBusy, IdempotencyConflict,
        DatabaseUnavailable. ``client``: who asks (an IP address, a Slack user), counted per day.
        ``language``: the language the person wrote in ("es": the mails say so, and the
        confirmation mail is in Spanish)."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if reply_to is not None:
            reply_to = validate_email(reply_to)
        question = CONTROL_CHARS.sub(" ", question).strip()
        if not question:
            raise ValueError("the question is empty")
        basis = "\x00".join([channel, session_id or "", slack_user or "", reply_to or "", state or "", question])
        request_hash = hashlib.sha256(basis.encode()).hexdigest()
        if idempotency_key is None:
            # Same person, same question, same conversation: the same escalation (a double click).
            idempotency_key = "auto:" + request_hash
        budget = []
        who = client or slack_user
        if who:
            budget.append(("client", self.pseudonym("client", who), self.per_client))
        if reply_to:
            budget.append(("address", self.pseudonym("address", reply_to), self.per_client))
        budget.append(("all", "all", self.per_day))
        row, created = self.store.add_escalation(
            idempotency_key=idempotency_key[:200],
            question=question,
            conversation=trim_conversation(conversation),
            state=state,
            channel=channel,
            to_address=self.address_for(state),
            reply_to=reply_to,
            slack_user=slack_user,
            slack_channel=slack_channel,
            session_id=session_id,
            request_hash=request_hash,
            confirm_ttl=self.confirmations.ttl if channel == "web" and reply_to else None,
            budget=budget,
            language=language if language in ("en", "es") else None,
        )
        if created and self.worker is not None:
            self.worker.wake()
        return self._record(row, created)

    @staticmethod
    def _record(row: dict, created: bool | None = None) -> dict:
        record = {"id": row["id"], "status": row["status"], "to": row["to_address"]}
        if created is not None:
            record["created"] = created
        if row["status"] == "unconfirmed":
            record["confirm_to"] = row["reply_to"]
        return record

    def confirm(self, escalation_id: int, *, code: str | None = None, token: str | None = None) -> dict:
        """Accept the code (typed by the person) or the link's token: the escalation goes out."""
        row = self.store.get_escalation(escalation_id)
        if row is None or row["channel"] != "web" or not row["confirm_nonce"]:
            raise ConfirmationError(404, "no escalation waits for confirmation with this number")
        if row["status"] in ("pending", "sent"):
            return self._record(row)  # confirmed already (a second click)
        if row["status"] != "unconfirmed" or (row["expires_at"] and row["expires_at"] <= utcnow()):
            raise ConfirmationError(
                410, "this request has expired or was replaced; please send your question again from the chat"
            )
        conf = self.confirmations
        if token is not None:
            if not self.key.check(conf.token(row), token):
                raise ConfirmationError(403, "this confirmation link is not valid")
        else:
            if (row["confirm_attempts"] or 0) >= MAX_WRONG_CODES:
                raise ConfirmationError(
                    429, "too many wrong codes: open the link in the email instead, or send your question again"
                )
            if not self.key.check(conf.code(row), (code or "").strip()):
                self.store.count_wrong_code(escalation_id)
                raise ConfirmationError(400, "that code is not right: please check the email and try again")
        if not self.store.confirm(escalation_id):
            raise ConfirmationError(410, "this request has expired; please send your question again from the chat")
        if self.worker is not None:
            self.worker.wake()
        confirmed = self.store.get_escalation(escalation_id)
        assert confirmed is not None
        return self._record(confirmed)
