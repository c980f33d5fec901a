"""Spanish matching figures on bench/spanish_check.json (written apart from es.json's alternates):
the English matcher as today (Spanish text against the English knowledge), the Spanish matcher
lexical only, and the Spanish matcher with all-MiniLM-L6-v2 embeddings (an English-only model).

Answered / clarified / fell back are the FAQ reply's decisions (credbot.conversation.answers) with
the thresholds named on each line, as `credbot eval` counts them.

    python bench/spanish.py [--thresholds ANSWER,CLARIFY]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from credbot.conversation.answers import FaqReplies, Thresholds  # noqa: E402
from credbot.conversation.sessions import Session  # noqa: E402
from credbot.knowledge import load  # noqa: E402
from credbot.matching import Matcher  # noqa: E402
from credbot.matching_es import SPANISH_SEMANTIC_THRESHOLDS, SPANISH_THRESHOLDS, build_spanish_matcher  # noqa: E402
from credbot.semantic import load_embedder  # noqa: E402
from credbot.wiring import LEXICAL_THRESHOLDS, SEMANTIC_THRESHOLDS, limit_blas_threads  # noqa: E402

HERE = Path(__file__).resolve().parent
SETS = {
    "check set 1 (used to adjust es.json)": HERE / "spanish_check.json",
    "check set 2 (written after set 1, then used to choose the thresholds and add stemming)": HERE
    / "spanish_check_2.json",
    "check set 3 (written after set 2's changes, then used for a few keywords and stopwords)": HERE
    / "spanish_check_3.json",
    "check set 4 (written after the last adjustment, measured as it stands)": HERE / "spanish_check_4.json",
}


def figures(matcher, thresholds: Thresholds, data: dict, semantic: bool = True) -> dict:
    replies = FaqReplies(thresholds, lambda state: "help@example.org")
    top1 = rr = answered = clarified = fell = 0
    misses = []
    started = time.perf_counter()
    for item in data["in_scope"]:
        q, expect, state = item["question"], set(item["expect"]), item.get("state")
        _, matches = matcher.rank(q, state, limit=5, semantic=semantic)
        ids = [m.id for m in matches]
        rank = next((i for i, ident in enumerate(ids, 1) if ident in expect), None)
        top1 += rank == 1
        rr += 1 / rank if rank else 0
        reply = replies.faq(q, matches, Session(key="bench", state=state))
        ok = reply.kind == "answer" and reply.faq_id in expect
        answered += ok
        clarified += reply.kind == "clarify"
        fell += reply.kind == "fallback"
        if not ok:
            misses.append(
                f"[{reply.kind} {reply.faq_id or '-'} {reply.confidence:.2f}] {q!r} expected {sorted(expect)}"
            )
    oos_ok = 0
    for q in data["out_of_scope"]:
        _, matches = matcher.rank(q, None, limit=5, semantic=semantic)
        reply = replies.faq(q, matches, Session(key="bench"))
        oos_ok += reply.kind == "fallback"
        if reply.kind != "fallback":
            misses.append(f"out-of-scope [{reply.kind} {reply.faq_id or '-'} {reply.confidence:.2f}] {q!r}")
    n, m = len(data["in_scope"]), len(data["out_of_scope"])
    seconds = time.perf_counter() - started
    return {
        "top1": top1 / n,
        "mrr": rr / n,
        "answered": answered / n,
        "clarified": clarified / n,
        "false_fallback": fell / n,
        "oos_fallback": oos_ok / m,
        "n": n,
        "m": m,
        "ms_per_question": seconds / (n + m) * 1000,
        "misses": misses,
    }


def show(title: str, f: dict, verbose: bool) -> None:
    print(f"== {title}: {f['n']} in-scope, {f['m']} out-of-scope Spanish questions")
    print(
        f"   top-1 {f['top1']:6.1%}   MRR {f['mrr']:.3f}   answered right {f['answered']:6.1%}   "
        f"clarified {f['clarified']:6.1%}   false fallback {f['false_fallback']:6.1%}   "
        f"out-of-scope fallback {f['oos_fallback']:6.1%}   {f['ms_per_question']:.1f} ms/question"
    )
    if verbose:
        for miss in f["misses"]:
            print("     -", miss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", help="ANSWER,CLARIFY for the Spanish matcher")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = parser.parse_args()
    limit_blas_threads()
    kb = load()
    spanish = Thresholds(**SPANISH_THRESHOLDS)
    if args.thresholds:
        answer, clarify = (float(x) for x in args.thresholds.split(","))
        spanish = Thresholds(answer=answer, clarify=clarify)
    embedder, status = load_embedder(None, None)
    print(f"({status})")
    for name, path in SETS.items():
        print(f"\n##### {name}")
        run(kb, json.loads(path.read_text(encoding="utf-8")), spanish, embedder, args.verbose)


def run(kb, data: dict, spanish: Thresholds, embedder, verbose: bool) -> None:
    english = Matcher(kb, embedder=embedder)
    show(
        "today: the English matcher with embeddings, Spanish text",
        figures(english, SEMANTIC_THRESHOLDS, data),
        verbose,
    )
    show(
        "today, lexical only: the English matcher, Spanish text",
        figures(Matcher(kb), LEXICAL_THRESHOLDS, data),
        verbose,
    )
    lexical = build_spanish_matcher(kb)
    show(f"Spanish matcher, lexical only (shipped), {spanish}", figures(lexical, spanish, data), verbose)
    if embedder is not None:
        with_model = build_spanish_matcher(kb, embedder)
        show(f"Spanish matcher + all-MiniLM-L6-v2, {spanish}", figures(with_model, spanish, data), verbose)
        stricter = Thresholds(**SPANISH_SEMANTIC_THRESHOLDS)  # chosen on sets 1-3, confirmed on set 4
        show(f"Spanish matcher + all-MiniLM-L6-v2, {stricter}", figures(with_model, stricter, data), verbose)


if __name__ == "__main__":
    main()
