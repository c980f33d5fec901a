"""The web channel: JSON API for the chat widget, the widget itself, a demo page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from flask import Blueprint, current_app, jsonify, render_template, request, send_from_directory
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, field_validator
from werkzeug.exceptions import RequestEntityTooLarge

from ..conversation import Bot, Unavailable
from ..conversation.bot import Refused
from ..escalation import EmailValidationError, validate_email
from ..keys import SecretKey
from ..phrases import phrase
from ..text import UNSAFE_TEXT
from .clientaddr import client_key
from .fairness import OverBudget
from .ratelimit import RedisRateLimiter

if TYPE_CHECKING:
    from ..wiring import Services

bp = Blueprint("web", __name__)
SESSION_ID = r"^[A-Za-z0-9_-]{8,100}$"
SESSION_SECRET = r"^[a-f0-9]{32}$"
ENTRY_ID = r"^[a-z0-9][a-z0-9-]{0,99}$"


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers or {}


def _no_control(value: str | None) -> str | None:
    """Every text field: no control characters (but tab and line breaks), no bidi overrides."""
    if value is not None and UNSAFE_TEXT.search(value):
        raise ValueError("must not contain control characters or bidirectional overrides")
    return value


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: StrictStr
    session_id: StrictStr | None = Field(default=None, pattern=SESSION_ID)
    session_secret: StrictStr | None = Field(default=None, pattern=SESSION_SECRET)
    state: Literal["OH", "IL"] | None = None
    language: Literal["en", "es"] | None = None  # the page's language: a new conversation starts in it

    _check = field_validator("message")(_no_control)


class EscalationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_id: StrictStr = Field(pattern=SESSION_ID)
    session_secret: StrictStr | None = Field(default=None, pattern=SESSION_SECRET)
    question: StrictStr = Field(min_length=1, max_length=2000)
    email: StrictStr = Field(max_length=254)
    consent: StrictBool
    state: Literal["OH", "IL"] | None = None

    _check = field_validator("question", "email")(_no_control)


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: StrictStr | None = Field(default=None, pattern=r"^\s*\d{6}\s*$")
    token: StrictStr | None = Field(default=None, pattern=r"^[a-f0-9]{32}$")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_id: StrictStr | None = Field(default=None, pattern=SESSION_ID)
    entry_id: StrictStr | None = Field(default=None, pattern=ENTRY_ID)
    question: StrictStr | None = Field(default=None, max_length=2000)
    helpful: StrictBool

    _check = field_validator("question")(_no_control)


def _body() -> bytes:
    """The request body, read from the WSGI input as the server hands it over: CONTENT_LENGTH bytes,
    or up to the end of a chunked body (wsgi.input_terminated); none without either. werkzeug's
    request stream does the same through more layers: under bench/load.py's load, reading and
    validating a chat body took about 45 µs of CPU through it and about 16 µs this way."""
    environ, limit = request.environ, current_app.config["MAX_CONTENT_LENGTH"]
    mimetype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json" and not (mimetype.startswith("application/") and mimetype.endswith("+json")):
        raise ApiError(415, "send a JSON body with Content-Type: application/json")
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdigit():
        if int(length) > limit:
            raise RequestEntityTooLarge()
        return environ["wsgi.input"].read(int(length))
    if not environ.get("wsgi.input_terminated"):
        return b""
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    return body


def _parse(model):
    """The request's JSON body as ``model``: parsed and validated in one pass by pydantic."""
    try:
        return model.model_validate_json(_body() or b"null")
    except ValidationError as exc:
        err = exc.errors()[0]
        if not err["loc"]:  # not JSON at all, or JSON but not an object
            raise ApiError(400, "the body must be a JSON object") from None
        field = ".".join(str(p) for p in err["loc"])
        raise ApiError(400, f"{field}: {err['msg']}", field) from None


def services() -> Services:
    return current_app.extensions["credbot"]


