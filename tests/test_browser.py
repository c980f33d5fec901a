"""The widget in headless Chromium (Debian package `chromium`), embedded in a page on another origin."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from credbot.escalation import Outbox, SmtpMailer
from credbot.server import create_app
from credbot.wiring import build_services
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _host_page(bot_url: list):
    """A district's page embedding the widget. Its path picks the language set-up:
    /es: data-lang="es" on the script tag; /html-es: <html lang="es-US"> and no data-lang; else English."""

    def page(path: str):
        html_lang = "es-US" if path.startswith("/html-es") else "en"
        data_lang = " data-lang='es'" if path.startswith("/es") else ""
        title = "" if path.startswith(("/es", "/html-es")) else " data-title='Credentials questions'"
        return (
            f"<!doctype html><html lang={html_lang}><head><meta name=viewport content='width=device-width'>"
            f"<title>District page</title>"
            f"<style>button{{background:red!important;font-size:40px!important}}</style></head>"
            f"<body><main><h1>District page</h1><a href=#>first link</a></main>"
            f"<script src='{bot_url[0]}/widget.js' data-state='OH'{data_lang}{title}></script></body></html>"
        ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page(self.path))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (.ci/run installs the Debian package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                # names other than loopback resolve to nothing: no DNS query leaves the machine
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def site(settings):
    """The bot on one loopback port, a district page embedding it on another (a real cross-origin embed)."""
    bot_url = [None]
    page_server = _host_page(bot_url)
    host_origin = f"http://127.0.0.1:{page_server.server_port}"
    svc = build_services(replace(settings, allowed_origins=(host_origin,)))
    bot_server = LiveServer(create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=svc))
    bot_url[0] = bot_server.url
    yield {"bot": bot_server.url, "page": f"http://127.0.0.1:{page_server.server_port}/", "services": svc}
    page_server.shutdown()
    bot_server.stop()
    svc.close()


def _stay_on_loopback(route):
    """Any request off this machine (a source link opened in a new tab) gets a local stand-in page:
    no test reaches an outside host."""
    route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>stand-in</title>")


def _open(browser, url, width=1280, height=800):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.context.route(lambda address: not address.startswith("http://127.0.0.1:"), _stay_on_loopback)
    page.goto(url)
    return page


def test_widget_answers_from_another_origin_with_keyboard_only(browser, site):
    # The page's origin differs from the bot's (different port), so CORS must allow it.
    page = _open(browser, site["page"])
    page.keyboard.press("Tab")  # the page's link
    page.keyboard.press("Tab")  # the launcher
    assert page.evaluate("document.activeElement.id") == "credbot-widget"
    page.keyboard.press("Enter")
    panel = page.locator("#credbot-panel")
    panel.wait_for(state="visible")
    assert page.locator("#credbot-input").evaluate("el => el === el.getRootNode().activeElement")
    page.keyboard.type("How much does a credential cost?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.bot").filter(has_text="reimburses the school")  # the page says data-state="OH"
    answer.wait_for()
    assert "not part of the official FAQ" in answer.inner_text()
    assert page.locator(".log").get_attribute("aria-live") == "polite"
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "credbot-widget"  # focus back on the launcher


def test_hostile_html_is_shown_as_text(browser, site):
    page = _open(browser, site["page"])
    page.locator("button.launcher").click()
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>'
    page.locator("#credbot-input").fill(hostile)
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(1).wait_for()
    assert page.locator(".msg.user").inner_text() == hostile
    assert page.locator(".log img, .log script, .log b").count() == 0
    assert page.evaluate("window.pwned") is None


def test_choices_are_buttons_that_answer(browser, site):
    page = _open(browser, site["page"])
    page.locator("button.launcher").click()
    page.locator("#credbot-input").fill("show me IT certifications")
    page.keyboard.press("Enter")
    page.locator(".row button", has_text="CompTIA A+").click()
    page.locator(".msg.bot", has_text="CompTIA A+:").wait_for()


def test_clarifying_choice_buttons(browser, site):
    svc = site["services"]
    from credbot.conversation import Thresholds

    svc.bot.thresholds = Thresholds(answer=0.99, clarify=0.1, margin=0.9, sure=1.0)
    page = _open(browser, site["page"])
    page.locator("button.launcher").click()
    page.locator("#credbot-input").fill("how do students get credentials")
    page.keyboard.press("Enter")
    page.locator(".msg.bot", has_text="I'm not sure which").wait_for()
    buttons = page.locator(".msg.bot").last.locator(".row[aria-label='Choose one'] button")
    assert buttons.count() >= 2
    label = buttons.first.inner_text()
    buttons.first.click()
    page.locator(".msg.bot", has_text="answers “" + label.rsplit(" (", 1)[0]).wait_for()


def test_escalation_flow_and_phone_fit(browser, site):
    page = _open(browser, site["page"])
    page.locator("button.launcher").click()
    page.locator("#credbot-input").fill("what happens if a credential testing center closes?")
    page.keyboard.press("Enter")
    form = page.locator("form.escalate").first
    form.wait_for()
    assert "industrycredentials@education.ohio.gov" in form.inner_text()
    form.locator("input[type=email]").fill("parent@example.com")
    form.locator("input[type=checkbox]").check()
    form.locator("button[type=submit]").click()
    # The help desk replies only to a confirmed address: a code is mailed to it, the person types it.
    page.locator("text=We've emailed a 6-digit code to parent@example.com").wait_for()
    svc = site["services"]
    rows = svc.store.list_escalations()
    assert (
        len(rows) == 1
        and rows[0]["status"] == "unconfirmed"
        and rows[0]["question"] == "what happens if a credential testing center closes?"
    )
    assert (
        rows[0]["conversation"][0]["text"] == "what happens if a credential testing center closes?"
    )  # the widget proved the session is its own
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        outbox = Outbox(
            svc.store,
            SmtpMailer("127.0.0.1", port, starttls=False, timeout=5),
            "credbot@example.org",
            confirmations=svc.bot.escalations.confirmations,
        )
        assert outbox.deliver_due()["confirmations"] == 1
        mail = inbox.messages[0]
        assert mail["To"] == "parent@example.com" and "testing center" not in mail.get_content()
        code = re.search(r"code in the chat window: (\d{6})", mail.get_content()).group(1)
        page.locator("form.escalate input[inputmode=numeric]").fill("000000" if code != "000000" else "111111")
        page.locator("form.escalate button[type=submit]").click()
        page.locator("form.escalate .error", has_text="not right").wait_for()
        page.locator("form.escalate input[inputmode=numeric]").fill(code)
        page.locator("form.escalate button[type=submit]").click()
        page.locator("text=Sent. The help desk at industrycredentials@education.ohio.gov").wait_for()
        assert svc.store.get_escalation(rows[0]["id"])["status"] == "pending"
        assert outbox.deliver_due()["sent"] == 1
        assert inbox.messages[1]["Reply-To"] == "parent@example.com"
    finally:
        controller.stop()
    phone = _open(browser, site["page"], width=360, height=740)
    phone.locator("button.launcher").click()
    phone.locator("#credbot-input").fill("How do students earn credentials in Ohio?")
    phone.keyboard.press("Enter")
    phone.locator(".msg.bot", has_text="career-technical education programs").wait_for()
    box = phone.locator("#credbot-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # fits a 360 px phone


# ---- language of the interface -------------------------------------------------------------


def _interface(page) -> dict:
    """The widget's own words as a person (or a screen reader) meets them."""
    return page.evaluate(
        """() => {
        const root = document.getElementById('credbot-widget').shadowRoot;
        const q = (s) => root.querySelector(s);
        return {lang: document.getElementById('credbot-widget').getAttribute('lang'),
                launcher: q('.launcher').textContent, title: q('h2').textContent,
                dialog: q('.panel').getAttribute('aria-label'), close: q('.close').getAttribute('aria-label'),
                log: q('.log').getAttribute('aria-label'), label: q('label[for=credbot-input]').textContent,
                placeholder: q('#credbot-input').getAttribute('placeholder'), send: q('.send').textContent};
    }"""
    )


