"""The sweeper: finds clocks whose next escalation step is due and takes it, exactly once.

The ladder (one step per level, in order, each at most once per clock):

1. warning: the owner hears the deadline is near (no owner: the site's team leads and
   service managers);
2. breach: `breached_at` is set to the deadline and the team leads and service managers hear;
3. the site managers hear (falling back to the administrators) once the breach has lasted
   the site's `site_manager_after_seconds` of business time.

Who hears at each step, and by which channel, is the site's to set per standard
(clocks/ladders.py); the list above is the built-in ladder a site that set nothing gets.

Claiming. Each claim advances `escalation_level` and `next_action_at` with a compare-and-set
`UPDATE ... WHERE id = %s AND state = 'running' AND escalation_level = %s AND
next_action_at = %s`, and writes the steps' timeline events and outbox notifications in the
same transaction (for a whole batch at once: one INSERT of notifications, one of events, one
delivery task; a thousand escalations used to take a dozen statements each). Whoever loses
the compare-and-set does nothing, so any number of sweepers
on any number of machines never escalate twice. On PostgreSQL the candidates are also
locked with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent sweepers split the work
instead of racing for the same rows; on SQLite writers are serialised anyway and each
clock is claimed in its own short transaction.

A sweeper that was down catches up: all overdue steps of a clock are taken in order in one
claim.

Deleted subjects. A clock whose subject (case, call...) was deleted is still escalated, with
a warning in the log and in the message: an obligation to a customer does not disappear
because a row did, and a manager should see that it happened (seed 003: a complaint that
was never registered).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from posventa.clocks.actions import (
    build_clock_event,
    calendar_for_clock,
    escalation_policy,
    subject_stand_in,
)
from posventa.clocks.ladders import Recipient, recipients_for, steps_by_site
from posventa.clocks.models import (
    Clock,
    ClockState,
    EscalationLevel,
    EscalationPolicy,
    EscalationStep,
)
from posventa.core import heartbeat
from posventa.core.access import users_with_role
from posventa.core.models import Event, Site, User
from posventa.outbox.actions import build_user_notification, queue_notifications
from posventa.outbox.models import Notification

logger = logging.getLogger("posventa.clocks.sweeper")

ACTOR_LABEL = "sweeper"
# A clock whose escalation raised is tried again after this, not in a hot loop.
RETRY_AFTER = dt.timedelta(minutes=5)
STEP_VERBS = {
    EscalationLevel.WARNED: "clock.warned",
    EscalationLevel.BREACHED: "clock.breached",
    EscalationLevel.SITE_MANAGER: "clock.escalated",
}


@dataclass(frozen=True)
class Claimed:
    """One clock a sweeper won, and the escalation levels it took (in order)."""

    clock_id: int
    levels: tuple[int, ...]


def due_clocks(now: dt.datetime) -> QuerySet[Clock]:
    """The sweeper's only query, served by the partial index `clock_next_action_open`."""
    return Clock.objects.filter(state=ClockState.RUNNING, next_action_at__lte=now).order_by(
        "next_action_at"
    )