def bot() -> Bot:
    return services().bot


def _client() -> str:
    """The key this request's client is counted under (its address, or its IPv6 /64; see clientaddr.py)."""
    return request.environ.get("credbot.client") or client_key(request.remote_addr or "")


def _rate_limit() -> None:
    """Count this request against its client's limit for this endpoint (429 with Retry-After when over)."""
    _refuse(current_app.extensions["credbot_rate_limiter"].hit(_client(), request.endpoint))


def _refuse(retry_after: float | None) -> None:
    if retry_after is not None:
        raise ApiError(
            429, "too many requests: please wait a moment and try again", headers={"Retry-After": str(int(retry_after))}
        )


class _CountedRead:
    """This request's rate-limit hit, which the session store may combine with the conversation's
    read (RedisRateLimiter.hit_and_get; conversation.sessions.ReadAlong). Over the limit: 429 before
    anything else, as ever; Redis failing: the hit is counted in this process and the store's 503 follows."""

    def __init__(self, limiter: Any, client: str, scope: str):
        self.limiter, self.client, self.scope = limiter, client, scope
        self.connection_pool = getattr(limiter, "connection_pool", None)

    def ready(self) -> bool:
        return isinstance(self.limiter, RedisRateLimiter) and self.limiter.reads_along

    def __call__(self, redis_key: str) -> bytes | None:
        retry_after, raw, error = self.limiter.hit_and_get(self.client, self.scope, redis_key)
        _refuse(retry_after)
        if error is not None:
            raise error
        return raw

    def alone(self) -> None:
        _refuse(self.limiter.hit(self.client, self.scope))


def _key() -> SecretKey:
    key = services().key
    if key is None:  # services built by hand without one: a key for this process
        key = services().key = SecretKey(uuid.uuid4().bytes + uuid.uuid4().bytes)
    return key


def session_secret(session_id: str) -> str:
    """The secret that proves a web session is the caller's own: returned once, with the session id
    the server issued, and never stored (an HMAC of the id under the server's key)."""
    return _key().sign("web-session", session_id)


def _owner(session_id: str, given: str | None) -> bool:
    return given is not None and _key().check(session_secret(session_id), given)


def _refused(exc: Refused) -> ApiError:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return ApiError(exc.status, exc.message, headers=headers)


def _unavailable(exc: Unavailable) -> ApiError:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return ApiError(503, str(exc), headers=headers)


@contextmanager
def _work_budget(message: str) -> Iterator[None]:
    """Charge the work on ``message`` to this client's budget (fairness.py); 429 with Retry-After
    when the client has used it up and the message is not one this process answers cheaply."""
    try:
        with current_app.extensions["credbot_work_budget"].work(_client(), message):
            yield
    except OverBudget as exc:
        raise ApiError(
            429,
            "too many new questions at once: please wait a moment and try again",
            headers={"Retry-After": str(int(exc.retry_after))},
        ) from None


@bp.post("/api/chat")
def chat():
    try:
        body = _parse(ChatRequest)
    except Exception:  # a refused body is counted too, and the limit's 429 comes first as ever
        _rate_limit()
        raise
    session_id = body.session_id
    if session_id is None:
        _rate_limit()
        session = None
    else:
        limiter = current_app.extensions["credbot_rate_limiter"]
        session = bot().resume(f"web:{session_id}", along=_CountedRead(limiter, _client(), str(request.endpoint)))
    limit = services().settings.max_message_length
    message = body.message.strip()
    if not message:
        raise ApiError(400, "message: must not be empty", "message")
    if len(message) > limit:
        raise ApiError(400, f"message: must be at most {limit} characters", "message")
    # The server owns session ids: an id it does not know (never issued, or expired) is replaced by a
    # new one, never adopted, so a client cannot choose an id ("aaaaaaaa") that others may guess.
    issued = None
    if session is None:
        session_id = uuid.uuid4().hex
        issued = session_secret(session_id)
    owner = issued is not None or _owner(session_id, body.session_secret)
    with _work_budget(message):
        reply = bot().handle(
            message,
            f"web:{session_id}",
            state=body.state,
            channel="web",
            user={"client": _client(), "owner": owner},
            language=body.language,
            session=session,
        )
    out = {**reply.to_dict(), "session_id": session_id}
    if issued is not None:
        out["session_secret"] = issued
    return jsonify(out)


