"""The standards catalogue (DESIGN.md, from the manufacturer's after-sales standards) as data.

The catalogue is owned by the code: `sync_catalogue()` writes it into the `Standard` table
(a data migration runs it, and so does every `migrate` through a post_migrate hook), and the
admin shows it read-only. What a site may change is its own target, calendar and whether it
measures a standard at all: that lives in `SiteStandard`, and `effective_policy()` combines
the two.

Three kinds of standard live here:

* **clocks with a default target** (INFO-WEB: a reply within 1 business hour). A clock starts
  on an event and its deadline is the target measured on the site's calendar.
* **per-item deadlines** (PROMISE-KEPT, DELIVERY-ON-TIME): there is no default; whoever starts
  the clock passes the promised deadline. They run 24/7 because a promised instant is an
  instant, whatever the opening hours.
* **checklists** (WRITEUP-WALKAROUND, REPAIR-INSPECT, ...): measured by whether a documented
  step exists, not by a deadline. They have no target; starting a clock for one requires an
  explicit target.

"Business days". Targets are business *seconds*, so that every clock, warning and report works
in one unit. A target of N business days is converted per site: one business day is the open
time of the site's ordinary weekday (the most common non-zero Monday-Friday opening length;
10 hours for a site open 08:00-13:00 and 14:00-19:00). On an ordinary week this gives exactly
the intuitive answer: a letter received on Monday at 10:00 is due on Wednesday at 10:00. A
site open fewer hours on Saturday simply spends fewer of those seconds on Saturday. 24/7
standards count a day as 86 400 seconds.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from posventa.clocks.models import CalendarKind, EscalationPolicy, SiteStandard, Standard
from posventa.core.models import Site

HOUR = 3600
DAY_24_7 = 24 * HOUR
# Used only when a site has no opening hours at all (a misconfiguration the calendar will
# refuse anyway) and to show a nominal value for day-based targets in group-wide listings.
NOMINAL_BUSINESS_DAY = 8 * HOUR
BUSINESS = CalendarKind.BUSINESS.value
ALWAYS = CalendarKind.ALWAYS.value
# How a standard is measured (see the module docstring).
DEFAULT_TARGET = "default_target"
PER_ITEM_DEADLINE = "per_item_deadline"
CHECKLIST = "checklist"


@dataclass(frozen=True)
class StandardSpec:
    code: str
    category: str
    title: str
    rule: str
    # Default target in business seconds, or None (per-item deadline or checklist).
    target_seconds: int | None = None
    # Default target in the site's business days; takes precedence over target_seconds.
    business_days: int | None = None
    calendar_kind: str = BUSINESS
    # Whether "waiting on the customer" stops the clock. A reply clock pauses while we wait
    # for the customer; a promise we made ("we will call you") does not.
    pausable: bool = False
    # No default: whoever starts the clock passes the deadline (a promise, a promised time).
    per_item_deadline: bool = False

    @property
    def measure(self) -> str:
        if self.target_seconds is not None or self.business_days is not None:
            return DEFAULT_TARGET
        return PER_ITEM_DEADLINE if self.per_item_deadline else CHECKLIST

    @property
    def nominal_target_seconds(self) -> int | None:
        if self.business_days is not None:
            day = DAY_24_7 if self.calendar_kind == ALWAYS else NOMINAL_BUSINESS_DAY
            return self.business_days * day
        return self.target_seconds


# Titles and rules are marked for translation; the database keeps the English text and the
# UI translates it with {% translate standard.title %}.
CATALOGUE: tuple[StandardSpec, ...] = (
    StandardSpec(
        "INFO-PHONE",
        "information",
        N_("Phone answered, missed calls called back"),
        N_(
            "Every call is answered before the 4th ring (15 s of ringing), with no more than "
            "30 s on hold. Every missed or abandoned call becomes a callback obligation, due "
            "within 1 business hour."
        ),
        # The ring and hold limits are measured from call records; the clock is the callback.
        target_seconds=1 * HOUR,
    ),
    StandardSpec(
        "INFO-WEB",
        "information",
        N_("Internet inquiry answered"),
        N_(
            "Every internet inquiry (sales, service, parts) gets a reply within 1 business "
            "hour, by the method the customer asked for. An automatic reply does not count."
        ),
        target_seconds=1 * HOUR,
        pausable=True,
    ),
    StandardSpec(
        "INFO-WRITTEN",
        "information",
        N_("Written communication acknowledged"),
        N_(
            "Every written communication (e-mail, letter, form) is acknowledged within 2 "
            "business days."
        ),
        business_days=2,
        pausable=True,
    ),
    StandardSpec(
        "INFO-COMPLETE",
        "information",
        N_("Request answered completely"),
        N_(
            "Every request is answered completely (within 5 business days). A case closes "
            "only with a stated answer. The customer can reopen it by replying."
        ),
        # Runs from the case opening to its stated answer. The source sets no figure; a
        # working week keeps a stuck request from going unnoticed (seed 000: seven months).
        business_days=5,
        pausable=True,
    ),
    StandardSpec(
        "INFO-BOOKING",
        "information",
        N_("Service can be booked"),
        N_("Customers can book service on specific days and times, online and through staff."),
    ),
    StandardSpec(
        "INFO-HOURS",
        "information",
        N_("Opening hours published"),
        N_("Opening hours are published per site and compared with the group and the market."),
    ),
    StandardSpec(
        "INFO-TRANSPORT",
        "information",
        N_("Alternative transport offered"),
        N_("Alternative transport (loaner, shuttle, other) is offered and booked."),
    ),
    StandardSpec(
        "WRITEUP-PROMPT",
        "write-up",
        N_("Prompt write-up"),
        N_(
            "Write-up starts right after the greeting, or at the appointment time (within 10 "
            "minutes)."
        ),
        target_seconds=10 * 60,
    ),
    StandardSpec(
        "WRITEUP-CONFIRM",
        "write-up",
        N_("Needs confirmed, inspection permitted"),
        N_("Needs are reviewed and confirmed, and the customer permits the inspection."),
    ),
    StandardSpec(
        "WRITEUP-WALKAROUND",
        "write-up",
        N_("Walk-around inspection documented"),
        N_("A walk-around visual inspection is documented."),
    ),
    StandardSpec(
        "WRITEUP-CONTACT",
        "write-up",
        N_("Customer and vehicle data verified"),
        N_(
            "Customer and vehicle data are verified, including e-mail and preferred contact method."
        ),
    ),
    StandardSpec(
        "WRITEUP-MAINTENANCE",
        "write-up",
        N_("Due maintenance identified"),
        N_("Maintenance that is due is identified and permission is asked."),
    ),
    StandardSpec(
        "WRITEUP-ESTIMATE-TIME",
        "write-up",
        N_("Completion time estimated"),
        N_("An estimated completion time is given."),
    ),
    StandardSpec(
        "REPAIR-TECH",
        "repair",
        N_("Trained technician"),
        N_("The job goes to a technician trained for it."),
    ),
    StandardSpec(
        "REPAIR-INSPECT",
        "repair",
        N_("Documented inspection"),
        N_(
            "A documented inspection, including diagnostic trouble codes and pending updates "
            "or recalls."
        ),
    ),
    StandardSpec(
        "CONSULT-APPROVAL",
        "consultation",
        N_("Approval before work"),
        N_(
            "Findings, full cost and time are reviewed, and the customer approves before work "
            "starts. The primary concern comes first."
        ),
    ),
    StandardSpec(
        "CONSULT-VARIATION",
        "consultation",
        N_("Changes told and approved"),
        N_(
            "Any change in work, parts availability, cost or time is told to the customer "
            "(within 1 business hour), and approved where cost or time grows."
        ),
        # The car usually stands still until the customer hears and approves, so an hour.
        target_seconds=1 * HOUR,
    ),
    StandardSpec(
        "CONSULT-PARTS",
        "consultation",
        N_("Customer told a part has arrived"),
        N_("The customer is told within 1 business day that a special-order part has arrived."),
        business_days=1,
    ),
    StandardSpec(
        "QC-DOCUMENTED",
        "quality",
        N_("Documented quality check"),
        N_(
            "A documented quality check confirms that all work is done and the concern is "
            "fixed before return."
        ),
    ),
    StandardSpec(
        "DELIVERY-ON-TIME",
        "delivery",
        N_("Ready at the promised time"),
        N_("The vehicle is ready at the promised time."),
        calendar_kind=ALWAYS,
        per_item_deadline=True,
    ),
    StandardSpec(
        "DELIVERY-EXPLAIN",
        "delivery",
        N_("Work and costs explained"),
        N_(
            "Work and costs are explained, with documentation handed over, and payment and "
            "pick-up options are offered."
        ),
    ),
    StandardSpec(
        "DELIVERY-NEXT",
        "delivery",
        N_("Next visit offered"),
        N_("The next service visit is offered."),
    ),
    StandardSpec(
        "FOLLOWUP-2D",
        "follow-up",
        N_("Follow-up within 2 business days"),
        N_(
            "The customer is contacted within 2 business days after delivery, by the "
            "preferred method, about satisfaction and concerns."
        ),
        business_days=2,
    ),
    StandardSpec(
        "FOLLOWUP-REBOOK",
        "follow-up",
        N_("Missed bookings contacted again"),
        N_("Everyone who could not get an appointment is contacted again (within 1 business day)."),
        business_days=1,
    ),
    StandardSpec(
        "PROMISE-KEPT",
        "case",
        N_("Promise kept"),
        N_(
            'Every promise to a customer ("a technician will call you") has an owner and a '
            "deadline. It is kept or escalated, never forgotten."
        ),
        calendar_kind=ALWAYS,
        per_item_deadline=True,
    ),
    StandardSpec(
        "CASE-ONE-STORY",
        "case",
        N_("One case, one owner, one story"),
        N_(
            "One case, one owner, one story. Transfers carry the whole history and a handover "
            "note. The customer has a reference and can see the status."
        ),
    ),
    StandardSpec(
        "CASE-OWNER",
        "case",
        N_("Every case has an owner"),
        N_(
            "A new case that routing could not give to anyone has an owner within 15 "
            "business minutes; otherwise it escalates to the team leads."
        ),
        # Started by routing (routing.actions) only when no rule could place the case.
        target_seconds=15 * 60,
    ),
    StandardSpec(
        "CASE-COMEBACK",
        "case",
        N_("Comebacks and open complaints escalated"),
        N_(
            "A vehicle that returns with the same concern, or a complaint that stays open "
            "(more than 2 business days), escalates to the service manager."
        ),
        # A comeback is started with target 0 by the workshop: it escalates at once.
        business_days=2,
        pausable=True,
    ),
    StandardSpec(
        "COMPLAINT-ACK",
        "case",
        N_("Complaint acknowledged"),
        N_(
            "Every complaint is acknowledged within 2 business days, with its reference and "
            "the name of the person who owns it."
        ),
        business_days=2,
    ),
    StandardSpec(
        "COMPLAINT-OPEN",
        "case",
        N_("Complaint closed in time"),
        N_(
            "A complaint still open after 14 days escalates to the service manager. It closes "
            "with the customer's agreement, or with a recorded reason after repeated attempts."
        ),
        # Calendar days, as customers and consumer offices count them.
        business_days=14,
        calendar_kind=ALWAYS,
    ),
    StandardSpec(
        "HOLD-DISPUTE",
        "dispute",
        N_("No collection during a dispute"),
        N_(
            "While a dispute is open, no collection, cut-off or legal action goes out on the "
            "disputed amount."
        ),
        # A guard, not a deadline: measured by the actions it blocks.
    ),
)

BY_CODE: dict[str, StandardSpec] = {spec.code: spec for spec in CATALOGUE}


def sync_catalogue(standard_model: Any = None) -> int:
    """Write the catalogue into the Standard table; safe to run any number of times.

    `standard_model` lets the data migration pass its historical model. Returns how many
    rows were created or changed.
    """
    model = standard_model or Standard
    changed = 0
    _standards.clear()  # the rows are about to be (re)written: read them again afterwards
    with transaction.atomic():
        existing = {row.code: row for row in model.objects.all()}
        for position, spec in enumerate(CATALOGUE):
            values = {
                "category": spec.category,
                "title": spec.title,
                "rule": spec.rule,
                "default_target_seconds": spec.nominal_target_seconds,
                "default_target_business_days": spec.business_days,
                "calendar_kind": spec.calendar_kind,
                "pausable": spec.pausable,
                "position": position,
            }
            row = existing.get(spec.code)
            if row is None:
                model.objects.create(code=spec.code, **values)
                changed += 1
            elif any(getattr(row, field) != value for field, value in values.items()):
                model.objects.filter(code=spec.code).update(**values)
                changed += 1
    return changed


class Policy(NamedTuple):
    """What a site measures for one standard. `target_seconds` None: no default deadline."""

    target_seconds: int | None
    calendar_kind: str
    enabled: bool


def get_standard(code: str) -> Standard:
    """The Standard row for `code`; an unknown code is refused naming `standard_code`.

    Catalogue rows are cached per process: the code owns them and only `sync_catalogue`
    writes them (it empties the cache, and runs after every migrate and test flush).
    The instances are shared, so treat them as read-only.
    """
    if code in BY_CODE:
        standard = _standards.get(code)
        if standard is None:
            _load_standards()
            standard = _standards.get(code)
        if standard is not None:
            return standard
    try:
        return Standard.objects.get(code=code)
    except Standard.DoesNotExist:
        if code not in BY_CODE:
            raise ValidationError(
                {"standard_code": _("Unknown standard '%(code)s'.") % {"code": code}}
            ) from None
    # Known to the code but missing from the table (e.g. a database flushed by a test):
    # the catalogue is the truth, so write it and carry on.
    sync_catalogue()
    return Standard.objects.get(code=code)


def _load_standards() -> None:
    rows = {row.code: row for row in Standard.objects.filter(code__in=list(BY_CODE))}
    if len(rows) == len(BY_CODE):  # a partial table is repaired by get_standard's fallback
        _standards.update(rows)


def effective_policy(site: Site, standard: Standard | str) -> Policy:
    """The site's target, calendar and on/off switch for a standard: override, else default."""
    if isinstance(standard, str):
        standard = get_standard(standard)
    policies = site_policies(site)
    override = policies.overrides.get(standard.code)
    calendar_kind = (override.calendar_kind if override else "") or standard.calendar_kind
    enabled = override.enabled if override else True
    if override is not None and override.target_seconds is not None:
        return Policy(override.target_seconds, calendar_kind, enabled)
    if standard.default_target_business_days is not None:
        day = DAY_24_7 if calendar_kind == ALWAYS else policies.business_day_seconds
        return Policy(standard.default_target_business_days * day, calendar_kind, enabled)
    return Policy(standard.default_target_seconds, calendar_kind, enabled)


