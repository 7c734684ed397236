"""The words core and clocks show for routing are the ones the routing catalogue translates
(routing/labels.py), and they read in Spanish and Swedish."""

from __future__ import annotations

import pytest
from django.utils import translation

from posventa.clocks.catalogue import BY_CODE
from posventa.core.labels import ACTOR_LABELS, VERB_LABELS, describe_verb
from posventa.routing import labels


def test_every_routing_verb_in_core_has_its_words_in_the_routing_catalogue() -> None:
    with translation.override(None):  # the source words, whatever another test activated
        core = {verb: str(VERB_LABELS[verb]) for verb in labels.VERB_LABELS}
        actors = {key: str(ACTOR_LABELS[key]) for key in labels.ACTOR_LABELS}
    assert core == labels.VERB_LABELS
    assert actors == labels.ACTOR_LABELS


def test_the_unowned_standard_reads_as_the_catalogue_words() -> None:
    spec = BY_CODE["CASE-OWNER"]
    assert {spec.title, spec.rule} <= set(labels.STANDARD_WORDS)


@pytest.mark.parametrize("language", ["es", "sv"])
def test_routing_verbs_are_translated(language: str) -> None:
    with translation.override(language):
        for verb, english in labels.VERB_LABELS.items():
            assert describe_verb(verb) != english
