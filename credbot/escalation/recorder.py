"""Questions the bot could not answer, recorded off the request path.

A parent's fallback reply must not wait for the database (a commit is a disk flush). The bot hands
each unanswered question to an UnansweredRecorder; one background thread writes them in batches,
one transaction each, within about ``linger`` seconds. ``flush()`` writes what is waiting now and
``close()`` writes the rest before the process ends. A failed write is tried again; the questions
are personal data, so only their number reaches the log."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time

from ..text import redact_personal

log = logging.getLogger("credbot.unanswered")
_STOP = object()


class UnansweredRecorder:
    def __init__(self, store, linger: float = 1.0, retries: int = 5, batch_size: int = 500):
        self.store, self.linger, self.retries, self.batch_size = store, linger, retries, batch_size
        self._queue: queue.Queue = queue.Queue()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="credbot-unanswered", daemon=True)
        self._thread.start()

    def record_unanswered(self, *, question: str, state: str | None, channel: str, confidence: float) -> None:
        """Queue one question (returns at once)."""
        self._queue.put(
            {
                "question": redact_personal(question),  # kept for the FAQ's maintainers: no addresses
                "state": state,
                "channel": channel,
                "confidence": float(confidence),
                "created_at": dt.datetime.now(dt.UTC),
            }
        )

    def flush(self) -> None:
        """Return once every question queued so far is written (or given up after the retries)."""
        if self._thread.is_alive():
            self._wake.set()
            self._queue.join()

    def close(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._wake.set()
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            self._wake.wait(self.linger)  # let a busy moment's questions gather into one transaction
            self._wake.clear()
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [item for item in batch if item is not _STOP]
            if rows:
                self._write(rows)
            for _ in batch:
                self._queue.task_done()
            if len(rows) < len(batch):
                return

    def _write(self, rows: list[dict]) -> None:
        for attempt in range(1, self.retries + 1):
            try:
                self.store.add_unanswered(rows)
                return
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the thread
                # The error's class only: its text could carry the questions.
                if attempt == self.retries:
                    log.error(
                        "could not record %d unanswered question(s) after %d attempts (%s)",
                        len(rows),
                        attempt,
                        type(exc).__name__,
                    )
                    return
                log.warning(
                    "recording %d unanswered question(s) failed (%s); trying again", len(rows), type(exc).__name__
                )
                time.sleep(attempt)