def claim_due_clocks(now: dt.datetime | None = None, batch_size: int = 100) -> list[Claimed]:
    """Claim up to `batch_size` due clocks and take their due escalation steps."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _claim_locked_batch(now, batch_size)
    return claim_candidates(list(due_clocks(now)[:batch_size]), now)


def lock_due_clocks(now: dt.datetime, batch_size: int) -> list[Clock]:
    """PostgreSQL: due clocks locked for this transaction; rows other sweepers hold are
    skipped. Must run inside a transaction."""
    return list(due_clocks(now).select_for_update(skip_locked=True, of=("self",))[:batch_size])


@dataclass
class ClaimPlan:
    """What claiming one clock will change: the steps it takes and where it stands after."""

    clock: Clock
    levels: list[int]
    next_action_at: dt.datetime | None
    breached_at: dt.datetime | None


def plan_claims(
    clocks: Sequence[Clock], now: dt.datetime, context: SweepContext
) -> list[ClaimPlan]:
    plans = []
    for clock in clocks:
        levels, next_action_at = context.steps_due(clock, now)
        breached_at = clock.breached_at
        if EscalationLevel.BREACHED in levels:
            # Permanent, and dated at the deadline, not when the sweeper noticed.
            breached_at = breached_at or clock.due_at
        plans.append(ClaimPlan(clock, levels, next_action_at, breached_at))
    return plans


def advance_claims(plans: Sequence[ClaimPlan], now: dt.datetime) -> set[int]:
    """Compare-and-set: move each clock to its new level and next action, but only if it
    still has the level and next action the plan was made from. Returns the ids won."""
    if not plans:
        return set()
    if connection.vendor == "postgresql" and len(plans) > 1:
        return _advance_claims_in_one_statement(plans, now)
    won = set()
    for plan in plans:
        clock = plan.clock
        changes: dict[str, object] = {
            "escalation_level": plan.levels[-1] if plan.levels else clock.escalation_level,
            "next_action_at": plan.next_action_at,
            "breached_at": plan.breached_at,
            "updated_at": now,
        }
        # UPDATE ... WHERE id = %s AND state = 'running' AND escalation_level = %s
        #   AND next_action_at = %s
        if Clock.objects.filter(
            pk=clock.pk,
            state=ClockState.RUNNING,
            escalation_level=clock.escalation_level,
            next_action_at=clock.next_action_at,
        ).update(**changes):
            won.add(clock.pk)
    return won


def _advance_claims_in_one_statement(plans: Sequence[ClaimPlan], now: dt.datetime) -> set[int]:
    """The same compare-and-set for a whole batch in one round trip (PostgreSQL): the
    expected and new values travel as arrays, one element per clock."""
    columns: list[list[Any]] = [[], [], [], [], [], []]
    for plan in plans:
        clock = plan.clock
        new_level = plan.levels[-1] if plan.levels else clock.escalation_level
        row = (
            clock.pk,
            clock.escalation_level,
            new_level,
            clock.next_action_at,
            plan.next_action_at,
            plan.breached_at,
        )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    table = connection.ops.quote_name(Clock._meta.db_table)
    sql = (
        f"UPDATE {table} AS c SET escalation_level = v.new_level, "
        "next_action_at = v.new_next, breached_at = COALESCE(c.breached_at, v.breached), "
        "updated_at = %s "
        "FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::timestamptz[], "
        "%s::timestamptz[], %s::timestamptz[]) "
        "AS v(id, old_level, new_level, old_next, new_next, breached) "
        "WHERE c.id = v.id AND c.state = 'running' AND c.escalation_level = v.old_level "
        "AND c.next_action_at = v.old_next RETURNING c.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *columns])
        return {row[0] for row in cursor.fetchall()}


def _claim_locked_batch(now: dt.datetime, batch_size: int) -> list[Claimed]:
    # Fast path: lock, advance and escalate the whole batch in one transaction.
    try:
        with transaction.atomic():
            clocks = lock_due_clocks(now, batch_size)
            context = SweepContext.for_clocks(clocks)
            plans = plan_claims(clocks, now, context)
            won = advance_claims(plans, now)
            return _escalate_plans(
                [plan for plan in plans if plan.clock.pk in won and plan.levels], now, context
            )
    except Exception:
        logger.warning("A sweep batch failed; claiming its clocks one by one", exc_info=True)
        return _claim_locked_one_by_one(now, batch_size)


def _claim_locked_one_by_one(now: dt.datetime, batch_size: int) -> list[Claimed]:
    """Slow path after a failed batch: a savepoint per clock, so the clock that fails is
    put off for a while and the others still escalate."""
    results = []
    with transaction.atomic():
        clocks = lock_due_clocks(now, batch_size)
        context = SweepContext.for_clocks(clocks)
        for clock in clocks:
            try:
                with transaction.atomic():
                    results.append(_claim_one(clock, now, context))
            except Exception:
                _postpone(clock, now)
    return [result for result in results if result is not None]


def claim_candidates(clocks: Sequence[Clock], now: dt.datetime) -> list[Claimed]:
    """Claim clocks read (without locks) by a sweeper, each in its own transaction.

    The clocks carry the `escalation_level` and `next_action_at` the sweeper saw; a claim
    only wins if the row still has them. Split out so tests can interleave two sweepers.
    """
    context = SweepContext.for_clocks(clocks)
    results = []
    for clock in clocks:
        try:
            with transaction.atomic():
                results.append(_claim_one(clock, now, context))
        except Exception:
            _postpone(clock, now)
    return [result for result in results if result is not None]


def _claim_one(clock: Clock, now: dt.datetime, context: SweepContext) -> Claimed | None:
    (plan,) = plan_claims([clock], now, context)
    if clock.pk not in advance_claims([plan], now) or not plan.levels:
        return None  # another sweeper took it, or it was only a stale next_action_at
    (claimed,) = _escalate_plans([plan], now, context)
    return claimed


def _postpone(clock: Clock, now: dt.datetime) -> None:
    """Log why a clock could not escalate and try it again later, not in a hot loop."""
    logger.exception("Escalating clock %s failed; retrying in %s", clock.pk, RETRY_AFTER)
    Clock.objects.filter(
        pk=clock.pk,
        escalation_level=clock.escalation_level,
        next_action_at=clock.next_action_at,
    ).update(next_action_at=now + RETRY_AFTER)


def _escalate_plans(
    plans: Sequence[ClaimPlan], now: dt.datetime, context: SweepContext
) -> list[Claimed]:
    """Take the steps of every won plan, then write all their notifications and timeline
    events at once (a handful of statements for the whole batch, not several per step)."""
    writes = _Writes()
    claimed = []
    for plan in plans:
        clock = plan.clock
        clock.breached_at = plan.breached_at
        for level in plan.levels:
            _escalate(clock, level, now, context, writes)
        clock.escalation_level = plan.levels[-1]
        clock.next_action_at = plan.next_action_at
        claimed.append(Claimed(clock.pk, tuple(plan.levels)))
    writes.flush()
    return claimed


@dataclass
class _Writes:
    """The rows a batch of escalations writes, kept until the batch is planned."""

    notifications: list[Notification] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def flush(self) -> None:
        queue_notifications(self.notifications, with_events=self.events)
        self.notifications, self.events = [], []


def _escalate(
    clock: Clock, level: int, now: dt.datetime, context: SweepContext, writes: _Writes
) -> None:
    """One step of the ladder: its timeline event and one notification per recipient."""
    subject_exists = context.subject_exists(clock)
    if not subject_exists:
        logger.warning(
            "Clock %s: its subject %s #%s was deleted; escalating anyway",
            clock.pk,
            clock.subject_type_id,
            clock.subject_id,
        )
    recipients = context.recipients(clock, level)
    if not recipients:
        logger.warning(
            "Clock %s level %s: nobody at site %s to tell", clock.pk, level, clock.site_id
        )
    clock.site = context.site(clock.site_id)
    related = context.stand_in(clock)
    undeliverable: list[int] = []
    # Recipients mostly share a language: each text is rendered once per language.
    texts: dict[str, tuple[str, str]] = {}
    for recipient in recipients:
        user = recipient.user
        language = user.language or ""
        if language not in texts:
            with translation.override(language or None):
                texts[language] = _message(clock, level, now, context, subject_exists)
        subject, body = texts[language]
        try:
            # Validated before anything is written, so a refusal leaves nothing behind.
            writes.notifications.append(
                build_user_notification(
                    user,
                    subject=subject,
                    body=body,
                    site=clock.site,
                    related=related,
                    automatic=True,
                    dedupe_key=f"clock:{clock.pk}:level:{level}:user:{user.pk}",
                    channel=recipient.channel,
                )
            )
        except ValidationError as error:
            # One person's broken address must not stall the ladder for everyone else.
            logger.warning(
                "Clock %s level %s: cannot notify user %s: %s", clock.pk, level, user.pk, error
            )
            undeliverable.append(user.pk)
    writes.events.append(
        build_clock_event(
            STEP_VERBS[EscalationLevel(level)],
            clock,
            actor_label=ACTOR_LABEL,
            occurred_at=now,
            subject=related,
            data={
                "level": level,
                "scheduled_for": _iso(context.step_time(clock, level)),
                "due_at": _iso(clock.due_at),
                "recipients": [recipient.user.pk for recipient in recipients],
                "undeliverable": undeliverable,
                "subject_deleted": not subject_exists,
            },
        )
    )


def _message(
    clock: Clock, level: int, now: dt.datetime, context: SweepContext, subject_exists: bool
) -> tuple[str, str]:
    site = context.site(clock.site_id)
    zone = ZoneInfo(site.timezone)
    values = {
        "code": clock.standard_id,
        "label": clock.label or f"#{clock.pk}",
        "site": site.name,
        "due": clock.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if clock.due_at else "-",
        "owner": str(owner) if (owner := context.owner(clock)) else _("nobody"),
    }
    if level == EscalationLevel.WARNED:
        subject = _("Due soon: %(code)s %(label)s at %(site)s") % values
        body = (
            _("%(code)s %(label)s at %(site)s is due at %(due)s (site time). Owner: %(owner)s.")
            % values
        )
    elif level == EscalationLevel.BREACHED:
        subject = _("Deadline missed: %(code)s %(label)s at %(site)s") % values
        body = (
            _(
                "%(code)s %(label)s at %(site)s was due at %(due)s (site time) and is "
                "still open. Owner: %(owner)s."
            )
            % values
        )
    else:
        subject = _("Still overdue: %(code)s %(label)s at %(site)s") % values
        body = (
            _(
                "%(code)s %(label)s at %(site)s was due at %(due)s (site time); the team "
                "lead and service manager were told and it is still open. "
                "Owner: %(owner)s."
            )
            % values
        )
    if not subject_exists:
        body += "\n" + _("Its subject has been deleted, but the obligation was not met.")
    return subject, body


@dataclass
class SweepContext:
    """What a batch of escalations reads again and again, read once."""

    sites: dict[int, Site] = field(default_factory=dict)
    policies: dict[int, EscalationPolicy] = field(default_factory=dict)
    people: dict[tuple[int, tuple[str, ...]], list[User]] = field(default_factory=dict)
    existing_subjects: dict[int, set[str]] = field(default_factory=dict)
    owners: dict[int, User] = field(default_factory=dict)
    checked_subjects: set[tuple[int, str]] = field(default_factory=set)
    stand_ins: dict[tuple[int, str], Any] = field(default_factory=dict)
    steps: dict[int, list[EscalationStep]] = field(default_factory=dict)
    # The batch's clocks: owners and subjects are read for all of them at the first need,
    # which is after the claim (a claim that escalates nothing reads neither).
    batch: list[Clock] = field(default_factory=list)
    _batch_loaded: bool = False

    @classmethod
    def for_clocks(cls, clocks: Sequence[Clock]) -> SweepContext:
        context = cls(batch=list(clocks))
        site_ids = {clock.site_id for clock in clocks}
        context.sites = {
            site.pk: site
            for site in Site.objects.filter(pk__in=site_ids).select_related("organisation")
        }
        for policy in EscalationPolicy.objects.filter(site_id__in=site_ids):
            context.policies[policy.site_id] = policy
        # Only sites that set a ladder have steps: others cost no query.
        with_policy = [site_id for site_id in site_ids if site_id in context.policies]
        context.steps = {site_id: [] for site_id in site_ids}
        context.steps.update(steps_by_site(with_policy) if with_policy else {})
        return context

    def _load_batch(self) -> None:
        if not self._batch_loaded:
            self._batch_loaded = True
            self._load_existing_subjects(self.batch)
            owner_ids = {clock.owner_id for clock in self.batch if clock.owner_id is not None}
            self.owners.update(User.objects.in_bulk(owner_ids))

    def stand_in(self, clock: Clock) -> Any:
        """The clock's subject as an unsaved stand-in (type and key), one per subject."""
        key = (clock.subject_type_id, clock.subject_id)
        if key not in self.stand_ins:
            self.stand_ins[key] = subject_stand_in(clock)
        return self.stand_ins[key]

    def owner(self, clock: Clock) -> User | None:
        if clock.owner_id is None:
            return None
        self._load_batch()
        if clock.owner_id not in self.owners:
            self.owners[clock.owner_id] = User.objects.get(pk=clock.owner_id)
        return self.owners[clock.owner_id]

    def site(self, site_id: int) -> Site:
        if site_id not in self.sites:
            self.sites[site_id] = Site.objects.select_related("organisation").get(pk=site_id)
        return self.sites[site_id]

    def policy(self, site_id: int) -> EscalationPolicy:
        if site_id not in self.policies:
            self.policies[site_id] = escalation_policy(self.site(site_id))
        return self.policies[site_id]

    def step_time(self, clock: Clock, level: int) -> dt.datetime | None:
        if level == EscalationLevel.WARNED:
            return clock.warn_at
        if level == EscalationLevel.BREACHED:
            return clock.due_at
        if level == EscalationLevel.SITE_MANAGER and clock.due_at is not None:
            clock.site = self.site(clock.site_id)
            after = dt.timedelta(seconds=self.policy(clock.site_id).site_manager_after_seconds)
            return calendar_for_clock(clock).add(clock.due_at, after)
        return None

    def steps_due(self, clock: Clock, now: dt.datetime) -> tuple[list[int], dt.datetime | None]:
        """The levels due by `now` (in order) and when the step after them falls due."""
        levels: list[int] = []
        level = clock.escalation_level
        while level < EscalationLevel.SITE_MANAGER:
            at = self.step_time(clock, level + 1)
            if at is None or at > now:
                return levels, at
            level += 1
            levels.append(level)
        return levels, None

    def recipients(self, clock: Clock, level: int) -> list[Recipient]:
        """Who hears of this step: the site's ladder for the standard (clocks/ladders.py)."""
        site_id = clock.site_id
        if site_id not in self.steps:
            self.steps.update(steps_by_site([site_id]))
            self.steps.setdefault(site_id, [])
        return recipients_for(
            self.steps[site_id],
            clock.standard_id,
            level,
            self.owner(clock),
            lambda roles: self._people(site_id, roles),
        )

    def _people(self, site_id: int, roles: tuple[str, ...]) -> list[User]:
        key = (site_id, roles)
        if key not in self.people:
            self.people[key] = list(users_with_role(self.site(site_id), *roles))
        return self.people[key]

    def subject_exists(self, clock: Clock) -> bool:
        self._load_batch()
        if (clock.subject_type_id, clock.subject_id) not in self.checked_subjects:
            self._load_existing_subjects([clock])
        return clock.subject_id in self.existing_subjects.get(clock.subject_type_id, set())

    def _load_existing_subjects(self, clocks: Sequence[Clock]) -> None:
        ids_by_type: dict[int, set[str]] = defaultdict(set)
        for clock in clocks:
            ids_by_type[clock.subject_type_id].add(clock.subject_id)
            self.checked_subjects.add((clock.subject_type_id, clock.subject_id))
        for type_id, ids in ids_by_type.items():
            model = ContentType.objects.get_for_id(type_id).model_class()
            if model is None:
                continue
            keys = []
            for raw in ids:
                try:
                    keys.append(model._meta.pk.to_python(raw))
                except (ValueError, TypeError, ValidationError):
                    continue  # an id that cannot even be a key of this model: not there
            found = model._base_manager.filter(pk__in=keys).values_list("pk", flat=True)
            self.existing_subjects.setdefault(type_id, set()).update(str(pk) for pk in found)


