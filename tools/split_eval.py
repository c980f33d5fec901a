"""Split evaluation data into a tuning part and a held-out part (tests/data/tuning, tests/data/held_out).

Stratified: items are grouped by what they expect (the entry, credential, intent or category), and
each group is dealt alternately to the two parts in the order of a hash of the question, so every
entry and every kind of question is in both parts and the split does not depend on file order.

    python tools/split_eval.py SET SOURCE.json [SOURCE.json ...]

SET is faq, cases, credentials, conversations or spanish. Items already in either part (same
question or conversation name) keep their part (updated from the source); new ones are dealt into
the parts.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PARTS = ("tuning", "held_out")
LISTS = {
    "faq": ("in_scope", "out_of_scope"),
    "cases": ("cases",),
    "credentials": ("questions",),
    "conversations": ("conversations",),
    "spanish": ("cases",),
}


def key(item: Any) -> str:
    if isinstance(item, str):
        return item
    return item.get("question") or item.get("name") or json.dumps(item, sort_keys=True)


def group(item: Any) -> str:
    if isinstance(item, str):
        return "out_of_scope"
    if "turns" in item:
        return item.get("category") or "conversation"
    expect = item.get("expect")
    if isinstance(expect, list):
        return expect[0]
    ids = expect.get("faq_id") or expect.get("credential_id") or expect.get("kind")
    first = ids[0] if isinstance(ids, list) else ids
    return f"{item.get('category', '')}:{first}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def main(name: str, sources: list[str]) -> None:
    existing = {
        part: json.loads((DATA / part / f"{name}.json").read_text()) if (DATA / part / f"{name}.json").is_file() else {}
        for part in PARTS
    }
    out: dict[str, dict[str, list]] = {
        part: {lst: list(existing[part].get(lst, [])) for lst in LISTS[name]} for part in PARTS
    }
    known = {key(i) for part in PARTS for lst in LISTS[name] for i in out[part][lst]}
    for source in sources:
        doc = json.loads(Path(source).read_text())
        for lst in LISTS[name]:
            groups: dict[str, list] = defaultdict(list)
            for item in doc.get(lst, []):
                for part in PARTS:  # an item already in a part keeps its part, with the source's expectation
                    out[part][lst] = [item if key(i) == key(item) else i for i in out[part][lst]]
                if key(item) not in known:
                    groups[group(item)].append(item)
                    known.add(key(item))
            turn = 0
            for g in sorted(groups, key=digest):
                for item in sorted(groups[g], key=lambda i: digest(key(i))):
                    out[PARTS[turn % 2]][lst].append(item)
                    turn += 1
    for part in PARTS:
        (DATA / part).mkdir(parents=True, exist_ok=True)
        doc = {
            "_comment": f"{part.replace('_', '-')} part of the {name} evaluation set (tools/split_eval.py). "
            + (
                "Look at these while tuning."
                if part == "tuning"
                else "Never look at these while tuning: only score them."
            ),
            **out[part],
        }
        (DATA / part / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        print(part, name, {lst: len(v) for lst, v in out[part].items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
