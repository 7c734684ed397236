"""What does this car need? The maintenance advisor's public interface (WRITEUP-MAINTENANCE,
and the question of seed 001: "only the brake fluid, or the 30,000 km service?").

Stable interface (the booking page, the case composer and the write-up call it):

    advise(vehicle, *, today, km=None, severe=False) -> Advice
        For a registered `customers.Vehicle`: its make, model, fuel, first registration or
        model year (else what its VIN says), its odometer readings and its service history,
        against the generic schedule and its organisation's own file.
    advise_visitor(*, today, make="", model="", first_registration=None, model_year=None,
                   fuel="", km=None, vin="", severe=False, organisation=None) -> Advice
        The same for someone with no vehicle record (the public booking page).

    `km` is today's distance when the person just said it (it wins over the history);
    `severe` selects the severe-service intervals.
    gather(vehicle, *, today) -> (facts, rules, vin) and compute(facts, rules, *, today,
    km=None, severe=False, vin=None) -> Advice are `advise` in two steps: read once,
    compute in several languages.

    Advice.items: AdviceItem(code, label, status, reason, due_date, due_km,
                  appointment_type_codes, last_done_on, last_done_km), most urgent first;
                  status is Status.DUE ("due now"), Status.SOON ("coming up": within
                  SOON_DAYS or SOON_KM, worth doing at this visit) or Status.LATER ("not yet").
    Advice.appointment_type_codes: what to book for the items due now or coming up,
                  deduplicated, in order: the fewest appointment types that cover them all
                  (an inspection service that includes the oil change is booked alone).
    Advice.km / km_source / km_per_day: the distance used and where it came from.
    Advice.missing: names of the facts it lacked ("make", "model", "fuel",
                  "first_registration", "km"); Advice.notes: sentences saying so.
    Advice.vin: the VIN decoding (VinDecoding) when one was looked at.

Every text (labels, reasons, notes) is in the active language: wrap the call in
`translation.override(language)` to answer in the customer's. Reads only; writes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from posventa.advisor import distance, schedule
from posventa.advisor.distance import KmSource, Odometer, Reading
from posventa.advisor.labels import appointment_label
from posventa.advisor.models import MaintenanceSchedule, ServiceRecord
from posventa.advisor.vin import VinDecoding, decode_vin
from posventa.core.models import Organisation
from posventa.customers.models import FuelType, OdometerReading, Vehicle

SOON_DAYS = 60
SOON_KM = 2_000
# An unknown fuel is read as petrol: most cars are, and it keeps the oil service in view.
ASSUMED_FUEL = FuelType.PETROL


class Status(StrEnum):
    DUE = "due"
    SOON = "soon"
    LATER = "later"


STATUS_LABELS: dict[Status, Promise] = {
    Status.DUE: gettext_lazy("due now"),
    Status.SOON: gettext_lazy("coming up"),
    Status.LATER: gettext_lazy("not yet"),
}
_STATUS_ORDER = {Status.DUE: 0, Status.SOON: 1, Status.LATER: 2}


@dataclass(frozen=True)
class Service:
    done_on: dt.date
    km: int | None
    items: tuple[str, ...]


@dataclass(frozen=True)
class VehicleFacts:
    """What the advice is computed from, however it was gathered."""

    make: str
    model: str
    fuel: str
    first_registration: dt.date | None
    model_year: int | None
    readings: tuple[Reading, ...] = ()
    services: tuple[Service, ...] = ()

    @property
    def start(self) -> dt.date | None:
        """When the vehicle started its life: first registration, else mid model year."""
        if self.first_registration is not None:
            return self.first_registration
        return dt.date(self.model_year, 7, 1) if self.model_year else None


@dataclass(frozen=True)
class AdviceItem:
    code: str
    label: str
    status: Status
    reason: str
    due_date: dt.date | None
    due_km: int | None
    appointment_type_codes: tuple[str, ...]
    last_done_on: dt.date | None = None
    last_done_km: int | None = None
    expected_on: dt.date | None = None  # the earlier of due_date and when due_km is reached

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass(frozen=True)
class Advice:
    items: tuple[AdviceItem, ...]
    appointment_type_codes: tuple[str, ...]
    km: int | None
    km_source: KmSource
    km_per_day: float
    severe: bool
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    vin: VinDecoding | None = None

    @property
    def to_book(self) -> tuple[AdviceItem, ...]:
        return tuple(item for item in self.items if item.status != Status.LATER)

    @property
    def appointments(self) -> list[tuple[str, str]]:
        """(code, name in the active language) of each appointment type to book."""
        return [(code, appointment_label(code)) for code in self.appointment_type_codes]


# --- the public entry points -----------------------------------------------------------


def advise(
    vehicle: Vehicle, *, today: dt.date, km: int | None = None, severe: bool = False
) -> Advice:
    """The advice for a registered vehicle (three queries: readings, history, schedule)."""
    facts, rules, decoding = gather(vehicle, today=today)
    return compute(facts, rules, today=today, km=km, severe=severe, vin=decoding)


def gather(
    vehicle: Vehicle, *, today: dt.date
) -> tuple[VehicleFacts, tuple[schedule.Rule, ...], VinDecoding | None]:
    """What `advise` reads from the database, for callers that compute the advice more
    than once (in two languages, say) from one read."""
    decoding = None
    make, model_year = vehicle.make, vehicle.model_year
    if not make or (model_year is None and vehicle.first_registration is None):
        decoding = decode_vin(vehicle.vin, today=today)
        if decoding.covered:
            make = make or decoding.manufacturer
            model_year = model_year or decoding.model_year
    facts = VehicleFacts(
        make=make,
        model=vehicle.model,
        fuel=vehicle.fuel,
        first_registration=vehicle.first_registration,
        model_year=model_year,
        readings=_readings(vehicle),
        services=_services(vehicle),
    )
    return facts, rules_of(vehicle.organisation_id), decoding


def advise_visitor(
    *,
    today: dt.date,
    make: str = "",
    model: str = "",
    first_registration: dt.date | None = None,
    model_year: int | None = None,
    fuel: str = "",
    km: int | None = None,
    vin: str = "",
    severe: bool = False,
    organisation: Organisation | None = None,
) -> Advice:
    """The advice for someone with no vehicle record: what they tell us, plus the VIN's
    manufacturer and model year when they give one (theirs win when both are given)."""
    decoding = decode_vin(vin, today=today) if vin.strip() else None
    if decoding is not None and decoding.covered:
        make = make.strip() or decoding.manufacturer
        model_year = model_year or decoding.model_year
    facts = VehicleFacts(
        make=make.strip(),
        model=model.strip(),
        fuel=fuel,
        first_registration=first_registration,
        model_year=model_year,
        readings=(Reading(today, km),) if km is not None else (),
    )
    rules = rules_of(organisation.pk if organisation is not None else None)
    return compute(facts, rules, today=today, km=km, severe=severe, vin=decoding)


def _readings(vehicle: Vehicle) -> tuple[Reading, ...]:
    # No ORDER BY (sorted here): the default ordering costs more to compile than to run.
    rows = (
        OdometerReading.objects.filter(vehicle=vehicle)
        .order_by()
        .values_list("read_at", "km", "correction")
    )
    return tuple(Reading(read_at.date(), km, correction) for read_at, km, correction in rows)


def _services(vehicle: Vehicle) -> tuple[Service, ...]:
    rows = (
        ServiceRecord.objects.filter(vehicle=vehicle)
        .order_by()
        .values_list("done_on", "km", "items")
    )
    return tuple(Service(done_on, km, tuple(items)) for done_on, km, items in rows)


_organisation_files: dict[int, tuple[str, tuple[schedule.Rule, ...]]] = {}


def rules_of(organisation_id: int | None) -> tuple[schedule.Rule, ...]:
    """The generic rules followed by the organisation's active file's (parsed once per
    file content; one small query tells whether it changed)."""
    generic = schedule.generic_rules()
    if organisation_id is None:
        return generic
    # At most one active file (a unique constraint); no ORDER BY needed.
    active = next(
        iter(
            MaintenanceSchedule.objects.filter(organisation_id=organisation_id, active=True)
            .order_by()
            .values_list("pk", "sha256")
        ),
        None,
    )
    if active is None:
        return generic
    pk, sha256 = active
    cached = _organisation_files.get(organisation_id)
    if cached is None or cached[0] != sha256:
        text = MaintenanceSchedule.objects.values_list("text", flat=True).get(pk=pk)
        cached = (sha256, schedule.organisation_rules(sha256, text))
        _organisation_files[organisation_id] = cached
    return generic + cached[1]


# --- the computation -------------------------------------------------------------------


def compute(
    facts: VehicleFacts,
    rules: Sequence[schedule.Rule],
    *,
    today: dt.date,
    km: int | None = None,
    severe: bool = False,
    vin: VinDecoding | None = None,
) -> Advice:
    """The advice from gathered facts; no database."""
    fuel = facts.fuel or ASSUMED_FUEL
    applicable = schedule.rules_for(rules, make=facts.make, model=facts.model, fuel=fuel)
    meter = distance.odometer(facts.readings, facts.start)
    now = distance.distance_today(meter, today, km)
    last_done = _last_done(facts.services)
    items = []
    for rule in applicable:
        item = _item(rule, last_done.get(rule.code), meter, now.km, facts.start, today, severe)
        if item is not None:
            items.append(item)
    items.sort(key=lambda item: (_STATUS_ORDER[item.status], item.expected_on or dt.date.max))
    missing = _missing(facts, now.km)
    return Advice(
        items=tuple(items),
        appointment_type_codes=tuple(what_to_book(items)),
        km=now.km,
        km_source=now.source,
        km_per_day=meter.km_per_day,
        severe=severe,
        missing=missing,
        notes=tuple(_notes(now, meter, missing, vin)),
        vin=vin,
    )


def _last_done(services: Iterable[Service]) -> dict[str, Service]:
    last: dict[str, Service] = {}
    for service in sorted(services, key=lambda service: service.done_on):
        for code in service.items:
            last[code] = service
    return last


def _item(
    rule: schedule.Rule,
    last: Service | None,
    meter: Odometer,
    km_now: int | None,
    start: dt.date | None,
    today: dt.date,
    severe: bool,
) -> AdviceItem | None:
    """One item's state, or None when nothing can be said (no date and no distance)."""
    every_km, every_months = rule.intervals(severe)
    if last is not None:
        base_date: dt.date | None = last.done_on
        base_km = last.km if last.km is not None else meter.km_on(last.done_on)
    else:
        base_date, base_km = start, 0
    due_date = add_months(base_date, every_months) if every_months and base_date else None
    due_km = base_km + every_km if every_km and base_km is not None else None
    if due_km is not None and km_now is None:
        due_km = None
    if due_date is None and due_km is None:
        return None
    km_date = _reached_on(due_km, km_now, meter.km_per_day, today)
    expected = min((day for day in (due_date, km_date) if day is not None), default=None)
    status = _status(due_date, due_km, km_now, expected, today)
    label = rule.label()
    reason = "; ".join(
        (
            _interval_text(
                every_km, every_months, severe and rule.intervals(False) != (every_km, every_months)
            ),
            _last_text(last),
            _status_text(status, due_date, due_km, km_now, today),
        )
    )
    return AdviceItem(
        code=rule.code,
        label=label,
        status=status,
        reason=f"{label}: {reason}.",
        due_date=due_date,
        due_km=due_km,
        appointment_type_codes=rule.appointment_types,
        last_done_on=last.done_on if last else None,
        last_done_km=last.km if last else None,
        expected_on=expected,
    )


