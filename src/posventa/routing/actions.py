"""Routing: every change to a site's routing rules and to who is away, and the routing of
an unowned case itself.

Rules (issue 11, item 2; CASE-ONE-STORY):

* A case announced without an owner (`cases.signals.case_needs_owner`: a new inbound case,
  a case put back in a queue) goes by its site's rule for its department. No rule: the case
  waits in the queue as before, and nothing starts.
* The candidates are the rule's team, else the members of the site's teams of that
  department, else the site's agents and service advisors; minus anyone inactive or away.
  Round robin and "fewest open cases" choose among those on duty now (working hours,
  absences, the site's holidays: `core.staffing`); a named owner gets the case unless away.
* The case's timeline says why it went to whom (`case.routed_*`, with the counts), or that
  nobody could take it (`case.routing_found_nobody`), which starts CASE-OWNER: a clock with
  the site's target (15 business minutes by default) that escalates like every clock. It
  is satisfied as soon as the case gets an owner, however it gets one.
* Routing is idempotent and safe under concurrent inbound messages: the rule row is locked
  (`SELECT ... FOR UPDATE`) so two cases cannot both take the same round-robin turn, and the
  case row is locked and re-read so a case already owned is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.cases import actions as cases
from posventa.cases.models import ACTIVE_STATUSES, Case, CaseStatus, Department
from posventa.clocks import actions as clocks
from posventa.core.access import can_see_site, roles_at, users_with_role, visible_sites
from posventa.core.calendars import calendar_for_site
from posventa.core.events import record_event
from posventa.core.models import Membership, Organisation, Role, Site, Team, User
from posventa.core.staffing import working_windows
from posventa.routing.models import AwayPeriod, RoutingMode, RoutingRule

CASE_OWNER = "CASE-OWNER"
ROUTED_VERBS = {
    RoutingMode.ROUND_ROBIN: "case.routed_round_robin",
    RoutingMode.FEWEST_OPEN: "case.routed_fewest_open",
    RoutingMode.NAMED_OWNER: "case.routed_named_owner",
}
NOBODY_VERB = "case.routing_found_nobody"
# Who configures a site's rules, and who may mark someone else away.
CONFIGURING_ROLES = frozenset({Role.SERVICE_MANAGER, Role.SITE_MANAGER, Role.ADMIN})
LEAD_ROLES = CONFIGURING_ROLES | {Role.TEAM_LEAD}
# Without a team for the department, these roles answer customers.
FRONT_ROLES = (Role.AGENT, Role.SERVICE_ADVISOR)
MODES = RoutingMode.values
DEPARTMENTS = Department.values


@dataclass(frozen=True)
class Routed:
    """What routing did with one case: the owner it chose (None: nobody), and why."""

    case: Case
    owner: User | None
    mode: str
    candidates: int
    on_duty: int


# --- rules --------------------------------------------------------------------------------


def can_configure(user: User, site: Site) -> bool:
    """Service and site managers and administrators set a site's routing."""
    if user.is_superuser:
        return True
    return bool(roles_at(user, site) & CONFIGURING_ROLES)


def set_routing_rule(
    site: Site,
    department: str,
    *,
    mode: str,
    team: Team | None = None,
    named_owner: User | None = None,
    actor: User,
) -> RoutingRule:
    """Set how `site` routes the new cases of `department`. Refuses a team of another
    site, and a named owner who cannot work at the site, naming the field."""
    _validate_rule(site, department, mode, team, named_owner)
    with transaction.atomic():
        rule = (
            RoutingRule.objects.select_for_update().filter(site=site, department=department).first()
        )
        if rule is None:
            rule = RoutingRule(site=site, department=department)
        rule.mode, rule.team, rule.named_owner = mode, team, named_owner
        rule.save()
        record_event(
            "routing.rule_set",
            subject=site,
            site=site,
            actor=actor,
            summary=f"{Department(department).label}: {RoutingMode(mode).label}",
            data={
                "department": department,
                "mode": mode,
                "team": team.pk if team else None,
                "named_owner": named_owner.pk if named_owner else None,
            },
        )
    return rule


def clear_routing_rule(site: Site, department: str, *, actor: User) -> None:
    """No routing for `department` any more: its new cases wait in the queue again."""
    with transaction.atomic():
        deleted, _rows = RoutingRule.objects.filter(site=site, department=department).delete()
        if deleted:
            record_event(
                "routing.rule_cleared",
                subject=site,
                site=site,
                actor=actor,
                summary=str(Department(department).label),
                data={"department": department},
            )


def set_unowned_limit(site: Site, minutes: int | None, *, actor: User) -> None:
    """How many business minutes an unrouted case may wait before CASE-OWNER escalates
    (None: the default 15). It is the site's CASE-OWNER target, kept where every target is."""
    if minutes is not None and not 1 <= minutes <= 24 * 60:
        raise ValidationError({"unowned_minutes": _("Choose between 1 and 1440 business minutes.")})
    clocks.set_site_target(site, CASE_OWNER, None if minutes is None else minutes * 60, actor=actor)


