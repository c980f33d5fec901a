"""The server's secret key: HMACs that need no storage (session secrets, confirmation codes and
links) and pseudonyms for what must be counted but not kept (clients' addresses in the daily caps).

CREDBOT_SECRET_KEY when set (set it, the same, on every host that shares a database); otherwise a
random key created once in the instance folder (readable by its owner only), which every process
on this host then shares. Without a writable instance folder, a key for this process only."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger("credbot")


class SecretKey:
    def __init__(self, key: bytes):
        self.key = key

    def sign(self, *parts: str, length: int = 32) -> str:
        """A hex HMAC of the parts (``length`` hex digits)."""
        message = "\x1f".join(parts).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:length]

    def check(self, expected: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())

    def digits(self, *parts: str, n: int = 6) -> str:
        """An n-digit code derived from the parts (for people to type)."""
        value = int.from_bytes(hmac.new(self.key, "\x1f".join(parts).encode(), hashlib.sha256).digest()[:8], "big")
        return str(value % 10**n).zfill(n)


def load_secret_key(configured: str, instance_dir: Path) -> SecretKey:
    if configured:
        return SecretKey(configured.encode())
    path = instance_dir / "secret_key"
    try:
        return SecretKey(path.read_bytes().strip())
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("cannot read %s (%s): using a key for this process only", path.name, type(exc).__name__)
        return SecretKey(secrets.token_bytes(32))
    key = secrets.token_hex(32).encode()
    try:
        instance_dir.mkdir(parents=True, exist_ok=True)
        temporary = instance_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        try:
            os.link(temporary, path)  # whole or not at all; the first process wins
        finally:
            temporary.unlink()
        return SecretKey(key)
    except FileExistsError:
        return SecretKey(path.read_bytes().strip())
    except OSError as exc:
        log.warning(
            "cannot create %s (%s): using a key for this process only; set CREDBOT_SECRET_KEY",
            path.name,
            type(exc).__name__,
        )
        return SecretKey(key)
