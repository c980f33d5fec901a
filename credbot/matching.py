"""The matcher: maps a question to FAQ entries with a confidence in [0, 1].

Signals, all computed against an index built once at start-up (no I/O when answering):
- lexical similarity: TF-IDF cosine on words (1-2 grams) and on character n-grams (typo
  tolerant), against each phrasing of an entry (question, alternates, keywords, answer),
  each field with its own weight; an entry scores the mean of its two best phrasings;
- domain evidence (coverage): the IDF-weighted share of the question's content words that
  the entry's own vocabulary knows. Out-of-scope questions that merely share a word or two
  with the FAQ ("how much does college tuition cost?") have low coverage;
- semantic similarity (optional): cosine of sentence embeddings, see credbot.semantic.

Spelling is corrected word by word against the knowledge base's vocabulary (rapidfuzz), and
synonyms are rewritten to canonical words before any of this.

The official FAQ entries and the supplementary ones are indexed apart (one Tier each): term
weights fitted on one kind never shift the other's scores, so adding supplementary knowledge
leaves official matching exactly as it was. The two rankings are then merged, official first
where it matches about as well (see SUPPLEMENTARY_FACTOR).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from sklearn.feature_extraction.text import TfidfVectorizer

from .knowledge import FaqEntry, KnowledgeBase
from .text import STOPWORDS, content_words, detect_state, normalise

FIELD_WEIGHTS = {"question": 1.0, "alternate": 1.0, "keywords": 0.75, "answer": 0.6}
DOMAIN_WORD_IDF = 1.0  # the weight of a catalogue word no answer knows: as little as a word every answer has
TOPIC_TERM_ENTRIES = 3  # an acronym this few entries know names their topic (names_a_topic)
STATE_CODES = frozenset({"OH", "IL"})
OTHER_STATE_FACTOR = 0.6  # an entry of the other state still answers, but loses to the user's state
# Official answers win: where an official entry matches at all (OFFICIAL_CONTENDS), supplementary
# scores count SUPPLEMENTARY_FACTOR of their value, unless the supplementary entry knows every word
# of the question (FULL_COVERAGE) and the official candidates leave some unexplained (COVERAGE_LEAD).
SUPPLEMENTARY_FACTOR = 0.85
OFFICIAL_CONTENDS = 0.15
FULL_COVERAGE, COVERAGE_LEAD = 0.95, 0.15
# Canonical words that say a question is about credentials at all. A question holding one
# needs less of its wording covered by an entry: parents wrap real questions in chat.
# Matched on the words as typed (before synonyms): "license" and "certificate" are credentials too,
# but "birth certificate" or "teaching license" are not questions about IRCs.
DOMAIN_ANCHORS = frozenset(
    {
        "credential",
        "credentials",
        "certification",
        "certifications",
        "certified",
        "cert",
        "certs",
        "irc",
        "ircs",
        "cte",
        "industry",
        "recognized",
        "recognised",
    }
)


ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
CANDIDATES = 10  # entries scored in full (coverage) per question, from the best similarities

QUESTION_WORDS = ("where", "what", "when", "which", "does", "much", "many", "have", "who", "why", "how")


@dataclass(frozen=True)
class Weights:
    word: float = 0.55
    char: float = 0.45
    semantic: float = 0.7  # share of the similarity taken by the semantic signal when it is on
    coverage_power: float = 0.75
    top_k: int = 2  # an entry scores the mean of its k best phrasings: one lucky alternate is not enough


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float  # confidence in [0, 1]
    similarity: float
    coverage: float
    semantic: float | None = None
    standalone: float | None = None  # a supplementary entry's score before official answers took precedence

    @property
    def own_score(self) -> float:
        """The score on this entry's own merits (what it would score with no official FAQ)."""
        return self.score if self.standalone is None else self.standalone

    @property
    def id(self) -> str:
        return self.entry.id


@dataclass(frozen=True)
class Analysis:
    """What the matcher made of a question: its spelling-corrected and canonical text, content words."""

    text: str
    corrected: str
    canonical: str
    words: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()  # unknown ALL-CAPS words (SAT, AP, FAFSA): strong signs of another topic


def phrasings(entry: FaqEntry) -> list[tuple[str, str]]:
    """(field, text) for every phrasing of an entry that is indexed: question, alternates, keywords, answer."""
    return (
        [("question", entry.question)]
        + [("alternate", a) for a in entry.alternates]
        + [("keywords", " ".join(entry.keywords)), ("answer", entry.answer)]
    )


