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
    return Settings.from_env(semantic=False) if getattr(args, "lexical", False) else Settings.from_env()


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
    messages = settings.knowledge_dir / "messages.json"
    if messages.is_file():  # the bot's own words in English and Spanish
        from .phrases import check as check_phrases

        problems += check_phrases(messages)[1]
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
    from .channels.slack.app import run_socket_mode
    from .wiring import build_services

    logging.getLogger().setLevel(logging.INFO)
    services = build_services(settings, start_worker=True)
    run_socket_mode(services.bot, settings)
    return 0


def _json_for_terminal(value) -> str:
    """JSON with every control and bidi character escaped (json escapes only those below 0x20)."""
    from .text import terminal_safe

    return terminal_safe(json.dumps(value, default=str, indent=2, ensure_ascii=False)).replace("\\n", "\n")


EXPORT_FIELDS = [
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


def cmd_escalations(args) -> int:
    from .escalation import DatabaseUnavailable
    from .text import csv_safe, terminal_safe

    services = _services(args, with_store=True)
    store = services.store
    try:
        if args.action == "list":
            for row in store.list_escalations(status=args.status, limit=args.limit):
                print(
                    f"#{row['id']:<5} {row['status']:<11} {row['created_at']:%Y-%m-%d %H:%M} {row['state'] or '--'} "
                    f"{row['channel']:<5} attempts={row['attempts']} {terminal_safe(row['question'][:60])}"
                )
        elif args.action == "show":
            row = store.get_escalation(args.id)
            if row is None:
                print(f"no escalation #{args.id}", file=sys.stderr)
                return 1
            print(_json_for_terminal(row))
        elif args.action == "retry":
            if args.all_failed:
                ids = store.retry_all_failed()
                print(
                    f"{len(ids)} failed escalation(s) queued again" + (f": {', '.join(map(str, ids))}" if ids else "")
                )
            elif not store.retry(args.id):
                print(f"escalation #{args.id} does not exist, was sent, or is not waiting to be sent", file=sys.stderr)
                return 1
            else:
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
                writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
                writer.writeheader()
                # No cell starts with = + - @: a spreadsheet would run it as a formula.
                writer.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
        elif args.action == "status":
            return _print_status(services)
    except DatabaseUnavailable as exc:
        print(f"credbot: the database is unavailable ({exc})", file=sys.stderr)
        return 3
    finally:
        services.close()
    return 0


def _print_status(services) -> int:
    """The queue and today's budget; exit 1 when something needs an operator (cap reached, failed)."""
    import datetime as dt

    store, settings = services.store, services.settings
    today = dt.datetime.now(dt.UTC).date()
    spent = store.budget_spent(today, "all")
    at_cap = store.budget_at_cap(today, "client:", settings.escalations_per_client)
    counts = store.count_by_status()
    print(f"today (UTC {today}): {spent} of {settings.escalations_per_day} escalations (CREDBOT_ESCALATIONS_PER_DAY)")
    print(f"clients at their daily cap of {settings.escalations_per_client}: {at_cap}")
    print("by status: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    attention = []
    if spent >= settings.escalations_per_day:
        attention.append("the global daily cap is reached: new escalations are refused until 00:00 UTC")
    if counts["failed"]:
        attention.append(
            f"{counts['failed']} escalation(s) failed for good: fix the cause, then `credbot escalations retry --all-failed`"
        )
    oldest = store.oldest_waiting()
    if oldest is not None:
        age = dt.datetime.now(dt.UTC) - oldest["created_at"]
        error = (oldest["last_error"] or "").split(":", 1)[0]
        print(
            f"oldest waiting: #{oldest['id']}, {age.total_seconds() / 3600:.1f} h, {oldest['attempts']} attempt(s)"
            + (f", last error {error}" if error else "")
        )
        if oldest["attempts"] >= settings.max_attempts:
            attention.append(f"escalation #{oldest['id']} is not delivered after {oldest['attempts']} attempts")
    if services.outbox.mailer is None and (counts["pending"] or counts["unconfirmed"]):
        attention.append("SMTP_HOST is not set: nothing is sent")
    for line in attention:
        print(f"ATTENTION: {line}")
    return 1 if attention else 0


def cmd_purge(args) -> int:
    import datetime as dt

    from .escalation import DatabaseUnavailable

    services = _services(args, with_store=True)
    days = args.days or services.settings.retention_days
    try:
        done = services.store.purge(dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    except DatabaseUnavailable as exc:
        print(f"credbot: the database is unavailable ({exc})", file=sys.stderr)
        return 3
    finally:
        services.close()
    print(
        f"personal data older than {days} days removed: {done['escalations']} escalation(s) "
        f"({done['expired']} of them still waiting, now expired), {done['feedback']} feedback vote(s); "
        f"{done['unanswered_redacted']} unanswered question(s) had addresses or numbers blanked"
    )
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
    p.add_argument("--misses", action="store_true", help="list the tuning part's misses (never the held-out part's)")
    p.add_argument("--cv", type=int, default=0, metavar="K", help="also cross-validate the thresholds over K folds")
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
    p = sub.add_parser("escalations", help="list, show, retry, deliver, export escalations, or the queue's status")
    p.add_argument("action", choices=["list", "show", "retry", "deliver", "export", "status"])
    p.add_argument("id", nargs="?", type=int)
    p.add_argument("--all-failed", action="store_true", help="with retry: every failed escalation")
    p.add_argument("--status", choices=["unconfirmed", "pending", "sent", "failed", "expired", "cancelled"])
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_escalations)
    p = sub.add_parser("purge", help="remove personal data older than CREDBOT_RETENTION_DAYS (also done daily)")
    p.add_argument("--days", type=int, default=None, help="instead of CREDBOT_RETENTION_DAYS")
    p.set_defaults(func=cmd_purge)
    p = sub.add_parser("unanswered", help="questions that fell back or were escalated, grouped by topic")
    p.add_argument("--top", type=int, default=20)
    p.set_defaults(func=cmd_unanswered)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "escalations" and args.action in ("show", "retry") and args.id is None:
        if not (args.action == "retry" and args.all_failed):
            parser.error(f"escalations {args.action} needs an escalation id (or retry --all-failed)")
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
