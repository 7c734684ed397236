"""Cost of turning raw e-mail bytes into an `InboundMessage`: `normalise.parse("email", ...)`.

Parsing only: no database, no Django. The corpus is drawn with the fixed seeds of the other
ingestion benches, so it is what they feed `ingest`:

* ``short``: `bench/ingest.py`'s mix: short text/plain messages (new, follow-ups, quoted
  references, out-of-office answers).
* ``typical``: `bench/ingest_vs_helpdesk.py`'s messages without an attachment:
  quoted-printable text, half of them text + HTML, replies with In-Reply-To/References.
* ``attachment``: the same generator's messages with a PDF or photo (2-15 KB) attached.
* ``long``: made here: 5-7 KB of text + HTML under the header block a big provider adds
  (Received chain, DKIM and ARC signatures), as a long customer e-mail arrives.

    python bench/parse_email.py [--quick]

Each message is parsed once untimed (warm-up), then timed one by one over several rounds;
a message's figure is its fastest round (the least disturbed by the rest of the machine).
The re module's cache is emptied before each round: the stdlib parser compiles a regex for
every MIME boundary (~140 µs), and a real message's boundary is never seen twice.
The target is on the p95 of ``short`` and ``typical`` together. The last line printed is
one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import base64
import random
import re
import statistics
import sys
import time
from email.message import EmailMessage
from pathlib import Path

# The other benches (whose generators make the corpus) and posventa from this checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import _common
import ingest
import ingest_vs_helpdesk
from posventa.inbox import normalise

TARGET_MICROSECONDS = 300  # a typical message of a few KB, per the ingestion budget
SEED = 20260420


def corpus(count: int) -> dict[str, list[bytes]]:
    """`count` short messages, `count` richer ones and `count // 10` long ones."""
    short, _ = ingest.generate_messages(count)
    rich = ingest_vs_helpdesk.generate(count)
    rng = random.Random(SEED)
    return {
        "short": short,
        "typical": [message.raw for message in rich if not message.attachment],
        "attachment": [message.raw for message in rich if message.attachment],
        "long": [long_message(rng, number) for number in range(count // 10)],
    }


def long_message(rng: random.Random, number: int) -> bytes:
    """A long text + HTML e-mail under a big provider's header block. Invented content."""
    trace = "".join(
        f"Received: from mx{hop}.correo.example (mx{hop}.correo.example [192.0.2.{hop + 1}])\n"
        f"\tby mx.taller.example with ESMTPS id {rng.getrandbits(64):016x};\n"
        f"\tMon, 02 Mar 2026 08:0{hop}:00 +0100\n"
        for hop in range(6)
    )
    for name in ("DKIM-Signature", "ARC-Seal", "ARC-Message-Signature"):
        signature = base64.b64encode(rng.randbytes(190)).decode()
        folded = "\n\t".join(signature[start : start + 72] for start in range(0, 256, 72))
        trace += f"{name}: i=1; a=rsa-sha256; d=correo.example; s=s1;\n\tb={folded}\n"
    message = EmailMessage()
    message["From"] = f"Cliente Largo {number} <cliente.largo{number}@correo.example>"
    message["To"] = "Taller Banco <taller@bench.example>"
    message["Subject"] = f"Re: Presupuesto de la distribución ({number})"
    message["Message-ID"] = f"<long-{number}@correo.example>"
    paragraph = (
        "Buenos días: el coche hace un ruido metálico al arrancar en frío y, desde la última "
        "revisión, la luz del motor se enciende a ratos. ¿Pueden darme cita esta semana?\n"
    )
    text = paragraph * rng.randrange(6, 12)
    message.set_content(text)
    html = "".join(f"<p>{line}</p>" for line in text.splitlines())
    message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    return trace.encode() + bytes(message)


def time_each(messages: list[bytes], rounds: int) -> list[float]:
    """Microseconds per message: the fastest of `rounds` timed parses of each."""
    for raw in messages:
        normalise.parse("email", raw, {})
    best = [float("inf")] * len(messages)
    for _ in range(rounds):
        re.purge()
        for index, raw in enumerate(messages):
            started = time.perf_counter_ns()
            normalise.parse("email", raw, {})
            elapsed = (time.perf_counter_ns() - started) / 1000
            best[index] = min(best[index], elapsed)
    return best


def figures(timings: list[float], messages: list[bytes]) -> dict[str, float]:
    mean = statistics.fmean(timings)
    return {
        "messages": len(timings),
        "mean_bytes": round(statistics.fmean(len(raw) for raw in messages)),
        "us_per_message_mean": round(mean, 1),
        "us_per_message_p95": round(_common.percentile(timings, 0.95), 1),
        "messages_per_second": round(1_000_000 / mean, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="300 + 300 + 30 messages, not ten times that"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per message")
    args = parser.parse_args()
    count = 300 if args.quick else 3000

    kinds = corpus(count)
    results = {}
    timings: dict[str, list[float]] = {}
    for kind, messages in kinds.items():
        timings[kind] = time_each(messages, args.rounds)
        results[kind] = figures(timings[kind], messages)
        print(
            f"{kind:>10}: {results[kind]['us_per_message_mean']:8.1f} µs/msg mean  "
            f"{results[kind]['us_per_message_p95']:8.1f} µs p95  "
            f"{results[kind]['messages_per_second']:9.1f} msg/s  "
            f"({len(messages)} messages, {results[kind]['mean_bytes']} bytes mean)"
        )
    typical = figures(timings["short"] + timings["typical"], kinds["short"] + kinds["typical"])
    overall = figures(
        [value for values in timings.values() for value in values],
        [raw for messages in kinds.values() for raw in messages],
    )
    print(
        f"{'all':>10}: {overall['us_per_message_mean']:8.1f} µs/msg mean  "
        f"{overall['us_per_message_p95']:8.1f} µs p95  {overall['messages_per_second']:9.1f} msg/s"
    )
    print(
        f"short + typical p95: {typical['us_per_message_p95']:.1f} µs "
        f"(target < {TARGET_MICROSECONDS} µs)"
    )
    _common.emit(
        {
            "benchmark": "parse_email",
            **overall,
            "typical_us_per_message_p95": typical["us_per_message_p95"],
            "target_us_per_message": TARGET_MICROSECONDS,
            "meets_target": typical["us_per_message_p95"] < TARGET_MICROSECONDS,
            "kinds": results,
        }
    )


if __name__ == "__main__":
    main()
