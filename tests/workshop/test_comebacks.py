"""Comebacks: the same fault again within the window, or three visits for it in a year, is
found from operation codes, trouble codes or the customer's own words in es, sv and en."""

from __future__ import annotations

import datetime as dt

import pytest

from posventa.workshop.comebacks import Concern, find_comeback, same_concern

START = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


def concern(order: int, days: int, description: str, **codes: object) -> Concern:
    return Concern(
        order=order, opened_at=START + dt.timedelta(days=days), description=description, **codes
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("Ruido al frenar", "Hace ruido cuando freno"),
        ("El aire acondicionado no enfría", "Sigue sin enfriar el aire acondicionado"),
        ("Bromsarna gnisslar", "Det gnisslar när jag bromsar"),
        ("Engine warning light on", "The warning light came on again"),
    ],
)
def test_the_same_fault_in_other_words_is_the_same_concern(first: str, again: str) -> None:
    assert same_concern(concern(2, 20, again), concern(1, 0, first)) == "description"


@pytest.mark.parametrize(
    ("first", "other"),
    [
        ("Ruido al frenar", "Ruido en el motor"),
        ("Cambio de aceite", "Cambio de neumáticos"),
        ("Bromsarna gnisslar", "Byte av däck"),
    ],
)
def test_different_faults_sharing_a_word_are_not_the_same(first: str, other: str) -> None:
    assert same_concern(concern(2, 20, other), concern(1, 0, first)) == ""


def test_a_shared_operation_or_trouble_code_is_the_same_concern() -> None:
    old = concern(1, 0, "Check engine", operation_codes=frozenset({"EL-100"}))
    assert (
        same_concern(concern(2, 5, "Luz", operation_codes=frozenset({"EL-100"})), old)
        == "operation"
    )
    old = concern(1, 0, "Tirones", trouble_codes=frozenset({"P0301"}))
    assert (
        same_concern(concern(2, 5, "Vibra", trouble_codes=frozenset({"P0301"})), old)
        == "trouble code"
    )


def test_the_same_system_needs_fewer_words_in_common() -> None:
    old = concern(1, 0, "Pedal de freno esponjoso al frenar", system="brakes")
    new = concern(2, 9, "Chirrido del freno trasero", system="brakes")
    assert same_concern(new, old) == "system and description"


def test_a_return_within_the_window_is_a_comeback_of_the_latest_visit() -> None:
    visits = [concern(1, 0, "Ruido al frenar"), concern(2, 10, "Cambio de aceite")]
    comeback = find_comeback(concern(3, 25, "Hace ruido cuando freno"), visits)
    assert comeback is not None
    assert (comeback.earlier.order, comeback.within_window) == (1, True)
    assert (comeback.visits_in_year, comeback.repeated) == (2, False)


def test_a_return_after_the_window_is_no_comeback_but_still_counts_as_a_visit() -> None:
    comeback = find_comeback(
        concern(2, 60, "Hace ruido cuando freno"), [concern(1, 0, "Ruido al frenar")]
    )
    assert comeback is not None and not comeback.within_window


def test_the_window_is_configurable() -> None:
    comeback = find_comeback(
        concern(2, 40, "Hace ruido cuando freno"),
        [concern(1, 0, "Ruido al frenar")],
        window=dt.timedelta(days=45),
    )
    assert comeback is not None and comeback.within_window


def test_three_visits_for_one_fault_in_seven_months_are_repeated() -> None:
    # Seed 000: the same faults, back and forth for seven months.
    visits = [concern(1, 0, "Falla el arranque en frío"), concern(2, 95, "No arranca en frío")]
    comeback = find_comeback(concern(3, 210, "Otra vez falla el arranque en frío"), visits)
    assert comeback is not None
    assert comeback.visits_in_year == 3 and comeback.repeated
    assert comeback.earlier.order == 2


def test_visits_older_than_a_year_do_not_count_towards_repeats() -> None:
    visits = [concern(1, 0, "No arranca en frío"), concern(2, 400, "No arranca en frío")]
    comeback = find_comeback(concern(3, 420, "No arranca en frío"), visits)
    assert comeback is not None and comeback.visits_in_year == 2


def test_another_concern_of_the_same_order_is_not_a_comeback() -> None:
    assert (
        find_comeback(concern(1, 0, "Ruido al frenar"), [concern(1, 0, "Hace ruido cuando freno")])
        is None
    )


def test_a_new_fault_is_no_comeback() -> None:
    assert (
        find_comeback(concern(2, 5, "Cambio de neumáticos"), [concern(1, 0, "Ruido al frenar")])
        is None
    )
