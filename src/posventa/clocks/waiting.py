"""Waiting on us, read side: one row per subject (a case, a missed call, a promise...), the
subject's most urgent obligation first and its other open obligations beside it.

Rows are ordered by their *lead* clock: the subject's matching clock with the earliest real
deadline (due_at is a real instant, so business-hours and 24/7 clocks sort together).
Subjects whose clocks are all paused have no deadline and come after every running one,
oldest first.

Paging is keyset, never OFFSET, so page 2,000 costs what page 1 costs at a million open
clocks. A clock leads its subject when no other matching running clock of the same subject
comes before it in (due_at, id) order; walking the partial index `clock_running_due` in
that order and keeping only such clocks yields subjects already sorted, one row each, and
the anti-join is one probe of `clock_subject` per candidate (a subject has a handful of
clocks). DISTINCT ON (subject) would have to sort every open clock before the first page;
a per-subject summary table would need every clock action to maintain it. Subjects whose
clocks are all paused follow once the running ones run out, read in batches over
`clock_paused_started` (see paused_leads_after).

Filters (site, standard, owner, team, breached) choose which clocks count: a row shows its
subject's matching clocks, and leads with the most urgent of them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from posventa.clocks.models import OPEN_STATES, Clock, ClockState, Standard
from posventa.clocks.subjects import SubjectCard, SubjectKey, present
from posventa.core.models import Membership, Site, Team, User

PAGE_SIZE = 50
# Counts above this read "100+": an exact count of a million rows would cost more than the
# page itself, and nobody acts differently on 1,412 or 1,413 late obligations. The cost of a
# capped count grows with the cap divided by how many clocks match the filters.
COUNT_CAP = 100
RUNNING_PHASE = "r"
PAUSED_PHASE = "p"


class Urgency:
    BREACHED = "breached"
    WARNED = "warned"
    ON_TIME = "on_time"
    PAUSED = "paused"


@dataclass(frozen=True)
class Filters:
    site: Site | None = None
    standard: Standard | None = None
    # "all", "me", "none" (nobody owns it yet) or a user's primary key as text.
    owner: str = "all"
    team: Team | None = None
    breached: bool = False


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this lead clock, in its phase's order."""

    phase: str
    instant: dt.datetime
    pk: int

    def encode(self) -> str:
        return f"{self.phase}~{self.instant.isoformat()}~{self.pk}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """None (the first page) for anything that is not a cursor this module wrote."""
        try:
            phase, instant, pk = (text or "").split("~")
            moment = dt.datetime.fromisoformat(instant)
        except ValueError:
            return None
        if phase not in (RUNNING_PHASE, PAUSED_PHASE) or moment.tzinfo is None:
            return None
        return cls(phase, moment, int(pk)) if pk.isdigit() else None


@dataclass(frozen=True)
class Obligation:
    clock: Clock
    urgency: str
    # Real seconds until the deadline (negative once late); None while paused, because a
    # paused clock has no deadline until it resumes.
    seconds_left: float | None


@dataclass(frozen=True)
class WaitingRow:
    lead: Obligation
    others: list[Obligation]
    subject: SubjectCard
    # The zone the row's times are shown in (see viewer_zone).
    zone: zoneinfo.ZoneInfo

    @property
    def clock(self) -> Clock:
        return self.lead.clock

    @property
    def urgency(self) -> str:
        """The row's urgency is its lead obligation's."""
        return self.lead.urgency

    @property
    def due_local(self) -> dt.datetime | None:
        """The lead's deadline in the row's zone (the template shows it as it is)."""
        due = self.lead.clock.due_at
        return due.astimezone(self.zone) if due is not None else None


@dataclass
class WaitingPage:
    rows: list[WaitingRow]
    next_cursor: Cursor | None
    is_first: bool
    summary: dict[str, int] = field(default_factory=dict)


def viewer_zone(user: User, sites: list[Site]) -> zoneinfo.ZoneInfo | None:
    """The zone a person reads times in: their site's, when they work at exactly one site.

    Someone covering several sites or the whole group (a group role) has no single site of
    their own, so None: each row is then shown in its clock's site zone, with the zone
    named, which is the time the customer and the site's staff live by.
    """
    memberships = {(m.site_id) for m in Membership.objects.filter(user=user).only("site_id")}
    if len(memberships) != 1 or None in memberships:
        return None
    [site_id] = memberships
    zone_name = next((site.timezone for site in sites if site.pk == site_id), None)
    return zoneinfo.ZoneInfo(zone_name) if zone_name else None


def matching_clocks(
    site_ids: list[int], filters: Filters, *, user: User, now: dt.datetime
) -> QuerySet[Clock]:
    """Clocks of the visible sites that pass the filters, in any state."""
    clocks = Clock.objects.filter(site_id__in=site_ids)
    if filters.site is not None:
        clocks = clocks.filter(site_id=filters.site.pk)
    if filters.standard is not None:
        clocks = clocks.filter(standard_id=filters.standard.pk)
    if filters.owner == "me":
        clocks = clocks.filter(owner_id=user.pk)
    elif filters.owner == "none":
        clocks = clocks.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        clocks = clocks.filter(owner_id=int(filters.owner))
    if filters.team is not None:
        # The members as a literal list rather than a join through core_user and the team
        # table: every query of the page (leads, their anti-join, rows, counts) then filters
        # on owner_id alone, and the planner walks the deadline index instead of joining.
        members = list(filters.team.members.values_list("pk", flat=True))
        clocks = clocks.filter(owner_id__in=members)
    if filters.breached:
        # The sweeper may not have marked a just-missed deadline yet; it is breached anyway.
        clocks = clocks.filter(breach_condition(now))
    return clocks


def breach_condition(now: dt.datetime) -> Q:
    return Q(breached_at__isnull=False) | Q(state=ClockState.RUNNING, due_at__lte=now)


def _same_subject() -> Q:
    return Q(subject_type_id=OuterRef("subject_type_id"), subject_id=OuterRef("subject_id"))


def running_leads(clocks: QuerySet[Clock]) -> QuerySet[Clock]:
    running = clocks.filter(state=ClockState.RUNNING, due_at__isnull=False)
    earlier = running.filter(_same_subject()).filter(
        Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), pk__lt=OuterRef("pk"))
    )
    return running.filter(~Exists(earlier)).order_by("due_at", "pk")


LEAD_FIELDS = ("pk", "subject_type_id", "subject_id", "due_at", "started_at")
# Paused candidates are read in batches and checked in Python (see paused_leads_after).
PAUSED_BATCH = 200
PAUSED_BATCHES = 5


def subjects_condition(keys: list[SubjectKey]) -> Q:
    ids_by_type: dict[int, list[str]] = defaultdict(list)
    for type_id, subject_id in keys:
        ids_by_type[type_id].append(subject_id)
    condition = Q(pk__in=[])
    for type_id, ids in ids_by_type.items():
        condition |= Q(subject_type_id=type_id, subject_id__in=ids)
    return condition


def _after(instant_field: str, cursor: Cursor) -> Q:
    # The first term lets PostgreSQL start the index range at the cursor; the second is the
    # exact keyset condition.
    return Q(**{f"{instant_field}__gte": cursor.instant}) & (
        Q(**{f"{instant_field}__gt": cursor.instant})
        | Q(**{instant_field: cursor.instant, "pk__gt": cursor.pk})
    )


def paused_leads_after(
    clocks: QuerySet[Clock], cursor: Cursor | None, wanted: int
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Up to `wanted` subjects whose matching clocks are all paused, by their oldest one.

    Read in batches over clock_paused_started and checked in Python with one query for the
    batch's sibling clocks: as one SQL anti-join, PostgreSQL misjudged how many paused
    clocks survive and hashed every running clock first (4 s at 1M clocks). At most
    PAUSED_BATCHES batches are read; the second value is where to go on when they ran out
    before `wanted` were found (None when nothing is left).
    """
    paused = clocks.filter(state=ClockState.PAUSED).order_by("started_at", "pk")
    found: list[dict[str, Any]] = []
    position = cursor
    for _ in range(PAUSED_BATCHES):
        page = paused if position is None else paused.filter(_after("started_at", position))
        batch = list(page.values(*LEAD_FIELDS)[:PAUSED_BATCH])
        if not batch:
            return found, None
        keys = [(row["subject_type_id"], row["subject_id"]) for row in batch]
        with_running: set[SubjectKey] = set()
        first_paused: dict[SubjectKey, tuple[dt.datetime, int]] = {}
        siblings = clocks.filter(subjects_condition(keys), state__in=OPEN_STATES).values_list(
            "subject_type_id", "subject_id", "state", "started_at", "pk"
        )
        for type_id, subject_id, state, started_at, pk in siblings:
            key = (type_id, subject_id)
            if state == ClockState.RUNNING:
                with_running.add(key)
            elif key not in first_paused or (started_at, pk) < first_paused[key]:
                first_paused[key] = (started_at, pk)
        for row, key in zip(batch, keys, strict=True):
            if key in with_running or first_paused.get(key) != (row["started_at"], row["pk"]):
                continue
            found.append(dict(row, phase=PAUSED_PHASE))
            if len(found) == wanted:
                return found, None
        if len(batch) < PAUSED_BATCH:
            return found, None
        last = batch[-1]
        position = Cursor(PAUSED_PHASE, last["started_at"], last["pk"])
    return found, position


