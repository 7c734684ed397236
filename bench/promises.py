"""Promise detection speed: the composer reads every outgoing staff message for promises.

Target: under 1 ms per message (p95) on messages up to 5,000 characters.

    python bench/promises.py [--quick] [--messages N]

Messages of 200 to 5,000 characters in Spanish, Swedish and English are built from sentences
a service reply is made of: greetings, what was done (past acts, which the first pass cannot
tell from promises by their words alone), prices, opening hours, and one or two promises.
Each message is timed on its own (perf_counter around one call), after a warm-up.

The last line printed is one JSON object with `detect_p95_ms`. The hold check of issue 11
(`hold_check_p95_ms`) joins it when holds exist.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # bench/ is on the path: the script's own folder

_common.use_checkout()

from posventa.promises.detection import detect_promises  # noqa: E402

TARGET_P95_MS = 1.0
MAX_CHARS = 5_000
SENTENCES = {
    "es": {
        "filler": [
            "Gracias por su mensaje y disculpe las molestias.",
            "Ayer revisamos los frenos y cambiamos las pastillas delanteras.",
            "Le llamamos anoche pero no contestó.",
            "El presupuesto incluye la mano de obra y el IVA.",
            "Nuestro horario es de lunes a viernes de 8:00 a 19:00.",
            "La pieza llegó esta mañana del almacén central.",
            "No podemos confirmar la garantía sin la factura de compra.",
            "¿Le viene bien pasar a recoger el coche el jueves?",
        ],
        "promise": [
            "Un técnico le llamará mañana para explicarle el diagnóstico.",
            "Le enviaremos el presupuesto en 2 días.",
        ],
    },
    "sv": {
        "filler": [
            "Tack för ditt meddelande och ursäkta dröjsmålet.",
            "Vi bytte bromsklossarna fram igår.",
            "Vi ringde dig i måndags men du svarade inte.",
            "Offerten omfattar arbete och moms.",
            "Våra öppettider är måndag till fredag 8 till 18.",
            "Delen kom i morse från centrallagret.",
            "Vi kan inte bekräfta garantin utan kvittot.",
            "Passar det att hämta bilen på torsdag?",
        ],
        "promise": [
            "En tekniker återkommer till dig i morgon.",
            "Vi skickar offerten inom två dagar.",
        ],
    },
    "en": {
        "filler": [
            "Thank you for your message and sorry for the wait.",
            "We replaced the front brake pads yesterday.",
            "We called you last night but there was no answer.",
            "The estimate includes labour and VAT.",
            "Our opening hours are Monday to Friday, 8:00 to 18:00.",
            "The part arrived this morning from the central warehouse.",
            "We cannot confirm the warranty without the receipt.",
            "Would Thursday suit you to collect the car?",
        ],
        "promise": [
            "A technician will call you tomorrow to explain the diagnosis.",
            "We'll send you the quote within 2 days.",
        ],
    },
}


def message(rng: random.Random, language: str, length: int) -> str:
    parts = SENTENCES[language]
    sentences: list[str] = []
    while sum(len(s) + 1 for s in sentences) < length:
        sentences.append(rng.choice(parts["filler"]))
    for promise in rng.sample(parts["promise"], k=rng.randint(1, 2)):
        sentences.insert(rng.randrange(len(sentences) + 1), promise)
    return " ".join(sentences)[:MAX_CHARS]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 messages instead of 3,000")
    parser.add_argument("--messages", type=int, help="how many messages (overrides --quick)")
    args = parser.parse_args()
    count = args.messages or (300 if args.quick else 3_000)
    rng = random.Random(20261203)
    languages = list(SENTENCES)
    messages = [message(rng, languages[n % 3], rng.randint(200, MAX_CHARS)) for n in range(count)]
    for text in messages[:50]:
        detect_promises(text)
    timings, found = [], 0
    for text in messages:
        started = time.perf_counter()
        found += len(detect_promises(text))
        timings.append((time.perf_counter() - started) * 1000)
    longest = [t for t, text in zip(timings, messages, strict=True) if len(text) >= 4_500]
    summary = {
        "benchmark": "promises",
        "messages": count,
        "promises_found": found,
        "detect_p50_ms": round(_common.percentile(timings, 0.50), 3),
        "detect_p95_ms": round(_common.percentile(timings, 0.95), 3),
        "detect_max_ms": round(max(timings), 3),
        "detect_p95_ms_over_4500_chars": round(_common.percentile(longest, 0.95), 3)
        if longest
        else None,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": _common.percentile(timings, 0.95) < TARGET_P95_MS,
    }
    print(
        f"{count} messages of 200-{MAX_CHARS} characters: p50 {summary['detect_p50_ms']} ms, "
        f"p95 {summary['detect_p95_ms']} ms, max {summary['detect_max_ms']} ms; "
        f"{found} promises found"
    )
    _common.emit(summary)


if __name__ == "__main__":
    main()