@pytest.mark.parametrize("path", ["es", "html-es"])
def test_spanish_interface_from_data_lang_or_the_pages_lang(browser, site, path):
    page = _open(browser, site["page"] + path)
    assert _interface(page) == {
        "lang": "es",
        "launcher": "Haga una pregunta",
        "title": "Preguntas sobre credenciales",
        "dialog": "Preguntas sobre credenciales",
        "close": "Cerrar el chat",
        "log": "Conversación",
        "label": "Su pregunta",
        "placeholder": "Escriba su pregunta",
        "send": "Enviar",
    }
    page.locator("button.launcher").click()
    page.locator(".msg.bot", has_text="¡Hola! Pregúnteme sobre las credenciales").wait_for()
    page.locator("#credbot-input").fill("What is ServSafe?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.bot", has_text="ServSafe Food Handler:")
    answer.wait_for()
    assert answer.locator(".row[aria-label='¿Le sirvió esta respuesta?'] button").all_inner_texts() == ["Sí", "No"]
    answer.locator("button", has_text="No").click()
    answer.locator("text=Gracias. También puede preguntarle a una persona aquí abajo.").wait_for()
    form = answer.locator("form.escalate[aria-label='Preguntarle a una persona']")
    assert "Una persona de industrycredentials@education.ohio.gov puede responderle" in form.inner_text()
    assert form.locator("label").first.inner_text() == "Su correo electrónico, para la respuesta"
    form.locator("input[type=email]").fill("mama@example.com")
    form.locator("input[type=checkbox]").check()
    form.locator("button[type=submit]").click()
    page.locator("text=Le enviamos un código de 6 dígitos a mama@example.com").wait_for()  # confirm the address first