def _validate_rule(
    site: Site, department: str, mode: str, team: Team | None, named_owner: User | None
) -> None:
    if department not in DEPARTMENTS:
        raise ValidationError({"department": _("Choose one of the departments.")})
    if mode not in MODES:
        raise ValidationError({"mode": _("Choose one of the routing rules.")})
    if team is not None and team.site_id != site.pk:
        raise ValidationError({"team": _("The team works at another site.")})
    if mode == RoutingMode.NAMED_OWNER and named_owner is None:
        raise ValidationError({"named_owner": _("Name the person who owns these cases.")})
    if named_owner is not None and not (named_owner.is_active and can_see_site(named_owner, site)):
        raise ValidationError({"named_owner": _("This person does not work at this site.")})


# --- away ---------------------------------------------------------------------------------


def can_lead(user: User, site: Site) -> bool:
    """Team leads and managers mark the people of their site away."""
    return user.is_superuser or bool(roles_at(user, site) & LEAD_ROLES)


def can_set_away(actor: User, user: User) -> bool:
    """Anyone for themselves; a team lead or manager for the people of their sites."""
    if actor.pk == user.pk or actor.is_superuser:
        return True
    return any(can_lead(actor, site) for site in visible_sites(user))


def mark_away(user: User, *, actor: User, reason: str = "") -> AwayPeriod:
    """Take `user` out of routing until `mark_back`. Marking someone already away returns
    their open period unchanged."""
    if not can_set_away(actor, user):
        raise ValidationError({"user": _("Only the person or their lead can mark them away.")})
    now = timezone.now()
    with transaction.atomic():
        current = AwayPeriod.objects.select_for_update().filter(user=user, ended_at=None).first()
        if current is not None:
            return current
        period = AwayPeriod.objects.create(
            user=user, started_at=now, reason=reason.strip()[:200], set_by=actor
        )
        record_event(
            "staff.away_set",
            subject=user,
            organisation=_organisation_of(user),
            actor=actor,
            occurred_at=now,
            summary=period.reason,
            data={"user": user.pk},
        )
    return period


def mark_back(user: User, *, actor: User) -> AwayPeriod | None:
    """End `user`'s away period (None if they were not away)."""
    if not can_set_away(actor, user):
        raise ValidationError({"user": _("Only the person or their lead can mark them back.")})
    now = timezone.now()
    with transaction.atomic():
        current = AwayPeriod.objects.select_for_update().filter(user=user, ended_at=None).first()
        if current is None:
            return None
        current.ended_at, current.ended_by = now, actor
        current.save(update_fields=["ended_at", "ended_by"])
        record_event(
            "staff.away_ended",
            subject=user,
            organisation=_organisation_of(user),
            actor=actor,
            occurred_at=now,
            data={"user": user.pk, "since": current.started_at.isoformat()},
        )
    return current


def away_user_ids(user_ids: Sequence[int]) -> set[int]:
    """Which of these people are away now (one query)."""
    rows = AwayPeriod.objects.filter(user_id__in=list(user_ids), ended_at=None)
    return set(rows.values_list("user_id", flat=True))


def _organisation_of(user: User) -> Organisation | None:
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    return membership.organisation if membership else None


# --- routing a case -----------------------------------------------------------------------


def route_cases(cases_to_route: Sequence[Case], *, actor: User | None = None) -> list[Routed]:
    """Route each case that has a rule for its site and department (see the module
    docstring). Cases without a rule are left as they are and not in the result."""
    rules = _rules_for(cases_to_route)
    results = []
    for case in cases_to_route:
        if (case.site_id, case.department) in rules:
            result = route_case(case, actor=actor)
            if result is not None:
                results.append(result)
    return results


def _rules_for(cases_to_route: Sequence[Case]) -> set[tuple[int, str]]:
    """Which (site, department) pairs of these cases have a rule: one query for the lot,
    so an inbound batch without routing pays one SELECT."""
    site_ids = {case.site_id for case in cases_to_route}
    if not site_ids:
        return set()
    rows = RoutingRule.objects.filter(site_id__in=site_ids).values_list("site_id", "department")
    return set(rows)


def route_case(
    case: Case, *, actor: User | None = None, at: dt.datetime | None = None
) -> Routed | None:
    """Give the unowned `case` an owner by its site's rule, or start CASE-OWNER when nobody
    can take it. None when there is no rule, or the case is no longer unowned and active
    (someone took it meanwhile: routing twice changes nothing)."""
    now = at or timezone.now()
    with transaction.atomic():
        # The rule first, always in this order: two routings of one department queue here,
        # so each reads the round-robin pointer the other left.
        rule = (
            RoutingRule.objects.select_for_update(of=("self",))
            .select_related("named_owner")
            .filter(site_id=case.site_id, department=case.department)
            .first()
        )
        if rule is None:
            return None
        current = Case.objects.select_for_update().filter(pk=case.pk).values("owner_id", "status")
        row = current.first()
        if row is None or row["owner_id"] is not None or row["status"] not in ACTIVE_STATUSES:
            return None
        site = case.site
        candidates = candidate_ids(rule, site)
        on_duty = on_duty_ids(site, candidates, now)
        owner = choose_owner(rule, candidates, on_duty)
        result = Routed(case, owner, rule.mode, len(candidates), len(on_duty))
        if owner is None:
            _found_nobody(case, result, actor, now)
        else:
            _give(case, rule, result, actor, now)
    return result


