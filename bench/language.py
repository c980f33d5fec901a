"""Language detection: accuracy on messages written after the detector was tuned, time per call and
memory, for credbot.language.detect and for lingua alone (high- and low-accuracy modes).

    python bench/language.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SPANISH = [
    "buenas noches, una pregunta",
    "mi hija quiere ser enfermera, que credencial le sirve",
    "cuanto tiempo tarda en sacar la certificacion",
    "la escuela no me ha dicho nada del examen",
    "y eso cuanto cuesta",
    "ta bien, gracias",
    "el maestro de mi hijo dice que es obligatorio",
    "en Aurora hay programa de CNA?",
    "mi muchacho esta en la high school de Cicero",
    "se puede hacer en linea?",
    "quiero saber de los puntos",
    "a que edad se puede sacar",
    "tiene que pagar uno?",
    "cual es la diferencia entre credencial y licencia",
    "dónde lo veo",
    "necesito hablar con alguien",
    "mi hijo reprobó el examen, lo puede repetir?",
    "perdon no entendi",
    "claro que si",
    "el senior year cuenta?",
    "le dan diploma con eso?",
    "mi esposo y yo queremos saber",
    "otra pregunta",
    "cuál me recomienda",
    "hay clases en español?",
    "es para el job de mi hija",
    "como se dice credential en español",
    "oiga y el ServSafe cuanto vale",
    "ya tiene el OSHA 10, que sigue",
    "mándeme la información a mi correo",
]
ENGLISH = [
    "good evening, quick question",
    "my daughter wants to be a nurse, which credential helps",
    "how long does it take to get certified",
    "the school hasn't told me anything about the exam",
    "and how much is that",
    "ok thanks",
    "his teacher says it's mandatory",
    "is there a CNA program in Aurora?",
    "can it be done online?",
    "I want to know about the points",
    "at what age can you get it",
    "do we have to pay?",
    "what's the difference between a credential and a license",
    "where can I see it",
    "I need to talk to someone",
    "my son failed the exam, can he retake it?",
    "sorry I didn't understand",
    "sure",
    "does senior year count?",
    "which one do you recommend",
    "send the information to my email",
    "another question",
    "is that on the list",
    "what does the seal mean",
    "nope",
]
NEUTRAL = ["3", "ok", "CNA", "CompTIA", "maria.g@example.org", "OSHA 30", "A+", "Ohio", "2027"]


def accuracy(fn) -> tuple[float, list[str]]:
    wrong = []
    cases = (
        [(t, "es", "en") for t in SPANISH]
        + [(t, "en", "es") for t in ENGLISH]
        + [(t, p, p) for t in NEUTRAL for p in ("es", "en")]
    )
    for text, expect, previous in cases:
        if fn(text, previous) != expect:
            wrong.append(f"{text!r} (previous {previous})")
    return 1 - len(wrong) / len(cases), wrong


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def main() -> None:
    from lingua import Language, LanguageDetectorBuilder

    from credbot import language

    original = language._lingua
    for mode in ("low", "high"):
        before = rss_mb()
        builder = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        detector = (builder.with_low_accuracy_mode() if mode == "low" else builder).build()
        language._detect.cache_clear()
        language._lingua = lambda d=detector: d  # type: ignore[assignment]

        def lingua_alone(text, previous, d=detector):
            found = d.detect_language_of(text)
            if found is None:
                return previous
            return "es" if found == Language.SPANISH else "en"

        acc, wrong = accuracy(language.detect)
        alone, _ = accuracy(lingua_alone)
        started = time.perf_counter()
        n = 0
        for _ in range(20):
            for text in SPANISH + ENGLISH:
                language._detect.__wrapped__(text, None)
                n += 1
        per_call = (time.perf_counter() - started) / n * 1e6
        print(
            f"lingua {mode}-accuracy mode: credbot.language.detect {acc:.1%}, lingua alone {alone:.1%}, "
            f"{per_call:.0f} µs per uncached call, resident memory +{rss_mb() - before:.0f} MB for its models"
        )
        for w in wrong:
            print("   wrong:", w)
    language._lingua = lambda: None  # type: ignore[assignment]
    language._detect.cache_clear()
    acc, wrong = accuracy(language.detect)
    language._lingua = original
    print(f"function words alone (no lingua): {acc:.1%}")


if __name__ == "__main__":
    main()
