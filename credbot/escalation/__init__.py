"""Escalation to the help desk: stored first (store.py), then delivered by email (outbox.py, mail.py)."""

from .mail import EmailValidationError, SmtpMailer, compose, validate_email
from .outbox import Outbox, OutboxWorker
from .recorder import UnansweredRecorder
from .service import ConfirmationError, Confirmations, EscalationService
from .store import BudgetExceeded, ConversationBusy, DatabaseUnavailable, IdempotencyConflict, Store

__all__ = [
    "BudgetExceeded",
    "ConfirmationError",
    "Confirmations",
    "ConversationBusy",
    "DatabaseUnavailable",
    "EmailValidationError",
    "EscalationService",
    "IdempotencyConflict",
    "Outbox",
    "OutboxWorker",
    "SmtpMailer",
    "Store",
    "UnansweredRecorder",
    "compose",
    "validate_email",
]
