"""Every state change of an obligation clock. Other apps call these; nothing else saves clocks.

Each function locks the clock row, applies the rule, and writes the timeline event on the
clock's *subject* (the case, call, repair order...) in one transaction. The deadlines are
always recomputed from the clock's history by `clocks.deadlines.plan`, so the stored
`warn_at`, `due_at` and `next_action_at` are a cache of that history, never a source.

Rules worth knowing (DESIGN.md, "Clock semantics"):

* `start_clock` returns the open clock of the same standard and subject if there is one:
  a repeat contact does not move the anchor. A database constraint backs this up, so two
  racing starters cannot both insert.
* Pausing removes the paused business time; while paused the deadlines are empty and the
  sweeper ignores the clock. Pausing an already overdue clock records the breach first:
  waiting on the customer cannot hide a deadline we had already missed.
* A breach is permanent. Satisfying late keeps it (and records it if the sweeper had not
  run yet); re-planning, even to a longer target, never clears it.
* A standard a site has switched off still leaves a trace: the clock is created already
  cancelled, so callers always get a Clock and the timeline shows what was skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.businesstime import BusinessCalendar, CalendarError
from posventa.clocks.catalogue import (
    ALWAYS,
    Policy,
    effective_policy,
    forget_site_policies,
    get_standard,
    invalidate_site_policies,
    site_policies,
    validate_target_seconds,
)
from posventa.clocks.deadlines import (
    PauseSpan,
    Schedule,
    counted_between,
    plan,
    whole_seconds,
)
from posventa.clocks.models import (
    OPEN_STATES,
    CalendarKind,
    Clock,
    ClockPause,
    ClockState,
    EscalationPolicy,
    EscalationStep,
    LadderChannel,
    LadderRecipient,
    SiteStandard,
    Standard,
    validate_warn_ratio,
)
from posventa.core.access import can_see_site
from posventa.core.bulk import new_row
from posventa.core.calendars import ALWAYS_OPEN, calendar_for_site
from posventa.core.events import build_event, record_event, record_events
from posventa.core.models import Event, Site, User

# The rungs a site can set (EscalationLevel above NONE).
LADDER_LEVELS = (1, 2, 3)
logger = logging.getLogger("posventa.clocks")


# --- starting -------------------------------------------------------------------------


def start_clock(
    standard_code: str,
    *,
    subject: models.Model,
    site: Site,
    owner: User | None = None,
    started_at: dt.datetime | None = None,
    label: str = "",
    actor: User | None = None,
    target_seconds: int | None = None,
    deadline: dt.datetime | None = None,
) -> Clock:
    """Start an obligation on `subject`, or return the one of this standard already open.

    `target_seconds` overrides the site's target (business seconds on the standard's
    calendar). `deadline` is for promises made for an instant ("by Friday 12:00"): the clock
    then runs 24/7 so it falls due exactly then. Standards without a default target
    (PROMISE-KEPT, checklists) need one of the two.
    """
    standard = get_standard(standard_code)
    if subject is None or subject.pk is None:
        raise ValidationError({"subject": _("The subject must be saved before a clock starts.")})
    started_at = _aware_or_now(started_at, "started_at")
    if owner is not None:
        _validate_owner(owner, site)
    policy = effective_policy(site, standard)
    if policy.enabled:
        target, calendar_kind = _initial_target(
            standard, policy, started_at, target_seconds, deadline
        )
    else:
        # Never measured here, so a missing target is no error: record what was skipped.
        calendar_kind = policy.calendar_kind
        target = policy.target_seconds or 0
        if target_seconds is not None:
            target = validate_target_seconds(target_seconds)
    with transaction.atomic():
        existing = open_clocks_for(subject).filter(standard=standard).first()
        if existing is not None:
            return existing
        clock = Clock(
            standard=standard,
            site=site,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=str(subject.pk),
            owner=owner,
            label=label[:300],
            started_at=started_at,
            target_seconds=target,
            calendar_kind=calendar_kind,
            target_overridden=target_seconds is not None or deadline is not None,
        )
        if not policy.enabled:
            return _create_skipped(clock, actor)
        _apply_schedule(clock, compute_schedule(clock, pauses=()))
        try:
            with transaction.atomic():  # savepoint: a racing starter may have won the insert
                clock.save()
        except IntegrityError:
            existing = open_clocks_for(subject).filter(standard=standard).first()
            if existing is None:
                raise
            return existing
        record_events([_started_event(clock, actor, subject=subject)])
    return clock


def start_clocks(
    standard_codes: Sequence[str],
    *,
    subject: models.Model,
    site: Site,
    owner: User | None = None,
    started_at: dt.datetime | None = None,
    label: str = "",
    actor: User | None = None,
) -> list[Clock]:
    """Start several obligations at once on a subject that has no open clock yet (a case
    created in this very transaction): one INSERT for the clocks and one for their events.

    Each clock comes out exactly as `start_clock` would make it (site targets, switched-off
    standards created cancelled, the same timeline events), but nothing is checked for an
    open clock of the same standard: use `start_clock` on a subject that may have one. The
    one-open-clock constraint still refuses a duplicate.
    """
    new_clocks = build_clocks(
        standard_codes, subject=subject, site=site, owner=owner, started_at=started_at, label=label
    )
    with transaction.atomic(savepoint=False):
        Clock.objects.bulk_create(new_clocks)
        record_events(clock_start_events(new_clocks, actor, subject=subject))
    return new_clocks


def build_clocks(
    standard_codes: Sequence[str],
    *,
    subject: models.Model,
    site: Site,
    owner: User | None = None,
    started_at: dt.datetime | None = None,
    label: str = "",
) -> list[Clock]:
    """The unsaved clocks `start_clocks` inserts, deadlines planned. For callers that
    insert the clocks of many subjects at once (`inbox.batch`): save them, then record
    `clock_start_events`."""
    if subject is None or subject.pk is None:
        raise ValidationError({"subject": _("The subject must be saved before a clock starts.")})
    started_at = _aware_or_now(started_at, "started_at")
    if owner is not None:
        _validate_owner(owner, site)
    escalation = escalation_policy(site)
    subject_type = ContentType.objects.get_for_model(subject)
    new_clocks = []
    for code in dict.fromkeys(standard_codes):  # each standard once, in the order given
        standard = get_standard(code)
        policy = effective_policy(site, standard)
        if policy.enabled:
            target, calendar_kind = _initial_target(standard, policy, started_at, None, None)
        else:
            calendar_kind, target = policy.calendar_kind, policy.target_seconds or 0
        clock = new_row(
            Clock,
            standard=standard,
            site=site,
            subject_type=subject_type,
            subject_id=str(subject.pk),
            owner=owner,
            label=label[:300],
            started_at=started_at,
            target_seconds=target,
            calendar_kind=calendar_kind,
        )
        if policy.enabled:
            _apply_schedule(clock, compute_schedule(clock, pauses=(), escalation=escalation))
        else:
            clock.state = ClockState.CANCELLED
            clock.cancelled_at = started_at
        new_clocks.append(clock)
    return new_clocks


def clock_start_events(
    new_clocks: Sequence[Clock], actor: User | None, *, subject: models.Model
) -> list[Event]:
    """The timeline events of clocks just started: "clock.started", or "clock.skipped"
    for a standard switched off at the site."""
    return [
        _started_event(clock, actor, subject=subject)
        if clock.state == ClockState.RUNNING
        else _skipped_event(clock, actor, subject=subject)
        for clock in new_clocks
    ]


def _started_event(
    clock: Clock, actor: User | None, *, subject: models.Model | None = None
) -> Event:
    return build_clock_event(
        "clock.started",
        clock,
        actor=actor,
        occurred_at=clock.started_at,
        subject=subject,
        data={
            "target_seconds": clock.target_seconds,
            "calendar": clock.calendar_kind,
            "due_at": _iso(clock.due_at),
            "owner": clock.owner_id,
        },
    )


def _skipped_event(
    clock: Clock, actor: User | None, *, subject: models.Model | None = None
) -> Event:
    return build_clock_event(
        "clock.skipped",
        clock,
        actor=actor,
        occurred_at=clock.started_at,
        subject=subject,
        summary=_("%(code)s is switched off at this site.") % {"code": clock.standard_id},
        data={"reason": "standard disabled at this site"},
    )


def _initial_target(
    standard: Standard,
    policy: Policy,
    started_at: dt.datetime,
    target_seconds: int | None,
    deadline: dt.datetime | None,
) -> tuple[int, str]:
    if deadline is not None:
        if target_seconds is not None:
            raise ValidationError({"deadline": _("Give a deadline or a target, not both.")})
        deadline = _aware_or_now(deadline, "deadline")
        if deadline < started_at:
            raise ValidationError({"deadline": _("The deadline is before the clock starts.")})
        # Rounded down: escalating a fraction of a second early beats promising late.
        return whole_seconds(deadline - started_at), ALWAYS
    if target_seconds is not None:
        return validate_target_seconds(target_seconds), policy.calendar_kind
    if policy.target_seconds is None:
        raise ValidationError(
            {
                "target_seconds": _(
                    "%(code)s has no default target: pass target_seconds or a deadline."
                )
                % {"code": standard.code}
            }
        )
    return policy.target_seconds, policy.calendar_kind


def _create_skipped(clock: Clock, actor: User | None) -> Clock:
    clock.state = ClockState.CANCELLED
    clock.cancelled_at = clock.started_at
    clock.save()
    record_events([_skipped_event(clock, actor)])
    return clock


# --- satisfying, pausing, cancelling --------------------------------------------------


def satisfy_clock(
    clock: Clock,
    *,
    at: dt.datetime | None = None,
    actor: User | None = None,
    reason: str = "",
) -> Clock:
    """Close the obligation as met (late or not) and store its business duration."""
    with transaction.atomic():
        current = _lock(clock)
        if current.state == ClockState.SATISFIED:
            return _sync(clock, current)
        if current.state == ClockState.CANCELLED:
            raise ValidationError({"state": _("A cancelled clock cannot be satisfied.")})
        at = _not_before(_aware_or_now(at, "at"), current.started_at, "at")
        _close_open_pause(current, at)
        spans = pause_spans(current)
        schedule = compute_schedule(current, pauses=spans)
        counted = counted_between(calendar_for_clock(current), current.started_at, spans, at)
        late = schedule.due_at is not None and at > schedule.due_at
        if late and current.breached_at is None:
            # The sweeper had not got to it yet: the breach happened at the deadline.
            current.breached_at = schedule.due_at
        current.state = ClockState.SATISFIED
        current.satisfied_at = at
        current.warn_at, current.due_at = schedule.warn_at, schedule.due_at
        current.next_action_at = None
        current.business_seconds = whole_seconds(counted)
        current.delta_seconds = current.business_seconds - current.target_seconds
        current.save()
        record_clock_event(
            "clock.satisfied",
            current,
            actor=actor,
            occurred_at=at,
            summary=reason,
            data={
                "reason": reason,
                "late": current.breached_at is not None,
                "business_seconds": current.business_seconds,
                "delta_seconds": current.delta_seconds,
            },
        )
    return _sync(clock, current)


def satisfy_clocks(
    subject: models.Model,
    standard_code: str,
    *,
    at: dt.datetime | None = None,
    actor: User | None = None,
    reason: str = "",
) -> list[Clock]:
    """Satisfy every open clock of one standard on `subject` (usually there is one)."""
    standard = get_standard(standard_code)
    with transaction.atomic():
        return [
            satisfy_clock(clock, at=at, actor=actor, reason=reason)
            for clock in open_clocks_for(subject).filter(standard=standard)
        ]


def pause_clock(
    clock: Clock,
    *,
    at: dt.datetime | None = None,
    reason: str = "",
    actor: User | None = None,
) -> Clock:
    """Stop the clock counting (e.g. waiting on the customer). A no-op unless running."""
    with transaction.atomic():
        current = _lock(clock)
        if current.state != ClockState.RUNNING:
            return _sync(clock, current)
        if not current.standard.pausable:
            raise ValidationError(
                {"clock": _("%(code)s cannot be paused.") % {"code": current.standard_id}}
            )
        at = _not_before(_aware_or_now(at, "at"), _last_resume(current), "at")
        spans = pause_spans(current)
        schedule = compute_schedule(current, pauses=spans)
        if schedule.due_at is not None and schedule.due_at < at and not current.breached_at:
            current.breached_at = schedule.due_at
        ClockPause.objects.create(clock=current, started_at=at, reason=reason[:200])
        current.state = ClockState.PAUSED
        current.warn_at = current.due_at = current.next_action_at = None
        current.save()
        record_clock_event(
            "clock.paused",
            current,
            actor=actor,
            occurred_at=at,
            summary=reason,
            data={"reason": reason, "breached_at": _iso(current.breached_at)},
        )
    return _sync(clock, current)


def resume_clock(
    clock: Clock, *, at: dt.datetime | None = None, actor: User | None = None
) -> Clock:
    """Let a paused clock count again; its deadlines are recomputed from the history."""
    with transaction.atomic():
        current = _lock(clock)
        if current.state != ClockState.PAUSED:
            return _sync(clock, current)
        pause = current.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
        if pause is not None:
            at = _not_before(_aware_or_now(at, "at"), pause.started_at, "at")
            pause.ended_at = at
            pause.save(update_fields=["ended_at"])
        else:
            at = _aware_or_now(at, "at")
        current.state = ClockState.RUNNING
        _apply_schedule(current, compute_schedule(current))
        current.save()
        record_clock_event(
            "clock.resumed",
            current,
            actor=actor,
            occurred_at=at,
            data={"due_at": _iso(current.due_at)},
        )
    return _sync(clock, current)


def pause_clocks(
    subject: models.Model,
    *,
    reason: str = "",
    at: dt.datetime | None = None,
    actor: User | None = None,
) -> list[Clock]:
    """Pause every running clock of `subject` whose standard may pause."""
    with transaction.atomic():
        running = open_clocks_for(subject).filter(state=ClockState.RUNNING, standard__pausable=True)
        return [pause_clock(clock, at=at, reason=reason, actor=actor) for clock in running]


def resume_clocks(
    subject: models.Model, *, at: dt.datetime | None = None, actor: User | None = None
) -> list[Clock]:
    with transaction.atomic():
        paused = open_clocks_for(subject).filter(state=ClockState.PAUSED)
        return [resume_clock(clock, at=at, actor=actor) for clock in paused]


def cancel_clock(
    clock: Clock,
    *,
    at: dt.datetime | None = None,
    reason: str = "",
    actor: User | None = None,
) -> Clock:
    """The obligation no longer applies. Kept with its history; out of compliance figures
    (a breach that already happened still counts: it is permanent)."""
    with transaction.atomic():
        current = _lock(clock)
        if not current.is_open:
            return _sync(clock, current)
        at = _not_before(_aware_or_now(at, "at"), current.started_at, "at")
        _close_open_pause(current, at)
        current.state = ClockState.CANCELLED
        current.cancelled_at = at
        current.next_action_at = None
        current.save()
        record_clock_event(
            "clock.cancelled",
            current,
            actor=actor,
            occurred_at=at,
            summary=reason,
            data={"reason": reason},
        )
    return _sync(clock, current)


def reassign_clock(clock: Clock, owner: User | None, *, actor: User | None = None) -> Clock:
    """Give the clock to `owner` (None: nobody, so warnings go to the team leads)."""
    with transaction.atomic():
        current = _lock(clock)
        if owner is not None:
            _validate_owner(owner, current.site)
        new_owner_id = owner.pk if owner else None
        if current.owner_id == new_owner_id:
            return _sync(clock, current)
        previous = current.owner_id
        current.owner = owner
        current.save(update_fields=["owner", "updated_at"])
        record_clock_event(
            "clock.reassigned", current, actor=actor, data={"from": previous, "to": new_owner_id}
        )
    return _sync(clock, current)


def open_clocks_for(subject: models.Model) -> QuerySet[Clock]:
    return Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        state__in=OPEN_STATES,
    ).order_by("started_at", "pk")


# --- re-planning ----------------------------------------------------------------------


def replan_clock(clock: Clock, *, actor: User | None = None) -> Clock:
    """Recompute target (from the site's policy, unless the starter set its own) and
    deadlines from the history. Gives the same answer as starting afresh would."""
    with transaction.atomic():
        current = _lock(clock)
        if current.is_open:
            _replan_locked(current, actor=actor, planner=_Planner())
    return _sync(clock, current)


def replan_site_clocks(
    site: Site, *, standard_code: str | None = None, actor: User | None = None
) -> int:
    """Re-plan the site's open clocks (after an hours, closures or policy change).

    Returns how many clocks' deadlines moved. Runs in the caller's transaction when there
    is one (core.actions.bump_calendar_version), so a calendar edit and its consequences
    commit together.
    """
    # Every calendar or policy change comes through here: forget this process's cached
    # policies, including those a caller's older Site instance would still find.
    forget_site_policies()
    planner = _Planner()
    moved = 0
    with transaction.atomic():
        clocks = (
            Clock.objects.select_for_update(of=("self",))
            .filter(site=site, state__in=OPEN_STATES)
            .select_related("standard", "site__organisation")
            .prefetch_related("pauses")
            .order_by("pk")
        )
        if standard_code is not None:
            clocks = clocks.filter(standard_id=standard_code)
        for clock in clocks:
            clock.site = site  # the caller's instance carries the fresh calendar_version
            moved += _replan_locked(clock, actor=actor, planner=planner)
    return moved


def _replan_locked(clock: Clock, *, actor: User | None, planner: _Planner) -> int:
    before = (
        clock.target_seconds,
        clock.calendar_kind,
        clock.warn_at,
        clock.due_at,
        clock.next_action_at,
    )
    if not clock.target_overridden:
        policy = planner.policy(clock.site, clock.standard)
        if policy.target_seconds is not None:
            clock.target_seconds = policy.target_seconds
        clock.calendar_kind = policy.calendar_kind
    _apply_schedule(clock, compute_schedule(clock, escalation=planner.escalation(clock.site)))
    after = (
        clock.target_seconds,
        clock.calendar_kind,
        clock.warn_at,
        clock.due_at,
        clock.next_action_at,
    )
    if after == before:
        return 0
    # breached_at and escalation_level are deliberately untouched: a breach is permanent,
    # and steps already taken are never taken again.
    clock.save(
        update_fields=[
            "target_seconds",
            "calendar_kind",
            "warn_at",
            "due_at",
            "next_action_at",
            "updated_at",
        ]
    )
    if (before[0], before[3]) != (clock.target_seconds, clock.due_at):
        record_clock_event(
            "clock.replanned",
            clock,
            actor=actor,
            data={
                "target_seconds": clock.target_seconds,
                "previous_due_at": _iso(before[3]),
                "due_at": _iso(clock.due_at),
            },
        )
    return 1


@dataclass
class _Planner:
    """Per-call caches so re-planning a whole site reads each policy once."""

    policies: dict[tuple[int, str], Policy] = field(default_factory=dict)
    escalations: dict[int, EscalationPolicy] = field(default_factory=dict)

    def policy(self, site: Site, standard: Standard) -> Policy:
        key = (site.pk, standard.code)
        if key not in self.policies:
            self.policies[key] = effective_policy(site, standard)
        return self.policies[key]

    def escalation(self, site: Site) -> EscalationPolicy:
        if site.pk not in self.escalations:
            self.escalations[site.pk] = escalation_policy(site)
        return self.escalations[site.pk]


# --- site settings --------------------------------------------------------------------


def set_site_target(
    site: Site,
    standard_code: str,
    target_seconds: int | None,
    calendar_kind: str | None = None,
    actor: User | None = None,
    *,
    enabled: bool | None = None,
) -> SiteStandard:
    """Override a standard's target (None: back to the default), calendar or on/off switch
    at one site, and re-plan that site's open clocks of the standard."""
    standard = get_standard(standard_code)
    if target_seconds is not None:
        validate_target_seconds(target_seconds)
    if calendar_kind not in (None, "", *CalendarKind.values):
        raise ValidationError({"calendar_kind": _("Choose business hours or 24/7.")})
    with transaction.atomic():
        override, _created = SiteStandard.objects.select_for_update().get_or_create(
            site=site, standard=standard
        )
        override.target_seconds = target_seconds
        if calendar_kind is not None:
            override.calendar_kind = calendar_kind
        if enabled is not None:
            override.enabled = enabled
        override.save()
        invalidate_site_policies(site)
        record_event(
            "site.standard_policy_changed",
            subject=site,
            site=site,
            actor=actor,
            summary=standard.code,
            data={
                "standard": standard.code,
                "target_seconds": target_seconds,
                "calendar_kind": override.calendar_kind,
                "enabled": override.enabled,
            },
        )
        replan_site_clocks(site, standard_code=standard.code, actor=actor)
    return override


def clear_site_target(site: Site, standard_code: str, *, actor: User | None = None) -> None:
    """Drop a site's override of a standard: the catalogue default applies again."""
    standard = get_standard(standard_code)
    with transaction.atomic():
        SiteStandard.objects.filter(site=site, standard=standard).delete()
        invalidate_site_policies(site)
        record_event(
            "site.standard_policy_cleared",
            subject=site,
            site=site,
            actor=actor,
            summary=standard.code,
            data={"standard": standard.code},
        )
        replan_site_clocks(site, standard_code=standard.code, actor=actor)


def set_escalation_policy(
    site: Site,
    *,
    warn_at_ratio: Decimal | None = None,
    site_manager_after_seconds: int | None = None,
    actor: User | None = None,
) -> EscalationPolicy:
    """Change when owners are warned and when the site manager hears of a breach."""
    if warn_at_ratio is not None:
        try:
            warn_at_ratio = Decimal(str(warn_at_ratio))
            validate_warn_ratio(warn_at_ratio)
        except (ArithmeticError, ValueError, ValidationError) as error:
            raise ValidationError(
                {"warn_at_ratio": _("The warning ratio must be above 0 and at most 1.")}
            ) from error
    if site_manager_after_seconds is not None:
        validate_target_seconds(site_manager_after_seconds, "site_manager_after_seconds")
    with transaction.atomic():
        policy, _created = EscalationPolicy.objects.select_for_update().get_or_create(site=site)
        if warn_at_ratio is not None:
            policy.warn_at_ratio = warn_at_ratio
        if site_manager_after_seconds is not None:
            policy.site_manager_after_seconds = site_manager_after_seconds
        policy.save()
        invalidate_site_policies(site)
        record_event(
            "site.escalation_policy_changed",
            subject=site,
            site=site,
            actor=actor,
            data={
                "warn_at_ratio": str(policy.warn_at_ratio),
                "site_manager_after_seconds": policy.site_manager_after_seconds,
            },
        )
        replan_site_clocks(site, actor=actor)
    return policy


@dataclass(frozen=True)
class StepSpec:
    """One "who, by which channel" of a rung, as a form or the API gives it."""

    recipient: str
    channel: str = LadderChannel.EMAIL
    person: User | None = None


def set_ladder_steps(
    site: Site,
    standard_code: str | None,
    level: int,
    steps: Sequence[StepSpec],
    *,
    actor: User | None = None,
) -> list[EscalationStep]:
    """Replace who one rung of the site's ladder tells for a standard (None: for every
    standard without its own). No steps: the rung goes back to the built-in one. Refuses
    an unknown rung, recipient or channel, and a named person who cannot see the site."""
    code = get_standard(standard_code).code if standard_code else None
    if level not in LADDER_LEVELS:
        raise ValidationError({"level": _("Choose one of the steps of the ladder.")})
    for spec in steps:
        _validate_step(site, spec)
    with transaction.atomic():
        policy, _created = EscalationPolicy.objects.select_for_update().get_or_create(site=site)
        policy.steps.filter(standard_id=code, level=level).delete()
        rows = EscalationStep.objects.bulk_create(
            EscalationStep(
                policy=policy,
                standard_id=code,
                level=level,
                recipient=spec.recipient,
                person=spec.person if spec.recipient == LadderRecipient.PERSON else None,
                channel=spec.channel,
            )
            for spec in steps
        )
        invalidate_site_policies(site)
        record_event(
            "site.escalation_policy_changed",
            subject=site,
            site=site,
            actor=actor,
            data={
                "standard": code,
                "level": level,
                "steps": [[row.recipient, row.channel, row.person_id] for row in rows],
            },
        )
    return rows


def _validate_step(site: Site, spec: StepSpec) -> None:
    if spec.recipient not in LadderRecipient.values:
        raise ValidationError({"recipient": _("Choose who hears at this step.")})
    if spec.channel not in LadderChannel.values:
        raise ValidationError({"channel": _("Choose e-mail or SMS.")})
    if spec.recipient == LadderRecipient.PERSON and (
        spec.person is None or not spec.person.is_active or not can_see_site(spec.person, site)
    ):
        raise ValidationError({"person": _("Name a person who works at this site.")})


def escalation_policy(site: Site) -> EscalationPolicy:
    """The site's ladder, or the defaults (unsaved) when it never set one. Cached per site
    (see `clocks.catalogue.site_policies`): treat it as read-only."""
    return site_policies(site).escalation


# --- computing from history -----------------------------------------------------------


def calendar_for_clock(clock: Clock) -> BusinessCalendar:
    if clock.calendar_kind == CalendarKind.ALWAYS:
        return ALWAYS_OPEN
    return calendar_for_site(clock.site)


def pause_spans(clock: Clock) -> list[PauseSpan]:
    return [(pause.started_at, pause.ended_at) for pause in clock.pauses.all()]


def compute_schedule(
    clock: Clock,
    *,
    pauses: Iterable[PauseSpan] | None = None,
    escalation: EscalationPolicy | None = None,
) -> Schedule:
    """The clock's deadlines from its history (stored pauses unless `pauses` is given).

    A site whose hours leave no open time at all (none configured, or closed for three
    years) cannot place a business deadline; rather than lose the obligation, it is
    planned 24/7 and a warning is logged. Fixing the hours re-plans it properly.
    """
    spans = list(pause_spans(clock) if pauses is None else pauses)
    escalation = escalation or escalation_policy(clock.site)
    arguments: dict[str, Any] = {
        "started_at": clock.started_at,
        "target_seconds": clock.target_seconds,
        "pauses": spans,
        "warn_ratio": Decimal(escalation.warn_at_ratio),
        "site_manager_after_seconds": escalation.site_manager_after_seconds,
    }
    try:
        return plan(calendar=calendar_for_clock(clock), **arguments)
    except CalendarError as error:
        logger.warning("Clock %s at site %s planned 24/7: %s", clock.pk, clock.site_id, error)
        return plan(calendar=ALWAYS_OPEN, **arguments)


def _apply_schedule(clock: Clock, schedule: Schedule) -> None:
    clock.warn_at = schedule.warn_at
    clock.due_at = schedule.due_at
    clock.next_action_at = (
        schedule.next_action_at(clock.escalation_level)
        if clock.state == ClockState.RUNNING
        else None
    )


# --- events ---------------------------------------------------------------------------


def subject_stand_in(clock: Clock) -> models.Model | None:
    """An unsaved instance carrying the subject's type and primary key.

    Enough to point an event or a notification at the subject without loading it, which
    also works after the subject was deleted. None if its model no longer exists at all.
    """
    model = ContentType.objects.get_for_id(clock.subject_type_id).model_class()
    if model is None:
        return None
    return model(pk=clock.subject_id)


def record_clock_event(
    verb: str,
    clock: Clock,
    *,
    actor: User | None = None,
    actor_label: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> Event:
    """Write an event on the clock's subject's timeline (internal: never shown to customers)."""
    event = build_clock_event(
        verb,
        clock,
        actor=actor,
        actor_label=actor_label,
        summary=summary,
        data=data,
        occurred_at=occurred_at,
    )
    record_events([event])
    return event


def build_clock_event(
    verb: str,
    clock: Clock,
    *,
    actor: User | None = None,
    actor_label: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    subject: models.Model | None = None,
) -> Event:
    """The unsaved event `record_clock_event` writes. `subject`, when the caller holds it,
    saves building a stand-in for it."""
    if subject is None:
        subject = subject_stand_in(clock)
    payload = {
        "clock": clock.pk,
        "standard": clock.standard_id,
        "label": clock.label,
        **(data or {}),
    }
    if subject is None:
        payload.update(subject_type=clock.subject_type_id, subject_id=clock.subject_id)
    site = clock.site
    return build_event(
        verb,
        subject=subject,
        site=site,
        organisation=site.organisation,
        actor=actor,
        actor_label=actor_label,
        summary=summary or f"{clock.standard_id} {clock.label}".strip(),
        data=payload,
        occurred_at=occurred_at or timezone.now(),
        internal=True,
    )


# --- helpers --------------------------------------------------------------------------


def _lock(clock: Clock) -> Clock:
    # OF self: lock the clock only, never the site or standard rows it joins.
    return (
        Clock.objects.select_for_update(of=("self",))
        .select_related("standard", "site__organisation")
        .get(pk=clock.pk)
    )


def _sync(target: Clock, source: Clock) -> Clock:
    """Copy the saved state onto the caller's instance, so it is never stale."""
    if target is not source:
        for model_field in Clock._meta.concrete_fields:
            setattr(target, model_field.attname, getattr(source, model_field.attname))
    return target


def _close_open_pause(clock: Clock, at: dt.datetime) -> None:
    for pause in clock.pauses.filter(ended_at__isnull=True):
        pause.ended_at = max(at, pause.started_at)
        pause.save(update_fields=["ended_at"])


def _last_resume(clock: Clock) -> dt.datetime:
    last_end = clock.pauses.filter(ended_at__isnull=False).order_by("-ended_at").first()
    if last_end is not None and last_end.ended_at is not None:
        return max(last_end.ended_at, clock.started_at)
    return clock.started_at


def _aware_or_now(value: dt.datetime | None, field_name: str) -> dt.datetime:
    if value is None:
        return timezone.now()
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({field_name: _("A timezone-aware date and time is required.")})
    return value


def _not_before(value: dt.datetime, earliest: dt.datetime, field_name: str) -> dt.datetime:
    if value < earliest:
        raise ValidationError(
            {
                field_name: _("This is before %(earliest)s, when the clock last changed.")
                % {"earliest": earliest.isoformat()}
            }
        )
    return value


def _validate_owner(owner: User, site: Site) -> None:
    if not owner.is_active or not can_see_site(owner, site):
        raise ValidationError(
            {"owner": _("%(user)s does not work at %(site)s.") % {"user": owner, "site": site}}
        )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