@bp.post("/api/escalations")
def escalate():
    _rate_limit()
    body = _parse(EscalationRequest)
    if body.consent is not True:
        raise ApiError(400, "consent: must be true to send your question to the help desk", "consent")
    try:
        email = validate_email(body.email.strip())
    except EmailValidationError:
        raise ApiError(400, "email: not a valid email address", "email") from None
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(r"[\x21-\x7e]{1,200}", key):
        raise ApiError(400, "Idempotency-Key: 1-200 visible ASCII characters", "Idempotency-Key")
    if body.session_secret is not None and not _owner(body.session_id, body.session_secret):
        raise ApiError(403, "session_secret: does not belong to this session", "session_secret")
    # Only the session's owner (its secret) sends the conversation along; the id alone sends the question alone.
    owner = body.session_secret is not None and bot().session_exists(f"web:{body.session_id}")
    try:
        record = bot().escalate(
            f"web:{body.session_id}",
            body.question.strip(),
            channel="web",
            user={"email": email, "client": _client()},
            state=body.state,
            idempotency_key=f"web:{key}" if key else None,
            include_conversation=owner,
        )
    except Refused as exc:
        raise _refused(exc) from None
    except Unavailable as exc:
        raise _unavailable(exc) from None
    out = {"id": record["id"], "status": record["status"], "to": record["to"], "created": record["created"]}
    if record["status"] == "unconfirmed":
        out["confirm"] = {"email": email, "url": f"/api/escalations/{record['id']}/confirm"}
    return jsonify(out), 201


@bp.post("/api/escalations/<int:escalation_id>/confirm")
def confirm_escalation(escalation_id: int):
    """The code from the confirmation mail (or the link's token): the escalation goes out."""
    _rate_limit()
    body = _parse(ConfirmRequest)
    if (body.code is None) == (body.token is None):
        raise ApiError(400, "code: send the 6-digit code from the email", "code")
    try:
        record = bot().confirm_escalation(
            escalation_id, code=body.code.strip() if body.code else None, token=body.token
        )
    except Refused as exc:
        raise _refused(exc) from None
    except Unavailable as exc:
        raise _unavailable(exc) from None
    return jsonify({"id": record["id"], "status": record["status"], "to": record["to"]})


@bp.route("/confirm/<int:escalation_id>", methods=["GET", "POST"])
def confirm_page(escalation_id: int):
    """The link in the confirmation mail. GET shows a button, POST confirms: mail scanners that open
    every link (to check it) must not confirm for the person."""
    token = request.values.get("t", "")
    lang = "es" if request.values.get("lang") == "es" else "en"  # the Spanish mail's link says lang=es

    def page(**values: Any) -> str:
        return render_template("confirm.html", lang=lang, say=lambda key, **v: phrase(key, lang, **v), **values)

    if request.method == "GET":
        return page(step="ask", escalation_id=escalation_id, token=token)
    _rate_limit()
    if not re.fullmatch(r"[a-f0-9]{32}", token):
        return page(step="error", message=phrase("confirm_page.invalid", lang)), 400
    try:
        record = bot().confirm_escalation(escalation_id, token=token)
    except Refused as exc:
        message = exc.message[:1].upper() + exc.message[1:]
        if lang != "en":
            key = f"escalating.code_error_{exc.status}" if exc.status in (400, 410, 429) else "escalating.code_error"
            message = phrase(key, lang)
        return page(step="error", message=message), exc.status
    except Unavailable as exc:
        headers = {"Retry-After": str(exc.retry_after or 30)}
        message = str(exc) if lang == "en" else phrase("confirm_page.unavailable", lang)
        return page(step="error", message=message), 503, headers
    return page(step="done", to=record["to"])


