"""A customer who quotes her case reference joins that case, wherever she puts it: in the
subject with or without the brackets of our subjects, or where she starts writing. A
reference of another dealer group, or one no site could have minted, opens a new case."""

from __future__ import annotations

import pytest

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.inbox.threading import OPENING_LINES, opening_of
from tests.inbox.factories import case_of, receive_email
from tests.inbox.test_batch_ingest import _site

OTHER = "Otra Persona <otra.persona@example.org>"  # not the customer: no topic to match


@pytest.fixture
def case(madrid: Site) -> Case:
    return case_of(receive_email(madrid, subject="Garantía de la batería"))


@pytest.mark.parametrize(
    "subject",
    [
        "{ref}",
        "Consulta sobre {ref}",
        "Re: mi caso {ref}, ¿novedades?",
        "{lower} otra vez",
        "Caso ({ref})",
        "[{ref}]",
    ],
)
def test_a_reference_quoted_in_a_new_subject_joins_its_case(
    madrid: Site, case: Case, subject: str
) -> None:
    raw = receive_email(
        madrid,
        from_=OTHER,
        subject=subject.format(ref=case.reference, lower=case.reference.lower()),
    )
    assert case_of(raw) == case


@pytest.mark.parametrize(
    "body",
    [
        "{ref}",
        "Hola,\n\nMi referencia es {ref}. ¿Está lista la furgoneta?",
        "Buenos días\nSoy la clienta del coche rojo\nLa semana pasada\nescribí por la batería\n"
        "Referencia: {ref}",
    ],
)
def test_a_reference_in_the_first_lines_of_the_body_joins_its_case(
    madrid: Site, case: Case, body: str
) -> None:
    raw = receive_email(
        madrid, from_=OTHER, subject="Una pregunta", body=body.format(ref=case.reference)
    )
    assert case_of(raw) == case


@pytest.mark.parametrize(
    "body",
    [
        "Hola\n" * OPENING_LINES + "Referencia: {ref}",  # the sixth line
        "Una pregunta nueva.\n\n> Su caso {ref} está registrado.",
        "Una pregunta nueva.\n\nEl lun, 9 mar 2026 a las 10:00, Taller escribió:\nCaso {ref}",
        "Una pregunta nueva.\n\nOn Mon, 9 Mar 2026, Taller wrote:\nCase {ref}",
        "Una pregunta nueva.\n\n-----Original Message-----\nCase {ref}",
        "Una pregunta nueva.\n-- \nAna, taller {ref}",
        "Ver factura X{ref}",  # inside a longer token
    ],
)
def test_a_reference_the_customer_only_quotes_or_signs_opens_a_new_case(
    madrid: Site, case: Case, body: str
) -> None:
    raw = receive_email(
        madrid, from_=OTHER, subject="Una pregunta", body=body.format(ref=case.reference)
    )
    assert case_of(raw) != case


def test_the_subject_counts_before_the_body(madrid: Site, case: Case) -> None:
    other = case_of(receive_email(madrid, from_=OTHER, subject="Neumáticos"))
    raw = receive_email(
        madrid,
        from_="Tercera <tercera@example.org>",
        subject=f"Sobre {other.reference}",
        body=f"Antes tuve el caso {case.reference}.",
    )
    assert case_of(raw) == other


@pytest.mark.parametrize("subject", ["{ref}", "[{ref}]", "Sobre {ref}"])
def test_a_reference_of_another_dealer_group_opens_a_case_in_this_one(
    madrid: Site, subject: str
) -> None:
    elsewhere = _site("madrigal")  # another group whose references also start with MAD
    theirs = case_of(receive_email(elsewhere, subject="Garantía", to="taller@madrigal.example"))

    raw = receive_email(madrid, from_=OTHER, subject=subject.format(ref=theirs.reference))

    mine = case_of(raw)
    assert mine != theirs and mine.organisation_id == madrid.organisation_id


def test_a_reference_no_site_could_have_minted_opens_a_new_case(madrid: Site, case: Case) -> None:
    raw = receive_email(madrid, from_=OTHER, subject="Factura ZZZ-2026-00001", body="ZZZ-2026-1")
    assert case_of(raw) != case
    assert Case.objects.count() == 2


def test_the_opening_is_the_customers_own_first_lines() -> None:
    text = "\n\n  Hola  \n> citado\nuno\ndos\ntres\ncuatro\ncinco\nseis\n"
    assert opening_of(text) == "Hola\nuno\ndos\ntres\ncuatro"
    assert len(opening_of("x" * 5000)) == 500
