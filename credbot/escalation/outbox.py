"""Delivery from the outbox: retries with exponential back-off; a message that keeps failing
is marked failed and kept; a restart resumes where the last run stopped."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from .mail import compose
from .store import Store, utcnow

log = logging.getLogger(__name__)


class Outbox:
    def __init__(
        self,
        store: Store,
        mailer,
        mail_from: str,
        max_attempts: int = 8,
        base_delay: float = 30.0,
        max_delay: float = 3600.0,
        lease: float = 300.0,
        clock=utcnow,
    ):
        self.store, self.mailer, self.mail_from = store, mailer, mail_from
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.lease = dt.timedelta(seconds=lease)
        self.clock = clock

    def backoff(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1)))

    def deliver_due(self) -> dict:
        """Try every escalation that is due once. Returns counts: sent, retrying, failed."""
        counts = {"sent": 0, "retrying": 0, "failed": 0}
        if self.mailer is None:
            return counts
        while True:
            now = self.clock()
            batch = self.store.claim_due(now, self.lease)
            if not batch:
                return counts
            for escalation in batch:
                try:
                    self.mailer.send(compose(escalation, self.mail_from))
                except Exception as exc:  # noqa: BLE001 - any failure is retried, then recorded
                    failed = escalation["attempts"] >= self.max_attempts
                    error = f"{type(exc).__name__}: {exc}"
                    self.store.mark_retry(escalation["id"], error, now + self.backoff(escalation["attempts"]), failed)
                    counts["failed" if failed else "retrying"] += 1
                    log.warning(
                        "escalation %s: delivery attempt %s failed (%s)%s",
                        escalation["id"],
                        escalation["attempts"],
                        type(exc).__name__,
                        "; giving up" if failed else "",
                    )
                else:
                    self.store.mark_sent(escalation["id"])
                    counts["sent"] += 1
                    log.info("escalation %s delivered to the help desk", escalation["id"])


class OutboxWorker:
    """Runs Outbox.deliver_due in a background thread every ``interval`` seconds, and at once
    when ``wake()`` is called (a new escalation was stored)."""

    def __init__(self, outbox: Outbox, interval: float = 30.0):
        self.outbox, self.interval = outbox, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> OutboxWorker:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="credbot-outbox", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.outbox.deliver_due()
            except Exception:  # noqa: BLE001 - the worker must survive a database hiccup
                log.exception("outbox run failed; will try again")
            self._wake.wait(self.interval)
            self._wake.clear()