@bp.post("/api/feedback")
def feedback():
    _rate_limit()
    body = _parse(FeedbackRequest)
    try:
        feedback_id = bot().record_feedback(
            channel="web",
            helpful=body.helpful,
            entry_id=body.entry_id,
            question=body.question,
            session_key=body.session_id,
        )
    except Refused as exc:
        raise ApiError(exc.status, exc.message, "entry_id" if exc.message.startswith("entry_id") else None) from None
    except Unavailable as exc:
        raise _unavailable(exc) from None
    return jsonify({"id": feedback_id, "helpful": body.helpful}), 201


@bp.get("/api/health")
def health():
    """Liveness (always 200 while the process answers) and what it runs with; the dependencies'
    state as last probed (at most 2 s old), "degraded" when one is down. /api/ready is the 503."""
    settings = services().settings
    dependencies = services().dependencies(max_age=2.0)
    database = bot().database_status()
    dependencies["database"] = database  # "ok", "unavailable" or "off": the Bot's view (escalations answer 503)
    return jsonify(
        {
            # "degraded": the chat answers; what needs a dependency that is down answers 503.
            "status": "degraded" if {"down", "unavailable"} & set(dependencies.values()) else "ok",
            **bot().status(),
            "slack": settings.slack_enabled,
            "smtp": settings.smtp_enabled,
            **dependencies,
        }
    )


@bp.get("/api/ready")
def ready():
    """Readiness for a load balancer: 200 when every dependency the requests need answers now,
    503 JSON naming the one that does not (Redis down: chat cannot go on; the database down:
    escalations cannot be stored)."""
    dependencies = services().dependencies()
    down = sorted(name for name, state in dependencies.items() if state == "down")
    if down:
        return jsonify({"ready": False, "error": f"unavailable: {', '.join(down)}", **dependencies}), 503
    return jsonify({"ready": True, **dependencies})


@bp.get("/api/config")
def config():
    """What the widget needs to know of this server: the states, their names and help desks."""
    return jsonify({"states": bot().states()})


CORS_ENDPOINTS = frozenset({"web.chat", "web.escalate", "web.confirm_escalation", "web.feedback", "web.config"})
# What "*" opens: reading answers. Creating escalations (mail to a state agency) and feedback stays
# with the origins named in CREDBOT_ALLOWED_ORIGINS, or any website could make its visitors do it.
ANY_ORIGIN_ENDPOINTS = frozenset({"web.chat", "web.config"})


@bp.after_request
def cors(response):
    """CORS for the JSON API: pages on the configured origins (CREDBOT_ALLOWED_ORIGINS, or "*")
    may call it from the browser; for any other origin the browser withholds the reply. Written
    here rather than with flask-cors: its general matching (regular expressions, debug strings
    built on every request) took 17 µs per chat reply in-process, this takes 1-3 µs."""
    origin = request.environ.get("HTTP_ORIGIN")
    if origin is None or request.endpoint not in CORS_ENDPOINTS:
        return response
    allowed = services().settings.allowed_origins
    if origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    elif "*" in allowed and request.endpoint in ANY_ORIGIN_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        return response
    if request.method == "OPTIONS":  # the browser's preflight before a JSON POST
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response.headers["Access-Control-Max-Age"] = "600"
    return response


@bp.get("/widget.js")
def widget_js():
    response = send_from_directory(
        current_app.static_folder or "static", "widget.js", mimetype="text/javascript", max_age=300
    )
    response.headers["Access-Control-Allow-Origin"] = "*"  # a script any page may load
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/")
def demo():
    return render_template("demo.html", public_url=services().settings.resolved_public_url)
