"""Diagnostic trouble codes: the SAE J2012 format, and what a code means.

A code is five characters: the system letter (P powertrain, C chassis, B body, U network),
a digit that says who defines it (SAE for every make, or the manufacturer), and three
hexadecimal characters, the first of which names the subsystem for powertrain codes
("P0301": powertrain, SAE, ignition system or misfire, cylinder 1). `read_code` checks the
format and tells those parts apart; a malformed code is refused with the expected format.

What a code means comes from a description table a site loads as CSV (`code,en,es,sv`, one
line per code, a description in each language). The project ships a starter table it wrote
itself for common SAE codes (`data/dtc_starter.csv`); the `obd` package's table is
GPL-2.0-only, which this AGPL project cannot take. A table with a bad line is refused whole,
naming the line, so a half-loaded table never explains some codes and not others.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

CODE_FORMAT = re.compile(r"^[PCBU][0-3][0-9A-F]{3}$")
STARTER_TABLE = Path(__file__).resolve().parent / "data" / "dtc_starter.csv"
TABLE_COLUMNS = ("code", "en", "es", "sv")
LANGUAGES = TABLE_COLUMNS[1:]

SYSTEMS = {
    "P": gettext_lazy("Powertrain"),
    "C": gettext_lazy("Chassis"),
    "B": gettext_lazy("Body"),
    "U": gettext_lazy("Network and vehicle integration"),
}
# Powertrain subsystems by the third character (SAE J2012).
POWERTRAIN_GROUPS = {
    "0": gettext_lazy("Fuel and air metering, auxiliary emission controls"),
    "1": gettext_lazy("Fuel and air metering"),
    "2": gettext_lazy("Fuel and air metering (injector circuit)"),
    "3": gettext_lazy("Ignition system or misfire"),
    "4": gettext_lazy("Auxiliary emission controls"),
    "5": gettext_lazy("Vehicle speed, idle control and auxiliary inputs"),
    "6": gettext_lazy("Computer and output circuits"),
    "7": gettext_lazy("Transmission"),
    "8": gettext_lazy("Transmission"),
    "9": gettext_lazy("Transmission"),
    "A": gettext_lazy("Hybrid propulsion"),
    "B": gettext_lazy("Hybrid propulsion"),
    "C": gettext_lazy("Hybrid propulsion"),
}
SAE = pgettext_lazy("trouble code defined by", "SAE (every make)")
MANUFACTURER = pgettext_lazy("trouble code defined by", "the manufacturer")
RESERVED = pgettext_lazy("trouble code defined by", "reserved by SAE")


@dataclass(frozen=True)
class TroubleCode:
    code: str  # normalised: upper case, no spaces
    system: str  # the letter
    manufacturer_specific: bool
    reserved: bool  # B3xxx, C3xxx, U3xxx: no meaning assigned

    @property
    def system_name(self) -> str:
        return str(SYSTEMS[self.system])

    @property
    def defined_by(self) -> str:
        if self.reserved:
            return str(RESERVED)
        return str(MANUFACTURER if self.manufacturer_specific else SAE)

    @property
    def group(self) -> str:
        """The powertrain subsystem ("Ignition system or misfire"); empty for other systems,
        whose third character J2012 leaves to each group of codes."""
        if self.system != "P":
            return ""
        return str(POWERTRAIN_GROUPS.get(self.code[2], ""))


def read_code(text: str, *, field: str = "code") -> TroubleCode:
    """The code in `text`, or ValidationError on `field` naming the expected format."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    if not CODE_FORMAT.match(code):
        raise ValidationError(
            {
                field: _(
                    "“%(code)s” is not a trouble code: expected a letter P, C, B or U, a "
                    "digit 0 to 3 and three hexadecimal characters, such as P0301 or U0100."
                )
                % {"code": (text or "").strip()[:20]}
            }
        )
    system, digit = code[0], code[1]
    return TroubleCode(
        code=code,
        system=system,
        manufacturer_specific=_is_manufacturer_specific(system, digit, code[2]),
        reserved=system != "P" and digit == "3",
    )


def _is_manufacturer_specific(system: str, digit: str, third: str) -> bool:
    if system == "P":
        # P0 and P2 are SAE's; P1 the manufacturer's; P3 the manufacturer's up to P33FF.
        return digit == "1" or (digit == "3" and third in "0123")
    return digit in "12"


# --- the description table ---------------------------------------------------------------


@dataclass(frozen=True)
class Description:
    code: str
    texts: Mapping[str, str]  # language -> description

    def in_language(self, language: str) -> str:
        """The description in `language` (en, es, sv; a regional variant reads its base
        language), else in English."""
        base = (language or "en").split("-")[0].lower()
        return self.texts.get(base) or self.texts["en"]


DescriptionTable = dict[str, Description]


def parse_table(text: str) -> DescriptionTable:
    """The table in a CSV text, or ValidationError naming every bad line (nothing loaded).

    The header must be `code,en,es,sv`; each code once; every code valid and manufacturer
    codes allowed (a dealership loads its brand's); English is required, the others may
    be empty and then read English.
    """
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [cell.strip().lower() for cell in next(rows, [])]
    if tuple(header) != TABLE_COLUMNS:
        expected = ",".join(TABLE_COLUMNS)
        raise ValidationError(
            {"file": _("Line 1: the header must be %(header)s.") % {"header": expected}}
        )
    table: DescriptionTable = {}
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        problem = _line_problem(row, table)
        if problem:
            problems.append(_("Line %(line)d: %(problem)s") % {"line": line, "problem": problem})
            continue
        code = read_code(row[0]).code
        texts = dict(zip(LANGUAGES, (cell.strip() for cell in row[1:]), strict=True))
        table[code] = Description(code, texts)
    if problems:
        raise ValidationError({"file": problems})
    return table


def _line_problem(row: list[str], table: DescriptionTable) -> str:
    if len(row) != len(TABLE_COLUMNS):
        return _("expected %(expected)d columns, found %(found)d.") % {
            "expected": len(TABLE_COLUMNS),
            "found": len(row),
        }
    try:
        code = read_code(row[0]).code
    except ValidationError as error:
        return " ".join(error.messages)
    if code in table:
        return _("%(code)s is already in the table.") % {"code": code}
    if not row[1].strip():
        return _("the English description is empty.")
    return ""


def starter_table() -> DescriptionTable:
    return parse_table(STARTER_TABLE.read_text(encoding="utf-8"))


def explain(code: TroubleCode, tables: Iterable[DescriptionTable], language: str) -> str:
    """What the code means, from the first table that has it (the site's own before the
    starter table), or its system and subsystem when none does."""
    for table in tables:
        found = table.get(code.code)
        if found is not None:
            return found.in_language(language)
    parts = [code.system_name, code.group]
    described = " · ".join(part for part in parts if part)
    return _("%(described)s; no description in the table (defined by %(defined_by)s).") % {
        "described": described,
        "defined_by": code.defined_by,
    }
