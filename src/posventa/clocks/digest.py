"""The daily digest: each service and site manager gets one e-mail per local day, in their
language, saying what breached yesterday and what is at risk today, per owner (issue 11,
item 3).

"Yesterday" and "today" are the manager's local days (the timezone of the site they work
at, `core.access.viewer_timezone`). A digest goes out once the manager's local clock passes
POSVENTA_DIGEST_HOUR (default 7). It is sent once per manager and local day whatever the
number of sweepers and runs: the outbox row's dedupe key is `digest:<user>:<date>`, and
`send_due_digests` skips managers whose key for today is taken before it builds anything.
The sweeper runs it as a housekeeping job; the `send_digests` command runs it by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.clocks.models import Clock, ClockState
from posventa.core.access import viewer_timezone
from posventa.core.models import Membership, Role, Site, User
from posventa.outbox.actions import build_user_notification, queue_notifications
from posventa.outbox.models import Notification

DIGEST_ROLES = (Role.SERVICE_MANAGER, Role.SITE_MANAGER)
# Items listed per owner and section; the counts are always complete.
ITEMS_PER_OWNER = 10


@dataclass
class OwnerLines:
    owner: str
    breached: list[Clock] = field(default_factory=list)
    at_risk: list[Clock] = field(default_factory=list)


@dataclass(frozen=True)
class Digest:
    manager: User
    day: dt.date  # the manager's local "today"
    zone: ZoneInfo
    owners: list[OwnerLines]

    @property
    def breached(self) -> int:
        return sum(len(lines.breached) for lines in self.owners)

    @property
    def at_risk(self) -> int:
        return sum(len(lines.at_risk) for lines in self.owners)


def digest_hour() -> int:
    return int(getattr(settings, "POSVENTA_DIGEST_HOUR", 7))


def dedupe_key(manager: User, day: dt.date) -> str:
    return f"digest:{manager.pk}:{day.isoformat()}"


def managers() -> list[User]:
    """Active service and site managers of any site, once each."""
    ids = Membership.objects.filter(role__in=DIGEST_ROLES).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def sites_of(manager: User) -> list[int]:
    """The sites a manager's digest covers: where they hold a manager role."""
    rows = Membership.objects.filter(user=manager, role__in=DIGEST_ROLES)
    return list(
        Site.objects.filter(
            Q(pk__in=rows.filter(site__isnull=False).values("site"))
            | Q(organisation__in=rows.filter(site__isnull=True).values("organisation"))
        ).values_list("pk", flat=True)
    )


def build_digest(manager: User, now: dt.datetime) -> Digest:
    """What breached in the manager's local yesterday and what falls due in their local
    today and is still open, grouped by owner (unowned last)."""
    zone = ZoneInfo(viewer_timezone(manager))
    today = now.astimezone(zone).date()
    start_today = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    start_yesterday = start_today - dt.timedelta(days=1)
    end_today = start_today + dt.timedelta(days=1)
    site_ids = sites_of(manager)
    clocks = Clock.objects.filter(site_id__in=site_ids).select_related("owner", "site")
    breached = clocks.filter(breached_at__gte=start_yesterday, breached_at__lt=start_today)
    at_risk = clocks.filter(
        state=ClockState.RUNNING, breached_at__isnull=True, due_at__lt=end_today
    )
    lines: dict[int | None, OwnerLines] = {}
    for section, rows in (("breached", breached), ("at_risk", at_risk)):
        for clock in rows.order_by("due_at", "id"):
            entry = lines.setdefault(
                clock.owner_id, OwnerLines(str(clock.owner) if clock.owner else "")
            )
            getattr(entry, section).append(clock)
    ordered = sorted(lines.items(), key=lambda item: (item[0] is None, item[1].owner))
    return Digest(manager, today, zone, [entry for _key, entry in ordered])


def render(digest: Digest) -> tuple[str, str]:
    """Subject and body in the manager's language."""
    with translation.override(digest.manager.language or None):
        subject = _("Deadlines digest for %(day)s: %(breached)s breached, %(risk)s at risk") % {
            "day": digest.day.isoformat(),
            "breached": digest.breached,
            "risk": digest.at_risk,
        }
        if not digest.owners:
            return subject, _("Nothing breached yesterday and nothing is at risk today.")
        parts = []
        for lines in digest.owners:
            parts.append(lines.owner or _("Unowned"))
            parts += _section(_("Breached yesterday"), lines.breached, digest.zone)
            parts += _section(_("At risk today"), lines.at_risk, digest.zone)
            parts.append("")
        return subject, "\n".join(parts).rstrip() + "\n"


def _section(title: str, clocks: list[Clock], zone: ZoneInfo) -> list[str]:
    if not clocks:
        return []
    lines = [f"  {title} ({len(clocks)}):"]
    for clock in clocks[:ITEMS_PER_OWNER]:
        due = clock.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if clock.due_at else "-"
        lines.append(f"  - {clock.standard_id} {clock.label or '#' + str(clock.pk)} · {due}")
    if len(clocks) > ITEMS_PER_OWNER:
        lines.append("  - " + _("and %(count)s more") % {"count": len(clocks) - ITEMS_PER_OWNER})
    return lines


def send_due_digests(now: dt.datetime | None = None) -> int:
    """Queue today's digest for every manager whose local time has passed the digest hour
    and who has not had it yet. Returns how many were queued."""
    now = now or timezone.now()
    due: list[tuple[User, dt.date]] = []
    for manager in managers():
        local = now.astimezone(ZoneInfo(viewer_timezone(manager)))
        if local.hour >= digest_hour():
            due.append((manager, local.date()))
    keys = {dedupe_key(manager, day) for manager, day in due}
    sent = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    rows = []
    for manager, day in due:
        if dedupe_key(manager, day) in sent:
            continue
        subject, body = render(build_digest(manager, now))
        rows.append(
            build_user_notification(
                manager, subject=subject, body=body, dedupe_key=dedupe_key(manager, day)
            )
        )
    with transaction.atomic():
        return len(queue_notifications(rows))


__all__ = ["Digest", "build_digest", "render", "send_due_digests"]
