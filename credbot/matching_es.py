"""The Spanish matcher: the same Matcher (same signals, tiers, states and ids) over Spanish views of
the entries (es.json: Spanish question, alternates, keywords and answer) and the Spanish synonyms.

Text is folded for Spanish before anything else (credbot.text_es: accents dropped, "¿¡" removed;
parents often type without accents), synonyms are rewritten on whole phrases ("vale la pena",
"licencia de manejar", "la high"), then Spanish function words are dropped and the rest stemmed
(Snowball's Spanish stemmer: "nomino", "nominar", "nominación" meet). Spelling is corrected
against the Spanish vocabulary.

The semantic signal is off by default. all-MiniLM-L6-v2 was trained on English. On the Spanish
check sets in bench/, with the English thresholds it let a third of out-of-scope questions through.
With stricter thresholds (SPANISH_SEMANTIC_THRESHOLDS) it answered 2 more of 73 fresh questions and
fell back on 1 more of 40, which is within noise, for 6-8 times the time per question. Lexical
matching (TF-IDF words and character n-grams, coverage) carries Spanish; see docs/languages.md.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .knowledge import FaqEntry, KnowledgeBase
from .matching import (
    Analysis,
    Matcher,
    Weights,
)
from .text import content_words
from .text_es import SPANISH_STOPWORDS, normalise_es, without_stopwords

__all__ = [
    "SPANISH_SEMANTIC_THRESHOLDS",
    "SPANISH_THRESHOLDS",
    "SpanishMatcher",
    "build_spanish_matcher",
    "spanish_entries",
]

# Words (folded, before synonyms) that say a question is about credentials at all: as in English
# (matching.DOMAIN_ANCHORS), such a question needs less of its wording covered by an entry.
SPANISH_ANCHORS = frozenset(
    """credencial credenciales certificacion certificaciones certificado certificados cert certs irc ircs cte
credential credentials certification certifications""".split()
)
SPANISH_QUESTION_WORDS = ("cuanto", "cuantos", "donde", "quien", "como", "cual", "cuales", "cuando", "porque")
ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")

# Confidence to answer / to ask which entry is meant, for Spanish on the lexical signal (the
# conversation's Thresholds(**SPANISH_THRESHOLDS)); tuned with bench/spanish.py, see docs/languages.md.
SPANISH_THRESHOLDS = {"answer": 0.30, "clarify": 0.27}
# With all-MiniLM-L6-v2 as well (build_spanish_matcher(kb, embedder)): chosen on check sets 1-3,
# confirmed on set 4. The English model makes unrelated Spanish questions look alike, hence higher.
SPANISH_SEMANTIC_THRESHOLDS = {"answer": 0.40, "clarify": 0.35}


_STEMMER = snowballstemmer.stemmer("spanish")
_STEMMER_LOCK = threading.Lock()  # a Snowball stemmer keeps its word in itself while it works


@functools.lru_cache(maxsize=65536)
def stem_es(word: str) -> str:
    """The Snowball Spanish stem of a folded word: "nominar", "nomino", "nominacion" -> "nomin"."""
    if word.isdigit() or len(word) < 4:
        return word
    with _STEMMER_LOCK:
        return _STEMMER.stemWord(word)


def _stemmed(text: str) -> str:
    return " ".join(stem_es(w) for w in text.split())


def spanish_entries(kb: KnowledgeBase) -> list[FaqEntry]:
    """Each entry that has a Spanish view, as an FaqEntry with the same id, state, source and flags
    but the Spanish question, alternates, keywords and (unofficial) answer."""
    out = []
    for entry in kb.faq:
        es = kb.spanish.get(entry.id)
        if es is None:
            continue
        out.append(
            dataclasses.replace(
                entry, question=es.question, answer=es.answer, alternates=es.alternates, keywords=es.keywords
            )
        )
    return out


class SpanishMatcher(Matcher):
    """A Matcher whose text handling is Spanish; scoring, tiers and the official-first merge are
    the English matcher's own."""

    domain_anchors = SPANISH_ANCHORS  # words that say a Spanish question is about credentials at all

    stopwords = SPANISH_STOPWORDS
    spelling_min_length = 5

    @staticmethod
    def _normalise_phrasing(text: str) -> str:
        return normalise_es(text)

    def correct_spelling(self, normalised: str) -> str:
        out = []
        for word in self.kb.synonyms.expand(normalised).split():  # texting shorthand first ("x" -> "por")
            if word in self._known_words or word.isdigit():
                pass
            elif 4 <= len(word) <= 5:
                best = process.extractOne(word, SPANISH_QUESTION_WORDS, scorer=OSA.distance, score_cutoff=1)
                word = best[0] if best is not None else word
            elif len(word) >= 6:
                cutoff = 1 if len(word) < 8 else 2
                best = process.extractOne(word, self._spelling_vocab, scorer=OSA.distance, score_cutoff=cutoff)
                word = best[0] if best is not None else word
            out.append(word)
        return " ".join(out)

    def canonical(self, text: str) -> str:
        return _stemmed(without_stopwords(self.kb.synonyms.apply(normalise_es(text))))

    def _analyse(self, text: str) -> Analysis:
        corrected = self.correct_spelling(normalise_es(text))
        canonical = _stemmed(without_stopwords(self.kb.synonyms.apply(corrected)))
        acronyms = tuple(sorted({w.lower() for w in ACRONYM.findall(text)} - self._known_words))
        return Analysis(
            text=text,
            corrected=corrected,
            canonical=canonical,
            words=tuple(content_words(canonical)),
            acronyms=acronyms,
        )


def build_spanish_matcher(kb: KnowledgeBase, embedder=None, weights: Weights = Weights()) -> SpanishMatcher | None:
    """A matcher for Spanish questions over the entries that have a Spanish view (None when es.json
    gives none). With ``embedder`` (all-MiniLM-L6-v2) use SPANISH_SEMANTIC_THRESHOLDS; it barely helps Spanish."""
    entries = spanish_entries(kb)
    if not entries or kb.spanish_synonyms is None:
        return None
    view = dataclasses.replace(kb, faq=entries, synonyms=kb.spanish_synonyms, fingerprint=kb.fingerprint + "-es")
    return SpanishMatcher(view, weights=weights, embedder=embedder)