# --- the loop -------------------------------------------------------------------------


@dataclass
class SweepStats:
    claimed: int = 0
    steps: int = 0
    rounds: int = 0


def sweep(
    now: dt.datetime | None = None, batch_size: int = 100, max_batches: int | None = None
) -> SweepStats:
    """Claim batches until nothing is due (or `max_batches`). One pass of the loop."""
    stats = SweepStats()
    while max_batches is None or stats.rounds < max_batches:
        claimed = claim_due_clocks(now or timezone.now(), batch_size)
        stats.rounds += 1
        stats.claimed += len(claimed)
        stats.steps += sum(len(item.levels) for item in claimed)
        if len(claimed) < batch_size:
            break
    return stats


class Housekeeping:
    """Safety nets that any long-running sweeper also runs, every HOUSEKEEPING_SECONDS.

    The jobs (settings.POSVENTA_HOUSEKEEPING_JOBS, dotted paths to functions taking no
    argument) recover work whose normal trigger was lost: an inbound row left pending by a
    crash between storing and processing, a notification whose task vanished. Both are
    idempotent and claim rows with compare-and-set, so several sweepers may run them.
    """

    def __init__(self) -> None:
        self.every = float(getattr(settings, "POSVENTA_HOUSEKEEPING_SECONDS", 30))
        self.jobs: list[Callable[[], object]] = [
            import_string(path) for path in getattr(settings, "POSVENTA_HOUSEKEEPING_JOBS", [])
        ]
        self.last_run = -math.inf

    def run_if_due(self) -> None:
        if time.monotonic() - self.last_run < self.every:
            return
        self.last_run = time.monotonic()
        for job in self.jobs:
            try:
                job()
            except Exception:
                logger.exception("Housekeeping job %s failed", job)