def _reached_on(
    due_km: int | None, km_now: int | None, per_day: float, today: dt.date
) -> dt.date | None:
    if due_km is None or km_now is None:
        return None
    if km_now >= due_km:
        return today
    if per_day <= 0:
        return None
    days = math.ceil((due_km - km_now) / per_day)
    return today + dt.timedelta(days=min(days, 365 * 50))


def _status(
    due_date: dt.date | None,
    due_km: int | None,
    km_now: int | None,
    expected: dt.date | None,
    today: dt.date,
) -> Status:
    if (due_date is not None and today >= due_date) or (
        due_km is not None and km_now is not None and km_now >= due_km
    ):
        return Status.DUE
    close_in_km = due_km is not None and km_now is not None and due_km - km_now <= SOON_KM
    if close_in_km or (expected is not None and (expected - today).days <= SOON_DAYS):
        return Status.SOON
    return Status.LATER


def what_to_book(items: Sequence[AdviceItem]) -> list[str]:
    """The fewest appointment types covering every item due now or coming up, in the
    items' order: each uncovered item takes the one of its types that covers the most
    items still uncovered (its usual one on a tie)."""
    pending = [item for item in items if item.status != Status.LATER]
    chosen: list[str] = []
    for item in pending:
        if any(code in chosen for code in item.appointment_type_codes):
            continue
        uncovered = [
            other for other in pending if not set(other.appointment_type_codes) & set(chosen)
        ]
        best = max(
            item.appointment_type_codes,
            key=lambda code: sum(code in other.appointment_type_codes for other in uncovered),
        )
        chosen.append(best)
    return chosen


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- words -----------------------------------------------------------------------------


