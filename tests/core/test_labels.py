"""Every event verb recorded anywhere in the code, and every automatic actor, reads as
words in English, Spanish and Swedish: never `customer.vehicle_owned` or `inbound:email`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from posventa.core.labels import ACTOR_LABELS, VERB_LABELS, describe_actor, describe_verb

SRC = Path(__file__).resolve().parents[2] / "src" / "posventa"
EVENT_WRITERS = {"record_event", "build_event", "record_clock_event", "build_clock_event"}


def _strings(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)


def verbs_in_the_code() -> set[str]:
    """Verbs passed to the event writers, assigned to `verb`, or listed in a *_VERBS map."""
    verbs: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                if name in EVENT_WRITERS and node.args:
                    verbs.update(_strings(node.args[0]))
                for keyword in node.keywords:
                    if keyword.arg == "verb":
                        verbs.update(_strings(keyword.value))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and (
                        target.id == "verb" or target.id.endswith("_VERBS")
                    ):
                        verbs.update(_strings(node.value))
    return {verb for verb in verbs if "." in verb}


def test_the_code_records_many_verbs_and_the_scan_finds_them() -> None:
    verbs = verbs_in_the_code()
    assert {"customer.vehicle_owned", "clock.breached", "case.opened"} <= verbs
    assert len(verbs) > 60


def test_every_verb_recorded_in_the_code_has_a_label() -> None:
    assert sorted(verbs_in_the_code() - set(VERB_LABELS)) == []


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_verb_label_is_translated(language: str) -> None:
    untranslated = []
    for verb, label in VERB_LABELS.items():
        with translation.override("en"):
            english = str(label)
        with translation.override(language):
            if str(label) == english:
                untranslated.append(verb)
    assert untranslated == []


@pytest.mark.parametrize("language", ["es", "sv"])
def test_every_automatic_actor_is_translated(language: str) -> None:
    with translation.override(language):
        names = {code: describe_actor(code) for code in ACTOR_LABELS}
    with translation.override("en"):
        english = {code: describe_actor(code) for code in ACTOR_LABELS}
    assert [code for code in names if names[code] == english[code]] == []


def test_a_raw_event_name_reads_as_words_in_each_language() -> None:
    with translation.override("en"):
        assert describe_verb("customer.vehicle_owned") == "Vehicle linked to the customer"
    with translation.override("es"):
        assert describe_verb("customer.vehicle_owned") == "Vehículo vinculado al cliente"
    with translation.override("sv"):
        assert describe_verb("customer.vehicle_owned") == "Fordon kopplat till kunden"


def test_admin_edits_of_any_model_have_a_label() -> None:
    with translation.override("en"):
        assert describe_verb("vehicle.admin_changed") == "Changed in the admin"
        assert describe_verb("contactpoint.admin_added") == "Added in the admin"


def test_actors_are_shown_by_human_name() -> None:
    with translation.override("en"):
        assert describe_actor("inbound:email") == "Received by e-mail"
        assert describe_actor("inbound:web_form") == "Received by the web form"
        assert describe_actor("sweeper") == "Deadline watch (automatic)"
        assert describe_actor("system") == "Posventa (automatic)"
    with translation.override("es"):
        assert describe_actor("inbound:email") == "Recibido por correo electrónico"
    with translation.override("sv"):
        assert describe_actor("sweeper") == "Bevakning av tidsfrister (automatiskt)"
