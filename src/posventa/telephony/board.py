"""The phone board's queries (item 5): what one site's phone looks like right now.

* Today, in the site's local day: calls offered, % answered within the ring limit, the
  average speed of answer, the abandonment rate (counted as `telephony.reporting` counts
  them for the report), and the longest hold going on now.
* The open callbacks, oldest first, with the time left on their INFO-PHONE clock.
* An hour-of-week heat map of the missed calls of the last `HEAT_MAP_WEEKS` weeks, in the
  site's local time, drawn over its opening hours: missed calls while closed show too,
  as demand the site does not serve.

Every part is a bounded query on an index (a day of calls on `call_site_started`, the open
callbacks on `callback_site_opened`, a few weeks of calls for the map), so the board costs
the same with a hundred calls or a hundred thousand in the site's history; the bench
(`bench/telephony.py`, `measure_phone_board`) holds it to 100 ms.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BooleanField, CharField, Count, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, ExtractHour, ExtractIsoWeekDay, Substr
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from posventa.clocks.models import OPEN_STATES, Clock
from posventa.clocks.subjects import SubjectCard
from posventa.clocks.waiting import Obligation, obligation
from posventa.core.models import OpeningInterval, Site, Weekday
from posventa.telephony.models import (
    UNANSWERED_STATUSES,
    Call,
    Callback,
    CallbackStatus,
    CallDirection,
    CallEvent,
    CallEventKind,
    CallStatus,
)
from posventa.telephony.reporting import CallFigures, call_figures

HEAT_MAP_WEEKS = 4
CALLBACKS_SHOWN = 50
# A call open longer than this is left to the stale-call timeout, not shown as on hold.
LIVE_WINDOW = dt.timedelta(days=1)
DAY_HOURS = range(24)
# The condition of the partial index call_missed_site_started, written out with its
# constants: SQLite uses a partial index only when the query states the index's condition
# literally, and Django would send the statuses as bound parameters.
_TABLE = Call._meta.db_table
_UNANSWERED = ", ".join(f"'{status.value}'" for status in UNANSWERED_STATUSES)
MISSED_INBOUND = RawSQL(
    f'"{_TABLE}"."direction" = \'{CallDirection.INBOUND.value}\' '
    f'AND "{_TABLE}"."status" IN ({_UNANSWERED})',
    (),
    output_field=BooleanField(),
)


@dataclass(frozen=True)
class BoardCallback:
    callback: Callback
    obligation: Obligation | None
    customer_name: str

    @property
    def tel_url(self) -> str:
        return f"tel:{self.callback.number}"


@dataclass(frozen=True)
class HeatCell:
    hour: int
    missed: int
    open: bool  # the site is open at some moment of this hour
    level: int  # 0 (none) .. 4 (the busiest hour of the map)


@dataclass(frozen=True)
class HeatRow:
    weekday: int  # 0 = Monday, as OpeningInterval counts
    cells: list[HeatCell]

    @property
    def weekday_label(self) -> str:
        return str(Weekday(self.weekday).label)

    def cells_html(self) -> SafeString:
        """The row's 24 cells. Built here rather than in the template: 168 cells with a
        plural and a title each were most of the board's time in Django's template engine.
        Only the translated words need escaping; everything else is a number."""
        day = escape(self.weekday_label)
        states = {True: escape(gettext("open")), False: escape(gettext("closed"))}
        counted: dict[int, str] = {}
        cells = []
        for cell in self.cells:
            if cell.missed not in counted:
                counted[cell.missed] = escape(
                    ngettext("%(count)s missed call", "%(count)s missed calls", cell.missed)
                    % {"count": cell.missed}
                )
            state = "open" if cell.open else "closed"
            cells.append(
                f'<td class="heat-{cell.level} {state}" data-hour="{cell.hour}" '
                f'data-missed="{cell.missed}" title="{day} {cell.hour:02d}:00 · '
                f'{counted[cell.missed]} · {states[cell.open]}">{cell.missed or ""}</td>'
            )
        return mark_safe("".join(cells))  # numbers and escaped words only


@dataclass(frozen=True)
class HeatMap:
    rows: list[HeatRow]
    weeks: int
    total: int
    outside_hours: int


@dataclass(frozen=True)
class Board:
    site: Site
    now: dt.datetime
    today: CallFigures
    in_progress: int
    longest_hold_seconds: int | None
    callbacks: list[BoardCallback]
    open_callbacks: int
    heat_map: HeatMap


def build_board(site: Site, now: dt.datetime) -> Board:
    zone = zoneinfo.ZoneInfo(site.timezone)
    day_start, day_end = local_day(now, zone)
    today_calls = Call.objects.filter(site=site, started_at__gte=day_start, started_at__lt=day_end)
    callbacks, open_count = open_callbacks(site, now)
    in_progress, longest = current_holds(site, now)
    return Board(
        site=site,
        now=now,
        today=call_figures(today_calls),
        in_progress=in_progress,
        longest_hold_seconds=longest,
        callbacks=callbacks,
        open_callbacks=open_count,
        heat_map=missed_heat_map(site, now, zone),
    )


def local_day(now: dt.datetime, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) of `now`'s day in `zone`, as instants."""
    day = now.astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def current_holds(site: Site, now: dt.datetime) -> tuple[int, int | None]:
    """How many calls are going on now, and the longest hold among them (seconds), from
    their hold events: a hold started and not yet ended."""
    live = Call.objects.filter(
        site=site,
        status__in=[CallStatus.RINGING, CallStatus.IN_PROGRESS],
        started_at__gte=now - LIVE_WINDOW,
    )
    live_ids = list(live.filter(status=CallStatus.IN_PROGRESS).values_list("pk", flat=True))
    if not live_ids:
        return 0, None
    holding: dict[int, dt.datetime | None] = {}
    events = (
        CallEvent.objects.filter(
            call_id__in=live_ids, kind__in=[CallEventKind.HOLD_STARTED, CallEventKind.HOLD_ENDED]
        )
        .order_by("call_id", "occurred_at", "pk")
        .values_list("call_id", "kind", "occurred_at")
    )
    for call_id, kind, occurred_at in events:
        holding[call_id] = occurred_at if kind == CallEventKind.HOLD_STARTED else None
    started = [at for at in holding.values() if at is not None]
    longest = max((int((now - at).total_seconds()) for at in started), default=None)
    return len(live_ids), longest


