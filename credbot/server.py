"""The Flask app factory (web chat + Slack HTTP mode in one process) and production serving."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from flask import Flask, jsonify
from flask.json.provider import JSONProvider
from werkzeug.exceptions import HTTPException

from .channels.clientaddr import ClientAddressMiddleware
from .channels.fairness import WorkBudget
from .channels.web import ApiError, bp
from .conversation import SessionStoreUnavailable
from .settings import Settings, SettingsError
from .wiring import Services, build_rate_limiter, build_services

log = logging.getLogger("credbot.web")
PACKAGE = Path(__file__).resolve().parent
MAX_BODY = 64 * 1024  # the app's limit on a request body (413 JSON above it)
SERVER_MAX_BODY = 4 * MAX_BODY  # the server's: refused before it is buffered (waitress spools up to 1 GiB)


class OrjsonProvider(JSONProvider):
    """Flask's JSON through orjson: replies keep their field order, UTF-8 as is, several times faster."""

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)

    def response(self, *args, **kwargs):
        """jsonify(): the body as orjson's bytes, not decoded to text and encoded again."""
        body = orjson.dumps(self._prepare_response_obj(args, kwargs))
        return self._app.response_class(body, mimetype="application/json")  # type: ignore[arg-type]


def create_app(test_config: dict | None = None, services: Services | None = None) -> Flask:
    """Build the app. ``test_config`` may hold Flask config and a "SETTINGS" object."""
    app = Flask(__name__, static_folder=str(PACKAGE / "static"), template_folder=str(PACKAGE / "templates"))
    app.json = OrjsonProvider(app)
    test_config = dict(test_config or {})
    settings: Settings = test_config.pop("SETTINGS", None) or (services.settings if services else Settings.from_env())
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, RATELIMIT_ENABLED=True)
    # Redirects and external links name the configured public address, never the request's Host header.
    public = urlsplit(settings.resolved_public_url)
    app.config.update(
        SERVER_NAME=public.netloc, PREFERRED_URL_SCHEME=public.scheme, APPLICATION_ROOT=public.path or "/"
    )
    app.config.update(test_config)
    if services is None:
        services = build_services(settings, start_worker=test_config.get("START_OUTBOX", False))
    app.extensions["credbot"] = services
    # The client's address (X-Forwarded-For only from our own proxies) and the key its limits count against.
    app.wsgi_app = ClientAddressMiddleware(app.wsgi_app, settings.proxies)  # type: ignore[method-assign]
    if settings.proxy_hops and not settings.trusted_proxies:
        log.warning(
            "CREDBOT_PROXY_HOPS is replaced by CREDBOT_TRUSTED_PROXIES; believing X-Forwarded-For "
            "from a proxy on this host only (127.0.0.0/8, ::1)"
        )

    limits_on = app.config["RATELIMIT_ENABLED"]
    app.extensions["credbot_rate_limiter"] = build_rate_limiter(settings, services.redis, enabled=limits_on)
    app.extensions["credbot_work_budget"] = WorkBudget(settings.work_budget if limits_on else 0)
    app.register_blueprint(bp)

    if settings.slack_enabled and settings.slack_signing_secret:
        from .channels.slack.app import mount_slack

        mount_slack(
            app, services.bot, settings, process_before_response=app.config.get("SLACK_PROCESS_BEFORE_RESPONSE", False)
        )
    else:
        if settings.slack_enabled:
            log.info("Slack runs in Socket Mode (credbot slack-socket); /slack/events is off")

        @app.route("/slack/events", methods=["POST"])
        def slack_off():
            return jsonify(
                {"error": "Slack is not configured on this server (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)"}
            ), 404

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        body = {"error": exc.message}
        if exc.field:
            body["field"] = exc.field
        return jsonify(body), exc.status, exc.headers

    @app.errorhandler(SessionStoreUnavailable)
    def sessions_down(exc: SessionStoreUnavailable):
        log.error("%s", exc)
        body = {"error": "the chat is unavailable for a moment; please try again shortly"}
        return jsonify(body), 503, {"Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {413: f"the request body is too large (at most {app.config['MAX_CONTENT_LENGTH']} bytes)"}
        return jsonify({"error": messages.get(exc.code or 500, exc.description or exc.name)}), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error")
        return jsonify({"error": "something went wrong on our side; please try again"}), 500

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        return response

    return app


def log_startup(settings: Settings, services: Services) -> None:
    """What an operator needs to see at start-up: where things are, the limits in force. No secrets,
    no passwords in URLs."""
    db = urlsplit(settings.resolved_database_url)
    where = "file" if db.scheme.startswith("sqlite") else f"{db.hostname}:{db.port or 'default port'}"
    state = services.store.available if services.store is not None else None
    log.info(
        "database: %s (%s)%s",
        db.scheme.split("+")[0],
        where,
        "" if state else "; unavailable now: chat only until it returns",
    )
    log.info(
        "mail: %s; escalations: at most %s per client and %s in all per day; unconfirmed ones wait %s h; "
        "personal data kept %s days",
        f"SMTP {settings.smtp_host}:{settings.smtp_port}" if settings.smtp_enabled else "off (stored, not sent)",
        settings.escalations_per_client,
        settings.escalations_per_day,
        f"{settings.confirm_ttl / 3600:g}",
        settings.retention_days,
    )
    log.info(
        "public address: %s%s",
        settings.resolved_public_url,
        "" if settings.public_url else " (CREDBOT_PUBLIC_URL unset)",
    )
    if "*" in settings.allowed_origins:
        log.warning(
            "CREDBOT_ALLOWED_ORIGINS has '*': any page may chat, but escalations and feedback stay with the "
            "origins named there"
        )


def waitress_options(settings: Settings) -> dict:
    """waitress's defaults let one client starve the rest (100 connections, idle ones kept 120 s)
    and spool a body of up to 1 GiB to disk before the app may refuse it."""
    return {
        "threads": settings.threads,
        "ident": "credbot",
        "max_request_body_size": SERVER_MAX_BODY,  # a larger Content-Length is refused before reading
        "max_request_header_size": 64 * 1024,
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.idle_timeout,
        "cleanup_interval": max(1, min(30, settings.idle_timeout // 2)),
        "asyncore_use_poll": True,  # select() cannot watch more than 1,024 sockets
        # X-Forwarded-For must reach ClientAddressMiddleware, which believes it from trusted proxies
        # only (waitress's own trusted_proxy takes one exact address and no networks).
        "clear_untrusted_proxy_headers": False,
    }


def serve(settings: Settings) -> int:
    """Production serving. One worker: waitress, one process with threads. Several: gunicorn
    (credbot/workers.py), the model loaded once before forking; sessions and limits in Redis."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.workers > 1:
        if not settings.redis_url:
            raise SettingsError(
                f"{settings.workers} workers need REDIS_URL: without it each worker process would keep its own "
                "conversations and rate limits, so a conversation's next turn could land on a worker that has "
                "never seen it. Set REDIS_URL (see docs/deploy.md) or run one worker."
            )
        from .workers import serve_workers

        return serve_workers(settings)

    from threadpoolctl import threadpool_limits
    from waitress import serve as waitress_serve

    # Requests already run on several threads: one BLAS thread each avoids oversubscribing the cores.
    threadpool_limits(1)
    # force: the CLI configured WARNING first; a server says what it does at INFO (ids, never contents).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # "Task queue depth is N" on every busy moment: noise that costs time exactly when the server is loaded.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    services = build_services(settings, start_worker=True)
    app = create_app(services=services)
    log.info(
        "credbot on http://%s:%s/  (Slack %s; %s; sessions %s)",
        settings.host,
        settings.port,
        slack_mode(settings),
        services.bot.semantic_status,
        "in Redis" if settings.redis_url else "in memory",
    )
    log_startup(settings, services)
    # A service manager stops the server with SIGTERM: leave through `finally`, so the outbox stops
    # cleanly and the unanswered questions still queued are written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        waitress_serve(app, host=settings.host, port=settings.port, **waitress_options(settings))
    finally:
        log.info("credbot stopping: the outbox stops, queued unanswered questions are written")
        services.close()
    return 0


def slack_mode(settings: Settings) -> str:
    if settings.slack_enabled and settings.slack_signing_secret:
        return "on at /slack/events"
    return "off (no Slack tokens: web chat only)" if not settings.slack_enabled else "Socket Mode only"
