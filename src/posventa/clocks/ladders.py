"""Who each rung of an escalation ladder tells, and by which channel (issue 11, item 3).

A site may set, per standard (or for every standard at once), who hears at each step:
the owner, the team leads, the service managers, the site managers or a named person, by
e-mail or SMS (`EscalationStep` rows on the site's `EscalationPolicy`). A rung the site
has not set uses the built-in ladder below. When a configured rung finds nobody to tell
(no owner, nobody in the role), the built-in rung is used instead: a breach is never
unheard. The sweeper and the ladder page's preview both choose through `recipients_for`,
so the preview says exactly what the next breach will do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from posventa.clocks.models import (
    Clock,
    ClockState,
    EscalationLevel,
    EscalationStep,
    LadderRecipient,
)
from posventa.core.access import users_with_role
from posventa.core.models import Role, Site, User

MANAGER_ROLES = (Role.TEAM_LEAD, Role.SERVICE_MANAGER)
# The built-in ladder: whoever is first on it hears (a site without team leads must still
# not let a breach go unheard, so it falls through to the next rung).
DEFAULT_LADDER: dict[int, tuple[tuple[str, ...], ...]] = {
    EscalationLevel.WARNED: (MANAGER_ROLES, (Role.SITE_MANAGER,), (Role.ADMIN,)),
    EscalationLevel.BREACHED: (MANAGER_ROLES, (Role.SITE_MANAGER,), (Role.ADMIN,)),
    EscalationLevel.SITE_MANAGER: ((Role.SITE_MANAGER,), (Role.ADMIN,)),
}
ROLE_OF = {
    LadderRecipient.TEAM_LEAD: Role.TEAM_LEAD,
    LadderRecipient.SERVICE_MANAGER: Role.SERVICE_MANAGER,
    LadderRecipient.SITE_MANAGER: Role.SITE_MANAGER,
}
LEVELS = (EscalationLevel.WARNED, EscalationLevel.BREACHED, EscalationLevel.SITE_MANAGER)

# Active people holding any of the roles at the clock's site (cached by the caller).
PeopleLookup = Callable[[tuple[str, ...]], list[User]]


@dataclass(frozen=True)
class Recipient:
    user: User
    channel: str | None  # None: their usual channel (e-mail, else SMS)


def steps_by_site(site_ids: Iterable[int]) -> dict[int, list[EscalationStep]]:
    """Every configured step of these sites, in one query."""
    rows = EscalationStep.objects.filter(policy__site_id__in=list(site_ids)).select_related(
        "person", "policy"
    )
    steps: dict[int, list[EscalationStep]] = defaultdict(list)
    for step in rows:
        steps[step.policy.site_id].append(step)
    return steps


def configured_steps(
    steps: Sequence[EscalationStep], standard_code: str, level: int
) -> list[EscalationStep]:
    """The steps set for this standard and rung, else those set for every standard."""
    own = [step for step in steps if step.standard_id == standard_code and step.level == level]
    if own:
        return own
    return [step for step in steps if step.standard_id is None and step.level == level]


def recipients_for(
    steps: Sequence[EscalationStep],
    standard_code: str,
    level: int,
    owner: User | None,
    people: PeopleLookup,
) -> list[Recipient]:
    """Who hears at this rung (each person once), by the site's steps or the built-in one."""
    chosen = _resolve(configured_steps(steps, standard_code, level), owner, people)
    if chosen:
        return chosen
    return [Recipient(user, None) for user in default_recipients(level, owner, people)]


def default_recipients(level: int, owner: User | None, people: PeopleLookup) -> list[User]:
    """The built-in rung: the owner is warned; breaches go up the roles."""
    if level == EscalationLevel.WARNED and owner is not None and owner.is_active:
        return [owner]
    for roles in DEFAULT_LADDER[level]:
        found = people(roles)
        if found:
            return found
    return []


def _resolve(
    steps: Sequence[EscalationStep], owner: User | None, people: PeopleLookup
) -> list[Recipient]:
    chosen: dict[int, Recipient] = {}
    for step in steps:
        for user in _people_of(step, owner, people):
            if user.is_active and user.pk not in chosen:
                chosen[user.pk] = Recipient(user, step.channel)
    return list(chosen.values())


def _people_of(step: EscalationStep, owner: User | None, people: PeopleLookup) -> list[User]:
    if step.recipient == LadderRecipient.OWNER:
        return [owner] if owner is not None else []
    if step.recipient == LadderRecipient.PERSON:
        return [step.person] if step.person is not None else []
    return people((ROLE_OF[LadderRecipient(step.recipient)],))


# --- the ladder page's preview ------------------------------------------------------------


@dataclass(frozen=True)
class RungPreview:
    level: int
    configured: bool  # the site set this rung (else the built-in one applies)
    recipients: list[Recipient]


@dataclass(frozen=True)
class LadderPreview:
    """What the next clock of a standard to fall due at a site would trigger, rung by rung:
    the real owner and people of that clock (or an unowned clock when none is running)."""

    clock: Clock | None
    rungs: list[RungPreview]


def preview(site: Site, standard_code: str) -> LadderPreview:
    steps = steps_by_site([site.pk]).get(site.pk, [])
    clock = (
        Clock.objects.filter(
            site=site, standard_id=standard_code, state=ClockState.RUNNING, due_at__isnull=False
        )
        .select_related("owner")
        .order_by("due_at", "id")
        .first()
    )
    owner = clock.owner if clock is not None else None
    cache: dict[tuple[str, ...], list[User]] = {}

    def people(roles: tuple[str, ...]) -> list[User]:
        if roles not in cache:
            cache[roles] = list(users_with_role(site, *roles))
        return cache[roles]

    rungs = [
        RungPreview(
            level,
            bool(configured_steps(steps, standard_code, level)),
            recipients_for(steps, standard_code, level, owner, people),
        )
        for level in LEVELS
    ]
    return LadderPreview(clock, rungs)
