"""The web channel: JSON API for the chat widget, the widget itself, a demo page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from flask import Blueprint, current_app, jsonify, render_template, request, send_from_directory
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, field_validator
from werkzeug.exceptions import RequestEntityTooLarge

from ..conversation import Bot, Unavailable
from ..escalation import EmailValidationError, validate_email
from ..text import CONTROL_CHARS
from .clientaddr import client_key
from .fairness import OverBudget

if TYPE_CHECKING:
    from ..wiring import Services

bp = Blueprint("web", __name__)
SESSION_ID = r"^[A-Za-z0-9_-]{8,100}$"


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers or {}


def _no_control(value: str) -> str:
    if CONTROL_CHARS.search(value):
        raise ValueError("must not contain control characters")
    return value


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: StrictStr
    session_id: StrictStr | None = Field(default=None, pattern=SESSION_ID)
    state: Literal["OH", "IL"] | None = None

    _check = field_validator("message")(_no_control)


class EscalationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_id: StrictStr = Field(pattern=SESSION_ID)
    question: StrictStr = Field(min_length=1, max_length=2000)
    email: StrictStr
    consent: StrictBool
    state: Literal["OH", "IL"] | None = None

    _check = field_validator("question")(_no_control)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_id: StrictStr | None = Field(default=None, pattern=SESSION_ID)
    entry_id: StrictStr | None = Field(default=None, max_length=100)
    question: StrictStr | None = Field(default=None, max_length=2000)
    helpful: StrictBool


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
    retry_after = current_app.extensions["credbot_rate_limiter"].hit(_client(), request.endpoint)
    if retry_after is not None:
        raise ApiError(
            429, "too many requests: please wait a moment and try again", headers={"Retry-After": str(int(retry_after))}
        )


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
    _rate_limit()
    body = _parse(ChatRequest)
    limit = services().settings.max_message_length
    message = body.message.strip()
    if not message:
        raise ApiError(400, "message: must not be empty", "message")
    if len(message) > limit:
        raise ApiError(400, f"message: must be at most {limit} characters", "message")
    session_id = body.session_id or uuid.uuid4().hex
    with _work_budget(message):
        reply = services().bot.handle(message, f"web:{session_id}", state=body.state, channel="web")
    return jsonify({**reply.to_dict(), "session_id": session_id})


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
    try:
        record = bot().escalate(
            f"web:{body.session_id}",
            body.question.strip(),
            channel="web",
            user={"email": email},
            state=body.state,
            idempotency_key=f"web:{key}" if key else None,
        )
    except Unavailable as exc:
        raise ApiError(503, str(exc)) from None
    return jsonify(
        {"id": record["id"], "status": record["status"], "to": record["to"], "created": record["created"]}
    ), 201


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
    except Unavailable as exc:
        raise ApiError(503, str(exc)) from None
    return jsonify({"id": feedback_id, "helpful": body.helpful}), 201


@bp.get("/api/health")
def health():
    """Liveness (always 200 while the process answers) and what it runs with; the dependencies'
    state as last probed (at most 2 s old), "degraded" when one is down. /api/ready is the 503."""
    settings = services().settings
    dependencies = services().dependencies(max_age=2.0)
    status = "degraded" if "down" in dependencies.values() else "ok"
    return jsonify(
        {
            "status": status,
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


CORS_ENDPOINTS = frozenset({"web.chat", "web.escalate", "web.feedback", "web.config"})


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
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        return response
    if request.method == "OPTIONS":  # the browser's preflight before a JSON POST
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response.headers["Access-Control-Max-Age"] = "600"
    return response


@bp.get("/widget.js")
def widget_js():
    response = send_from_directory(current_app.static_folder, "widget.js", mimetype="text/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a script any page may load
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/")
def demo():
    return render_template("demo.html")
