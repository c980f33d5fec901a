"""What a turn does besides asking the FAQ: intents matched from data (knowledge/intents.json).

Each intent has examples; a message scores, for each intent, its best similarity to one of the
examples: character n-grams (typos, texting) and, when the model is there, the sentence embedding
the matcher already computed for the message (one forward pass per message). An exact example
scores 1. The conversation decides what a score is worth against the FAQ's own confidence.

Also here: corrections ("no, I meant ..."), a social word before or after a question ("thanks! and
who pays for it?"), and picking one of the offered choices."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from ..knowledge import Intent
from ..matching import Matcher
from ..text import normalise as _normalise
from ..text_es import strip_accents


def normalise(text: str) -> str:
    """credbot.text.normalise without accents: Spanish examples and messages meet however they are typed."""
    return strip_accents(_normalise(text))


ORDINALS = {"1": 0, "1st": 0, "first": 0, "one": 0, "2": 1, "2nd": 1, "second": 1, "two": 1}
ORDINALS |= {"3": 2, "3rd": 2, "third": 2, "three": 2}
ORDINALS.update(  # Spanish ("la primera", "el segundo", "uno")
    {"primero": 0, "primera": 0, "primer": 0, "uno": 0, "segundo": 1, "segunda": 1, "dos": 1}
    | {"tercero": 2, "tercera": 2, "tercer": 2, "tres": 2}
)
ASKS = re.compile(
    r"^(who|what|whats|when|where|why|how|which|is|are|does|do|did|can|could|will|would|should)\b"
)  # a question
SEMANTIC_SHARE = 0.5  # of an intent score, when embeddings are on
# may stand before or after a question
SOCIAL_EDGE = frozenset({"greeting", "thanks", "acknowledge", "complaint", "preamble"})
_PARTS = re.compile(r"(?<=[.!?;])\s+|\s*[!?;]+\s*|(?<=\w)\.\s+|,\s+|\s+-\s+")
# what the thanks are for: "thanks (so much) for the info on the CNA" asks nothing
_THANKS_FOR = re.compile(r"^(?:so |very )?(?:much |a lot |a bunch |again )?(?:for|por)\b", re.I)
_LEADING_JOINERS = re.compile(
    r"^(?:and|also|but|so|btw|ok so|oh and|plus|now|y|tambi[eé]n|pero|entonces|ah y|oiga|y otra cosa)\b[\s,]*", re.I
)


@dataclass(frozen=True)
class IntentScore:
    id: str
    group: str
    score: float


class IntentClassifier:
    def __init__(
        self,
        intents: Sequence[Intent],
        matcher: Matcher,
        corrections: Iterable[str] = (),
        correction_leads: Iterable[str] = (),
    ):
        self.matcher = matcher
        self.intents = {i.id: i for i in intents}
        rows, owners = [], []
        for index, intent in enumerate(intents):
            for example in intent.examples:
                rows.append(normalise(example))
                owners.append(index)
        self.exact = {row: intents[owner].id for row, owner in zip(rows, owners)}
        self.order = [i.id for i in intents]
        self.groups = np.array([i.group for i in intents])
        self.owners = np.array(owners, dtype=np.int64)
        self.char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.char_matrix = self.char_vec.fit_transform(rows or ["-"]).astype(np.float32).tocsr()
        self.vectors = None
        if matcher.embedder is not None and rows:
            self.vectors = matcher.embedder.embed_rows(rows, key="intents:" + matcher.kb.fingerprint)
        self.corrections = sorted({normalise(c) for c in corrections if normalise(c)}, key=len, reverse=True)
        self.leads = sorted({normalise(c) for c in correction_leads if normalise(c)}, key=len, reverse=True)
        self.scores = functools.lru_cache(maxsize=4096)(self._scores)
        # The same text always reads the same way: a repeated message skips the word-by-word scan.
        self.correction = functools.lru_cache(maxsize=4096)(self._correction)

    def _scores(self, normalised: str) -> tuple[IntentScore, ...]:
        """Every intent's score for a normalised message, best first."""
        normalised = strip_accents(normalised)
        if not normalised or not self.order:
            return ()
        per_example = (self.char_matrix @ self.char_vec.transform([normalised]).astype(np.float32).T).toarray().ravel()
        if self.vectors is not None:
            vector = self.matcher.vector(self.matcher.analyse(normalised).corrected)
            if vector is not None:
                semantic = np.clip(self.vectors @ vector, 0.0, 1.0)
                per_example = (1 - SEMANTIC_SHARE) * per_example + SEMANTIC_SHARE * semantic
        best = np.full(len(self.order), 0.0, dtype=np.float32)
        np.maximum.at(best, self.owners, per_example.astype(np.float32))
        exact = self.exact.get(normalised) or self.exact.get(self.matcher.kb.synonyms.expand(normalised))  # "k thx"
        if exact is not None:
            best[self.order.index(exact)] = 1.0
        ranked = np.argsort(-best)
        return tuple(IntentScore(self.order[i], str(self.groups[i]), float(best[i])) for i in ranked)

    def best(self, normalised: str, groups: Iterable[str] | None = None) -> IntentScore | None:
        wanted = set(groups) if groups is not None else None
        return next((s for s in self.scores(normalised) if wanted is None or s.group in wanted), None)

    def score(self, normalised: str, intent_id: str) -> float:
        return next((s.score for s in self.scores(normalised) if s.id == intent_id), 0.0)

    # ---- the shape of a turn -----------------------------------------------------------------
    def _correction(self, text: str) -> str | None:
        """ "No, I meant the diploma seal" -> "the diploma seal"; "sorry, EMR, the responder one" -> "EMR, the
        responder one"; None when the turn is no correction. A correction starts with lead words ("no",
        "sorry", "wait") and a phrase ("I meant"), or with lead words and a short naming of what was meant."""
        words = normalise(text).split()
        taken = 0
        while taken < len(words):
            found = [x for x in self.leads if words[taken : taken + len(x.split())] == x.split()]
            lead = max(found, key=lambda x: len(x.split()), default=None)  # "not that one" before "not that"
            if lead is None:
                break
            taken += len(lead.split())
        rest = words[taken:]
        phrase = next((x for x in self.corrections if rest[: len(x.split())] == x.split()), None)
        if phrase is not None:
            taken += len(phrase.split())
        elif not taken or not 1 <= len(rest) <= 5:
            return None
        remainder = _strip_words(text, taken)
        return remainder or None

    def sentences(self, text: str) -> list[str]:
        """The turn's sentences (and comma-separated asides), as typed."""
        return [p.strip(" ,") for p in _PARTS.split(text) if p and p.strip(" ,")]

    def social_prefix(self, text: str) -> tuple[IntentScore | None, str]:
        """A social phrase run into a question with no punctuation: "thanks and who pays for it" ->
        (thanks, "who pays for it"); (None, text) otherwise."""
        words = text.split()
        for size in (3, 2, 1):
            if len(words) > size + 1:
                intent = self.exact.get(normalise(" ".join(words[:size])))
                if intent in SOCIAL_EDGE:
                    rest = _LEADING_JOINERS.sub("", " ".join(words[size:]).strip(" ,"))
                    if intent == "thanks" and _THANKS_FOR.match(rest) and "?" not in rest:
                        return IntentScore(intent, "social", 1.0), ""  # "thanks for the info on the CNA"
                    if len(normalise(rest).split()) >= 2:
                        return IntentScore(intent, "social", 1.0), rest
        return None, text


