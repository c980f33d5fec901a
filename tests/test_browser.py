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
DOCS = Path(__file__).resolve().parent.parent / "docs"


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
    def page():
        return (
            f"<!doctype html><html lang=en><head><meta name=viewport content='width=device-width'>"
            f"<style>button{{background:red!important;font-size:40px!important}}</style></head>"
            f"<body><h1>District page</h1><a href=#>first link</a>"
            f"<script src='{bot_url[0]}/widget.js' data-state='OH' data-title='Credentials questions'></script></body></html>"
        ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page())

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


def _open(browser, url, width=1280, height=800):
    page = browser.new_page(viewport={"width": width, "height": height})
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


def test_escalation_flow_and_screenshots(browser, site):
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
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "widget-confirm.png"))
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
    DOCS.mkdir(exist_ok=True)
    page.locator("#credbot-input").fill("What is ServSafe?")
    page.keyboard.press("Enter")
    page.locator(".msg.bot", has_text="ServSafe Food Handler:").wait_for()
    page.screenshot(path=str(DOCS / "widget-desktop.png"))
    phone = _open(browser, site["page"], width=360, height=740)
    phone.locator("button.launcher").click()
    phone.locator("#credbot-input").fill("How do students earn credentials in Ohio?")
    phone.keyboard.press("Enter")
    phone.locator(".msg.bot", has_text="career-technical education programs").wait_for()
    box = phone.locator("#credbot-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # fits a 360 px phone
    phone.screenshot(path=str(DOCS / "widget-phone.png"))
