"""The package as a user installs it: a plain (non-editable) install carries its knowledge and answers
from any directory; the README documents every setting; `python -m credbot` works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from credbot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_a_plain_install_answers_from_any_directory(tmp_path):
    pytest.importorskip("setuptools")
    target = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert (target / "credbot" / "knowledge" / "faq.json").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed copy, not the checkout: PYTHONPATH first, and run from a directory without credbot/.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(target), "CREDBOT_SEMANTIC": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "credbot", "ask", "--json", "--state", "IL", "how much does a credential cost?"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["kind"], out["faq_id"]) == ("answer", "il-costs")
    where = subprocess.run(
        [sys.executable, "-c", "import credbot; print(credbot.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(target))


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    missing = sorted(set(Settings.ENV.values()) - documented)
    assert not missing, f"settings read but not in the README: {missing}"


def test_importing_text_or_knowledge_loads_no_scikit_learn():
    code = "import sys, credbot.text, credbot.knowledge, credbot.states; print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_the_readmes_first_command_installs_and_serves_the_widget(tmp_path):
    """`bash scripts/run.sh`, as the README says, in the environment the tests run in."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "VIRTUAL_ENV": sys.prefix,  # the active environment: run.sh installs into it, creates no .venv
        "PORT": str(port),
        "CREDBOT_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    server = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline, body = time.monotonic() + 240, b""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/widget.js", timeout=2) as response:
                    body = response.read()
                break
            except OSError:
                time.sleep(0.5)
        assert b"credbot chat widget" in body, server.stderr.read().decode()[-2000:] if server.poll() else "no answer"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