def _strip_words(text: str, count: int) -> str:
    """``text`` without its first ``count`` words (as normalise counts them), punctuation trimmed."""
    tokens = re.findall(r"\S+", text)
    taken, i = 0, 0
    while i < len(tokens) and taken < count:
        taken += len(normalise(tokens[i]).split())
        i += 1
    return " ".join(tokens[i:]).strip(" ,:;-")


_AROUND_A_POSITION = frozenset("the one option number no choice item please pls plz ok okay".split())


def position_pick(normalised: str, count: int) -> int | None:
    """A turn that only picks an offered choice by its place ("2", "option 2", "the last one", "second please"):
    its index, or None (also for "one more question", which says more than a place)."""
    words = re.sub(r"[^\w\s]", " ", normalised).split()
    places = [w for w in words if w in ORDINALS or w == "last"]
    if not places or any(w not in _AROUND_A_POSITION and w not in places for w in words):
        return None
    index = count - 1 if places[0] == "last" else ORDINALS[places[0]]
    return index if index < count else None


def choice_index(normalised: str, labels: Sequence[str]) -> int | None:
    """Which of the offered choices a reply picks: "2", "the second one", "last", or words of a label
    ("the seal one" -> "How does a student earn the industry credential seal?")."""
    count = len(labels)
    picked = position_pick(normalised, count)  # "the last one", "#2"
    if picked is not None:
        return picked
    for word in normalised.split():  # "i want the second"; not "one" ("the one about combining them")
        if word in ORDINALS and word not in ("one", "uno") and ORDINALS[word] < count:
            return ORDINALS[word]
    if strip_accents(normalised) in ("la ultima", "el ultimo"):
        return count - 1
    content = [w for w in normalised.split() if w not in {"the", "one", "about", "that", "i", "mean", "meant", "a"}]
    if not content or len(content) > 6:
        return None
    # "the security one" picks "CompTIA Security+": the label's words without their signs
    scores = [fuzz.token_set_ratio(" ".join(content), re.sub(r"[^\w\s]", "", normalise(label))) for label in labels]
    best = int(np.argmax(scores)) if scores else -1
    runner_up = sorted(scores)[-2] if len(scores) > 1 else 0
    if best >= 0 and scores[best] >= 80 and runner_up < scores[best] - 10:
        return best
    return _shared_stem(content, labels)


def _shared_stem(words: Sequence[str], labels: Sequence[str]) -> int | None:
    """The one label that shares a word's stem with the reply ("combining" -> "... be combined ..."), if only one
    does. Stems are the first five letters of words of at least five; a shorter word of three or four letters is
    a clipped longer one ("the pro one" -> "ASE Professional Certification")."""
    stems = {w[:5] for w in words if len(w) >= 5}
    clipped = {w for w in words if 3 <= len(w) < 5 and w.isalpha()}
    if not stems and not clipped:
        return None

    def sharing(label: str) -> int:
        label_words = normalise(label).split()
        longer = sum(any(w.startswith(c) and len(w) > len(c) for w in label_words) for c in clipped)
        return len(stems & {w[:5] for w in label_words if len(w) >= 5}) + longer

    shared = [sharing(label) for label in labels]
    best = max(shared, default=0)
    return shared.index(best) if best and shared.count(best) == 1 else None