class Tier:
    """The index of one kind of knowledge (the official FAQ entries, or the supplementary ones):
    TF-IDF matrices, each entry's vocabulary, word IDF and row embeddings. The kinds are indexed
    apart, so adding supplementary entries cannot change how an official question matches."""

    def __init__(self, matcher: Matcher, entries: list[FaqEntry]):
        self.entries = entries
        rows, owners, field_weight = [], [], []
        for idx, entry in enumerate(entries):
            for name, text in phrasings(entry):
                rows.append(text)
                owners.append(idx)
                field_weight.append(FIELD_WEIGHTS[name])
        canon = [matcher.canonical(t) for t in rows]
        # (entries x most rows) table of row indices, padded with an index whose score is -inf,
        # so per-entry aggregation is one fancy-indexing step instead of a Python loop.
        width = max(np.bincount(owners))
        self.row_table = np.full((len(entries), width), len(rows), dtype=np.int64)
        fill = np.zeros(len(entries), dtype=np.int64)
        for row, owner in enumerate(owners):
            self.row_table[owner, fill[owner]] = row
            fill[owner] += 1
        self.field_weight = np.array(field_weight, dtype=np.float32)
        self.word_vec = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            token_pattern=r"(?u)\b[\w+#]+\b",
            preprocessor=lambda s: " ".join(content_words(s)),
        )
        self.char_vec = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=lambda s: " ".join(content_words(s))
        )
        # rows x terms, by column: a question touches only its own terms' columns
        self.word_matrix = self.word_vec.fit_transform(canon).tocsc().astype(np.float32)
        self.char_matrix = self.char_vec.fit_transform(canon).tocsc().astype(np.float32)

        # Per-entry vocabulary (canonical content words of all its fields) and word IDF.
        n = len(entries)
        self.entry_vocab: list[set[str]] = [set() for _ in range(n)]
        doc_freq: dict[str, int] = {}
        for owner, text in zip(owners, canon):
            self.entry_vocab[owner].update(content_words(text))
        for vocab in self.entry_vocab:
            for w in vocab:
                doc_freq[w] = doc_freq.get(w, 0) + 1
        self.doc_freq = doc_freq  # how many of the tier's entries know each word
        self.idf = {w: math.log((1 + n) / (1 + df)) + 1 for w, df in doc_freq.items()}
        self.unknown_idf = math.log(1 + n) + 1.5
        self.domain_words = matcher.domain_words
        self.state_of = np.array([e.state for e in entries])
        self.row_embeddings = None
        if matcher.embedder is not None:
            self.row_embeddings = matcher.embedder.embed_rows(rows, key=matcher.kb.fingerprint + str(len(rows)))

    def coverage(self, words: tuple[str, ...], entry_index: int, anchored: bool = False, acronyms: tuple = ()) -> float:
        """The IDF-weighted share of the question's distinct content words that the entry knows."""
        words = tuple(dict.fromkeys(words))  # "pay the fees" is one word twice after synonyms ("cost cost")
        if not words:
            return 0.0
        vocab = self.entry_vocab[entry_index]
        total = sum(self.idf.get(w, self.weight_unknown(w, acronyms)) for w in words)
        known = sum(self.idf[w] for w in words if w in vocab)
        share = known / total
        if anchored:
            share = 0.5 + 0.5 * share
        return share

    def weight_unknown(self, word: str, acronyms: tuple) -> float:
        """A word no entry of the tier knows: the most telling (another domain's), twice that for an unknown
        acronym, the least telling for a word of the catalogue (a trade, a credential's name)."""
        if word in self.domain_words:
            return DOMAIN_WORD_IDF
        return self.unknown_idf * (2 if word in acronyms else 1)

    def per_entry(self, row_scores: np.ndarray, k: int) -> np.ndarray:
        """Each entry's score: the mean of its k best row scores."""
        padded = np.append(row_scores.astype(np.float32), np.float32(-np.inf))[self.row_table]
        best = -np.partition(-padded, k - 1, axis=1)[:, :k] if k > 1 else padded.max(axis=1, keepdims=True)
        return best.mean(axis=1)

    def similarity(
        self, query: str, query_vector: np.ndarray | None, weights: Weights
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(similarity of every entry, semantic part or None) for the canonical content words ``query``."""
        row_word = _cosines(self.word_matrix, self.word_vec.transform([query]))
        row_char = _cosines(self.char_matrix, self.char_vec.transform([query]))
        row_lex = (weights.word * row_word + weights.char * row_char) * self.field_weight
        lex = self.per_entry(row_lex, weights.top_k)
        if query_vector is None or self.row_embeddings is None:
            return lex, None
        sem = self.per_entry((self.row_embeddings @ query_vector) * self.field_weight, weights.top_k)
        return (1 - weights.semantic) * lex + weights.semantic * np.clip(sem, 0, 1), sem


def _cosines(matrix, query) -> np.ndarray:
    """Cosine of every row with the (unit-length) query: only the query's own columns are read."""
    query = query.tocsr()
    if query.nnz == 0:
        return np.zeros(matrix.shape[0], dtype=np.float32)
    return np.asarray(matrix[:, query.indices] @ query.data.astype(np.float32)).ravel()


SIMILARITY_CACHE_CELLS = 2**20  # entries x texts whose similarities are kept


class Matcher:
    domain_anchors: frozenset[str] = DOMAIN_ANCHORS  # a subclass for another language names its own

    def __init__(
        self,
        kb: KnowledgeBase,
        entries: list[FaqEntry] | None = None,
        weights: Weights = Weights(),
        embedder=None,
        cache_size: int = 4096,
    ):
        self.kb = kb
        self.entries = list(entries if entries is not None else kb.faq)
        self.weights = weights
        self.embedder = embedder
        # Answers depend only on the text (and the state): repeated questions cost microseconds.
        self.analyse = functools.lru_cache(maxsize=cache_size)(self._analyse)
        self._ranked = functools.lru_cache(maxsize=cache_size)(self._rank)
        # Similarities (TF-IDF and the sentence embedding) depend on the text alone: the same question
        # in another state (or after "what about Illinois?") is ranked again from them in microseconds.
        # Each holds a few arrays as long as the knowledge base: fewer are kept for a very large one.
        per_text = min(cache_size, max(16, SIMILARITY_CACHE_CELLS // max(1, len(self.entries))))
        self._similarities = functools.lru_cache(maxsize=per_text)(self._similarities_of)
        # The sentence embedding of a (spelling-corrected) text: shared by the FAQ ranking and the
        # intent classifier, so a message is embedded once.
        self.vector = functools.lru_cache(maxsize=cache_size)(self._vector)
        self._build()

    # ---- index -------------------------------------------------------------------------
    # How a language's subclass reads its knowledge (matching_es.SpanishMatcher overrides these).
    stopwords: frozenset[str] = frozenset()  # known words the speller never offers as a correction
    spelling_min_length = 4

    @staticmethod
    def _normalise_phrasing(text: str) -> str:
        return normalise(text)

    def _build(self) -> None:
        # Words people may type: every word of the knowledge base and of the synonym list.
        raw_vocab: set[str] = set()
        for entry in self.entries:
            for _, text in phrasings(entry):
                raw_vocab.update(self._normalise_phrasing(text).split())
        for term in self.kb.synonyms.mapping:
            raw_vocab.update(term.split())
        self._spelling_vocab = sorted(
            w for w in raw_vocab if len(w) >= self.spelling_min_length and w not in self.stopwords
        )
        self._known_words = raw_vocab | self.stopwords
        self.vocabulary = {w for text in raw_vocab for w in content_words(text)} | raw_vocab
        # The catalogue's words (credentials' names and aliases, career fields) that no answer knows: a trade
        # beside a question ("can we stack a welding cert with a nursing one?") is of the domain, not another's
        catalogue = [c.name for c in self.kb.credentials] + [a for c in self.kb.credentials for a in c.aliases]
        catalogue += [f for c in self.kb.credentials for f in c.career_fields]
        # (over every entry of the knowledge, not only those indexed here: the set must not depend on them)
        answered = {w for e in self.kb.faq for _, t in phrasings(e) for w in content_words(self.canonical(t))}
        self.domain_words = {w for t in catalogue for w in content_words(self.canonical(t))} - answered
        official = [e for e in self.entries if e.official]
        supplementary = [e for e in self.entries if not e.official]
        self.official = Tier(self, official) if official else None
        self.supplementary = Tier(self, supplementary) if supplementary else None
        self._entries_knowing = sum((Counter(t.doc_freq) for t in (self.official, self.supplementary) if t), Counter())

    def names_a_topic(self, text: str) -> bool:
        """Does the text write one of the knowledge's acronyms for a topic ("CCRI", "IWIP", not "CTE"): a word in
        capitals that at most TOPIC_TERM_ENTRIES entries know? (Any rare word would be too many: answers' words.)"""
        return any(
            0 < self._entries_knowing.get(w.lower(), 0) <= TOPIC_TERM_ENTRIES
            for w in ACRONYM.findall(text)
            if w not in STATE_CODES
        )

    # ---- text --------------------------------------------------------------------------
    def correct_spelling(self, normalised: str) -> str:
        out = []
        for word in self.kb.synonyms.expand(normalised).split():
            if 3 <= len(word) <= 5 and word not in self._known_words and word not in STOPWORDS:
                # Short words: only typos of question words ("wher", "hwo"); "lunch" must not become "launch".
                best = process.extractOne(word, QUESTION_WORDS, scorer=OSA.distance, score_cutoff=1)
                if best is not None:
                    word = best[0]
            elif len(word) >= 6 and word not in self._known_words and not word.isdigit():
                best = process.extractOne(
                    word, self._spelling_vocab, scorer=OSA.distance, score_cutoff=1 if len(word) < 8 else 2
                )
                if best is not None:
                    word = best[0]
            out.append(word)
        return " ".join(out)

    def canonical(self, text: str) -> str:
        return self.kb.synonyms.apply(normalise(text))

    def _analyse(self, text: str) -> Analysis:
        corrected = self.correct_spelling(normalise(text))
        canonical = self.kb.synonyms.apply(corrected)
        acronyms = tuple(sorted({w.lower() for w in ACRONYM.findall(text)} - self._known_words))
        return Analysis(
            text=text,
            corrected=corrected,
            canonical=canonical,
            words=tuple(content_words(canonical)),
            acronyms=acronyms,
        )

    # ---- scoring -----------------------------------------------------------------------
    def rank(
        self, text: str, state: str | None = None, limit: int = 5, semantic: bool = True
    ) -> tuple[Analysis, list[Match]]:
        """The best entries for a question, best first. Results are cached by the corrected
        question and the state (parents ask the same questions): a repeat costs microseconds."""
        analysis = self.analyse(text)
        state = state or detect_state(text)
        if not analysis.words:
            return analysis, []
        ranked = self._ranked(analysis.corrected, analysis.words, analysis.acronyms, state, semantic)
        return analysis, list(ranked[:limit])

    def _rank(
        self, corrected: str, words: tuple[str, ...], acronyms: tuple[str, ...], state: str | None, semantic: bool
    ) -> tuple[Match, ...]:
        """Up to CANDIDATES entries of each tier, best first (``words`` are ``corrected``'s content words).
        An official answer wins unless a supplementary one matches clearly better: supplementary
        scores count SUPPLEMENTARY_FACTOR of their value, except when the entry knows every word
        of the question and the official candidates leave some unexplained ("the industry
        credential seal": the seal is not in the official FAQ)."""
        official_similarity, supplementary_similarity = self._similarities(corrected, words, semantic)
        anchored = any(w in self.domain_anchors for w in corrected.split())
        official = self._tier_matches(self.official, official_similarity, words, acronyms, state, anchored)
        supplementary = self._tier_matches(
            self.supplementary, supplementary_similarity, words, acronyms, state, anchored
        )
        explained = max((m.coverage for m in official[:3]), default=0.0)
        contends = bool(official) and official[0].score >= OFFICIAL_CONTENDS
        supplementary = [
            m
            if not contends or (m.coverage >= FULL_COVERAGE and m.coverage - explained >= COVERAGE_LEAD)
            else replace(m, score=m.score * SUPPLEMENTARY_FACTOR, standalone=m.score)
            for m in supplementary
        ]
        return tuple(sorted(official + supplementary, key=lambda m: -m.score))

    def _vector(self, corrected: str) -> np.ndarray | None:
        if self.embedder is None:
            return None
        vector = self.embedder.embed([corrected])[0]
        vector.flags.writeable = False
        return vector

    def _similarities_of(self, corrected: str, words: tuple[str, ...], semantic: bool) -> tuple:
        """Each tier's (similarity of every entry, semantic part or None): the same in every state."""
        query_vector = None
        if semantic and self.embedder is not None:
            query_vector = self.vector(corrected)  # typos corrected: the model knows no "credentail"
        out = []
        for tier in (self.official, self.supplementary):
            arrays = tier.similarity(" ".join(words), query_vector, self.weights) if tier else (None, None)
            for array in arrays:
                if array is not None:
                    array.flags.writeable = False  # shared by every ranking of this text
            out.append(arrays)
        return tuple(out)

    def _tier_matches(self, tier: Tier | None, similarities, words, acronyms, state, anchored: bool) -> list[Match]:
        if tier is None:
            return []
        similarity, sem = similarities
        if state:
            similarity = np.where(tier.state_of == state, similarity, similarity * OTHER_STATE_FACTOR)
        matches = []
        for i in np.argsort(-similarity)[:CANDIDATES]:
            cov = tier.coverage(words, int(i), anchored, acronyms)
            score = float(min(1.0, similarity[i] * cov**self.weights.coverage_power))
            matches.append(
                Match(tier.entries[i], score, float(similarity[i]), cov, None if sem is None else float(sem[i]))
            )
        return sorted(matches, key=lambda m: -m.score)
