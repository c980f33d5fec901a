"""Delivery from the outbox: the help desk's mail and the requests to confirm a reply address.

Never silent, never given up quietly:
- each message is handled on its own: a failure to send or to record the result is logged (ids
  only) and the batch goes on;
- a transient failure (the mail server is down or says "try later") is retried with back-off
  doubling from ``base_delay`` up to ``max_delay``, for as long as it takes; after ``max_attempts``
  attempts an ERROR says so (again every ``REALERT_EVERY`` attempts), and `credbot escalations
  status` lists what waits;
- a permanent refusal (a 5xx reply, an address that cannot be built) marks it ``failed`` with an
  ERROR; `credbot escalations retry --all-failed` queues them all again once the cause is fixed;
- every attempt at one escalation carries the same Message-ID (mail.message_id): a resend after a
  crash, or after a "mark sent" that failed, is a duplicate the help desk's mail system drops.
The worker also releases leases left by a stopped process at start-up, expires unconfirmed
escalations, and applies the retention rule once a day (Store.purge)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from .mail import compose, compose_confirmation, permanent
from .store import DatabaseUnavailable, Store, utcnow

log = logging.getLogger("credbot.outbox")
REALERT_EVERY = 24  # attempts between repeated alerts (about a day at the one-hour cap)


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
        confirmations=None,
        site: str = "",
    ):
        self.store, self.mailer, self.mail_from = store, mailer, mail_from
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.lease = dt.timedelta(seconds=lease)
        self.clock = clock
        self.confirmations = confirmations  # service.Confirmations: codes and links for web escalations
        self.site = site or (confirmations.public_url if confirmations else "")

    def backoff(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1)))

    def deliver_due(self) -> dict:
        """Try every message that is due once. Returns counts: sent (help desk), confirmations,
        retrying, failed. Raises DatabaseUnavailable when the queue cannot be read."""
        counts = {"sent": 0, "confirmations": 0, "retrying": 0, "failed": 0}
        if self.mailer is None:
            return counts
        while True:
            now = self.clock()
            batch = self.store.claim_due(now, self.lease)
            if not batch:
                return counts
            for escalation in batch:
                self._deliver(escalation, now, counts)

    def _message(self, escalation: dict):
        if escalation["status"] == "unconfirmed":
            conf = self.confirmations
            if conf is None:
                raise RuntimeError("no confirmation settings: cannot ask for a confirmation")
            return "confirmation", compose_confirmation(
                escalation, self.mail_from, conf.code(escalation), conf.link(escalation), conf.ttl / 3600, self.site
            )
        return "escalation", compose(escalation, self.mail_from)

    def _deliver(self, escalation: dict, now: dt.datetime, counts: dict) -> None:
        eid, attempts = escalation["id"], escalation["attempts"]
        kind = "confirmation" if escalation["status"] == "unconfirmed" else "escalation"
        try:
            kind, message = self._message(escalation)
            self.mailer.send(message)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried or reported
            self._failed(escalation, kind, exc, now, counts)
            return
        try:
            if kind == "confirmation":
                self.store.mark_confirmation_sent(eid)
            else:
                self.store.mark_sent(eid)
        except Exception as exc:  # noqa: BLE001 - the mail went out; the batch goes on
            log.error(
                "escalation %s: the %s mail was sent but could not be recorded (%s); it may be sent "
                "again, with the same Message-ID, which the recipient drops as a duplicate",
                eid,
                kind,
                type(exc).__name__ if not isinstance(exc, DatabaseUnavailable) else exc,
            )
            return
        counts["confirmations" if kind == "confirmation" else "sent"] += 1
        if kind == "confirmation":
            log.info("escalation %s: confirmation request mailed (attempt %s)", eid, attempts)
        else:
            log.info("escalation %s delivered to the help desk (attempt %s)", eid, attempts)

    def _failed(self, escalation: dict, kind: str, exc: Exception, now: dt.datetime, counts: dict) -> None:
        eid, attempts = escalation["id"], escalation["attempts"]
        given_up = permanent(exc)
        # The error's class and SMTP code are kept; its text may name an address, so it goes to the
        # database (the operator's `escalations show`), never to the log.
        error = f"{type(exc).__name__}: {exc}"
        status = "expired" if kind == "confirmation" else "failed"
        try:
            self.store.mark_retry(eid, error, now + self.backoff(attempts), given_up, status=status)
        except Exception as db_exc:  # noqa: BLE001 - the lease runs out and it is tried again
            log.error(
                "escalation %s: delivery failed and could not be recorded (%s); it is tried again when its lease ends",
                eid,
                type(db_exc).__name__ if not isinstance(db_exc, DatabaseUnavailable) else db_exc,
            )
            counts["retrying"] += 1
            return
        code = getattr(exc, "smtp_code", None)
        what = type(exc).__name__ + (f" {code}" if code else "")
        if given_up and kind == "confirmation":
            counts["failed"] += 1
            log.warning("escalation %s: the confirmation request was refused (%s); it will not be sent", eid, what)
        elif given_up:
            counts["failed"] += 1
            log.error(
                "escalation %s: the mail server refused it for good (%s); it is marked failed. Fix the cause, "
                "then run `credbot escalations retry --all-failed`",
                eid,
                what,
            )
        else:
            counts["retrying"] += 1
            alert = attempts >= self.max_attempts and (attempts - self.max_attempts) % REALERT_EVERY == 0
            if alert:
                waited = now - escalation["created_at"]
                log.error(
                    "escalation %s: %s mail still not delivered after %s attempts over %s (%s); retrying every "
                    "%s. Check the mail server and `credbot escalations status`",
                    eid,
                    kind,
                    attempts,
                    _duration(waited.total_seconds()),
                    what,
                    _duration(self.backoff(attempts).total_seconds()),
                )
            else:
                log.warning("escalation %s: %s delivery attempt %s failed (%s)", eid, kind, attempts, what)

    def housekeeping(self, retention_days: int | None = None) -> dict:
        """Expire unconfirmed escalations past their time; with ``retention_days``, purge older personal data."""
        done = {"expired": self.store.expire_unconfirmed(self.clock())}
        if retention_days:
            done.update(self.store.purge(self.clock() - dt.timedelta(days=retention_days), self.clock()))
        return done


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class OutboxWorker:
    """Runs Outbox.deliver_due in a background thread every ``interval`` seconds, and at once
    when ``wake()`` is called (a new escalation was stored or confirmed). At start it releases the
    leases a stopped process left; every run it expires unconfirmed escalations; once a day
    (``purge_every`` seconds) it applies the retention rule."""

    def __init__(
        self, outbox: Outbox, interval: float = 30.0, retention_days: int | None = None, purge_every: float = 86400.0
    ):
        self.outbox, self.interval = outbox, interval
        self.retention_days, self.purge_every = retention_days, purge_every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._released = False
        self._purged_at: float | None = None

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

    def run_once(self) -> None:
        store = self.outbox.store
        if not self._released:
            released = store.release_leases()
            self._released = True
            if released:
                log.info("outbox: %s lease(s) left by a stopped process released", released)
        counts = self.outbox.deliver_due()
        if counts["retrying"] or counts["failed"]:
            log.info("outbox run: %s", counts)
        purge = bool(self.retention_days) and (
            self._purged_at is None or time.monotonic() - self._purged_at >= self.purge_every
        )
        done = self.outbox.housekeeping(self.retention_days if purge else None)
        if purge:
            self._purged_at = time.monotonic()
            log.info("retention (%s days): %s", self.retention_days, done)
        elif done["expired"]:
            log.info("outbox: %s unconfirmed escalation(s) expired", done["expired"])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except DatabaseUnavailable as exc:
                log.warning("outbox: database unavailable (%s); will try again", exc)
            except Exception:  # noqa: BLE001 - the worker must survive anything
                log.exception("outbox run failed; will try again")
            self._wake.wait(self.interval)
            self._wake.clear()
