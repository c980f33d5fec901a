import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args, stdin=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "credbot", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **(env or {})},
        timeout=120,
    )


def test_ask_json_prints_the_stable_fields():
    result = run("ask", "--json", "--state", "IL", "how much does a credential cost?")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["question"] == "how much does a credential cost?"
    assert (out["kind"], out["faq_id"], out["state"]) == ("answer", "il-costs", "IL")
    assert 0 < out["confidence"] <= 1 and "organization that awards the credential" in out["text"]


def test_ask_reads_one_question_per_line_each_in_a_fresh_conversation(tmp_path, monkeypatch, capsys):
    """In process: a subprocess would only add start-up time (the contract test above runs one)."""
    import io

    from credbot.cli import main

    monkeypatch.setenv("CREDBOT_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("I'm in Illinois\nwhat is an IRC?\n\nwhat is the capital of France?\n")
    )
    assert main(["ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["kind"] for line in lines] == ["smalltalk", "answer", "fallback"]
    assert lines[1]["state"] is None  # the first line's state did not carry over
    assert not (tmp_path / "credbot.sqlite3").exists()  # ask needs no database


def test_chat_is_an_interactive_conversation(tmp_path, _shared_services, cache_dir):
    # a fresh instance, with the embeddings the shared bot cached (computing them all takes a minute or more)
    env = {"CREDBOT_INSTANCE_DIR": str(tmp_path), "CREDBOT_CACHE_DIR": str(cache_dir)}
    result = run("chat", stdin="hello\nwhat is ServSafe?\nwho issues it?\nquit\n", env=env)
    assert result.returncode == 0, result.stderr
    assert (
        "National Restaurant Association" in result.stdout.split("who issues")[-1]
        if "who issues" in result.stdout
        else "National Restaurant Association" in result.stdout
    )
    assert result.stdout.count("bot> ") == 3


def test_serve_stops_cleanly_on_sigterm_and_keeps_the_unanswered_questions(tmp_path):
    import signal
    import socket
    import time
    import urllib.request

    from credbot.escalation import Store

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "CREDBOT_INSTANCE_DIR": str(tmp_path),
        "PORT": str(port),
        "CREDBOT_SEMANTIC": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "credbot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        request = urllib.request.Request(
            base + "/api/chat",
            data=json.dumps({"message": "when is spring break?"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert json.load(urllib.request.urlopen(request, timeout=10))["kind"] == "fallback"
        server.send_signal(signal.SIGTERM)  # at once: the question is still waiting in the recorder's queue
        assert server.wait(30) == 0
    finally:
        server.kill()
    store = Store(f"sqlite:///{tmp_path / 'credbot.sqlite3'}")
    assert [row["question"] for row in store.unanswered_questions()] == ["when is spring break?"]
    store.dispose()
