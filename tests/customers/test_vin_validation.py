"""VINs: 17 ISO 3779 characters; the check digit is enforced where the region mandates it.

The check digits below are computed here from the ISO 3779 weights and transliteration,
independently of the code under test, so a wrong table in the product would show.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.customers.validation import VinCheck, normalise_vin

WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
TRANSLITERATION = {
    "A": 1,
    "B": 2,
    "C": 3,
    "D": 4,
    "E": 5,
    "F": 6,
    "G": 7,
    "H": 8,
    "J": 1,
    "K": 2,
    "L": 3,
    "M": 4,
    "N": 5,
    "P": 7,
    "R": 9,
    "S": 2,
    "T": 3,
    "U": 4,
    "V": 5,
    "W": 6,
    "X": 7,
    "Y": 8,
    "Z": 9,
}


def check_digit(vin: str) -> str:
    values = [int(c) if c.isdigit() else TRANSLITERATION[c] for c in vin]
    remainder = sum(v * w for v, w in zip(values, WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def with_check_digit(template: str) -> str:
    """Fill the '_' in position 9 with the correct check digit."""
    assert len(template) == 17 and template[8] == "_"
    return template[:8] + check_digit(template.replace("_", "0")) + template[9:]


def with_wrong_check_digit(template: str) -> str:
    right = with_check_digit(template)
    wrong = "3" if right[8] != "3" else "4"
    return right[:8] + wrong + right[9:]


NORTH_AMERICAN = "1FTFW1E5_PFA12345"  # invented, US pick-up style
MEXICAN = "3VWDX7AJ_DM123456"
CHINESE = "LSGJA52U_CH123456"
SWEDISH = "YV1DZ825_C2123456"


def test_the_reference_vin_of_49_cfr_565_has_check_digit_x() -> None:
    # The worked example of the US rule; checks the test's own arithmetic.
    assert check_digit("1M8GDM9A0KP042788") == "X"
    assert normalise_vin("1M8GDM9AXKP042788") == ("1M8GDM9AXKP042788", VinCheck.VERIFIED)


@pytest.mark.parametrize("template", [NORTH_AMERICAN, MEXICAN, CHINESE, SWEDISH])
def test_a_vin_with_the_right_check_digit_is_verified(template: str) -> None:
    vin = with_check_digit(template)
    assert normalise_vin(vin) == (vin, VinCheck.VERIFIED)


@pytest.mark.parametrize("template", [NORTH_AMERICAN, MEXICAN, CHINESE])
def test_a_wrong_check_digit_is_refused_where_the_region_mandates_it(template: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalise_vin(with_wrong_check_digit(template))
    assert "vin" in error.value.message_dict
    assert error.value.error_dict["vin"][0].code == "vin_check_digit"


def test_a_mistyped_character_elsewhere_is_caught_by_the_check_digit() -> None:
    vin = with_check_digit(NORTH_AMERICAN)
    typo = vin[:12] + ("7" if vin[12] != "7" else "8") + vin[13:]
    with pytest.raises(ValidationError):
        normalise_vin(typo)


def test_a_european_digit_in_position_9_that_does_not_match_is_kept_unverified() -> None:
    # Position 9 belongs to the manufacturer outside North America and China.
    vin = with_wrong_check_digit(SWEDISH)
    assert normalise_vin(vin) == (vin, VinCheck.UNVERIFIED)


def test_a_european_letter_in_position_9_means_no_check_digit() -> None:
    vin = "WVWZZZ1KZ8W123456"
    assert normalise_vin(vin) == (vin, VinCheck.NOT_APPLICABLE)


def test_input_is_uppercased_and_spaces_and_dashes_are_dropped() -> None:
    vin = with_check_digit(NORTH_AMERICAN)
    typed = f" {vin[:3].lower()}-{vin[3:9]} {vin[9:].lower()} "
    assert normalise_vin(typed)[0] == vin


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_i_o_and_q_are_refused(letter: str) -> None:
    vin = "WVWZZZ1KZ8W12345" + letter
    with pytest.raises(ValidationError) as error:
        normalise_vin(vin)
    assert error.value.error_dict["vin"][0].code == "vin_ioq"


@pytest.mark.parametrize("vin", ["", "WVWZZZ1KZ8W12345", "WVWZZZ1KZ8W1234567"])
def test_a_vin_that_is_not_17_characters_is_refused(vin: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalise_vin(vin)
    assert error.value.error_dict["vin"][0].code == "vin_length"


def test_punctuation_inside_a_vin_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        normalise_vin("WVWZZZ1KZ8W12345*")
    assert error.value.error_dict["vin"][0].code == "vin_chars"