def run_forever(stop: threading.Event, *, interval: float = 2.0, batch_size: int = 100) -> None:
    """Sweep every `interval` seconds until `stop` is set. Safe to run in a thread (the
    all-in-one `posventa run`) or as the `sweep` management command."""
    logger.info("Sweeper started (interval %ss, batch %s)", interval, batch_size)
    housekeeping = Housekeeping()
    alive = heartbeat.Throttled(heartbeat.SWEEPER, every=sweeper_beat_period(interval))
    while not stop.is_set():
        started = time.monotonic()
        try:
            close_old_connections()
            stats = sweep(batch_size=batch_size)
            if stats.claimed:
                logger.info("Escalated %s steps on %s clocks", stats.steps, stats.claimed)
            # Only a pass that worked counts: a sweeper that keeps failing shows as stale.
            alive()
        except Exception:
            # The database may be restarting; keep the loop alive and try again.
            logger.exception("Sweep failed; retrying in %ss", interval)
        housekeeping.run_if_due()
        stop.wait(max(interval - (time.monotonic() - started), 0.0))
    close_old_connections()
    logger.info("Sweeper stopped")


def sweeper_beat_period(interval: float) -> float:
    """How often a sweeper looping every `interval` seconds records its heartbeat."""
    return max(interval, heartbeat.heartbeat_seconds())


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
