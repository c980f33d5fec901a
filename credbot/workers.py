"""`credbot serve --workers N`: N gunicorn worker processes (threads in each) on one port.

One Python process answers about 60 new questions a second on two cores, bound by its GIL (each
costs a sentence embedding). Several processes use every core. The knowledge and the matcher (the
model's 90 MB of weights, the index) are built once, in the master, before gunicorn forks: the
workers share those pages copy-on-write (gc.freeze() keeps the collector from touching them).
Everything that holds a connection or a thread is built in each worker after the fork: the
database engine, the Redis pool, the outbox worker and the unanswered-question recorder. Every
worker's outbox runs; the store's lease (claim_due) gives each escalation to one of them.

Sessions and rate limits must then live in Redis (REDIS_URL): serve() refuses several workers
without it. SIGHUP replaces the workers gracefully (a conversation goes on in the new ones, from
Redis); SIGTERM lets requests in flight finish (graceful_timeout), then stops.

gunicorn reads requests on its worker threads; run it behind a buffering proxy (nginx, see
docs/deploy.md) that absorbs slow clients, caps bodies and counts connections per client."""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

from .settings import Settings, ip_networks
from .wiring import Preloaded, build_services, limit_blas_threads, preload

log = logging.getLogger("credbot.workers")


def _post_fork(server: Any, worker: Any) -> None:
    limit_blas_threads()  # one BLAS thread per worker: N workers already use N cores


def _worker_exit(server: Any, worker: Any) -> None:
    """A worker leaving (SIGTERM, SIGHUP's replacement, max-requests): stop its outbox and write
    the unanswered questions it still holds."""
    app = getattr(worker, "wsgi", None)
    services = getattr(app, "extensions", {}).get("credbot")
    if services is not None:
        services.close()


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": [f"{host}:{settings.port}"],
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        "preload_app": False,  # the matcher is preloaded by serve_workers; connections are built per worker
        "timeout": 60,  # a worker silent this long is killed and replaced
        "graceful_timeout": 30,  # requests in flight get this long to finish on SIGTERM/SIGHUP
        "keepalive": 5,
        "worker_connections": settings.connection_limit,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        # X-Forwarded-Proto only from our proxies; the client address is decided by the app's
        # ClientAddressMiddleware from the same list (gunicorn leaves REMOTE_ADDR as the peer).
        "forwarded_allow_ips": ",".join(str(n) for n in ip_networks(settings.proxies)),
        "proc_name": "credbot",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        # gunicorn 25+ opens a control socket at $HOME/.gunicorn/gunicorn.ctl: one path for every
        # instance on the host; credbot needs none (HUP and TERM do what it needs).
        "control_socket_disable": True,
        "post_fork": _post_fork,
        "worker_exit": _worker_exit,
    }


class CredbotGunicorn(BaseApplication):
    def __init__(self, settings: Settings, preloaded: Preloaded):
        self.settings, self.preloaded = settings, preloaded
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_options(self.settings).items():
            if key in self.cfg.settings:  # an option an older gunicorn does not have is left out
                self.cfg.set(key, value)

    def load(self) -> Any:
        """Runs in each worker, after the fork."""
        from .server import create_app

        services = build_services(self.settings, start_worker=True, preloaded=self.preloaded)
        return create_app(services=services)


def serve_workers(settings: Settings) -> int:
    # The tokenizer's thread pool must not be started before the fork (the library would warn and
    # switch it off in every worker); one question at a time needs no pool anyway.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    preloaded = preload(settings)
    # The database's tables, created once here: N workers starting together on a fresh database
    # would each try to create them, and all but one fail (and gunicorn stops when a worker cannot boot).
    from .escalation import Store

    Store(settings.resolved_database_url).dispose()
    log.info(
        "credbot on http://%s:%s/ with %d workers x %d threads (%s; sessions and limits in Redis)",
        settings.host,
        settings.port,
        settings.workers,
        settings.threads,
        preloaded.matcher[1],
    )
    gc.collect()
    gc.freeze()  # what exists now stays shared with the workers: the collector will not write to it
    CredbotGunicorn(settings, preloaded).run()
    return 0
