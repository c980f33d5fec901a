"""The terminal channel: credbot chat | ask | validate | eval | serve | escalations | unanswered."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import uuid
from dataclasses import replace

from .knowledge import KnowledgeError
from .settings import Settings, SettingsError


def _settings(args) -> Settings:
    overrides = {}
    if getattr(args, "lexical", False):
        overrides["semantic"] = False
    return Settings.from_env(**overrides)


def _services(args, with_store: bool):
    from .wiring import build_services

    return build_services(_settings(args), with_store=with_store)


def cmd_ask(args) -> int:
    services = _services(args, with_store=False)
    bot = services.bot
    questions = [" ".join(args.question)] if args.question else (line.strip() for line in sys.stdin)
    for question in questions:
        if not question:
            continue
        reply = bot.handle(question, f"cli-{uuid.uuid4()}", state=args.state, channel="cli")
        if args.json:
            out = {"question": question, **reply.to_dict()}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(reply.text + "\n", flush=True)
    return 0


def cmd_chat(args) -> int:
    services = _services(args, with_store=True)
    bot, key = services.bot, f"cli-{uuid.uuid4()}"
    print("credbot: ask about industry-recognized credentials (Ohio, Illinois). Ctrl-D or 'quit' to leave.")
    print(f"({services.bot.semantic_status})")
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if line.lower() in ("quit", "exit"):
            break
        if not line:
            continue
        reply = bot.handle(line, key, state=args.state, channel="cli")
        print(f"bot> {reply.text}")
        if reply.choices:
            for choice in reply.choices:
                print(f"     [{choice.value}] {choice.label}")
        if reply.suggestions:
            print("     try: " + " | ".join(reply.suggestions))
    services.close()
    return 0


def cmd_validate(args) -> int:
    from .knowledge import check

    settings = _settings(args)
    _, problems = check(settings.knowledge_dir)
    errors = [p for p in problems if not p.warning]
    for problem in problems:
        print(
            ("warning: " if problem.warning else "") + str(problem),
            file=sys.stderr if not problem.warning else sys.stdout,
        )
    if errors:
        print(f"{len(errors)} problem(s) in {settings.knowledge_dir}", file=sys.stderr)
        return 1
    print(f"knowledge in {settings.knowledge_dir} is valid" + (f" ({len(problems)} warning(s))" if problems else ""))
    return 0


def cmd_eval(args) -> int:
    from .evaluation import run_cli

    return run_cli(args)


def cmd_serve(args) -> int:
    from .server import serve

    settings = _settings(args)
    if args.workers is not None:
        settings = replace(settings, workers=args.workers)
        settings.check()
    return serve(settings)


def cmd_slack_socket(args) -> int:
    settings = _settings(args)
    if not (settings.slack_bot_token and settings.slack_app_token):
        print("credbot: Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN", file=sys.stderr)
        return 2
    from .channels.slack import run_socket_mode
    from .wiring import build_services

    logging.getLogger().setLevel(logging.INFO)
    services = build_services(settings, start_worker=True)
    run_socket_mode(services)
    return 0


def cmd_escalations(args) -> int:
    services = _services(args, with_store=True)
    store = services.store
    if args.action == "list":
        for row in store.list_escalations(status=args.status, limit=args.limit):
            print(
                f"#{row['id']:<5} {row['status']:<8} {row['created_at']:%Y-%m-%d %H:%M} {row['state'] or '--'} "
                f"{row['channel']:<5} attempts={row['attempts']} {row['question'][:60]}"
            )
    elif args.action == "show":
        row = store.get_escalation(args.id)
        if row is None:
            print(f"no escalation #{args.id}", file=sys.stderr)
            return 1
        print(json.dumps(row, default=str, indent=2, ensure_ascii=False))
    elif args.action == "retry":
        if not store.retry(args.id):
            print(f"escalation #{args.id} does not exist or was already sent", file=sys.stderr)
            return 1
        print(f"escalation #{args.id} queued again")
    elif args.action == "deliver":
        if services.outbox.mailer is None:
            print("SMTP_HOST is not set: nothing can be delivered", file=sys.stderr)
            return 1
        print(json.dumps(services.outbox.deliver_due()))
    elif args.action == "export":
        rows = store.list_escalations()
        if args.format == "json":
            json.dump(rows, sys.stdout, default=str, indent=2, ensure_ascii=False)
            print()
        else:
            fields = [
                "id",
                "created_at",
                "status",
                "state",
                "channel",
                "question",
                "reply_to",
                "slack_user",
                "to_address",
                "attempts",
                "last_error",
                "sent_at",
            ]
            writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    services.close()
    return 0


def cmd_unanswered(args) -> int:
    from .unanswered import report

    services = _services(args, with_store=True)
    print(report(services.store, services.kb, top=args.top))
    services.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="credbot", description="FAQ assistant about industry-recognized credentials")
    parser.add_argument("--lexical", action="store_true", help="turn the semantic signal off")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ask", help="answer one question (or one per line from stdin)")
    p.add_argument("--state", choices=["OH", "IL"])
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("question", nargs="*")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="an interactive conversation in the terminal")
    p.add_argument("--state", choices=["OH", "IL"])
    p.set_defaults(func=cmd_chat)
    sub.add_parser("validate", help="check the knowledge files").set_defaults(func=cmd_validate)
    p = sub.add_parser("eval", help="measure matching on the evaluation sets")
    p.add_argument("--data", default=None, help="folder with the evaluation sets (default tests/data)")
    p.add_argument("--compare", action="store_true", help="also run without the semantic signal")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("serve", help="run the web app (and Slack, if configured): waitress, or gunicorn workers")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default CREDBOT_WORKERS or 1); more than 1 runs gunicorn and needs REDIS_URL",
    )
    p.set_defaults(func=cmd_serve)
    sub.add_parser("slack-socket", help="connect to Slack in Socket Mode (no public URL needed)").set_defaults(
        func=cmd_slack_socket
    )
    p = sub.add_parser("escalations", help="list, show, retry, deliver or export escalations")
    p.add_argument("action", choices=["list", "show", "retry", "deliver", "export"])
    p.add_argument("id", nargs="?", type=int)
    p.add_argument("--status", choices=["pending", "sent", "failed"])
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_escalations)
    p = sub.add_parser("unanswered", help="questions that fell back or were escalated, grouped by topic")
    p.add_argument("--top", type=int, default=20)
    p.set_defaults(func=cmd_unanswered)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "escalations" and args.action in ("show", "retry") and args.id is None:
        parser.error(f"escalations {args.action} needs an escalation id")
    try:
        return args.func(args)
    except KnowledgeError as exc:
        print(f"credbot: refusing to start: {exc}", file=sys.stderr)
        return 1
    except SettingsError as exc:
        print(f"credbot: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
