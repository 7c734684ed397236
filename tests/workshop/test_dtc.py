"""Trouble codes: the SAE J2012 format is checked and explained; a site's description table
loads from CSV or is refused whole, naming each bad line."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from posventa.workshop.dtc import explain, parse_table, read_code, starter_table


@pytest.mark.parametrize(
    ("text", "system", "manufacturer"),
    [
        ("P0301", "P", False),
        ("p0301", "P", False),
        (" P0 301 ", "P", False),
        ("P1234", "P", True),
        ("P2002", "P", False),
        ("P3000", "P", True),
        ("P3400", "P", False),
        ("P0A80", "P", False),
        ("C0035", "C", False),
        ("C1145", "C", True),
        ("B2AAA", "B", True),
        ("U0100", "U", False),
    ],
)
def test_a_valid_code_is_read_with_who_defines_it(
    text: str, system: str, manufacturer: bool
) -> None:
    code = read_code(text)
    assert code.system == system
    assert code.manufacturer_specific is manufacturer
    assert len(code.code) == 5 and code.code == code.code.upper()


@pytest.mark.parametrize("text", ["", "P030", "P03011", "X0301", "P4301", "P03G1", "0301P"])
def test_a_malformed_code_is_refused_naming_the_expected_format(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read_code(text, field="trouble_codes")
    [message] = refused.value.message_dict["trouble_codes"]
    assert "P, C, B or U" in message and "P0301" in message


def test_the_refusal_is_in_the_readers_language() -> None:
    with translation.override("es"), pytest.raises(ValidationError) as refused:
        read_code("Q123")
    assert "código de avería" in refused.value.messages[0]


def test_body_chassis_and_network_codes_of_the_third_series_are_reserved() -> None:
    assert read_code("U3000").reserved
    assert not read_code("P3000").reserved


def test_the_powertrain_subsystem_comes_from_the_third_character() -> None:
    assert read_code("P0301").group == "Ignition system or misfire"
    assert read_code("P0420").group == "Auxiliary emission controls"
    assert read_code("U0100").group == ""


def test_the_starter_table_explains_common_codes_in_three_languages() -> None:
    table = starter_table()
    assert len(table) >= 40
    code = read_code("P0301")
    assert explain(code, [table], "en") == "Misfire in cylinder 1"
    assert explain(code, [table], "es") == "Fallo de encendido en el cilindro 1"
    assert explain(code, [table], "sv-se") == "Feltändning i cylinder 1"
    for description in table.values():
        assert all(description.texts[language] for language in ("en", "es", "sv"))


def test_a_sites_own_table_comes_before_the_starter_table() -> None:
    own = parse_table("code,en,es,sv\nP0301,Coil 1 known fault on this engine,,\n")
    code = read_code("P0301")
    assert explain(code, [own, starter_table()], "en") == "Coil 1 known fault on this engine"
    # An empty translation reads English.
    assert explain(code, [own, starter_table()], "es") == "Coil 1 known fault on this engine"


def test_a_code_no_table_has_is_explained_by_its_parts() -> None:
    text = explain(read_code("P1301"), [starter_table()], "en")
    assert "Powertrain" in text and "Ignition system or misfire" in text
    assert "the manufacturer" in text


def test_a_table_with_bad_lines_is_refused_whole_naming_each_line() -> None:
    text = (
        "code,en,es,sv\n"
        "P0301,Misfire 1,Fallo 1,Feltändning 1\n"
        "P03X1,Bad code,,\n"
        "P0302,Too,many,columns,here\n"
        "P0301,Twice,,\n"
        "P0303,,Sin inglés,\n"
    )
    with pytest.raises(ValidationError) as refused:
        parse_table(text)
    messages = refused.value.message_dict["file"]
    assert [message.split(":")[0] for message in messages] == [
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
    ]
    assert "P0301 is already in the table" in messages[2]


def test_a_table_without_the_header_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_table("P0301,Misfire,,\n")
    assert refused.value.message_dict["file"][0].startswith("Line 1")


def test_a_spreadsheets_byte_order_mark_and_blank_lines_are_accepted() -> None:
    table = parse_table("\ufeffcode,en,es,sv\n\nP0301,Misfire 1,,\n\n")
    assert list(table) == ["P0301"]