# --- per-site policy cache ---------------------------------------------------------------
#
# Starting a clock needs the site's overrides, its escalation ladder and the length of its
# business day. They change rarely, so each process keeps them per site, keyed on what
# any process reads with the Site row anyway: (pk, calendar_version, created_at).
#
# * Every change bumps the Site's calendar_version in the changing transaction: a target
#   or escalation change here (`invalidate_site_policies`), an hours, closure or holiday
#   change in core (`bump_calendar_version`). Another process sees the change as soon as
#   it reads the Site row again (adapters and views read it per request), never later.
# * In this process a generation counter is bumped too (also by `replan_site_clocks`, which
#   every calendar change calls), so an older Site instance held by a caller cannot hit an
#   entry computed before the change, and an entry computed inside a transaction that
#   later rolls back cannot survive under a version number the database hands out again.
# * created_at is in the key because a rolled-back transaction can give the same pk to
#   another site (tests do this all the time).


# The escalation ladder of a site that never set one.
DEFAULT_WARN_RATIO = Decimal("0.75")
DEFAULT_SITE_MANAGER_AFTER = 4 * 3600


@dataclass(frozen=True)
class SitePolicies:
    overrides: dict[str, SiteStandard]
    business_day_seconds: int
    # The site's own ladder, or the defaults (unsaved) when it never set one.
    escalation: EscalationPolicy


