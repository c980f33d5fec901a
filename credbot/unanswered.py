"""`credbot unanswered`: what the FAQ is missing, for the people who maintain it."""

from __future__ import annotations

from collections import Counter

from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from .text import terminal_safe


def group_questions(questions: list[str], distance: float = 0.8) -> list[list[str]]:
    """Questions grouped into topics by TF-IDF similarity (cosine distance), biggest first."""
    if not questions:
        return []
    if len(questions) == 1:
        return [questions]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(questions)
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    ).fit_predict(vectors.toarray())
    groups: dict[int, list[str]] = {}
    for label, question in zip(labels, questions):
        groups.setdefault(label, []).append(question)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def report(store, kb, top: int = 20) -> str:
    rows = store.unanswered_questions()
    lines = [f"Questions that fell back or were escalated: {len(rows)}"]
    for i, group in enumerate(group_questions([r["question"] for r in rows])[:top], 1):
        common = Counter(group).most_common(3)
        lines.append(f"{i}. {len(group)} question(s), e.g. " + " | ".join(f"“{terminal_safe(q)}”" for q, _ in common))
    unhelpful = store.unhelpful_answers()
    lines.append("")
    lines.append(f"Answers marked not helpful: {len(unhelpful)}")
    for row in unhelpful[:top]:
        entry = kb.faq_by_id.get(row["entry_id"])
        label = f" ({entry.question})" if entry else ""
        # Stored before entry ids were checked, an id could carry escape sequences: shown escaped.
        lines.append(
            f"- {terminal_safe(row['entry_id'])}: {row['unhelpful']} of {row['votes']} marked not helpful{label}"
        )
    return "\n".join(lines)
