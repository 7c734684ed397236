"""Offline VIN decoding with `vininfo`: the manufacturer and country from the WMI (the
first three characters) and the model year from the 10th character.

The 10th character repeats every 30 years, so `vininfo` may offer two years; the latest one
not after next year is taken (a car sold today is this or next year's model). A WMI missing
from vininfo's tables is said so, and the person is asked for the make and model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

# vininfo ships no type information.
from vininfo import Vin  # type: ignore[import-untyped]
from vininfo.exceptions import ValidationError as VinError  # type: ignore[import-untyped]

UNKNOWN_BRAND = "UnsupportedBrand"
INVALID = "invalid"
UNCOVERED = "uncovered"


@dataclass(frozen=True)
class VinDecoding:
    vin: str
    covered: bool
    manufacturer: str = ""
    country: str = ""
    model_year: int | None = None
    problem: str = ""  # INVALID or UNCOVERED when not covered

    @property
    def message(self) -> str:
        """Why it is not covered, in the active language (read when shown)."""
        if self.problem == INVALID:
            return _("This is not a valid VIN (17 letters and digits, no I, O or Q).")
        if self.problem == UNCOVERED:
            return _(
                "Our offline tables do not cover the manufacturer code %(wmi)s of this VIN: "
                "please give the make and model."
            ) % {"wmi": self.vin[:3]}
        return ""


def decode_vin(vin: str, *, today: dt.date) -> VinDecoding:
    """What the VIN says. `covered` is False (with a message naming the problem) for a VIN
    that is not 17 valid characters or whose manufacturer code is not in the tables."""
    text = "".join(vin.split()).upper()
    try:
        decoded = Vin(text)
        manufacturer = decoded.manufacturer
        country = decoded.country or ""
        years = list(decoded.years)
    except (VinError, KeyError, IndexError, ValueError):
        return VinDecoding(text, False, problem=INVALID)
    if not manufacturer or manufacturer == UNKNOWN_BRAND:
        return VinDecoding(text, False, country=country, problem=UNCOVERED)
    plausible = [year for year in years if year <= today.year + 1]
    return VinDecoding(text, True, manufacturer, country, max(plausible) if plausible else None)