def test_english_page_keeps_english_interface(browser, site):
    assert _interface(_open(browser, site["page"]))["launcher"] == "Ask a question"


@pytest.fixture
def stand_in():
    """A local stand-in for a server whose replies carry the future "language" field, sources with
    hostile addresses and the official English text: what the widget must do with such replies."""
    import json

    page_html = (
        b"<!doctype html><html><head><title>District</title><meta name=viewport content='width=device-width'></head>"
        b"<body><main><h1>District</h1></main><script src='/widget.js' data-state='IL'></script></body></html>"
    )
    widget = (Path(__file__).resolve().parent.parent / "credbot" / "static" / "widget.js").read_bytes()
    reply = {
        "kind": "answer",
        "text": 'Esos costos los determina la organización. <img src=x onerror="window.pwned=1">',
        "language": "es",
        "official_text": "Those costs are determined by the organization that awards the credential.<b>x</b>",
        "state": "IL",
        "faq_id": "il-costs",
        "session_id": "stand-in-session",
        "source": {
            "urls": [
                "javascript:window.pwned=2",
                "https://www.isbe.net/cte",
                "data:text/html,<script>window.pwned=3</script>",
                "http://insecure.example.org/list",
                'https://example.org/"><img src=x onerror="window.pwned=4">',
                " JaVaScRiPt:window.pwned=5",
            ]
        },
    }

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/widget.js":
                self._send(widget, "text/javascript")
            elif self.path == "/api/config":
                self._send(b'{"states": []}', "application/json")
            else:
                self._send(page_html, "text/html; charset=utf-8")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._send(json.dumps(reply).encode(), "application/json")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_reply_language_sources_and_official_text_are_safe(browser, stand_in):
    page = _open(browser, stand_in)  # no data-lang, no <html lang>: the reply's language decides
    assert _interface(page)["launcher"] == "Ask a question"
    page.locator("button.launcher").click()
    page.locator("#credbot-input").fill("cuanto cuesta")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.bot").nth(1)
    answer.wait_for()
    assert _interface(page)["launcher"] == "Haga una pregunta"  # followed the reply's language
    links = answer.locator(".source a")
    assert links.count() == 2  # only the https addresses became links
    for i in range(2):
        assert links.nth(i).get_attribute("target") == "_blank"
        assert links.nth(i).get_attribute("rel") == "noopener noreferrer"
        assert links.nth(i).get_attribute("href").startswith("https://")
    assert links.nth(0).get_attribute("href") == "https://www.isbe.net/cte"
    assert links.nth(0).inner_text().startswith("www.isbe.net")
    assert "se abre en una pestaña nueva" in links.nth(0).inner_text()
    assert answer.locator(".source span").first.inner_text() == "Fuentes:"
    assert answer.locator("img, script, b").count() == 0  # markup in the text, URLs and official text is text
    assert '<img src=x onerror="window.pwned=1">' in answer.inner_text()
    official = answer.locator("details.official")
    assert official.locator("summary").inner_text() == "Texto oficial (en inglés)"
    official.locator("summary").click()
    assert official.locator("div[lang=en]").inner_text().startswith("Those costs are determined")
    with page.expect_popup() as popup:
        links.nth(0).click()  # the new tab gets a local stand-in (_stay_on_loopback), never the real site
    popup.value.wait_for_load_state()
    assert popup.value.url == "https://www.isbe.net/cte"
    assert popup.value.evaluate("window.opener") is None  # noopener: the new tab cannot reach this page
    assert page.evaluate("window.pwned") is None