def open_callbacks(site: Site, now: dt.datetime) -> tuple[list[BoardCallback], int]:
    """The oldest open callbacks with their clocks (three queries), and how many are open."""
    rows = list(
        Callback.objects.filter(site=site, status=CallbackStatus.OPEN)
        .select_related("customer")
        .order_by("opened_at", "pk")[:CALLBACKS_SHOWN]
    )
    count = len(rows)
    if count == CALLBACKS_SHOWN:
        count = Callback.objects.filter(site=site, status=CallbackStatus.OPEN).count()
    clocks = _open_clocks([row.pk for row in rows])
    shown = [
        BoardCallback(
            callback=row,
            obligation=obligation(clocks[row.pk], now) if row.pk in clocks else None,
            customer_name=row.customer.display_name if row.customer else "",
        )
        for row in rows
    ]
    return shown, count


def _open_clocks(callback_ids: Sequence[int]) -> dict[int, Clock]:
    if not callback_ids:
        return {}
    rows = Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Callback),
        subject_id__in=[str(pk) for pk in callback_ids],
        standard_id="INFO-PHONE",
        state__in=OPEN_STATES,
    ).select_related("standard")
    return {int(clock.subject_id): clock for clock in rows}


def missed_heat_map(site: Site, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> HeatMap:
    """Missed inbound calls per local weekday and hour over the last weeks, beside the
    hours the site is open."""
    begin = now - dt.timedelta(weeks=HEAT_MAP_WEEKS)
    missed = Call.objects.filter(
        MISSED_INBOUND, site=site, started_at__gte=begin, started_at__lt=now
    ).order_by()
    counts = _local_hour_counts(missed, zone, begin, now)
    open_hours = opening_hours_by_weekday(site)
    busiest = max(counts.values(), default=0)
    rows = []
    outside = 0
    for weekday in range(7):
        cells = []
        for hour in DAY_HOURS:
            count = counts.get((weekday, hour), 0)
            is_open = hour in open_hours[weekday]
            if not is_open:
                outside += count
            cells.append(HeatCell(hour, count, is_open, _level(count, busiest)))
        rows.append(HeatRow(weekday, cells))
    return HeatMap(rows, HEAT_MAP_WEEKS, sum(counts.values()), outside)


def _local_hour_counts(
    calls: QuerySet[Call], zone: zoneinfo.ZoneInfo, begin: dt.datetime, end: dt.datetime
) -> dict[tuple[int, int], int]:
    """{(weekday 0-6, local hour): calls}. PostgreSQL converts to the zone itself (AT TIME
    ZONE). SQLite has no time zones: Django's Extract calls back into Python for every row
    (about 100 ms for a month of a busy site's missed calls), so there the database counts
    per UTC hour (a text prefix of the stored value) and Python folds those few hundred
    buckets into local hours."""
    if connection.vendor != "sqlite":
        rows = (
            calls.annotate(
                weekday=ExtractIsoWeekDay("started_at", tzinfo=zone),
                hour=ExtractHour("started_at", tzinfo=zone),
            )
            .values("weekday", "hour")
            .annotate(missed=Count("pk"))
        )
        return {(row["weekday"] - 1, row["hour"]): row["missed"] for row in rows}
    # UTC hours fold exactly into local hours where the zone's offset is whole hours; a
    # zone half an hour off (India, Newfoundland) is counted per UTC minute instead.
    whole_hours = all(
        (moment.astimezone(zone).utcoffset() or dt.timedelta()).total_seconds() % 3600 == 0
        for moment in (begin, end)
    )
    width = 13 if whole_hours else 16  # "YYYY-MM-DD HH" or "YYYY-MM-DD HH:MM"
    buckets = (
        calls.annotate(bucket=Substr(Cast("started_at", CharField()), 1, width))
        .values("bucket")
        .annotate(missed=Count("pk"))
        .values_list("bucket", "missed")
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for bucket, missed in buckets:
        moment = dt.datetime.fromisoformat(bucket if not whole_hours else f"{bucket}:00")
        local = moment.replace(tzinfo=dt.UTC).astimezone(zone)
        counts[(local.weekday(), local.hour)] += missed
    return counts


def _level(missed: int, busiest: int) -> int:
    if not missed or not busiest:
        return 0
    return max(1, min(4, -(-4 * missed // busiest)))


def opening_hours_by_weekday(site: Site) -> dict[int, set[int]]:
    """The local hours (0-23) in which the site is open at some moment, per weekday."""
    hours: dict[int, set[int]] = {day: set() for day in range(7)}
    for interval in OpeningInterval.objects.filter(site=site):
        start = interval.start.hour * 60 + interval.start.minute
        end = 24 * 60 if interval.end is None else interval.end.hour * 60 + interval.end.minute
        for hour in DAY_HOURS:
            if start < (hour + 1) * 60 and hour * 60 < end:
                hours[interval.weekday].add(hour)
    return hours


def board_url(site: Site) -> str:
    return reverse("telephony_board:board", args=[site.slug])


def present_callbacks(ids: Sequence[str]) -> dict[str, SubjectCard]:
    """Waiting-list cards for Callback subjects: the number, how often it called, the
    customer when known; linked to the site's phone board, where the call button is."""
    numeric = [int(value) for value in ids if value.isdigit()]
    rows = Callback.objects.filter(pk__in=numeric).select_related("customer", "site")
    cards = {}
    for row in rows:
        if row.missed_calls > 1:
            title = _("Call back %(number)s (%(count)d missed calls)") % {
                "number": row.number,
                "count": row.missed_calls,
            }
        else:
            title = _("Call back %(number)s") % {"number": row.number}
        cards[str(row.pk)] = SubjectCard(
            title=title,
            url=f"{board_url(row.site)}#callback-{row.pk}",
            customer=row.customer.display_name if row.customer else "",
            reference=row.number,
        )
    return cards
