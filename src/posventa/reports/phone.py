"""INFO-PHONE compliance for a period: per site, per department and per answering agent.

The figures (service level, average speed of answer, abandonment rate, hold breaches,
callback on-time rate) are defined and counted in `posventa.telephony.reporting`; this
module chooses the rows. The period is a range of each site's local days, as for every
other standard (`metrics.local_bounds`): calls by when they started, callbacks by when
they opened. Callbacks have no agent (the site's phone queue owns them), so agent rows
carry call figures only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from posventa.cases.models import Department
from posventa.core.models import Site
from posventa.reports.metrics import period_q
from posventa.telephony.models import Call, Callback
from posventa.telephony.reporting import (
    CallbackFigures,
    CallFigures,
    agent_names,
    call_figures,
    call_figures_by,
    callback_figures,
    callback_figures_by,
)


@dataclass(frozen=True)
class PhoneRow:
    # Site pk, department code, or the agent: a staff member's pk, else the name the phone
    # system gave (None: nobody answered).
    key: Any
    name: str
    calls: CallFigures
    callbacks: CallbackFigures | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "calls": self.calls.as_dict(),
            "callbacks": None if self.callbacks is None else self.callbacks.as_dict(),
        }


@dataclass(frozen=True)
class PhoneReport:
    start: dt.date
    end: dt.date
    total: PhoneRow
    by_site: list[PhoneRow]
    by_department: list[PhoneRow]
    by_agent: list[PhoneRow]

    @property
    def is_empty(self) -> bool:
        return (
            not self.total.calls.offered and not (self.total.callbacks or CallbackFigures()).opened
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": "INFO-PHONE",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total": self.total.as_dict(),
            "by_site": [row.as_dict() for row in self.by_site],
            "by_department": [row.as_dict() for row in self.by_department],
            "by_agent": [row.as_dict() for row in self.by_agent],
        }


def calls_in_period(sites: Iterable[Site], start: dt.date, end: dt.date) -> QuerySet[Call]:
    return Call.objects.filter(period_q(list(sites), start, end, "started_at"))


def callbacks_in_period(sites: Iterable[Site], start: dt.date, end: dt.date) -> QuerySet[Callback]:
    return Callback.objects.filter(period_q(list(sites), start, end, "opened_at"))


def phone_report(
    sites: Iterable[Site], start: dt.date, end: dt.date, *, now: dt.datetime
) -> PhoneReport:
    """Every INFO-PHONE figure of the period at these sites (eight queries)."""
    sites = list(sites)
    calls = calls_in_period(sites, start, end)
    callbacks = callbacks_in_period(sites, start, end)
    site_names = {site.pk: site.name for site in sites}

    calls_by_site = call_figures_by(calls, "site_id")
    callbacks_by_site = callback_figures_by(callbacks, now, "site_id")
    by_site = [
        PhoneRow(
            pk,
            site_names[pk],
            calls_by_site.get((pk,), CallFigures()),
            callbacks_by_site.get((pk,), CallbackFigures()),
        )
        for pk in sorted(
            {k[0] for k in (*calls_by_site, *callbacks_by_site)},
            key=lambda pk: site_names.get(pk, ""),
        )
    ]

    departments = dict(Department.choices)
    calls_by_department = call_figures_by(calls, "department")
    callbacks_by_department = callback_figures_by(callbacks, now, "department")
    by_department = [
        PhoneRow(
            code,
            str(departments.get(code, code)) if code else _("No department"),
            calls_by_department.get((code,), CallFigures()),
            callbacks_by_department.get((code,), CallbackFigures()),
        )
        for code in sorted({k[0] for k in (*calls_by_department, *callbacks_by_department)})
    ]

    # The phone system names the agent (extension, user name); a call matched to a staff
    # member carries them too. Unanswered calls have neither and make one row.
    calls_by_agent = call_figures_by(calls, "agent_id", "agent_raw")
    names = agent_names(key[0] for key in calls_by_agent)
    by_agent = sorted(
        (
            PhoneRow(
                agent_id if agent_id is not None else (agent_raw or None),
                names.get(agent_id, agent_raw) if agent_id is not None else agent_raw,
                figures,
                None,
            )
            for (agent_id, agent_raw), figures in calls_by_agent.items()
        ),
        key=lambda row: (row.key is None, row.name),
    )
    by_agent = [
        row if row.key is not None else PhoneRow(None, _("Not answered by anyone"), row.calls, None)
        for row in by_agent
    ]
    total = PhoneRow(None, _("All sites"), call_figures(calls), callback_figures(callbacks, now))
    return PhoneReport(start, end, total, by_site, by_department, by_agent)