SiteKey = tuple[int, int, str, int]
_standards: dict[str, Standard] = {}
_site_policies: dict[SiteKey, SitePolicies] = {}
_cache_lock = threading.Lock()
_generation = [0]


def site_policies(site: Site) -> SitePolicies:
    """The site's overrides, business day and escalation ladder (cached, see above)."""
    key = (
        site.pk,
        site.calendar_version,
        site.created_at.isoformat() if site.created_at else "",
        _generation[0],
    )
    policies = _site_policies.get(key)
    if policies is None:
        policies = SitePolicies(
            overrides={row.standard_id: row for row in SiteStandard.objects.filter(site=site)},
            business_day_seconds=business_day_seconds(site),
            escalation=EscalationPolicy.objects.filter(site=site).first()
            or EscalationPolicy(
                site=site,
                warn_at_ratio=DEFAULT_WARN_RATIO,
                site_manager_after_seconds=DEFAULT_SITE_MANAGER_AFTER,
            ),
        )
        with _cache_lock:
            for stale in [k for k in _site_policies if k[0] == site.pk]:
                del _site_policies[stale]
            _site_policies[key] = policies
    return policies


def forget_site_policies() -> None:
    """Make every cached site policy miss in this process (see the comment above)."""
    with _cache_lock:
        _generation[0] += 1
        _site_policies.clear()


