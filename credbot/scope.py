"""Is a question for the knowledge at all? A classifier over sentence embeddings says.

The FAQ matcher scores how well a question matches its nearest answer; it cannot say whether a
question that matches weakly asks something the knowledge does not hold ("where does she sit the
ServSafe exam?": the help desk) or something for someone else ("what do welders earn?", "when does
the bus come?": the school, or nobody). Nearest-example similarity to a few such examples misses
questions worded far from them. A scikit-learn logistic regression over the sentence embeddings the
matcher computes anyway, trained at start-up on the knowledge alone, generalises better:

- one class per FAQ and supplementary entry: its question, alternates and ``asked`` (more ways people
  ask it, written apart from the alternates and used only here);
- ``uncovered``: the "uncovered" intent examples of knowledge/intents.json (credential questions the
  knowledge does not answer);
- ``elsewhere``: the "off_topic" intent examples (questions for the school, or nobody);
- one class per catalogue intent: its examples ("who issues it?", "how many points is it worth?",
  "which welding certs are there?").

``judge(text)`` gives the probability of each of three kinds: for the knowledge (the entries' and the
catalogue's classes summed), uncovered, elsewhere; and of each entry and each catalogue intent. The router weighs them with the
matcher's own confidence (routing.py). Without the sentence model (the
lexical-only mode) there is no classifier and the router's other rules decide alone.

Training takes about a third of a second (about 1,400 sentences, 37 classes, 384 dimensions), once before
workers fork (wiring.preload); the sentences' embeddings are cached on disk like the matcher's
(semantic.Embedder.embed_rows).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from .knowledge import KnowledgeBase
from .matching import Matcher

UNCOVERED, ELSEWHERE = "uncovered", "elsewhere"
CATALOGUE = "catalogue"
GROUPS = {"uncovered": UNCOVERED, "off_topic": ELSEWHERE, "catalogue": CATALOGUE}  # intent group -> class
REGULARISATION = 100.0  # scikit-learn's C: the examples are few and clean, so little regularisation


@dataclass(frozen=True)
class Scope:
    """How likely a question asks the knowledge (``faq``: one of its entries or the catalogue), asks a
    credential question it does not answer (``uncovered``), or asks something for someone else
    (``elsewhere``)."""

    faq: float
    uncovered: float
    elsewhere: float
    entries: Mapping[str, float] = field(default_factory=dict)  # each entry's probability
    catalogue: Mapping[str, float] = field(default_factory=dict)  # each catalogue intent's ("list_credentials")

    @property
    def entry_id(self) -> str | None:
        """The likeliest entry."""
        return max(self.entries, key=self.entries.__getitem__, default=None)

    @property
    def top_entry(self) -> tuple[str | None, float]:
        """(the likeliest entry, its probability): how surely the question asks one answer."""
        entry = self.entry_id
        return entry, self.entries[entry] if entry is not None else 0.0

    @property
    def card(self) -> tuple[str | None, float]:
        """(the likeliest catalogue intent, the catalogue intents' summed probability): how surely the question
        asks something of a card, and what."""
        if not self.catalogue:
            return None, 0.0
        return max(self.catalogue, key=self.catalogue.__getitem__), float(sum(self.catalogue.values()))

    @property
    def kind(self) -> str:
        return max(("faq", self.faq), (UNCOVERED, self.uncovered), (ELSEWHERE, self.elsewhere), key=lambda p: p[1])[0]


class ScopeClassifier:
    def __init__(self, kb: KnowledgeBase, matcher: Matcher):
        self.matcher = matcher
        self.model: LogisticRegression | None = None
        if matcher.embedder is None:
            return
        rows, labels = [], []
        for entry in kb.faq_by_id.values():
            for text in (entry.question, *entry.alternates, *entry.asked):
                rows.append(text)
                labels.append("faq:" + entry.id)
        for intent in kb.intents:
            if intent.group in GROUPS:  # each catalogue intent is a class of its own: what is asked of a card
                label = f"{CATALOGUE}:{intent.id}" if intent.group == CATALOGUE else GROUPS[intent.group]
                rows.extend(intent.examples)
                labels.extend([label] * len(intent.examples))
        if len(set(labels)) < 2:
            return
        analysed = [matcher.analyse(r).corrected for r in rows]  # the matcher embeds corrected text too
        vectors = matcher.embedder.embed_rows(analysed, key="scope:" + kb.fingerprint)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on a tiny, separable problem
            self.model = LogisticRegression(C=REGULARISATION, max_iter=3000, class_weight="balanced")
            self.model.fit(vectors, labels)
        classes = list(self.model.classes_)
        self._entry = np.array([c.startswith("faq:") for c in classes])
        self._catalogue = np.array([c.startswith(CATALOGUE + ":") for c in classes])
        self._known = self._entry | self._catalogue
        self._uncovered = classes.index(UNCOVERED) if UNCOVERED in classes else None
        self._elsewhere = classes.index(ELSEWHERE) if ELSEWHERE in classes else None
        self._classes = classes
        weights, bias = self.model.coef_, self.model.intercept_
        if len(classes) == 2:  # a binary model keeps one row: the softmax of (-z/2, z/2) is its sigmoid
            weights, bias = np.vstack([-weights, weights]) / 2, np.concatenate([-bias, bias]) / 2
        self._weights, self._bias = weights.astype(np.float32), bias.astype(np.float32)
        self._cached = functools.lru_cache(maxsize=4096)(self._judge)

    @property
    def enabled(self) -> bool:
        return self.model is not None

    def judge(self, text: str) -> Scope | None:
        """The verdict on a question as typed (cached: the same words always read the same way)."""
        return self._cached(text) if self.model is not None else None

    def _judge(self, text: str) -> Scope | None:
        assert self.model is not None
        vector = self.matcher.vector(self.matcher.analyse(text).corrected)
        if vector is None:
            return None
        # predict_proba's softmax by hand: the same figures in microseconds instead of 0.3 ms of input checks
        logits = self._weights @ vector + self._bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return Scope(
            faq=float(p[self._known].sum()),
            uncovered=float(p[self._uncovered]) if self._uncovered is not None else 0.0,
            elsewhere=float(p[self._elsewhere]) if self._elsewhere is not None else 0.0,
            entries={self._classes[i][4:]: float(p[i]) for i in np.flatnonzero(self._entry)},
            catalogue={self._classes[i][len(CATALOGUE) + 1 :]: float(p[i]) for i in np.flatnonzero(self._catalogue)},
        )
