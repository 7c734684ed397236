"""The words core and clocks show for complaints are the ones the complaints catalogue
translates (complaints/labels.py)."""

from __future__ import annotations

from posventa.clocks.catalogue import BY_CODE
from posventa.complaints import labels
from posventa.core.labels import VERB_LABELS


def test_every_complaint_verb_in_core_has_its_words_in_the_complaints_catalogue() -> None:
    core = {
        verb: str(label) for verb, label in VERB_LABELS.items() if verb.startswith("complaint.")
    }
    assert core == labels.VERB_LABELS


def test_the_complaint_standards_read_as_the_catalogue_words() -> None:
    for code in ("COMPLAINT-ACK", "COMPLAINT-OPEN"):
        assert {BY_CODE[code].title, BY_CODE[code].rule} <= set(labels.STANDARD_WORDS)
