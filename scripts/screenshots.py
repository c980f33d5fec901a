"""The README's screenshots: the widget on the demo page, desktop and phone, English and Spanish.

    python scripts/screenshots.py            # writes docs/widget-{desktop,phone}{,-es}.png

Runs the bot on a loopback port with a throw-away database and drives headless Chromium (Debian's
`chromium`). The tests never write these files; run this after changing the widget or the replies.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from credbot.server import create_app  # noqa: E402
from credbot.settings import Settings  # noqa: E402
from credbot.wiring import build_services  # noqa: E402

DOCS = ROOT / "docs"
SHOTS = [
    # (file, demo page query, viewport, question, text that shows the reply has come)
    ("widget-desktop.png", "", (1280, 800), "What is ServSafe?", "ServSafe Food Handler:"),
    ("widget-phone.png", "", (360, 740), "How do students earn credentials in Ohio?", "career-technical"),
    ("widget-desktop-es.png", "?lang=es", (1280, 800), "¿Cuánto cuesta una credencial?", "Traducción no oficial"),
    ("widget-phone-es.png", "?lang=es", (360, 740), "¿Quién paga la credencial en Ohio?", "Traducción no oficial"),
]


def main() -> int:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    import threading

    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings.from_env({}, instance_dir=Path(tmp)))
        app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, services=services)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium,
                    args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
                )
                for name, query, (width, height), question, expect in SHOTS:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(url + query)
                    page.locator("button.launcher").click()
                    page.locator("#credbot-input").fill(question)
                    page.keyboard.press("Enter")
                    reply = page.locator(".msg.bot").nth(1)
                    reply.wait_for()
                    if expect:
                        page.locator(".msg.bot", has_text=expect).wait_for()
                    DOCS.mkdir(exist_ok=True)
                    page.screenshot(path=str(DOCS / name))
                    print(f"wrote docs/{name}")
                    page.close()
                browser.close()
        finally:
            server.shutdown()
            services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
