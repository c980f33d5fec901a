"""What the Bot tells a channel when it cannot do what was asked."""

from __future__ import annotations

import re


class Unavailable(RuntimeError):
    """A feature that needs a part this deployment does not have, or that is down now (the database).
    ``retry_after``: seconds after which trying again makes sense (None: it will not come back)."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(RuntimeError):
    """A request understood and refused; ``status`` is the HTTP status that says why (400, 403, 404,
    409, 410, 429), ``retry_after`` when waiting helps."""

    def __init__(self, status: int, message: str, retry_after: int | None = None, escalation_id: int | None = None):
        super().__init__(message)
        self.status, self.message, self.retry_after, self.escalation_id = status, message, retry_after, escalation_id


DB_RETRY_AFTER = 30  # seconds: what a client is told to wait while the database is down
_PATHS = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s:;,)]+")


def _without_paths(text: str) -> str:
    """A status line for the public: no file-system paths (they tell an attacker the layout)."""
    return _PATHS.sub("…", text).replace(" from …", "") if text else text
