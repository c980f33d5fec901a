"""The language of each message, English or Spanish, detected offline.

Parents write short and mixed messages ("hola", "el certificado de ServSafe cuesta?", "la high
school de mi hijo"), so two signals are combined:
- function words: parents borrow English nouns ("high school", "credential", "ServSafe") but keep
  their own grammar ("la ... de mi hijo"), so the little words say which language is being written;
  accents, "ñ", "¿" and "¡" count for Spanish;
- lingua (lingua-language-detector, only its English and Spanish models loaded) on what is left
  once names, brands, acronyms, numbers and addresses are taken out.
A turn with nothing to go on ("ok", "2", an email address, "ServSafe") keeps the conversation's
previous language; so does a turn that is ambiguous (a single word both languages use: "no", "final").

lingua is optional at import time: without it the function words decide alone (less accurate on
sentences without any, never wrong on an empty signal), and ``detector_available()`` says so.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from .text import fold
from .text_es import strip_accents

Lang = Literal["en", "es"]
LANGUAGES: tuple[Lang, ...] = ("en", "es")

# Words that say nothing of the language: places, agencies, credential brands and exams,
# and English words Spanish speakers use as they are.
NEUTRAL = frozenset(
    """ohio illinois chicago cicero aurora elgin waukegan joliet columbus cleveland cincinnati toledo akron dayton
isbe ode irc ircs cte ccri ccpe iwip ncrc omj gpa sat act osha servsafe comptia workkeys webxam webxams amatrol
microsoft adobe cisco aws nims nccer asep ase cna stna cdl emt cpr hvac epa ohiomeansjobs successbound
email mail gmail ok okay oki hmm ah eh jaja lol""".split()
)
SPANISH_WORDS = frozenset(
    """el la los las un una unos unas de del al que qué y o pero para por con sin en es son está están estar ser
soy eres mi mis tu su sus nuestro nuestra le les lo se me te nos yo usted ustedes ella él ellos hay como cómo
cuánto cuanto cuánta cuantos cuántos cuál cual cuáles dónde donde cuándo cuando quién quien porque también
muy más mas este esta esto estos estas ese esa eso hijo hija hijos hijas niño niña escuela puede pueden
necesita necesito tiene tienen tengo quiero quisiera saber hola gracias buenos buenas días dias tardes noches
sí si bueno favor ayuda cuesta cuestan sacar obtener credencial credenciales certificado certificación
certificacion licencia lista puntos graduarse graduación graduacion ya año ano qué entonces también pues
hablo español espanol ingles inglés adiós adios vale claro ahora luego gratis""".split()
)
ENGLISH_WORDS = frozenset(
    """the a an of and or but for with without in on at is are was were be been am do does did have has had
my your his her our their it its this that these those there what which who whom whose where when why how
can could would should will shall may might much many some any not don't doesn't i i'm you we they he she me
him us them to from about into than then hi hello hey thanks thank please yes yeah yep bye goodbye need want
know get got does
speak english spanish sure great good morning
thx thnx ty pls plz u ur""".split()  # English texting shorthand ("k thx"; not "k", Spanish texting's "que")
)
# One-word turns that say the language by themselves.
STRONG = {
    "es": frozenset(
        "hola gracias sí adiós adios buenas buenos ayuda español espanol porfa ándale orale órale como cómo qué cuánto".split()
    ),
    "en": frozenset("hello hi hey thanks thank yes yeah yep bye goodbye please english help more".split()),
}
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_SPANISH_MARKS = re.compile(r"[¿¡ñáéíóú]")
ACRONYM = re.compile(r"^[A-Z0-9+#-]{2,}$")
LINGUA_WEIGHT = 3.0  # lingua's vote, in function words, when it is sure; scaled by its confidence


@functools.cache
def _lingua():
    """lingua's detector with only English and Spanish, built once, in low-accuracy mode (trigram
    models only): about 10 MB resident against about 85 MB for the high-accuracy mode, and with the
    function words it scored 95.9 % against 97.3 % on bench/language.py's messages (one message apart)."""
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).with_low_accuracy_mode().build()


def detector_available() -> bool:
    return _lingua() is not None


def _words(text: str) -> list[str]:
    """The message's words that can carry a language: no addresses, numbers, acronyms or names."""
    text = _ADDRESS.sub(" ", text)
    words = []
    for raw in _TOKEN.findall(text):
        if ACRONYM.match(raw):
            continue  # OSHA, CTE, IT, A+
        word = fold(raw)
        if word in NEUTRAL or strip_accents(word) in NEUTRAL:
            continue
        words.append(word)
    return words


def _spanish_probability(text: str) -> float | None:
    detector = _lingua()
    if detector is None or not text:
        return None
    values = {c.language.name: c.value for c in detector.compute_language_confidence_values(text)}
    total = values.get("SPANISH", 0.0) + values.get("ENGLISH", 0.0)
    return values.get("SPANISH", 0.0) / total if total > 0 else None


def scores(text: str) -> tuple[float, float]:
    """(Spanish evidence, English evidence) for a message, in function-word units."""
    words = _words(text)
    es = sum(w in SPANISH_WORDS for w in words) + 2.0 * len(_SPANISH_MARKS.findall(fold(text)))
    es += 1.0 if "¿" in text or "¡" in text else 0.0
    en = float(sum(w in ENGLISH_WORDS for w in words))
    probability = _spanish_probability(" ".join(words))
    if probability is not None:
        # lingua's lean, worth up to LINGUA_WEIGHT words; a coin toss (0.5) adds nothing
        lean = (probability - 0.5) * 2 * LINGUA_WEIGHT * min(1.0, len(words) / 4)
        if lean > 0:
            es += lean
        else:
            en -= lean
    return es, en


@functools.lru_cache(maxsize=4096)
def _detect(text: str, previous: Lang | None) -> Lang:
    words = _words(text)
    fallback: Lang = previous or "en"
    if not words:
        return fallback
    if len(words) == 1:
        for lang in LANGUAGES:
            if words[0] in STRONG[lang] or strip_accents(words[0]) in STRONG[lang]:
                return lang
        if not _SPANISH_MARKS.search(words[0]):
            # one ordinary word ("no", "final", "servicio"): switch only on a clear lean
            es, en = scores(text)
            return "es" if es - en >= 2.5 else "en" if en - es >= 2.5 else fallback
    es, en = scores(text)
    if abs(es - en) < 0.75:
        return fallback
    return "es" if es > en else "en"


def detect(text: str, previous: str | None = None) -> Lang:
    """'en' or 'es' for one message; ``previous`` (the conversation's language so far) is kept when
    the message gives no clear sign ("ok", "2", an email address, a credential's name)."""
    prev: Lang | None = "es" if previous == "es" else "en" if previous == "en" else None
    return _detect(text.strip(), prev)


def warm() -> None:
    """Load lingua's models now (about 0.15 s) rather than on a parent's first message: call at start-up."""
    _spanish_probability("hola, buenos días")
