"""`credbot eval`: FAQ matching, credentials and multi-turn figures on held-out sets (tests/data)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .settings import Settings

# In a checkout (or an editable install): the repository's tests/data; elsewhere pass --data.
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


@dataclass
class FaqFigures:
    top1: float  # the matcher's best entry is a right one
    answered: float  # the bot answered (kind "answer") with a right entry
    mrr: float
    oos_fallback: float  # out-of-scope questions that fell back
    false_fallback: float  # in-scope questions that fell back
    clarified: float  # in-scope questions that got a clarifying question
    n_in: int
    n_oos: int
    misses: list[str] = field(default_factory=list)


def evaluate_faq(bot, data: dict) -> FaqFigures:
    top1 = answered = rr = fell = clarified = 0
    misses = []
    for item in data["in_scope"]:
        q, expect, state = item["question"], set(item["expect"]), item.get("state")
        _, matches = bot.matcher.rank(q, state, limit=5)
        ids = [m.id for m in matches]
        rank = next((i for i, i_d in enumerate(ids, 1) if i_d in expect), None)
        rr += 1 / rank if rank else 0
        top1 += rank == 1
        reply = bot.handle(q, f"eval-{uuid.uuid4()}", state=state)
        ok = reply.kind == "answer" and reply.faq_id in expect
        answered += ok
        fell += reply.kind == "fallback"
        clarified += reply.kind == "clarify"
        if not ok:
            misses.append(
                f"in-scope  [{reply.kind} {reply.faq_id or '-'} {reply.confidence:.2f}] {q!r} "
                f"(state {state}) expected {'/'.join(sorted(expect))}"
            )
    oos_ok = 0
    for q in data["out_of_scope"]:
        reply = bot.handle(q, f"eval-{uuid.uuid4()}")
        if reply.kind == "fallback":
            oos_ok += 1
        else:
            misses.append(
                f"out-of-scope [{reply.kind} {reply.faq_id or reply.credential_id or '-'} {reply.confidence:.2f}] {q!r}"
            )
    n, m = len(data["in_scope"]), len(data["out_of_scope"])
    return FaqFigures(top1 / n, answered / n, rr / n, oos_ok / m, fell / n, clarified / n, n, m, misses)


def evaluate_credentials(bot, data: dict) -> tuple[float, int, list[str]]:
    ok, misses = 0, []
    for item in data["questions"]:
        reply = bot.handle(item["question"], f"eval-{uuid.uuid4()}", state=item.get("state"))
        good = _turn_ok(reply, item["expect"])
        ok += good
        if not good:
            misses.append(
                f"credentials [{reply.kind} {reply.credential_id or reply.faq_id or '-'}] "
                f"{item['question']!r}: {reply.text[:100]!r}"
            )
    return ok / len(data["questions"]), len(data["questions"]), misses


def _turn_ok(reply, expect: dict) -> bool:
    if "kind" in expect and reply.kind != expect["kind"]:
        return False
    if "faq_id" in expect and reply.faq_id not in (
        [expect["faq_id"]] if isinstance(expect["faq_id"], str) else expect["faq_id"]
    ):
        return False
    if "credential_id" in expect and reply.credential_id != expect["credential_id"]:
        return False
    if "state" in expect and reply.state != expect["state"]:
        return False
    text = reply.text.casefold()
    if any(s.casefold() not in text for s in expect.get("contains", [])):
        return False
    return not any(s.casefold() in text for s in expect.get("not_contains", []))


def evaluate_conversations(bot, data: dict) -> tuple[float, float, int, list[str]]:
    conv_ok = turns_ok = turns = 0
    misses = []
    for conv in data["conversations"]:
        key, all_ok = f"eval-{uuid.uuid4()}", True
        for i, turn in enumerate(conv["turns"]):
            reply = bot.handle(turn["say"], key, state=conv.get("state"), channel="cli", user=conv.get("user"))
            good = _turn_ok(reply, turn["expect"])
            turns += 1
            turns_ok += good
            if not good:
                all_ok = False
                misses.append(
                    f"conversation {conv['name']!r} turn {i + 1} {turn['say']!r}: got {reply.kind} "
                    f"{reply.faq_id or reply.credential_id or '-'}: {reply.text[:90]!r}"
                )
        conv_ok += all_ok
    return conv_ok / len(data["conversations"]), turns_ok / turns, len(data["conversations"]), misses


def load_sets(folder: Path | str | None = None) -> dict:
    folder = Path(folder or DEFAULT_DATA)
    return {
        name: json.loads((folder / f"eval_{name}.json").read_text(encoding="utf-8"))
        for name in ("faq", "supplementary", "credentials", "conversations", "oos_extra")
        if (folder / f"eval_{name}.json").is_file()
    }


def run(settings: Settings, sets: dict) -> dict:
    from .escalation import EscalationService, Store
    from .wiring import build_bot

    store = Store("sqlite:///:memory:")
    started = time.perf_counter()
    bot = build_bot(settings, escalations=EscalationService(store, settings.help_emails()))
    result = {"semantic": bot.semantic_status, "build_seconds": time.perf_counter() - started}
    if "faq" in sets:
        result["faq"] = evaluate_faq(bot, sets["faq"])
    if "supplementary" in sets:
        result["supplementary"] = evaluate_faq(bot, sets["supplementary"])
    if "oos_extra" in sets:
        questions = sets["oos_extra"]["out_of_scope"]
        missed = [q for q in questions if bot.handle(q, f"eval-{uuid.uuid4()}").kind != "fallback"]
        result["oos_extra"] = (1 - len(missed) / len(questions), len(questions), missed)
    if "credentials" in sets:
        result["credentials"] = evaluate_credentials(bot, sets["credentials"])
    if "conversations" in sets:
        result["conversations"] = evaluate_conversations(bot, sets["conversations"])
    store.dispose()
    return result


def format_result(result: dict, title: str) -> str:
    lines = [f"== {title}", f"   ({result['semantic']})"]
    misses = []
    if "faq" in result:
        f = result["faq"]
        lines += [
            f"FAQ: {f.n_in} in-scope, {f.n_oos} out-of-scope questions",
            f"  top-1 accuracy (ranking)        {f.top1:6.1%}",
            f"  answered with the right entry   {f.answered:6.1%}",
            f"  mean reciprocal rank            {f.mrr:6.3f}",
            f"  out-of-scope fallback rate      {f.oos_fallback:6.1%}",
            f"  false-fallback rate (in-scope)  {f.false_fallback:6.1%}",
            f"  clarifying question (in-scope)  {f.clarified:6.1%}",
        ]
        misses += f.misses
    if "supplementary" in result:
        f = result["supplementary"]
        lines += [
            f"Supplementary entries: {f.n_in} questions, {f.n_oos} out-of-scope",
            f"  top-1 {f.top1:6.1%}   answered right {f.answered:6.1%}   out-of-scope fallback {f.oos_fallback:6.1%}"
            f"   false fallback {f.false_fallback:6.1%}",
        ]
        misses += [f"supplementary: {m}" for m in f.misses]
    if "oos_extra" in result:
        rate, n, missed = result["oos_extra"]
        lines.append(f"Near-domain out-of-scope, written after tuning: {n} questions, fallback {rate:6.1%}")
        misses += [f"out-of-scope (after tuning) {q!r}" for q in missed]
    if "credentials" in result:
        acc, n, m = result["credentials"]
        lines.append(f"Credentials: {n} questions, right answer {acc:6.1%}")
        misses += m
    if "conversations" in result:
        conv, turn, n, m = result["conversations"]
        lines.append(f"Multi-turn: {n} conversations, all turns right {conv:6.1%}, turns right {turn:6.1%}")
        misses += m
    if misses:
        lines.append(f"Misses ({len(misses)}):")
        lines += [f"  - {m}" for m in misses]
    return "\n".join(lines)


def run_cli(args) -> int:
    sets = load_sets(args.data)
    settings = Settings.from_env(**({"semantic": False} if args.lexical else {}))
    print(format_result(run(settings, sets), "with the semantic signal" if settings.semantic else "lexical only"))
    if args.compare and settings.semantic:
        from dataclasses import replace

        print()
        print(format_result(run(replace(settings, semantic=False), sets), "lexical only (for comparison)"))
    return 0
