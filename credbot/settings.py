"""Every setting, read from environment variables in one place, with embedded defaults."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from limits import parse_many

from .states import DEFAULT_HELP_STATE, STATES

PACKAGE = Path(__file__).resolve().parent


class SettingsError(ValueError):
    pass


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = PACKAGE / "knowledge"  # shipped as package data
    instance_dir: Path = Path("instance")
    database_url: str = ""  # default: sqlite file in instance_dir
    # mail
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_timeout: float = 20.0
    mail_from: str = "credbot@localhost"
    help_email_oh: str = STATES["OH"].help_email
    help_email_il: str = STATES["IL"].help_email
    help_email_default: str = STATES[DEFAULT_HELP_STATE].help_email
    outbox_interval: float = 30.0
    max_attempts: int = 8  # attempts before an ERROR alert; delivery goes on, at most an hour apart
    # abuse and faults (issue 16; docs/escalations.md)
    escalations_per_client: int = 5  # per client (IP, Slack user, reply address) per UTC day
    escalations_per_day: int = 200  # all clients together per UTC day
    confirm_ttl: float = 86400.0  # seconds an unconfirmed web escalation waits for its confirmation
    retention_days: int = 180  # escalations' personal data removed after this many days
    db_timeout: float = 3.0  # seconds a request waits for a busy database before answering 503
    secret_key: str = field(default="", repr=False)  # HMAC key; default: generated in instance_dir
    public_url: str = ""  # e.g. https://credbot.example.org; default http://HOST:PORT
    # conversation and matching
    default_state: str | None = None
    session_ttl: float = 1800.0
    answer_threshold: float | None = None
    clarify_threshold: float | None = None
    semantic: bool = True
    model_dir: str = ""
    cache_dir: str = ""
    # web
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8  # waitress request threads (one process: sessions live in memory)
    max_message_length: int = 1000
    rate_limit: str = "30 per minute"
    allowed_origins: tuple[str, ...] = ()
    proxy_hops: int = 0  # replaced by trusted_proxies (read as "a proxy on this host")
    # running as a service (several workers and hosts; see docs/deploy.md)
    redis_url: str = field(default="", repr=False)  # sessions and rate limits shared in Redis
    workers: int = 1  # credbot serve: 1 = waitress, one process; more = gunicorn workers (needs REDIS_URL)
    trusted_proxies: tuple[str, ...] = ()  # addresses/networks of our reverse proxies (X-Forwarded-For)
    max_sessions: int = 100_000  # in-memory sessions (without Redis): at most this many...
    session_memory_mb: int = 256  # ...and about this much memory
    work_budget: float = 3.0  # CPU seconds of chat work per client per minute and process (0: off)
    connection_limit: int = 1000  # open connections per process (waitress) or worker (gunicorn)
    idle_timeout: int = 30  # seconds an idle connection is kept (waitress channel_timeout)
    # slack
    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = ""
    slack_command: str = "/credentials"

    ENV = {
        "knowledge_dir": "CREDBOT_KNOWLEDGE_DIR",
        "instance_dir": "CREDBOT_INSTANCE_DIR",
        "database_url": "DATABASE_URL",
        "smtp_host": "SMTP_HOST",
        "smtp_port": "SMTP_PORT",
        "smtp_username": "SMTP_USERNAME",
        "smtp_password": "SMTP_PASSWORD",
        "smtp_starttls": "SMTP_STARTTLS",
        "smtp_ssl": "SMTP_SSL",
        "smtp_timeout": "SMTP_TIMEOUT",
        "mail_from": "CREDBOT_MAIL_FROM",
        "help_email_oh": "CREDBOT_HELP_EMAIL_OH",
        "help_email_il": "CREDBOT_HELP_EMAIL_IL",
        "help_email_default": "CREDBOT_HELP_EMAIL_DEFAULT",
        "outbox_interval": "CREDBOT_OUTBOX_INTERVAL",
        "max_attempts": "CREDBOT_MAX_ATTEMPTS",
        "escalations_per_client": "CREDBOT_ESCALATIONS_PER_CLIENT",
        "escalations_per_day": "CREDBOT_ESCALATIONS_PER_DAY",
        "confirm_ttl": "CREDBOT_CONFIRM_TTL",
        "retention_days": "CREDBOT_RETENTION_DAYS",
        "db_timeout": "CREDBOT_DB_TIMEOUT",
        "secret_key": "CREDBOT_SECRET_KEY",
        "public_url": "CREDBOT_PUBLIC_URL",
        "default_state": "CREDBOT_DEFAULT_STATE",
        "session_ttl": "CREDBOT_SESSION_TTL",
        "answer_threshold": "CREDBOT_ANSWER_THRESHOLD",
        "clarify_threshold": "CREDBOT_CLARIFY_THRESHOLD",
        "semantic": "CREDBOT_SEMANTIC",
        "model_dir": "CREDBOT_MODEL_DIR",
        "cache_dir": "CREDBOT_CACHE_DIR",
        "host": "CREDBOT_HOST",
        "port": "PORT",
        "threads": "CREDBOT_THREADS",
        "max_message_length": "CREDBOT_MAX_MESSAGE_LENGTH",
        "rate_limit": "CREDBOT_RATE_LIMIT",
        "allowed_origins": "CREDBOT_ALLOWED_ORIGINS",
        "proxy_hops": "CREDBOT_PROXY_HOPS",
        "redis_url": "REDIS_URL",
        "workers": "CREDBOT_WORKERS",
        "trusted_proxies": "CREDBOT_TRUSTED_PROXIES",
        "max_sessions": "CREDBOT_MAX_SESSIONS",
        "session_memory_mb": "CREDBOT_SESSION_MEMORY_MB",
        "work_budget": "CREDBOT_WORK_BUDGET",
        "connection_limit": "CREDBOT_CONNECTION_LIMIT",
        "idle_timeout": "CREDBOT_IDLE_TIMEOUT",
        "slack_bot_token": "SLACK_BOT_TOKEN",
        "slack_signing_secret": "SLACK_SIGNING_SECRET",
        "slack_app_token": "SLACK_APP_TOKEN",
        "slack_api_url": "SLACK_API_URL",
        "slack_command": "CREDBOT_SLACK_COMMAND",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = cls.ENV.get(f.name)
            if name is None or name not in env:
                continue
            raw = env[name]
            kind = str(f.type)
            try:
                if "bool" in kind:
                    values[f.name] = _bool(name, raw)
                elif kind.startswith("int"):
                    values[f.name] = int(raw)
                elif kind.startswith("float"):
                    values[f.name] = float(raw) if raw.strip() else None
                elif "tuple" in kind:
                    values[f.name] = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
                elif "Path" in kind:
                    values[f.name] = Path(raw)
                else:
                    values[f.name] = raw.strip() or (None if f.name == "default_state" else "")
            except ValueError as exc:
                raise SettingsError(f"{name}={raw!r} is not valid: {exc}") from None
        settings = replace(cls(), **values, **overrides)
        settings.check()
        return settings

    def check(self) -> None:
        if self.default_state not in (None, "OH", "IL"):
            raise SettingsError(f"CREDBOT_DEFAULT_STATE must be OH or IL, not {self.default_state!r}")
        try:
            parse_many(self.rate_limit)
        except ValueError:
            raise SettingsError(
                f"CREDBOT_RATE_LIMIT must look like '30 per minute' or '30/minute; 500/day', not {self.rate_limit!r}"
            ) from None
        if not 1 <= self.threads <= 256:
            raise SettingsError(f"CREDBOT_THREADS must be between 1 and 256, not {self.threads}")
        for name, value in (
            ("CREDBOT_ESCALATIONS_PER_CLIENT", self.escalations_per_client),
            ("CREDBOT_ESCALATIONS_PER_DAY", self.escalations_per_day),
            ("CREDBOT_RETENTION_DAYS", self.retention_days),
            ("CREDBOT_MAX_ATTEMPTS", self.max_attempts),
        ):
            if value < 1:
                raise SettingsError(f"{name} must be at least 1, not {value}")
        if not 0 < self.db_timeout <= 60:
            raise SettingsError(f"CREDBOT_DB_TIMEOUT must be between 0 and 60 seconds, not {self.db_timeout}")
        if self.public_url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", self.public_url):
            raise SettingsError(
                f"CREDBOT_PUBLIC_URL must look like https://credbot.example.org, not {self.public_url!r}"
            )
        if not 1 <= self.workers <= 64:
            raise SettingsError(f"CREDBOT_WORKERS must be between 1 and 64, not {self.workers}")
        try:
            ip_networks(self.trusted_proxies)
        except ValueError as exc:
            raise SettingsError(f"CREDBOT_TRUSTED_PROXIES: {exc}") from None
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://")
        if self.max_sessions < 1 or self.session_memory_mb < 1:
            raise SettingsError("CREDBOT_MAX_SESSIONS and CREDBOT_SESSION_MEMORY_MB must be at least 1")
        if self.work_budget is None or self.work_budget < 0:
            raise SettingsError("CREDBOT_WORK_BUDGET must be 0 (off) or a number of CPU seconds per minute")
        if self.slack_bot_token and not (self.slack_signing_secret or self.slack_app_token):
            raise SettingsError(
                "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN "
                "(Socket Mode) is missing"
            )
        if (self.slack_signing_secret or self.slack_app_token) and not self.slack_bot_token:
            raise SettingsError("Slack is half configured: SLACK_BOT_TOKEN is missing")

    @property
    def resolved_public_url(self) -> str:
        """Where people reach this server: links in mails, the demo page's snippet, redirects
        (never the request's Host header, which any client can set)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def proxies(self) -> tuple[str, ...]:
        """The reverse proxies whose X-Forwarded-For is believed. CREDBOT_PROXY_HOPS (the old
        setting, which believed any client's header under `flask run`) is read as "a proxy on this
        host": loopback only."""
        if self.trusted_proxies:
            return self.trusted_proxies
        return ("127.0.0.0/8", "::1") if self.proxy_hops else ()

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.instance_dir / 'credbot.sqlite3').resolve()}"

    @property
    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else self.instance_dir / "cache"

    def help_emails(self) -> dict[str | None, str]:
        return {"OH": self.help_email_oh, "IL": self.help_email_il, None: self.help_email_default}


def ip_networks(specs) -> list:
    """CREDBOT_TRUSTED_PROXIES' entries as networks (an address is a /32 or /128); ValueError names a bad one."""
    out = []
    for spec in specs:
        try:
            out.append(ipaddress.ip_network(spec, strict=False))
        except ValueError:
            raise ValueError(f"{spec!r} is not an IP address or network") from None
    return out
