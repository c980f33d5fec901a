"""Which knowledge answers a question: the credentials catalogue or the FAQ.

A question that asks the catalogue's kind of thing (what is X, who issues X, X's points, is X on
a list, show me ... credentials) goes to the catalogue; otherwise a confident FAQ answer wins
over a mere mention of a credential ("what WorkKeys score is needed?" is about graduation rules,
not about WorkKeys)."""

from __future__ import annotations

import re

from ..catalogue import Catalogue, ListQuery
from ..knowledge import KnowledgeBase
from ..matching import Matcher
from ..text import content_words
from .answers import FaqReplies
from .credentials import CredentialReplies
from .message import Message
from .reply import Reply
from .sessions import Session

PRONOUN = re.compile(r"\b(it|that|this|they|them|that one|this one)\b")
PLURAL_KIND = re.compile(r"\b(credentials|certifications|certs|certificates|licenses)\b")
LIST_WORDS = re.compile(
    r"\b(show|which|are there|options|available|what credentials|what certifications)\b|\blist (of|all)\b|^list\b"
)


class Router:
    def __init__(
        self,
        kb: KnowledgeBase,
        matcher: Matcher,
        catalogue: Catalogue,
        faq: FaqReplies,
        credentials: CredentialReplies,
    ):
        self.kb, self.matcher, self.catalogue = kb, matcher, catalogue
        self.faq, self.credentials = faq, credentials

    def route(self, message: Message, session: Session) -> Reply:
        text, n = message.text, message.normalised
        thresholds = self.faq.thresholds
        hits = self.catalogue.find_names(text)
        unknown = self.credentials.unknown_name(text)
        if unknown:
            return self.credentials.not_in_catalogue(unknown, hits, session)
        _, matches = self.matcher.rank(text, session.state)
        faq_confident = bool(matches) and matches[0].score >= thresholds.answer
        if hits and (self.credentials.asks_catalogue(n, hits[0].matched) or not faq_confident):
            if len(hits) > 1:
                return self.credentials.choices(hits, text, session)
            return self.credentials.credential(hits[0].credential, n, session)
        if session.last_credential_id and PRONOUN.search(n) and self.credentials.asks_catalogue(n, "it"):
            return self.credentials.credential(self.kb.credential_by_id[session.last_credential_id], n, session)
        list_query = self.catalogue.parse_list_query(text, session.state)
        faq_sure = bool(matches) and matches[0].score >= thresholds.sure
        if list_query and self.is_list_request(n, list_query, faq_sure):
            return self.credentials.listing(list_query, session)
        return self.faq.faq(text, matches, session)

    @staticmethod
    def is_list_request(n: str, query: ListQuery, faq_sure: bool) -> bool:
        """Explicit list words always list; otherwise a short "<field> credentials" does, unless the FAQ
        answers it with confidence ("hospitality certifications" is a list, not "what is a credential?")."""
        plural = PLURAL_KIND.search(n)
        if query.points is not None and plural:
            return True
        if LIST_WORDS.search(n):
            return True
        return bool(plural) and len(content_words(n)) <= 4 and not faq_sure
