"""Maintenance schedules as data: the file format, its validation, and which rule applies
to a vehicle.

A schedule is a CSV file (UTF-8, comma-separated, `#` starts a comment line). The first
other line is the header; the columns are

    code, make, model, fuel, km, months, severe_km, severe_months, appointment_types,
    label_en, label_es, label_sv

- `code`: the maintenance item (`brake-fluid`): lowercase letters, digits and dashes.
- `make`, `model`: blank for every make/model. A rule for a make overrides the generic one
  of the same code, a rule for a model overrides the make's. A model matches the vehicle's
  model exactly or as its first words ("Golf" matches "Golf Variant"); case and accents are
  ignored.
- `fuel`: blank for every fuel, else fuel codes joined by `|` (`petrol|diesel`).
- `km`, `months`: the distance and time intervals. Both: whichever comes first. One of them:
  distance only or time only. Neither (only in a make or model rule): the item does not
  apply to that make or model.
- `severe_km`, `severe_months`: the intervals under severe service (towing, short trips,
  dust, taxis); blank keeps the normal one.
- `appointment_types`: the appointment type codes that do this item, separated by spaces,
  the usual one first (`oil-service inspection-30k`: an oil service, or the inspection
  service, which includes it).
- `label_en`, `label_es`, `label_sv`: the item's name, required for a code the generic
  schedule does not have.

A file is accepted whole or refused whole: `parse_schedule` raises `ScheduleError` listing
every bad line with its number and field. No Django model is touched here, so the
`validate_schedule` command runs on a file before anything is imported.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from posventa.advisor.labels import ITEM_LABELS
from posventa.customers.models import FuelType

GENERIC_SCHEDULE = Path(__file__).resolve().parent / "schedules" / "generic.csv"
COLUMNS = (
    "code",
    "make",
    "model",
    "fuel",
    "km",
    "months",
    "severe_km",
    "severe_months",
    "appointment_types",
    "label_en",
    "label_es",
    "label_sv",
)
LANGUAGES = ("en", "es", "sv")
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
MAX_KM = 1_000_000
MAX_MONTHS = 360
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Rule:
    code: str
    make: str = ""  # as written in the file; matched through make_key()
    model: str = ""
    fuels: frozenset[str] = frozenset()  # empty: every fuel
    km: int | None = None
    months: int | None = None
    severe_km: int | None = None
    severe_months: int | None = None
    appointment_types: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) from the file
    line: int = 0
    priority: int = 0  # an organisation's file beats the generic one at equal specificity

    @property
    def applies(self) -> bool:
        """False for a make/model rule that switches the item off."""
        return self.km is not None or self.months is not None

    def intervals(self, severe: bool) -> tuple[int | None, int | None]:
        """(km, months) under normal or severe service."""
        if not severe:
            return self.km, self.months
        return (
            self.severe_km if self.severe_km is not None else self.km,
            self.severe_months if self.severe_months is not None else self.months,
        )

    def label(self) -> str:
        """The item's name in the active language."""
        known = ITEM_LABELS.get(self.code)
        if known is not None:
            return str(known)
        written = dict(self.labels)
        language = (get_language() or "en")[:2]
        return written.get(language) or written.get("en") or self.code

    def specificity(self) -> tuple[bool, bool, bool, int]:
        return (bool(self.model), bool(self.make), bool(self.fuels), self.priority)


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("line %(line)d, %(field)s: %(message)s") % {
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


class ScheduleError(ValueError):
    """A schedule file with one bad line or more; nothing of it may be used."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


@dataclass
class _Row:
    """One data line being checked: its values and what is wrong with them."""

    line: int
    values: dict[str, str]
    errors: list[LineError] = field(default_factory=list)

    def fail(self, name: str, message: str) -> None:
        self.errors.append(LineError(self.line, name, message))

    def number(self, name: str, limit: int) -> int | None:
        text = self.values.get(name, "").strip()
        if not text:
            return None
        if not text.isdigit() or int(text) == 0:
            self.fail(name, _("“%(value)s” is not a whole number above 0.") % {"value": text})
            return None
        if int(text) > limit:
            self.fail(
                name, _("%(value)s is more than %(limit)d.") % {"value": text, "limit": limit}
            )
            return None
        return int(text)


def make_key(text: str) -> str:
    """How makes and models are compared: no case, no accents, single spaces, without the
    "Cars" the VIN tables add ("Volvo Cars" is the make Volvo, "Škoda" is "skoda")."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    words = plain.casefold().split()
    if len(words) > 1 and words[-1] == "cars":
        words = words[:-1]
    return " ".join(words)


def parse_schedule(text: str, *, priority: int = 0) -> tuple[Rule, ...]:
    """Every rule of a schedule file, or ScheduleError naming each bad line."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ScheduleError([LineError(0, "file", _("The file is larger than 1 MB."))])
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)]
    content = [(number, line) for number, line in lines if line.strip() and not _comment(line)]
    if not content:
        raise ScheduleError([LineError(1, "file", _("The file has no header and no rules."))])
    header_line, header = content[0]
    columns = [name.strip().lower() for name in next(csv.reader([header]))]
    problems = _header_errors(header_line, columns)
    if problems:
        raise ScheduleError(problems)
    rules: list[Rule] = []
    errors: list[LineError] = []
    seen: dict[tuple[str, str, str, frozenset[str]], int] = {}
    for number, line in content[1:]:
        cells = next(csv.reader(io.StringIO(line)), [])
        row = _Row(number, dict(zip(columns, (cell.strip() for cell in cells), strict=False)))
        if len(cells) > len(columns):
            row.fail("file", _("This line has more cells than the header."))
        rule = _rule(row, priority)
        if rule is not None:
            key = (rule.code, make_key(rule.make), make_key(rule.model), rule.fuels)
            if key in seen:
                row.fail("code", _("The same rule as line %(line)d.") % {"line": seen[key]})
            seen.setdefault(key, number)
        errors.extend(row.errors)
        if rule is not None and not row.errors:
            rules.append(rule)
    if errors:
        raise ScheduleError(errors)
    if not rules:
        raise ScheduleError([LineError(header_line, "file", _("The file has no rules."))])
    return tuple(rules)


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _header_errors(line: int, columns: list[str]) -> list[LineError]:
    missing = [name for name in COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    errors = []
    if missing:
        errors.append(
            LineError(
                line, "header", _("Missing columns: %(names)s.") % {"names": ", ".join(missing)}
            )
        )
    if unknown:
        errors.append(
            LineError(
                line, "header", _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}
            )
        )
    return errors


def _rule(row: _Row, priority: int) -> Rule | None:
    values = row.values
    code = values.get("code", "")
    if not CODE.match(code):
        row.fail("code", _("A code is lowercase letters, digits and dashes (“brake-fluid”)."))
    make, model = values.get("make", ""), values.get("model", "")
    if model and not make:
        row.fail("model", _("A model rule needs its make."))
    fuels = _fuels(row)
    km, months = row.number("km", MAX_KM), row.number("months", MAX_MONTHS)
    severe_km = row.number("severe_km", MAX_KM)
    severe_months = row.number("severe_months", MAX_MONTHS)
    switched_off = not values.get("km") and not values.get("months")
    if switched_off and not make:
        row.fail(
            "km", _("Give km, months or both (only a make or model rule may leave both empty).")
        )
    if severe_km is not None and not values.get("km"):
        row.fail("severe_km", _("A severe-service distance needs the normal one (km)."))
    if severe_months is not None and not values.get("months"):
        row.fail("severe_months", _("A severe-service time needs the normal one (months)."))
    appointments = tuple(values.get("appointment_types", "").split())
    if not appointments and not switched_off:
        row.fail("appointment_types", _("Name at least one appointment type code."))
    for appointment in appointments:
        if not CODE.match(appointment):
            row.fail(
                "appointment_types",
                _("“%(code)s” is not a code (lowercase letters, digits and dashes).")
                % {"code": appointment},
            )
    labels = tuple((language, values.get(f"label_{language}", "")) for language in LANGUAGES)
    if code and code not in ITEM_LABELS:
        for language, label in labels:
            if not label:
                row.fail(
                    f"label_{language}",
                    _(
                        "“%(code)s” is not in the generic schedule: give its name in English, "
                        "Spanish and Swedish."
                    )
                    % {"code": code},
                )
    if row.errors:
        return None
    return Rule(
        code=code,
        make=make,
        model=model,
        fuels=fuels,
        km=km,
        months=months,
        severe_km=severe_km,
        severe_months=severe_months,
        appointment_types=appointments,
        labels=tuple((language, label) for language, label in labels if label),
        line=row.line,
        priority=priority,
    )


def _fuels(row: _Row) -> frozenset[str]:
    text = row.values.get("fuel", "")
    fuels = frozenset(part.strip() for part in text.split("|") if part.strip())
    unknown = sorted(fuels - set(FuelType.values))
    if unknown:
        row.fail(
            "fuel",
            _("Unknown fuel %(fuels)s; use %(known)s.")
            % {"fuels": ", ".join(unknown), "known": "|".join(FuelType.values)},
        )
    return fuels


@lru_cache(maxsize=1)
def generic_rules() -> tuple[Rule, ...]:
    """The schedule every organisation starts from (schedules/generic.csv)."""
    return parse_schedule(GENERIC_SCHEDULE.read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def organisation_rules(sha256: str, text: str) -> tuple[Rule, ...]:
    """A stored organisation file's rules (cached by content: a new import is a new key)."""
    return parse_schedule(text, priority=1)


def _matches(rule: Rule, make: str, model: str, fuel: str) -> bool:
    if rule.make and make_key(rule.make) != make:
        return False
    if rule.model:
        wanted = make_key(rule.model)
        if model != wanted and not model.startswith(wanted + " "):
            return False
    return not rule.fuels or fuel in rule.fuels


def rules_for(rules: Iterable[Rule], *, make: str, model: str, fuel: str) -> list[Rule]:
    """The one rule per item code that applies to this vehicle, in the schedule's order:
    the most specific match wins (model over make over every make; a fuel-specific rule
    over an any-fuel one; the organisation's file over the generic one). Items switched off
    for the make or model are left out. The caller decides what an unknown fuel means."""
    make, model = make_key(make), make_key(model)
    best: dict[str, Rule] = {}
    for rule in rules:
        if not _matches(rule, make, model, fuel):
            continue
        current = best.get(rule.code)
        if current is None or rule.specificity() > current.specificity():
            best[rule.code] = rule
    return [rule for rule in best.values() if rule.applies]


def known_codes(rules: Iterable[Rule]) -> set[str]:
    return {rule.code for rule in rules}
