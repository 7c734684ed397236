"""Promise detection against its tested phrase set, in Spanish, Swedish and English."""

from __future__ import annotations

import pytest

from posventa.promises.detection import detect_promises
from tests.promises import phrases

POSITIVE = (
    [("en", *row) for row in phrases.ENGLISH_POSITIVE]
    + [("es", *row) for row in phrases.SPANISH_POSITIVE]
    + [("sv", *row) for row in phrases.SWEDISH_POSITIVE]
)
NEGATIVE = (
    [("en", text) for text in phrases.ENGLISH_NEGATIVE]
    + [("es", text) for text in phrases.SPANISH_NEGATIVE]
    + [("sv", text) for text in phrases.SWEDISH_NEGATIVE]
)


@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_the_phrase_set_has_at_least_forty_examples_each_way(language: str) -> None:
    assert sum(1 for row in POSITIVE if row[0] == language) >= 40
    assert sum(1 for row in NEGATIVE if row[0] == language) >= 40


@pytest.mark.parametrize(("language", "text", "act", "actor", "kind"), POSITIVE)
def test_a_promise_is_found_with_its_act_actor_and_time(
    language: str, text: str, act: str, actor: str, kind: str | None
) -> None:
    found = detect_promises(text)
    assert len(found) == 1, f"{text!r}: {found}"
    [promise] = found
    assert (promise.language, promise.act, promise.actor) == (language, act, actor)
    assert (promise.when.kind if promise.when else None) == kind


@pytest.mark.parametrize(("language", "text"), NEGATIVE)
def test_no_promise_is_proposed_for_a_negation_a_past_act_or_a_request(
    language: str, text: str
) -> None:
    assert detect_promises(text) == []


def test_a_whole_reply_proposes_only_its_promise_and_says_where_it_is() -> None:
    reply = (
        "Buenos días, Sra. Ortega:\n"
        "Ayer revisamos el coche y no encontramos la avería. "
        "Un técnico le llamará mañana para explicarle el diagnóstico. "
        "¿Le viene bien por la tarde?\nUn saludo."
    )
    [promise] = detect_promises(reply)
    assert (promise.act, promise.actor, promise.when.kind if promise.when else None) == (
        "call",
        "technician",
        "tomorrow",
    )
    start, end = promise.span
    assert reply[start:end].strip() == promise.sentence
    assert promise.sentence.startswith("Un técnico le llamará mañana")


def test_two_promises_in_one_message_are_both_proposed() -> None:
    reply = "We'll check the battery today. Then Maria will call you tomorrow."
    found = detect_promises(reply)
    assert [(p.act, p.actor, p.actor_name) for p in found] == [
        ("check", "we", ""),
        ("call", "person", "Maria"),
    ]


def test_a_message_with_no_act_at_all_is_not_read_sentence_by_sentence() -> None:
    assert detect_promises("Gracias. " * 600) == []
