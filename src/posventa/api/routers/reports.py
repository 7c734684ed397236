"""Compliance figures. `GET /reports/phone`: INFO-PHONE for a period, per site, department
and answering agent, the same figures the compliance page shows (`reports.phone`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from posventa.api import lookups
from posventa.api.auth import scope
from posventa.api.routers.common import LIST_ERRORS
from posventa.api.schemas import SLUG_LENGTH, SLUG_OR_EMPTY, InputSchema, stated
from posventa.reports.phone import PhoneReport, phone_report

router = Router(tags=["reports"])
DEFAULT_PERIOD_DAYS = 30


class PhoneReportFilters(InputSchema):
    start: dt.date | None = Field(
        None, description="First local day of the period (default: 30 days before `end`)."
    )
    end: dt.date | None = Field(None, description="Last local day, included (default: today).")
    site: str | None = stated(
        None, max_length=SLUG_LENGTH, pattern=SLUG_OR_EMPTY, description="A site's slug."
    )


class CallFiguresOut(Schema):
    offered: int = Field(description="Inbound calls that are over.")
    answered: int
    answered_within_limit: int = Field(description="Answered within the site's ring limit.")
    abandoned: int = Field(description="The caller hung up before an answer.")
    unanswered: int
    service_level_percent: float | None = Field(
        description="answered_within_limit / offered; null with nothing offered."
    )
    average_speed_of_answer_seconds: float | None = Field(
        description="Mean ringing time of the answered calls."
    )
    abandonment_rate_percent: float | None
    hold_breaches: int = Field(description="Holds longer than the site's hold limit.")


class CallbackFiguresOut(Schema):
    opened: int
    kept_on_time: int
    late: int = Field(description="Their INFO-PHONE clock breached (permanent).")
    open: int = Field(description="Still open and not late yet.")
    called_back: int
    customer_called: int = Field(
        description="Kept because the customer called again and was answered first."
    )
    message_sent: int = Field(description="Kept by a written message after the last attempt.")
    on_time_rate_percent: float | None = Field(description="kept_on_time / (kept_on_time + late).")


class PhoneRowOut(Schema):
    key: int | str | None = Field(
        description="The site's id, the department code, or the agent: a user id, else "
        "the name the phone system gave; null: calls nobody answered."
    )
    name: str
    calls: CallFiguresOut
    callbacks: CallbackFiguresOut | None = Field(
        description="Null on agent rows: callbacks belong to the site's phone queue."
    )


class PhoneReportOut(Schema):
    standard: str
    start: dt.date
    end: dt.date
    total: PhoneRowOut
    by_site: list[PhoneRowOut]
    by_department: list[PhoneRowOut]
    by_agent: list[PhoneRowOut]


@router.get("/reports/phone", response={200: PhoneReportOut, **LIST_ERRORS})
def phone_compliance(request: HttpRequest, filters: Query[PhoneReportFilters]) -> dict[str, object]:
    """INFO-PHONE compliance at the token's sites for a period of local days: service
    level, average speed of answer, abandonment rate, hold breaches, callback on-time
    rate."""
    reach = scope(request)
    now = timezone.now()
    end = filters.end or timezone.localdate(now)
    start = filters.start or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    if end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    sites = list(reach.sites.order_by("pk"))
    if filters.site:
        sites = [lookups.site(reach, filters.site)]
    report: PhoneReport = phone_report(sites, start, end, now=now)
    return report.as_dict()
