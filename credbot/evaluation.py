"""`credbot eval`: how well the bot understands people, on evaluation data in two parts.

tests/data/tuning/   what developers look at while changing thresholds, synonyms, intent examples
                     and alternates;
tests/data/held_out/ never looked at while tuning: only scored.

Each part holds the same sets (tools/split_eval.py made the split, stratified by expected entry,
intent or category):
- faq.json           {"in_scope": [{"question", "expect": [ids], "state"?}], "out_of_scope": [str]}:
                     ranking (top-1, MRR) and the bot's reply (answered right, fell back);
- cases.json         {"cases": [{"question", "state"?, "category", "expect": {...}}]}: single questions of
                     every kind (FAQ, places, credentials, other states, near-domain, off-topic, small talk),
                     each checked on the reply (kind, ids, state, text, help-desk offer);
- credentials.json   {"questions": [{"question", "state"?, "expect": {...}}]};
- conversations.json {"conversations": [{"name", "state"?, "turns": [{"say", "expect": {...}}]}]}: every
                     turn must be right;
- spanish.json       like cases.json, questions written in Spanish.

`credbot eval` prints both parts and the gap between them; `--misses` lists the tuning part's misses
(never the held-out part's: reading them would make it tuning data).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conversation import Bot, Reply
from .settings import Settings

# In a checkout (or an editable install): the repository's tests/data; elsewhere pass --data.
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PARTS = ("tuning", "held_out")
SETS = ("faq", "cases", "credentials", "conversations", "spanish")


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


@dataclass
class CaseFigures:
    right: float
    n: int
    by_category: dict[str, tuple[int, int]]  # category -> (right, total)
    misses: list[str] = field(default_factory=list)


@dataclass
class ConversationFigures:
    all_right: float  # conversations with every turn right
    turns_right: float
    n: int
    n_turns: int
    misses: list[str] = field(default_factory=list)
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # category -> (all right, total)


def _fresh() -> str:
    return f"eval-{uuid.uuid4()}"


def _describe(reply: Reply) -> str:
    return f"{reply.kind} {reply.faq_id or reply.credential_id or '-'} {reply.confidence:.2f} state={reply.state}"


def evaluate_faq(bot: Bot, data: dict[str, Any]) -> FaqFigures:
    top1 = answered = fell = clarified = 0
    rr = 0.0
    misses = []
    for item in data["in_scope"]:
        q, expect, state = item["question"], set(item["expect"]), item.get("state")
        _, matches = bot.matcher.rank(q, state, limit=5)
        ids = [m.id for m in matches]
        rank = next((i for i, i_d in enumerate(ids, 1) if i_d in expect), None)
        rr += 1 / rank if rank else 0
        top1 += rank == 1
        reply = bot.handle(q, _fresh(), state=state)
        ok = reply.kind == "answer" and reply.faq_id in expect
        answered += ok
        fell += reply.kind == "fallback"
        clarified += reply.kind == "clarify"
        if not ok:
            misses.append(f"in-scope [{_describe(reply)}] {q!r} (state {state}) expected {'/'.join(sorted(expect))}")
    oos_ok = 0
    for q in data["out_of_scope"]:
        reply = bot.handle(q, _fresh())
        if reply.kind == "fallback":
            oos_ok += 1
        else:
            misses.append(f"out-of-scope [{_describe(reply)}] {q!r}")
    n, m = len(data["in_scope"]), len(data["out_of_scope"])
    return FaqFigures(top1 / n, answered / n, rr / n, oos_ok / max(m, 1), fell / n, clarified / n, n, m, misses)


def _one_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def turn_ok(reply: Reply, expect: dict[str, Any]) -> bool:
    """Does the reply do what the expectation asks (kind, ids, state, text, the help-desk offer)?"""
    if "kind" in expect and reply.kind not in _one_of(expect["kind"]):
        return False
    if "faq_id" in expect and reply.faq_id not in _one_of(expect["faq_id"]):
        return False
    if "credential_id" in expect and reply.credential_id not in _one_of(expect["credential_id"]):
        return False
    if "state" in expect and reply.state != expect["state"]:
        return False
    if "offer_escalation" in expect and bool(reply.offer_escalation) != bool(expect["offer_escalation"]):
        return False
    text = reply.text.casefold()
    if any(s.casefold() not in text for s in expect.get("contains", [])):
        return False
    return not any(s.casefold() in text for s in expect.get("not_contains", []))


def evaluate_cases(bot: Bot, cases: Iterable[dict[str, Any]], label: str = "case") -> CaseFigures:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    total = right = 0
    for case in cases:
        question = case.get("question") or case["say"]
        reply = bot.handle(question, _fresh(), state=case.get("state"))
        good = turn_ok(reply, case["expect"])
        category = case.get("category") or "|".join(_one_of(case["expect"].get("kind", "?")))
        counts[category][0] += good
        counts[category][1] += 1
        total += 1
        right += good
        if not good:
            misses.append(f"{label} {category} [{_describe(reply)}] {question!r} expected {case['expect']}")
    return CaseFigures(right / max(total, 1), total, {k: (v[0], v[1]) for k, v in sorted(counts.items())}, misses)


def evaluate_conversations(bot: Bot, data: dict[str, Any]) -> ConversationFigures:
    conv_ok = turns_ok = turns = 0
    misses = []
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for conv in data["conversations"]:
        key, all_ok = _fresh(), True
        for i, turn in enumerate(conv["turns"]):
            reply = bot.handle(turn["say"], key, state=conv.get("state"), channel="cli", user=conv.get("user"))
            good = turn_ok(reply, turn["expect"])
            turns += 1
            turns_ok += good
            if not good:
                all_ok = False
                misses.append(
                    f"conversation {conv['name']!r} turn {i + 1} {turn['say']!r}: got {_describe(reply)}: "
                    f"{reply.text[:90]!r} expected {turn['expect']}"
                )
        conv_ok += all_ok
        tally = counts[conv.get("category", "other")]
        tally[0] += all_ok
        tally[1] += 1
    n = len(data["conversations"])
    by_category = {k: (r, t) for k, (r, t) in sorted(counts.items())}
    return ConversationFigures(conv_ok / max(n, 1), turns_ok / max(turns, 1), n, turns, misses, by_category)


def load_part(part: str, folder: Path | str | None = None) -> dict[str, Any]:
    """The sets of one part ("tuning" or "held_out") that exist in ``folder``."""
    root = Path(folder or DEFAULT_DATA) / part
    return {
        name: json.loads((root / f"{name}.json").read_text(encoding="utf-8"))
        for name in SETS
        if (root / f"{name}.json").is_file()
    }


def questions(part: str = "tuning", folder: Path | str | None = None) -> list[str]:
    """Every single question of a part (for benchmarks): FAQ, out-of-scope and cases."""
    sets = load_part(part, folder)
    out = [i["question"] for i in sets.get("faq", {}).get("in_scope", [])]
    out += list(sets.get("faq", {}).get("out_of_scope", []))
    out += [c["question"] for c in sets.get("cases", {}).get("cases", [])]
    return out


def run(bot: Bot, sets: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if "faq" in sets:
        result["faq"] = evaluate_faq(bot, sets["faq"])
    if "cases" in sets:
        result["cases"] = evaluate_cases(bot, sets["cases"]["cases"])
    if "credentials" in sets:
        result["credentials"] = evaluate_cases(bot, sets["credentials"]["questions"], "credentials")
    if "conversations" in sets:
        result["conversations"] = evaluate_conversations(bot, sets["conversations"])
    if "spanish" in sets:
        result["spanish"] = evaluate_cases(bot, sets["spanish"]["cases"], "spanish")
    return result


def headline(result: dict[str, Any]) -> dict[str, float]:
    """The figures the targets speak of, for one part."""
    out: dict[str, float] = {}
    if "faq" in result:
        f = result["faq"]
        out.update({"faq top-1": f.top1, "faq answered right": f.answered, "faq out-of-scope fallback": f.oos_fallback})
    if "cases" in result:
        c = result["cases"]
        out["single questions right"] = c.right
        oos = [c.by_category[k] for k in ("near_domain", "off_topic", "other_state") if k in c.by_category]
        if oos:
            out["single out-of-scope right"] = sum(r for r, _ in oos) / sum(n for _, n in oos)
        inscope = [v for k, v in c.by_category.items() if k not in ("near_domain", "off_topic", "other_state")]
        if inscope:
            out["single in-scope right"] = sum(r for r, _ in inscope) / sum(n for _, n in inscope)
    if "credentials" in result:
        out["credentials right"] = result["credentials"].right
    if "conversations" in result:
        out["conversations all turns right"] = result["conversations"].all_right
        out["conversation turns right"] = result["conversations"].turns_right
    if "spanish" in result:
        out["spanish right"] = result["spanish"].right
    return out


def format_part(result: dict[str, Any], title: str, show_misses: bool) -> str:
    lines = [f"== {title}"]
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
    for name, label in (("cases", "Single questions"), ("credentials", "Credentials"), ("spanish", "Spanish")):
        if name in result:
            c = result[name]
            lines.append(f"{label}: {c.n} questions, right {c.right:6.1%}")
            if name != "credentials":
                lines += [f"  {k:<22} {r:>3}/{n:<3} {r / n:6.1%}" for k, (r, n) in c.by_category.items()]
    if "conversations" in result:
        c = result["conversations"]
        lines.append(
            f"Conversations: {c.n} ({c.n_turns} turns), all turns right {c.all_right:6.1%}, turns right {c.turns_right:6.1%}"
        )
        lines += [f"  {k:<22} {r:>3}/{n:<3} {r / n:6.1%}" for k, (r, n) in c.by_category.items()]
    if show_misses:
        misses = [
            m
            for key in ("faq", "cases", "credentials", "conversations", "spanish")
            if key in result
            for m in result[key].misses
        ]
        if misses:
            lines.append(f"Misses ({len(misses)}):")
            lines += [f"  - {m}" for m in misses]
    return "\n".join(lines)


def format_gap(tuning: dict[str, float], held_out: dict[str, float]) -> str:
    lines = ["== gap (tuning minus held-out, in points)"]
    for key in tuning:
        if key in held_out:
            lines.append(
                f"  {key:<32} tuning {tuning[key]:6.1%}  held-out {held_out[key]:6.1%}  "
                f"gap {100 * (tuning[key] - held_out[key]):+5.1f}"
            )
    return "\n".join(lines)


def evaluate(settings: Settings, folder: Path | str | None = None, show_misses: bool = False) -> str:
    from .escalation import EscalationService, Store
    from .wiring import build_bot

    store = Store("sqlite:///:memory:")
    bot = build_bot(settings, escalations=EscalationService(store, settings.help_emails()))
    out = [f"({bot.semantic_status})"]
    figures = {}
    for part in PARTS:
        sets = load_part(part, folder)
        result = run(bot, sets)
        figures[part] = headline(result)
        out.append(format_part(result, f"{part.replace('_', '-')} part", show_misses and part == "tuning"))
    out.append(format_gap(figures["tuning"], figures["held_out"]))
    store.dispose()
    return "\n".join(out)


def _single_questions(sets: dict[str, Any]) -> list[dict[str, Any]]:
    """Every single question of a part as a case (FAQ questions included), for cross-validation."""
    cases = list(sets.get("cases", {}).get("cases", []))
    faq = sets.get("faq", {})
    cases += [
        {
            "question": i["question"],
            "state": i.get("state"),
            "category": "faq-set",
            "expect": {"kind": "answer", "faq_id": i["expect"]},
        }
        for i in faq.get("in_scope", [])
    ]
    cases += [
        {"question": q, "category": "faq-set-oos", "expect": {"kind": "fallback"}} for q in faq.get("out_of_scope", [])
    ]
    return cases


def cross_validate(bot: Bot, folder: Path | str | None = None, folds: int = 5) -> str:
    """K-fold cross-validation of the answer and clarify thresholds over every single question of both
    parts: for each fold, the thresholds that do best on the other folds, scored on that fold."""
    from dataclasses import replace

    cases = [c for part in PARTS for c in _single_questions(load_part(part, folder))]
    base = bot.thresholds
    grid = [(a / 100, c / 100) for a in range(22, 42, 2) for c in range(14, 32, 3) if c <= a]
    grid += [(base.answer, base.clarify)]
    right: dict[tuple[float, float], list[bool]] = {}
    for answer, clarify in grid:
        bot.thresholds = replace(base, answer=answer, clarify=clarify)
        right[(answer, clarify)] = [
            turn_ok(bot.handle(c["question"], _fresh(), state=c.get("state")), c["expect"]) for c in cases
        ]
    bot.thresholds = base
    fold_of = [int(hashlib.sha256(c["question"].encode()).hexdigest(), 16) % folds for c in cases]
    scores, chosen = [], []
    for k in range(folds):
        train = [i for i, f in enumerate(fold_of) if f != k]
        test = [i for i, f in enumerate(fold_of) if f == k]
        best = max(grid, key=lambda g: sum(right[g][i] for i in train))
        chosen.append(best)
        scores.append(sum(right[best][i] for i in test) / max(len(test), 1))
    shipped = (
        sum(right.get((base.answer, base.clarify), [False])) / len(cases)
        if (base.answer, base.clarify) in right
        else None
    )
    lines = [
        f"== cross-validated ({folds} folds over {len(cases)} single questions of both parts; "
        "thresholds chosen on the other folds)",
        f"  right answer per fold: {', '.join(f'{x:.1%}' for x in scores)}; mean {sum(scores) / folds:.1%}",
        f"  thresholds chosen (answer, clarify): {', '.join(f'{a:.2f}/{c:.2f}' for a, c in chosen)}",
    ]
    if shipped is not None:
        lines.append(f"  shipped thresholds {base.answer:.2f}/{base.clarify:.2f} on all of them: {shipped:.1%}")
    return "\n".join(lines)


def run_cli(args: Any) -> int:
    settings = Settings.from_env(semantic=False) if args.lexical else Settings.from_env()
    print(evaluate(settings, args.data, show_misses=args.misses))
    if args.cv:
        from .wiring import build_bot

        print(cross_validate(build_bot(settings), args.data, args.cv))
    if args.compare and settings.semantic:
        from dataclasses import replace

        print("\n(lexical only, for comparison)")
        print(evaluate(replace(settings, semantic=False), args.data))
    return 0