def km_text(km: int) -> str:
    return _km_text(get_language() or "", km)


@lru_cache(maxsize=4096)
def _km_text(language: str, km: int) -> str:
    return number_format(km, force_grouping=True)


def day_text(day: dt.date) -> str:
    return _day_text(get_language() or "", day)


@lru_cache(maxsize=4096)
def _day_text(language: str, day: dt.date) -> str:
    # Cached per language: formatting a date is a tenth of an advice's time otherwise.
    return date_format(day, "DATE_FORMAT")


def _time_text(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


def _interval_text(every_km: int | None, every_months: int | None, severe: bool) -> str:
    if every_km and every_months:
        text = _("every %(km)s km or %(time)s, whichever comes first") % {
            "km": km_text(every_km),
            "time": _time_text(every_months),
        }
    elif every_months:
        text = _("every %(time)s whatever the distance") % {"time": _time_text(every_months)}
    else:
        text = _("every %(km)s km") % {"km": km_text(every_km or 0)}
    return _("%(interval)s (severe service)") % {"interval": text} if severe else text


def _last_text(last: Service | None) -> str:
    if last is None:
        return _("last done: never")
    if last.km is None:
        return _("last done on %(date)s") % {"date": day_text(last.done_on)}
    return _("last done on %(date)s at %(km)s km") % {
        "date": day_text(last.done_on),
        "km": km_text(last.km),
    }


def _status_text(
    status: Status, due_date: dt.date | None, due_km: int | None, km_now: int | None, today: dt.date
) -> str:
    if status == Status.DUE:
        if due_date is not None and today >= due_date:
            return _("due now (since %(date)s)") % {"date": day_text(due_date)}
        return _("due now (at %(km)s km)") % {"km": km_text(due_km or 0)}
    limits = _limits_text(due_date, due_km)
    if status == Status.SOON:
        return _("coming up: %(limits)s") % {"limits": limits}
    return _("not yet: next %(limits)s") % {"limits": limits}


def _limits_text(due_date: dt.date | None, due_km: int | None) -> str:
    if due_date is not None and due_km is not None:
        return _("by %(date)s or at %(km)s km") % {
            "date": day_text(due_date),
            "km": km_text(due_km),
        }
    if due_date is not None:
        return _("by %(date)s") % {"date": day_text(due_date)}
    return _("at %(km)s km") % {"km": km_text(due_km or 0)}


def _missing(facts: VehicleFacts, km_now: int | None) -> tuple[str, ...]:
    missing = []
    if not facts.make:
        missing += ["make", "model"]
    elif not facts.model:
        missing.append("model")
    if not facts.fuel:
        missing.append("fuel")
    if facts.start is None:
        missing.append("first_registration")
    if km_now is None:
        missing.append("km")
    return tuple(missing)


def _notes(
    now: distance.Distance,
    meter: Odometer,
    missing: tuple[str, ...],
    vin: VinDecoding | None,
) -> list[str]:
    notes = []
    if vin is not None and not vin.covered:
        notes.append(vin.message)
    if "make" in missing:
        notes.append(_("Make and model unknown: this is the generic schedule."))
    if "fuel" in missing:
        notes.append(_("Fuel unknown: the advice assumes a petrol engine."))
    if "first_registration" in missing:
        notes.append(
            _("First registration and model year unknown: items due by time cannot be dated.")
        )
    if now.source == KmSource.UNKNOWN:
        notes.append(_("Distance unknown: items due by distance cannot be judged."))
    elif now.source == KmSource.ESTIMATED and now.last_reading is not None:
        notes.append(
            _(
                "About %(km)s km today, estimated from the last reading (%(last)s km on "
                "%(date)s) at %(pace)s km a day."
            )
            % {
                "km": km_text(now.km or 0),
                "last": km_text(now.last_reading.km),
                "date": day_text(now.last_reading.on),
                "pace": km_text(round(meter.km_per_day)),
            }
        )
    elif now.source == KmSource.DEFAULT:
        notes.append(
            _(
                "No odometer reading: about %(km)s km estimated from the vehicle's age at "
                "%(year)s km a year."
            )
            % {"km": km_text(now.km or 0), "year": km_text(distance.DEFAULT_KM_PER_YEAR)}
        )
    return notes