def test_demo_page_does_not_scroll_sideways_on_a_phone(browser, site):
    for path in ("", "?lang=es"):
        page = _open(browser, site["bot"] + "/" + path, width=360, height=740)
        page.wait_for_function("document.getElementById('credbot-widget')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert _axe_violations(page) == [], path
        if path:
            assert page.evaluate("document.documentElement.lang") == "es"
            assert _interface(page)["launcher"] == "Haga una pregunta"


# ---- accessibility: axe-core (axe-playwright-python bundles axe.min.js) ------------------------

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the whole page, the widget's shadow root included."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]


def _small_targets(page) -> list[str]:
    """Buttons, links, checkboxes and disclosure toggles of the widget smaller than 24 x 24 px (WCAG 2.5.8)."""
    return page.evaluate(
        """() => {
        const root = document.getElementById('credbot-widget').shadowRoot;
        return [...root.querySelectorAll('button, a, input[type=checkbox], summary')]
          .filter(e => e.offsetParent !== null)
          .map(e => [e.textContent.trim().slice(0, 30) || e.getAttribute('aria-label'), e.getBoundingClientRect()])
          .filter(([, r]) => r.width < 24 || r.height < 24)
          .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`);
    }"""
    )


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_axe_violations_after_answer_clarify_and_escalation_form(browser, site, lang, width):
    from credbot.conversation import Thresholds

    page = _open(browser, site["page"] + ("es" if lang == "es" else ""), width=width, height=800)
    assert _axe_violations(page) == []  # chat closed
    page.locator("button.launcher").click()
    page.locator("#credbot-input").fill("How much does a credential cost?")
    page.keyboard.press("Enter")
    page.locator(".msg.bot", has_text="reimburses the school").wait_for()
    checked = {"answer": _axe_violations(page)}
    bot, thresholds = site["services"].bot, site["services"].bot.thresholds
    bot.thresholds = Thresholds(answer=0.99, clarify=0.1, margin=0.9, sure=1.0)
    try:
        page.locator("#credbot-input").fill("how do students get credentials")
        page.keyboard.press("Enter")
        page.locator(".msg.bot .row[role=group] button").first.wait_for()
        page.locator(".msg.bot", has_text="I'm not sure which").wait_for()
        checked["clarify"] = _axe_violations(page)
    finally:
        bot.thresholds = thresholds
    page.locator("#credbot-input").fill("what happens if a credential testing center closes?")
    page.keyboard.press("Enter")
    form = page.locator("form.escalate").last
    form.wait_for()
    form.locator("input[type=email]").fill("not an address")  # an invalid field shown as such
    checked["escalation form"] = _axe_violations(page)
    assert checked == {"answer": [], "clarify": [], "escalation form": []}
    assert _small_targets(page) == []
    # keyboard: Tab reaches the form's fields from the message box, Escape closes and returns focus
    page.locator("#credbot-input").focus()
    page.keyboard.press("Escape")
    page.locator("#credbot-panel").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "credbot-widget"