def lead_page(
    clocks: QuerySet[Clock], cursor: Cursor | None, size: int
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Up to `size` lead clocks after `cursor` (as dicts of LEAD_FIELDS) and the next cursor."""
    leads: list[dict[str, Any]] = []
    paused_cursor = cursor if cursor is not None and cursor.phase == PAUSED_PHASE else None
    if paused_cursor is None:
        running = running_leads(clocks)
        if cursor is not None:
            running = running.filter(_after("due_at", cursor))
        leads = [dict(row, phase=RUNNING_PHASE) for row in running.values(*LEAD_FIELDS)[: size + 1]]
    resume = None
    if len(leads) <= size:
        more, resume = paused_leads_after(clocks, paused_cursor, size + 1 - len(leads))
        leads += more
    if len(leads) > size:
        last = leads[size - 1]
        instant = last["due_at"] if last["phase"] == RUNNING_PHASE else last["started_at"]
        return leads[:size], Cursor(last["phase"], instant, last["pk"])
    return leads, resume


def urgency_of(clock: Clock, now: dt.datetime) -> str:
    if clock.breached_at is not None or (
        clock.state == ClockState.RUNNING and clock.due_at is not None and clock.due_at <= now
    ):
        return Urgency.BREACHED
    if clock.state == ClockState.PAUSED:
        return Urgency.PAUSED
    if clock.warn_at is not None and clock.warn_at <= now:
        return Urgency.WARNED
    return Urgency.ON_TIME


def obligation(clock: Clock, now: dt.datetime) -> Obligation:
    seconds_left = (
        (clock.due_at - now).total_seconds()
        if clock.state == ClockState.RUNNING and clock.due_at is not None
        else None
    )
    return Obligation(clock, urgency_of(clock, now), seconds_left)


def _urgency_order(clock: Clock) -> tuple[int, dt.datetime, int]:
    if clock.state == ClockState.RUNNING and clock.due_at is not None:
        return (0, clock.due_at, clock.pk)
    return (1, clock.started_at, clock.pk)


# What a row reads of a clock. Loading whole clocks with their standard and site joined
# made a page build about 600 model instances, a third of its server time.
ROW_CLOCK_FIELDS = (
    "id",
    "standard_id",
    "site_id",
    "subject_type_id",
    "subject_id",
    "owner_id",
    "label",
    "state",
    "started_at",
    "calendar_kind",
    "warn_at",
    "due_at",
    "breached_at",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def _page_clocks(clocks: QuerySet[Clock], same_subjects: Q, sites: dict[int, Site]) -> list[Clock]:
    """The open matching clocks of the page's subjects, each with its standard and site
    attached from one small query and the sites already read, not joined per clock."""
    page_clocks = list(
        clocks.filter(same_subjects, state__in=OPEN_STATES)
        .select_related("owner")
        .only(*ROW_CLOCK_FIELDS)
    )
    standards = Standard.objects.in_bulk({clock.standard_id for clock in page_clocks})
    missing_sites = {clock.site_id for clock in page_clocks} - sites.keys()
    sites = {**sites, **Site.objects.in_bulk(missing_sites)} if missing_sites else sites
    for clock in page_clocks:
        clock.standard = standards[clock.standard_id]
        clock.site = sites[clock.site_id]
    return page_clocks


def build_rows(
    clocks: QuerySet[Clock],
    leads: list[dict[str, Any]],
    *,
    now: dt.datetime,
    zone: zoneinfo.ZoneInfo | None,
    sites: dict[int, Site] | None = None,
) -> list[WaitingRow]:
    """One row per lead: three queries for the page's clocks and one per subject type."""
    keys: list[SubjectKey] = [(lead["subject_type_id"], lead["subject_id"]) for lead in leads]
    if not keys:
        return []
    ids_by_type: dict[int, list[str]] = defaultdict(list)
    for type_id, subject_id in keys:
        ids_by_type[type_id].append(subject_id)
    same_subjects = Q()
    for type_id, ids in ids_by_type.items():
        same_subjects |= Q(subject_type_id=type_id, subject_id__in=ids)
    by_subject: dict[SubjectKey, list[Clock]] = defaultdict(list)
    for clock in _page_clocks(clocks, same_subjects, sites or {}):
        by_subject[(clock.subject_type_id, clock.subject_id)].append(clock)
    lead_ids = {lead["pk"] for lead in leads}
    labels = {
        key: next((c.label for c in found if c.pk in lead_ids), "")
        for key, found in by_subject.items()
    }
    cards = present(keys, labels)
    rows = []
    for lead, key in zip(leads, keys, strict=True):
        ordered = sorted(by_subject.get(key, []), key=_urgency_order)
        if not ordered or ordered[0].pk != lead["pk"]:
            continue  # changed between the two reads; the next refresh shows it right
        first, *others = (obligation(clock, now) for clock in ordered)
        row_zone = zone or zoneinfo.ZoneInfo(first.clock.site.timezone)
        rows.append(WaitingRow(first, others, cards[key], row_zone))
    return rows


def capped_count(clocks: QuerySet[Clock], *order: str) -> int:
    """How many, counting no further than COUNT_CAP + 1.

    Ordered as a partial index is, so PostgreSQL walks that index and stops at the cap; left
    unordered it intersects two bitmaps over every matching row first (70 ms at 1M clocks).
    """
    return clocks.order_by(*order).values("pk")[: COUNT_CAP + 1].count()


def summarise(clocks: QuerySet[Clock], now: dt.datetime) -> dict[str, int]:
    """Overdue and paused obligations, each counted up to COUNT_CAP + 1."""
    overdue = clocks.filter(state=ClockState.RUNNING, due_at__isnull=False, due_at__lte=now)
    paused = clocks.filter(state=ClockState.PAUSED)
    return {
        "overdue": capped_count(overdue, "due_at", "pk"),
        "paused": capped_count(paused, "started_at", "pk"),
        "cap": COUNT_CAP,
    }


def waiting_page(
    user: User,
    filters: Filters,
    *,
    sites: list[Site],
    cursor: Cursor | None,
    now: dt.datetime,
    zone: zoneinfo.ZoneInfo | None,
    size: int = PAGE_SIZE,
) -> WaitingPage:
    """One page of rows; `zone` is viewer_zone(user, sites), None for per-site times."""
    # A team filter joins the team's members, at most one row per owner: no duplicates.
    clocks = matching_clocks([site.pk for site in sites], filters, user=user, now=now)
    leads, next_cursor = lead_page(clocks, cursor, size)
    by_pk = {site.pk: site for site in sites}
    rows = build_rows(clocks, leads, now=now, zone=zone, sites=by_pk)
    return WaitingPage(rows, next_cursor, cursor is None, summarise(clocks, now))
