"""HOLD-DISPUTE's figures: collection actions refused because a dispute held the account
(billing's 409 refusals), per site and per person (issue 11, item 6).

A refusal is counted at the site of the disputed case and for the person who owns that
case (the one who was told). The period is the site's local days, like every figure
(`metrics.period_q`). Allowed attempts on the same sites are counted beside them, so a
manager sees how often collections asked at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from posventa.billing.models import CollectionAttempt, CollectionKind
from posventa.core.models import Site, User
from posventa.reports.metrics import period_q

SITE_PATH = "hold__case__site_id"
OWNER_PATH = "hold__case__owner_id"


@dataclass
class RefusalRow:
    key: int | None  # site or owner id; None: a case nobody owned
    name: str
    refused: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RefusalReport:
    by_site: list[RefusalRow]
    by_person: list[RefusalRow]

    @property
    def total(self) -> int:
        return sum(row.refused for row in self.by_site)


def refusals_in_period(
    sites: Iterable[Site], start: dt.date, end: dt.date
) -> QuerySet[CollectionAttempt]:
    return CollectionAttempt.objects.filter(
        period_q(list(sites), start, end, "at", site_field=SITE_PATH), refused=True
    )


def refusal_report(sites: Iterable[Site], start: dt.date, end: dt.date) -> RefusalReport:
    sites = list(sites)
    refused = refusals_in_period(sites, start, end)
    names = {site.pk: site.name for site in sites}
    by_site = _grouped(refused, SITE_PATH, names)
    owner_ids = set(refused.values_list(OWNER_PATH, flat=True))
    people = {user.pk: str(user) for user in User.objects.filter(pk__in=owner_ids)}
    return RefusalReport(by_site, _grouped(refused, OWNER_PATH, people))


def _grouped(
    rows: QuerySet[CollectionAttempt], path: str, names: dict[int, str]
) -> list[RefusalRow]:
    counts = rows.order_by().values(path, "kind").annotate(n=Count("pk", filter=Q(refused=True)))
    grouped: dict[int | None, RefusalRow] = {}
    for item in counts:
        key = item[path]
        row = grouped.setdefault(key, RefusalRow(key, names.get(key, "") if key else ""))
        row.refused += item["n"]
        row.by_kind[item["kind"]] = item["n"]
    return sorted(grouped.values(), key=lambda row: (row.key is None, row.name))


def kinds() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in CollectionKind.choices]