def invalidate_site_policies(site: Site) -> None:
    """A site's policy changed: bump its calendar_version (so every process re-reads its
    policies once it reads the Site row again) and forget this process's copies.
    Call it inside the transaction that makes the change."""
    Site.objects.filter(pk=site.pk).update(calendar_version=F("calendar_version") + 1)
    site.refresh_from_db(fields=["calendar_version"])
    forget_site_policies()


def business_day_seconds(site: Site) -> int:
    """Open seconds of the site's ordinary weekday (see the module docstring)."""
    totals = [0] * 7
    for weekday, start, end in site.opening_intervals.values_list("weekday", "start", "end"):
        start_s = start.hour * HOUR + start.minute * 60 + start.second
        end_s = DAY_24_7 if end is None else end.hour * HOUR + end.minute * 60 + end.second
        if end_s == 0:  # 00:00 after a later start means midnight
            end_s = DAY_24_7
        totals[weekday] += max(end_s - start_s, 0)
    return ordinary_day(totals)


def ordinary_day(totals_by_weekday: list[int]) -> int:
    """The most common non-zero Monday-Friday total (ties: the longest); else any open day."""
    weekdays = Counter(total for total in totals_by_weekday[:5] if total > 0)
    if weekdays:
        return max(weekdays, key=lambda total: (weekdays[total], total))
    open_days = [total for total in totals_by_weekday if total > 0]
    return max(open_days) if open_days else NOMINAL_BUSINESS_DAY


def validate_target_seconds(value: object, field: str = "target_seconds") -> int:
    """A non-negative whole number of seconds, or a ValidationError naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("The target must be a whole number of seconds.")})
    if value < 0:
        raise ValidationError({field: _("A target cannot be negative.")})
    if value > 2**31 - 1:
        raise ValidationError({field: _("The target is too long.")})
    return value


def standard_choices() -> list[tuple[str, str]]:
    """(code, translated title) pairs in catalogue order, for forms and filters."""
    return [(spec.code, f"{spec.code} — {_(spec.title)}") for spec in CATALOGUE]


def checklist_codes() -> frozenset[str]:
    """Standards measured by documented steps, not by a deadline."""
    return frozenset(spec.code for spec in CATALOGUE if spec.measure == CHECKLIST)


__all__ = [
    "BY_CODE",
    "CATALOGUE",
    "Policy",
    "SitePolicies",
    "StandardSpec",
    "business_day_seconds",
    "effective_policy",
    "forget_site_policies",
    "get_standard",
    "invalidate_site_policies",
    "site_policies",
    "sync_catalogue",
    "validate_target_seconds",
]