def candidate_ids(rule: RoutingRule, site: Site) -> list[int]:
    """Who may take the rule's cases, in a stable order, before hours and absences."""
    if rule.team_id is not None:
        people = User.objects.filter(teams=rule.team_id)
    else:
        teams = Team.objects.filter(site=site, department=rule.department)
        people = User.objects.filter(teams__in=teams)
        if not teams.exists():
            people = users_with_role(site, *FRONT_ROLES)
    ids = sorted(set(people.filter(is_active=True).values_list("pk", flat=True)))
    away = away_user_ids(ids)
    return [user_id for user_id in ids if user_id not in away]


def on_duty_ids(site: Site, user_ids: Sequence[int], at: dt.datetime) -> list[int]:
    """Which of `user_ids` work at `site` at the instant `at`, in the same order (the few
    queries of `core.staffing.working_windows`, whatever the number of people)."""
    if not user_ids:
        return []
    local_day = at.astimezone(site_timezone(site)).date()
    windows = working_windows(site, user_ids, local_day - dt.timedelta(days=1), local_day)
    return [
        user_id
        for user_id in user_ids
        if any(start <= at < end for day in windows[user_id].values() for start, end in day)
    ]


def site_timezone(site: Site) -> dt.tzinfo:
    return calendar_for_site(site).timezone


def choose_owner(rule: RoutingRule, candidates: list[int], on_duty: list[int]) -> User | None:
    """The person the rule picks, or None when it finds nobody."""
    if rule.mode == RoutingMode.NAMED_OWNER:
        named = rule.named_owner
        if named is None or not named.is_active or named.pk in away_user_ids([named.pk]):
            return None
        return named
    if not on_duty:
        return None
    if rule.mode == RoutingMode.FEWEST_OPEN:
        chosen = _fewest_open(on_duty)
    else:
        chosen = _next_in_turn(on_duty, rule.last_owner_id)
    return User.objects.get(pk=chosen)


def _next_in_turn(on_duty: list[int], last_owner_id: int | None) -> int:
    """The first person after the last one served, going round (ids in order)."""
    if last_owner_id is None:
        return on_duty[0]
    later = [user_id for user_id in on_duty if user_id > last_owner_id]
    return later[0] if later else on_duty[0]


def _fewest_open(on_duty: list[int]) -> int:
    """The person with the fewest active cases; ties go to the lowest id (stable)."""
    counts = dict(
        Case.objects.filter(owner_id__in=on_duty, status__in=ACTIVE_STATUSES)
        .values_list("owner_id")
        .annotate(open=Count("pk"))
        .values_list("owner_id", "open")
    )
    return min(on_duty, key=lambda user_id: (counts.get(user_id, 0), user_id))


def _give(
    case: Case, rule: RoutingRule, result: Routed, actor: User | None, now: dt.datetime
) -> None:
    owner = result.owner
    assert owner is not None
    cases.assign_case(case, owner, actor=actor)
    if rule.mode == RoutingMode.ROUND_ROBIN:
        rule.last_owner = owner
        rule.save(update_fields=["last_owner", "updated_at"])
    record_event(
        ROUTED_VERBS[RoutingMode(rule.mode)],
        subject=case,
        site=case.site,
        actor=actor,
        actor_label="" if actor else "routing",
        occurred_at=now,
        summary=str(owner),
        data=_data(result),
    )


def _found_nobody(case: Case, result: Routed, actor: User | None, now: dt.datetime) -> None:
    record_event(
        NOBODY_VERB,
        subject=case,
        site=case.site,
        actor=actor,
        actor_label="" if actor else "routing",
        occurred_at=now,
        data=_data(result),
    )
    clocks.start_clock(
        CASE_OWNER,
        subject=case,
        site=case.site,
        # A new case has been waiting since it arrived; one put back in a queue, from now.
        started_at=min(case.opened_at, now) if case.status == CaseStatus.NEW else now,
        label=case.reference,
        actor=actor,
    )


def _data(result: Routed) -> dict[str, object]:
    return {
        "mode": result.mode,
        "owner": result.owner.pk if result.owner else None,
        "candidates": result.candidates,
        "on_duty": result.on_duty,
    }


def owner_found(case: Case, *, actor: User | None) -> None:
    """The case has an owner now: CASE-OWNER is met (a no-op when it never started)."""
    clocks.satisfy_clocks(case, CASE_OWNER, actor=actor)
