"""Spanish text, folded for matching: accents dropped, Spanish stopwords removed. Pure functions; no I/O.

credbot.text.normalise keeps only ASCII letters, so "¿cuánto cuesta?" would lose its "á"; Spanish
is folded to ASCII first (parents often type without accents anyway: "cuanto", "certificacion",
"ano"), so typed and knowledge text meet on the same form.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping

from .text import Synonyms, normalise

__all__ = ["SPANISH_STOPWORDS", "normalise_es", "spanish_synonyms", "strip_accents", "without_stopwords"]


def strip_accents(text: str) -> str:
    """'¿Cuánto cuesta la certificación?' -> '¿Cuanto cuesta la certificacion?' (ñ -> n, ü -> u)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=8192)
def normalise_es(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: no accents, no punctuation (¿¡ included)."""
    return normalise(strip_accents(text))


# Function words that carry no topic. Question words that do ("como", "cuanto", "quien", "donde",
# "porque") are kept, as the English matcher keeps "how", "who" and "where".
SPANISH_STOPWORDS = frozenset(
    """
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bien bueno buenas buenos cada
con contra cual cuales de del desde dia dias dicen digo dime durante e el ella ellas ellos en entonces entre
era eres es esa esas ese eso esos esta estan estar estas este esto estos estoy favor fue gracias ha hay
hola la las le les lo los me mi mis mucho muchos muy nada ni no nos nosotros o oiga oigan oye para pero
poco por pues q que quisiera quiero saber se sea ser si sin sobre solo somos son soy su sus tambien tan
tanto te tengo ti tiene tienen toda todas todo todos tu tus u un una unas uno unos usted ustedes vez y ya yo
ok okay pls porfa porfavor disculpe disculpa perdon quisieramos ver mire fijese dice dijo cierto verdad
""".split()
)


def without_stopwords(folded: str) -> str:
    """The folded text without Spanish function words ("la credencial de mi hijo" -> "credencial hijo")."""
    return " ".join(w for w in folded.split() if w not in SPANISH_STOPWORDS)


def spanish_synonyms(groups: Iterable[Mapping], shorthand: Mapping[str, str] | None = None) -> Synonyms:
    """Synonyms over accent-folded text; each canonical term also maps to itself, so a phrase that
    contains a shorter term ("licencia de manejar") is rewritten whole before its parts. ``shorthand``:
    Spanish texting's abbreviations ("xq" -> "porque"), spelled out before spelling correction."""
    folded = []
    for group in groups:
        canonical = normalise_es(group["canonical"])
        terms = [normalise_es(t) for t in group["terms"]]
        folded.append({"canonical": canonical, "terms": [canonical, *terms] if " " in canonical else terms})
    return Synonyms(folded, {normalise_es(k): normalise_es(v) for k, v in (shorthand or {}).items()})
