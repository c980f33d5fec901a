"""Escalation to the help desk: stored first (store.py), then delivered by email (outbox.py, mail.py)."""

from .mail import EmailValidationError, SmtpMailer, compose, validate_email
from .outbox import Outbox, OutboxWorker
from .recorder import UnansweredRecorder
from .service import EscalationService
from .store import Store

__all__ = [
    "EmailValidationError",
    "EscalationService",
    "Outbox",
    "OutboxWorker",
    "SmtpMailer",
    "Store",
    "UnansweredRecorder",
    "compose",
    "validate_email",
]
